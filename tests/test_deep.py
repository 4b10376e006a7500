#!/usr/bin/env python3
"""Compiler-graded test of the deep (libclang) pass.

For every fixture with C sources, a compile database is made the way a user
makes one (`bear -- make -k CC=gcc` in a scratch copy; CMake's
CMAKE_EXPORT_COMPILE_COMMANDS; else one entry per .c file with -I. -Iinclude),
its paths are pointed back at the fixture, and

    archport scan --compile-commands DB --format json --fail-on never FIXTURE

is graded file by file against the cross compilers, as tests/graded.py does
(graded_lib.truth builds a copy of the tree for the target).  The same scan
without the database is graded too, so the table shows what the deep pass
changes.  A pair passes when every file agrees with the compiler and the
deep pass ran; --timing adds the deep pass's wall time against
`clang -fsyntax-only --target=<triple>` over the same TUs with the same jobs.

    python3 tests/test_deep.py [--archport bin/archport] [--targets aarch64,riscv64]
                               [--only NAME,...] [-j 2] [--timing] [-v]
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graded_lib import truth as truthlib  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 300
C_SUFFIXES = (".c", ".cc", ".cpp", ".cxx")
_DEEP_TIME = re.compile(r"deep pass ([0-9.]+) s")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archport", default=os.path.join(REPO, "bin", "archport"))
    parser.add_argument("--fixtures", default=os.path.join(REPO, "fixtures"))
    parser.add_argument("--targets", default="aarch64,riscv64")
    parser.add_argument("--only", default="")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    args = parser.parse_args(argv)
    args.targets = [t for t in args.targets.split(",") if t]
    args.only = {n for n in args.only.split(",") if n}
    return args


def c_fixtures(root, only):
    """(name, absolute path) of the fixtures holding C sources."""
    found = []
    for name in sorted(os.listdir(root)):
        tree = os.path.abspath(os.path.join(root, name))
        if not os.path.isdir(tree) or (only and name not in only):
            continue
        if any(f.endswith(C_SUFFIXES) for f in truthlib.tree_files(tree)):
            found.append((name, tree))
    return found


def run(cmd, cwd=None, env=None):
    return subprocess.run(cmd, cwd=cwd, env=env or truthlib.clean_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, errors="replace", timeout=TIMEOUT)


def entries_by_bear(copy, db):
    if not shutil.which("bear") or not os.path.exists(os.path.join(copy, "Makefile")):
        return None
    run(["bear", "--output", db, "--", "make", "-k", "CC=gcc", "all"], cwd=copy)
    return _load(db)


def entries_by_cmake(copy, tmp):
    if not os.path.exists(os.path.join(copy, "CMakeLists.txt")):
        return None
    build = os.path.join(tmp, "cmake-build")
    run(["cmake", "-S", copy, "-B", build, "-DCMAKE_C_COMPILER=gcc", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"])
    return _load(os.path.join(build, "compile_commands.json"))


def entries_by_hand(copy):
    return [{"directory": copy, "file": os.path.join(copy, rel),
             "arguments": ["gcc", "-I.", "-Iinclude", "-c", rel]}
            for rel in truthlib.tree_files(copy) if rel.endswith(C_SUFFIXES)]


def _load(path):
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return None
    return entries or None


def _repoint(value, copy, tree):
    return value.replace(copy, tree) if isinstance(value, str) else value


def make_database(tree, tmp):
    """A compile database for tree, made in a scratch copy and pointed back
    at tree (archport only reads it); returns (path, how, TU count)."""
    copy = os.path.join(tmp, "copy")
    shutil.copytree(tree, copy, ignore=shutil.ignore_patterns("*.o", "*.a", "*.so"))
    db = os.path.join(tmp, "compile_commands.json")
    how = "bear"
    entries = entries_by_bear(copy, os.path.join(tmp, "bear.json"))
    if not entries:
        how, entries = "cmake", entries_by_cmake(copy, tmp)
    if not entries:
        how, entries = "by hand", entries_by_hand(copy)
    for e in entries:
        for key in ("directory", "file", "output"):
            if key in e:
                e[key] = _repoint(e[key], copy, tree)
        if "arguments" in e:
            e["arguments"] = [_repoint(a, copy, tree) for a in e["arguments"]]
        if "command" in e:
            e["command"] = _repoint(e["command"], copy, tree)
    with open(db, "w") as f:
        json.dump(entries, f, indent=1)
    return db, how, entries


def scan(archport, tree, target, jobs, db=None):
    """(errors by file, findings, deep seconds or None, problem or None)."""
    cmd = [archport, "scan", "--target", target, "--format", "json", "--fail-on", "never", "-j", str(jobs)]
    if db:
        cmd += ["--compile-commands", db]
    proc = run(cmd + [tree], env=truthlib.clean_env({"ARCHPORT_TIMING": "1"}))
    if proc.returncode not in (0, 1):
        return {}, [], None, f"archport exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
    try:
        findings = json.loads(proc.stdout)["findings"]
    except (ValueError, KeyError) as exc:
        return {}, [], None, f"no JSON report ({exc})"
    errors = {}
    for f in findings:
        if f.get("severity") == "error":
            errors.setdefault(f["file"], f)
    m = _DEEP_TIME.search(proc.stderr)
    deep_s = float(m.group(1)) if m else None
    if db and deep_s is None:
        return errors, findings, None, "the deep pass did not run (no 'deep pass' timing line)"
    return errors, findings, deep_s, None


def clang_time(entries, target, jobs):
    """Wall time of clang -fsyntax-only for the target over the same TUs."""
    triple = truthlib.TRIPLES[target]
    clang = shutil.which("clang-19") or shutil.which("clang")
    cmds = []
    for e in entries:
        args = e.get("arguments") or shlex.split(e["command"])
        keep, skip = [], False
        for a in args[1:]:
            if skip:
                skip = False
            elif a in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
            elif a == "-c" or a.startswith(("-m", "-M", "-Werror")):
                continue
            else:
                keep.append(a)
        cmds.append(([clang, f"--target={triple}", "-fsyntax-only", "-ferror-limit=0", "-w"] + keep,
                     e["directory"]))
    start = time.monotonic()
    running = []
    for cmd, cwd in cmds:
        while len(running) >= jobs:
            running.pop(0).wait()
        running.append(subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for p in running:
        p.wait()
    return time.monotonic() - start


def grade(files, truth, errors):
    """Files where archport's error/no-error verdict matches the compiler's."""
    agree = [rel for rel in files if (truth.first(rel) is None) == (rel not in errors)]
    invented = sorted(set(errors) - set(files))
    return agree, invented


def cell(finding):
    if finding is None:
        return "ok"
    return f"{finding.get('rule')} {finding.get('line')}"


def report_pair(name, target, files, truth, fast, deep, how, verbose):
    (f_err, f_all), (d_err, d_all) = fast, deep
    f_agree, _ = grade(files, truth, f_err)
    d_agree, invented = grade(files, truth, d_err)
    passed = len(d_agree) == len(files) and not invented and not truth.problems
    print(f"== {name} [{target}] ({how}): {'PASS' if passed else 'FAIL'} "
          f"deep {len(d_agree)}/{len(files)}, fast alone {len(f_agree)}/{len(files)}")
    for problem in truth.problems:
        print(f"   problem: {problem}")
    for rel in files + invented:
        diag = truth.first(rel) if rel in files else None
        compiler = "not in tree" if rel not in files else ("ok" if diag is None else f"error {diag.line}")
        mark = "OK" if rel in d_agree else "MISMATCH"
        print(f"  {rel:<24} {compiler:<12} fast: {cell(f_err.get(rel)):<26} "
              f"deep: {cell(d_err.get(rel)):<26} {mark}")
    if verbose:
        for f in d_all:
            print(f"      {f['file']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']}: {f['message']}")
    return passed, len(d_agree), len(f_agree)


def main(argv=None):
    args = parse_args(argv)
    archport = os.path.abspath(args.archport)
    fixtures = c_fixtures(args.fixtures, args.only)
    passed = failed = 0
    totals = {t: [0, 0, 0] for t in args.targets}   # deep agree, fast agree, files
    timings = []
    with tempfile.TemporaryDirectory(prefix="deep-") as tmp:
        os.makedirs(os.path.join(tmp, "shims"))
        shims = truthlib.Shims(os.path.join(tmp, "shims"), args.targets)
        for name, tree in fixtures:
            work = os.path.join(tmp, name)
            os.makedirs(work)
            db, how, entries = make_database(tree, work)
            files = truthlib.tree_files(tree)
            for target in args.targets:
                truth = truthlib.compiler_truth(tree, target, shims)
                f_err, f_all, _, f_problem = scan(archport, tree, target, args.jobs)
                d_err, d_all, deep_s, d_problem = scan(archport, tree, target, args.jobs, db)
                if f_problem or d_problem:
                    print(f"== {name} [{target}]: FAIL {f_problem or d_problem}")
                    failed += 1
                    continue
                ok, d_ok, f_ok = report_pair(name, target, files, truth, (f_err, f_all), (d_err, d_all),
                                             how, args.verbose)
                passed += ok
                failed += not ok
                totals[target][0] += d_ok
                totals[target][1] += f_ok
                totals[target][2] += len(files)
                if args.timing:
                    timings.append((name, target, len(entries), deep_s, clang_time(entries, target, args.jobs)))
    for target, (d_ok, f_ok, n) in totals.items():
        print(f"{target}: with the deep pass {d_ok}/{n} files agree, fast scan alone {f_ok}/{n}")
    if timings:
        deep_total = sum(t[3] for t in timings)
        clang_total = sum(t[4] for t in timings)
        for name, target, tus, deep_s, clang_s in timings:
            print(f"  time {name} [{target}] {tus} TUs: deep pass {deep_s:.3f} s, "
                  f"clang -fsyntax-only {clang_s:.3f} s")
        print(f"time: deep pass {deep_total:.3f} s, clang -fsyntax-only {clang_total:.3f} s "
              f"(-j {args.jobs}, {len(timings)} runs)")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
