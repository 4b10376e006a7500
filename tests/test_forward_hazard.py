#!/usr/bin/env python3
"""Runtime hazards of the forward port (c/runtime-hazard, `--target aarch64`
and `--target riscv64`), graded by running the code on both architectures.

The probes of tests/graded_lib/hazard_probes.py (plain `char` comparisons,
arithmetic with constants, `&&`/`||` of them, subscripts, `case` labels,
`va_list` reuse after a by-value pass; each `int NAME(char c, char d)` called
for every pair of bytes), plus the forward port's long double probes (a
`sizeof(long double) == 16` test, an x87 80-bit view, `LDBL_MANT_DIG == 64`),
are built with the host gcc (x86_64, where plain char is signed) and with
aarch64-linux-gnu-gcc and riscv64-linux-gnu-gcc (run under qemu; plain char is
unsigned on both), and run.  For each target, archport scans the file with
`--target T --compile-commands DB`, and its c/runtime-hazard warnings must sit
exactly on the site lines of the probes whose output differs between x86_64
and T, none on the others; every plain char message must name the sign each
arch has (as `gcc -dM -E` defines `__CHAR_UNSIGNED__`), target first.  A file
with an arm per long double format has no warning.

The same probes are graded again with `-funsigned-char` and with
`-fsigned-char` in the compile database and on both compilers' command lines:
the build then gives plain char one sign on both arches, the char probes
behave the same, and only the va_list and long double probes may warn.

    python3 tests/test_forward_hazard.py [--archport bin/archport]
                                         [--targets aarch64,riscv64] [-v]

Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graded_lib.hazard_probes import (ARCHES, CHAR_PROBES, PORTED, check_char_direction, flag_case,  # noqa: E402
                                      grade_probes, probe_source, run_on, scan, write_tree)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The forward port's long double probes: 1.0L read through an x87 view.
PROBES = CHAR_PROBES + [
    ("ld_size", ["static int ld_size(char c, char d) { union { long double f; uint64_t w[2]; } u; (void)c; (void)d; "
                 "memset(&u, 0, sizeof u); u.f = 1.0L; return sizeof(long double) == 16 ? (int)(u.w[1] & 0xffff) : -1; }"],
     0),
    ("ld_x87", ["static int ld_x87(char c, char d) { union { long double f; struct { uint64_t m; uint16_t se; } x; } u; "
                "(void)c; (void)d; memset(&u, 0, sizeof u); u.f = 1.0L; return u.x.se & 0x7fff; }"], 0),
    ("ld_mant", ["#if LDBL_MANT_DIG == 64",
                 "static int ld_mant(char c, char d) { (void)c; (void)d; return 64; }",
                 "#else",
                 "static int ld_mant(char c, char d) { (void)c; (void)d; return 0; }",
                 "#endif"], 0),
    # the same on both: the bytes are copied, not read as a format
    ("ld_bytes", ["static int ld_bytes(char c, char d) { union { long double f; unsigned char b[16]; } u; (void)c; "
                  "(void)d; memset(&u, 0, sizeof u); u.f = 1.0L; return sizeof u.b; }"], 0),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    ap.add_argument("--targets", default="aarch64,riscv64")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    targets = [t for t in args.targets.split(",") if t]
    results = []

    def check(name, ok, why=""):
        results.append(ok)
        print(f"ok - {name}" if ok else f"not ok - {name}: {why}")

    for arch in ["x86_64", *targets]:
        cc, runner = ARCHES[arch]
        for tool in [cc, *runner[:1]]:
            if not shutil.which(tool):
                print(f"not ok - {tool} is missing")
                return 1
    with tempfile.TemporaryDirectory(prefix="forward-hazard-") as tmp:
        tree = os.path.join(tmp, "t")
        os.mkdir(tree)
        source, sites = probe_source(PROBES)
        write_tree(tree, {"probes.c": source, "ported.c": PORTED})
        exe = os.path.join(tmp, "probes")
        x86 = run_on("x86_64", os.path.join(tree, "probes.c"), exe)
        for target in targets:
            out = run_on(target, os.path.join(tree, "probes.c"), exe)
            differ = {name for name in sites if x86[name] != out[name]}
            if args.verbose:
                print(f"# [{target}] probes whose output differs: {sorted(differ)}")
            check(f"[{target}] the probes cover both outcomes", 0 < len(differ) < len(sites), sorted(differ))
            warned = scan(archport, tree, target)
            grade_probes(check, "probes.c", sites, differ, warned, f"x86_64 and {target}")
            check_char_direction(check, "probes.c", warned, target, "x86_64")
            ported = [(f["line"], f["message"][:80]) for f in warned if f["file"] == "ported.c"]
            check(f"[{target}] ported.c (an arm per long double format): no warning", not ported, ported)
        for flag in ("-funsigned-char", "-fsigned-char"):
            flag_case(check, archport, os.path.join(tmp, flag.lstrip("-")), source, sites, targets, flag)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
