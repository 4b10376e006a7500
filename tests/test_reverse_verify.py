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

Output: `ok - NAME` / `not ok - NAME: WHY` per case and `N passed, M failed[,
K skipped]` last; exit 1 when a case failed. Python standard library only.

    python3 tests/test_reverse_verify.py --archport bin/archport
    python3 tests/test_reverse_verify.py --archport build/asan/archport   (make test-python)
"""

from __future__ import annotations

import argparse
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
