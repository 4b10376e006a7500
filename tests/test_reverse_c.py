#!/usr/bin/env python3
"""The reverse port for C: `archport scan --target x86_64` on aarch64 code.

Every claim is checked against the host gcc (x86_64), the compiler that
would build the port:
  * each error archport reports in fixtures/aarch64-hyp and in a tree of
    single-construct files sits at a line where `gcc -c` reports an error
    (includes archport calls aarch64-only are blanked for this compile, so
    that the lines after them are judged too; implicit declarations count
    as errors, -Werror=implicit-function-declaration, as they fail the link);
  * each file gcc rejects has an error finding at one of gcc's lines;
  * code under `#ifdef __aarch64__ ... #else` is a c/gated-aarch64 note, not
    an error, and gcc compiles that file;
  * the -march= value archport reports in the Makefile is one gcc rejects;
  * a tree with no aarch64 code says so: an x86 tree "already targets
    x86_64", one whose x86 code is gated by architecture builds "its x86
    arms", a portable one "builds for x86_64 as it is";
  * the forward scan (--target aarch64) of the aarch64 tree reports no error.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "fixtures", "aarch64-hyp")
ENV = dict(os.environ, LC_ALL="C", LANG="C")
GCC_FLAGS = ["-O2", "-g", "-Wall", "-Werror=implicit-function-declaration", "-Iinclude",
             "-fdiagnostics-color=never"]
ERROR_RE = re.compile(r"^([^:\s]+):(\d+):(?:\d+:)? (?:fatal )?[Ee]rror: ", re.M)

# One construct per file, each at a known place (the reverse-port rules).
SNIPPETS = {
    "barrier.c": 'void mb(void) { __asm__ volatile("dmb ish" ::: "memory"); }\n',
    "sysreg.c": 'unsigned long el(void)\n{\n\tunsigned long v;\n'
                '\t__asm__ volatile("mrs %0, CurrentEL" : "=r"(v));\n\treturn v;\n}\n',
    "upper.c": 'void w(unsigned long v) { __asm__ volatile("msr HCR_EL2, %0" :: "r"(v)); }\n',
    "imm.c": 'long inc(long x)\n{\n\t__asm__("add %0, %0, #1" : "+r"(x));\n\treturn x;\n}\n',
    "wfi.c": 'void idle(void) { __asm__ volatile("wfi"); }\n',
    "simd.c": 'typedef unsigned char v16 __attribute__((vector_size(16)));\n'
              'v16 add(v16 a, v16 b)\n{\n\t__asm__("add %0.16b, %1.16b, %2.16b" : "=w"(a) : "w"(a), "w"(b));\n'
              '\treturn a;\n}\n',
    "arity.c": 'long sum(long a, long b)\n{\n\tlong r;\n\t__asm__("add %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));\n'
               '\treturn r;\n}\nlong shift(long a)\n{\n\t__asm__("lsl %0, %0, 3" : "+r"(a));\n\treturn a;\n}\n',
    "vmov.c": 'void copy(void)\n{\n\t__asm__ volatile("mov v0.16b, v1.16b" ::: "v0");\n}\n',
    "attr.c": '__attribute__((target("+crc"))) int f(void) { return 0; }\n'
              '__attribute__((target("arch=armv8.2-a+dotprod"))) int g(void) { return 0; }\n'
              '__attribute__((target("cpu=cortex-a72"))) int h(void) { return 0; }\n',
    "x86.c": 'long twice(long a)\n{\n\t__asm__("add %0, %0" : "+r"(a));\n\treturn a;\n}\n',
    "dsb.c": 'void sync(void)\n{\n\t__asm__ volatile("dsb sy" ::: "memory");\n}\n',
    "clobber.c": 'void c(void) { __asm__ volatile("" ::: "x19"); }\n',
    "acle.c": '#include <arm_acle.h>\nunsigned f(unsigned c, unsigned long d) { return __crc32cd(c, d); }\n',
    "sve.c": '#include <stdint.h>\nint lanes(void)\n{\n\tsvfloat32_t *p = 0;\n\treturn p != 0;\n}\n',
    "neon_call.c": 'int g(void)\n{\n\treturn (int)vaddvq_u8(0);\n}\n',
    "gated.c": '#ifdef __aarch64__\n#include <arm_neon.h>\nvoid y(void) { __asm__ volatile("yield"); }\n'
               '#else\nvoid y(void) { __asm__ volatile("pause"); }\n#endif\n',
    "vectors.S": '\t.text\n\t.global v\nv:\n\tmsr vbar_el2, x0\n\teret\n',
    "plain.c": 'int add(int a, int b) { return a + b; }\n',
}


def gcc_errors(tree, rel, blank):
    """{(file, line)} of gcc's errors compiling rel in tree, with the lines
    of `blank` ({file: {line}}) emptied first (in a copy)."""
    with tempfile.TemporaryDirectory(prefix="reverse-c-") as tmp:
        copy = os.path.join(tmp, "t")
        shutil.copytree(tree, copy)
        for f, lines in blank.items():
            path = os.path.join(copy, f)
            text = open(path).read().split("\n")
            for n in lines:
                text[n - 1] = ""
            open(path, "w").write("\n".join(text))
        obj = os.path.join(tmp, "out.o")
        p = subprocess.run(["gcc", *GCC_FLAGS, "-c", rel, "-o", obj], cwd=copy, env=ENV,
                           capture_output=True, text=True)
        return {(os.path.normpath(m.group(1)), int(m.group(2))) for m in ERROR_RE.finditer(p.stderr)}


def scan(archport, tree, target="x86_64"):
    p = subprocess.run([archport, "scan", "--target", target, "--format", "json", "--fail-on", "never", tree],
                       capture_output=True, text=True, timeout=300)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"findings": [], "summary": {}, "error": p.stderr[-300:]}


def compiler_view(tree, findings):
    """gcc's error lines over every C and .S file of tree, with the includes
    archport calls aarch64-only blanked."""
    blank = {}
    for f in findings:
        if f["rule"] == "c/header-arm" and f["severity"] == "error":
            blank.setdefault(f["file"], set()).add(f["line"])
    errors = set()
    for dirpath, _, files in os.walk(tree):
        for name in files:
            if name.endswith((".c", ".S")):
                rel = os.path.relpath(os.path.join(dirpath, name), tree)
                errors |= gcc_errors(tree, rel, blank)
    return errors, blank


def check_tree(check, label, tree, report):
    """archport's errors at gcc's lines, and a finding for every file gcc rejects."""
    findings = [f for f in report["findings"] if f["severity"] == "error" and not f["file"].endswith("Makefile")]
    errors, blank = compiler_view(tree, findings)
    for f in findings:
        where = (f["file"], f["line"])
        real = where in errors or f["line"] in blank.get(f["file"], ())
        check(f"{label}: {f['file']}:{f['line']} {f['rule']} is an error of gcc there", real,
              f"gcc's errors: {sorted(errors)}")
    for rel in sorted({e[0] for e in errors}):
        lines = {e[1] for e in errors if e[0] == rel}
        hit = [f for f in findings if f["file"] == rel and f["line"] in lines]
        check(f"{label}: gcc rejects {rel}; archport reports it at one of gcc's lines", bool(hit),
              f"gcc lines {sorted(lines)}, archport {[(f['line'], f['rule']) for f in findings if f['file'] == rel]}")
    return findings


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    archport = os.path.abspath(ap.parse_args().archport)
    results = []

    def check(name, ok, why=""):
        results.append(ok)
        print(f"ok - {name}" if ok else f"not ok - {name}: {why}")

    report = scan(archport, FIXTURE)
    findings = check_tree(check, "aarch64-hyp", FIXTURE, report)
    rules = {f["rule"] for f in findings}
    for rule in ("c/asm-aarch64", "c/header-arm", "c/intrinsic-arm", "asm/aarch64-file"):
        check(f"aarch64-hyp: {rule} reported", rule in rules, sorted(rules))

    cache = [f for f in report["findings"] if f["file"] == "src/cache.c"]
    check("aarch64-hyp: src/cache.c (#ifdef __aarch64__ ... #else) has only c/gated-aarch64 notes",
          cache and all(f["severity"] == "note" and f["rule"] == "c/gated-aarch64" for f in cache)
          and sorted(f["line"] for f in cache) == [8, 18], cache)
    check("aarch64-hyp: gcc compiles src/cache.c", not gcc_errors(FIXTURE, "src/cache.c", {}))

    march = [f for f in report["findings"] if f["file"] == "Makefile"]
    flags = [re.search(r"`([^`]+)`", f["message"]).group(1) for f in march]
    check("aarch64-hyp: the Makefile's -march= value is reported", flags == ["-march=armv8-a+crc"], flags)
    with tempfile.TemporaryDirectory(prefix="reverse-c-") as tmp:
        empty = os.path.join(tmp, "e.c")
        open(empty, "w").close()
        for flag in flags:
            p = subprocess.run(["gcc", flag, "-c", empty, "-o", os.path.join(tmp, "e.o")], env=ENV,
                               capture_output=True, text=True)
            check(f"gcc rejects {flag}", p.returncode != 0, p.stderr[:200])

        snippets = os.path.join(tmp, "snippets")
        os.mkdir(snippets)
        for name, text in SNIPPETS.items():
            with open(os.path.join(snippets, name), "w") as f:
                f.write(text)
        rep = scan(archport, snippets)
        found = check_tree(check, "snippets", snippets, rep)
        bad = sorted({f["file"] for f in found} & {"gated.c", "plain.c", "x86.c"})
        check("snippets: gated.c, plain.c and x86.c (x86 asm) have no error", not bad, bad)
        check("snippets: the aarch64 arm of gated.c is a note",
              [f["rule"] for f in rep["findings"] if f["file"] == "gated.c"] == ["c/gated-aarch64"],
              [(f["line"], f["rule"]) for f in rep["findings"] if f["file"] == "gated.c"])

        # gcc names no line for a bad pragma target ("cc1: error: attribute 'target'
        # argument '+sve' is unknown"): the file fails, archport reports the pragma
        pragma = os.path.join(tmp, "pragma")
        os.mkdir(pragma)
        with open(os.path.join(pragma, "p.c"), "w") as f:
            f.write('#pragma GCC target("+sve")\nint i(void) { return 0; }\n')
        p = subprocess.run(["gcc", "-c", "p.c", "-o", "p.o"], cwd=pragma, env=ENV, capture_output=True, text=True)
        found = [(f["line"], f["rule"]) for f in scan(archport, pragma)["findings"] if f["severity"] == "error"]
        check("#pragma GCC target(\"+sve\"): gcc fails, archport reports line 1",
              p.returncode != 0 and found == [(1, "c/target-attribute")], (p.stderr[:200], found))

        portable = os.path.join(tmp, "portable")
        os.mkdir(portable)
        shutil.copy(os.path.join(snippets, "plain.c"), portable)
        note = scan(archport, portable)["summary"].get("source_note", "")
        check("a portable tree: 'no aarch64 code found', builds as it is",
              "no aarch64 code found" in note and "as it is" in note, note)
    x86 = scan(archport, os.path.join(ROOT, "fixtures", "sync-x86"))
    note = x86["summary"].get("source_note", "")
    check("an x86 tree: 'no aarch64 code found', already targets x86_64",
          not x86["findings"] and "no aarch64 code found" in note and "already targets x86_64" in note, note)
    shim = scan(archport, os.path.join(ROOT, "fixtures", "portable-sse-shim"))
    note = shim["summary"].get("source_note", "")
    check("a tree whose x86 code is gated: 'no aarch64 code found', its x86 arms build",
          not shim["findings"] and "gated by architecture" in note, note)
    p = subprocess.run([archport, "scan", "--target", "x86_64", os.path.join(ROOT, "fixtures", "sync-x86")],
                       capture_output=True, text=True)
    check("the text report says it too, exit 0", p.returncode == 0 and "already targets x86_64" in p.stdout,
          p.stdout[-300:])
    check("the aarch64 tree has no source note", "source_note" not in report["summary"], report["summary"])

    forward = scan(archport, FIXTURE, "aarch64")
    errs = [(f["file"], f["line"], f["rule"]) for f in forward["findings"] if f["severity"] == "error"]
    check("scan --target aarch64 of the aarch64 tree reports no error", not errs, errs)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
