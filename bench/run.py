#!/usr/bin/env python3
"""Throughput benchmark: `archport scan` against ripgrep on the same trees.

archport runs over whole repositories in CI, so its speed matters next to the
cheapest thing a team could run instead: a grep for x86 constructs. This
script measures, on the same trees, in one run:

  * archport: `bin/archport scan --target aarch64 --format json -o /dev/null
    --fail-on never -j 2 TREE`, and the same with -j 1;
  * ripgrep:  `rg -c -j 2 --no-unicode -f bench/x86.patterns TREE`, a pattern
    file of ~30 x86 regexes (asm mnemonics, registers, intrinsics, headers,
    flags). `--no-unicode` makes `\\b` and `\\w` ASCII-only, which is all C
    identifiers need and makes ripgrep ~15x faster on these patterns: the
    baseline is the fast grep, not a slow one.

The trees are `/usr/include` and a generated tree (default 2000 files,
~100 MB of C with a sprinkling of x86 code, fixed seed, in a temporary
directory removed at the end). For each tree it reports the size counted once
by this script (files, bytes, lines), the best wall time of N runs after one
warm-up run (default N=3; the warm-up fills the page cache), archport's MB/s
and lines/s (tree bytes and lines over the -j 2 wall time), the ratio
archport -j 2 / ripgrep, and archport's peak RSS from `/usr/bin/time -f %M`.

Usage: `make bench`, or `python3 bench/run.py [--markdown] [--runs N] ...`.
Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GNU_TIME = "/usr/bin/time"
MB = 1_000_000
MIB = 1024 * 1024


class BenchError(Exception):
    """A tool failed or is missing; the message says what to do."""


# ---------------------------------------------------------------------------
# The generated tree


NOUNS = ["buf", "len", "ctx", "node", "entry", "count", "offset", "flags", "state", "hdr",
         "item", "key", "value", "idx", "size", "cursor", "table", "queue", "page", "slot",
         "chunk", "frame", "packet", "token", "block", "range", "limit", "mask", "seq", "crc"]
VERBS = ["init", "update", "free", "parse", "emit", "lookup", "insert", "remove", "flush",
         "encode", "decode", "hash", "copy", "reset", "validate", "merge", "split", "scan"]
TYPES = ["int", "unsigned", "size_t", "uint32_t", "uint64_t", "int64_t", "long", "uint8_t"]
COMMENTS = [
    "Callers hold the lock; see the note at the top of the file.",
    "The table is rebuilt lazily on the next lookup.",
    "Keep this in sync with the on-disk format (version 3).",
    "Overflow is impossible here: len was checked by the caller.",
    "TODO: batch these updates once the queue supports it.",
    "This path is cold; clarity over speed.",
    "Entries are sorted by key, ties broken by sequence number.",
    "Returns 0 on success, a negative errno value on failure.",
]


class CSourceGenerator:
    """Deterministic generator of plausible C: functions, structs, macros, comments.

    About one file in eight gets an x86 construct: SSE intrinsics with
    <immintrin.h>, `__asm__("cpuid" ...)`, rdtsc, `__builtin_ia32_pause`, or an
    SSE path already gated by `#if defined(__x86_64__)` with a portable #else.
    """

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(NOUNS)}_{r.choice(VERBS)}_{r.randrange(1000)}"

    def statement(self, depth: int = 0) -> str:
        r = self.rng
        ind = "\t" * (depth + 1)
        a, b = r.choice(NOUNS), r.choice(NOUNS)
        k = r.randrange(1, 4096)
        pick = r.randrange(10 if depth < 2 else 6)
        if pick == 0:
            return f"{ind}{a} += {b} * {k}u;\n"
        if pick == 1:
            return f"{ind}if ({a} > {b})\n{ind}\t{a} = {b} ^ 0x{k:x};\n"
        if pick == 2:
            return f"{ind}memcpy(&ctx->{a}, &{b}, sizeof ctx->{a});\n"
        if pick == 3:
            return f"{ind}/* {r.choice(COMMENTS)} */\n"
        if pick == 4:
            return f'{ind}snprintf(msg, sizeof msg, "{a}=%u {b}=%u", (unsigned){a}, (unsigned){b});\n'
        if pick == 5:
            return f"{ind}{a} = ({a} << {k % 31}) | ({b} >> {32 - k % 31});\n"
        body = "".join(self.statement(depth + 1) for _ in range(r.randrange(1, 4)))
        if pick == 6:
            return f"{ind}for (size_t i = 0; i < {a}; i++) {{\n{body}{ind}}}\n"
        if pick == 7:
            return f"{ind}while ({a} != {b}) {{\n{body}{ind}\t{a}++;\n{ind}}}\n"
        if pick == 8:
            cases = "".join(f"{ind}case {c}:\n{self.statement(depth + 1)}{ind}\tbreak;\n"
                            for c in r.sample(range(64), r.randrange(2, 5)))
            return f"{ind}switch ({a} & 63) {{\n{cases}{ind}default:\n{ind}\treturn -EINVAL;\n{ind}}}\n"
        return f"{ind}if (ctx->flags & FLAG_{b.upper()}) {{\n{body}{ind}}} else {{\n{ind}\t{a} = 0;\n{ind}}}\n"

    def function(self) -> str:
        r = self.rng
        locals_ = "".join(f"\t{r.choice(TYPES)} {n} = {r.randrange(100)};\n"
                          for n in r.sample(NOUNS, 4))
        body = "".join(self.statement() for _ in range(r.randrange(4, 12)))
        doc = f"/*\n * {self.name()}() - {r.choice(COMMENTS)}\n */\n" if r.random() < 0.5 else ""
        return (f"{doc}static int {self.name()}(struct ctx *ctx, size_t n)\n{{\n{locals_}"
                f"\tchar msg[128];\n\n{body}\treturn (int)(n & 0x7f);\n}}\n\n")

    def struct(self) -> str:
        fields = "".join(f"\t{self.rng.choice(TYPES)} {n};\n" for n in self.rng.sample(NOUNS, 6))
        return f"struct {self.name()} {{\n{fields}}};\n\n"

    def x86_snippet(self) -> tuple[str, str]:
        """An x86 construct: (include line or "", code)."""
        r = self.rng
        n = self.name()
        pick = r.randrange(5)
        if pick == 0:
            return "#include <immintrin.h>\n", (
                f"void {n}_sse(float *out, const float *a, const float *b, size_t n)\n{{\n"
                "\tfor (size_t i = 0; i + 4 <= n; i += 4) {\n"
                "\t\t__m128 va = _mm_loadu_ps(a + i), vb = _mm_loadu_ps(b + i);\n"
                "\t\t_mm_storeu_ps(out + i, _mm_add_ps(va, vb));\n\t}\n}\n\n")
        if pick == 1:
            return "", (
                f"static void {n}_cpuid(unsigned leaf, unsigned r[4])\n{{\n"
                '\t__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])\n'
                '\t\t\t : "a"(leaf), "c"(0));\n}\n\n')
        if pick == 2:
            return "", (
                f"static inline uint64_t {n}_cycles(void)\n{{\n\tunsigned lo, hi;\n"
                '\t__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));\n'
                "\treturn ((uint64_t)hi << 32) | lo;\n}\n\n")
        if pick == 3:
            return "", f"static void {n}_relax(void)\n{{\n\t__builtin_ia32_pause();\n}}\n\n"
        return "", (
            "#if defined(__x86_64__)\n#include <emmintrin.h>\n"
            f"static void {n}_zero(void *p, size_t n)\n{{\n"
            "\tfor (size_t i = 0; i + 16 <= n; i += 16)\n"
            "\t\t_mm_storeu_si128((__m128i *)((char *)p + i), _mm_setzero_si128());\n}\n"
            f"#else\nstatic void {n}_zero(void *p, size_t n)\n{{\n\tmemset(p, 0, n);\n}}\n#endif\n\n")

    def c_file(self, size: int, header: bool) -> str:
        """A C source or header of about `size` bytes."""
        r = self.rng
        guard = f"{self.name().upper()}_H"
        parts = ["/* SPDX-License-Identifier: MIT */\n/* Generated by bench/run.py for archport's benchmark. */\n"]
        if header:
            parts.append(f"#ifndef {guard}\n#define {guard}\n")
        parts.append("#include <errno.h>\n#include <stddef.h>\n#include <stdint.h>\n"
                     "#include <stdio.h>\n#include <string.h>\n#include \"ctx.h\"\n\n")
        x86 = []
        if r.random() < 0.125:
            for _ in range(r.randrange(1, 3)):
                include, code = self.x86_snippet()
                if include:
                    parts.append(include)
                x86.append(code)
        parts.append(f"#define {self.name().upper()}_MAX {r.randrange(16, 65536)}\n\n")
        total = sum(map(len, parts))
        while total < size:
            chunk = self.struct() if r.random() < 0.15 else self.function()
            if x86 and r.random() < 0.1:
                chunk += x86.pop()
            parts.append(chunk)
            total += len(chunk)
        parts.extend(x86)
        if header:
            parts.append(f"#endif /* {guard} */\n")
        return "".join(parts)

    def asm_file(self) -> str:
        n = self.name()
        return (f"\t.text\n\t.globl {n}\n\t.type {n}, @function\n{n}:\n"
                "\tpushq %rbp\n\tmovq %rsp, %rbp\n\tmovq %rdi, %rax\n\txorl %ecx, %ecx\n"
                "\tcpuid\n\trdtsc\n\tshlq $32, %rdx\n\torq %rdx, %rax\n\tpopq %rbp\n\tret\n"
                f"\t.size {n}, .-{n}\n")

    def makefile(self, module: str) -> str:
        flags = "-O2 -msse4.2 -mpclmul" if self.rng.random() < 0.3 else "-O2"
        return (f"# Build of module {module}.\nCFLAGS += {flags} -Wall\nSRCS := $(wildcard *.c)\n"
                f"OBJS := $(SRCS:.c=.o)\n\nlib{module}.a: $(OBJS)\n\t$(AR) rcs $@ $^\n")


def generate_tree(dest: Path, files: int, total_bytes: int, seed: int) -> None:
    """Writes `files` files (~90% .c, ~10% .h, a few .S and Makefiles) totalling ~`total_bytes`."""
    gen = CSourceGenerator(seed)
    r = random.Random(seed + 1)
    modules = max(1, files // 50)
    # Log-normal sizes, as in real trees (many small files, a few big ones), scaled to the total.
    weights = [r.lognormvariate(0, 0.8) for _ in range(files)]
    scale = total_bytes / sum(weights)
    for i, weight in enumerate(weights):
        module = f"mod{i % modules:02d}"
        mdir = dest / "src" / module
        if i < modules:
            mdir.mkdir(parents=True)
            (mdir / "Makefile").write_text(gen.makefile(module))
        if i % 200 == 7:
            (mdir / f"entry{i}.S").write_text(gen.asm_file())
        header = i % 10 == 9
        name = f"{gen.name()}_{i}.{'h' if header else 'c'}"
        (mdir / name).write_text(gen.c_file(int(weight * scale), header))


# ---------------------------------------------------------------------------
# Measuring


@dataclass
class TreeStats:
    files: int = 0
    bytes: int = 0
    lines: int = 0


def count_tree(root: Path) -> TreeStats:
    """Regular files, bytes and newline count of a tree, symlinks not followed."""
    stats = TreeStats()
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                with open(path, "rb") as f:
                    lines = 0
                    size = 0
                    while chunk := f.read(1 << 20):
                        lines += chunk.count(b"\n")
                        size += len(chunk)
            except OSError:
                continue
            stats.files += 1
            stats.bytes += size
            stats.lines += lines
    return stats


@dataclass
class Timing:
    best: float
    runs: list[float]
    peak_rss_kib: int | None = None


def run_once(argv: list[str], ok_codes: tuple[int, ...], rss: bool) -> tuple[float, int | None]:
    """Runs `argv` once; returns (wall seconds, peak RSS in KiB or None)."""
    rss_file = None
    if rss:
        fd, rss_file = tempfile.mkstemp(prefix="archport-bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv]
    try:
        start = time.perf_counter()
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            why = f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
            raise BenchError(f"{' '.join(argv)}: {why}" + ("\n    " + "\n    ".join(tail) if tail else ""))
        peak = None
        if rss_file:
            text = Path(rss_file).read_text().strip().splitlines()
            peak = int(text[-1]) if text and text[-1].isdigit() else None
        return wall, peak
    finally:
        if rss_file:
            os.unlink(rss_file)


def measure(argv: list[str], runs: int, ok_codes: tuple[int, ...], rss: bool = False) -> Timing:
    """Best wall time of `runs` runs after one warm-up, and the largest peak RSS seen."""
    run_once(argv, ok_codes, rss=False)  # warm-up: page cache, dynamic loader
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak = run_once(argv, ok_codes, rss)
        walls.append(wall)
        if peak is not None:
            peaks.append(peak)
    return Timing(min(walls), walls, max(peaks) if peaks else None)


@dataclass
class Result:
    label: str
    path: Path
    stats: TreeStats
    scanned: dict = field(default_factory=dict)  # archport's summary: files/lines it scanned
    version: str = ""
    j1: Timing | None = None
    j2: Timing | None = None
    rg: Timing | None = None
    error: str = ""


def archport_summary(archport: Path, tree: Path) -> tuple[dict, str]:
    """One archport run with the report kept, for what it scanned and its version."""
    with tempfile.TemporaryDirectory(prefix="archport-bench-") as tmp:
        out = Path(tmp) / "report.json"
        argv = [str(archport), "scan", "--target", "aarch64", "--format", "json", "-o", str(out),
                "--fail-on", "never", "-j", "2", str(tree)]
        run_once(argv, (0,), rss=False)
        try:
            report = json.loads(out.read_text(encoding="utf-8", errors="replace"))
        except (OSError, json.JSONDecodeError) as e:
            raise BenchError(f"archport wrote no readable JSON report ({e})") from None
    return report.get("summary", {}), str(report.get("tool", {}).get("version", ""))


def bench_tree(label: str, tree: Path, args, archport: Path, rg: str | None, have_time: bool) -> Result:
    """Counts one tree and times archport (-j 1, -j 2) and ripgrep on it."""
    print(f"# {label}: counting {tree} ...", file=sys.stderr, flush=True)
    result = Result(label, tree, count_tree(tree))
    try:
        print(f"# {label}: archport ...", file=sys.stderr, flush=True)
        result.scanned, result.version = archport_summary(archport, tree)
        base = [str(archport), "scan", "--target", "aarch64", "--format", "json", "-o", "/dev/null",
                "--fail-on", "never"]
        result.j2 = measure(base + ["-j", "2", str(tree)], args.runs, (0,), rss=have_time)
        result.j1 = measure(base + ["-j", "1", str(tree)], args.runs, (0,), rss=have_time)
        if rg:
            print(f"# {label}: ripgrep ...", file=sys.stderr, flush=True)
            # rg exits 1 when nothing matched: not an error here.
            result.rg = measure([rg, "-c", "-j", "2", "--no-unicode", "-f", str(args.patterns), str(tree)],
                                args.runs, (0, 1))
    except BenchError as e:
        result.error = str(e)
        print(f"error: {label}: {e}", file=sys.stderr)
    return result


# ---------------------------------------------------------------------------
# Reporting


COLUMNS = ["tree", "files", "MB", "lines", "scanned files", "archport -j1 s", "archport -j2 s",
           "MB/s", "lines/s", "rg -j2 s", "archport/rg", "peak RSS MiB"]


def row(r: Result) -> list[str]:
    """One table row; '-' where a number is missing."""
    def secs(t: Timing | None) -> str:
        return f"{t.best:.3f}" if t else "-"
    j2 = r.j2.best if r.j2 else None
    peaks = [t.peak_rss_kib for t in (r.j1, r.j2) if t and t.peak_rss_kib is not None]
    return [
        r.label,
        f"{r.stats.files:,}",
        f"{r.stats.bytes / MB:,.1f}",
        f"{r.stats.lines:,}",
        f"{r.scanned.get('files', '-'):,}" if isinstance(r.scanned.get("files"), int) else "-",
        secs(r.j1),
        secs(r.j2),
        f"{r.stats.bytes / MB / j2:,.1f}" if j2 else "-",
        f"{r.stats.lines / j2:,.0f}" if j2 else "-",
        secs(r.rg),
        f"{j2 / r.rg.best:.2f}x" if j2 and r.rg else "-",
        f"{max(peaks) / 1024:,.1f}" if peaks else "-",
    ]


def print_text(results: list[Result]) -> None:
    rows = [COLUMNS] + [row(r) for r in results]
    widths = [max(len(rw[i]) for rw in rows) for i in range(len(COLUMNS))]
    for n, rw in enumerate(rows):
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(rw)]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def print_markdown(results: list[Result]) -> None:
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|")
    for r in results:
        print("| " + " | ".join(row(r)) + " |")


def machine_line(rg: str | None, version: str) -> str:
    """CPU, cores and tool versions, so numbers from different machines are not mixed up."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rg_version = "no ripgrep"
    if rg:
        out = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.splitlines()
        rg_version = out[0] if out else "ripgrep"
    return f"{cpu}, {os.cpu_count()} CPUs; archport {version or '?'}; {rg_version}"


# ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark archport scan against ripgrep.")
    parser.add_argument("--archport", default=str(REPO / "bin" / "archport"),
                        help="binary to measure (default: bin/archport of this repo)")
    parser.add_argument("--rg", default="rg", help="ripgrep binary (default: rg on PATH)")
    parser.add_argument("--patterns", type=Path, default=REPO / "bench" / "x86.patterns",
                        help="ripgrep pattern file, one regex a line (default: bench/x86.patterns)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the warm-up; best is kept (default 3)")
    parser.add_argument("--files", type=int, default=2000, help="files in the generated tree (default 2000)")
    parser.add_argument("--size-mb", type=float, default=100, help="MB (10^6 bytes) of the generated tree (default 100)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the generated tree")
    parser.add_argument("--tree", action="append", type=Path, default=[], metavar="PATH",
                        help="also measure this tree (repeatable)")
    parser.add_argument("--no-usr-include", action="store_true", help="skip /usr/include")
    parser.add_argument("--no-generated", action="store_true", help="skip the generated tree")
    parser.add_argument("--keep", action="store_true", help="keep the generated tree and say where")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown (for the README)")
    args = parser.parse_args()

    archport = Path(args.archport).resolve()
    if not (archport.is_file() and os.access(archport, os.X_OK)):
        print(f"error: no executable archport at {archport}; build it first (`make`) "
              "or pass --archport PATH", file=sys.stderr)
        return 2
    rg = shutil.which(args.rg)
    if rg is None:
        print(f"warning: ripgrep ({args.rg}) not found; the ripgrep columns stay empty "
              "(Debian: apt-get install ripgrep)", file=sys.stderr)
    elif not args.patterns.is_file():
        print(f"error: no pattern file {args.patterns}", file=sys.stderr)
        return 2
    have_time = os.access(GNU_TIME, os.X_OK)
    if not have_time:
        print(f"warning: {GNU_TIME} not found; peak RSS stays empty (Debian: apt-get install time)",
              file=sys.stderr)

    trees: list[tuple[str, Path]] = []
    if not args.no_usr_include:
        trees.append(("/usr/include", Path("/usr/include")))
    trees += [(str(p), p.resolve()) for p in args.tree]

    results: list[Result] = []
    gen_root = None
    try:
        for label, path in trees:
            if not path.is_dir():
                print(f"warning: {label} is not a directory; skipped", file=sys.stderr)
                continue
            results.append(bench_tree(label, path, args, archport, rg, have_time))
        if not args.no_generated:
            gen_root = Path(tempfile.mkdtemp(prefix="archport-bench-tree-"))
            tree = gen_root / "tree"
            tree.mkdir()
            print(f"# generating {args.files} files, ~{args.size_mb:g} MB in {tree} ...",
                  file=sys.stderr, flush=True)
            start = time.perf_counter()
            generate_tree(tree, args.files, int(args.size_mb * MB), args.seed)
            print(f"# generated in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
            label = "generated"
            results.append(bench_tree(label, tree, args, archport, rg, have_time))
    finally:
        if gen_root is not None:
            if args.keep:
                print(f"# kept the generated tree: {gen_root / 'tree'}", file=sys.stderr)
            else:
                shutil.rmtree(gen_root, ignore_errors=True)

    if not results:
        print("error: nothing was measured", file=sys.stderr)
        return 2
    version = next((r.version for r in results if r.version), "")
    print()
    if args.markdown:
        print(f"Best of {args.runs} runs after a warm-up; {machine_line(rg, version)}.\n")
        print_markdown(results)
    else:
        print(f"archport scan vs ripgrep, best of {args.runs} runs after a warm-up")
        print(machine_line(rg, version))
        print()
        print_text(results)
    print()
    notes = ["MB = 10^6 bytes of the whole tree (every regular file, as ripgrep sees it); "
             "MB/s and lines/s are archport -j2 over the whole tree.",
             "'scanned files' is archport's own summary.files (the files it classified as C/C++/asm/build)."]
    if not args.no_generated:
        notes.append(f"generated: {args.files} files, ~{args.size_mb:g} MB, seed {args.seed}, by bench/run.py.")
    print(("\n\n" if args.markdown else "\n").join(notes))
    failed = [r for r in results if r.error]
    for r in failed:
        print(f"{r.label}: FAILED: {r.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
