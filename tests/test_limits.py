#!/usr/bin/env python3
"""Limits test: inputs nested or chained far beyond real code, built at test time.

Each case writes a small tree (Makefile, src/, include/) whose one bad file is
nested 5,000 to 100,000 levels deep, or chains 100,000 macros, next to x86 code
that must still be found, and runs `archport scan --format json` and
`archport stub` on it. It asserts: no signal and no sanitizer report, the
documented exit code (scan: 1 when an error was found, else 0; stub: 0), an
`input/limit` warning naming the file and line where archport stopped, and the
x86 construct outside the deep part still reported. The macro chain must finish
within a generous timeout; its peak memory is printed, not asserted.

    python3 tests/test_limits.py --archport build/asan/archport

The harness (Context, Failure, ScanResult) is the bad-input suite's.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_badinput as bad  # noqa: E402

bad.CASES.clear()  # only the cases below: the bad-input suite runs its own

LIMIT_RULE = "input/limit"
MAKEFILE = b"all: prog\nprog: src/main.c\n\t$(CC) -O2 -o $@ src/*.c\n"


def c_tree(ctx: bad.Context, name: str, deep_source: str) -> Path:
    """A C tree: src/deep.c holds the deep input, src/main.c an ungated rdtsc."""
    d = ctx.case_dir(name)
    (d / "Makefile").write_bytes(MAKEFILE)
    (d / "src").mkdir()
    (d / "src" / "deep.c").write_text(deep_source)
    (d / "src" / "main.c").write_text('int main(void)\n{\n\t__asm__ volatile("rdtsc");\n\treturn 0;\n}\n')
    return d


def rust_tree(ctx: bad.Context, name: str, lib: str) -> Path:
    """A Cargo crate whose src/lib.rs starts with `lib` and ends with an x86 asm! on a known line."""
    d = ctx.case_dir(name)
    (d / "Cargo.toml").write_text(f'[package]\nname = "{name.replace("-", "_")}"\nversion = "0.1.0"\nedition = "2018"\n')
    (d / "src").mkdir()
    (d / "src" / "lib.rs").write_text(lib + '\npub fn tick() {\n    unsafe { core::arch::asm!("rdtsc") }\n}\n')
    return d


def expected_exit(r: bad.ScanResult) -> int:
    """The documented scan exit code with the default --fail-on error."""
    return 1 if any(f.get("severity") == "error" for f in r.report()["findings"]) else 0


def run_stub(ctx: bad.Context, path: Path) -> None:
    """`archport stub PATH`: no signal, no sanitizer report, exit 0, a patch on stdout."""
    argv = [str(ctx.archport), "stub", str(path), "--target", "aarch64"]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=ctx.timeout)
    except subprocess.TimeoutExpired:
        raise bad.Failure(f"stub: no answer after {ctx.timeout:.0f} s") from None
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        raise bad.Failure(f"stub killed by signal {bad.signal_name(-p.returncode)}{bad.stderr_tail(err)}")
    for marker in bad.SANITIZER_MARKERS:
        if marker in err:
            raise bad.Failure(f"stub: sanitizer report: {marker}")
    if p.returncode != 0:
        raise bad.Failure(f"stub exit {p.returncode}, expected 0{bad.stderr_tail(err)}")
    if b"+++ b/" not in p.stdout:
        raise bad.Failure("stub wrote no patch for the x86 code next to the deep input")


def check_limit(ctx: bad.Context, d: Path, file: str, line: int, x86_rule: str, x86_file: str, x86_line: int) -> str:
    r = ctx.scan(d)
    if r.returncode != expected_exit(r):
        raise bad.Failure(f"scan exit {r.returncode}, expected {expected_exit(r)}")
    found = r.expect_finding(LIMIT_RULE, file, line)
    if found.get("severity") != "warning":
        raise bad.Failure(f"{LIMIT_RULE} has severity {found.get('severity')!r}, expected 'warning'")
    r.expect_finding(x86_rule, x86_file, x86_line)
    run_stub(ctx, d)
    return f"{file}:{line}: {found.get('message')} ({r.seconds:.2f} s)"


def nest(open_: str, mid: str, close: str, n: int) -> str:
    return open_ * n + mid + close * n


@bad.case("if-5000-parentheses")
def _if_parens(ctx: bad.Context):
    """`#if ((((...1...))))` 5,000 deep (gcc's own limit is far lower)."""
    src = "#include <stdint.h>\n#if " + nest("(", "1", ")", 5000) + "\nint deep;\n#endif\n"
    return check_limit(ctx, c_tree(ctx, "if-parens", src), "src/deep.c", 2, "c/asm-x86", "src/main.c", 3)


@bad.case("if-100000-not")
def _if_not(ctx: bad.Context):
    """`#if !!!!...1` with 100,000 `!`, then `- - - ...1` with 100,000 `-` on the next #elif."""
    src = "#if " + "!" * 100000 + "1\nint a;\n#elif " + "- " * 100000 + "1\nint b;\n#endif\n"
    return check_limit(ctx, c_tree(ctx, "if-not", src), "src/deep.c", 1, "c/asm-x86", "src/main.c", 3)


@bad.case("if-5000-ternaries")
def _if_ternary(ctx: bad.Context):
    """`#if 1 ? 1 ? ... : 0 : 0` nested 5,000 times (overflowed under ASan)."""
    src = "\n#if " + nest("1 ? ", "1", " : 0", 5000) + "\nint t;\n#endif\n"
    return check_limit(ctx, c_tree(ctx, "if-ternary", src), "src/deep.c", 2, "c/asm-x86", "src/main.c", 3)


@bad.case("cfg-100000-all")
def _cfg_all(ctx: bad.Context):
    """`#[cfg(all(all(...unix...)))]` 100,000 deep on an item."""
    lib = "#[cfg(" + nest("all(", "unix", ")", 100000) + ")]\npub fn gated() {}\n"
    return check_limit(ctx, rust_tree(ctx, "cfg-all", lib), "src/lib.rs", 1, "rust/asm-x86", "src/lib.rs", 5)


@bad.case("rust-50000-parentheses")
def _rust_expr(ctx: bad.Context):
    """A Rust expression `((((1))))` 50,000 deep."""
    lib = "pub fn deep() -> i32 {\n    " + nest("(", "1", ")", 50000) + "\n}\n"
    return check_limit(ctx, rust_tree(ctx, "rust-expr", lib), "src/lib.rs", 2, "rust/asm-x86", "src/lib.rs", 6)


@bad.case("rust-50000-blocks")
def _rust_blocks(ctx: bad.Context):
    """Rust blocks `{ { { } } }` 50,000 deep."""
    lib = "pub fn deep() {\n    " + nest("{", "", "}", 50000) + "\n}\n"
    return check_limit(ctx, rust_tree(ctx, "rust-blocks", lib), "src/lib.rs", 2, "rust/asm-x86", "src/lib.rs", 6)


@bad.case("macro-chain-100000")
def _macro_chain(ctx: bad.Context):
    """`#define M1 M0` ... 100,000 links ending in x86 asm: linear, so it finishes; the use is reported."""
    n = 100000
    lines = ['#define M0 __asm__ volatile("rdtsc")'] + [f"#define M{i} M{i - 1}" for i in range(1, n + 1)]
    src = "\n".join(lines) + f"\nvoid tick(void) {{ M{n}; }}\n"
    d = c_tree(ctx, "macro-chain", "int unused;\n")
    (d / "include").mkdir()
    (d / "src" / "chain.c").write_text(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = ctx.scan(d, timeout=120)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if r.returncode != 1:
        raise bad.Failure(f"scan exit {r.returncode}, expected 1 (an ungated asm through the chain)")
    use = r.expect_finding("c/asm-x86", "src/chain.c", n + 2)
    if f"macro `M{n}`" not in use.get("message", ""):
        raise bad.Failure(f"the use's message does not name M{n}: {use.get('message')}")
    run_stub(ctx, d)
    return f"{n} links in {r.seconds:.2f} s, peak RSS of the children so far {max(peak, before) / 1024:.0f} MiB"


@bad.case("rust-use-tree-50000-groups")
def _rust_use_groups(ctx: bad.Context):
    """`use std::{a::{a::{...}}}` 50,000 groups deep (read leaf by leaf; past 8 groups it read out of bounds)."""
    lib = "use std::{" + nest("a::{", "b", "}", 50000) + "};\n"
    d = rust_tree(ctx, "rust-use-groups", lib)
    r = ctx.scan(d)
    if r.returncode != expected_exit(r):
        raise bad.Failure(f"scan exit {r.returncode}, expected {expected_exit(r)}")
    r.expect_finding("rust/asm-x86", "src/lib.rs", 4)
    run_stub(ctx, d)


@bad.case("rust-truncated")
def _rust_truncated(ctx: bad.Context):
    """A .rs file cut off mid-function, and one with a broken item between two good ones."""
    d = rust_tree(ctx, "rust-truncated", "pub fn broken( { let x = ;\n}\n")
    (d / "src" / "cut.rs").write_text('pub fn g() { unsafe { core::arch::asm!("cpuid") } }\npub fn h() -> u32 {\n    let x = 1;\n    x +\n')
    with open(d / "src" / "lib.rs", "a") as f:
        f.write("pub mod cut;\n")
    r = ctx.scan(d)
    if r.returncode != expected_exit(r):
        raise bad.Failure(f"scan exit {r.returncode}, expected {expected_exit(r)}")
    r.expect_finding("input/parse-error", "src/lib.rs", 1)
    r.expect_finding("input/parse-error", "src/cut.rs", 2)
    r.expect_finding("rust/asm-x86", "src/lib.rs", 5)    # after the broken item
    r.expect_finding("rust/asm-x86", "src/cut.rs", 1)    # before the cut
    run_stub(ctx, d)
    return "; ".join(f"{f['file']}:{f['line']}: {f['message']}" for f in r.findings("input/parse-error"))


@bad.case("build-200000-else-and-not")
def _build_conditions(ctx: bad.Context):
    """A Makefile line of 200,000 `else` and a CMake if() of 200,000 NOT (both overflowed the stack)."""
    d = c_tree(ctx, "build-conditions", "int unused;\n")
    (d / "Makefile").write_text("ifeq ($(ARCH),x86_64)\nCFLAGS += -mavx2\n" + "else " * 200000 + "ifeq (a,b)\nX = 1\nendif\n")
    (d / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.10)\nproject(p C)\nif(" + "NOT " * 200000
                                      + "WIN32)\nadd_compile_options(-mavx2)\nendif()\n")
    r = ctx.scan(d)
    if r.returncode != expected_exit(r):
        raise bad.Failure(f"scan exit {r.returncode}, expected {expected_exit(r)}")
    r.expect_finding("build/x86-flag", "CMakeLists.txt", 4)   # undecided, still reported
    r.expect_finding("c/asm-x86", "src/main.c", 3)
    run_stub(ctx, d)


def main() -> int:
    parser = argparse.ArgumentParser(description="archport on inputs nested or chained beyond real code.")
    parser.add_argument("--archport", default=str(bad.REPO / "bin" / "archport"))
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("-k", "--only", action="append", default=[])
    args = parser.parse_args()
    archport = Path(args.archport).resolve()
    root = Path(tempfile.mkdtemp(prefix="archport-limits-"))
    ctx = bad.Context(archport, root, args.timeout, 1, args.timeout)
    passed = failed = 0
    try:
        for name, fn in bad.CASES:
            if args.only and not any(s in name for s in args.only):
                continue
            try:
                info = fn(ctx)
            except bad.Failure as e:
                failed += 1
                print(f"not ok - {name}: {e}", flush=True)
                continue
            passed += 1
            if info:
                print(f"# {name}: {info}")
            print(f"ok - {name}", flush=True)
    finally:
        bad.remove_tree(root)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
