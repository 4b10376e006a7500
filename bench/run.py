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
    baseline is the fast grep, not a slow one. For the generated Rust
    workspace ripgrep runs the same way with bench/x86-rust.patterns
    (`asm!`, `core::arch::x86_64`, `target_arch = "x86_64"`,
    `is_x86_feature_detected!`, `target_feature`, mnemonics, registers,
    intrinsics, x86-only crates and triples).

The trees are `/usr/include`, a generated C tree (default 2000 files,
~100 MB of C with a sprinkling of x86 code) and a generated Cargo workspace
(default ~120 crates, 2400 lib.rs and module files, ~55 MB of Rust with
gated x86 modules and their aarch64 twins, cfg_attr path mappings,
crate-wide `use` paths and some ungated x86 code), each from a fixed seed in
a temporary directory removed at the end. For each tree it reports the size
counted once by this script (files, bytes, lines), the best wall time of N
runs after one warm-up run (default N=3; the warm-up fills the page cache),
archport's MB/s and lines/s (tree bytes and lines over the -j 2 wall time),
the ratio archport -j 2 / ripgrep, and archport's peak RSS from
`/usr/bin/time -f %M`.

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
# The generated Rust workspace


RS_MODS = ["config", "queue", "table", "cache", "codec", "frame", "packet", "block", "memory",
           "device", "irq", "timer", "sched", "ioport", "net", "storage", "metrics", "trace",
           "util", "ring", "event", "state", "hashing", "parser", "emitter", "layout", "region",
           "snapshot", "migration", "balloon", "console", "serial", "vring", "mmio", "pci", "acpi"]
RS_CRATE_PREFIXES = ["vm", "io", "net", "blk", "mem", "dev", "sys", "hv", "fs", "rt", "virtio", "guest"]
ARCH_MOD_NAMES = {"x86_64", "aarch64", "arch", "tests"}
RS_LOCALS = [n for n in NOUNS if n != "ctx"]   # `ctx` is the Context parameter of private fns


def camel(*words: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words)


@dataclass
class RsModule:
    name: str                       # "" for the crate root
    parent: "RsModule | None"
    children: list = field(default_factory=list)
    mod_rs: bool = False            # a directory module written as name/mod.rs (else name.rs + name/)
    vis: str = "pub"
    feature: str = ""               # gated by #[cfg(feature = ...)] when non-empty
    structs: list = field(default_factory=list)
    fns: list = field(default_factory=list)
    consts: list = field(default_factory=list)
    size: int = 0

    @property
    def path(self) -> list[str]:
        m, out = self, []
        while m is not None and m.name:
            out.append(m.name)
            m = m.parent
        return out[::-1]

    @property
    def depth(self) -> int:
        return len(self.path)

    def file(self) -> str:
        """File of the module relative to the crate's src/."""
        if not self.name:
            return "lib.rs"
        p = "/".join(self.path)
        return f"{p}/mod.rs" if self.mod_rs else f"{p}.rs"


@dataclass
class RsCrate:
    name: str                       # package name, with '-'
    root: RsModule
    modules: list                   # every module but the root, in creation order
    ported: bool = True             # has aarch64 twins for every x86 piece
    arch_dir: bool = False          # x86_64/ and aarch64/ are directory modules with submodules
    path_map: bool = False          # #[cfg_attr(target_arch = ..., path = ...)] mod arch;
    x86_dep: int = 0                # 0 none, 1 x86-only dependency used gated, 2 also used ungated
    deps: list = field(default_factory=list)       # other RsCrate, path dependencies
    reexports: list = field(default_factory=list)  # struct names `pub use`d at the root
    build_rs: int = 0               # 0 none, 1 portable build.rs, 2 build.rs with an x86 flag
    tests: bool = False

    @property
    def ident(self) -> str:
        return self.name.replace("-", "_")


class RustSourceGenerator:
    """Deterministic generator of a plausible Cargo workspace.

    Every crate has Cargo.toml, src/lib.rs and a tree of modules (`name.rs`,
    `name/mod.rs` and `name.rs` + `name/` directories, up to 3 deep) that
    import each other's items with `use crate::...`, `use super::...` and
    globs, and import other crates of the workspace (path dependencies,
    through root re-exports). lib.rs has `#[cfg(target_arch = "x86_64")] mod
    x86_64;` with an aarch64 twin module and re-exports (one crate in eight is
    not ported: no twin, so shared code using the x86 re-exports breaks), and
    half the crates map `mod arch;` with `#[cfg_attr(target_arch = ..., path =
    ...)]`. About one module file in eight has x86 code: `asm!("pause")`,
    `_rdtsc()`, cpuid asm, `is_x86_feature_detected!`, `#[target_feature]`,
    some gated with an aarch64 twin, some not. The rest is structs, impls,
    Display impls, enums and matches, loops, integer arithmetic, doc
    comments, macro_rules! and #[cfg(test)] modules. Every file parses with
    rustc; for x86_64 the workspace also type-checks (`cargo check
    --all-targets`, given a raw-cpuid crate), while for aarch64 the unported
    crates fail to build, by design.
    """

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.taken: set[str] = set()    # item names of the current crate

    # -- names -------------------------------------------------------------

    def unique(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name = f"{base}{n}" if base[:1].isupper() else f"{base}_{n}"
            n += 1
        self.taken.add(name)
        return name

    def struct_name(self) -> str:
        r = self.rng
        return self.unique(camel(r.choice(NOUNS), r.choice(RS_MODS)))

    def fn_name(self) -> str:
        r = self.rng
        return self.unique(f"{r.choice(VERBS)}_{r.choice(NOUNS)}")

    def const_name(self) -> str:
        r = self.rng
        return self.unique(f"{r.choice(NOUNS).upper()}_{r.choice(['MAX', 'MIN', 'SHIFT', 'LIMIT', 'ALIGN', 'BATCH'])}")

    # -- planning ----------------------------------------------------------

    def plan_crate(self, name: str, n_modules: int) -> RsCrate:
        r = self.rng
        self.taken = set()
        root = RsModule("", None)
        mods: list[RsModule] = []
        for _ in range(n_modules):
            cands = [root] + [m for m in mods if m.depth < 3]
            weights = [4.0] + [1.0] * (len(cands) - 1)
            parent = r.choices(cands, weights)[0]
            used = {c.name for c in parent.children} | ARCH_MOD_NAMES
            free = [w for w in RS_MODS if w not in used]
            base = r.choice(free or RS_MODS)
            mname, k = base, 2
            while mname in used:
                mname = f"{base}{k}"
                k += 1
            m = RsModule(mname, parent)
            m.vis = r.choice(["pub", "pub", "pub", "pub(crate)"])
            if parent is root and r.random() < 0.05:
                m.feature = r.choice(["metrics", "std"])
            parent.children.append(m)
            mods.append(m)
        for m in mods:
            m.mod_rs = bool(m.children) and r.random() < 0.5
            m.structs = [self.struct_name() for _ in range(r.randrange(1, 3))]
            m.fns = [self.fn_name() for _ in range(r.randrange(1, 4))]
            m.consts = [self.const_name()]
        crate = RsCrate(name, root, mods)
        crate.ported = r.random() >= 0.125
        crate.arch_dir = r.random() < 0.3
        crate.path_map = r.random() < 0.5
        x = r.random()
        crate.x86_dep = 2 if x < 0.03 else 1 if x < 0.1 else 0
        crate.reexports = [(m, s) for m in r.sample(mods, min(3, len(mods))) for s in m.structs[:1]]
        b = r.random()
        crate.build_rs = 2 if b < 0.02 else 1 if b < 0.06 else 0
        crate.tests = r.random() < 0.25
        return crate

    # -- statements and items ---------------------------------------------

    def statement(self, locs: list[str], calls: list[str], consts: list[str], fields: list[str],
                  depth: int = 0) -> str:
        r = self.rng
        ind = "    " * (depth + 1)
        a, b = r.sample(locs, 2)
        k = r.randrange(1, 4096)
        pick = r.randrange(11 if depth < 2 else 7)
        if pick == 0:
            return f"{ind}{a} = {a}.wrapping_add({b}.wrapping_mul({k}));\n"
        if pick == 1:
            return f"{ind}if {a} > {b} {{\n{ind}    {a} = {b} ^ 0x{k:x};\n{ind}}}\n"
        if pick == 2:
            return f"{ind}// {r.choice(COMMENTS)}\n"
        if pick == 3:
            return f'{ind}let _msg = format!("{a}={{}} {b}={{:#x}}", {a}, {b});\n'
        if pick == 4:
            s = k % 63 + 1
            return f"{ind}{a} = ({a} << {s}) | ({b} >> {64 - s});\n"
        if pick == 5:
            if calls:
                return f"{ind}{a} = {a}.wrapping_add({r.choice(calls).replace('ARG', b)});\n"
            return f"{ind}{a} = {a}.saturating_sub({b} / {k});\n"
        if pick == 6:
            if fields:
                f = r.choice(fields)
                return f"{ind}self.{f} = self.{f}.wrapping_add({a});\n"
            if consts:
                return f"{ind}{a} = {a}.min({r.choice(consts)} as u64);\n"
            return f"{ind}{a} ^= {b}.rotate_left({k % 64});\n"
        body = "".join(self.statement(locs, calls, consts, fields, depth + (2 if pick == 9 else 1))
                       for _ in range(r.randrange(1, 4)))
        if pick == 7:
            return f"{ind}for i in 0..{a}.min({k}) {{\n{body}{ind}    {b} = {b}.wrapping_add(i);\n{ind}}}\n"
        if pick == 8:
            return (f"{ind}while {a} != {b} {{\n{body}{ind}    {a} = {a}.wrapping_add(1);\n"
                    f"{ind}    if {a} > {k} {{\n{ind}        break;\n{ind}    }}\n{ind}}}\n")
        if pick == 9:
            return (f"{ind}match {a} & 7 {{\n{ind}    0 => {a} = {b},\n{ind}    1 | 2 => {{\n{body}{ind}    }}\n"
                    f"{ind}    x if x > 5 => {a} ^= x,\n{ind}    _ => {{}}\n{ind}}}\n")
        return (f"{ind}if let Some(v) = {a}.checked_sub({b}) {{\n{ind}    {a} = v;\n"
                f"{ind}}} else {{\n{body}{ind}}}\n")

    def body(self, locs, calls, consts, fields) -> str:
        return "".join(self.statement(locs, calls, consts, fields) for _ in range(self.rng.randrange(3, 10)))

    def doc(self, ind: str = "") -> str:
        return f"{ind}/// {self.rng.choice(COMMENTS)}\n" if self.rng.random() < 0.6 else ""

    def free_fn(self, name: str, public: bool, calls, consts) -> str:
        """`pub fn name(x: u64) -> u64` (the exported shape), or a private function of the crate's Context."""
        r = self.rng
        locs = r.sample(RS_LOCALS, 4)
        if public:
            return self._fn(f"{self.doc()}pub fn {name}(x: u64) -> u64", locs, calls, consts, f"{locs[0]} ^ x")
        f = r.choice(NOUNS)
        return self._fn(f"{self.doc()}fn {name}(ctx: &mut Context, n: usize) -> Result<u64, Error>",
                        locs, calls, consts, f"ctx.{f} = ctx.{f}.wrapping_add({locs[1]});\n    Ok({locs[0]} & 0x7f)",
                        pre="    if n == 0 {\n        return Err(Error::Empty);\n    }\n")

    def _fn(self, sig: str, locs, calls, consts, tail: str, pre: str = "", fields=(), ind: str = "") -> str:
        body = self.body(locs, calls, consts, list(fields))
        decl = "".join(f"    let mut {n}: u64 = {self.rng.randrange(100)};\n" for n in locs)
        text = f"{sig} {{\n{pre}{decl}{body}    {tail}\n}}\n"
        if ind:
            text = "".join(ind + line if line.strip() else line for line in text.splitlines(True))
        return text + "\n"

    def struct_impl(self, name: str, calls, consts) -> str:
        r = self.rng
        fields = r.sample(NOUNS, r.randrange(3, 7))
        flds = "".join(f"    pub {f}: u64,\n" for f in fields)
        text = (f"{self.doc()}#[derive(Debug, Clone, Default, PartialEq, Eq)]\npub struct {name} {{\n"
                f"{flds}    data: Vec<u8>,\n}}\n\nimpl {name} {{\n"
                f"    /// An empty `{name}`.\n    pub fn new() -> Self {{\n        Self::default()\n    }}\n\n")
        for v, f in r.sample([(v, f) for v in VERBS for f in fields], r.randrange(1, 4)):
            locs = r.sample(RS_LOCALS, 4)
            text += self._fn(f"{self.doc()}pub fn {v}_{f}(&mut self, n: u64) -> u64", locs, calls, consts,
                             f"self.{f} = {locs[0]};\n    self.data.len() as u64 ^ n", fields=fields, ind="    ")
        text = text.rstrip("\n") + "\n}\n\n"
        f1, f2 = fields[0], fields[-1]
        text += (f"impl fmt::Display for {name} {{\n"
                 f"    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n"
                 f'        write!(f, "{name}({f1}={{}}, {f2}={{}})", self.{f1}, self.{f2})\n    }}\n}}\n\n')
        return text

    def enum_match(self) -> str:
        r = self.rng
        name = self.unique(camel(r.choice(NOUNS), "kind"))
        fn = self.unique(f"classify_{r.choice(NOUNS)}")
        k = r.randrange(2, 64)
        return (f"{self.doc()}#[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub enum {name} {{\n"
                f"    Idle,\n    Busy(u64),\n    Done {{ code: i32 }},\n    Failed {{ code: i32, retries: u8 }},\n}}\n\n"
                f"fn {fn}(kind: {name}) -> u64 {{\n    match kind {{\n        {name}::Idle => 0,\n"
                f"        {name}::Busy(n) if n > {k} => n - {k},\n        {name}::Busy(n) => n,\n"
                f"        {name}::Done {{ code }} => code as u64,\n"
                f"        {name}::Failed {{ code, retries: 0 }} => (code as u64) << 1,\n"
                f"        {name}::Failed {{ retries, .. }} => u64::from(retries),\n    }}\n}}\n\n")

    def macro(self) -> str:
        name = self.unique(f"ensure_{self.rng.choice(NOUNS)}")
        return (f"macro_rules! {name} {{\n    ($v:expr, $max:expr) => {{\n"
                f"        if $v > $max {{\n            return Err(Error::Overflow);\n        }}\n    }};\n"
                f"    ($v:expr) => {{\n        {name}!($v, u32::MAX as u64)\n    }};\n}}\n\n")

    def x86_snippet(self) -> str:
        """An x86 piece of a shared module: some gated with an aarch64 twin, some not."""
        r = self.rng
        n = self.unique(f"{r.choice(NOUNS)}_{r.choice(VERBS)}")
        pick = r.randrange(7)
        if pick == 0:
            return (f'#[cfg(target_arch = "x86_64")]\n#[inline]\npub fn {n}_cycles() -> u64 {{\n'
                    "    // SAFETY: rdtsc has no preconditions.\n    unsafe { core::arch::x86_64::_rdtsc() }\n}\n\n"
                    f'#[cfg(target_arch = "aarch64")]\n#[inline]\npub fn {n}_cycles() -> u64 {{\n'
                    "    let ticks: u64;\n    // SAFETY: the virtual counter is readable at EL0.\n"
                    '    unsafe { core::arch::asm!("mrs {}, cntvct_el0", out(reg) ticks) };\n    ticks\n}\n\n')
        if pick == 1:
            return (f"pub fn {n}_relax(spins: u32) {{\n    for _ in 0..spins {{\n"
                    '        unsafe { core::arch::asm!("pause") };\n    }\n}\n\n')
        if pick == 2:
            return f"pub fn {n}_now() -> u64 {{\n    unsafe {{ core::arch::x86_64::_rdtsc() }}\n}}\n\n"
        if pick == 3:
            return (f"pub fn {n}_spin_wait(flag: &core::sync::atomic::AtomicBool) {{\n"
                    "    while !flag.load(core::sync::atomic::Ordering::Acquire) {\n"
                    '        #[cfg(target_arch = "x86_64")]\n        unsafe {\n            core::arch::asm!("pause");\n        }\n'
                    '        #[cfg(target_arch = "aarch64")]\n        unsafe {\n            core::arch::asm!("yield");\n        }\n'
                    "    }\n}\n\n")
        if pick == 4:
            return (f"pub fn {n}_has_avx2() -> bool {{\n"
                    '    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]\n'
                    '    {\n        std::is_x86_feature_detected!("avx2")\n    }\n'
                    '    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]\n    {\n        false\n    }\n}\n\n')
        if pick == 5:
            return (f'#[cfg(target_arch = "x86_64")]\n#[target_feature(enable = "sse4.2")]\n'
                    f"unsafe fn {n}_crc32(mut crc: u32, data: &[u8]) -> u32 {{\n"
                    "    use core::arch::x86_64::_mm_crc32_u8;\n    for &b in data {\n"
                    "        crc = _mm_crc32_u8(crc, b);\n    }\n    crc\n}\n\n"
                    f'#[cfg(not(target_arch = "x86_64"))]\nunsafe fn {n}_crc32(mut crc: u32, data: &[u8]) -> u32 {{\n'
                    "    for &b in data {\n        crc ^= u32::from(b);\n        for _ in 0..8 {\n"
                    "            crc = (crc >> 1) ^ (0x82f6_3b78 & (!(crc & 1)).wrapping_add(1));\n"
                    "        }\n    }\n    crc\n}\n\n")
        return (f"pub fn {n}_cpuid(leaf: u32) -> [u32; 4] {{\n"
                "    let (eax, ebx, ecx, edx): (u32, u32, u32, u32);\n    unsafe {\n        core::arch::asm!(\n"
                '            "mov {tmp:r}, rbx",\n            "cpuid",\n            "xchg {tmp:r}, rbx",\n'
                '            tmp = out(reg) ebx,\n            inout("eax") leaf => eax,\n'
                '            inout("ecx") 0 => ecx,\n            out("edx") edx,\n        );\n    }\n'
                "    [eax, ebx, ecx, edx]\n}\n\n")

    # -- files -------------------------------------------------------------

    def use_path(self, m: RsModule) -> str:
        return "crate::" + "::".join(m.path)

    def imports(self, crate: RsCrate, m: RsModule) -> tuple[str, list[str], list[str]]:
        """`use` lines of a shared module, and the calls and consts they bring in."""
        r = self.rng
        lines = ["use core::fmt;\n", "use std::collections::HashMap;\n\n", "use crate::{Context, Error};\n"]
        calls: list[str] = []
        consts: list[str] = []
        seen: set[str] = set()

        def use(prefix: str, names: list[str]) -> list[str]:
            names = [n for n in names if n not in seen]
            seen.update(names)
            if len(names) == 1:
                lines.append(f"use {prefix}::{names[0]};\n")
            elif names:
                lines.append(f"use {prefix}::{{{', '.join(names)}}};\n")
            return names

        others = [o for o in crate.modules if o is not m]
        for o in r.sample(others, min(len(others), r.randrange(1, 5))):
            pick = r.randrange(3)
            if pick == 0:
                calls += [f"{fn}(ARG)" for fn in use(self.use_path(o), [r.choice(o.fns)])]
            elif pick == 1:
                use(self.use_path(o), o.structs)
            else:
                for n in use(self.use_path(o), [o.consts[0], o.fns[0]]):
                    (consts if n == o.consts[0] else calls).append(n if n == o.consts[0] else f"{n}(ARG)")
        if m.parent is not None and m.parent.name and r.random() < 0.5:
            calls += [f"{fn}(ARG)" for fn in use("super", [m.parent.fns[0]])]
        if r.random() < 0.1 and others:
            lines.append(f"use {self.use_path(r.choice(others))}::*;\n")
        if r.random() < 0.3:
            # An unported crate's shared code sometimes reaches into the gated module itself.
            use("crate" if crate.ported or r.random() < 0.5 else "crate::x86_64", ["cycles", "relax"])
            calls += ["cycles()", "relax(ARG)"]
        if r.random() < 0.3:
            consts += use("crate::arch", ["PAGE_SIZE"])
        if crate.deps and r.random() < 0.4:
            dep = r.choice(crate.deps)
            if dep.reexports:
                name = dep.reexports[0][1]
                if name in self.taken:      # this crate has an item of that name: import under another
                    lines.append(f"use {dep.ident}::{name} as {camel(*dep.ident.split('_'))}{name};\n")
                elif name not in seen:
                    use(dep.ident, [name])
                    self.taken.add(name)
        if crate.x86_dep == 2 and r.random() < 0.2:
            use("raw_cpuid", ["CpuId"])
        return "".join(lines) + "\n", calls, consts

    def module_file(self, crate: RsCrate, m: RsModule) -> str:
        r = self.rng
        parts = [f"//! {camel(m.name)}: {r.choice(COMMENTS)}\n//!\n//! {r.choice(COMMENTS)}\n\n"]
        for c in m.children:
            parts.append(f"{c.vis} mod {c.name};\n")
        if m.children:
            parts.append("\n")
        imports, calls, consts = self.imports(crate, m)
        parts.append(imports)
        consts = consts + m.consts
        parts.append(f"/// {r.choice(COMMENTS)}\npub const {m.consts[0]}: usize = {r.randrange(16, 65536)};\n\n")
        for s in m.structs:
            parts.append(self.struct_impl(s, calls, consts))
        for fn in m.fns:
            parts.append(self.free_fn(fn, True, calls, consts))
        x86 = [self.x86_snippet() for _ in range(r.randrange(1, 3))] if r.random() < 0.125 else []
        total = sum(map(len, parts))
        while total < m.size:
            p = r.random()
            if p < 0.2:
                chunk = self.struct_impl(self.struct_name(), calls, consts)
            elif p < 0.32:
                chunk = self.enum_match()
            elif p < 0.35:
                chunk = self.macro()
            else:
                chunk = self.free_fn(self.fn_name(), False, calls, consts)
            if x86 and r.random() < 0.1:
                chunk += x86.pop()
            parts.append(chunk)
            total += len(chunk)
        parts.extend(x86)
        fn = m.fns[0]
        parts.append(f"#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n"
                     f"    fn {fn}_is_deterministic() {{\n        assert_eq!({fn}(7), {fn}(7));\n    }}\n}}\n")
        return "".join(parts)

    def lib_rs(self, crate: RsCrate, size: int) -> str:
        r = self.rng
        root = crate.root
        parts = [f"//! `{crate.name}`: {r.choice(COMMENTS)}\n//!\n//! {r.choice(COMMENTS)}\n\n#![allow(dead_code)]\n\n"]
        for c in root.children:
            if c.feature:
                parts.append(f'#[cfg(feature = "{c.feature}")]\n')
            parts.append(f"{c.vis} mod {c.name};\n")
        parts.append('\n#[cfg(target_arch = "x86_64")]\nmod x86_64;\n'
                     '#[cfg(target_arch = "x86_64")]\npub use crate::x86_64::{cycles, relax};\n')
        if crate.ported:
            parts.append('#[cfg(target_arch = "aarch64")]\nmod aarch64;\n'
                         '#[cfg(target_arch = "aarch64")]\npub use crate::aarch64::{cycles, relax};\n')
        parts.append("\n")
        if crate.path_map:
            parts.append('#[cfg_attr(target_arch = "x86_64", path = "arch/x86_64.rs")]\n')
            if crate.ported:
                parts.append('#[cfg_attr(target_arch = "aarch64", path = "arch/aarch64.rs")]\n')
            parts.append("pub mod arch;\n")
        else:
            parts.append("pub mod arch;\n")
        parts.append("pub use arch::{CACHE_LINE, PAGE_SIZE};\n\n")
        if crate.ported:
            parts.append('#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]\n'
                         f'compile_error!("{crate.name} supports x86_64 and aarch64");\n\n')
        elif r.random() < 0.5:
            parts.append(f'#[cfg(not(target_arch = "x86_64"))]\ncompile_error!("{crate.name} is x86_64-only for now");\n\n')
        for m, s in crate.reexports:
            parts.append(f"pub use {self.use_path(m)}::{s};\n")
        parts.append("\nuse core::fmt;\n\n")
        fields = "".join(f"    pub {n}: u64,\n" for n in NOUNS)
        parts.append(f"/// State shared by every module of `{crate.name}`.\n#[derive(Debug, Default)]\n"
                     f"pub struct Context {{\n{fields}}}\n\n"
                     "/// Errors of this crate.\n#[derive(Debug, Clone, PartialEq, Eq)]\npub enum Error {\n"
                     "    Empty,\n    Overflow,\n    Invalid(u32),\n    Io(String),\n}\n\n"
                     "impl fmt::Display for Error {\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {\n"
                     "        match self {\n            Error::Empty => f.write_str(\"empty input\"),\n"
                     "            Error::Overflow => f.write_str(\"overflow\"),\n"
                     "            Error::Invalid(code) => write!(f, \"invalid code {}\", code),\n"
                     "            Error::Io(msg) => write!(f, \"i/o: {}\", msg),\n        }\n    }\n}\n\n"
                     "impl std::error::Error for Error {}\n\n")
        if crate.x86_dep:
            parts.append('#[cfg(target_arch = "x86_64")]\npub fn cpu_vendor() -> Option<String> {\n'
                         "    let cpuid = raw_cpuid::CpuId::new();\n"
                         "    cpuid.get_vendor_info().map(|v| v.as_str().to_string())\n}\n\n")
        calls = [f"{self.use_path(m)}::{m.fns[0]}(ARG)" for m in root.children[:4]]
        total = sum(map(len, parts))
        while total < size:
            chunk = self.free_fn(self.fn_name(), False, calls, ["PAGE_SIZE", "CACHE_LINE"])
            parts.append(chunk)
            total += len(chunk)
        return "".join(parts)

    def filler(self, size: int, calls: list[str]) -> str:
        out, total = [], 0
        while total < size:
            chunk = self.free_fn(self.fn_name(), False, calls, [])
            out.append(chunk)
            total += len(chunk)
        return "".join(out)

    def arch_module(self, crate: RsCrate, x86: bool, size: int) -> dict[str, str]:
        """The gated x86_64 module or its aarch64 twin: {path under src/: text}."""
        head = ("//! x86_64: the time-stamp counter and the pause hint.\n\n" if x86 else
                "//! aarch64: the virtual counter and the yield hint, twins of x86_64.rs.\n\n")
        uses = "use crate::{Context, Error};\n\n"
        if x86:
            code = ("use core::arch::x86_64::{_mm_pause, _rdtsc};\n\n"
                    "/// Cycles since reset (rdtsc).\n#[inline]\npub fn cycles() -> u64 {\n"
                    "    // SAFETY: rdtsc has no preconditions.\n    unsafe { _rdtsc() }\n}\n\n"
                    "/// Spins `n` times with the pause hint.\n#[inline]\npub fn relax(n: u64) -> u64 {\n"
                    "    for _ in 0..n {\n        unsafe { _mm_pause() };\n    }\n    n\n}\n\n"
                    "pub fn serialize() {\n    unsafe { core::arch::asm!(\"lfence\", options(nostack, preserves_flags)) };\n}\n\n")
            if crate.x86_dep:
                code += "pub fn has_sse42() -> bool {\n    raw_cpuid::CpuId::new().get_feature_info().map_or(false, |f| f.has_sse42())\n}\n\n"
        else:
            code = ("/// Counter ticks since boot (cntvct_el0).\n#[inline]\npub fn cycles() -> u64 {\n"
                    "    let t: u64;\n    unsafe { core::arch::asm!(\"mrs {}, cntvct_el0\", out(reg) t) };\n    t\n}\n\n"
                    "/// Spins `n` times with the yield hint.\n#[inline]\npub fn relax(n: u64) -> u64 {\n"
                    "    for _ in 0..n {\n        core::hint::spin_loop();\n    }\n    n\n}\n\n"
                    "pub fn serialize() {\n    unsafe { core::arch::asm!(\"isb\", options(nostack, preserves_flags)) };\n}\n\n")
        name = "x86_64" if x86 else "aarch64"
        if not crate.arch_dir:
            return {f"{name}.rs": head + uses + code + self.filler(size, ["cycles()", "relax(ARG)"])}
        if x86:
            simd = ("//! SSE2 helpers.\n\nuse core::arch::x86_64::*;\n\n"
                    "/// Sums `v` four lanes at a time.\npub fn sum_u32(v: &[u32]) -> u32 {\n"
                    "    let mut acc = unsafe { _mm_setzero_si128() };\n    let chunks = v.chunks_exact(4);\n"
                    "    let rest: u32 = chunks.remainder().iter().sum();\n    for c in chunks {\n"
                    "        acc = unsafe { _mm_add_epi32(acc, _mm_loadu_si128(c.as_ptr() as *const __m128i)) };\n    }\n"
                    "    let mut lanes = [0u32; 4];\n"
                    "    unsafe { _mm_storeu_si128(lanes.as_mut_ptr() as *mut __m128i, acc) };\n"
                    "    lanes.iter().sum::<u32>() + rest\n}\n")
        else:
            simd = ("//! NEON helpers, twins of x86_64/simd.rs.\n\nuse core::arch::aarch64::*;\n\n"
                    "/// Sums `v` four lanes at a time.\npub fn sum_u32(v: &[u32]) -> u32 {\n"
                    "    let mut acc = unsafe { vdupq_n_u32(0) };\n    let chunks = v.chunks_exact(4);\n"
                    "    let rest: u32 = chunks.remainder().iter().sum();\n    for c in chunks {\n"
                    "        acc = unsafe { vaddq_u32(acc, vld1q_u32(c.as_ptr())) };\n    }\n"
                    "    rest + unsafe { vaddvq_u32(acc) }\n}\n")
        return {f"{name}/mod.rs": head + "pub mod simd;\n\npub use self::simd::sum_u32;\n" + uses + code
                + self.filler(size, ["cycles()", "relax(ARG)", "sum_u32(&[ARG as u32]) as u64"]),
                f"{name}/simd.rs": simd}

    def arch_map_file(self, x86: bool) -> str:
        if x86:
            return ("//! x86_64 layout constants.\n\npub const PAGE_SIZE: usize = 4096;\npub const CACHE_LINE: usize = 64;\n\n"
                    "/// Guest physical address bits (CPUID leaf 0x80000008).\npub fn phys_bits() -> u32 {\n"
                    "    let r = unsafe { core::arch::x86_64::__cpuid(0x8000_0008) };\n    r.eax & 0xff\n}\n")
        return ("//! aarch64 layout constants.\n\npub const PAGE_SIZE: usize = 4096;\npub const CACHE_LINE: usize = 128;\n\n"
                "/// Physical address bits (ID_AA64MMFR0_EL1.PARange).\npub fn phys_bits() -> u32 {\n"
                "    let r: u64;\n    unsafe { core::arch::asm!(\"mrs {}, id_aa64mmfr0_el1\", out(reg) r) };\n"
                "    [32, 36, 40, 42, 44, 48, 52][(r & 0xf).min(6) as usize]\n}\n")

    def cargo_toml(self, crate: RsCrate) -> str:
        r = self.rng
        text = (f'[package]\nname = "{crate.name}"\nversion = "0.{r.randrange(1, 30)}.{r.randrange(10)}"\n'
                f'edition = "2021"\ndescription = "{r.choice(COMMENTS)}"\nlicense = "MIT OR Apache-2.0"\n\n'
                '[features]\ndefault = ["std", "metrics"]\nstd = []\nmetrics = []\n\n[dependencies]\n')
        for d in crate.deps:
            text += f'{d.name} = {{ path = "../{d.name}" }}\n'
        if crate.x86_dep:
            text += "\n[target.'cfg(target_arch = \"x86_64\")'.dependencies]\nraw-cpuid = \"10\"\n"
        return text

    def build_rs(self, crate: RsCrate) -> str:
        if crate.build_rs == 2:
            return ("//! Builds the C helper with the host's SIMD flags.\nuse std::process::Command;\n\n"
                    "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n"
                    "    let status = Command::new(\"cc\")\n        .args([\"-O2\", \"-msse4.2\", \"-c\", \"csrc/crc.c\", \"-o\"])\n"
                    "        .arg(format!(\"{}/crc.o\", out))\n        .status()\n        .expect(\"cc\");\n"
                    "    assert!(status.success());\n    println!(\"cargo:rerun-if-changed=csrc/crc.c\");\n}\n")
        return ("fn main() {\n    let arch = std::env::var(\"CARGO_CFG_TARGET_ARCH\").unwrap_or_default();\n"
                "    if arch == \"x86_64\" || arch == \"aarch64\" {\n        println!(\"cargo:rustc-cfg=has_counter\");\n    }\n"
                "    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n")

    def tests_rs(self, crate: RsCrate) -> str:
        text = "//! Smoke tests of the public API.\n\n"
        for _, s in crate.reexports[:2]:
            text += f"use {crate.ident}::{s};\n"
        text += "\n"
        for _, s in crate.reexports[:2]:
            text += (f"#[test]\nfn {s.lower()}_default_is_empty() {{\n    let v = {s}::new();\n"
                     f"    assert_eq!(v, {s}::default());\n    assert!(!format!(\"{{}}\", v).is_empty());\n}}\n\n")
        return text


def generate_rust_tree(dest: Path, files: int, total_bytes: int, seed: int) -> int:
    """Writes a Cargo workspace (dest/Cargo.toml, dest/crates/*) of `files` lib.rs and module files
    totalling ~`total_bytes`; returns the number of crates."""
    gen = RustSourceGenerator(seed)
    r = random.Random(seed + 1)
    crates: list[RsCrate] = []
    names: set[str] = set()
    left = files
    while left > 0:
        n = min(left, r.randrange(8, 33))
        left -= n
        base = f"{r.choice(RS_CRATE_PREFIXES)}-{r.choice(RS_MODS)}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}{k}", k + 1
        names.add(name)
        crate = gen.plan_crate(name, max(1, n - 1))     # lib.rs counts as one of the n
        crate.deps = r.sample(crates, min(len(crates), r.randrange(0, 3)))
        crates.append(crate)
    # Log-normal sizes over lib.rs and every module file, scaled to the total.
    files_ = [(c, m) for c in crates for m in [c.root] + c.modules]
    weights = [r.lognormvariate(0, 0.8) for _ in files_]
    scale = total_bytes / sum(weights)
    for (c, m), w in zip(files_, weights):
        m.size = int(w * scale)
    (dest / "Cargo.toml").write_text(
        '[workspace]\nresolver = "2"\nmembers = [\n' + "".join(f'    "crates/{c.name}",\n' for c in crates) + "]\n")
    for c in crates:
        gen.taken = {n for m in c.modules for n in m.structs + m.fns + m.consts}
        cdir = dest / "crates" / c.name
        out: dict[str, str] = {"Cargo.toml": gen.cargo_toml(c), "src/lib.rs": gen.lib_rs(c, c.root.size)}
        for m in c.modules:
            out[f"src/{m.file()}"] = gen.module_file(c, m)
        arch_size = max(1000, c.root.size // 8)
        for x86 in (True, False) if c.ported else (True,):
            for rel, text in gen.arch_module(c, x86, arch_size).items():
                out[f"src/{rel}"] = text
        if c.path_map:
            out["src/arch/x86_64.rs"] = gen.arch_map_file(True)
            if c.ported:
                out["src/arch/aarch64.rs"] = gen.arch_map_file(False)
        else:
            out["src/arch.rs"] = ("//! Layout constants, the same on every architecture.\n\n"
                                  "pub const PAGE_SIZE: usize = 4096;\npub const CACHE_LINE: usize = 64;\n")
        if c.build_rs:
            out["build.rs"] = gen.build_rs(c)
        if c.build_rs == 2:
            out["csrc/crc.c"] = (
                "/* CRC32C of a buffer with SSE4.2; built by build.rs with -msse4.2. */\n"
                "#include <nmmintrin.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
                "uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n)\n{\n"
                "\tfor (size_t i = 0; i < n; i++)\n\t\tcrc = _mm_crc32_u8(crc, p[i]);\n\treturn crc;\n}\n")
        if c.tests:
            out["tests/smoke.rs"] = gen.tests_rs(c)
        for rel, text in out.items():
            p = cdir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
    return len(crates)


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


def bench_tree(label: str, tree: Path, args, archport: Path, rg: str | None, have_time: bool,
               patterns: Path) -> Result:
    """Counts one tree and times archport (-j 1, -j 2) and ripgrep (with `patterns`) on it."""
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
            result.rg = measure([rg, "-c", "-j", "2", "--no-unicode", "-f", str(patterns), str(tree)],
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


def shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


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
                        help="ripgrep pattern file for C trees (/usr/include, generated, --tree), "
                             "one regex a line (default: bench/x86.patterns)")
    parser.add_argument("--rust-patterns", type=Path, default=REPO / "bench" / "x86-rust.patterns",
                        help="ripgrep pattern file for the generated Rust tree (default: bench/x86-rust.patterns)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the warm-up; best is kept (default 3)")
    parser.add_argument("--files", type=int, default=2000, help="files in the generated tree (default 2000)")
    parser.add_argument("--size-mb", type=float, default=100, help="MB (10^6 bytes) of the generated tree (default 100)")
    parser.add_argument("--rust-files", type=int, default=2400,
                        help="lib.rs and module files in the generated Rust workspace (default 2400; "
                             "Cargo.toml, arch twins, build.rs and tests come on top)")
    parser.add_argument("--rust-size-mb", type=float, default=50,
                        help="MB asked of the generated Rust workspace's lib.rs and module files (default 50)")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the generated trees")
    parser.add_argument("--tree", action="append", type=Path, default=[], metavar="PATH",
                        help="also measure this tree (repeatable)")
    parser.add_argument("--no-usr-include", action="store_true", help="skip /usr/include")
    parser.add_argument("--no-generated", action="store_true", help="skip the generated C tree")
    parser.add_argument("--no-rust", action="store_true", help="skip the generated Rust workspace")
    parser.add_argument("--keep", action="store_true", help="keep the generated trees and say where")
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
    else:
        for pf, used in ((args.patterns, True), (args.rust_patterns, not args.no_rust)):
            if used and not pf.is_file():
                print(f"error: no pattern file {pf}", file=sys.stderr)
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
    gen_roots: list[Path] = []
    rust_crates = 0

    def generated(what: str) -> Path:
        root = Path(tempfile.mkdtemp(prefix=f"archport-bench-{what}-"))
        gen_roots.append(root)
        (root / "tree").mkdir()
        return root / "tree"

    try:
        for label, path in trees:
            if not path.is_dir():
                print(f"warning: {label} is not a directory; skipped", file=sys.stderr)
                continue
            results.append(bench_tree(label, path, args, archport, rg, have_time, args.patterns))
        if not args.no_generated:
            tree = generated("tree")
            print(f"# generating {args.files} files, ~{args.size_mb:g} MB in {tree} ...",
                  file=sys.stderr, flush=True)
            start = time.perf_counter()
            generate_tree(tree, args.files, int(args.size_mb * MB), args.seed)
            print(f"# generated in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
            results.append(bench_tree("generated", tree, args, archport, rg, have_time, args.patterns))
        if not args.no_rust:
            tree = generated("rust")
            print(f"# generating a Rust workspace of {args.rust_files} module files, ~{args.rust_size_mb:g} MB "
                  f"in {tree} ...", file=sys.stderr, flush=True)
            start = time.perf_counter()
            rust_crates = generate_rust_tree(tree, args.rust_files, int(args.rust_size_mb * MB), args.seed)
            print(f"# generated {rust_crates} crates in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr, flush=True)
            results.append(bench_tree("generated Rust", tree, args, archport, rg, have_time, args.rust_patterns))
    finally:
        for root in gen_roots:
            if args.keep:
                print(f"# kept the generated tree: {root / 'tree'}", file=sys.stderr)
            else:
                shutil.rmtree(root, ignore_errors=True)

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
             "'scanned files' is archport's own summary.files (the files it classified as C/C++/asm/Rust/build)."]
    if not args.no_generated:
        notes.append(f"generated: {args.files} files, ~{args.size_mb:g} MB, seed {args.seed}, by bench/run.py.")
    if not args.no_rust:
        notes.append(f"generated Rust: a Cargo workspace of {rust_crates} crates, {args.rust_files} lib.rs and "
                     f"module files asked at ~{args.rust_size_mb:g} MB (plus Cargo.toml, arch twins, build.rs, "
                     f"tests), seed {args.seed}, by bench/run.py; its rg column uses "
                     f"{shown(args.rust_patterns)}.")
    print(("\n\n" if args.markdown else "\n").join(notes))
    failed = [r for r in results if r.error]
    for r in failed:
        print(f"{r.label}: FAILED: {r.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
