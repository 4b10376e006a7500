#!/usr/bin/env python3
"""Compiler-graded test of archport.

For every fixture tree and target, the cross compiler decides which files are
broken (graded_lib/truth.py builds a copy of the tree for the target) and
archport's JSON report is compared with that, file by file: archport predicts
a file broken when it reports a finding of severity "error" in it.  Each
(fixture, target) pair is one test, passing when every file of the tree agrees.

    python3 tests/graded.py [--archport bin/archport] [--targets aarch64,riscv64,x86_64]
                            [--fixtures fixtures] [--only NAME,...] [--truth-only] [-v]

--truth-only prints just what the compilers say (no archport needed); a pair
then passes when its truth could be established (the fixture builds and passes
its test with the host gcc, the cross build ran to completion).  -v adds
every error and the errors that name no tree file, -vv the build transcripts.
The last line is "N passed, M failed"; the exit status is 0 iff M is 0.

x86 fixtures are graded for aarch64 and riscv64; the aarch64-* fixtures
(aarch64 code, the reverse port) for x86_64, whose truth is the host gcc
(x86_64-linux-gnu-gcc) building the tree.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graded_lib import truth as truthlib  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCAN_TIMEOUT = 300
COLUMN = 46


@dataclass
class Prediction:
    """archport's verdict on one tree for one target."""
    errors: dict = field(default_factory=dict)   # rel file -> first error finding
    findings: list = field(default_factory=list)
    problem: str = None                          # archport itself failed


def parse_args(argv):
    """Command line, with --targets and --only split into lists/sets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archport", default=os.path.join(REPO, "bin", "archport"))
    parser.add_argument("--targets", default="aarch64,riscv64")
    parser.add_argument("--fixtures", default=os.path.join(REPO, "fixtures"))
    parser.add_argument("--only", default="", help="comma-separated fixture names")
    parser.add_argument("--truth-only", action="store_true",
                        help="print the compiler truth only; archport is not run")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in args.targets if t not in truthlib.TRIPLES]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; "
                     f"known: {', '.join(truthlib.TRIPLES)}")
    args.only = {n for n in args.only.split(",") if n}
    return args


def fixture_dirs(root, only):
    """(name, absolute path) of every fixture tree: each directory of root."""
    # Rust trees (rust-*) are graded against rustc by tests/test_rust.py.
    names = sorted(n for n in os.listdir(root)
                   if os.path.isdir(os.path.join(root, n)) and not n.startswith("rust-"))
    missing = only - set(names)
    if missing:
        sys.exit(f"graded: no fixture named {', '.join(sorted(missing))} in {root}")
    return [(n, os.path.abspath(os.path.join(root, n))) for n in names if not only or n in only]


def normalise_file(name, tree):
    """A finding's file as a tree-relative '/' path (the contract says it is
    one already; absolute paths inside the tree are tolerated)."""
    name = name.replace("\\", "/")
    if os.path.isabs(name) and name.startswith(tree + "/"):
        name = os.path.relpath(name, tree)
    while name.startswith("./"):
        name = name[2:]
    return name


def predict(archport, tree, target):
    """Run archport scan on the fixture itself and read its error findings."""
    cmd = [archport, "scan", "--target", target, "--format", "json", "--fail-on", "never", tree]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace", timeout=SCAN_TIMEOUT)
    except FileNotFoundError:
        return Prediction(problem=f"archport not found at {archport} (build it, or pass --archport)")
    except subprocess.TimeoutExpired:
        return Prediction(problem=f"archport scan timed out after {SCAN_TIMEOUT}s")
    stderr_tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
    if proc.returncode < 0:
        return Prediction(problem=f"archport crashed (signal {-proc.returncode}): {stderr_tail}")
    if proc.returncode not in (0, 1):
        return Prediction(problem=f"archport exited {proc.returncode}: {stderr_tail}")
    try:
        report = json.loads(proc.stdout)
        findings = report["findings"]
        if not isinstance(findings, list):
            raise TypeError("findings is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        return Prediction(problem=f"archport printed no valid JSON report ({exc})")
    prediction = Prediction(findings=findings)
    for finding in findings:
        if isinstance(finding, dict) and finding.get("severity") == "error":
            rel = normalise_file(str(finding.get("file", "")), tree)
            prediction.errors.setdefault(rel, finding)
    return prediction


def clip(text, width=COLUMN):
    """One table cell: a single line, at most width characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def compiler_cell(diag):
    """The compiler's verdict on a file: its first error, or ok."""
    if diag is None:
        return "ok"
    where = f"{diag.line}: " if diag.line else ""
    return clip(f"error {where}{diag.message}")


def archport_cell(finding):
    """archport's verdict on a file: its first error finding, or ok."""
    if finding is None:
        return "ok"
    return clip(f"{finding.get('rule', '?')} {finding.get('line', '?')}: {finding.get('message', '')}")


def print_details(truth, prediction, verbose):
    """-v: every error and unattributed error; -vv: the build transcripts."""
    for rel, diags in sorted(truth.errors.items()):
        for d in diags:
            print(f"      compiler  {rel}:{d.line}: {d.message}")
    for text in truth.unattributed:
        print(f"      unattributed  {text}")
    if prediction:
        for f in prediction.findings:
            if isinstance(f, dict):
                print(f"      archport  {f.get('file')}:{f.get('line')}: {f.get('severity')} "
                      f"{f.get('rule')}: {f.get('message')}")
    if verbose > 1:
        for step in truth.transcript:
            print("      | " + step.rstrip().replace("\n", "\n      | "))


def grade_pair(name, target, files, truth, prediction, verbose):
    """Print the table of one (fixture, target) pair; return (agreeing files,
    files, passed)."""
    rows = list(files)
    if prediction:
        rows += sorted(set(prediction.errors) - set(files))    # files archport invented
    width = max(len(r) for r in rows) if rows else 10
    agree = 0
    lines = []
    for rel in rows:
        diag = truth.first(rel) if rel in files else None
        compiler = compiler_cell(diag) if rel in files else "not in tree"
        cells = [f"  {rel:<{width}}", f"{compiler:<{COLUMN}}"]
        if prediction:
            finding = prediction.errors.get(rel)
            same = (rel in files and not prediction.problem
                    and (diag is None) == (finding is None))
            agree += same
            cell = "(no report)" if prediction.problem else archport_cell(finding)
            cells += [f"{cell:<{COLUMN}}", "OK" if same else "MISMATCH"]
        lines.append(" ".join(cells).rstrip())
    problems = truth.problems + ([prediction.problem] if prediction and prediction.problem else [])
    passed = not problems and (prediction is None
                               or (agree == len(files) and len(rows) == len(files)))
    if prediction:
        status = f"{'PASS' if passed else 'FAIL'} ({agree}/{len(files)} files agree)"
    else:
        status = f"{len(truth.errors)} of {len(files)} files broken"
    print(f"== {name} [{target}]: {status}")
    for problem in problems:
        print(f"   problem: {problem}")
    header = [f"  {'file':<{width}}", f"{'compiler':<{COLUMN}}"] + (["archport"] if prediction else [])
    print(" ".join(header))
    print("\n".join(lines))
    if verbose:
        print_details(truth, prediction, verbose)
    print()
    return agree, len(files), passed


# "only in the recipe of `bench32`, which the default goal `all` ...", and
# for a target-specific line "only for `bench.o`, which the default goal ..."
# (one target; a pattern or a list says "none of which" and names no goal).
UNBUILT_GOAL = re.compile(r"only (?:in the recipe of|for) `([^`]+)`, which (?:neither )?the default goal `([^`]+)`")


def check_unbuilt_goals(name, tree, target, prediction):
    """A warning that says a flag is only in the recipe of a goal `make`
    never builds by default (or only on a target-specific line of one)
    must still be a real breakage of that goal:
    `make CC=<cross> GOAL` in that Makefile's directory has to fail (the
    default build is graded by the file table).  Returns (checked, problems)."""
    goals = set()
    for f in prediction.findings:
        m = UNBUILT_GOAL.search(f.get("message", "")) if f.get("severity") == "warning" else None
        if m:
            goals.add((os.path.dirname(f["file"]), m.group(1)))
    problems = []
    for directory, goal in sorted(goals):
        with tempfile.TemporaryDirectory(prefix="graded-goal-") as tmp:
            copy = os.path.join(tmp, "tree")
            shutil.copytree(tree, copy)
            proc = subprocess.run(["make", "-C", os.path.join(copy, directory),
                                   f"CC={truthlib.TRIPLES[target]}-gcc", goal],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env=truthlib.clean_env(), timeout=SCAN_TIMEOUT)
        verdict = "fails, as the warning says" if proc.returncode else "BUILDS: the warning is wrong"
        print(f"   make {goal} in {directory or '.'} for {target}: {verdict}")
        if proc.returncode == 0:
            problems.append(f"{name}: `make {goal}` builds for {target}")
    return len(goals), problems


def main(argv=None):
    """Grade every (fixture, target) pair; return the exit status."""
    args = parse_args(argv)
    fixtures = fixture_dirs(args.fixtures, args.only)
    if not fixtures:
        sys.exit(f"graded: no fixtures in {args.fixtures}")
    archport = os.path.abspath(args.archport)
    passed = failed = 0
    broken = {t: 0 for t in args.targets}
    agree = {t: 0 for t in args.targets}
    total = {t: 0 for t in args.targets}
    goals_checked = 0

    with tempfile.TemporaryDirectory(prefix="graded-shims-") as shim_dir:
        shims = truthlib.Shims(shim_dir, args.targets)
        for name, tree in fixtures:
            files = truthlib.tree_files(tree)
            host_problem = truthlib.host_check(tree)
            if host_problem:
                print(f"== {name}: FAIL, the fixture does not build and pass its test "
                      f"with the host gcc\n   {host_problem.replace(chr(10), chr(10) + '   ')}\n")
                failed += len(truthlib.graded_targets(name, args.targets))
                for target in truthlib.graded_targets(name, args.targets):
                    total[target] += len(files)
                continue
            for target in truthlib.graded_targets(name, args.targets):
                truth = truthlib.compiler_truth(tree, target, shims)
                broken[target] += len(truth.errors)
                prediction = None if args.truth_only else predict(archport, tree, target)
                n_agree, n_files, ok = grade_pair(name, target, files, truth, prediction, args.verbose)
                if prediction and not prediction.problem:
                    n_goals, goal_problems = check_unbuilt_goals(name, tree, target, prediction)
                    goals_checked += n_goals
                    ok = ok and not goal_problems
                agree[target] += n_agree
                total[target] += n_files
                passed += ok
                failed += not ok

    if sum(broken.values()) == 0:
        print("FAIL: the compilers found no broken file in any fixture; the test would be vacuous")
        failed += 1
    for target in args.targets:
        if args.truth_only:
            print(f"{target}: {broken[target]} of {total[target]} files broken")
        else:
            share = 100.0 * agree[target] / total[target] if total[target] else 0.0
            print(f"{target}: {agree[target]}/{total[target]} files agree ({share:.1f}%)")
    if not args.truth_only:
        print(f"unbuilt goals: {goals_checked} checked, each fails to build as its warnings say")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
