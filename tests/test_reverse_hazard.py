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
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, LC_ALL="C", LANG="C", ARCHPORT_CACHE_DIR="")
QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wno-unused-function", "-Wno-char-subscripts",
          "-Wno-type-limits", "-Wno-tautological-compare", "-fdiagnostics-color=never"]

PRELUDE = """\
#include <ctype.h>
#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static int big[384];
static const int *const table = big + 128;   /* table[-128 .. 255] stays in big */
"""

# (name, source lines, index of the site line).  The site is where a warning
# belongs if the probe's output differs.  Every probe is int NAME(char c, char d).
PROBES = [
    ("gt127", ["static int gt127(char c, char d) { (void)d; return c > 127; }"], 0),
    ("ge0x80", ["static int ge0x80(char c, char d) { (void)d; return c >= 0x80; }"], 0),
    ("lt0", ["static int lt0(char c, char d) { (void)d; return c < 0; }"], 0),
    ("eq_eof", ["static int eq_eof(char c, char d) { (void)d; return c == EOF; }"], 0),
    ("eq_ff", ["static int eq_ff(char c, char d) { (void)d; return c == 0xff; }"], 0),
    ("neg_left", ["static int neg_left(char c, char d) { (void)d; return -1 >= c; }"], 0),
    ("int_ge200", ["static int int_ge200(char c, char d) { (void)d; return (int)c >= 200; }"], 0),
    ("uint_eq255", ["static int uint_eq255(char c, char d) { (void)d; return (unsigned)c == 255u; }"], 0),
    ("long_cast", ["static int long_cast(char c, char d) { (void)d; return (long)c > 127L; }"], 0),
    ("pair_lt", ["static int pair_lt(char c, char d) { return c < d; }"], 0),
    ("a_or_neg", ["static int a_or_neg(char c, char d) { (void)d; return c == 'a' || c < 0; }"], 0),
    ("digit", ["static int digit(char c, char d) { (void)d; return c - '0' < 10; }"], 0),
    ("shift7", ["static int shift7(char c, char d) { (void)d; return (c >> 7) == 1; }"], 0),
    ("plus1", ["static int plus1(char c, char d) { (void)d; return c + 1 > 0; }"], 0),
    ("table_plus", ["static int table_plus(char c, char d) { (void)d; return table[c + 127]; }"], 0),
    ("in_macro", ["#define HIGH(x) ((x) > 127)",
                  "static int in_macro(char c, char d) { (void)d; return HIGH(c); }"], 1),
    ("table_c", ["static int table_c(char c, char d) { (void)d; return table[c]; }"], 0),
    ("table_deref", ["static int table_deref(char c, char d) { const char *p = &c; (void)d; return table[*p]; }"], 0),
    ("case_ff", ["static int case_ff(char c, char d) { (void)d; switch (c) {",
                 "\tcase 0xff: return 1;", "\tdefault: return 0; } }"], 1),
    ("case_neg", ["static int case_neg(char c, char d) { (void)d; switch (c) {",
                  "\tcase -2: return 1;", "\tdefault: return 0; } }"], 1),
    # va_list read again after a by-value pass: x86_64's callee moves it
    ("va_again", ["static int va_take(va_list ap) { return va_arg(ap, int); }",
                  "static int va_sum(int n, ...) { va_list ap; va_start(ap, n); int a = va_take(ap); "
                  "int b = va_arg(ap, int); va_end(ap); return a * 1000 + b; }",
                  "static int va_again(char c, char d) { return va_sum(2, (unsigned char)c, (unsigned char)d); }"],
     1),
    # behave the same on both
    ("va_once", ["static int va_first(int n, ...) { va_list ap; va_start(ap, n); int a = va_take(ap); "
                 "va_end(ap); return a; }",
                 "static int va_once(char c, char d) { (void)d; return va_first(1, (unsigned char)c); }"], 0),
    ("va_copied", ["static int va_both(int n, ...) { va_list ap, aq; va_start(ap, n); va_copy(aq, ap); "
                   "int a = va_take(aq); va_end(aq); int b = va_arg(ap, int); va_end(ap); return a * 1000 + b; }",
                   "static int va_copied(char c, char d) { return va_both(2, (unsigned char)c, (unsigned char)d); }"],
     0),
    ("eq_char_ff", ["static int eq_char_ff(char c, char d) { (void)d; return c == '\\xff'; }"], 0),
    ("eq_a", ["static int eq_a(char c, char d) { (void)d; return c == 'a'; }"], 0),
    ("uchar_gt", ["static int uchar_gt(char c, char d) { (void)d; return (unsigned char)c > 127; }"], 0),
    ("uint_gt", ["static int uint_gt(char c, char d) { (void)d; return (unsigned)c > 127u; }"], 0),
    ("ne_0", ["static int ne_0(char c, char d) { (void)d; return c != 0; }"], 0),
    ("lower", ["static int lower(char c, char d) { (void)d; return c >= 'a' && c <= 'z'; }"], 0),
    ("ascii_range", ["static int ascii_range(char c, char d) { (void)d; return c >= 0 && c < 128; }"], 0),
    ("not_lower", ["static int not_lower(char c, char d) { (void)d; return (c < 'a') || (c > 'z'); }"], 0),
    ("pair_eq", ["static int pair_eq(char c, char d) { return c == d; }"], 0),
    ("pair_uchar", ["static int pair_uchar(char c, char d) { return (unsigned char)c < (unsigned char)d; }"], 0),
    ("masked", ["static int masked(char c, char d) { (void)d; return (c & 0x80) != 0; }"], 0),
    ("flip_high", ["static int flip_high(char c, char d) { (void)d; return (c ^ 0x80) < 0x80; }"], 0),
    ("digit_uc", ["static int digit_uc(char c, char d) { (void)d; return (unsigned char)c - '0' < 10; }"], 0),
    ("ctype", ["static int ctype(char c, char d) { (void)d; return !!isdigit(c) + 2 * !!isalpha(c) + 4 * !!isspace(c); }"],
     0),
    ("table_uc", ["static int table_uc(char c, char d) { (void)d; return table[(unsigned char)c]; }"], 0),
    ("table_mask", ["static int table_mask(char c, char d) { (void)d; return table[c & 0xff]; }"], 0),
    ("schar_lt0", ["static int schar_lt0(char c, char d) { signed char s = (signed char)c; (void)d; "
                   "return s < 0; }"], 0),
    ("case_same", ["static int case_same(char c, char d) { (void)d; switch (c) {",
                   "\tcase 'x': return 1;", "\tcase '\\xfe': return 2;", "\tdefault: return 0; } }"], 1),
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

# A second file: long double code with an arm for each format (nothing to report).
PORTED = """\
#include <float.h>
#include <stdint.h>
#include <string.h>
int ld_exponent(void)
{
#if LDBL_MANT_DIG == 113
\tunion { long double f; struct { uint64_t lo; uint64_t frac : 48, exp : 15, sign : 1; } b; } u;
\tmemset(&u, 0, sizeof u);
\tu.f = 1.0L;
\treturn (int)u.b.exp;
#elif LDBL_MANT_DIG == 64
\tunion { long double f; struct { uint64_t m; uint16_t se; } x; } u;
\tmemset(&u, 0, sizeof u);
\tu.f = 1.0L;
\treturn u.x.se & 0x7fff;
#else
\treturn -1;
#endif
}
"""

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


def run(cmd, **kw):
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600, **kw)


def probe_source():
    """The probe file and {probe name: site line number}."""
    lines = PRELUDE.rstrip("\n").split("\n")
    sites = {}
    for name, src, site in PROBES:
        sites[name] = len(lines) + 1 + site
        lines.extend(src)
    lines.append("typedef int (*probe_fn)(char, char);")
    lines.append("static const struct { const char *name; probe_fn fn; } probes[] = {")
    lines.extend(f'\t{{ "{name}", {name} }},' for name, _, _ in PROBES)
    lines.append("};")
    lines.append("""\
int main(void)
{
\tfor (int i = 0; i < 384; i++)
\t\tbig[i] = i * 7 + 1;
\tfor (size_t p = 0; p < sizeof probes / sizeof *probes; p++) {
\t\tuint64_t h = 1469598103934665603ULL;
\t\tfor (unsigned a = 0; a < 256; a++)
\t\t\tfor (unsigned b = 0; b < 256; b++) {
\t\t\t\th ^= (uint64_t)(unsigned)probes[p].fn((char)a, (char)b);
\t\t\t\th *= 1099511628211ULL;
\t\t\t}
\t\tprintf("%s %016llx\\n", probes[p].name, (unsigned long long)h);
\t}
\treturn 0;
}""")
    return "\n".join(lines) + "\n", sites


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


def build_and_run(cc, src, exe, runner):
    p = run([cc, *CFLAGS, src, "-o", exe])
    if p.returncode:
        raise RuntimeError(f"{cc} failed: {p.stderr[:600]}")
    p = run([*runner, exe])
    if p.returncode:
        raise RuntimeError(f"{exe} failed: {p.stderr[:300]}")
    return dict(line.split(" ", 1) for line in p.stdout.split("\n") if line)


def scan(archport, tree, target):
    db = os.path.join(tree, "compile_commands.json")
    p = run([archport, "scan", "--target", target, "--compile-commands", db, "--format", "json",
             "--fail-on", "never", tree])
    report = json.loads(p.stdout)
    return [f for f in report["findings"] if f["rule"] == "c/runtime-hazard"]


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
        source, sites = probe_source()
        page_src, page_sites = page_source()
        files = {"probes.c": source, "ported.c": PORTED, "pages.c": page_src}
        for name, text in files.items():
            with open(os.path.join(tree, name), "w") as f:
                f.write(text)
        with open(os.path.join(tree, "compile_commands.json"), "w") as f:
            json.dump([{"directory": tree, "file": os.path.join(tree, n), "arguments": ["gcc", "-c", n]}
                       for n in files], f)

        exe = os.path.join(tmp, "probes")
        x86 = build_and_run("gcc", os.path.join(tree, "probes.c"), exe + "-x86", [])
        arm = build_and_run("aarch64-linux-gnu-gcc", os.path.join(tree, "probes.c"), exe + "-arm", QEMU)
        differ = {name for name in sites if x86[name] != arm[name]}
        if args.verbose:
            print(f"# probes whose output differs: {sorted(differ)}")
        check("the probes cover both outcomes", 0 < len(differ) < len(sites), sorted(differ))

        warned = scan(archport, tree, "x86_64")
        got = {f["line"] for f in warned if f["file"] == "probes.c"}
        for name, line in sorted(sites.items(), key=lambda kv: kv[1]):
            want = name in differ
            check(f"probes.c:{line} {name}: output {'differs' if want else 'is the same'} on x86_64 and aarch64, "
                  f"archport {'warns' if line in got else 'is silent'}", want == (line in got),
                  [f["message"] for f in warned if f["line"] == line])
        stray = got - set(sites.values())
        check("no warning off the probes' site lines", not stray, sorted(stray))
        for f in warned:
            if f["file"] == "probes.c" and "char" in f["message"]:
                ok = "signed on x86_64 and unsigned on aarch64" in f["message"]
                check(f"probes.c:{f['line']}: the message names the direction", ok, f["message"])

        gcc_exp = os.path.join(tmp, "ported.o")
        p = run(["gcc", *CFLAGS, "-c", os.path.join(tree, "ported.c"), "-o", gcc_exp])
        check("ported.c builds with gcc", p.returncode == 0, p.stderr[:300])
        ported = [(f["line"], f["message"][:80]) for f in warned if f["file"] == "ported.c"]
        check("ported.c (an arm per long double format): no warning", not ported, ported)

        values = build_and_run("gcc", os.path.join(tree, "pages.c"), os.path.join(tmp, "pages"), [])
        pagesize = int(values["pagesize"])
        wrong = page_expectation(values, pagesize)
        got_pages = {f["line"] for f in warned if f["file"] == "pages.c"}
        for name, line in page_sites.items():
            want = name in wrong
            check(f"pages.c:{line} {name} = {values[name]} (host pages {pagesize}): "
                  f"archport {'warns' if line in got_pages else 'is silent'}", want == (line in got_pages),
                  [f["message"] for f in warned if f["file"] == "pages.c" and f["line"] == line])

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
