#!/usr/bin/env python3
"""Scanning an untrusted tree runs no code of it.

A git checkout whose .git/config names programs (core.fsmonitor, which
`git ls-files` would start; hooks through core.hooksPath; clean and smudge
filters and an external diff for every file through .gitattributes) is
scanned, stubbed (printed and --write) and verified (with `--build true`:
verify runs the tree's build by design, and the trap is not in it). Each
program would create a marker file; none may appear. The scan must still
read the tree through git (its .gitignore is honoured), and walk into a
submodule's checkout, which git lists as one entry.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git(tree, *args):
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=tree,
                   check=True, capture_output=True)


def trapped_repo(work):
    """A repository whose every configured helper writes a marker."""
    tree = os.path.join(work, "tree")
    marks = os.path.join(work, "marks")
    os.makedirs(os.path.join(tree, "src"))
    os.makedirs(marks)
    with open(os.path.join(tree, "src", "cycles.c"), "w") as f:
        f.write('unsigned lo(void) { unsigned a, d; __asm__ volatile("rdtsc" : "=a"(a), "=d"(d)); return a; }\n')
    with open(os.path.join(tree, "src", "ignored.c"), "w") as f:
        f.write('void f(void) { __asm__ volatile("pause"); }\n')
    with open(os.path.join(tree, ".gitignore"), "w") as f:
        f.write("src/ignored.c\n")
    git(tree, "init", "-q")
    git(tree, "add", "src/cycles.c", ".gitignore")
    git(tree, "commit", "-qm", "x")
    hooks = os.path.join(work, "hooks")
    os.makedirs(hooks)
    for hook in ("post-checkout", "post-index-change", "pre-commit", "reference-transaction"):
        path = os.path.join(hooks, hook)
        with open(path, "w") as f:
            f.write(f"#!/bin/sh\ntouch {marks}/hook-{hook}\n")
        os.chmod(path, 0o755)
    cfg = {
        "core.fsmonitor": f"touch {marks}/fsmonitor; false",
        "core.hooksPath": hooks,
        "filter.trap.clean": f"touch {marks}/clean; cat",
        "filter.trap.smudge": f"touch {marks}/smudge; cat",
        "filter.trap.process": f"touch {marks}/process",
        "diff.external": f"touch {marks}/diff",
        "core.pager": f"touch {marks}/pager; cat",
    }
    for k, v in cfg.items():
        git(tree, "config", k, v)
    with open(os.path.join(tree, ".gitattributes"), "w") as f:
        f.write("* filter=trap diff=trap\n")
    return tree, marks


def check_submodule(archport, work):
    """A submodule's files are part of the build: git lists the submodule
    as one entry, and the scan walks into it."""
    sub = os.path.join(work, "relax-src")
    os.makedirs(sub)
    with open(os.path.join(sub, "relax.c"), "w") as f:
        f.write('void relax(void) { __asm__ volatile("pause"); }\n')
    git(sub, "init", "-q")
    git(sub, "add", "relax.c")
    git(sub, "commit", "-qm", "x")
    top = os.path.join(work, "top")
    os.makedirs(top)
    with open(os.path.join(top, "main.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    git(top, "init", "-q")
    git(top, "add", "main.c")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "vendor/relax")
    git(top, "commit", "-qm", "y")
    p = subprocess.run([archport, "scan", "--format", "json", "."], cwd=top, capture_output=True, text=True,
                       timeout=120)
    files = {f["file"] for f in json.loads(p.stdout)["findings"] if f["severity"] == "error"}
    return None if files == {"vendor/relax/relax.c"} else f"errors in {sorted(files)}, wanted vendor/relax/relax.c"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    archport = os.path.abspath(ap.parse_args().archport)
    passed = failed = 0
    commands = [
        ("scan", ["scan", "--format", "json", "."]),
        ("stub", ["stub", "."]),
        ("stub --write", ["stub", "--write", "."]),
        ("verify", ["verify", "--build", "true", "."]),
    ]
    with tempfile.TemporaryDirectory(prefix="archport-untrusted-") as work:
        tree, marks = trapped_repo(work)
        env = dict(os.environ, TMPDIR=work)
        for name, args in commands:
            p = subprocess.run([archport, *args], cwd=tree, capture_output=True, text=True, env=env, timeout=300)
            ran = sorted(os.listdir(marks))
            err = None
            if ran:
                err = f"ran the tree's programs: {', '.join(ran)}"
            elif p.returncode < 0:
                err = f"killed by signal {-p.returncode}"
            elif name == "scan":
                files = {f["file"] for f in json.loads(p.stdout)["findings"]}
                if files != {"src/cycles.c"}:
                    err = f"the walk did not go through git (.gitignore): files {sorted(files)}"
            if err:
                failed += 1
                print(f"not ok - {name} on a booby-trapped checkout: {err}")
            else:
                passed += 1
                print(f"ok - {name} on a booby-trapped checkout runs none of its programs")
            for m in ran:
                os.remove(os.path.join(marks, m))
    with tempfile.TemporaryDirectory(prefix="archport-untrusted-") as work:
        err = check_submodule(archport, work)
        print(f"not ok - a submodule's files: {err}" if err else "ok - a submodule's files are scanned")
        passed, failed = passed + (not err), failed + bool(err)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
