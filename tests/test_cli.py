#!/usr/bin/env python3
"""The command line follows its ecosystem's conventions.

Each check runs bin/archport the way a newcomer would: `--name=value` and
`-oFILE` spellings, `arm64`/`amd64` for the targets, `help CMD`, `-V`, every
command's `--help` exiting 0 (and scan's naming every option), a
did-you-mean for a mistyped rule, and the text report's fix in words.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "fixtures", "timing-x86")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    archport = os.path.abspath(ap.parse_args().archport)
    results = []

    def run(*args, cwd=None):
        return subprocess.run([archport, *args], capture_output=True, text=True, cwd=cwd, timeout=300)

    def check(name, ok, why=""):
        results.append(ok)
        print(f"ok - {name}" if ok else f"not ok - {name}: {why}")

    with tempfile.TemporaryDirectory(prefix="archport-cli-") as work:
        out = os.path.join(work, "r.json")
        p = run("scan", "--target=arm64", "--format=json", f"-o{out}", FIXTURE)
        report = json.load(open(out)) if os.path.exists(out) else {}
        check("scan --target=arm64 --format=json -oFILE", p.returncode == 1 and report.get("target") == "aarch64",
              f"exit {p.returncode}, {p.stderr[:200]}")
        p = run("scan", "--target", "amd64", "--format", "json", FIXTURE)
        check("--target amd64 is x86_64", json.loads(p.stdout or "{}").get("target") == "x86_64", p.stderr[:200])
    for args in (["-V"], ["--version"]):
        p = run(*args)
        check(" ".join(args), p.returncode == 0 and p.stdout.startswith("archport "), p.stdout + p.stderr)
    a, b = run("help", "scan"), run("scan", "--help")
    options = ["--target", "--format", "-o", "-j", "--fail-on", "--no-notes", "--compile-commands",
               "--build-commands"]
    missing = [o for o in options if o not in b.stdout]
    check("help scan is scan --help, naming every option", a.stdout == b.stdout and b.returncode == 0 and not missing,
          f"missing {missing}")
    for cmd in ("stub", "verify", "port", "rules", "explain"):
        p = run(cmd, "--help")
        check(f"{cmd} --help exits 0", p.returncode == 0 and "usage" in p.stdout, f"exit {p.returncode}")
    p = run("explain", "c/asm-x68")
    check("a mistyped rule gets a suggestion", p.returncode == 2 and "did you mean 'c/asm-x86'" in p.stderr,
          p.stderr[:200])
    p = run("scan", FIXTURE)
    fixes = [l for l in p.stdout.splitlines() if l.startswith("      = fix: ")]
    errors = [l for l in p.stdout.splitlines() if ": error: " in l]
    check("the text report says each error's fix in words", errors and len(fixes) == len(errors) and
          all(len(l.split()) > 6 for l in fixes), f"{len(errors)} errors, {len(fixes)} fix lines")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
