#!/usr/bin/env python3
"""Refuses stray files in the repository: merge and patch leftovers
(*.orig, *.rej), editor backups (*~, *.bak, *.swp) tracked by git.

    python3 scripts/check_tree.py     exit 1, naming them, when any is tracked

Run by `make check` before the tests, so a stray file never lands.
"""
import fnmatch
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRAY = ("*.orig", "*.rej", "*~", "*.bak", "*.swp", "*.swo", ".#*", "#*#")


def tracked_files():
    p = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True)
    if p.returncode != 0:
        return None
    return [f for f in p.stdout.decode("utf-8", "replace").split("\0") if f]


def main():
    files = tracked_files()
    if files is None:
        print("check_tree: not a git checkout; nothing to check")
        return 0
    stray = [f for f in files if any(fnmatch.fnmatch(os.path.basename(f), pat) for pat in STRAY)]
    for f in stray:
        print("check_tree: stray file tracked by git: %s (remove it: git rm %s)" % (f, f))
    if stray:
        return 1
    print("check_tree: %d tracked files, no stray ones" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
