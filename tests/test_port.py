#!/usr/bin/env python3
"""archport port (the stub with the target build in the loop), graded by the
compilers.

For each tree that needs the loop (fixtures listed in PORT_FIXTURES, and a
tree made here whose build generates the header that selects x86 code,
which no reading of the sources can see) and each target:
  1. the tree's own target build fails before any patch;
  2. `archport port -o PATCH` exits 0, prints a progress line per round, and
     leaves the tree it was given byte for byte as it was;
  3. the patch applies with `patch -p1`; the x86_64 objects built with
     -O2 -g before and after it are byte-identical (built here, not taken
     from port's word);
  4. the patched tree builds and links for the target, and its test program
     runs under QEMU user mode; `archport scan` of it reports no error (the
     build variables the stub wrote are not x86 flags).
The open-loop `archport stub` patch is built too and its result printed, so
the log shows what the loop added; for the generated-header tree it must
fail (the stub cannot know the header).
A Rust crate with x86 asm the scan misses is ported through cargo the same
way, graded by /usr/bin/rustc --emit=obj (x86_64 object identical, aarch64
code generation clean after the patch).
Also: `--rounds 1` stops after one round with exit 1 and lists what is left
with file:line and the compiler's message; a tree that needs a library the
target's sysroot lacks ends with exit 1 and the linker's message.
Prints `ok - ...` / `not ok - ...` and `N passed, M failed` last.
"""
import argparse
import filecmp
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRIPLES = {"aarch64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu"}
# Fixtures whose x86 code only the real build reveals (a flag under a user
# variable, a variable the x86 #if arms define for a function the stub
# does not gate): tests/test_stub.py leaves them to this test.
from test_stub import NEEDS_BUILD_LOOP  # noqa: E402  (one list)
PORT_FIXTURES = sorted(NEEDS_BUILD_LOOP)
ENV = {k: v for k, v in os.environ.items() if k not in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS")}
ENV["LC_ALL"] = "C"


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, errors="replace", **kw)


def digest(tree):
    """Every file's path, mode and bytes: what 'unchanged' means."""
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(tree)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, tree).encode() + b"\0" + oct(os.lstat(p).st_mode).encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def objects(tree):
    return {os.path.relpath(os.path.join(d, f), tree): os.path.join(d, f)
            for d, _, files in os.walk(tree) for f in files if f.endswith(".o")}


def patched_copy(src, patch, tree):
    """A fresh copy of src at tree, with `patch` (a diff, or None) applied."""
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(src, tree, symlinks=True)
    if patch:
        a = subprocess.run(["patch", "-p1", "--batch", "--quiet"], cwd=tree, input=patch, text=True,
                           capture_output=True)
        if a.returncode != 0:
            return "patch -p1 failed: " + (a.stdout + a.stderr)[:300]
    return None


def host_objects(src, patch, work, name):
    """Builds src (patched when `patch`) for the host at work/tree and
    moves the objects to work/name. Returns an error or None."""
    tree = os.path.join(work, "tree")
    err = patched_copy(src, patch, tree)
    if err:
        return err
    r = run(["make", "-k", "CC=gcc", "all"], tree)
    if r.returncode != 0:
        return "host build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    os.rename(tree, os.path.join(work, name))
    return None


def same_objects(a, b):
    oa, ob = objects(a), objects(b)
    if not oa:
        return "no objects were built"
    if set(oa) != set(ob):
        return "object sets differ: %s" % sorted(set(oa) ^ set(ob))
    differ = [r for r in sorted(oa) if not filecmp.cmp(oa[r], ob[r], shallow=False)]
    return ("x86_64 objects differ: " + ", ".join(differ)) if differ else None


def target_build(src, patch, target, work):
    """(error or None, tree) of the target build of src with `patch`."""
    tree = os.path.join(work, "target")
    err = patched_copy(src, patch, tree)
    if err:
        return err, tree
    t = TRIPLES[target]
    r = run(["make", "-k", f"CC={t}-gcc", f"AR={t}-ar", "all"], tree)
    if r.returncode != 0:
        errs = [l for l in (r.stdout + r.stderr).splitlines() if "error" in l.lower()]
        return "target build failed: " + (errs[0] if errs else "?")[:200], tree
    return None, tree


def run_tests(tree, target):
    progs = [f for f in sorted(os.listdir(tree)) if f.startswith("test_") and "." not in f
             and os.access(os.path.join(tree, f), os.X_OK)]
    if not progs:
        return "no test program was built"
    t = TRIPLES[target]
    for p in progs:
        r = run([f"qemu-{target}", "-L", f"/usr/{t}", "-E", f"LD_LIBRARY_PATH=/usr/{t}/lib", "./" + p], tree,
                timeout=120)
        if r.returncode != 0:
            return f"{p} under qemu-{target}: exit {r.returncode}: {(r.stdout + r.stderr).strip()[:200]}"
    return None


def check_port(archport, src, target, work, open_loop_must_fail):
    """Steps 1-4 of the docstring on tree `src`; returns (error, detail)."""
    err, _ = target_build(src, None, target, work)
    if not err:
        return "the target build succeeds before any patch: nothing to port", ""
    before = digest(src)
    p = run([archport, "port", "--target", target, src, "-o", os.path.join(work, "port.patch")], work,
            timeout=900)
    rounds = [l for l in p.stderr.splitlines() if l.startswith("round ")]
    if p.returncode != 0:
        return "port exit %d: %s" % (p.returncode, p.stderr.strip()[-600:]), ""
    if digest(src) != before:
        return "port changed the tree it was given", ""
    if not rounds:
        return "port printed no round line", ""
    with open(os.path.join(work, "port.patch")) as f:
        patch = f.read()
    err = host_objects(src, None, work, "before") or host_objects(src, patch, work, "after")
    err = err or same_objects(os.path.join(work, "before"), os.path.join(work, "after"))
    if err:
        return err, ""
    err, tree = target_build(src, patch, target, work)
    if err:
        return "after port's patch, " + err, ""
    err = run_tests(tree, target)
    if err:
        return err, ""
    sc = run([archport, "scan", "--target", target, "--format", "json", tree], work)
    left = [f"{f['file']}:{f['line']}: {f['rule']}" for f in json.loads(sc.stdout)["findings"]
            if f["severity"] == "error"] if sc.stdout else ["no report"]
    if left:   # a "scan after the patch" CI gate must pass, the stub's own build variables included
        return "scan after port's patch still reports errors: " + ", ".join(left[:4]), ""
    s = run([archport, "stub", "--target", target, src], work)
    open_err, _ = target_build(src, s.stdout, target, work)
    if open_loop_must_fail and not open_err:
        return "the open-loop stub patch builds too: this tree no longer shows what the loop adds", ""
    detail = "%d round%s; open-loop stub: %s" % (len(rounds), "" if len(rounds) == 1 else "s",
                                               open_err or "builds too")
    return None, detail


GENERATED_HEADER_TREE = {
    "Makefile": """# ringbuf: a lock-free ring buffer; ./configure-style config.h made by the build
CFLAGS ?= -O2 -g -Wall
OBJS = ring.o

all: libring.a test_ring

config.h:
\techo '#define RING_SPIN_HINT 1' > $@

ring.o: ring.c config.h ring.h
\t$(CC) $(CFLAGS) -c -o $@ ring.c

libring.a: $(OBJS)
\t$(AR) rcs $@ $^

test_ring: test_ring.c libring.a
\t$(CC) $(CFLAGS) -o $@ test_ring.c libring.a

.PHONY: all
""",
    "ring.h": """#ifndef RING_H
#define RING_H
struct ring { unsigned head, tail; int slots[16]; };
int ring_push(struct ring *r, int v);
int ring_pop(struct ring *r, int *v);
#endif
""",
    "ring.c": """#include "config.h"
#include "ring.h"

#if RING_SPIN_HINT
static void relax(void)
{
	__asm__ volatile("pause");
}
#else
static void relax(void)
{
}
#endif

int ring_push(struct ring *r, int v)
{
	if (r->tail - r->head == 16) {
		relax();
		return -1;
	}
	r->slots[r->tail++ % 16] = v;
	return 0;
}

int ring_pop(struct ring *r, int *v)
{
	if (r->tail == r->head)
		return -1;
	*v = r->slots[r->head++ % 16];
	return 0;
}
""",
    "test_ring.c": """#include <stdio.h>
#include "ring.h"

int main(void)
{
	struct ring r = { 0, 0, { 0 } };
	int v = 0;
	if (ring_push(&r, 7) || ring_pop(&r, &v) || v != 7) {
		fprintf(stderr, "ring broken\\n");
		return 1;
	}
	puts("ok");
	return 0;
}
""",
}


# A crate whose x86 code the scan does not see: `hlt` is an aarch64 mnemonic
# too, but there it wants an immediate, so only rustc's code generation
# rejects it.
RUST_HALT_TREE = {
    "Cargo.toml": "[package]\nname = \"idle\"\nversion = \"0.1.0\"\nedition = \"2018\"\n",
    "src/lib.rs": """//! Idle loop of a guest kernel.

/// Stops the CPU until the next interrupt.
pub fn halt() {
    unsafe { core::arch::asm!("hlt") }
}

pub fn idle_rounds(n: u32) -> u32 {
    n.wrapping_mul(2)
}
""",
}
RUSTC = "/usr/bin/rustc"   # Debian's: it has the aarch64 std


def rust_object(tree, target, out):
    """rustc --emit=obj of the crate (code generation checks asm): None or why not."""
    cmd = [RUSTC, "--crate-type", "lib", "--crate-name", "idle", "--edition", "2018", "-C", "opt-level=2", "-g",
           "-C", "codegen-units=1", "--emit=obj", "-o", out, "src/lib.rs"]
    if target:
        cmd[1:1] = ["--target", f"{target}-unknown-linux-gnu"]
    r = run(cmd, tree)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[0]


def check_rust_port(archport, work):
    src = make_tree(os.path.join(work, "idle"), RUST_HALT_TREE)
    if rust_object(src, "aarch64", os.path.join(work, "before-a64.o")) is None:
        return "rustc builds the crate for aarch64 before any patch"
    before = digest(src)
    p = run([archport, "port", "--target", "aarch64", src, "-o", os.path.join(work, "rust.patch")], work,
            timeout=600)
    if p.returncode != 0:
        return "port exit %d: %s" % (p.returncode, p.stderr[-500:])
    if digest(src) != before:
        return "port changed the tree it was given"
    with open(os.path.join(work, "rust.patch")) as f:
        patch = f.read()
    tree = os.path.join(work, "t")   # one path for both x86_64 objects: debug info records it
    for name, diff in (("before", None), ("after", patch)):
        err = patched_copy(src, diff, tree) or rust_object(tree, None, os.path.join(work, name + ".o"))
        if err:
            return f"x86_64 object {name}: {err}"
    if not filecmp.cmp(os.path.join(work, "before.o"), os.path.join(work, "after.o"), shallow=False):
        return "the x86_64 object differs after the patch"
    err = rust_object(tree, "aarch64", os.path.join(work, "after-a64.o"))
    return f"after the patch, rustc for aarch64: {err}" if err else None


def make_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return root


# ringbuf again, with a second x86 construct the first one hides: gcc stops
# at the missing <x86intrin.h> (fatal), so the `pause` below it shows only
# in the build after that include is gated. The tree needs two rounds.
TWO_STAGE_TREE = dict(GENERATED_HEADER_TREE)
TWO_STAGE_TREE["Makefile"] = GENERATED_HEADER_TREE["Makefile"].replace(
    "echo '#define RING_SPIN_HINT 1' > $@",
    "printf '#define RING_SPIN_HINT 1\\n#define RING_HAVE_X86INTRIN 1\\n' > $@")
TWO_STAGE_TREE["ring.c"] = GENERATED_HEADER_TREE["ring.c"].replace(
    '#include "ring.h"\n',
    '#include "ring.h"\n#if RING_HAVE_X86INTRIN\n#include <x86intrin.h>\n#endif\n', 1)


# A library whose x86-only definitions live apart from their callers:
# cycles.c defines cpu_cycles under `#if x86` only, spin.S spin_pause; lib.c
# calls both from tick_bench. No file fails to compile for the target; the
# link of test_tick does (lib.o comes in for tick_add and needs both), which
# only the build shows. The port must give the definitions their target
# twins and leave lib.c, the caller, as it is.
LINK_TREE = {
    "Makefile": """# libtick: timing helpers; x86 definitions in their own files
CFLAGS ?= -O2 -g -Wall
OBJS = lib.o cycles.o spin.o

all: libtick.a test_tick

%.o: %.c tick.h
\t$(CC) $(CFLAGS) -c -o $@ $<

spin.o: spin.S
\t$(CC) $(CFLAGS) -c -o $@ spin.S

libtick.a: $(OBJS)
\t$(AR) rcs $@ $^

test_tick: test_tick.c libtick.a
\t$(CC) $(CFLAGS) -o $@ test_tick.c libtick.a

.PHONY: all
""",
    "tick.h": """#ifndef TICK_H
#define TICK_H
int tick_add(int a, int b);
unsigned long long tick_bench(int n);
unsigned long long cpu_cycles(void);
void spin_pause(void);
#endif
""",
    "lib.c": """#include "tick.h"

int tick_add(int a, int b)
{
\treturn a + b;
}

unsigned long long tick_bench(int n)
{
\tunsigned long long t0 = cpu_cycles();
\tfor (int i = 0; i < n; i++)
\t\tspin_pause();
\treturn cpu_cycles() - t0;
}
""",
    "cycles.c": """#include "tick.h"

#if defined(__x86_64__) || defined(__i386__)
unsigned long long cpu_cycles(void)
{
\tunsigned lo, hi;
\t__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
\treturn ((unsigned long long)hi << 32) | lo;
}
#endif
""",
    "spin.S": """\t.text
\t.globl spin_pause
#if defined(__x86_64__)
\t.type spin_pause, %function
spin_pause:
\tpause
\tret
#endif
\t.section .note.GNU-stack,"",%progbits
""",
    "test_tick.c": """#include "tick.h"

int main(void)
{
\treturn tick_add(2, 3) == 5 ? 0 : 1;
}
""",
}


def check_link_port(archport, target, work):
    src = make_tree(os.path.join(work, "libtick"), LINK_TREE)
    err, detail = check_port(archport, src, target, work, True)
    if err:
        return err, detail
    with open(os.path.join(work, "port.patch")) as f:
        touched = sorted(l[6:].strip() for l in f if l.startswith("+++ b/"))
    if touched != ["cycles.c", "spin.S"]:
        return "the patch should give cycles.c and spin.S their twins and nothing else, it touches %r" % touched, ""
    return None, detail


def check_round_limit(archport, src, target, work):
    p = run([archport, "port", "--target", target, "--rounds", "1", src, "-o", os.path.join(work, "p1")], work,
            timeout=900)
    if p.returncode != 1:
        return "--rounds 1: exit %d, wanted 1: %s" % (p.returncode, p.stderr[-300:])
    if "stopped after 1 round" not in p.stderr or "left to port" not in p.stderr:
        return "--rounds 1 does not say it stopped and what is left: " + p.stderr[-400:]
    left = p.stderr.split("left to port", 1)[1].splitlines()[1:]
    if not any(l.strip() and ":" in l and l.split(":")[1].isdigit() for l in left):
        return "the list of what is left names no file:line: " + "\n".join(left[:5])
    return None


def check_unfixable(archport, target, work):
    # libquadmath (__float128 maths) ships with gcc for x86 only
    src = make_tree(os.path.join(work, "needs-lib"), {
        "Makefile": "all: test_tool\ntest_tool: tool.c\n\t$(CC) -O2 -o $@ tool.c -lquadmath\n",
        "tool.c": "int main(void) { return 0; }\n",
    })
    p = run([archport, "port", "--target", target, src, "-o", os.path.join(work, "p2")], work, timeout=600)
    if p.returncode != 1:
        return "exit %d, wanted 1: %s" % (p.returncode, p.stderr[-300:])
    if "cannot find -lquadmath" not in p.stderr.split("left to port", 1)[-1]:
        return "the linker's message is not in what is left: " + p.stderr[-400:]
    return None


def check_output_to_fifo(archport, work):
    """-o onto a pipe or device (/dev/null, say) writes through it: a
    temporary file renamed over it would replace the device."""
    fifo = os.path.join(work, "out.fifo")
    os.mkfifo(fifo)
    got = os.path.join(work, "got.patch")
    for cmd in (["stub"], ["port", "--target", "aarch64"]):
        with open(got, "w") as sink:
            reader = subprocess.Popen(["cat", fifo], stdout=sink)
            p = run([archport, *cmd, os.path.join(ROOT, "fixtures", "sched-lite"), "-o", fifo], work, timeout=600)
            reader.wait(timeout=60)
        if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
            return f"{cmd[0]} -o FIFO replaced the FIFO with a file"
        with open(got) as f:
            text = f.read()
        if not text.startswith("--- a/"):
            return f"{cmd[0]} -o FIFO (exit {p.returncode}) wrote no patch through it: {text[:100]!r}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archport", default=os.path.join(ROOT, "bin", "archport"))
    ap.add_argument("--targets", default="aarch64,riscv64")
    args = ap.parse_args()
    archport = os.path.abspath(args.archport)
    with tempfile.TemporaryDirectory(prefix="archport-port-tmp-") as scratch:
        # port keeps the logs of a run that leaves something; the cases that
        # mean to leave something must not litter the machine's /tmp with them.
        ENV["TMPDIR"] = scratch
        return run_cases(archport, args)


def run_cases(archport, args):
    passed = failed = 0

    def report(name, err, detail=""):
        nonlocal passed, failed
        if err:
            failed += 1
            print(f"not ok - {name}: {err}")
        else:
            passed += 1
            print(f"ok - {name}" + (f" ({detail})" if detail else ""))

    if "aarch64" in args.targets.split(","):   # bookworm has no riscv64 Rust std
        with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
            report("port a crate whose `hlt` only rustc's code generation rejects [aarch64]",
                   check_rust_port(archport, work))
    with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
        report("stub -o and port -o write through a FIFO, which stays one", check_output_to_fifo(archport, work))
    for target in args.targets.split(","):
        for name in PORT_FIXTURES:
            with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
                err, detail = check_port(archport, os.path.join(ROOT, "fixtures", name), target, work, False)
            report(f"port {name} [{target}]", err, detail)
        with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
            src = make_tree(os.path.join(work, "ringbuf"), GENERATED_HEADER_TREE)
            err, detail = check_port(archport, src, target, work, True)
        report(f"port ringbuf, a header the build generates [{target}]", err, detail)
        with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
            err, detail = check_link_port(archport, target, work)
        report(f"port libtick, definitions for x86 only that the link misses (a C #if chain, a .S) [{target}]",
               err, detail)
        with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
            src = make_tree(os.path.join(work, "ringbuf"), TWO_STAGE_TREE)
            report(f"port --rounds 1 ringbuf, two x86 constructs one behind the other: stops, lists what is left [{target}]",
                   check_round_limit(archport, src, target, work))
        with tempfile.TemporaryDirectory(prefix="archport-port-test-") as work:
            report(f"port: a library the target lacks is left, with the linker's message [{target}]",
                   check_unfixable(archport, target, work))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
