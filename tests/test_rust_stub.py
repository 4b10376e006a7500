#!/usr/bin/env python3
"""`archport stub --target aarch64` on copies of the Rust fixtures, graded by
Debian's rustc. For fixtures/rust-vmm and fixtures/rust-ported:

  (a) the patch applied with `patch -p1` gives the same files as `--write`;
  (b) every crate's x86_64 object (-C opt-level=2 -g) is byte-identical before
      and after the patch: built at the same path, moved aside, patched in
      place, built again (Rust has no #line, so no original line may move);
  (c) every crate builds for aarch64-unknown-linux-gnu after the patch,
      except those listed in UNFIXED with the reason (which must then still
      fail, so the list stays honest).

rust-ported already builds for aarch64: its patch must be empty.
Prints ok/not ok lines and `N passed, M failed`; exit 1 on failure."""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from graded_lib import cargo  # noqa: E402
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
RUSTC = "/usr/bin/rustc"
TREES = {"rust-vmm": False, "rust-ported": True}   # tree -> patch must be empty
# crate dir (relative to the tree) -> why the patched crate still fails for aarch64
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
        for line in detail.strip().splitlines()[-12:]:
            print(f"    {line}")


def crates(tree):
    """(crate dir relative to the tree, crate name, default features) of each library package."""
    return [(os.path.relpath(p["dir"], tree), p["name"], p["features"])
            for p in cargo.packages(tree) if "src/lib.rs" in p["roots"]]


def build(tree, crate, name, features, out, target=None):
    cmd = [RUSTC, "--edition", "2021", "--crate-type", "lib", "--crate-name", name, "-C", "opt-level=2", "-g", "--emit=obj",
           "src/lib.rs", "-o", out]
    if target:
        cmd += ["--target", target]
    for feat in features:
        cmd += ["--cfg", f'feature="{feat}"']
    return subprocess.run(cmd, cwd=os.path.join(tree, crate), capture_output=True, text=True)


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


def test_tree(archport, name, must_be_empty, work):
    src = os.path.join(FIXTURES, name)
    tree, written = os.path.join(work, name), os.path.join(work, name + ".written")
    shutil.copytree(src, tree)
    shutil.copytree(src, written)
    stub = subprocess.run([archport, "stub", "--target", "aarch64", tree], capture_output=True, text=True)
    check(stub.returncode == 0, f"{name}: archport stub runs", stub.stderr)
    if must_be_empty:
        check(stub.stdout == "", f"{name}: already builds for aarch64, empty patch", stub.stdout)
    else:
        check(stub.stdout != "", f"{name}: the patch is not empty")
    w = subprocess.run([archport, "stub", "--target", "aarch64", "--write", written], capture_output=True, text=True)
    check(w.returncode == 0, f"{name}: archport stub --write runs", w.stderr)

    objdir = os.path.join(work, name + ".obj")
    os.makedirs(objdir)
    befores, broken = {}, set()
    for crate, cname, feats in crates(tree):
        if build(tree, crate, cname, feats, os.path.join(objdir, "probe.o"), "aarch64-unknown-linux-gnu").returncode:
            broken.add(crate)
        obj = os.path.join(tree, crate, "x86.o")
        r = build(tree, crate, cname, feats, obj)
        check(r.returncode == 0, f"{name}/{crate}: builds for x86_64 before the patch", r.stderr)
        if r.returncode == 0:
            befores[crate] = os.path.join(objdir, crate.replace("/", "_") + ".o")
            shutil.move(obj, befores[crate])

    if stub.stdout:
        p = subprocess.run(["patch", "-p1", "--quiet"], cwd=tree, input=stub.stdout, capture_output=True, text=True)
        check(p.returncode == 0, f"{name}: patch -p1 applies", p.stdout + p.stderr)
    diff = same_trees(tree, written)
    check(not diff, f"{name}: --write gives the same files as the patch", "\n".join(diff))

    for crate, cname, feats in crates(tree):
        obj = os.path.join(tree, crate, "x86.o")
        r = build(tree, crate, cname, feats, obj)
        same = r.returncode == 0 and crate in befores and filecmp.cmp(obj, befores[crate], shallow=False)
        check(same, f"{name}/{crate}: x86_64 object byte-identical after the patch", r.stderr)
        if os.path.exists(obj):
            os.unlink(obj)
        a64 = os.path.join(objdir, crate.replace("/", "_") + ".a64.o")
        r = build(tree, crate, cname, feats, a64, "aarch64-unknown-linux-gnu")
        why = UNFIXED.get(crate)
        was = "failed before, fixed" if crate in broken else "built before too"
        if why:
            check(r.returncode != 0, f"{name}/{crate}: still fails for aarch64 as listed ({why})")
        else:
            check(r.returncode == 0, f"{name}/{crate}: builds for aarch64 after the patch ({was})", r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archport", default=os.path.join(os.path.dirname(HERE), "bin/archport"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="archport-rust-stub-") as work:
        # a private copy: others may relink bin/archport while this runs
        archport = os.path.join(work, "archport")
        shutil.copy2(args.archport, archport)
        for name, empty in TREES.items():
            test_tree(archport, name, empty, work)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
