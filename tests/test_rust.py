#!/usr/bin/env python3
"""Compiler-graded test of archport's Rust front end.

Every crate of every fixtures/rust-*/ tree (a directory with a Cargo.toml that
has [package] and a library root, src/lib.rs or its [lib] path, or src/main.rs) is built with Debian's rustc,
code generation included (only it rejects bad asm mnemonics):

    /usr/bin/rustc --edition 2021 --crate-type lib --target <triple> --emit=obj -O
                   --cfg 'feature="…"' (the crate's default features)

The files rustc reports errors in (the primary span, or for errors raised in
std macros the expansion site in the tree) are the truth; archport's JSON
report predicts a file broken when it has an "error" finding there. (An
assembler error in a global_asm! comes from rustc 1.63 with no span, only the
assembly line: it is the crate's one file whose global_asm! has that line.) Each
(fixture, target) pair passes when every .rs file agrees. A tree is the source
of a port to the other target: it must build (no rustc error) for one of the
graded targets, x86_64 for the forward fixtures, aarch64 for an aarch64-only
tree (rust-hyp), and archport must report no error there; a tree that builds
for neither is a failure of its own.

    python3 tests/test_rust.py [--archport bin/archport] [--fixtures fixtures] [-v]

The last line is "N passed, M failed"; the exit status is 0 iff M is 0.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import re
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
from graded_lib import cargo  # noqa: E402
RUSTC = "/usr/bin/rustc"
TRIPLES = {"aarch64": "aarch64-unknown-linux-gnu", "x86_64": "x86_64-unknown-linux-gnu"}
TRIPLES_BY_CFG = {}


def crates(tree):
    """(crate dir, root file, default features) of every package in the tree."""
    return [(p["dir"], os.path.join(p["dir"], root), p["features"])
            for p in cargo.packages(tree) for root in p["roots"]]


def target_cfg(target):
    """rustc's cfg set for the target: {("target_arch", "aarch64"), ("unix", None), ...}."""
    out = subprocess.run([RUSTC, "--print", "cfg", "--target", TRIPLES[target]], capture_output=True,
                         text=True, check=True).stdout
    cfgs = set()
    for line in out.split():
        key, _, value = line.partition("=")
        cfgs.add((key, value.strip('"') if value else None))
    return cfgs


def cfg_holds(expr, cfgs):
    """Evaluates a Cargo `cfg(...)` table key (all/any/not, key = "value", name)."""
    tokens = re.findall(r'[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|[(),=]', expr)
    pos = 0

    def parse():
        nonlocal pos
        name = tokens[pos]
        pos += 1
        if name in ("all", "any", "not") and pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            args = []
            while tokens[pos] != ")":
                args.append(parse())
                if tokens[pos] == ",":
                    pos += 1
            pos += 1
            return all(args) if name == "all" else any(args) if name == "any" else not args[0]
        if pos < len(tokens) and tokens[pos] == "=":
            value = tokens[pos + 1].strip('"')
            pos += 2
            return (name, value) in cfgs
        return (name, None) in cfgs

    if not expr.startswith("cfg("):
        return expr == TRIPLES_BY_CFG.get(expr, expr)  # a bare triple
    pos = 2  # skip `cfg` `(`
    return parse()


def path_deps(pkg_dir, cfgs):
    """(crate name, dependency dir) of the path dependencies the target gets."""
    with open(os.path.join(pkg_dir, "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    tables = [manifest.get("dependencies", {})]
    for key, spec in manifest.get("target", {}).items():
        if cfg_holds(key, cfgs):
            tables.append(spec.get("dependencies", {}))
    deps = []
    for table in tables:
        for name, spec in table.items():
            if isinstance(spec, dict) and "path" in spec:
                deps.append((name.replace("-", "_"), os.path.normpath(os.path.join(pkg_dir, spec["path"]))))
    return deps


def build_deps(pkg_dir, target, cfgs, outdir, built):
    """Builds the package's path dependencies (transitively) as rlibs for the
    target; returns the --extern flags. A dependency that fails to build is
    a problem of the tree, reported by the caller."""
    flags = []
    for name, dep_dir in path_deps(pkg_dir, cfgs):
        if dep_dir not in built:
            dep_flags = build_deps(dep_dir, target, cfgs, outdir, built)
            features = next((p["features"] for p in cargo.packages(dep_dir) if p["dir"] == dep_dir), [])
            rlib = os.path.join(outdir, f"lib{name}.rlib")
            cmd = [RUSTC, "--edition", "2021", "--crate-type", "lib", "--crate-name", name, "--target",
                   TRIPLES[target], "--emit=link", "-o", rlib, "-L", f"dependency={outdir}"] + dep_flags
            for feat in features:
                cmd += ["--cfg", f'feature="{feat}"']
            proc = subprocess.run(cmd + [os.path.join(dep_dir, "src", "lib.rs")], capture_output=True, text=True)
            built[dep_dir] = rlib if proc.returncode == 0 else None
        if built[dep_dir]:
            flags += ["--extern", f"{name}={built[dep_dir]}"]
        else:
            raise RuntimeError(f"dependency {dep_dir} does not build for {target}: its dependents cannot be graded")
    return flags


def span_file(span, tree):
    """The tree file a span (or the macro expansion it comes from) is in."""
    while span:
        name = span.get("file_name", "")
        path = os.path.normpath(os.path.join(tree, name)) if not os.path.isabs(name) else name
        if path.startswith(tree + os.sep) and os.path.exists(path):
            return os.path.relpath(path, tree), span.get("line_start", 0)
        span = (span.get("expansion") or {}).get("span")
    return None, 0


def global_asm_site(diag, crate):
    """(file, line) of an assembler error in a global_asm!, which rustc 1.63
    reports with no span in the tree, only the assembly line it was
    instantiated into (a child span in `<inline asm>`): the one file of the
    crate whose global_asm! has that line in a string. None if not one."""
    texts = [t["text"].strip() for c in diag.get("children", []) for sp in c.get("spans", [])
             if sp.get("file_name") == "<inline asm>" for t in sp.get("text") or []]
    hits = []
    for rel in rs_files(crate) if texts and texts[0] else []:
        with open(os.path.join(crate, rel), encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        if not any("global_asm!" in ln for ln in lines):
            continue
        found = [i + 1 for i, ln in enumerate(lines) if '"' in ln.split(texts[0])[0] and texts[0] in ln]
        if found:
            hits.append((os.path.join(crate, rel), found[0]))
    return hits[0] if len(hits) == 1 else None


def compile_crate(tree, root, features, target, outdir, externs, crate):
    """rustc's errors for one crate: [(file, line, message)], unattributed."""
    cmd = [RUSTC, "--edition", "2021", "--crate-type", "lib", "--target", TRIPLES[target],
           "--emit=obj", "-O", "--error-format=json", "-o", os.path.join(outdir, "out.o"),
           "-L", f"dependency={outdir}"] + externs
    for feat in features:
        cmd += ["--cfg", f'feature="{feat}"']
    proc = subprocess.run(cmd + [os.path.relpath(root, tree)], cwd=tree, capture_output=True,
                          text=True, timeout=300)
    errors, loose = [], []
    for line in proc.stderr.splitlines():
        try:
            diag = json.loads(line)
        except ValueError:
            continue
        if diag.get("level") != "error":
            continue
        spans = [s for s in diag.get("spans", []) if s.get("is_primary")] or diag.get("spans", [])
        located = [span_file(s, tree) for s in spans]
        located = [(f, ln) for f, ln in located if f]
        site = None if located else global_asm_site(diag, crate)
        if site:
            located = [(os.path.relpath(site[0], tree), site[1])]
        if located:
            errors.append((located[0][0], located[0][1], diag["message"]))
        elif not diag["message"].startswith("aborting"):
            loose.append(diag["message"])
    if proc.returncode != 0 and not errors and not loose:
        loose.append(f"rustc exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return errors, loose


def predict(archport, tree, target):
    """archport's error findings by file."""
    proc = subprocess.run([archport, "scan", "--target", target, "--format", "json", "--fail-on",
                           "never", tree], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, ARCHPORT_NO_GIT="1"))
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"archport exited {proc.returncode}: {proc.stderr[-300:]}")
    report = json.loads(proc.stdout)
    errors = {}
    for f in report["findings"]:
        if f["severity"] == "error":
            errors.setdefault(f["file"], f)
    return errors, report["findings"]


def rs_files(tree):
    """Every .rs file of the tree, relative."""
    out = []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git")]
        out += [os.path.relpath(os.path.join(dirpath, n), tree) for n in filenames if n.endswith(".rs")]
    return sorted(out)


def grade(name, tree, target, archport, verbose):
    """Print one (fixture, target) table; return (agree, files, passed)."""
    truth, loose, built, cfgs = {}, [], {}, target_cfg(target)
    with tempfile.TemporaryDirectory(prefix="rust-truth-") as outdir:
        for crate, root, features in crates(tree):
            try:
                externs = build_deps(crate, target, cfgs, outdir, built)
            except RuntimeError as e:
                loose.append(str(e))
                continue
            errs, unattributed = compile_crate(tree, root, features, target, outdir, externs, crate)
            loose += unattributed
            for rel, line, msg in errs:
                truth.setdefault(rel, []).append((line, msg))
    predicted, findings = predict(archport, tree, target)
    files = rs_files(tree)
    rows = files + sorted(set(predicted) - set(files))
    agree, lines = 0, []
    for rel in rows:
        diag = truth.get(rel)
        fd = predicted.get(rel)
        same = rel in files and (diag is None) == (fd is None)
        agree += same
        compiler = f"error {diag[0][0]}: {diag[0][1]}" if diag else "ok"
        mine = f"{fd['rule']} {fd['line']}: {fd['message']}" if fd else "ok"
        lines.append(f"  {rel:<36} {compiler[:50]:<50} {mine[:50]:<50} {'OK' if same else 'MISMATCH'}")
    problems = [f"rustc error with no file in the tree: {m}" for m in loose]
    passed = not problems and agree == len(files) and len(rows) == len(files)
    print(f"== {name} [{target}]: {'PASS' if passed else 'FAIL'} ({agree}/{len(files)} files agree)")
    for p in problems:
        print(f"   problem: {p}")
    print("\n".join(lines))
    if verbose:
        for rel, diags in sorted(truth.items()):
            for line, msg in diags:
                print(f"      rustc     {rel}:{line}: {msg}")
        for f in findings:
            print(f"      archport  {f['file']}:{f['line']}: {f['severity']} {f['rule']}: {f['message']}")
    print()
    return agree, len(files), passed, not truth and not loose


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archport", default=os.path.join(REPO, "bin", "archport"))
    parser.add_argument("--fixtures", default=os.path.join(REPO, "fixtures"))
    parser.add_argument("--targets", default="aarch64,x86_64")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    if not os.access(RUSTC, os.X_OK):
        sys.exit(f"test_rust: {RUSTC} missing (run scripts/setup.sh)")
    trees = sorted(n for n in os.listdir(args.fixtures)
                   if n.startswith("rust-") and os.path.isdir(os.path.join(args.fixtures, n)))
    passed = failed = 0
    targets = args.targets.split(",")
    builds_on = {name: [] for name in trees}
    for target in targets:
        agree = total = 0
        for name in trees:
            tree = os.path.abspath(os.path.join(args.fixtures, name))
            a, t, ok, clean = grade(name, tree, target, os.path.abspath(args.archport), args.verbose)
            agree, total = agree + a, total + t
            passed, failed = passed + ok, failed + (not ok)
            if clean:
                builds_on[name].append(target)
        print(f"{target}: {agree}/{total} files agree ({100.0 * agree / max(total, 1):.1f}%)")
    if len(targets) > 1:   # each tree is the source of a port: it builds somewhere
        for name in trees:
            ok = bool(builds_on[name])
            print(f"{'ok' if ok else 'FAIL'} - {name} builds for {', '.join(builds_on[name]) or 'none of ' + ', '.join(targets)}")
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
