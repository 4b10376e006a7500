#!/usr/bin/env python3
"""archport stub, graded by the compilers.

For every fixture that does not build for a target, on a scratch copy:
  1. `archport stub` prints a patch; `patch -p1` applies it; `stub --write`
     on a second copy gives the same files (the two outputs agree);
  2. the x86_64 objects built with -O2 -g before and after the patch are
     byte-identical (the patch must not change the x86 build);
  3. the patched tree builds for the target (`make CC=<triple>-gcc all`);
  4. its test program runs under QEMU user mode. A fixture whose test goes
     through a stubbed path (a trap, or CPUID reporting nothing, by design)
     is listed in STUBBED_PATHS with the reason, and must then fail (on the
     trap when it dies of a signal), not pass.
Also: every row of rules/idioms.tsv assembles with each target's gcc.
meson (fixtures/meson-flags, and a meson.build of awkward constructs): the
patched meson.build configures, the x86_64 objects built by meson/ninja are
byte-identical and every target's x86 compile parameters are unchanged
(`meson introspect`), and the cross build (a cross file written here) makes
no x86 option, builds and passes `meson test` under QEMU.
Types that hold x86 vector types (a struct with a __m128i member, a
typedef union with __m512i, a typedef of __m128i in an #if chain with arms
only for x86): on the target their twins, with placeholders, have the
x86_64 sizes, alignments and member offsets.
x86 target pragmas and attributes, in every spelling: the x86_64 objects
are identical, the target build passes with -Werror and the code runs.
arch/$(ARCH) layouts (fixtures/arch-dir): the patch creates the target's
directory from /dev/null (`git apply` takes it too), its objects define the
same global functions as the x86 ones, and no twin is made when the tree
has the target's directory or a generic fallback.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIPLES = {"aarch64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu"}
# Fixtures whose own test calls code that only exists as a trap on the
# target; the test run must then stop on the trap.
STUBBED_PATHS = {
    "bitpack-sse": "packing and unpacking are SSE2 code; their twins trap",
    "coro-x86": "the context switch is x86 assembly; its aarch64 twin traps",
    "portio-x86": "port I/O has no aarch64 equivalent; the twin traps",
    "fenv-lite": "the x87/SSE control-word functions are stubbed to trap",
    "simd-kernel": "the SSE2 kernel is gated; its twin traps (use --simde to run it)",
    "timing-x86": "CPUID is stubbed to report nothing, and the test wants a CPU vendor",
    "arch-dir": "src/arch/<target>/ is a created twin whose functions trap",
    "simde-port": "vsum_first's non-x86 arm calls SSE3's _mm_lddqu_si128, which <simde/x86/sse2.h> lacks: its twin traps",
}
ENV = dict(os.environ, LC_ALL="C")


def run(cmd, cwd, env=None):
    return subprocess.run(cmd, cwd=cwd, env=env or ENV, capture_output=True, text=True)


def objects(tree):
    """Relative path -> absolute path of every .o under tree."""
    found = {}
    for dirpath, _, files in os.walk(tree):
        for f in files:
            if f.endswith(".o"):
                p = os.path.join(dirpath, f)
                found[os.path.relpath(p, tree)] = p
    return found


def tree_files(tree):
    return [os.path.relpath(os.path.join(d, f), tree) for d, _, files in os.walk(tree) for f in files]


def host_build(tree, stash):
    """Builds tree with the host gcc and moves its objects to stash."""
    r = run(["make", "-k", "CC=gcc", "all"], tree)
    if r.returncode != 0:
        return "host build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    os.makedirs(stash, exist_ok=True)
    for rel, path in objects(tree).items():
        dest = os.path.join(stash, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(path, dest)
    run(["make", "clean"], tree)
    for rel, path in objects(tree).items():
        os.remove(path)
    return None


def compare_objects(before, after):
    a, b = objects(before), objects(after)
    if not a:
        return "no objects were built"
    if set(a) != set(b):
        return "object sets differ: %s" % sorted(set(a) ^ set(b))
    differ = [rel for rel in sorted(a) if not filecmp.cmp(a[rel], b[rel], shallow=False)]
    return ("differ: " + ", ".join(differ)) if differ else None


def test_programs(tree):
    progs = []
    for f in sorted(os.listdir(tree)):
        p = os.path.join(tree, f)
        if f.startswith("test_") and os.access(p, os.X_OK) and not os.path.isdir(p) and "." not in f:
            progs.append(p)
    return progs


def check_fixture(archport, name, target, work):
    """Returns None when every step holds, else the reason."""
    src = os.path.join(ROOT, "fixtures", name)
    tree = os.path.join(work, "tree")
    shutil.copytree(src, tree, symlinks=True)
    # the unpatched x86 build, at the same path as the patched one (DWARF
    # records the directory)
    err = host_build(tree, os.path.join(work, "before"))
    if err:
        return err
    p = run([archport, "stub", "--target", target, "."], tree)
    if p.returncode != 0:
        return "stub failed: " + p.stderr.strip()
    if not p.stdout:
        return "stub printed an empty patch for a tree that does not build"
    a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                       capture_output=True)
    if a.returncode != 0:
        return "patch -p1 failed: " + (a.stdout + a.stderr).strip()[:300]
    written = os.path.join(work, "written")
    shutil.copytree(src, written, symlinks=True)
    w = run([archport, "stub", "--target", target, "--write", "."], written)
    if w.returncode != 0:
        return "stub --write failed: " + w.stderr.strip()
    for dirpath, _, files in os.walk(written):
        for f in files:
            rel = os.path.relpath(os.path.join(dirpath, f), written)
            if not filecmp.cmp(os.path.join(written, rel), os.path.join(tree, rel), shallow=False):
                return "stub --write and the applied patch differ in " + rel
    made = set(tree_files(tree)) - set(tree_files(written))   # new files the patch makes
    if made:
        return "stub --write did not create %s" % sorted(made)
    err = host_build(tree, os.path.join(work, "after"))
    if err:
        return "after the patch, " + err
    err = compare_objects(os.path.join(work, "before"), os.path.join(work, "after"))
    if err:
        return "x86_64 objects changed: " + err
    triple = TRIPLES[target]
    b = run(["make", "-k", "CC=%s-gcc" % triple, "all"], tree)
    if b.returncode != 0:
        errors = [l for l in (b.stdout + b.stderr).splitlines() if "error" in l.lower()]
        return "%s build failed: %s" % (target, (errors or ["?"])[0])
    progs = test_programs(tree)
    if not progs:
        return "no test program was built"
    for prog in progs:
        t = run(["qemu-%s" % target, "-L", "/usr/" + triple, prog], tree)
        stubbed = STUBBED_PATHS.get(name)
        if stubbed:
            if t.returncode == 0:
                return "%s passed, but it runs a stubbed path (%s)" % (os.path.basename(prog), stubbed)
            if t.returncode < 0 and t.returncode not in (-5, -4):
                return "%s died of signal %d, not a trap" % (os.path.basename(prog), -t.returncode)
        elif t.returncode != 0:
            return "%s failed under qemu (%d): %s" % (os.path.basename(prog), t.returncode,
                                                     (t.stdout + t.stderr).strip()[-200:])
    return None


def check_idioms(target):
    """Each idiom of rules/idioms.tsv assembles for the target."""
    rows = []
    with open(os.path.join(ROOT, "rules", "idioms.tsv")) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    header = lines[0].split("\t")
    for l in lines[1:]:
        rows.append(dict(zip(header, l.split("\t"))))
    body = []
    for i, r in enumerate(rows):
        tmpl = r[target]
        if r["operands"] == "none":
            body.append('void f%d(void) { __asm__ volatile("%s"); }' % (i, tmpl))
        elif r["operands"] == "counter":
            body.append('unsigned long long f%d(void) { unsigned long long t; __asm__ volatile("%s" : "=r"(t)); return t; }'
                        % (i, tmpl))
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "idioms.c")
        with open(src, "w") as f:
            f.write("\n".join(body) + "\n")
        r = run(["%s-gcc" % TRIPLES[target], "-O2", "-c", src, "-o", os.path.join(d, "idioms.o")], d)
        return None if r.returncode == 0 else r.stderr.strip()[:400]


def check_simde(archport, target, work):
    """--simde: the SSE2 kernel itself runs on the target, through SIMDe,
    and its test prints the same as on x86_64."""
    src = os.path.join(ROOT, "fixtures", "simd-kernel")
    outputs = {}
    for arch in ("x86_64", target):
        tree = os.path.join(work, arch)
        shutil.copytree(src, tree, symlinks=True)
        w = run([archport, "stub", "--simde", "--target", target, "--write", "."], tree)
        if w.returncode != 0:
            return "stub --simde failed: " + w.stderr.strip()
        cc = "gcc" if arch == "x86_64" else "%s-gcc" % TRIPLES[target]
        b = run(["make", "CC=" + cc, "all"], tree)
        if b.returncode != 0:
            return "%s build failed: %s" % (arch, (b.stdout + b.stderr).strip()[-300:])
        cmd = ["./test_simd_kernel"] if arch == "x86_64" else \
            ["qemu-%s" % target, "-L", "/usr/" + TRIPLES[target], "./test_simd_kernel"]
        t = run(cmd, tree)
        if t.returncode != 0:
            return "%s test failed: %s" % (arch, (t.stdout + t.stderr).strip()[-200:])
        outputs[arch] = t.stdout
    if outputs["x86_64"] != outputs[target]:
        return "outputs differ: %r vs %r" % (outputs["x86_64"], outputs[target])
    return None


def cross_file(target, path):
    """A meson cross file for the target, running tests under QEMU."""
    triple = TRIPLES[target]
    with open(path, "w") as f:
        f.write("[binaries]\nc = '%s-gcc'\nar = '%s-ar'\nstrip = '%s-strip'\n"
                "exe_wrapper = ['qemu-%s', '-L', '/usr/%s']\n\n"
                "[host_machine]\nsystem = 'linux'\ncpu_family = '%s'\ncpu = '%s'\nendian = 'little'\n"
                % (triple, triple, triple, target, triple, target, target))
    return path


def meson_params(tree, build, *setup):
    """{target: its sources' compile parameters} of a fresh `meson setup`
    of tree in the directory build (outside the tree, which archport
    scans), or the error text."""
    shutil.rmtree(build, ignore_errors=True)
    r = run(["meson", "setup", *setup, build], tree)
    if r.returncode != 0:
        return "meson setup %s failed: %s" % (" ".join(setup), (r.stdout + r.stderr).strip()[-400:])
    r = run(["meson", "introspect", build, "--targets"], tree)
    if r.returncode != 0:
        return "meson introspect failed: " + r.stderr.strip()[-200:]
    return {t["name"]: [p for src in t["target_sources"] for p in src.get("parameters", [])]
            for t in json.loads(r.stdout)}


def x86_options(params):
    """The x86 options the scanner reports, in meson's compile parameters."""
    return sorted({p for ps in params.values() for p in ps
                   if p.startswith(("-msse", "-mpopcnt", "-mavx", "-march=x86", "-mtune=nehalem", "-mfpmath"))})


def meson_objects(tree, build, stash):
    """ninja in build; its objects are copied to stash."""
    r = run(["ninja", "-C", build], tree)
    if r.returncode != 0:
        return "ninja failed: " + (r.stdout + r.stderr).strip()[-300:]
    for rel, path in objects(build).items():
        dest = os.path.join(stash, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(path, dest)
    return None


def apply_stub(archport, target, tree):
    p = run([archport, "stub", "--target", target, "."], tree)
    if p.returncode != 0 or not p.stdout:
        return None, "stub failed or printed nothing: " + p.stderr.strip()
    a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                       capture_output=True)
    if a.returncode != 0:
        return None, "patch -p1 failed: " + (a.stdout + a.stderr).strip()[:300]
    return p.stdout, None


def check_meson(archport, target, work):
    """fixtures/meson-flags built by meson: before the patch the cross build
    fails on the x86 options; after it the x86_64 objects (debugoptimized:
    -O2 -g) are identical, and the cross build runs its test under QEMU."""
    tree = os.path.join(work, "tree")
    shutil.copytree(os.path.join(ROOT, "fixtures", "meson-flags"), tree, symlinks=True)
    cross = cross_file(target, os.path.join(work, "cross.ini"))
    build, xbuild = os.path.join(work, "build"), os.path.join(work, "xbuild")
    before = meson_params(tree, build, "--buildtype=debugoptimized")
    if isinstance(before, str):
        return before
    err = meson_objects(tree, build, os.path.join(work, "before"))
    if err:
        return "before the patch, " + err
    xb = meson_params(tree, xbuild, "--cross-file", cross)
    if isinstance(xb, str) or run(["ninja", "-C", xbuild], tree).returncode == 0:
        return "the unpatched tree should configure and then fail to build for %s" % target
    _, err = apply_stub(archport, target, tree)
    if err:
        return err
    after = meson_params(tree, build, "--buildtype=debugoptimized")
    if isinstance(after, str):
        return "after the patch, " + after
    if after != before:
        return "x86_64 compile parameters changed: %r -> %r" % (before, after)
    err = meson_objects(tree, build, os.path.join(work, "after")) or \
        compare_objects(os.path.join(work, "before"), os.path.join(work, "after"))
    if err:
        return "x86_64 objects: " + err
    xb = meson_params(tree, xbuild, "--cross-file", cross)
    if isinstance(xb, str):
        return xb
    if x86_options(xb):
        return "the %s build still passes %s" % (target, x86_options(xb))
    r = run(["ninja", "-C", xbuild], tree)
    if r.returncode != 0:
        return "%s build failed: %s" % (target, (r.stdout + r.stderr).strip()[-300:])
    t = run(["meson", "test", "-C", xbuild, "--print-errorlogs"], tree)
    if t.returncode != 0:
        return "meson test under qemu-%s failed: %s" % (target, (t.stdout + t.stderr).strip()[-300:])
    return None


MESON_EDGE = """project('edge', 'c')
cc = meson.get_compiler('c')
flags = ['-O2', '-msse4.2', '-DX=1', '-mpopcnt']
if cc.has_argument('-mavx2')
  flags += ['-DHAVE_AVX2']
endif
n = ['-msse4.2', '-Wall'].length()
add_project_arguments('-DN=@0@'.format(n), language: 'c')
lib = static_library('e', 'e.c', c_args: flags + ['-march=x86-64-v2'])
exe_args = [
  '-mpopcnt', '-DY',
  '-msse4.2'
]
executable('m', 'm.c', link_with: lib, c_args: exe_args + ['-mfpmath=sse'])
"""


def check_meson_edge(archport, target, work):
    """Awkward meson: options in a variable, a multi-line array with and
    without a trailing comma, a method called on an array literal, a
    has_argument() probe (left alone). Same x86 parameters, none on the
    target, and the target build links."""
    tree = os.path.join(work, "edge")
    os.makedirs(tree)
    for name, text in (("meson.build", MESON_EDGE), ("e.c", "int e(void) { return N; }\n"),
                       ("m.c", "int e(void);\nint main(void) { return e() - N; }\n")):
        with open(os.path.join(tree, name), "w") as f:
            f.write(text)
    build, xbuild = os.path.join(work, "build"), os.path.join(work, "xbuild")
    before = meson_params(tree, build)
    if isinstance(before, str):
        return before
    _, err = apply_stub(archport, target, tree)
    if err:
        return err
    if "has_argument('-mavx2')" not in open(os.path.join(tree, "meson.build")).read():
        return "the has_argument() probe was rewritten"
    after = meson_params(tree, build)
    if isinstance(after, str):
        return "after the patch, " + after
    if after != before:
        return "x86_64 compile parameters changed: %r -> %r" % (before, after)
    xb = meson_params(tree, xbuild, "--cross-file", cross_file(target, os.path.join(work, "cross.ini")))
    if isinstance(xb, str):
        return xb
    if x86_options(xb):
        return "the %s build still passes %s" % (target, x86_options(xb))
    r = run(["ninja", "-C", xbuild], tree)
    return None if r.returncode == 0 else "%s build failed: %s" % (target, (r.stdout + r.stderr)[-300:])


def defined_functions(obj, nm="nm"):
    r = run([nm, "--defined-only", obj], os.path.dirname(obj))
    return sorted(l.split()[2] for l in r.stdout.splitlines() if len(l.split()) == 3 and l.split()[1] == "T")


def check_arch_dir(archport, target, work):
    """fixtures/arch-dir: the patch creates src/arch/<target>/ from
    /dev/null and touches nothing else; git apply takes it; the twin
    object defines the x86 object's global functions; a tree that has the
    target's directory, or a generic fallback, gets no twin."""
    src = os.path.join(ROOT, "fixtures", "arch-dir")
    tree = os.path.join(work, "tree")
    shutil.copytree(src, tree, symlinks=True)
    p = run([archport, "stub", "--target", target, "."], tree)
    if p.returncode != 0:
        return "stub failed: " + p.stderr.strip()
    twin = "src/arch/%s" % target
    heads = [l for l in p.stdout.splitlines() if l.startswith(("--- ", "+++ "))]
    want = ["--- /dev/null", "+++ b/%s/cpu.c" % twin, "--- /dev/null", "+++ b/%s/cpu.h" % twin]
    if heads != want:
        return "the patch should only create %s/cpu.c and cpu.h: %s" % (twin, heads)
    run(["git", "init", "-q"], tree)
    g = subprocess.run(["git", "apply", "--check", "-"], cwd=tree, input=p.stdout, text=True, capture_output=True)
    if g.returncode != 0:
        return "git apply --check: " + g.stderr.strip()[:300]
    header = "\n".join(l[1:] for l in p.stdout.splitlines() if l.startswith("+") and not l.startswith("+++"))
    for decl in ("#ifndef HW_ARCH_CPU_H", "#define HW_ARCH_CPU_H", "struct arch_cpu_id {",
                 "typedef uint64_t arch_ticks_t;", "void arch_cpu_identify(struct arch_cpu_id *id);",
                 "arch_ticks_t arch_ticks(void);", "#define ARCH_CACHE_LINE 64"):
        if decl not in header:
            return "the twin lacks `%s`" % decl
    x86_obj, twin_obj = os.path.join(work, "x86.o"), os.path.join(work, "twin.o")
    for cc, cpu_dir, out in (("gcc", "src/arch/x86_64", x86_obj),
                             ("%s-gcc" % TRIPLES[target], None, twin_obj)):
        if cpu_dir is None:
            if subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                              capture_output=True).returncode != 0:
                return "patch -p1 failed"
            cpu_dir = twin
        c = run([cc, "-O2", "-Wall", "-Wextra", "-Werror", "-I" + cpu_dir, "-c", cpu_dir + "/cpu.c", "-o", out], tree)
        if c.returncode != 0:
            return "%s %s/cpu.c: %s" % (cc, cpu_dir, c.stderr.strip()[:300])
    x86_fns, twin_fns = defined_functions(x86_obj), defined_functions(twin_obj, "%s-nm" % TRIPLES[target])
    if x86_fns != twin_fns:
        return "global functions differ: x86 %s, %s %s" % (x86_fns, target, twin_fns)
    for sibling in ("arm64" if target == "aarch64" else "riscv", "generic"):
        other = os.path.join(work, sibling)
        shutil.copytree(src, other, symlinks=True)
        os.makedirs(os.path.join(other, "src", "arch", sibling))
        with open(os.path.join(other, "src", "arch", sibling, "cpu.c"), "w") as f:
            f.write("/* placeholder */\n")
        q = run([archport, "stub", "--target", target, "."], other)
        if q.returncode != 0 or "/dev/null" in q.stdout:
            return "with src/arch/%s/ present the patch still creates files (exit %d)" % (sibling, q.returncode)
    return None


LAYOUT_HEADER = """#ifndef LAYOUT_H
#define LAYOUT_H
#include <stdint.h>
#include <immintrin.h>

struct lanes {
    char tag;
    __m128i lo;
    __m256d wide;
    __m128_u unaligned;
    __mmask16 mask;
};

typedef union {
    __m512i v;
    uint8_t b[64];
} block_t;

typedef struct _ring_t {
    uint32_t head;
    __m64 last;
    block_t slots[3];
} ring_t;

#if defined(__x86_64__)
typedef __m128i lane_t;
#elif defined(__i386__)
typedef __m64 lane_t;
#endif
#endif
"""

LAYOUT_TEST = """#include <stddef.h>
#include <stdio.h>
#include "layout.h"

/* alignment as a member, which layouts use (x86's C11 _Alignof says 16
 * for types that hold a __m512i) */
#define SHOW(T) printf("%s %zu %zu\\n", #T, sizeof(T), offsetof(struct { char c; T m; }, m))
#define AT(T, m) printf("%s.%s %zu\\n", #T, #m, offsetof(T, m))

int main(void)
{
    SHOW(struct lanes);
    AT(struct lanes, lo);
    AT(struct lanes, wide);
    AT(struct lanes, unaligned);
    AT(struct lanes, mask);
    SHOW(block_t);
    SHOW(ring_t);
    AT(ring_t, last);
    AT(ring_t, slots);
    SHOW(lane_t);
    return 0;
}
"""


def check_placeholder_layout(archport, target, work):
    """Types with x86 vector members keep their x86_64 size, alignment and
    member offsets on the target: the stub's placeholders take their layout
    from rules/x86/types.tsv, and the compilers check it."""
    tree = os.path.join(work, "layout")
    os.makedirs(tree)
    for name, text in (("layout.h", LAYOUT_HEADER), ("test_layout.c", LAYOUT_TEST)):
        with open(os.path.join(tree, name), "w") as f:
            f.write(text)
    host = os.path.join(work, "host")
    b = run(["gcc", "-O2", "-o", host, "test_layout.c"], tree)
    if b.returncode != 0:
        return "host build failed: " + b.stderr.strip()[:300]
    want = run([host], tree).stdout
    w = run([archport, "stub", "--target", target, "--write", "."], tree)
    if w.returncode != 0:
        return "stub --write failed: " + w.stderr.strip()
    triple = TRIPLES[target]
    prog = os.path.join(work, "target")
    b = run(["%s-gcc" % triple, "-O2", "-Wall", "-Werror", "-o", prog, "test_layout.c"], tree)
    if b.returncode != 0:
        return "%s build failed: %s" % (target, b.stderr.strip()[:300])
    got = run(["qemu-%s" % target, "-L", "/usr/" + triple, prog], tree).stdout
    if got != want:
        return "layouts differ: x86_64 %r, %s %r" % (want, target, got)
    return None


TARGET_FILES = (
    ("sum.h", """#ifndef SUM_H
#define SUM_H
/* what each kernel is built for, as a pragma a macro can carry */
#define SUM_FOR_AVX2 _Pragma("GCC target(\\"avx2\\")")

int sum_popcnt(unsigned x);
int sum_avx2(const int *v, int n) __attribute__((target("avx2")));
__attribute__((__target__("sse4.2"))) int sum_sse42(const int *v, int n);
int sum_clones(const int *v, int n);
int sum_macro(const int *v, int n);
#endif
"""),
    ("sum.c", """#include "sum.h"

#pragma GCC push_options
#pragma GCC target "popcnt"
int sum_popcnt(unsigned x)
{
    return __builtin_popcount(x);
}
#pragma GCC pop_options

_Pragma("GCC push_options")
_Pragma("GCC target(\\"avx2\\")")
int sum_avx2(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}
_Pragma("GCC pop_options")

__attribute__((__target__("sse4.2")))
int sum_sse42(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

__attribute__((target_clones("avx2", "default")))
int sum_clones(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

#pragma GCC push_options
SUM_FOR_AVX2
int sum_macro(const int *v, int n)
{
    return n ? v[0] + sum_macro(v + 1, n - 1) : 0;
}
#pragma GCC pop_options
"""),
    ("main.c", """#include "sum.h"

int main(void)
{
    int v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    return sum_popcnt(0xf0u) != 4 || sum_avx2(v, 10) != 55 || sum_sse42(v, 10) != 55 ||
           sum_clones(v, 10) != 55 || sum_macro(v, 10) != 55;
}
"""),
)


def check_target_pragmas(archport, target, work):
    """x86 target pragmas and attributes in every spelling (#pragma GCC
    target with and without parentheses, _Pragma, in a macro, target,
    __target__ and target_clones attributes on prototypes and definitions):
    after the stub the x86_64 objects are identical, the target compiler
    accepts the tree with -Werror (riscv64 only warns about them), and the
    functions, whose only x86 code was the attribute, run."""
    tree = os.path.join(work, "pragmas")
    os.makedirs(tree)
    for name, text in TARGET_FILES:
        with open(os.path.join(tree, name), "w") as f:
            f.write(text)
    objs = {}
    for stage in ("before", "after"):
        if stage == "after":
            w = run([archport, "stub", "--target", target, "--write", "."], tree)
            if w.returncode != 0:
                return "stub --write failed: " + w.stderr.strip()
        for src in ("sum.c", "main.c"):
            out = os.path.join(work, "%s.%s.o" % (src, stage))
            b = run(["gcc", "-O2", "-g", "-c", src, "-o", out], tree)
            if b.returncode != 0:
                return "host build %s failed: %s" % (stage, b.stderr.strip()[:300])
            objs.setdefault(src, []).append(out)
    changed = [src for src, (a, b) in objs.items() if not filecmp.cmp(a, b, shallow=False)]
    if changed:
        return "x86_64 objects changed: " + ", ".join(changed)
    triple = TRIPLES[target]
    prog = os.path.join(work, "sums")
    b = run(["%s-gcc" % triple, "-O2", "-Wall", "-Werror", "-o", prog, "sum.c", "main.c"], tree)
    if b.returncode != 0:
        return "%s build failed: %s" % (target, b.stderr.strip()[:400])
    t = run(["qemu-%s" % target, "-L", "/usr/" + triple, prog], tree)
    return None if t.returncode == 0 else "the sums are wrong on %s (%d)" % (target, t.returncode)


EXTRA_CHECKS = (
    ("meson-flags", "meson-flags meson/ninja", check_meson),
    ("meson-flags", "meson.build edge cases", check_meson_edge),
    ("arch-dir", "arch-dir twin directory", check_arch_dir),
    ("bloom-avx2", "x86 vector members keep their layout", check_placeholder_layout),
    ("bloom-avx2", "x86 target pragmas and attributes", check_target_pragmas),
)


# Fixtures whose x86 code only the real build reveals: the open-loop stub
# cannot fix them, `archport port` does (tests/test_port.py).
NEEDS_BUILD_LOOP = {
    "sched-lite": "-march=native under a user variable, and a variable only the x86 #if arms define",
}


def x86_fixtures():
    return sorted(n for n in os.listdir(os.path.join(ROOT, "fixtures"))
                  if not n.startswith(("portable-", "aarch64-")) and n not in NEEDS_BUILD_LOOP
                  and os.path.exists(os.path.join(ROOT, "fixtures", n, "Makefile")))


def check_left(archport, target, work):
    """stub lists the errors no rule fixes, and only those: a function that
    shares its line with another declaration cannot be gated by lines, so
    it stays, and the target compiler must agree that the patched file
    still fails; a tree it fixes whole gets no such list."""
    tree = os.path.join(work, "left")
    os.makedirs(tree)
    with open(os.path.join(tree, "spin.c"), "w") as f:
        f.write('int spin(void) { __asm__ volatile("pause"); return 0; } int spins;\n'
                'void fence(void) { __asm__ volatile("mfence" ::: "memory"); }\n')
    p = run([archport, "stub", "--target", target, "."], tree)
    if p.returncode != 0:
        return "stub failed: " + p.stderr.strip()
    listed = [l.strip() for l in p.stderr.splitlines() if l.startswith("  ")]
    if "1 error left" not in p.stderr or len(listed) != 1 or not listed[0].startswith("spin.c:1:"):
        return "stub did not list spin.c:1 alone as left: " + p.stderr.strip()[:300]
    a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=p.stdout, text=True,
                       capture_output=True)
    c = run([TRIPLES[target] + "-gcc", "-O2", "-c", "spin.c", "-o", "spin.o"], tree)
    if a.returncode != 0 or c.returncode == 0:
        return "the target compiler accepts what stub says is left"
    whole = os.path.join(work, "timing-x86")
    shutil.copytree(os.path.join(ROOT, "fixtures", "timing-x86"), whole)
    for args in (["."], ["--write", "."]):
        q = run([archport, "stub", "--target", target, *args], whole)
        if q.returncode != 0 or "left that no rule fixes" in q.stderr:
            return "stub %s lists errors as left in a tree it fixes whole: %s" % (" ".join(args), q.stderr[:300])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    ap.add_argument("--targets", default="aarch64,riscv64")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    passed = failed = 0
    for target in args.targets.split(","):
        with tempfile.TemporaryDirectory(prefix="archport-left-") as work:
            err = check_left(archport, target, work)
        print(("ok - stub lists what it leaves, as the compiler does [%s]" % target) if not err else
              "not ok - stub lists what it leaves [%s]: %s" % (target, err))
        passed, failed = passed + (not err), failed + bool(err)
        err = check_idioms(target)
        print(("ok - idioms assemble for %s" % target) if not err else "not ok - idioms for %s: %s" % (target, err))
        passed, failed = passed + (not err), failed + bool(err)
        with tempfile.TemporaryDirectory(prefix="archport-simde-") as work:
            err = check_simde(archport, target, work)
        print(("ok - simd-kernel --simde [%s]" % target) if not err else
              "not ok - simd-kernel --simde [%s]: %s" % (target, err))
        passed, failed = passed + (not err), failed + bool(err)
        for name in x86_fixtures():
            if args.only and name not in args.only.split(","):
                continue
            with tempfile.TemporaryDirectory(prefix="archport-stub-") as work:
                err = check_fixture(archport, name, target, work)
            label = "%s [%s]" % (name, target)
            print(("ok - " + label) if not err else "not ok - %s: %s" % (label, err))
            passed, failed = passed + (not err), failed + bool(err)
        for fixture, what, check in EXTRA_CHECKS:
            if args.only and fixture not in args.only.split(","):
                continue
            label = "%s [%s]" % (what, target)
            if "meson" in what and not (shutil.which("meson") and shutil.which("ninja")):
                print("ok - %s # SKIP meson or ninja is not installed" % label)
                continue
            with tempfile.TemporaryDirectory(prefix="archport-stub-") as work:
                err = check(archport, target, work)
            print(("ok - " + label) if not err else "not ok - %s: %s" % (label, err))
            passed, failed = passed + (not err), failed + bool(err)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
