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
deep pass ran. (Speed against `clang -fsyntax-only` is bench/deep.py's job.)
These scans run with the cache off (ARCHPORT_CACHE_DIR=).

Then, per target, two more cases (`--only hazards,cache` runs just them):

  hazards  small files with va_list and long double hazards, every line that
           must warn (c/runtime-hazard) or fail marked, negative examples
           unmarked; the cross gcc must agree about which lines do not build
           (a hazard is only reported where the code still compiles);
  cache    a fixture scanned twice with a private ARCHPORT_CACHE_DIR (same
           JSON, 0 TUs parsed the second time), a header edited without
           changing its size or mtime (only its includer is parsed again, the
           new finding appears), a truncated entry (parsed again, same
           report), the cache off; and a missing header that is created later.

    python3 tests/test_deep.py [--archport bin/archport] [--targets aarch64,riscv64]
                               [--only NAME,...] [-j 2] [-v]
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

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
        if truthlib.source_arch(name) != "x86_64":
            continue   # aarch64 code: graded for the reverse port by tests/graded.py
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
    # The cache off: the grade is of a real parse, and the user's cache is not ours to fill.
    proc = run(cmd + [tree], env=truthlib.clean_env({"ARCHPORT_TIMING": "1", "ARCHPORT_CACHE_DIR": ""}))
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
    (f_err, _), (d_err, d_all) = fast, deep
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


# ---- the cache: a rescan parses only the TUs whose inputs changed ----

CACHE_FIXTURE = "arch-chain"
CACHE_HEADER = "include/platform.h"      # included by one of the fixture's TUs
_COUNTS = re.compile(r"deep pass [0-9.]+ s \((\d+) TUs, (\d+) parsed, (\d+) cached")


def cached_scan(archport, tree, target, db, cache_dir):
    """(JSON text, (TUs, parsed, cached)) of a scan with the cache at cache_dir."""
    cmd = [archport, "scan", "--target", target, "--format", "json", "--fail-on", "never",
           "-j", "2", "--compile-commands", db, tree]
    proc = run(cmd, env=truthlib.clean_env({"ARCHPORT_TIMING": "1", "ARCHPORT_CACHE_DIR": cache_dir}))
    m = _COUNTS.search(proc.stderr)
    if proc.returncode not in (0, 1) or not m:
        raise AssertionError(f"scan failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    return proc.stdout, tuple(int(g) for g in m.groups())


def same_size_edit(path):
    """Turns a one-line comment of the header into `#define PAGE_SIZE 4096`,
    same length, mtime put back: only the bytes tell.  Returns its line."""
    st = os.stat(path)
    with open(path) as f:
        lines = f.read().split("\n")
    head, tail = "#define PAGE_SIZE 4096 /*", "*/"
    for i, line in enumerate(lines):
        if re.fullmatch(r"/\*.*\*/", line) and len(line) >= len(head) + len(tail) + 1:
            lines[i] = head + " " * (len(line) - len(head) - len(tail)) + tail
            break
    else:
        raise AssertionError(f"{path}: no one-line comment to edit")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    if os.stat(path).st_size != st.st_size:
        raise AssertionError("the edit changed the size")
    return i + 1


def includers(entries, name):
    return sum(f'"{name}"' in open(e["file"]).read() for e in entries)


def check(ok, what, failures):
    print(f"   {'ok  ' if ok else 'FAIL'} {what}")
    if not ok:
        failures.append(what)


def has_finding(report, rule, rel, line):
    return any(f["rule"] == rule and f["file"] == rel and f["line"] == line
               for f in json.loads(report)["findings"])


def cache_case(archport, fixtures, tmp, target):
    """Scan twice (same report, nothing parsed the second time), edit a
    header without changing its size or mtime (its includer alone is parsed,
    the new finding appears), truncate an entry (parsed again, same
    report), turn the cache off."""
    work = os.path.join(tmp, "cache-case")
    tree, store = os.path.join(work, "tree"), os.path.join(work, "store")
    os.makedirs(work)
    shutil.copytree(os.path.join(fixtures, CACHE_FIXTURE), tree)
    db, _, entries = make_database(tree, os.path.join(work, "db"))
    n, failures = len(entries), []
    print(f"== cache [{target}] ({CACHE_FIXTURE}, {n} TUs)")
    first, c1 = cached_scan(archport, tree, target, db, store)
    second, c2 = cached_scan(archport, tree, target, db, store)
    check(c1 == (n, n, 0) and c2 == (n, 0, n), f"cold run parsed {c1[1]}, warm run parsed {c2[1]} of {n}", failures)
    check(first == second, "warm report identical to the cold one", failures)
    line = same_size_edit(os.path.join(tree, CACHE_HEADER))
    edited, c3 = cached_scan(archport, tree, target, db, store)
    want = includers(entries, os.path.basename(CACHE_HEADER))
    check(c3 == (n, want, n - want), f"same-size, same-mtime header edit: parsed {c3[1]} (want {want})", failures)
    check(has_finding(edited, "c/runtime-hazard", CACHE_HEADER, line), f"new finding at {CACHE_HEADER}:{line}",
          failures)
    victim = sorted(glob.glob(os.path.join(store, "deep", "*.tu")))[0]
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) // 2)
    again, c4 = cached_scan(archport, tree, target, db, store)
    _, c5 = cached_scan(archport, tree, target, db, store)
    check(c4[1] == 1 and again == edited and c5[1] == 0, "truncated entry: parsed again, same report, rewritten",
          failures)
    _, c6 = cached_scan(archport, tree, target, db, "")
    check(c6 == (n, n, 0), "ARCHPORT_CACHE_DIR= turns the cache off", failures)
    return not failures


def missing_header_case(archport, tmp, target):
    """A TU whose header is missing is cached with where the header was
    looked for; creating it there invalidates the entry."""
    tree, store = os.path.join(tmp, "missing-case"), os.path.join(tmp, "missing-store")
    os.makedirs(os.path.join(tree, "include"))
    with open(os.path.join(tree, "include", "other.h"), "w") as f:
        f.write("/* include/ exists; later.h is not there yet */\n")
    with open(os.path.join(tree, "a.c"), "w") as f:
        f.write('#include "later.h"\nint pages(void) { return PAGE_SIZE; }\n')
    db = os.path.join(tmp, "missing.json")
    with open(db, "w") as f:
        json.dump([{"directory": tree, "file": os.path.join(tree, "a.c"),
                    "arguments": ["gcc", "-Iinclude", "-c", "a.c"]}], f)
    failures = []
    print(f"== cache, missing header [{target}]")
    _, c1 = cached_scan(archport, tree, target, db, store)
    _, c2 = cached_scan(archport, tree, target, db, store)
    with open(os.path.join(tree, "include", "later.h"), "w") as f:
        f.write("#define PAGE_SIZE 4096\n")
    report, c3 = cached_scan(archport, tree, target, db, store)
    check(c1[1:] == (1, 0) and c2[1:] == (0, 1) and c3[1:] == (1, 0),
          f"parsed {c1[1]}, {c2[1]}, then {c3[1]} once include/later.h exists", failures)
    check(has_finding(report, "c/runtime-hazard", "include/later.h", 1), "the new header's finding", failures)
    return not failures


# ---- runtime hazards: va_list and long double ----
# `@hazard` marks a line where a c/runtime-hazard warning is due on every
# target, `@hazard:T` on target T only, `@error:T` a line the compiler for T
# rejects; unmarked lines must have neither (the negative examples).

HAZARD_CASES = {
    "va_pointer.c": """\
/* va_list used as a pointer: x86_64 decays the array; riscv64 has a void *
 * (compiles, wrong); aarch64 has a struct (does not compile). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void keep_state(void *state);
void walk_state(va_list *state);
int sum_rest(int n, va_list ap);

int log_all(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    keep_state(ap);                             /* @hazard:riscv64 @error:aarch64 */
    va_end(ap);
    return 0;
}

int forward(int n, va_list ap)
{
    va_list *state = (va_list *)ap;             /* @hazard:riscv64 @error:aarch64 */
    walk_state(state);
    void *raw = ap;                             /* @hazard:riscv64 @error:aarch64 */
    if (ap == NULL)                             /* @hazard:riscv64 @error:aarch64 */
        return 0;
    return raw != NULL;
}

void save_args(va_list dst, va_list src)
{
    memcpy(dst, src, sizeof(va_list));          /* @hazard:riscv64 @error:aarch64 */
}

/* Ordinary va_list code: nothing to report. */
int ok_vlog(FILE *f, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vfprintf(f, fmt, copy);
    va_end(copy);
    walk_state(&copy);
    return n + vfprintf(f, fmt, ap);
}

int ok_sum(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int s = sum_rest(n, ap);
    va_end(ap);
    struct { va_list args; } box;
    va_start(box.args, n);
    s += sum_rest(n, box.args);
    va_end(box.args);
    return s + (int)sizeof(va_list);
}
""",
    "va_after_pass.c": """\
/* va_list read again after it was passed by value: x86_64's callee moved
 * the caller's va_list, other targets' callees moved a copy. */
#include <stdarg.h>
#include <stdio.h>

int take_int(va_list ap);
const char *take_str(va_list ap);
void take_ptr(va_list *ap);

int parse_pair(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int a = take_int(ap);
    int b = va_arg(ap, int);                    /* @hazard */
    va_end(ap);
    return a + b;
}

const char *parse_two(va_list ap)
{
    take_int(ap);
    return take_str(ap);                        /* @hazard */
}

int copy_after(va_list ap)
{
    va_list again;
    vprintf("%d", ap);
    va_copy(again, ap);                         /* @hazard */
    int r = vprintf("%d", again);
    va_end(again);
    return r;
}

/* Restarted, copied or passed by address: nothing to report. */
int ok_restart(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int a = take_int(ap);
    va_end(ap);
    va_start(ap, n);
    a += take_int(ap);
    va_end(ap);
    return a;
}

int ok_copy(int n, ...)
{
    va_list ap, aq;
    va_start(ap, n);
    va_copy(aq, ap);
    int a = take_int(aq);
    va_end(aq);
    a += va_arg(ap, int);
    take_ptr(&ap);
    a += va_arg(ap, int);
    va_end(ap);
    return a;
}
""",
    "ld_layout.c": """\
/* long double read as x87 80-bit extended: aarch64 and riscv64 have IEEE
 * binary128 in the same 16 bytes. */
#include <float.h>
#include <stdint.h>

union ld_bytes { long double f; unsigned char b[10]; };              /* @hazard */
union ld_words { long double f; uint16_t w[5]; };                    /* @hazard */
union ld_parts {                                                     /* @hazard */
    long double f;
    struct { uint64_t mantissa; uint16_t sign_exp; } p;
};
typedef union {                                                      /* @hazard */
    long double f;
    struct { unsigned long long m : 64; unsigned e : 15; unsigned s : 1; } bits;
} ld_bits;

int is_x87(void) { return sizeof(long double) == 16; }                /* @hazard */
typedef long double real;
int is_not_x87(real x) { return 16 != sizeof x; }                     /* @hazard */

#if LDBL_MANT_DIG == 64                                               /* @hazard */
int ld_exponent(long double x) { union ld_parts u = { x }; return u.p.sign_exp & 0x7fff; }
#else
int ld_exponent(long double x) { return (int)x; }
#endif
int wide(void) { return LDBL_MANT_DIG != 64 ? 0 : 1; }                /* @hazard */

/* Not layout assumptions: nothing to report. */
union ld_any { long double f; unsigned char b[sizeof(long double)]; };
union ld_q { long double f; uint64_t w[2]; };
union d_bytes { double d; unsigned char b[10]; };
union ld_128 { long double f; struct { uint64_t lo; uint64_t hi; } q; };
int is_double(void) { return sizeof(long double) == sizeof(double); }
int small(void) { return sizeof(long double) == 8; }
int dbl(void) { return sizeof(double) == 16; }
_Static_assert(sizeof(long double) == 16, "size, not format");
""",
    "ld_ported.c": """\
/* long double code that already knows binary128: nothing to report. */
#include <float.h>
#include <stdint.h>

#if LDBL_MANT_DIG == 64
typedef struct { uint64_t m; uint16_t se; } ld_fields;
#elif LDBL_MANT_DIG == 113
typedef struct { uint64_t lo; uint64_t hi; } ld_fields;
#else
typedef struct { uint64_t bits; } ld_fields;
#endif

#if defined(__x86_64__) && LDBL_MANT_DIG == 64
int x87_only;
#endif

int mant_bits(void) { return LDBL_MANT_DIG; }
""",
}


def marked_lines(source, kind, target):
    """Lines marked `@kind` (every target) or `@kind:target`."""
    pattern = re.compile(rf"@{kind}(?::(\w+))?")
    return {n for n, line in enumerate(source.split("\n"), 1)
            for m in pattern.finditer(line) if m.group(1) in (None, target)}


def gcc_error_lines(path, target):
    name = os.path.basename(path)
    proc = run([f"{truthlib.TRIPLES[target]}-gcc", "-fsyntax-only", "-w", name], cwd=os.path.dirname(path))
    return {int(m.group(1)) for m in re.finditer(rf"^{re.escape(name)}:(\d+):\d+: error", proc.stderr, re.M)}


def hazard_case(archport, tmp, target):
    """Every marked line and nothing else, and the compiler agrees about
    which lines do not build (a hazard is only what still compiles)."""
    tree = os.path.join(tmp, "hazards")
    os.makedirs(tree, exist_ok=True)
    for name, source in HAZARD_CASES.items():
        with open(os.path.join(tree, name), "w") as f:
            f.write(source)
    entries = [{"directory": tree, "file": os.path.join(tree, n), "arguments": ["gcc", "-c", n]}
               for n in HAZARD_CASES]
    db = os.path.join(tmp, f"hazards-{target}.json")
    with open(db, "w") as f:
        json.dump(entries, f)
    _, findings, _, problem = scan(archport, tree, target, 2, db)
    print(f"== hazards [{target}]")
    failures = [] if problem is None else [problem]
    for name, source in HAZARD_CASES.items():
        got_h = {f["line"] for f in findings if f["file"] == name and f["rule"] == "c/runtime-hazard"}
        got_e = {f["line"] for f in findings if f["file"] == name and f["severity"] == "error"}
        want_h, want_e = marked_lines(source, "hazard", target), marked_lines(source, "error", target)
        gcc_e = gcc_error_lines(os.path.join(tree, name), target)
        check(got_h == want_h, f"{name}: hazards on lines {sorted(got_h)}, marked {sorted(want_h)}", failures)
        check(got_e == want_e == gcc_e, f"{name}: errors on {sorted(got_e)}, marked {sorted(want_e)}, "
              f"gcc {sorted(gcc_e)}", failures)
    return not failures


def grade_fixtures(args, archport, tmp, tally):
    """Each fixture's verdicts against the compilers, deep pass and fast scan."""
    shims = truthlib.Shims(os.path.join(tmp, "shims"), args.targets)
    for name, tree in c_fixtures(args.fixtures, args.only):
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
                tally["failed"] += 1
                continue
            ok, d_ok, f_ok = report_pair(name, target, files, truth, (f_err, f_all), (d_err, d_all),
                                         how, args.verbose)
            tally["passed" if ok else "failed"] += 1
            for i, v in enumerate((d_ok, f_ok, len(files))):
                tally["totals"][target][i] += v


def run_cases(args, archport, tmp, tally):
    """The hazard and cache cases (`--only hazards,cache` picks them)."""
    for target in args.targets:
        cases = []
        if not args.only or "hazards" in args.only:
            cases.append(lambda: hazard_case(archport, os.path.join(tmp, f"h-{target}"), target))
        if not args.only or "cache" in args.only:
            cases.append(lambda: cache_case(archport, args.fixtures, os.path.join(tmp, f"c-{target}"), target))
            cases.append(lambda: missing_header_case(archport, os.path.join(tmp, f"m-{target}"), target))
        for case in cases:
            try:
                ok = case()
            except (AssertionError, OSError, ValueError, subprocess.SubprocessError) as exc:
                print(f"   FAIL {exc}")
                ok = False
            tally["passed" if ok else "failed"] += 1


def print_summary(tally):
    for target, (d_ok, f_ok, n) in tally["totals"].items():
        if n:
            print(f"{target}: with the deep pass {d_ok}/{n} files agree, fast scan alone {f_ok}/{n}")
    print(f"{tally['passed']} passed, {tally['failed']} failed")


def main(argv=None):
    args = parse_args(argv)
    archport = os.path.abspath(args.archport)
    tally = {"passed": 0, "failed": 0, "timings": [],
             "totals": {t: [0, 0, 0] for t in args.targets}}   # deep agree, fast agree, files
    with tempfile.TemporaryDirectory(prefix="deep-") as tmp:
        os.makedirs(os.path.join(tmp, "shims"))
        grade_fixtures(args, archport, tmp, tally)
        run_cases(args, archport, tmp, tally)
    print_summary(tally)
    return 0 if tally["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
