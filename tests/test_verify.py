#!/usr/bin/env python3
"""Test of `archport verify` on copies of the fixtures.

`archport verify` builds a tree for the host before and after a stub patch,
compares the objects byte for byte, cross-builds the patched tree and runs its
tests under QEMU user mode, then prints one table line per step:

    archport verify PATH --target aarch64 (make)
      step                       result   detail
      patch                      ok       empty patch (archport stub)
      host build, before         ok       make, CC=gcc
      ...

Cases, each on a fresh copy of a fixture, each with its own TMPDIR so that a
scratch directory verify forgets to remove is seen:

  * usage errors exit 2 with a message and no table;
  * a portable fixture passes every step for aarch64 and riscv64, with the
    patch `archport stub` writes (empty) — or, while `stub` is not in the
    build, an empty --patch file;
  * byte identity is real: a patch that only appends a comment keeps every
    object identical, a patch that changes a constant makes that object
    differ (exit 1, the object named);
  * a patch that does not apply, a target build that fails and a failing
    --test are reported as FAIL with their log kept;
  * CMake (ctest with the QEMU emulator), --build/--test commands, --keep;
  * the x86 fixtures through `archport stub`: every step ok for aarch64 and
    riscv64 (skipped with a message while `archport stub` is not there).
    These grade the stub patches, not verify itself; --fixtures picks them.

Output: `ok - NAME` / `not ok - NAME: WHY` per case, `# ...` for
information, and `N passed, M failed[, K skipped]` on the last line. The exit
status is 1 when a case failed. Python standard library only.

    python3 tests/test_verify.py --archport bin/archport
    python3 tests/test_verify.py --archport build/asan/archport --fixtures none
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_stub import NEEDS_BUILD_LOOP, STUBBED_PATHS  # noqa: E402  (one list of each)
PORTABLE = "portable-crc"

STEPS = ("patch", "host build, before", "host build, after", "objects", "build", "tests")
ROW = re.compile(r"^  (\S.*?)\s+(ok|FAIL|skipped)\s+(.*)$")
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


class Failure(Exception):
    """A case's expectation was not met."""


class Skip(Exception):
    """A case cannot run here; the message says why."""


class Result:
    """One `archport verify` run: exit status, output, and the table parsed."""

    def __init__(self, proc: subprocess.CompletedProcess, tmpdir: Path):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.tmpdir = tmpdir
        self.rows = []
        for line in self.out.splitlines():
            m = ROW.match(line)
            if m:
                self.rows.append((m.group(1), m.group(2), m.group(3)))

    def row(self, key: str) -> tuple[str, str, str]:
        """The row whose step name holds `key` (the names carry the arch)."""
        for r in self.rows:
            if key in r[0]:
                return r
        raise Failure(f"no '{key}' row in the table:\n{self.out}")

    def expect_rc(self, rc: int) -> None:
        if self.rc != rc:
            raise Failure(f"exit {self.rc}, expected {rc}\n{self.out}{self.err}")

    def expect(self, key: str, result: str, detail_has: str = "") -> str:
        step, got, detail = self.row(key)
        if got != result or detail_has not in detail:
            raise Failure(f"'{step}' is {got} ({detail}), expected {result}"
                          + (f" with '{detail_has}'" if detail_has else "") + f"\n{self.out}")
        return detail

    def expect_all_ok(self) -> None:
        self.expect_rc(0)
        if len(self.rows) != len(STEPS):
            raise Failure(f"{len(self.rows)} table rows, expected {len(STEPS)}:\n{self.out}")
        for key in STEPS:
            self.expect(key, "ok")

    def scratch_dirs(self) -> list[Path]:
        return sorted(self.tmpdir.glob("archport-verify-*"))

    def expect_no_scratch(self) -> None:
        left = self.scratch_dirs()
        if left:
            raise Failure(f"scratch directory left behind: {left[0]}")

    def expect_logs_kept(self, key: str) -> Path:
        """After a failure the table names the step's log; only logs remain."""
        step = self.row(key)[0]
        m = re.search(rf"^  log of {re.escape(step)}: (\S+)$", self.out, re.M)
        if not m or not Path(m.group(1)).is_file():
            raise Failure(f"no existing log shown for '{step}':\n{self.out}")
        for scratch in self.scratch_dirs():
            for tree in ("tree", "before", "after", "build"):
                if (scratch / tree).exists():
                    raise Failure(f"{scratch / tree} left behind after a failure")
        return Path(m.group(1))


class Context:
    def __init__(self, archport: Path, root: Path, timeout: float):
        self.archport = archport
        self.root = root
        self.timeout = timeout
        self.n = 0
        self._stub = None

    def case_dir(self) -> Path:
        self.n += 1
        d = self.root / f"case{self.n}"
        d.mkdir()
        (d / "tmp").mkdir()
        return d

    def fixture(self, name: str) -> Path:
        """A private copy of a fixture, so that a verify that wrote into its
        PATH would be caught and the repository never touched."""
        dst = self.case_dir() / name
        shutil.copytree(FIXTURES / name, dst, symlinks=True)
        return dst

    def verify(self, path: Path | str, *extra: str) -> Result:
        tmpdir = (Path(path).parent if isinstance(path, Path) else self.case_dir()) / "tmp"
        tmpdir.mkdir(exist_ok=True)
        env = dict(os.environ, TMPDIR=str(tmpdir))
        before = tree_digest(path) if isinstance(path, Path) and path.is_dir() else None
        proc = subprocess.run([str(self.archport), "verify", str(path), *extra], capture_output=True,
                              text=True, errors="replace", timeout=self.timeout, env=env)
        for marker in SANITIZER_MARKERS:
            if marker in proc.stderr:
                raise Failure(f"sanitizer report on stderr:\n{proc.stderr[-2000:]}")
        if proc.returncode < 0:
            raise Failure(f"killed by signal {-proc.returncode}")
        if before is not None and tree_digest(path) != before:
            raise Failure(f"verify changed its PATH {path}")
        return Result(proc, tmpdir)

    def stub_available(self) -> bool:
        """Whether `archport stub` is in this build (it says "not in this
        version" while it is not)."""
        if self._stub is None:
            proc = subprocess.run([str(self.archport), "stub", str(FIXTURES / PORTABLE)], capture_output=True,
                                  text=True, errors="replace", timeout=self.timeout)
            self._stub = not (proc.returncode != 0 and "not in this version" in proc.stderr)
        return self._stub

    def patch_file(self, name: str, text: str) -> Path:
        p = self.case_dir() / name
        p.write_text(text)
        return p


def tree_digest(root: Path) -> str:
    """Names, modes and contents of every file under root."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            h.update(str(p.relative_to(root)).encode())
            if p.is_symlink():
                h.update(os.readlink(p).encode())
            else:
                h.update(oct(p.stat().st_mode).encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def unified_diff(rel: str, old: str, new: str) -> str:
    """A -p1 patch of one file, made by diff(1) as a user would."""
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d, "a", rel), Path(d, "b", rel)
        a.parent.mkdir(parents=True)
        b.parent.mkdir(parents=True)
        a.write_text(old)
        b.write_text(new)
        proc = subprocess.run(["diff", "-u", f"a/{rel}", f"b/{rel}"], cwd=d, capture_output=True, text=True)
        return proc.stdout


def portable_patch_args(ctx: Context) -> list[str]:
    """`archport stub`'s own patch when it exists; an empty one before."""
    if ctx.stub_available():
        return []
    return ["--patch", str(ctx.patch_file("empty.patch", ""))]


# ---- cases ----

def case_usage(ctx: Context) -> None:
    tree = ctx.fixture(PORTABLE)
    nobuild = ctx.case_dir() / "nobuild"
    nobuild.mkdir()
    (nobuild / "a.c").write_text("int x;\n")
    cases = [
        ([str(ctx.root / "no-such-dir")], "no such directory"),
        ([str(tree / "Makefile")], "no such directory"),
        ([str(tree), "--target", "sparc"], "unknown target"),
        ([str(tree), "--bogus"], "unknown option"),
        ([str(tree), "--target"], "missing value"),
        ([str(tree), str(tree)], "one PATH"),
        ([str(nobuild)], "--build"),
        ([str(tree), "--patch", str(ctx.root / "none.patch")], "--patch"),
    ]
    for args, words in cases:
        proc = subprocess.run([str(ctx.archport), "verify", *args], capture_output=True, text=True,
                              timeout=ctx.timeout)
        if proc.returncode != 2:
            raise Failure(f"verify {' '.join(args)}: exit {proc.returncode}, expected 2")
        if words not in proc.stderr:
            raise Failure(f"verify {' '.join(args)}: stderr lacks '{words}': {proc.stderr.strip()}")
        if ROW.search(proc.stdout):
            raise Failure(f"verify {' '.join(args)}: printed a table on a usage error")


def case_portable(target: str):
    def run(ctx: Context) -> str:
        r = ctx.verify(ctx.fixture(PORTABLE), "--target", target, *portable_patch_args(ctx))
        r.expect_all_ok()
        r.expect("patch", "ok", "empty patch")
        r.expect("objects", "ok", "identical")
        r.expect("tests", "ok", "1/1 passed")
        r.expect(f"tests under qemu-{target}", "ok")
        r.expect_no_scratch()
        return "" if ctx.stub_available() else "archport stub not in this build: used an empty --patch"
    return run


def case_noop_patch(ctx: Context) -> None:
    tree = ctx.fixture(PORTABLE)
    src = (tree / "src/crc32c.c").read_text()
    patch = ctx.patch_file("noop.patch", unified_diff("src/crc32c.c", src, src + "/* a note at the end */\n"))
    r = ctx.verify(tree, "--patch", str(patch))
    r.expect_all_ok()
    r.expect("patch", "ok", "1 file, +1 -0")
    r.expect("objects", "ok", "2 objects identical")


def case_changed_object(ctx: Context) -> None:
    tree = ctx.fixture(PORTABLE)
    src = (tree / "src/crc32c.c").read_text()
    if "0x82F63B78" not in src:
        raise Failure("fixture changed: the CRC-32C polynomial 0x82F63B78 is not in src/crc32c.c")
    patch = ctx.patch_file("change.patch", unified_diff("src/crc32c.c", src, src.replace("0x82F63B78", "0x82F63B79", 1)))
    r = ctx.verify(tree, "--patch", str(patch))
    r.expect_rc(1)
    r.expect("objects", "FAIL", "src/crc32c.o")
    r.expect("host build, after", "ok")
    r.expect_logs_kept("objects")


def case_moved_lines(ctx: Context) -> None:
    """A line inserted above code moves its line numbers: the debug info of
    a -g object differs, which is what SPEC's #line rule is about."""
    tree = ctx.fixture(PORTABLE)
    src = (tree / "src/crc32c.c").read_text()
    patch = ctx.patch_file("moved.patch", unified_diff("src/crc32c.c", src, "/* a note on top */\n" + src))
    r = ctx.verify(tree, "--patch", str(patch))
    r.expect_rc(1)
    r.expect("objects", "FAIL", "src/crc32c.o")


def case_patch_does_not_apply(ctx: Context) -> None:
    tree = ctx.fixture(PORTABLE)
    patch = ctx.patch_file("stale.patch", unified_diff("src/crc32c.c", "no such\nlines\n", "no such\nline\n"))
    r = ctx.verify(tree, "--patch", str(patch))
    r.expect_rc(1)
    r.expect("patch", "FAIL", "does not apply")
    r.expect("host build, after", "skipped")
    r.expect("aarch64 build", "skipped")
    r.expect_logs_kept("patch")


def case_not_a_diff(ctx: Context) -> None:
    r = ctx.verify(ctx.fixture(PORTABLE), "--patch", str(ctx.patch_file("junk.patch", "hello\n")))
    r.expect_rc(1)
    r.expect("patch", "FAIL", "not a unified diff")


def case_target_build_fails(ctx: Context) -> None:
    """The unpatched SSE4.2 fixture: the host steps pass, the aarch64 build
    fails on the x86 header, and the table says so."""
    r = ctx.verify(ctx.fixture("crc-sse42"), "--patch", str(ctx.patch_file("empty.patch", "")))
    r.expect_rc(1)
    r.expect("objects", "ok", "identical")
    r.expect("aarch64 build", "FAIL", "nmmintrin.h")
    r.expect("tests", "skipped")
    log = r.expect_logs_kept("aarch64 build")
    if "aarch64-linux-gnu-gcc" not in log.read_text(errors="replace"):
        raise Failure(f"{log} does not show the cross compiler being run")


def case_cmake(ctx: Context) -> None:
    if not shutil.which("cmake"):
        raise Skip("cmake is not installed")
    r = ctx.verify(ctx.fixture("portable-build"), "--system", "cmake", "--patch",
                   str(ctx.patch_file("empty.patch", "")))
    r.expect_all_ok()
    r.expect("host build, before", "ok", "cmake")
    r.expect("objects", "ok", "identical")
    r.expect("tests", "ok", "ctest: 1/1 passed")
    r.expect_no_scratch()


def case_makefile_wraps_cmake(ctx: Context) -> None:
    """A top Makefile that only runs cmake (lemire/despacer's `build:`
    target): the tree's build is CMake, not `make -k -j2` of the wrapper,
    whose `all: build unit` races ctest against the build."""
    if not shutil.which("cmake"):
        raise Skip("cmake is not installed")
    tree = ctx.fixture("portable-build")
    (tree / "Makefile").write_text("all: build unit\n\nbuild:\n\tcmake -S ./ -B ./build && cmake --build ./build\n"
                                   "\nunit:\n\tcd build && ctest\n\n.PHONY: all build unit\n")
    r = ctx.verify(tree, "--patch", str(ctx.patch_file("empty.patch", "")))
    r.expect_all_ok()
    r.expect("host build, before", "ok", "cmake")
    r.expect("tests", "ok", "ctest: 1/1 passed")


def case_custom_commands(ctx: Context) -> None:
    empty = str(ctx.patch_file("empty.patch", ""))
    r = ctx.verify(ctx.fixture(PORTABLE), "--patch", empty, "--build", 'make CC="$CC" all',
                   "--test", '$ARCHPORT_EMULATOR ./test_crc32c')
    r.expect_all_ok()
    r.expect("build", "ok", "--build")
    r.expect("tests", "ok", "--test passed")
    r = ctx.verify(ctx.fixture(PORTABLE), "--patch", empty, "--test", "echo boom >&2; exit 3")
    r.expect_rc(1)
    r.expect("tests", "FAIL", "exit 3")
    r.expect_logs_kept("tests")


def case_hung_test(ctx: Context) -> None:
    """A test that never ends is killed at --test-timeout and named; the
    other tests still run."""
    tree = ctx.case_dir() / "hang"
    tree.mkdir()
    (tree / "test_hang.c").write_text("int main(void) { for (;;) ; }\n")
    (tree / "test_ok.c").write_text("int main(void) { return 0; }\n")
    (tree / "Makefile").write_text("all: test_hang test_ok\ntest_%: test_%.c\n\t$(CC) -O2 -o $@ $<\n")
    r = ctx.verify(tree, "--patch", str(ctx.patch_file("empty.patch", "")), "--test-timeout", "2")
    r.expect_rc(1)
    r.expect("tests", "FAIL", "1/2 passed; failed: test_hang (hung, killed after 2 s)")
    # no object: the two executables are what is compared
    r.expect("objects", "ok", "2 linked files identical")


def case_linked_outputs(ctx: Context) -> None:
    """A build that compiles and links in one step (cc main.c -o prog)
    leaves no object: its executable is compared instead, identical after a
    comment appended at the end, different after a changed constant."""
    tree = ctx.case_dir() / "onestep"
    tree.mkdir()
    src = "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 6 * 7); return 0; }\n"
    (tree / "main.c").write_text(src)
    (tree / "Makefile").write_text("all: prog\nprog: main.c\n\t$(CC) -O2 -g -o $@ main.c\n")
    same = ctx.patch_file("comment.patch", unified_diff("main.c", src, src + "/* a note at the end */\n"))
    r = ctx.verify(tree, "--patch", str(same))
    r.expect("objects", "ok", "1 linked file identical")
    changed = ctx.patch_file("constant.patch", unified_diff("main.c", src, src.replace("6 * 7", "6 * 8")))
    r = ctx.verify(tree, "--patch", str(changed))
    r.expect_rc(1)
    r.expect("objects", "FAIL", "linked files differ: prog")


def case_keep(ctx: Context) -> None:
    r = ctx.verify(ctx.fixture(PORTABLE), "--keep", *portable_patch_args(ctx))
    r.expect_all_ok()
    dirs = r.scratch_dirs()
    if len(dirs) != 1 or str(dirs[0]) not in r.err:
        raise Failure(f"--keep: expected one scratch directory named on stderr, got {dirs}: {r.err}")
    for sub in ("before/src/crc32c.o", "after/src/crc32c.o", "tree/test_crc32c", "logs/target.log"):
        if not (dirs[0] / sub).exists():
            raise Failure(f"--keep: {sub} is not in {dirs[0]}")


def case_stub_fixture(name: str, target: str):
    """Every step ok (for a fixture in test_stub.NEEDS_BUILD_LOOP, with the
    patch of `archport port`); for a fixture whose own test runs a stubbed path
    (test_stub.STUBBED_PATHS, by design), every step but the tests, which
    must then fail."""
    def run(ctx: Context) -> None:
        if not ctx.stub_available():
            raise Skip("`archport stub` is not in this build yet")
        tree = ctx.fixture(name)
        extra = []
        if name in NEEDS_BUILD_LOOP:   # the open-loop stub cannot fix it: verify port's patch
            patch = ctx.case_dir() / "port.patch"
            env = dict(os.environ, TMPDIR=str(ctx.case_dir()))
            p = subprocess.run([str(ctx.archport), "port", "--target", target, str(tree), "-o", str(patch)],
                               capture_output=True, text=True, errors="replace", timeout=ctx.timeout, env=env)
            if p.returncode != 0:
                raise Failure(f"port exit {p.returncode}: {p.stderr[-400:]}")
            extra = ["--patch", str(patch)]
        r = ctx.verify(tree, "--target", target, *extra)
        detail = r.row("patch")[2]
        if name in STUBBED_PATHS:
            bad = [f"{s}: {d}" for s, res, d in r.rows if (res == "FAIL") != s.startswith("tests")]
            if bad:
                raise Failure("; ".join(bad) + f" (the tests must fail: {STUBBED_PATHS[name]})")
            return
        try:
            r.expect_all_ok()
        except Failure:
            bad = "; ".join(f"{s}: {d}" for s, res, d in r.rows if res == "FAIL")
            raise Failure(f"{bad} (patch: {detail})") from None
        r.expect_no_scratch()
    return run


def case_rust_workspace(ctx: Context) -> None:
    """The Rust workspace end to end: stub, x86_64 objects (-C save-temps)
    identical, aarch64 build with Debian's toolchain, cargo test under qemu."""
    if not ctx.stub_available():
        raise Skip("`archport stub` is not in this build yet")
    r = ctx.verify(ctx.fixture("rust-vmm"), "--target", "aarch64")
    r.expect_all_ok()
    r.expect("objects", "ok", "objects identical")
    r.expect("tests", "ok", "cargo test passed")


def case_rust_moved_lines(ctx: Context) -> None:
    """A line inserted above Rust code changes its object (debug lines):
    the Rust object comparison is not vacuous."""
    tree = ctx.fixture("rust-vmm")
    rel = "guest/src/util.rs"
    src = (tree / rel).read_text()
    patch = ctx.patch_file("rust-moved.patch", unified_diff(rel, src, "// a note on top\n" + src))
    r = ctx.verify(tree, "--target", "aarch64", "--patch", str(patch))
    r.expect_rc(1)
    r.expect("objects", "FAIL", "guest")


def case_rust_moved_columns(ctx: Context) -> None:
    """A gate put at the start of a one-line fn moves the columns of its
    code, which rustc writes into the DWARF line table: the object differs,
    which is why `stub` puts such a gate on the line before."""
    tree = ctx.fixture("rust-vmm")
    rel = "vcpu/src/spin.rs"
    src = (tree / rel).read_text()
    lines = src.split("\n")
    one_line = next(i for i, ln in enumerate(lines) if re.match(r"pub fn \w+\(.*\{.*\}\s*$", ln))
    lines[one_line] = '#[cfg(target_arch = "x86_64")] ' + lines[one_line]
    patch = ctx.patch_file("rust-columns.patch", unified_diff(rel, src, "\n".join(lines)))
    r = ctx.verify(tree, "--target", "aarch64", "--patch", str(patch))
    r.expect_rc(1)
    r.expect("objects", "FAIL", "vcpu")


def x86_fixtures() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir()
                  if p.is_dir() and not p.name.startswith(("portable-", "aarch64-")) and (p / "Makefile").exists())


def select_cases(fixtures: str) -> list[tuple[str, object]]:
    cases = [
        ("usage errors exit 2", case_usage),
        (f"{PORTABLE} aarch64: every step ok", case_portable("aarch64")),
        (f"{PORTABLE} riscv64: every step ok", case_portable("riscv64")),
        ("a patch that appends a comment keeps objects identical", case_noop_patch),
        ("a patch that changes a constant makes the object differ", case_changed_object),
        ("a patch that moves lines makes the object differ", case_moved_lines),
        ("a patch that does not apply fails", case_patch_does_not_apply),
        ("a file that is not a diff fails", case_not_a_diff),
        ("a failing target build is reported with its first error", case_target_build_fails),
        ("cmake: objects compared, ctest under qemu", case_cmake),
        ("a Makefile that only runs cmake: the build is CMake", case_makefile_wraps_cmake),
        ("--build and --test commands", case_custom_commands),
        ("a hung test is killed at --test-timeout", case_hung_test),
        ("a build with no object compares its executables", case_linked_outputs),
        ("--keep keeps the scratch directory", case_keep),
        ("rust-vmm aarch64: stub, objects, cargo build and test under qemu", case_rust_workspace),
        ("a patch that moves Rust lines makes the object differ", case_rust_moved_lines),
        ("a gate that moves the columns of a one-line Rust fn makes the object differ", case_rust_moved_columns),
    ]
    names = x86_fixtures() if fixtures == "all" else [] if fixtures == "none" else fixtures.split(",")
    for name in names:
        for target in ("aarch64", "riscv64"):
            cases.append((f"stub + verify {name} {target}", case_stub_fixture(name, target)))
    return cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archport", default=str(REPO / "bin/archport"))
    ap.add_argument("--fixtures", default="all",
                    help="x86 fixtures to stub and verify: all (default), none, or NAME,NAME")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per verify run")
    ap.add_argument("--keep", action="store_true", help="keep the case trees")
    args = ap.parse_args()
    return run_cases(args.archport, "archport-verify-test-", args.timeout, args.keep, select_cases(args.fixtures))


def run_cases(archport_arg: str, prefix: str, timeout: float, keep: bool, cases, skip_all: str = "") -> int:
    """Runs each (name, fn) case in a Context under a fresh temporary root,
    printing one ok/not ok line each and the counts last; `skip_all` skips
    every case with that reason. Returns the exit status (1 at once when
    `archport_arg` is no executable)."""
    archport = Path(archport_arg).resolve()
    if not (archport.is_file() and os.access(archport, os.X_OK)):
        print(f"not ok - setup: no executable archport at {archport} (run `make` first, or pass --archport)")
        print("0 passed, 1 failed")
        return 1
    root = Path(tempfile.mkdtemp(prefix=prefix))
    ctx = Context(archport, root, timeout)
    print(f"# archport: {archport}")
    passed = failed = skipped = 0
    try:
        for name, fn in cases:
            try:
                if skip_all:
                    raise Skip(skip_all)
                info = fn(ctx)
            except Failure as e:
                failed += 1
                print(f"not ok - {name}: {e}", flush=True)
                continue
            except Skip as e:
                skipped += 1
                print(f"ok - {name} # SKIP {e}", flush=True)
                continue
            except Exception as e:  # a bug in this script: still reported per case
                failed += 1
                print(f"not ok - {name}: harness error: {type(e).__name__}: {e}", flush=True)
                continue
            passed += 1
            if info:
                print(f"# {name}: {info}")
            print(f"ok - {name}", flush=True)
    finally:
        if keep:
            print(f"# kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
