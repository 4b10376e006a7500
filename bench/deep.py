#!/usr/bin/env python3
"""Benchmark of the deep (libclang) pass against `clang -fsyntax-only`.

The deep pass parses every translation unit of a compile database with
libclang, retargeted, so the cheapest thing it could cost is what clang itself
costs to parse the same TUs for the target.  The aim (issue 4) is a deep pass
within 1.2x of that, and a rescan of an unchanged tree that parses nothing.

Two sets of TUs:

  * fixtures: every fixture with C sources, its compile database made with
    `bear -- make` the way tests/test_deep.py makes it, all copied under one
    temporary root;
  * generated: --tus (default 40) TUs of plausible C, each including its own
    header, a shared one and eight of twenty system headers (stdio, stdlib,
    pthread, math, ...), one in five with x86 code (rdtsc, pause, an SSE path
    gated or not); its database also written by bear.

For each set, in one run, with 2 jobs and the best wall time of --runs runs
after a warm-up:

  clang     xargs -P2 -n1 clang-19 @TU.rsp   (the TU's flags minus -o/-c/-M*/-m*,
            plus --target=<triple> -fsyntax-only -ferror-limit=0 -w
            -working-directory DIR)
  cold      ARCHPORT_CACHE_DIR=<new empty dir> archport scan --target T --format json
            -o /dev/null --fail-on never -j 2 --compile-commands DB ROOT
  no cache  the same with ARCHPORT_CACHE_DIR= (cache off: no entries written)
  warm      the same with the cache a previous run filled (nothing changed)

The whole scan's wall time is measured (fast scan included); the deep pass's
own share comes from ARCHPORT_TIMING=1.  Only the Python standard library is
used; bear, make, gcc and clang-19 must be installed.  Nothing is written into
the repository.

    python3 bench/deep.py [--archport bin/archport] [--runs 3] [--tus 40]
                          [--target aarch64] [--markdown] [--keep]
"""

from __future__ import annotations

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

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
import test_deep  # noqa: E402  (make_database: the compile database as the deep test makes it)

TRIPLES = {"aarch64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu"}
_DEEP = re.compile(r"deep pass ([0-9.]+) s \((\d+) TUs, (\d+) parsed, (\d+) cached")


class BenchError(Exception):
    """A tool failed or is missing; the message says what."""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--archport", default=os.path.join(REPO, "bin", "archport"))
    p.add_argument("--fixtures", default=os.path.join(REPO, "fixtures"))
    p.add_argument("--target", default="aarch64", choices=sorted(TRIPLES))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--tus", type=int, default=40)
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the temporary trees")
    return p.parse_args(argv)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# The sets of TUs


def fixtures_set(fixtures, tmp):
    """The C fixtures copied under tmp/fixtures, one merged database."""
    root = os.path.join(tmp, "fixtures")
    entries = []
    for name, tree in test_deep.c_fixtures(fixtures, set()):
        copy = os.path.join(root, name)
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns("*.o", "*.a", "*.so"))
        _, _, found = test_deep.make_database(copy, os.path.join(tmp, "db-" + name))
        entries += [e for e in found if e["file"].endswith(test_deep.C_SUFFIXES)]
    return root, entries


SYSTEM_HEADERS = ["stdio.h", "stdlib.h", "string.h", "stdint.h", "stdarg.h", "math.h", "pthread.h",
                  "errno.h", "time.h", "signal.h", "unistd.h", "fcntl.h", "sys/types.h", "sys/stat.h",
                  "ctype.h", "limits.h", "float.h", "assert.h", "inttypes.h", "stdbool.h"]

X86_SNIPPETS = [
    "static inline uint64_t tsc(void)\n{\n    uint32_t lo, hi;\n"
    "    __asm__ volatile(\"rdtsc\" : \"=a\"(lo), \"=d\"(hi));\n    return ((uint64_t)hi << 32) | lo;\n}\n",
    "#define relax() __asm__ volatile(\"pause\")\nstatic void spin(volatile int *f)\n{\n"
    "    while (!*f)\n        relax();\n}\n",
    "#if defined(__x86_64__)\n#include <emmintrin.h>\nstatic int lanes(void) { __m128i v = _mm_set1_epi32(1);"
    " return _mm_cvtsi128_si32(v); }\n#else\nstatic int lanes(void) { return 1; }\n#endif\n",
    "#include <immintrin.h>\nstatic int lanes(const int *p) { __m128i v = _mm_loadu_si128((const void *)p);"
    " return _mm_cvtsi128_si32(v); }\n",
]


def module_source(i):
    """A TU of ordinary C (structs, loops, formatting, varargs) over its
    system headers; one in five has an x86 snippet."""
    headers = [SYSTEM_HEADERS[(i * 7 + k * 3) % len(SYSTEM_HEADERS)] for k in range(8)]
    lines = [f"/* mod{i}.c - generated for bench/deep.py */"]
    lines += [f"#include <{h}>" for h in sorted(set(headers) | {"stdint.h", "stdio.h", "stdarg.h", "string.h"})]
    lines += ['#include "common.h"', f'#include "mod{i}.h"', ""]
    if i % 5 == 0:
        lines.append(X86_SNIPPETS[(i // 5) % len(X86_SNIPPETS)])
    for f in range(12):
        lines += [
            f"struct rec{i}_{f} {{ uint32_t key; uint32_t len; char name[32]; double weight; }};",
            f"int mod{i}_step{f}(struct rec{i}_{f} *r, size_t n, const char *tag)",
            "{",
            "    int total = 0;",
            "    for (size_t k = 0; k < n; k++) {",
            "        if (r[k].len > sizeof r[k].name)",
            "            return -1;",
            f"        total += (int)(r[k].key * {f + 3}u) ^ (int)r[k].len;",
            "        if (strncmp(r[k].name, tag, sizeof r[k].name) == 0)",
            "            total += (int)(r[k].weight * 2.0);",
            "    }",
            "    return total;",
            "}",
            "",
        ]
    lines += [
        f"int mod{i}_log(FILE *f, const char *fmt, ...)",
        "{",
        "    va_list ap;",
        "    va_start(ap, fmt);",
        "    int n = vfprintf(f, fmt, ap);",
        "    va_end(ap);",
        "    return n;",
        "}",
        "",
    ]
    return "\n".join(lines)


MAKEFILE = """\
CFLAGS ?= -O2 -g -Wall
CPPFLAGS += -Iinclude -D_GNU_SOURCE
OBJS = {objs}
all: $(OBJS)
%.o: %.c
\t$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
.PHONY: all
"""


def generated_set(n, tmp):
    """n TUs under tmp/generated, the database by `bear -- make -k`."""
    root = os.path.join(tmp, "generated")
    os.makedirs(os.path.join(root, "src"))
    os.makedirs(os.path.join(root, "include"))
    write(os.path.join(root, "include", "common.h"),
          "#ifndef COMMON_H\n#define COMMON_H\n#include <stddef.h>\n#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))\n"
          "enum { COMMON_MAX = 64 };\n#endif\n")
    for i in range(n):
        write(os.path.join(root, "include", f"mod{i}.h"),
              f"#ifndef MOD{i}_H\n#define MOD{i}_H\n#include <stdio.h>\n"
              f"int mod{i}_log(FILE *f, const char *fmt, ...);\n#endif\n")
        write(os.path.join(root, "src", f"mod{i}.c"), module_source(i))
    write(os.path.join(root, "Makefile"), MAKEFILE.format(objs=" ".join(f"src/mod{i}.o" for i in range(n))))
    _, _, entries = test_deep.make_database(root, os.path.join(tmp, "db-generated"))
    return root, entries


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_database(entries, path):
    with open(path, "w") as f:
        json.dump(entries, f, indent=1)
    return path


# ---------------------------------------------------------------------------
# The commands


def clang_rsp_files(entries, triple, directory):
    """One response file per TU: its flags for clang -fsyntax-only."""
    os.makedirs(directory, exist_ok=True)
    files = []
    for n, e in enumerate(entries):
        args = e.get("arguments") or shlex.split(e["command"])
        keep, skip = [], False
        for a in args[1:]:
            if skip:
                skip = False
            elif a in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
            elif a != "-c" and not a.startswith(("-m", "-M", "-Werror")):
                keep.append(a)
        flags = [f"--target={triple}", "-fsyntax-only", "-ferror-limit=0", "-w",
                 "-working-directory", e["directory"]] + keep
        path = os.path.join(directory, f"{n}.rsp")
        write(path, "\n".join(shlex.quote(a) for a in flags) + "\n")
        files.append(path)
    return files


def clang_time(rsp_files, clang):
    """Wall time of `xargs -P2 -n1 clang @rsp` over the TUs."""
    listing = "".join(f"@{p}\n" for p in rsp_files)
    start = time.monotonic()
    subprocess.run(["xargs", "-P2", "-n1", clang], input=listing, text=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def archport_time(archport, target, root, db, cache_dir):
    """(wall s, deep pass s, parsed, cached) of one scan."""
    env = dict(os.environ, ARCHPORT_TIMING="1", ARCHPORT_CACHE_DIR=cache_dir)
    cmd = [archport, "scan", "--target", target, "--format", "json", "-o", os.devnull,
           "--fail-on", "never", "-j", "2", "--compile-commands", db, root]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    m = _DEEP.search(proc.stderr)
    if proc.returncode not in (0, 1) or not m:
        raise BenchError(f"archport failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
    return wall, float(m.group(1)), int(m.group(3)), int(m.group(4))


def best(runs, fn):
    """The fastest of `runs` calls after a warm-up call (page cache)."""
    fn()
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[0] if isinstance(r, tuple) else r)


# ---------------------------------------------------------------------------
# One set, the table


def measure(args, name, root, entries, tmp):
    db = write_database(entries, os.path.join(tmp, f"{name}.json"))
    clang = shutil.which("clang-19") or shutil.which("clang")
    rsp = clang_rsp_files(entries, TRIPLES[args.target], os.path.join(tmp, f"rsp-{name}"))
    log(f"{name}: {len(entries)} TUs")
    row = {"set": name, "tus": len(entries)}
    row["clang"] = best(args.runs, lambda: clang_time(rsp, clang))
    fresh = iter(range(10 ** 6))
    row["cold"] = best(args.runs, lambda: archport_time(
        args.archport, args.target, root, db, tempfile.mkdtemp(prefix=f"cold{next(fresh)}-", dir=tmp)))
    row["nocache"] = best(args.runs, lambda: archport_time(args.archport, args.target, root, db, ""))
    warm_dir = os.path.join(tmp, f"warm-{name}")
    row["warm"] = best(args.runs, lambda: archport_time(args.archport, args.target, root, db, warm_dir))
    if row["warm"][2] != 0:
        raise BenchError(f"{name}: the warm rescan parsed {row['warm'][2]} TUs")
    return row


COLUMNS = ["set", "TUs", "clang -fsyntax-only -P2 s", "archport cold s", "deep pass cold s", "cold / clang",
           "deep cold / clang", "archport no cache s", "archport warm s", "deep pass warm s", "warm / clang"]


def cells(row):
    clang = row["clang"]
    cold, nocache, warm = row["cold"], row["nocache"], row["warm"]
    return [row["set"], str(row["tus"]), f"{clang:.3f}", f"{cold[0]:.3f}", f"{cold[1]:.3f}",
            f"{cold[0] / clang:.2f}x", f"{cold[1] / clang:.2f}x", f"{nocache[0]:.3f}",
            f"{warm[0]:.3f}", f"{warm[1]:.3f}", f"{warm[0] / clang:.2f}x"]


def print_table(rows, markdown):
    table = [COLUMNS] + [cells(r) for r in rows]
    if markdown:
        print("| " + " | ".join(COLUMNS) + " |")
        print("|---|" + "---:|" * (len(COLUMNS) - 1))
        for r in table[1:]:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    for r in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))


def describe(args):
    version = subprocess.run([args.archport, "--version"], capture_output=True, text=True).stdout.strip()
    cpus = os.cpu_count()
    print(f"\nBest of {args.runs} runs after a warm-up; {cpus} CPUs; {version or 'archport'}; "
          f"target {args.target}; 2 jobs everywhere.")
    print("cold: empty cache directory (entries written); no cache: ARCHPORT_CACHE_DIR= ; "
          "warm: nothing changed since the last scan (0 TUs parsed).")
    print("'deep pass' columns are archport's own ARCHPORT_TIMING figure; the others are the whole "
          "command's wall time (fast scan, libclang load and report included).")


def main(argv=None):
    args = parse_args(argv)
    args.archport = os.path.abspath(args.archport)
    for tool in ("bear", "make", "gcc", "xargs"):
        if not shutil.which(tool):
            raise BenchError(f"{tool} is not installed")
    tmp = tempfile.mkdtemp(prefix="archport-bench-deep-")
    try:
        rows = [measure(args, "fixtures", *fixtures_set(args.fixtures, tmp), tmp),
                measure(args, "generated", *generated_set(args.tus, tmp), tmp)]
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(rows, args.markdown)
    describe(args)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench/deep.py: {exc}", file=sys.stderr)
        sys.exit(2)
