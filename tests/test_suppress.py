#!/usr/bin/env python3
"""Checks what CI users tell archport scan to leave out.

- inline `archport: ignore[rule]` comments: the findings the comment's line
  (or the comment-only line before) holds of the named rules disappear,
  and nothing else does; the report counts them;
- `--baseline REPORT.json`: a scan against its own report finds nothing
  new; after lines move and one x86 construct is added, exactly that one
  is new; a file that is no report is a usage error naming it.

Expected values come from a first scan of the unmarked tree and from the
lines the test marks, never from the output under test.
Prints "N passed, M failed" last; exits 1 on failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

SOURCE = [
    "#include <immintrin.h>",
    "#include <stdint.h>",
    "uint64_t cycles(void)",
    "{",
    "\tunsigned lo, hi;",
    "\t__asm__ volatile(\"rdtsc\" : \"=a\"(lo), \"=d\"(hi));",
    "\treturn ((uint64_t)hi << 32) | lo;",
    "}",
    "int popcount(unsigned x) { return _mm_popcnt_u32(x); }",
    "void relax(void) { __asm__ volatile(\"pause\"); }",
    "void relax2(void) { __asm__ volatile(\"pause\"); }",
]


def scan(archport, tree, *extra):
    p = subprocess.run([archport, "scan", tree, "--format", "json", *extra], capture_output=True, text=True)
    report = json.loads(p.stdout) if p.stdout.strip() else None
    return p, report


def sites(report):
    return sorted((f["rule"], f["file"], f["line"]) for f in report["findings"])


def write(tree, lines):
    os.makedirs(os.path.join(tree, "src"), exist_ok=True)
    with open(os.path.join(tree, "src", "cpu.c"), "w") as f:
        f.write("\n".join(lines) + "\n")


def check_inline(archport, work):
    tree = os.path.join(work, "inline")
    write(tree, SOURCE)
    p, before = scan(archport, tree)
    if not before or not before["findings"]:
        return "the unmarked tree gives no findings: %s" % p.stderr
    by_line = {}
    for rule, _, line in sites(before):
        by_line.setdefault(line, set()).add(rule)
    # mark: the header line with its own rule, the rdtsc line from the line
    # before (a comment-only line, which shifts what follows by one), the
    # popcount line with a rule it does not hold, the first pause with all
    header, rdtsc, pop, pause = 1, 6, 9, 10
    if not (by_line.get(header) and by_line.get(rdtsc) and by_line.get(pop) and by_line.get(pause)):
        return "the unmarked tree lacks a finding the test marks: %s" % sorted(by_line)
    marked = list(SOURCE)
    marked[header - 1] += " // archport: ignore[%s]" % sorted(by_line[header])[0]
    marked[pop - 1] += " /* archport: ignore[no/such-rule] */"
    marked[pause - 1] += " // archport: ignore"
    marked.insert(rdtsc - 1, "\t// archport: ignore[%s]" % ",".join(sorted(by_line[rdtsc])))
    write(tree, marked)
    p, after = scan(archport, tree)
    if not after:
        return "no report: " + p.stderr
    # what should remain, in the marked file's numbering
    want = []
    for rule, f, line in sites(before):
        if line == header and rule == sorted(by_line[header])[0]:
            continue
        if line in (rdtsc, pause):
            continue
        want.append((rule, f, line + (1 if line >= rdtsc else 0)))
    got = sites(after)
    if got != sorted(want):
        return "left %s, wanted %s" % (got, sorted(want))
    dropped = len(before["findings"]) - len(want)
    if after["summary"].get("suppressed") != dropped:
        return "summary.suppressed %s, wanted %d" % (after["summary"].get("suppressed"), dropped)
    t = subprocess.run([archport, "scan", tree], capture_output=True, text=True)
    if "%d finding" % dropped not in t.stdout or "archport: ignore" not in t.stdout:
        return "the text report does not count the suppressed findings: " + t.stdout[-300:]
    return None


def check_baseline(archport, work):
    tree = os.path.join(work, "base")
    write(tree, SOURCE)
    base = os.path.join(work, "base.json")
    p, first = scan(archport, tree, "-o", base)
    p, first = scan(archport, tree)
    if not first or not first["findings"]:
        return "no findings to make a baseline of"
    shutil.copy(base, base + ".kept")
    p, again = scan(archport, tree, "--baseline", base)
    if p.returncode != 0 or again["findings"] or again["summary"].get("baseline") != len(first["findings"]):
        return "the tree against its own baseline: exit %d, %d findings, baseline %s (wanted 0, 0, %d)" % (
            p.returncode, len(again["findings"]) if again else -1,
            again["summary"].get("baseline") if again else None, len(first["findings"]))
    # two lines at the top move every finding; one new construct at the end
    moved = ["/* cpu.c - timing helpers */", ""] + SOURCE + ["void fence(void) { __asm__ volatile(\"lfence\"); }"]
    write(tree, moved)
    p, later = scan(archport, tree, "--baseline", base)
    new_line = len(moved)
    got = sites(later)
    if len(got) != 1 or got[0][2] != new_line:
        return "after moving lines and adding one construct: %s (wanted one finding at line %d)" % (got, new_line)
    if p.returncode != 1:
        return "exit %d with a new error, wanted 1" % p.returncode
    bad = os.path.join(work, "not-a-report.json")
    with open(bad, "w") as f:
        f.write("{\"hello\": 1}\n")
    p = subprocess.run([archport, "scan", tree, "--baseline", bad], capture_output=True, text=True)
    if p.returncode != 2 or "not-a-report.json" not in p.stderr:
        return "a file that is no report: exit %d, stderr %r (wanted 2, naming it)" % (p.returncode, p.stderr)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(REPO, "bin", "archport"))
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    passed = failed = 0
    for name, check in (("inline archport: ignore comments", check_inline),
                        ("--baseline: only new findings, stable when lines move", check_baseline)):
        with tempfile.TemporaryDirectory(prefix="archport-suppress-") as work:
            err = check(archport, work)
        if err:
            failed += 1
            print("not ok - %s: %s" % (name, err))
        else:
            passed += 1
            print("ok - %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
