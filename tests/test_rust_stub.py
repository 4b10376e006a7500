#!/usr/bin/env python3
"""`archport stub` on copies of the Rust fixtures, graded by Debian's cargo and
rustc (/usr/bin, 1.63: the ones on PATH may be rustup's without the aarch64
std). For fixtures/rust-vmm (a workspace) and fixtures/rust-ported (one
crate) with --target aarch64, and the reverse port, fixtures/rust-hyp (an
aarch64 hypervisor workspace) with --target x86_64, where the roles below
swap (the aarch64 objects stay identical, its tests run under qemu-aarch64
before the patch; x86_64 builds and runs its tests natively after), each
copied to a temporary directory with its own cargo target directory:

  before the patch
    - `cargo test` passes for x86_64 (the host), so a broken fixture shows;
    - (rust-ported, whose patch must be empty) it builds for aarch64;
    - every lib and bin target (`cargo metadata`) gets an x86_64 object:
      `cargo build --release --target x86_64-unknown-linux-gnu` with
      opt-level 2, debuginfo 2 (-g), one codegen unit, no incremental, and a
      RUSTC_WRAPPER adding `--emit=obj=<package>.<lib|bin>.<crate>.o`;
      the objects are moved aside;
  the patch
    - `patch -p1` applies it and gives the same files as `stub --write`;
  after the patch (in place: same absolute paths, so the objects can match)
    - the x86_64 release build is redone from scratch and every object is
      byte-identical to its before-twin (Rust has no #line, so no original
      line or column may move; a mismatch names the ELF sections that differ);
    - `cargo build --target aarch64-unknown-linux-gnu` builds the workspace
      and links its executables with aarch64-linux-gnu-gcc (checked: aarch64
      ELF), `cargo test --no-run` builds and links the test binaries, and
      `cargo test` runs them under qemu-aarch64 and they pass (the fixtures'
      tests cover portable paths, not the todo!() stubs); a step after a
      failed one is reported "not run", so every run prints the same lines;
    - packages listed in UNFIXED (with the reason) are left out of those
      and must still fail for aarch64, so the list stays honest.

The runner is `qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=
/usr/aarch64-linux-gnu/lib` (see graded_lib/cargo.py: without -E the test
harness hangs in its first thread). Missing tools (qemu-aarch64, the aarch64
std, the cross gcc) are a failure naming scripts/setup.sh. Prints ok/not ok
lines (a failure with cargo's error diagnostics or the harness's failures)
and `N passed, M failed` last; exit 1 on failure. Takes about 20 s."""
import argparse
import filecmp
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from graded_lib import cargo  # noqa: E402
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
# tree -> (the port's target, the patch must be empty)
TREES = {"rust-vmm": ("aarch64", False), "rust-ported": ("aarch64", True), "rust-hyp": ("x86_64", False)}
TRIPLE = {"aarch64": cargo.AARCH64, "x86_64": cargo.X86_64}
EM_X86_64 = 62


def source_of(target):
    """The arch whose build the port keeps identical."""
    return "aarch64" if target == "x86_64" else "x86_64"
# "<tree>/<package>" -> why the patched package still fails for aarch64
UNFIXED = {}

passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}")
        lines = detail.strip().splitlines()
        if len(lines) > 24:   # the first error and the end (cargo's summary)
            lines = lines[:16] + [f"[... {len(lines) - 24} lines ...]"] + lines[-8:]
        for line in lines:
            print(f"    {line}")
    sys.stdout.flush()


STATUS = re.compile(r"^\s+(Compiling|Checking|Finished|Running|Fresh|Doc-tests|Executable|Blocking)\b")
DIAGNOSTIC = re.compile(r"^(error|warning)(\[\w+\])?:")


def errors(stderr):
    """The error diagnostics in cargo's stderr (status lines and warnings
    left out), or the whole stderr when there is none."""
    blocks, block = [], None
    for line in stderr.splitlines():
        if STATUS.match(line):
            block = None
        elif DIAGNOSTIC.match(line):
            block = [line] if line.startswith("error") else None
            if block:
                blocks.append(block)
        elif block is not None:
            block.append(line)
    return "\n".join("\n".join(b) for b in blocks) if blocks else stderr


def test_failures(stdout):
    """The test harness's report from its first `failures:` section on (the
    panic messages), or all of stdout."""
    m = re.search(r"^failures:$", stdout, re.M)
    return stdout[m.start():] if m else stdout


def same_trees(a, b):
    """Relative paths whose contents differ, or exist on one side only."""
    diff = []
    for root, _dirs, files in os.walk(a):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), a)
            other = os.path.join(b, rel)
            if not os.path.exists(other) or not filecmp.cmp(os.path.join(root, name), other, shallow=False):
                diff.append(rel)
    for root, _dirs, files in os.walk(b):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), b)
            if not os.path.exists(os.path.join(a, rel)):
                diff.append(rel)
    return diff


def restore_lock(src, tree):
    """Put Cargo.lock back as the fixture has it (cargo writes one)."""
    lock, orig = os.path.join(tree, "Cargo.lock"), os.path.join(src, "Cargo.lock")
    if os.path.exists(orig):
        shutil.copy2(orig, lock)
    elif os.path.exists(lock):
        os.unlink(lock)


def source_objects(tree, env, wrapper, dest, triple):
    """Build every lib and bin target for the source triple from scratch with
    the object wrapper and move the objects to dest: ({(package, kind,
    crate): path}, cargo's exit code, its stderr)."""
    target_dir = env["CARGO_TARGET_DIR"]
    emit = os.path.join(target_dir, "archport-obj")
    for d in (emit, os.path.join(target_dir, triple, "release"), os.path.join(target_dir, "release")):
        shutil.rmtree(d, ignore_errors=True)   # a from-scratch build: every target emits its object
    env = dict(env, RUSTC_WRAPPER=wrapper, ARCHPORT_OBJ_DIR=emit, **cargo.OBJ_PROFILE)
    code, _out, err = cargo.run(tree, ["build", "--offline", "--release", "--workspace", "--target", triple],
                                env)
    objs = {}
    if os.path.isdir(emit):
        shutil.move(emit, dest)
        for n in sorted(os.listdir(dest)):
            pkg, kind, crate, _o = n.split(".")
            objs[(pkg, kind, crate)] = os.path.join(dest, n)
    return objs, code, err


def target_steps(name, tree, env, unfixed, was_broken, target):
    """Build and link, build the tests and run them for the target (the
    packages in unfixed left out). A step after a failed one is reported not
    run, so that every run prints the same lines."""
    args = ["--offline", "--workspace", "--target", TRIPLE[target]]
    machine = cargo.EM_AARCH64 if target == "aarch64" else EM_X86_64
    for pkg in sorted(unfixed):
        args += ["--exclude", pkg]
    before = "failed before the patch" if was_broken else "built before the patch too"
    broken = None
    for step, what in ((["build"], f"builds and links for {target}, {before}"),
                       (["test", "--no-run"], f"test binaries build and link for {target}")):
        if broken:
            check(False, f"{name}: {what}: not run, {broken} failed")
            continue
        code, out, err = cargo.run(tree, step + ["--message-format=json-render-diagnostics"] + args, env)
        exes = cargo.executables(out)
        wrong = [f"not an {target} executable: {e}" for e in exes if cargo.elf_machine(e) != machine]
        check(code == 0 and not wrong, f"{name}: {what} ({len(exes)} executables)",
              errors(err) + "\n".join(wrong))
        if code != 0 or wrong:
            broken = f"`cargo {' '.join(step)}`"
    what = f"cargo test passes for {target}" + (" under qemu-aarch64" if target == "aarch64" else "")
    if broken:
        check(False, f"{name}: {what}: not run, {broken} failed")
        return
    code, out, err = cargo.run(tree, ["test"] + args, env, timeout=300)
    tests, binaries = cargo.tests_passed(out)
    check(code == 0, f"{name}: {what} ({tests} tests passed, {binaries} suites)",
          test_failures(out) + errors(err))


def test_tree(archport, wrapper, name, target, must_be_empty, work):
    src = os.path.join(FIXTURES, name)
    source = source_of(target)
    tree, written = os.path.join(work, name), os.path.join(work, name + ".written")
    shutil.copytree(src, tree)
    shutil.copytree(src, written)
    stub = subprocess.run([archport, "stub", "--target", target, tree], capture_output=True, text=True)
    check(stub.returncode == 0, f"{name}: archport stub runs", stub.stderr)
    if must_be_empty:
        check(stub.stdout == "", f"{name}: already builds for {target}, empty patch", stub.stdout)
    else:
        check(stub.stdout != "", f"{name}: the patch is not empty")
    w = subprocess.run([archport, "stub", "--target", target, "--write", written], capture_output=True, text=True)
    check(w.returncode == 0, f"{name}: archport stub --write runs", w.stderr)

    env = cargo.environment(os.path.join(work, name + ".target"), os.path.join(work, "cargo-home"))
    unfixed = {k.split("/", 1)[1]: why for k, why in UNFIXED.items() if k.split("/", 1)[0] == name}

    # before the patch
    code, out, err = cargo.run(tree, ["test", "--offline", "--workspace", "--target", TRIPLE[source]], env)
    tests, binaries = cargo.tests_passed(out)
    check(code == 0, f"{name}: cargo test passes for {source} before the patch "
          f"({tests} tests passed, {binaries} suites)",
          test_failures(out) + errors(err))
    a64, _out, a64_err = cargo.run(tree, ["build", "--offline", "--workspace", "--target", TRIPLE[target]], env)
    if must_be_empty:
        check(a64 == 0, f"{name}: builds for {target} before the patch (nothing to fix)", errors(a64_err))
    try:
        expected = cargo.targets(tree, env)
    except RuntimeError as e:
        check(False, f"{name}: cargo metadata lists the package targets", str(e))
        expected = []
    before, code, err = source_objects(tree, env, wrapper, os.path.join(work, name + ".obj-before"), TRIPLE[source])
    missing = [f"no object for {p} ({k} {c})" for p, k, c in expected if (p, k, c) not in before]
    check(code == 0 and expected and not missing, f"{name}: {source} release build before the patch, "
          f"objects of all {len(expected)} lib/bin targets",
          errors(err) + "\n".join(missing))
    restore_lock(src, tree)

    # the patch
    if stub.stdout:
        p = subprocess.run(["patch", "-p1", "--quiet"], cwd=tree, input=stub.stdout, capture_output=True, text=True)
        check(p.returncode == 0, f"{name}: patch -p1 applies", p.stdout + p.stderr)
    diff = same_trees(tree, written)
    check(not diff, f"{name}: --write gives the same files as the patch", "\n".join(diff))

    # after the patch
    after, code, err = source_objects(tree, env, wrapper, os.path.join(work, name + ".obj-after"), TRIPLE[source])
    check(code == 0, f"{name}: {source} release build after the patch", errors(err))
    for key in sorted(set(before) | set(after) | set(expected)):
        pkg, kind, crate = key
        what = f"{name}: {pkg} ({kind} {crate}) {source} object byte-identical after the patch"
        if key not in before or key not in after:
            check(False, what, f"no object {'before' if key not in before else 'after'} the patch")
        else:
            same = filecmp.cmp(before[key], after[key], shallow=False)
            check(same, what, "" if same else
                  "differing sections: " + " ".join(cargo.differing_sections(before[key], after[key])))

    target_steps(name, tree, env, unfixed, a64 != 0, target)
    names = {p for p, _k, _c in expected}
    for pkg, why in sorted(unfixed.items()):
        code, _out, err = cargo.run(tree, ["build", "--offline", "-p", pkg, "--target", TRIPLE[target]], env)
        check(pkg in names and code not in (0, None),
              f"{name}/{pkg}: still fails for {target} as listed ({why})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archport", default=os.path.join(os.path.dirname(HERE), "bin/archport"))
    args = ap.parse_args()
    missing = cargo.missing_tools()
    if missing:
        check(False, "the Rust cross tools are installed",
              "missing: " + ", ".join(missing) + "\nrun scripts/setup.sh to install them")
    else:
        with tempfile.TemporaryDirectory(prefix="archport-rust-stub-") as work:
            # a private copy: others may relink bin/archport while this runs
            archport = os.path.join(work, "archport")
            shutil.copy2(args.archport, archport)
            wrapper = os.path.join(work, "rustc-emit-obj")
            with open(wrapper, "w") as f:
                f.write(cargo.OBJ_WRAPPER)
            os.chmod(wrapper, stat.S_IRWXU)
            for name, (target, empty) in TREES.items():
                test_tree(archport, wrapper, name, target, empty, work)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
