#!/usr/bin/env python3
"""Test of `archport verify` and `archport port` in the reverse direction
(`--target x86_64`): the source of the port is aarch64, so the reference
objects that must stay byte-identical are the aarch64 ones, built with the
cross toolchain (aarch64-linux-gnu-gcc; Debian's /usr/bin/cargo and rustc
with --target aarch64-unknown-linux-gnu), and the target build is native
x86_64, whose tests run without QEMU.

Cases, each on a private copy of a fixture (verify must not touch its PATH):

  * fixtures/rust-hyp (an aarch64 hypervisor workspace), `archport stub`'s
    patch: every step ok, the before/after rows are the aarch64 builds; with
    --keep the harness checks for itself that the compared objects are
    aarch64 ELF relocatables (e_machine 183) and the same before and after,
    that the x86_64 test executables are x86_64 ELF (e_machine 62), that
    `cargo test` ran them natively (no qemu in its command line) and that
    they passed more than zero tests;
  * byte identity is real in this direction too: a patch that only appends
    a comment keeps every aarch64 object identical; a patch that changes a
    constant of stage2 makes stage2's aarch64 object differ (exit 1);
  * `archport port --target x86_64`: exit 0, says the aarch64 objects are
    identical, and its patch applies and passes `verify --patch`.
  * fixtures/aarch64-hyp (C, make): `archport stub --simde`'s patch gates
    under `#if defined(__aarch64__)` only, with the idioms (`dmb ish` ->
    mfence, `mrs cntvct_el0` -> rdtsc), SIMDe's NEON header and ud2 traps;
    verify of that patch with aarch64-linux-gnu-gcc as the reference:
    aarch64 objects identical (read by the harness), x86_64 test
    executables that ran natively and passed; without --simde the NEON
    twin traps and the test fails (SIGILL); `port --simde` and verify of
    its patch;
  * a small tree (Make, and CMake with ctest) with an `#if
    defined(__aarch64__) ... #else #error` chain and a `dmb ish` macro: the
    stub's `#elif defined(__x86_64__)` arm and mfence twin pass every step.
  * a NEON library built with meson (written here: `-march=armv8-a+simd`
    for the project, `-moutline-atomics` in c_args, one aarch64 .S in a
    multi-line source array and one as a static_library argument), driven
    by meson and ninja themselves since verify builds Make and CMake trees:
    before the patch it builds for aarch64 (a cross file) and its test
    passes under qemu-aarch64, and the native x86_64 build fails; after
    `stub --simde` the aarch64 compile parameters and source lists (meson
    introspect) and every aarch64 object are the same, the .S files are
    untouched, and the x86_64 build has no aarch64 option, links the .S
    twins' trap symbols (nm) and passes `meson test` natively. With a
    Makefile next to meson.build the .S files are gated in place too.
  * types with NEON members (a struct of uint8x16_t, float32x4_t,
    uint8x8_t, float64x1_t; a union of uint8x16x2_t; a struct of
    int32x2x3_t and poly128_t; a typedef of uint32x4_t in an #if chain
    with arms only for arm), stubbed without --simde: the sizes,
    alignments and member offsets a program prints are the same built
    with the host gcc from the patched tree as with aarch64-linux-gnu-gcc
    from the original (run under qemu-aarch64), both with -Werror, and
    the aarch64 object of that program is byte-identical before and after.
  * an arch/$(ARCH) layout with src/arch/aarch64/ only (written here; the
    Makefile takes -Isrc/arch/$(ARCH) and src/arch/$(ARCH)/cpu.o): the
    x86_64 build fails before; the stub only creates src/arch/x86_64/ (new
    files), whose cpu.o defines the aarch64 cpu.o's global functions (nm
    of each); verify passes every step (aarch64 objects identical, the
    test runs natively); a tree with an arch/x86/ sibling gets no twin.

Output: `ok - NAME` / `not ok - NAME: WHY` per case and `N passed, M failed[,
K skipped]` last; exit 1 when a case failed. Python standard library only.

    python3 tests/test_reverse_verify.py --archport bin/archport
    python3 tests/test_reverse_verify.py --archport build/asan/archport   (make test-python)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_verify import FIXTURES, REPO, SANITIZER_MARKERS, Context, Failure, Skip, run_cases, unified_diff  # noqa: E402

EM_AARCH64, EM_X86_64 = 183, 62
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
REVERSE_STEPS = ("patch", "aarch64 build, before", "aarch64 build, after", "aarch64 objects", "x86_64 build",
                 "tests (native, x86_64)")


def elf_kind(path: Path) -> tuple[int, int] | None:
    """(e_type, e_machine) of a little-endian ELF file, or None."""
    with open(path, "rb") as f:
        h = f.read(20)
    if len(h) < 20 or h[:4] != b"\x7fELF" or h[5] != 1:
        return None
    return int.from_bytes(h[16:18], "little"), int.from_bytes(h[18:20], "little")


def objects(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in root.rglob("*.o")}


def expect_reverse_table(r) -> None:
    r.expect_rc(0)
    names = tuple(row[0] for row in r.rows)
    if names != REVERSE_STEPS:
        raise Failure(f"steps {names}, expected {REVERSE_STEPS}:\n{r.out}")
    for key in REVERSE_STEPS:
        r.expect(key, "ok")


def kept_scratch(r) -> Path:
    dirs = r.scratch_dirs()
    if len(dirs) != 1:
        raise Failure(f"--keep: {len(dirs)} scratch directories, expected 1")
    return dirs[0]


def check_aarch64_objects(scratch: Path, build_dir: str) -> int:
    """The compared objects, read by this harness: aarch64 relocatables,
    the same names and bytes before and after. Returns how many."""
    before, after = objects(scratch / f"before{build_dir}"), objects(scratch / f"after{build_dir}")
    if not before:
        raise Failure("no objects in the kept aarch64 build")
    if sorted(before) != sorted(after):
        raise Failure(f"object names differ: {sorted(set(before) ^ set(after))[:3]}")
    for rel, path in before.items():
        if elf_kind(path) != (ET_REL, EM_AARCH64):
            raise Failure(f"{rel} is not an aarch64 relocatable: {elf_kind(path)}")
        if path.read_bytes() != after[rel].read_bytes():
            raise Failure(f"{rel} differs, but verify said identical")
    return len(before)


def check_native_cargo_tests(scratch: Path) -> int:
    """cargo test ran natively and its test executables are x86_64: the
    number of tests that passed."""
    log = (scratch / "logs" / "tests.log").read_text(errors="replace")
    command = next((ln for ln in log.splitlines() if ln.startswith("$ ")), "")
    if "cargo test" not in command or "qemu" in command or "--target" in command:
        raise Failure(f"the tests did not run natively: {command}")
    passed = sum(int(n) for n in re.findall(r"^test result: ok\. (\d+) passed", log, re.M))
    if not passed or re.search(r"^test result: FAILED", log, re.M):
        raise Failure(f"cargo test passed {passed} tests:\n{log[-800:]}")
    execs = [p for p in (scratch / "build" / "debug" / "deps").iterdir() if p.is_file() and os.access(p, os.X_OK)
             and elf_kind(p) is not None]
    if not execs or any(elf_kind(p)[1] != EM_X86_64 or elf_kind(p)[0] not in (ET_EXEC, ET_DYN) for p in execs):
        raise Failure(f"x86_64 test executables: {[(p.name, elf_kind(p)) for p in execs]}")
    return passed


# ---- cases ----

def case_rust_hyp(ctx: Context) -> str:
    r = ctx.verify(ctx.fixture("rust-hyp"), "--target", "x86_64", "--keep")
    expect_reverse_table(r)
    r.expect("aarch64 build, before", "ok", "--target aarch64-unknown-linux-gnu")
    r.expect("x86_64 build", "ok", "cargo build")
    r.expect("tests", "ok", "cargo test passed")
    scratch = kept_scratch(r)
    n = check_aarch64_objects(scratch, "-build")
    passed = check_native_cargo_tests(scratch)
    detail = r.row("aarch64 objects")[2]
    if not detail.startswith(f"{n} object"):
        raise Failure(f"verify compared '{detail}', this harness found {n} objects")
    shutil.rmtree(scratch)
    return f"{n} aarch64 objects identical, {passed} x86_64 tests passed natively"


HYP_FILE = "stage2/src/pgtable.rs"


def case_rust_hyp_comment(ctx: Context) -> None:
    tree = ctx.fixture("rust-hyp")
    src = (tree / HYP_FILE).read_text()
    patch = ctx.patch_file("comment.patch", unified_diff(HYP_FILE, src, src + "// a note at the end\n"))
    r = ctx.verify(tree, "--target", "x86_64", "--patch", str(patch))
    r.expect("aarch64 objects", "ok", "objects identical")
    r.expect("x86_64 build", "FAIL")   # a comment ports nothing


def case_rust_hyp_constant(ctx: Context) -> None:
    tree = ctx.fixture("rust-hyp")
    src = (tree / HYP_FILE).read_text()
    if "const AF: u64 = 1 << 10;" not in src:
        raise Failure(f"{HYP_FILE} no longer has the constant this case changes")
    new = src.replace("const AF: u64 = 1 << 10;", "const AF: u64 = 1 << 11;")
    patch = ctx.patch_file("constant.patch", unified_diff(HYP_FILE, src, new))
    r = ctx.verify(tree, "--target", "x86_64", "--patch", str(patch))
    r.expect_rc(1)
    r.expect("aarch64 objects", "FAIL", "stage2")


def expect_clean_stderr(p: subprocess.CompletedProcess) -> None:
    for marker in SANITIZER_MARKERS:
        if marker in p.stderr:
            raise Failure(f"sanitizer report on stderr:\n{p.stderr[-2000:]}")


def port_patch(ctx: Context, tree: Path, *extra: str) -> Path:
    """`archport port --target x86_64` on tree: exit 0, the aarch64 objects
    compared identical, a non-empty patch (the tree does not build for
    x86_64 as it is). Returns the patch file."""
    patch = ctx.case_dir() / "port.patch"
    env = dict(os.environ, TMPDIR=str(patch.parent))
    p = subprocess.run([str(ctx.archport), "port", "--target", "x86_64", str(tree), "-o", str(patch), *extra],
                       capture_output=True, text=True, errors="replace", timeout=ctx.timeout, env=env)
    expect_clean_stderr(p)
    if p.returncode != 0:
        raise Failure(f"port exit {p.returncode}: {p.stderr[-600:]}")
    if "aarch64 objects are identical" not in p.stderr:
        raise Failure(f"port did not compare the aarch64 objects: {p.stderr[-600:]}")
    if not patch.read_text():
        raise Failure("port wrote an empty patch for a tree that does not build for x86_64")
    return patch


def case_port(name: str, *extra: str):
    def run(ctx: Context) -> str:
        need_fixture(name)
        tree = ctx.fixture(name)
        r = ctx.verify(tree, "--target", "x86_64", *extra, "--patch", str(port_patch(ctx, tree, *extra)))
        expect_reverse_table(r)
        return r.row("aarch64 objects")[2]
    return run


def need_fixture(name: str) -> None:
    if not (FIXTURES / name).is_dir():
        raise Skip(f"fixtures/{name} is not in this tree")


def check_native_test_binaries(scratch: Path) -> None:
    """The make tree's test executables are x86_64 and ran without QEMU."""
    log = (scratch / "logs" / "tests.log").read_text(errors="replace")
    runs = [ln for ln in log.splitlines() if ln.startswith("$ ")]
    if not runs or any("qemu" in ln for ln in runs):
        raise Failure(f"the tests did not run natively: {runs}")
    for ln in runs:
        exe = scratch / "tree" / ln.split()[-1]
        if elf_kind(exe) is None or elf_kind(exe)[1] != EM_X86_64:
            raise Failure(f"{exe.name} is not an x86_64 executable: {elf_kind(exe)}")


def case_c_fixture(name: str):
    """`archport stub --simde`'s own patch (the scan finds the Makefile's
    -march=armv8-a+crc, SIMDe takes the NEON code), verified with the
    aarch64 objects and x86_64 tests read by this harness."""
    def run(ctx: Context) -> str:
        need_fixture(name)
        r = ctx.verify(ctx.fixture(name), "--target", "x86_64", "--simde", "--keep")
        expect_reverse_table(r)
        r.expect("aarch64 build, before", "ok", "CC=aarch64-linux-gnu-gcc")
        r.expect("x86_64 build", "ok", "CC=gcc")
        r.expect("tests", "ok", "passed")
        scratch = kept_scratch(r)
        n = check_aarch64_objects(scratch, "")
        check_native_test_binaries(scratch)
        shutil.rmtree(scratch)
        return f"{n} aarch64 objects identical; tests: {r.row('tests')[2]}"
    return run


def case_c_no_simde(ctx: Context) -> None:
    """Without --simde the NEON function's x86_64 twin traps: the tree
    builds and links for x86_64, and the test that calls it dies of
    SIGILL (__builtin_trap is ud2), which verify reports."""
    need_fixture("aarch64-hyp")
    r = ctx.verify(ctx.fixture("aarch64-hyp"), "--target", "x86_64")
    r.expect_rc(1)
    r.expect("aarch64 objects", "ok", "7 objects identical")
    r.expect("x86_64 build", "ok")
    r.expect("tests", "FAIL", "killed by signal 4")


def case_c_stub_text(ctx: Context) -> None:
    """What `archport stub --target x86_64 --simde` writes for aarch64-hyp:
    aarch64 code gated under __aarch64__ (never an x86 guard), the idioms
    of rules/idioms.tsv read backwards, SIMDe's NEON header, ud2 traps for
    the vector table's global symbols."""
    need_fixture("aarch64-hyp")
    p = subprocess.run([str(ctx.archport), "stub", "--target", "x86_64", "--simde", str(FIXTURES / "aarch64-hyp")],
                       capture_output=True, text=True, errors="replace", timeout=ctx.timeout)
    expect_clean_stderr(p)
    if p.returncode != 0:
        raise Failure(f"stub exit {p.returncode}: {p.stderr[-400:]}")
    if "left that no rule fixes" in p.stderr:   # SIMDe covers the NEON uses
        raise Failure(f"stub --simde lists errors as left: {p.stderr[:400]}")
    added = [ln[1:] for ln in p.stdout.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    gates = [ln for ln in added if ln.startswith("#if")]
    if not gates or any(g != "#if defined(__aarch64__)" for g in gates):
        raise Failure(f"gates: {sorted(set(gates))}")
    wanted = {
        "dmb ish -> mfence": r'__asm__ volatile\("mfence" ::: "memory"\); /\* archport: dmb ish \*/',
        "cntvct_el0 -> rdtsc": r"v = \(__typeof__\(v\)\)__builtin_ia32_rdtsc\(\);",
        "SIMDe NEON": r"#include <simde/arm/neon\.h>",
        "ud2 trap of hyp_vectors": r"^\tud2$",
        "trap twin with a TODO": r"__builtin_trap\(\);   /\* TODO\(archport\): port hyp_read_hcr to x86_64",
    }
    missing = [what for what, rx in wanted.items() if not any(re.search(rx, ln) for ln in added)]
    if missing:
        raise Failure(f"the patch lacks: {', '.join(missing)}\n{p.stdout[:3000]}")


CHAIN_H = """#ifndef BAR_H
#define BAR_H
#if defined(__aarch64__)
#define CACHE_LINE 64
typedef unsigned long word_t;
static inline void relax(void)
{
	__asm__ volatile("yield");
}
#else
#error "unsupported architecture"
#endif

#define barrier() __asm__ volatile("dmb ish" ::: "memory")
#endif
"""
CHAIN_TEST = """#include "bar.h"
static word_t spin(word_t n)
{
	word_t i;
	for (i = 0; i < n; i++)
		barrier();
	return i + CACHE_LINE;
}
int main(void)
{
	return spin(3) == 67 ? 0 : 1;
}
"""


CHAIN_BUILD = {
    "make": ("Makefile", "CFLAGS = -O2 -g -march=armv8-a+crc\nall: test_bar\n"
             "test_bar: test_bar.o\n\t$(CC) $(CFLAGS) -o $@ $^\n"),
    "cmake": ("CMakeLists.txt", "cmake_minimum_required(VERSION 3.13)\nproject(bar C)\n"
              "add_compile_options(-march=armv8-a+crc)\n"
              "add_executable(test_bar test_bar.c)\nenable_testing()\nadd_test(NAME bar COMMAND test_bar)\n"),
}


def case_c_chain(system: str):
    """An `#if defined(__aarch64__) ... #else #error` chain gets an
    `#elif defined(__x86_64__)` arm made from the aarch64 one, a macro with
    `dmb ish` an mfence twin, the build file's -march=armv8-a+crc an
    aarch64-only variable (gcc records the options in DW_AT_producer, so the
    aarch64 objects are identical only if it is kept there): the stub's own
    patch passes every step, with Make (test executables run natively) or
    CMake (ctest with no emulator)."""
    def run(ctx: Context) -> None:
        tree = ctx.case_dir() / "chain"
        tree.mkdir()
        (tree / "bar.h").write_text(CHAIN_H)
        (tree / "test_bar.c").write_text(CHAIN_TEST)
        name, text = CHAIN_BUILD[system]
        (tree / name).write_text(text)
        r = ctx.verify(tree, "--target", "x86_64", "--keep")
        expect_reverse_table(r)
        r.expect("aarch64 build, before", "ok", f"{system}, CC=aarch64-linux-gnu-gcc")
        r.expect("aarch64 objects", "ok", "1 object identical")
        r.expect("tests", "ok", "1/1 passed")
        scratch = kept_scratch(r)
        check_aarch64_objects(scratch, "-build" if system == "cmake" else "")
        if system == "make":
            check_native_test_binaries(scratch)
        elif "CROSSCOMPILING_EMULATOR" in (scratch / "logs" / "target.log").read_text(errors="replace"):
            raise Failure("the x86_64 CMake build was configured with an emulator")
        check_chain_header(scratch)
        shutil.rmtree(scratch)
    return run


def check_chain_header(scratch: Path) -> None:
    header = (scratch / "tree" / "bar.h").read_text()
    for want in ("#elif defined(__x86_64__)", '__asm__ volatile("mfence" ::: "memory")'):
        if want not in header:
            raise Failure(f"the patched bar.h lacks {want}:\n{header}")


MESON_TREE = {
    "meson.build": """project('neonsum', 'c', version: '0.1', default_options: ['c_std=c11'])
add_project_arguments('-march=armv8-a+simd', language: 'c')
sources = [
  'src/neon_sum.c',
  'src/cycles.S',
]
lib = static_library('neonsum', sources, 'src/fence.S',
  c_args: ['-DNEONSUM', '-moutline-atomics'])
t = executable('test_sum', 'test_sum.c', link_with: lib)
test('sum', t)
""",
    "src/neon_sum.c": """#include <stddef.h>
#include <stdint.h>
#include <arm_neon.h>

void neon_add_bytes(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		vst1q_u8(dst + i, vaddq_u8(vld1q_u8(a + i), vld1q_u8(b + i)));
	for (; i < n; i++)
		dst[i] = (uint8_t)(a[i] + b[i]);
}
""",
    "src/cycles.S": "\t.text\n\t.globl\tread_cycles\n\t.type\tread_cycles, %function\nread_cycles:\n"
                    "\tmrs\tx0, cntvct_el0\n\tret\n\t.section .note.GNU-stack,\"\",%progbits\n",
    "src/fence.S": "\t.text\n\t.globl\tfull_fence\n\t.type\tfull_fence, %function\nfull_fence:\n"
                   "\tdmb\tish\n\tret\n\t.section .note.GNU-stack,\"\",%progbits\n",
    "test_sum.c": """#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
void neon_add_bytes(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n);
uint64_t read_cycles(void);
void full_fence(void);
int main(int argc, char **argv)
{
	uint8_t a[40], b[40], d[40];
	(void)argv;
	for (int i = 0; i < 40; i++) {
		a[i] = (uint8_t)i;
		b[i] = (uint8_t)(3 * i);
	}
	neon_add_bytes(d, a, b, 40);
	for (int i = 0; i < 40; i++)
		if (d[i] != (uint8_t)(4 * i))
			return 1;
	if (argc > 5) {   /* linked everywhere, called only by hand on aarch64 */
		full_fence();
		return (int)read_cycles();
	}
	puts("sum ok");
	return 0;
}
""",
}
MESON_ASM = ("src/cycles.S", "src/fence.S")
AARCH64_OPTIONS = ("-march=armv8-a+simd", "-moutline-atomics")


def meson_tree(root: Path) -> Path:
    for rel, text in MESON_TREE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def run_in(cmd: list, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, errors="replace",
                          timeout=timeout, env=dict(os.environ, LC_ALL="C"))


def meson_build(tree: Path, build: Path, timeout: float, *setup: str):
    """A fresh debugoptimized (-O2 -g) `meson setup` of tree in build, then
    ninja. Returns ({target: (compile parameters, sources)}, ninja's
    result), or raises Failure when setup fails."""
    shutil.rmtree(build, ignore_errors=True)
    r = run_in(["meson", "setup", "--buildtype=debugoptimized", *setup, build], tree, timeout)
    if r.returncode != 0:
        raise Failure(f"meson setup {' '.join(setup)} failed: {(r.stdout + r.stderr)[-500:]}")
    r = run_in(["meson", "introspect", build, "--targets"], tree, timeout)
    targets = {t["name"]: ([p for src in t["target_sources"] for p in src.get("parameters", [])],
                           [x for src in t["target_sources"] for x in src.get("sources", [])])
               for t in json.loads(r.stdout)}
    return targets, run_in(["ninja", "-C", build], tree, timeout)


def aarch64_cross_file(path: Path) -> Path:
    path.write_text("[binaries]\nc = 'aarch64-linux-gnu-gcc'\nar = 'aarch64-linux-gnu-ar'\n"
                    "strip = 'aarch64-linux-gnu-strip'\n"
                    "exe_wrapper = ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu']\n\n"
                    "[host_machine]\nsystem = 'linux'\ncpu_family = 'aarch64'\ncpu = 'aarch64'\n"
                    "endian = 'little'\n")
    return path


def meson_test(build: Path, timeout: float) -> str:
    r = run_in(["meson", "test", "-C", build, "--print-errorlogs"], build, timeout)
    if r.returncode != 0 or not re.search(r"^Ok:\s+1\s*$", r.stdout, re.M):
        raise Failure(f"meson test in {build.name} failed: {(r.stdout + r.stderr)[-500:]}")
    return r.stdout


def stash_objects(build: Path, stash: Path) -> dict[str, Path]:
    objs = objects(build)
    for rel, path in objs.items():
        (stash / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, stash / rel)
    return objects(stash)


def defined_text_symbols(path: Path) -> set[str]:
    r = subprocess.run(["nm", "--defined-only", str(path)], capture_output=True, text=True)
    return {f[2] for f in (ln.split() for ln in r.stdout.splitlines()) if len(f) == 3 and f[1] == "T"}


def case_c_meson(ctx: Context) -> str:
    if not (shutil.which("meson") and shutil.which("ninja") and shutil.which("qemu-aarch64")):
        raise Skip("meson, ninja or qemu-aarch64 is not installed")
    work = ctx.case_dir()
    tree = meson_tree(work / "tree")
    cross = aarch64_cross_file(work / "aarch64.ini")
    xbuild, build = work / "aarch64-build", work / "x86_64-build"
    asm_before = {rel: (tree / rel).read_bytes() for rel in MESON_ASM}
    # before: working aarch64 code, which x86_64 cannot build
    x_before, r = meson_build(tree, xbuild, ctx.timeout, "--cross-file", str(cross))
    if r.returncode != 0:
        raise Failure(f"the aarch64 build fails before the patch: {(r.stdout + r.stderr)[-400:]}")
    meson_test(xbuild, ctx.timeout)
    before = stash_objects(xbuild, work / "before")
    if len(before) != 4 or any(elf_kind(p) != (ET_REL, EM_AARCH64) for p in before.values()):
        raise Failure(f"aarch64 objects before: {[(k, elf_kind(p)) for k, p in before.items()]}")
    _, r = meson_build(tree, build, ctx.timeout)
    if r.returncode == 0:
        raise Failure("the x86_64 build of the unpatched tree succeeded")
    p = run_in([ctx.archport, "stub", "--target", "x86_64", "--simde", "."], tree, ctx.timeout)
    expect_clean_stderr(p)
    a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                       capture_output=True)
    if p.returncode != 0 or a.returncode != 0:
        raise Failure(f"stub exit {p.returncode}, patch exit {a.returncode}: {(p.stderr + a.stderr)[-400:]}")
    changed = [rel for rel in MESON_ASM if (tree / rel).read_bytes() != asm_before[rel]]
    if changed:
        raise Failure(f"meson assembles them for aarch64 only, yet the patch changed {changed}")
    # after: the same aarch64 build, object for object
    x_after, r = meson_build(tree, xbuild, ctx.timeout, "--cross-file", str(cross))
    if r.returncode != 0:
        raise Failure(f"the aarch64 build fails after the patch: {(r.stdout + r.stderr)[-400:]}")
    if x_after != x_before:
        raise Failure(f"aarch64 compile parameters or sources changed: {x_before} -> {x_after}")
    after = objects(xbuild)
    if sorted(after) != sorted(before):
        raise Failure(f"aarch64 object names differ: {sorted(set(after) ^ set(before))}")
    differ = [rel for rel in before if before[rel].read_bytes() != after[rel].read_bytes()]
    if differ:
        raise Failure(f"aarch64 objects differ: {differ}")
    meson_test(xbuild, ctx.timeout)
    # and x86_64, natively
    targets, r = meson_build(tree, build, ctx.timeout)
    if r.returncode != 0:
        raise Failure(f"the x86_64 build fails after the patch: {(r.stdout + r.stderr)[-600:]}")
    left = sorted({o for params, _ in targets.values() for o in params if o in AARCH64_OPTIONS})
    if left:
        raise Failure(f"the x86_64 build still passes {left}")
    lib, exe = build / "libneonsum.a", build / "test_sum"
    if elf_kind(exe) is None or elf_kind(exe)[1] != EM_X86_64:
        raise Failure(f"test_sum is not an x86_64 executable: {elf_kind(exe)}")
    if not {"read_cycles", "full_fence", "neon_add_bytes"} <= defined_text_symbols(lib):
        raise Failure(f"libneonsum.a defines {sorted(defined_text_symbols(lib))}")
    meson_test(build, ctx.timeout)
    log = (build / "meson-logs" / "testlog.txt").read_text(errors="replace")
    if "qemu" in log or "sum ok" not in log:
        raise Failure(f"the x86_64 test did not run natively and pass: {log[-400:]}")
    return f"{len(before)} aarch64 objects identical, the x86_64 test passed natively"


def case_c_meson_with_make(ctx: Context) -> None:
    """A tree that Make builds too: Make assembles every .S whatever
    meson.build says, so the .S files are gated in place as well (the
    in-file gate keeps their aarch64 objects, checked by the make cases)."""
    tree = meson_tree(ctx.case_dir() / "tree")
    (tree / "Makefile").write_text("OBJS = src/neon_sum.o src/cycles.o src/fence.o\nall: $(OBJS)\n")
    p = run_in([ctx.archport, "stub", "--target", "x86_64", "--simde", "."], tree, ctx.timeout)
    expect_clean_stderr(p)
    for rel in MESON_ASM:
        if not re.search(r"^\+\+\+ b/%s\n@@[^\n]*\n\+#if defined\(__aarch64__\)$" % re.escape(rel), p.stdout, re.M):
            raise Failure(f"{rel} is not gated in place:\n{p.stdout[:2500]}")
    if "+elif host_machine.cpu_family() in ['x86', 'x86_64']" not in p.stdout:
        raise Failure(f"meson.build does not take the twins:\n{p.stdout[:1500]}")


LAYOUT_HEADER = """#ifndef LAYOUT_H
#define LAYOUT_H
#include <stdint.h>
#include <arm_neon.h>

struct lanes {
    char tag;
    uint8x16_t bytes;
    float32x4_t quad;
    uint8x8_t half;
    float64x1_t one;
    uint16_t count;
};

typedef union {
    uint8x16x2_t pair;
    uint8_t b[32];
} block_t;

typedef struct _ring_t {
    uint32_t head;
    int32x2x3_t triple;
    block_t slots[3];
    poly128_t tag;
} ring_t;

#if defined(__aarch64__)
typedef uint32x4_t lane_t;
#elif defined(__arm__)
typedef uint32x2_t lane_t;
#endif
#endif
"""
LAYOUT_TEST = """#include <stddef.h>
#include <stdio.h>
#include "layout.h"

/* the alignment as a member too, which is what layouts use */
#define SHOW(T) printf("%s %zu %zu %zu\\n", #T, sizeof(T), _Alignof(T), offsetof(struct { char c; T m; }, m))
#define AT(T, m) printf("%s.%s %zu\\n", #T, #m, offsetof(T, m))

int main(void)
{
    SHOW(struct lanes);
    AT(struct lanes, bytes);
    AT(struct lanes, quad);
    AT(struct lanes, half);
    AT(struct lanes, one);
    AT(struct lanes, count);
    SHOW(block_t);
    SHOW(ring_t);
    AT(ring_t, triple);
    AT(ring_t, slots);
    AT(ring_t, tag);
    SHOW(lane_t);
    return 0;
}
"""
A64_GCC, A64_QEMU = "aarch64-linux-gnu-gcc", ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]


def case_neon_layout(ctx: Context) -> str:
    """NEON members keep their aarch64 layout on x86_64: the placeholders
    take it from rules/aarch64/types.tsv, the two compilers check it."""
    if not shutil.which("qemu-aarch64"):
        raise Skip("qemu-aarch64 is not installed")
    work = ctx.case_dir()
    tree = work / "layout"
    tree.mkdir()
    (tree / "layout.h").write_text(LAYOUT_HEADER)
    (tree / "test_layout.c").write_text(LAYOUT_TEST)
    flags = ["-O2", "-g", "-Wall", "-Werror"]

    def build(cc: str, out: str) -> None:
        r = run_in([cc, *flags, "-c", "-o", work / (out + ".o"), "test_layout.c"], tree, ctx.timeout)
        if r.returncode == 0:
            r = run_in([cc, "-o", work / out, work / (out + ".o")], tree, ctx.timeout)
        if r.returncode != 0:
            raise Failure(f"{cc} failed: {r.stderr[-400:]}")

    build(A64_GCC, "a64-before")
    want = run_in([*A64_QEMU, work / "a64-before"], tree, ctx.timeout).stdout
    if want.count("\n") != 12:
        raise Failure(f"the aarch64 program printed {want!r}")
    if run_in(["gcc", "-c", "-o", work / "x.o", "test_layout.c"], tree, ctx.timeout).returncode == 0:
        raise Failure("the unpatched tree builds for x86_64")
    w = run_in([ctx.archport, "stub", "--target", "x86_64", "--write", "."], tree, ctx.timeout)
    expect_clean_stderr(w)
    if w.returncode != 0:
        raise Failure(f"stub --write exit {w.returncode}: {w.stderr[-400:]}")
    header = (tree / "layout.h").read_text()
    if "__builtin_trap" in header or "archport_uint8x16x2_t" not in header:
        raise Failure(f"the patched layout.h is not placeholders:\n{header[:2000]}")
    build("gcc", "x86-after")
    got = run_in([work / "x86-after"], tree, ctx.timeout).stdout
    if got != want:
        raise Failure(f"layouts differ: aarch64 {want!r}, x86_64 {got!r}")
    build(A64_GCC, "a64-after")
    if (work / "a64-before.o").read_bytes() != (work / "a64-after.o").read_bytes():
        raise Failure("the aarch64 object of test_layout.c differs after the patch")
    return f"{want.count(chr(10))} sizes, alignments and offsets equal"


ARCHDIR_TREE = {
    "Makefile": """CFLAGS ?= -O2 -g -Wall
# The architecture the compiler builds for: aarch64, x86_64, ...
ARCH ?= $(shell $(CC) -dumpmachine | cut -d- -f1)
CPPFLAGS += -Iinclude -Isrc/arch/$(ARCH)
OBJS = src/hwinfo.o src/arch/$(ARCH)/cpu.o

all: libhwinfo.a test_hwinfo

libhwinfo.a: $(OBJS)
\t$(AR) rcs $@ $^

test_hwinfo: test_hwinfo.o libhwinfo.a
\t$(CC) $(CFLAGS) -o $@ test_hwinfo.o libhwinfo.a

%.o: %.c
\t$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

test: test_hwinfo
\t$(RUN) ./test_hwinfo

clean:
\trm -f src/*.o src/arch/*/*.o test_hwinfo.o libhwinfo.a test_hwinfo
""",
    "include/hwinfo.h": """#ifndef HWINFO_H
#define HWINFO_H
#include <stdint.h>
const char *hw_arch_name(void);
unsigned hw_cache_line(void);
uint64_t hw_ticks(void);
void hw_spin(unsigned spins);
#endif
""",
    "src/arch/aarch64/cpu.h": """/* cpu.h for aarch64: the generic timer, MIDR and the spin hint. */
#ifndef HW_ARCH_CPU_H
#define HW_ARCH_CPU_H

#include <stdint.h>
#include <arm_neon.h>

#define ARCH_NAME "aarch64"
#define ARCH_CACHE_LINE 64

typedef uint64_t arch_ticks_t;

struct arch_vec_state {
    uint8x16_t v[4];
    uint32_t fpsr;
};

arch_ticks_t arch_ticks(void);
unsigned arch_midr(void);

static inline void arch_relax(void)
{
    __asm__ __volatile__("yield");
}

#endif /* HW_ARCH_CPU_H */
""",
    "src/arch/aarch64/cpu.c": """/* cpu.c for aarch64. */
#include "cpu.h"

arch_ticks_t arch_ticks(void)
{
    uint64_t v;
    __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

unsigned arch_midr(void)
{
    uint64_t v;
    __asm__ __volatile__("mrs %0, midr_el1" : "=r"(v));
    return (unsigned)v;
}
""",
    "src/hwinfo.c": """/* The portable half: the per-architecture part is cpu.h of
 * src/arch/$(ARCH), which the Makefile puts on the include path. */
#include "hwinfo.h"
#include "cpu.h"

const char *hw_arch_name(void)
{
    return ARCH_NAME;
}

unsigned hw_cache_line(void)
{
    return ARCH_CACHE_LINE;
}

uint64_t hw_ticks(void)
{
    return arch_ticks();
}

void hw_spin(unsigned spins)
{
    while (spins--)
        arch_relax();
}
""",
    "test_hwinfo.c": """#include <stdio.h>
#include "hwinfo.h"

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 5) {   /* linked everywhere, run only by hand */
        hw_spin(1);
        return (int)hw_ticks();
    }
    printf("%s %u\\n", hw_arch_name(), hw_cache_line());
    return hw_cache_line() == 64 ? 0 : 1;
}
""",
}


def write_tree(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def global_functions(obj: Path, nm: str) -> set[str]:
    r = subprocess.run([nm, "--defined-only", str(obj)], capture_output=True, text=True)
    return {f[2] for f in (ln.split() for ln in r.stdout.splitlines()) if len(f) == 3 and f[1] == "T"}


def case_arch_dir(ctx: Context) -> str:
    """The reverse arch/$(ARCH) twin: src/arch/x86_64/ from /dev/null,
    the same global functions as the aarch64 directory's, and verify's
    every step."""
    work = ctx.case_dir()
    tree = write_tree(work / "hwinfo", ARCHDIR_TREE)
    if run_in(["make", "-k", "CC=gcc", "all"], tree, ctx.timeout).returncode == 0:
        raise Failure("the unpatched tree builds for x86_64")
    run_in(["make", "clean"], tree, ctx.timeout)
    scan = run_in([ctx.archport, "scan", "--target", "x86_64", "--format", "json", "."], tree, ctx.timeout)
    errors = [(f["file"], f["rule"]) for f in json.loads(scan.stdout)["findings"] if f["severity"] == "error"]
    if errors != [("src/hwinfo.c", "c/arch-dir-missing")]:
        raise Failure(f"scan errors {errors}, expected the include of cpu.h in src/hwinfo.c")
    p = run_in([ctx.archport, "stub", "--target", "x86_64", "."], tree, ctx.timeout)
    expect_clean_stderr(p)
    made = re.findall(r"^\+\+\+ b/(\S+)$", p.stdout, re.M)
    if sorted(made) != ["src/arch/x86_64/cpu.c", "src/arch/x86_64/cpu.h"] or \
            p.stdout.count("--- /dev/null") != 2:
        raise Failure(f"the patch should only create src/arch/x86_64/: {made}\n{p.stdout[:1500]}")
    r = ctx.verify(tree, "--target", "x86_64", "--keep")
    expect_reverse_table(r)
    r.expect("tests", "ok", "1/1 passed")
    scratch = kept_scratch(r)
    n = check_aarch64_objects(scratch, "")
    check_native_test_binaries(scratch)
    a64 = global_functions(scratch / "before" / "src/arch/aarch64/cpu.o", "aarch64-linux-gnu-nm")
    x86_obj = scratch / "tree" / "src/arch/x86_64/cpu.o"
    if elf_kind(x86_obj) != (ET_REL, EM_X86_64):
        raise Failure(f"src/arch/x86_64/cpu.o is not an x86_64 object: {elf_kind(x86_obj)}")
    x86 = global_functions(x86_obj, "nm")
    if not a64 or a64 != x86:
        raise Failure(f"global functions: aarch64 {sorted(a64)}, x86_64 twin {sorted(x86)}")
    shutil.rmtree(scratch)
    # with an x86 sibling the tree has its x86_64 code already
    other = write_tree(work / "ported", ARCHDIR_TREE)
    write_tree(other, {"src/arch/x86/cpu.h": "#define ARCH_NAME \"x86\"\n"})
    q = run_in([ctx.archport, "stub", "--target", "x86_64", "."], other, ctx.timeout)
    if "/dev/null" in q.stdout:
        raise Failure(f"with src/arch/x86/ present the patch still creates files:\n{q.stdout[:800]}")
    return f"{n} aarch64 objects identical; twin functions {sorted(x86)}"


CASES = [
    ("rust-hyp: aarch64 objects identical, x86_64 builds and its tests run natively", case_rust_hyp),
    ("rust-hyp: a patch that appends a comment keeps the aarch64 objects identical", case_rust_hyp_comment),
    ("rust-hyp: a patch that changes a constant makes the aarch64 object differ", case_rust_hyp_constant),
    ("rust-hyp: port --target x86_64, and verify of its patch", case_port("rust-hyp")),
    ("aarch64-hyp: the stub's gates, idioms, SIMDe header and traps", case_c_stub_text),
    ("make: a chain with #else #error and a dmb macro: an x86_64 arm and an mfence twin", case_c_chain("make")),
    ("cmake: the same tree, ctest natively", case_c_chain("cmake")),
    ("aarch64-hyp: stub --simde, aarch64 objects identical, x86_64 builds and its tests run natively",
     case_c_fixture("aarch64-hyp")),
    ("aarch64-hyp without --simde: the NEON twin traps, the test that calls it fails", case_c_no_simde),
    ("aarch64-hyp: port --simde, and verify of its patch", case_port("aarch64-hyp", "--simde")),
    ("meson: aarch64 options and .S sources gated by cpu_family, aarch64 objects identical, x86_64 test native",
     case_c_meson),
    ("meson and Make in one tree: the .S files are gated in place too", case_c_meson_with_make),
    ("NEON members keep their aarch64 layout on x86_64 (no --simde)", case_neon_layout),
    ("arch/$(ARCH) with src/arch/aarch64/ only: the x86_64 twin directory, verify passes", case_arch_dir),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archport", default=str(REPO / "bin/archport"))
    ap.add_argument("--timeout", type=float, default=600, help="seconds per verify or port run")
    ap.add_argument("--keep", action="store_true", help="keep the case trees")
    args = ap.parse_args()
    missing = [t for t in ("aarch64-linux-gnu-gcc", "/usr/bin/cargo") if not shutil.which(t)]
    why = f"not installed: {', '.join(missing)} (scripts/setup.sh)" if missing else ""
    return run_cases(args.archport, "archport-reverse-test-", args.timeout, args.keep, CASES, why)


if __name__ == "__main__":
    sys.exit(main())
