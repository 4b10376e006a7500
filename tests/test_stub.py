#!/usr/bin/env python3
"""archport stub, graded by the compilers.

For every fixture that does not build for a target, on a scratch copy:
  1. `archport stub` prints a patch; `patch -p1` applies it; `stub --write`
     on a second copy gives the same files (the two outputs agree);
  2. the x86_64 objects built with -O2 -g before and after the patch are
     byte-identical (the patch must not change the x86 build);
  3. the patched tree builds for the target (`make CC=<triple>-gcc all`);
  4. its test program runs under QEMU user mode. A fixture whose test goes
     through a stubbed path (a trap, or CPUID reporting nothing, by design)
     is listed in STUBBED_PATHS with the reason, and must then fail (on the
     trap when it dies of a signal), not pass.
Also: every row of rules/idioms.tsv assembles with each target's gcc.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIPLES = {"aarch64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu"}
# Fixtures whose own test calls code that only exists as a trap on the
# target; the test run must then stop on the trap.
STUBBED_PATHS = {
    "coro-x86": "the context switch is x86 assembly; its aarch64 twin traps",
    "portio-x86": "port I/O has no aarch64 equivalent; the twin traps",
    "fenv-lite": "the x87/SSE control-word functions are stubbed to trap",
    "simd-kernel": "the SSE2 kernel is gated; its twin traps (use --simde to run it)",
    "timing-x86": "CPUID is stubbed to report nothing, and the test wants a CPU vendor",
}
ENV = dict(os.environ, LC_ALL="C")


def run(cmd, cwd, env=None):
    return subprocess.run(cmd, cwd=cwd, env=env or ENV, capture_output=True, text=True)


def objects(tree):
    """Relative path -> absolute path of every .o under tree."""
    found = {}
    for dirpath, _, files in os.walk(tree):
        for f in files:
            if f.endswith(".o"):
                p = os.path.join(dirpath, f)
                found[os.path.relpath(p, tree)] = p
    return found


def host_build(tree, stash):
    """Builds tree with the host gcc and moves its objects to stash."""
    r = run(["make", "-k", "CC=gcc", "all"], tree)
    if r.returncode != 0:
        return "host build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    os.makedirs(stash, exist_ok=True)
    for rel, path in objects(tree).items():
        dest = os.path.join(stash, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(path, dest)
    run(["make", "clean"], tree)
    for rel, path in objects(tree).items():
        os.remove(path)
    return None


def compare_objects(before, after):
    a, b = objects(before), objects(after)
    if not a:
        return "no objects were built"
    if set(a) != set(b):
        return "object sets differ: %s" % sorted(set(a) ^ set(b))
    differ = [rel for rel in sorted(a) if not filecmp.cmp(a[rel], b[rel], shallow=False)]
    return ("differ: " + ", ".join(differ)) if differ else None


def test_programs(tree):
    progs = []
    for f in sorted(os.listdir(tree)):
        p = os.path.join(tree, f)
        if f.startswith("test_") and os.access(p, os.X_OK) and not os.path.isdir(p) and "." not in f:
            progs.append(p)
    return progs


def check_fixture(archport, name, target, work):
    """Returns None when every step holds, else the reason."""
    src = os.path.join(ROOT, "fixtures", name)
    tree = os.path.join(work, "tree")
    shutil.copytree(src, tree, symlinks=True)
    # the unpatched x86 build, at the same path as the patched one (DWARF
    # records the directory)
    err = host_build(tree, os.path.join(work, "before"))
    if err:
        return err
    p = run([archport, "stub", "--target", target, "."], tree)
    if p.returncode != 0:
        return "stub failed: " + p.stderr.strip()
    if not p.stdout:
        return "stub printed an empty patch for a tree that does not build"
    a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                       capture_output=True)
    if a.returncode != 0:
        return "patch -p1 failed: " + (a.stdout + a.stderr).strip()[:300]
    written = os.path.join(work, "written")
    shutil.copytree(src, written, symlinks=True)
    w = run([archport, "stub", "--target", target, "--write", "."], written)
    if w.returncode != 0:
        return "stub --write failed: " + w.stderr.strip()
    for dirpath, _, files in os.walk(written):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), written)
            if not filecmp.cmp(os.path.join(written, rel), os.path.join(tree, rel), shallow=False):
                return "stub --write and the applied patch differ in " + rel
    err = host_build(tree, os.path.join(work, "after"))
    if err:
        return "after the patch, " + err
    err = compare_objects(os.path.join(work, "before"), os.path.join(work, "after"))
    if err:
        return "x86_64 objects changed: " + err
    triple = TRIPLES[target]
    b = run(["make", "-k", "CC=%s-gcc" % triple, "all"], tree)
    if b.returncode != 0:
        errors = [l for l in (b.stdout + b.stderr).splitlines() if "error" in l.lower()]
        return "%s build failed: %s" % (target, (errors or ["?"])[0])
    progs = test_programs(tree)
    if not progs:
        return "no test program was built"
    for prog in progs:
        t = run(["qemu-%s" % target, "-L", "/usr/" + triple, prog], tree)
        stubbed = STUBBED_PATHS.get(name)
        if stubbed:
            if t.returncode == 0:
                return "%s passed, but it runs a stubbed path (%s)" % (os.path.basename(prog), stubbed)
            if t.returncode < 0 and t.returncode not in (-5, -4):
                return "%s died of signal %d, not a trap" % (os.path.basename(prog), -t.returncode)
        elif t.returncode != 0:
            return "%s failed under qemu (%d): %s" % (os.path.basename(prog), t.returncode,
                                                     (t.stdout + t.stderr).strip()[-200:])
    return None


def check_idioms(target):
    """Each idiom of rules/idioms.tsv assembles for the target."""
    rows = []
    with open(os.path.join(ROOT, "rules", "idioms.tsv")) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    header = lines[0].split("\t")
    for l in lines[1:]:
        rows.append(dict(zip(header, l.split("\t"))))
    body = []
    for i, r in enumerate(rows):
        tmpl = r[target]
        if r["operands"] == "none":
            body.append('void f%d(void) { __asm__ volatile("%s"); }' % (i, tmpl))
        elif r["operands"] == "counter":
            body.append('unsigned long long f%d(void) { unsigned long long t; __asm__ volatile("%s" : "=r"(t)); return t; }'
                        % (i, tmpl))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "idioms.c")
        with open(src, "w") as f:
            f.write("\n".join(body) + "\n")
        r = run(["%s-gcc" % TRIPLES[target], "-O2", "-c", src, "-o", os.path.join(d, "idioms.o")], d)
        return None if r.returncode == 0 else r.stderr.strip()[:400]


def check_simde(archport, target, work):
    """--simde: the SSE2 kernel itself runs on the target, through SIMDe,
    and its test prints the same as on x86_64."""
    src = os.path.join(ROOT, "fixtures", "simd-kernel")
    outputs = {}
    for arch in ("x86_64", target):
        tree = os.path.join(work, arch)
        shutil.copytree(src, tree, symlinks=True)
        w = run([archport, "stub", "--simde", "--target", target, "--write", "."], tree)
        if w.returncode != 0:
            return "stub --simde failed: " + w.stderr.strip()
        cc = "gcc" if arch == "x86_64" else "%s-gcc" % TRIPLES[target]
        b = run(["make", "CC=" + cc, "all"], tree)
        if b.returncode != 0:
            return "%s build failed: %s" % (arch, (b.stdout + b.stderr).strip()[-300:])
        cmd = ["./test_simd_kernel"] if arch == "x86_64" else \
            ["qemu-%s" % target, "-L", "/usr/" + TRIPLES[target], "./test_simd_kernel"]
        t = run(cmd, tree)
        if t.returncode != 0:
            return "%s test failed: %s" % (arch, (t.stdout + t.stderr).strip()[-200:])
        outputs[arch] = t.stdout
    if outputs["x86_64"] != outputs[target]:
        return "outputs differ: %r vs %r" % (outputs["x86_64"], outputs[target])
    return None


def x86_fixtures():
    return sorted(n for n in os.listdir(os.path.join(ROOT, "fixtures"))
                  if not n.startswith("portable-") and os.path.exists(os.path.join(ROOT, "fixtures", n, "Makefile")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    ap.add_argument("--targets", default="aarch64,riscv64")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    passed = failed = 0
    for target in args.targets.split(","):
        err = check_idioms(target)
        print(("ok - idioms assemble for %s" % target) if not err else "not ok - idioms for %s: %s" % (target, err))
        passed, failed = passed + (not err), failed + bool(err)
        with tempfile.TemporaryDirectory(prefix="archport-simde-") as work:
            err = check_simde(archport, target, work)
        print(("ok - simd-kernel --simde [%s]" % target) if not err else
              "not ok - simd-kernel --simde [%s]: %s" % (target, err))
        passed, failed = passed + (not err), failed + bool(err)
        for name in x86_fixtures():
            if args.only and name not in args.only.split(","):
                continue
            with tempfile.TemporaryDirectory(prefix="archport-stub-") as work:
                err = check_fixture(archport, name, target, work)
            label = "%s [%s]" % (name, target)
            print(("ok - " + label) if not err else "not ok - %s: %s" % (label, err))
            passed, failed = passed + (not err), failed + bool(err)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
