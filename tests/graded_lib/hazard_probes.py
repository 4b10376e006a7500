"""The differential harness of tests/test_reverse_hazard.py and
tests/test_forward_hazard.py: C probes built for x86_64 (host gcc) and for
aarch64 / riscv64 (the cross gcc, run under qemu), run on both, and the probes
whose outputs differ are the ones where archport's c/runtime-hazard warnings
belong.

A probe is (name, source lines, index of its site line): a function
`int NAME(char c, char d)` that the generated main() calls for every pair of
bytes, printing a hash of the results.  CHAR_PROBES holds the probes that
grade either direction (plain char sign, va_list reuse after a by-value
pass): which of them differ does not depend on which way the code is ported.
"""

import json
import os
import subprocess

ENV = dict(os.environ, LC_ALL="C", LANG="C", ARCHPORT_CACHE_DIR="")
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wno-unused-function", "-Wno-char-subscripts",
          "-Wno-type-limits", "-Wno-tautological-compare", "-fdiagnostics-color=never"]
# arch -> (compiler, how its programs run here); x86_64 is the host.
ARCHES = {
    "x86_64": ("gcc", []),
    "aarch64": ("aarch64-linux-gnu-gcc", ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]),
    "riscv64": ("riscv64-linux-gnu-gcc", ["qemu-riscv64", "-L", "/usr/riscv64-linux-gnu"]),
}

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

CHAR_PROBES = [
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
    ("ge_space", ["static int ge_space(char c, char d) { (void)d; return c >= ' '; }"], 0),
    ("times2", ["static int times2(char c, char d) { (void)d; return c * 2 > 300; }"], 0),
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
    ("eq_cast_ff", ["static int eq_cast_ff(char c, char d) { (void)d; return c == (char)0xff; }"], 0),
    ("ne_cast_200", ["static int ne_cast_200(char c, char d) { (void)d; return (char)200 != c; }"], 0),
    ("eq_a", ["static int eq_a(char c, char d) { (void)d; return c == 'a'; }"], 0),
    ("uchar_gt", ["static int uchar_gt(char c, char d) { (void)d; return (unsigned char)c > 127; }"], 0),
    ("uint_gt", ["static int uint_gt(char c, char d) { (void)d; return (unsigned)c > 127u; }"], 0),
    ("lt_0x80u", ["static int lt_0x80u(char c, char d) { (void)d; return c < 0x80u; }"], 0),
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
]

# A second file: long double code with an arm for each format, nothing to
# report in either direction (the arm for the other format is preprocessed out).
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


def run(cmd, **kw):
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600, **kw)


def probe_source(probes):
    """The probe file and {probe name: site line number}."""
    lines = PRELUDE.rstrip("\n").split("\n")
    sites = {}
    for name, src, site in probes:
        sites[name] = len(lines) + 1 + site
        lines.extend(src)
    lines.append("typedef int (*probe_fn)(char, char);")
    lines.append("static const struct { const char *name; probe_fn fn; } probes[] = {")
    lines.extend(f'\t{{ "{name}", {name} }},' for name, _, _ in probes)
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


def build_and_run(cc, src, exe, runner, flags=()):
    """{name: value} of the program's `name value` lines."""
    p = run([cc, *CFLAGS, *flags, src, "-o", exe])
    if p.returncode:
        raise RuntimeError(f"{cc} failed: {p.stderr[:600]}")
    p = run([*runner, exe])
    if p.returncode:
        raise RuntimeError(f"{exe} failed: {p.stderr[:300]}")
    return dict(line.split(" ", 1) for line in p.stdout.split("\n") if line)


def run_on(arch, src, exe, flags=()):
    """The program built for `arch` (with the extra flags) and run there
    (qemu for the cross ones)."""
    cc, runner = ARCHES[arch]
    return build_and_run(cc, src, f"{exe}-{arch}", runner, flags)


def write_tree(tree, files, flags=()):
    """The files and a compile database with one `gcc [flags] -c` entry for each."""
    for name, text in files.items():
        with open(os.path.join(tree, name), "w") as f:
            f.write(text)
    with open(os.path.join(tree, "compile_commands.json"), "w") as f:
        json.dump([{"directory": tree, "file": os.path.join(tree, n), "arguments": ["gcc", *flags, "-c", n]}
                   for n in files], f)


def scan(archport, tree, target):
    """archport's c/runtime-hazard findings for the tree, deep pass on."""
    db = os.path.join(tree, "compile_commands.json")
    p = run([archport, "scan", "--target", target, "--compile-commands", db, "--format", "json",
             "--fail-on", "never", tree])
    report = json.loads(p.stdout)
    return [f for f in report["findings"] if f["rule"] == "c/runtime-hazard"]


def grade_probes(check, file, sites, differ, warned, pair):
    """One check per probe: a warning on its site line exactly when its
    output differs between the two arches of `pair` ("x86_64 and aarch64");
    and none off the site lines."""
    got = {f["line"] for f in warned if f["file"] == file}
    for name, line in sorted(sites.items(), key=lambda kv: kv[1]):
        want = name in differ
        check(f"{file}:{line} {name}: output {'differs' if want else 'is the same'} on {pair}, "
              f"archport {'warns' if line in got else 'is silent'}", want == (line in got),
              [f["message"] for f in warned if f["file"] == file and f["line"] == line])
    stray = got - set(sites.values())
    check(f"{file}: no warning off the probes' site lines", not stray, sorted(stray))


def flag_case(check, archport, tree, source, sites, targets, flag):
    """The probes built with `flag` (-funsigned-char, -fsigned-char) by both
    compilers and listed with it in the database: plain char has one sign
    on both arches, so no char probe may differ, and the warnings must
    still sit exactly on the probes that do (va_list, long double).  The
    reverse port (target x86_64) is compared with aarch64."""
    os.mkdir(tree)
    write_tree(tree, {"probes.c": source}, [flag])
    src, exe = os.path.join(tree, "probes.c"), os.path.join(tree, "probes")
    x86 = run_on("x86_64", src, exe, [flag])
    char_names = {name for name, _, _ in CHAR_PROBES if not name.startswith("va_")}
    for target in targets:
        other = "aarch64" if target == "x86_64" else target
        out = run_on(other, src, exe, [flag])
        differ = {name for name in sites if x86[name] != out[name]}
        check(f"[{target} {flag}] no char probe differs", not differ & char_names, sorted(differ & char_names))
        grade_probes(check, "probes.c", sites, differ, scan(archport, tree, target), f"x86_64 and {other} {flag}")


def char_sign(arch):
    """"signed" or "unsigned": what the arch's compiler says plain char is."""
    p = run([ARCHES[arch][0], "-dM", "-E", "-x", "c", "-"], input="")
    if p.returncode:
        raise RuntimeError(f"{ARCHES[arch][0]} -dM -E failed: {p.stderr[:300]}")
    return "unsigned" if "#define __CHAR_UNSIGNED__ 1" in p.stdout else "signed"


def check_char_direction(check, file, warned, target, source):
    """Every plain char message says which arch has which sign (as the
    compilers define it), the target first."""
    want = f"plain char is {char_sign(target)} on {target} and {char_sign(source)} on {source}:"
    for f in warned:
        if f["file"] == file and "plain char" in f["message"]:
            check(f"{file}:{f['line']}: the message names the direction ({target} <- {source})",
                  f["message"].startswith(want), f["message"])
