#!/usr/bin/env python3
"""Runtime hazards of the reverse port (c/runtime-hazard, `--target x86_64`),
graded by running the code on both architectures.

A C file of probes is built twice, with aarch64-linux-gnu-gcc (run under
qemu-aarch64) and with the host gcc (x86_64), and run: each probe is a
function of two plain `char` arguments, called for every pair of bytes, and
prints a hash of its results.  A probe whose output differs between the two
builds is a construct that behaves differently once the aarch64 code runs on
x86_64.  archport scans the same file with `--target x86_64
--compile-commands DB`, and the lines it warns about (c/runtime-hazard) must
be exactly the site lines of the probes whose outputs differ: plain char
comparisons, subscripts and case labels, long double format views and
`LDBL_MANT_DIG == 113` branches; the probes that behave the same (`c ==
'a'`, `(unsigned)c > 127u`, `c == d`, `case '\\xfe':`, a long double read
with an arm for each format, ...) must have no warning.

The probes are graded again with `-funsigned-char` and with `-fsigned-char`
on both compilers and in the compile database (graded_lib.hazard_probes.
flag_case): plain char then has one sign on both, and only the va_list and
long double probes may warn.

Page constants cannot be run differently under qemu (its pages are the
host's): they are graded against the x86_64 host's sysconf(_SC_PAGESIZE),
which a program built by gcc prints: a constant named as the page size (or
its shift) is reported exactly when it differs from that.

The forward scan (`--target aarch64`) of the same file is checked too: none of
the reverse-only findings (16/64 KiB pages, binary128 views, LDBL_MANT_DIG ==
113) appear there.

    python3 tests/test_reverse_hazard.py [--archport bin/archport] [-v]

Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graded_lib.hazard_probes import (ARCHES, CFLAGS, CHAR_PROBES, PORTED, check_char_direction, flag_case,  # noqa: E402
                                      grade_probes, probe_source, run, run_on, scan, write_tree)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = ARCHES["aarch64"][1]

# The char and va_list probes (graded_lib.hazard_probes), then the reverse
# port's long double probes: (name, source lines, index of the site line).
PROBES = CHAR_PROBES + [
    # long double: 1.0L read through a view of its bits
    ("ld_size", ["static int ld_size(char c, char d) { union { long double f; uint64_t w[2]; } u; (void)c; (void)d; "
                 "memset(&u, 0, sizeof u); u.f = 1.0L; return sizeof(long double) == 16 ? (int)(u.w[1] >> 48) : -1; }"],
     0),
    ("ld_view", ["static int ld_view(char c, char d) { union { long double f; struct { uint64_t lo; "
                 "uint64_t frac : 48, exp : 15, sign : 1; } b; } u; (void)c; (void)d; memset(&u, 0, sizeof u); "
                 "u.f = 1.0L; return (int)u.b.exp; }"], 0),
    ("ld_mant", ["#if LDBL_MANT_DIG == 113",
                 "static int ld_mant(char c, char d) { (void)c; (void)d; return 113; }",
                 "#else",
                 "static int ld_mant(char c, char d) { (void)c; (void)d; return 0; }",
                 "#endif"], 0),
    ("ld_bytes", ["static int ld_bytes(char c, char d) { union { long double f; unsigned char b[16]; } u; (void)c; "
                  "(void)d; memset(&u, 0, sizeof u); u.f = 1.0L; return sizeof u.b; }"], 0),
]

# Page constants: (name, C definition).  Which of them are wrong on x86_64 is
# decided by the host's page size, printed by a program gcc builds.
PAGES = [
    ("PAGE_SIZE", "#define PAGE_SIZE 65536"),
    ("PAGE_SHIFT", "#define PAGE_SHIFT 16"),
    ("GRANULE_PAGE", "#define GRANULE_PAGE (1UL << 14)"),
    ("PAGE_BITS", "enum { PAGE_BITS = 14 };"),
    ("page_bytes", "static const unsigned long page_bytes = 0x10000;"),
    ("SMALL_PAGE", "#define SMALL_PAGE 4096"),
    ("SMALL_PAGE_SHIFT", "#define SMALL_PAGE_SHIFT 12"),
    ("BUF_SIZE", "#define BUF_SIZE 65536"),
    ("RING_BITS", "#define RING_BITS 16"),
]


# Rust probes: fn NAME(c: c_char) -> i64 on one line (the site), called for
# every byte; built by /usr/bin/rustc for x86_64 and for aarch64 (run under qemu).
RUSTC = "/usr/bin/rustc"
RUST_PROBES = [
    ("cast_usize", "fn cast_usize(c: c_char) -> i64 { (c as usize % 1000) as i64 }"),
    ("cast_i32", "fn cast_i32(c: c_char) -> i64 { c as i32 as i64 }"),
    ("cast_f64", "fn cast_f64(c: c_char) -> i64 { (c as f64) as i64 }"),
    ("deref", "fn deref(c: c_char) -> i64 { let p: *const c_char = &c; unsafe { *p as i64 } }"),
    ("gt127", "fn gt127(c: c_char) -> i64 { (c > 127) as i64 }"),
    ("lt0", "fn lt0(c: c_char) -> i64 { (c < 0) as i64 }"),
    ("ge_space", "fn ge_space(c: c_char) -> i64 { (c >= 0x20) as i64 }"),
    ("lit_left", "fn lit_left(c: c_char) -> i64 { (127 < c) as i64 }"),
    ("let_bound", "fn let_bound(c: c_char) -> i64 { let d: c_char = c; d as i64 }"),
    ("slice", "fn slice(c: c_char) -> i64 { let s: &[c_char] = &[c, 0]; s[0] as i64 }"),
    ("array", "fn array(c: c_char) -> i64 { let a: [c_char; 2] = [0, c]; (a[1] < 0x40) as i64 }"),
    ("by_ref", "fn by_ref(c: c_char) -> i64 { let r: &c_char = &c; *r as i64 }"),
    ("eq65", "fn eq65(c: c_char) -> i64 { (c == 65) as i64 }"),
    ("slice_u8", "fn slice_u8(c: c_char) -> i64 { let s: &[c_char] = &[c]; s[0] as u8 as i64 }"),
    ("via_u8", "fn via_u8(c: c_char) -> i64 { c as u8 as i64 }"),
    ("u8_cmp", "fn u8_cmp(c: c_char) -> i64 { ((c as u8) > 127) as i64 }"),
    ("as_i8", "fn as_i8(c: c_char) -> i64 { (c as i8 == -1) as i64 }"),
    ("masked", "fn masked(c: c_char) -> i64 { (c as u8 & 0x80) as i64 }"),
]
RUST_PAGES = [
    ("PAGE_SIZE", "pub const PAGE_SIZE: usize = 0x10000;"),
    ("PAGE_SHIFT", "pub const PAGE_SHIFT: u32 = 16;"),
    ("GUARD_PAGE", "pub static GUARD_PAGE: usize = 16 * 1024;"),
    ("PAGE_BITS", "pub const PAGE_BITS: u32 = 1 << 4;"),
    ("SMALL_PAGE", "pub const SMALL_PAGE: usize = 4096;"),
    ("RING_BYTES", "pub const RING_BYTES: usize = 65536;"),
]


def rust_source():
    lines = ["#![allow(unused_comparisons, dead_code)]", "use std::os::raw::c_char;",
             'extern "C" { fn sysconf(name: i32) -> i64; }']
    sites, page_sites = {}, {}
    for name, src in RUST_PROBES:
        lines.append(src)
        sites[name] = len(lines)
    for name, src in RUST_PAGES:
        lines.append(src)
        page_sites[name] = len(lines)
    lines.append("fn main() {")
    lines.append("    let probes: &[(&str, fn(c_char) -> i64)] = &[" +
                 ", ".join(f'("{n}", {n})' for n, _ in RUST_PROBES) + "];")
    lines.append("""    for (name, f) in probes {
        let mut h: u64 = 1469598103934665603;
        for b in 0..=255u8 {
            h ^= f(b as c_char) as u64;
            h = h.wrapping_mul(1099511628211);
        }
        println!("{} {:016x}", name, h);
    }
    println!("pagesize {}", unsafe { sysconf(30) });""")   # _SC_PAGESIZE on Linux (x86_64 and aarch64 glibc)
    lines.extend(f'    println!("{n} {{}}", {n});' for n, _ in RUST_PAGES)
    lines.append("}")
    return "\n".join(lines) + "\n", sites, page_sites


def rust_build_and_run(src, exe, target):
    cmd = [RUSTC, "-O", "--edition", "2018", src, "-o", exe]
    runner = []
    if target == "aarch64":
        cmd += ["--target", "aarch64-unknown-linux-gnu", "-C", "linker=aarch64-linux-gnu-gcc"]
        runner = QEMU
    p = run(cmd)
    if p.returncode:
        raise RuntimeError(f"rustc for {target} failed: {p.stderr[:600]}")
    p = run([*runner, exe])
    if p.returncode:
        raise RuntimeError(f"{exe} failed: {p.stderr[:300]}")
    return dict(line.split(" ", 1) for line in p.stdout.split("\n") if line)


def rust_case(check, archport, tmp, verbose):
    """The Rust probes: rust/runtime-hazard exactly where the outputs differ."""
    tree = os.path.join(tmp, "rust")
    os.makedirs(os.path.join(tree, "src"))
    source, sites, page_sites = rust_source()
    main_rs = os.path.join(tree, "src", "main.rs")
    with open(main_rs, "w") as f:
        f.write(source)
    with open(os.path.join(tree, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "probes"\nversion = "0.1.0"\nedition = "2018"\n')
    x86 = rust_build_and_run(main_rs, os.path.join(tmp, "rprobes-x86"), "x86_64")
    arm = rust_build_and_run(main_rs, os.path.join(tmp, "rprobes-arm"), "aarch64")
    differ = {n for n in sites if x86[n] != arm[n]}
    if verbose:
        print(f"# Rust probes whose output differs: {sorted(differ)}")
    check("Rust: the probes cover both outcomes", 0 < len(differ) < len(sites), sorted(differ))
    p = run([archport, "scan", "--target", "x86_64", "--format", "json", "--fail-on", "never", tree])
    found = [f for f in json.loads(p.stdout)["findings"] if f["rule"] == "rust/runtime-hazard"]
    got = {f["line"] for f in found}
    for name, line in sites.items():
        want = name in differ
        check(f"main.rs:{line} {name}: output {'differs' if want else 'is the same'} on x86_64 and aarch64, "
              f"archport {'warns' if line in got else 'is silent'}", want == (line in got),
              [f["message"] for f in found if f["line"] == line])
    pagesize = int(x86["pagesize"])
    for name, line in page_sites.items():
        v = int(x86[name])
        shift = any(w in name.lower() for w in ("shift", "bits", "order"))
        want = "page" in name.lower() and v != (pagesize.bit_length() - 1 if shift else pagesize)
        check(f"main.rs:{line} {name} = {v} (host pages {pagesize}): archport "
              f"{'warns' if line in got else 'is silent'}", want == (line in got),
              [f["message"] for f in found if f["line"] == line])
    stray = got - set(sites.values()) - set(page_sites.values())
    check("Rust: no warning off the probes' site lines", not stray, sorted(stray))
    p = run([archport, "scan", "--target", "aarch64", "--format", "json", "--fail-on", "never", tree])
    forward = [f["line"] for f in json.loads(p.stdout)["findings"] if f["rule"] == "rust/runtime-hazard"]
    check("Rust: the forward scan reports none of them", not forward, forward)






def page_source():
    lines = ["#include <stdio.h>", "#include <unistd.h>"]
    sites = {}
    for name, definition in PAGES:
        lines.append(definition)
        sites[name] = len(lines)
    lines.append("int main(void)\n{")
    lines.append('\tprintf("pagesize %ld\\n", sysconf(_SC_PAGESIZE));')
    lines.extend(f'\tprintf("{name} %lu\\n", (unsigned long)({name}));' for name, _ in PAGES)
    lines.append("\treturn 0;\n}")
    return "\n".join(lines) + "\n", sites






def page_expectation(values, pagesize):
    """The page constants wrong on this host: a page size other than its own,
    or the shift of one (names that say shift, bits or order)."""
    shift = pagesize.bit_length() - 1
    wrong = set()
    for name, _ in PAGES:
        v = int(values[name])
        is_shift = any(w in name.lower() for w in ("shift", "bits", "order"))
        if "page" not in name.lower():
            continue
        if (is_shift and v != shift) or (not is_shift and v != pagesize):
            wrong.add(name)
    return wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    results = []

    def check(name, ok, why=""):
        results.append(ok)
        print(f"ok - {name}" if ok else f"not ok - {name}: {why}")

    for tool in ("qemu-aarch64", "aarch64-linux-gnu-gcc", "gcc", RUSTC):
        if not shutil.which(tool):
            print(f"not ok - {tool} is missing")
            return 1
    with tempfile.TemporaryDirectory(prefix="reverse-hazard-") as tmp:
        tree = os.path.join(tmp, "t")
        os.mkdir(tree)
        source, sites = probe_source(PROBES)
        page_src, page_sites = page_source()
        write_tree(tree, {"probes.c": source, "ported.c": PORTED, "pages.c": page_src})

        exe = os.path.join(tmp, "probes")
        x86 = run_on("x86_64", os.path.join(tree, "probes.c"), exe)
        arm = run_on("aarch64", os.path.join(tree, "probes.c"), exe)
        differ = {name for name in sites if x86[name] != arm[name]}
        if args.verbose:
            print(f"# probes whose output differs: {sorted(differ)}")
        check("the probes cover both outcomes", 0 < len(differ) < len(sites), sorted(differ))

        warned = scan(archport, tree, "x86_64")
        grade_probes(check, "probes.c", sites, differ, warned, "x86_64 and aarch64")
        check_char_direction(check, "probes.c", warned, "x86_64", "aarch64")

        gcc_exp = os.path.join(tmp, "ported.o")
        p = run(["gcc", *CFLAGS, "-c", os.path.join(tree, "ported.c"), "-o", gcc_exp])
        check("ported.c builds with gcc", p.returncode == 0, p.stderr[:300])
        ported = [(f["line"], f["message"][:80]) for f in warned if f["file"] == "ported.c"]
        check("ported.c (an arm per long double format): no warning", not ported, ported)

        values = run_on("x86_64", os.path.join(tree, "pages.c"), os.path.join(tmp, "pages"))
        pagesize = int(values["pagesize"])
        wrong = page_expectation(values, pagesize)
        got_pages = {f["line"] for f in warned if f["file"] == "pages.c"}
        for name, line in page_sites.items():
            want = name in wrong
            check(f"pages.c:{line} {name} = {values[name]} (host pages {pagesize}): "
                  f"archport {'warns' if line in got_pages else 'is silent'}", want == (line in got_pages),
                  [f["message"] for f in warned if f["file"] == "pages.c" and f["line"] == line])

        for flag in ("-funsigned-char", "-fsigned-char"):
            flag_case(check, archport, os.path.join(tmp, flag.lstrip("-")), source, sites, ["x86_64"], flag)

        rust_case(check, archport, tmp, args.verbose)

        forward = scan(archport, tree, "aarch64")
        reverse_only = [(f["file"], f["line"]) for f in forward
                        if "binary128 (112-bit fraction, 15-bit" in f["message"] or "== 113" in f["message"]
                        or "KiB granule" in f["message"]]
        check("the forward scan has none of the reverse-only findings", not reverse_only, reverse_only)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
