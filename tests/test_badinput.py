#!/usr/bin/env python3
"""Robustness test: `archport scan` and `stub --write` over trees of bad inputs.

A porting scanner is run by CI over whole repositories it has never seen: vendored
blobs named `.c`, generated files of 100 MB, half-written sources, symlink farms,
directories it cannot read. None of that may crash it, hang it, or make it drop
the good files next to the bad ones. Each case below builds a small tree in a
temporary directory, with a bad input next to a good file `ok.c` that holds one
x86 construct, runs `archport scan --format json` over it and checks:

  * no crash: exit status 0, 1 or 2, not a signal, no sanitizer report on stderr;
  * the good file is still scanned: its `c/asm-x86` error is in the JSON report;
  * where a file cannot be scanned, stderr names it and the report has an
    `input/unreadable` finding for it;
  * where a bad file is still text, the x86 construct placed in it before (or
    after) the damage is found, so a file is never silently dropped.

The `write-*` cases run `archport stub --write` on hostile trees (symlinks out of
the tree and loops, an in-tree alias, a twin directory that is a link or a file,
a file of another owner with a second hard link, a commit that fails midway, a
dirty git checkout) and check: no crash, the documented exit status, a message
naming the path, nothing outside PATH changed (every entry beside the tree is
hashed before and after, and the staging directory is gone from TMPDIR), links
kept as links, owner/mode/inode/link count kept, and a refused or rolled-back
run leaves the tree byte-identical.

Run it against any build of the scanner, e.g. an AddressSanitizer one:

    python3 tests/test_badinput.py --archport build/asan/archport

Output is one `ok - NAME` / `not ok - NAME: WHY` line per case, `# ...` lines
for information, and `N passed, M failed[, K skipped]` alone on the last line.
The exit status is 1 when any case failed. Only the Python standard library is
used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent

#: The good file every case tree carries; `__asm__("cpuid")` is on line 3.
GOOD_NAME = "ok.c"
GOOD_SOURCE = b'void probe(void)\n{\n\t__asm__("cpuid");\n}\n'
GOOD_LINE = 3

#: An x86 statement that a scanner must report as `c/asm-x86` wherever it is ungated.
ASM_LINE = b'void tick(void) { __asm__("rdtsc"); }'

ASM_RULE = "c/asm-x86"
UNREADABLE_RULE = "input/unreadable"

#: Text that a sanitizer (ASan, LSan, UBSan, ...) prints when it finds a bug.
#: ASan exits with status 1 by default, the same as "findings", so the exit
#: status alone cannot tell a memory error from a normal run.
SANITIZER_MARKERS = (
    "AddressSanitizer",
    "LeakSanitizer",
    "UndefinedBehaviorSanitizer",
    "MemorySanitizer",
    "ThreadSanitizer",
    "runtime error:",
)


class Failure(Exception):
    """A case's expectation was not met; the message says which and why."""


class Skip(Exception):
    """A case cannot run on this machine; the message says why."""


@dataclass
class ScanResult:
    """What one `archport scan` run gave back, with helpers to check it."""

    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: str
    seconds: float
    _report: dict | None = None

    def report(self) -> dict:
        """The JSON report from stdout; a Failure if there is none or it is malformed.

        The report is decoded as strict UTF-8: a scanner that copies invalid
        UTF-8 from a source file into its JSON output writes a report that
        other tools cannot read, which is a bug this test should catch.
        """
        if self._report is not None:
            return self._report
        if not self.stdout.strip():
            raise Failure(f"no JSON report on stdout (exit {self.returncode}){stderr_tail(self.stderr)}")
        try:
            text = self.stdout.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Failure(f"JSON report is not valid UTF-8 ({e})") from None
        try:
            report = json.loads(text)
        except json.JSONDecodeError as e:
            raise Failure(f"stdout is not valid JSON ({e})") from None
        if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
            raise Failure("JSON report has no 'findings' list")
        self._report = report
        return report

    def findings(self, rule: str | None = None, file: str | None = None) -> list[dict]:
        """Findings of the report, optionally only those of `rule` in `file`."""
        return [
            f
            for f in self.report()["findings"]
            if (rule is None or f.get("rule") == rule) and (file is None or f.get("file") == file)
        ]

    def expect_finding(self, rule: str, file: str, line: int | None = None) -> dict:
        """Fails unless the report has a `rule` finding in `file` (at `line`, if given)."""
        hits = self.findings(rule, file)
        if line is not None:
            at_line = [f for f in hits if f.get("line") == line]
            if not at_line:
                where = sorted({f.get("line") for f in hits})
                raise Failure(
                    f"expected a {rule} finding in {file} at line {line}, "
                    f"found {'none' if not hits else 'it at line(s) ' + str(where)}"
                    f"{self.describe_findings()}"
                )
            hits = at_line
        if not hits:
            raise Failure(f"expected a {rule} finding in {file}, found none{self.describe_findings()}")
        return hits[0]

    def expect_good_file_scanned(self, prefix: str = "") -> None:
        """Fails unless the good file `ok.c` (under `prefix`) gave its c/asm-x86 error."""
        found = self.expect_finding(ASM_RULE, prefix + GOOD_NAME, GOOD_LINE)
        if found.get("severity") != "error":
            raise Failure(f"{prefix}{GOOD_NAME}: {ASM_RULE} has severity {found.get('severity')!r}, expected 'error'")

    def expect_unreadable(self, *names: str) -> None:
        """Fails unless stderr names one of `names` and the report marks it input/unreadable."""
        self.expect_message(*names)
        if not any(self.findings(UNREADABLE_RULE, n) for n in names):
            raise Failure(
                f"expected an {UNREADABLE_RULE} finding for {' or '.join(names)}, found none"
                f"{self.describe_findings()}"
            )

    def expect_not_unreadable(self, name: str) -> None:
        """Fails if `name`, a text file, was reported as input/unreadable."""
        if self.findings(UNREADABLE_RULE, name):
            raise Failure(f"{name} is text but was reported as {UNREADABLE_RULE}")

    def expect_message(self, *names: str) -> None:
        """Fails unless stderr mentions at least one of `names` (a file or directory)."""
        if not any(n in self.stderr for n in names):
            raise Failure(f"stderr does not name {' or '.join(names)}{stderr_tail(self.stderr)}")

    def describe_findings(self) -> str:
        """A short list of the findings, to say what was there instead."""
        items = [f"{f.get('rule')}@{f.get('file')}:{f.get('line')}" for f in self.report()["findings"]]
        if not items:
            return " (report has no findings)"
        more = f", ... {len(items) - 8} more" if len(items) > 8 else ""
        return " (report has: " + ", ".join(items[:8]) + more + ")"


def stderr_tail(stderr: str, lines: int = 3) -> str:
    """The last few stderr lines, for a failure message."""
    tail = [ln for ln in stderr.strip().splitlines() if ln.strip()][-lines:]
    return "; stderr: " + " | ".join(tail) if tail else "; stderr empty"


class Context:
    """Shared state of a run: the binary under test, the temp root, how to drop root."""

    def __init__(self, archport: Path, root: Path, timeout: float, huge_mb: int, huge_timeout: float):
        self.archport = archport
        self.root = root
        self.timeout = timeout
        self.huge_mb = huge_mb
        self.huge_timeout = huge_timeout
        self.cases_dir = root / "cases"
        self.cases_dir.mkdir()
        self._unprivileged: tuple[list[str], Path] | None = None
        self._unprivileged_error: str | None = None

    def case_dir(self, name: str, parent: Path | None = None) -> Path:
        """A new directory for one case, already holding the good file `ok.c`."""
        d = (parent or self.cases_dir) / name
        d.mkdir(parents=True)
        (d / GOOD_NAME).write_bytes(GOOD_SOURCE)
        return d

    def scan(self, path: Path, *extra: str, timeout: float | None = None,
             prefix: list[str] | None = None, binary: Path | None = None) -> ScanResult:
        """Runs `archport scan PATH --format json`; fails the case on a crash or a hang.

        `prefix` runs the scanner through another command (to drop privileges),
        `binary` replaces the binary under test (a copy the other user can run).
        """
        return self.run(["scan", str(path), "--target", "aarch64", "--format", "json", *extra],
                        timeout=timeout, prefix=prefix, binary=binary)

    def stub(self, path: Path, *extra: str, env: dict[str, str] | None = None) -> ScanResult:
        """Runs `archport stub PATH --target aarch64 EXTRA...` (e.g. `--write`), as `scan` does."""
        return self.run(["stub", str(path), "--target", "aarch64", *extra], env=env)

    def run(self, args: list[str], timeout: float | None = None, prefix: list[str] | None = None,
            binary: Path | None = None, stdout=subprocess.PIPE,
            env: dict[str, str] | None = None) -> ScanResult:
        """Runs `archport ARGS...` (any command); fails the case on a crash, a sanitizer
        report, a hang or an exit status other than 0, 1 or 2. `stdout` may be a file
        to write to instead of a pipe (then the result has no stdout)."""
        argv = [*(prefix or []), str(binary or self.archport), *args]
        limit = timeout or self.timeout
        start = time.monotonic()
        # A session of its own, so that a hang is ended with everything it started
        # (runuser forks the scanner as a child; killing runuser alone leaves it running).
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, cwd=self.root, start_new_session=True,
                                env=None if env is None else {**os.environ, **env})
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise Failure(f"no answer after {limit:.0f} s (hang or far too slow)") from None
        seconds = time.monotonic() - start
        stderr = err.decode("utf-8", "replace")
        if proc.returncode < 0:
            raise Failure(f"killed by signal {signal_name(-proc.returncode)}{stderr_tail(stderr)}")
        for marker in SANITIZER_MARKERS:
            if marker in stderr:
                line = next(ln for ln in stderr.splitlines() if marker in ln)
                raise Failure(f"sanitizer report: {line.strip()}")
        if proc.returncode not in (0, 1, 2):
            raise Failure(f"exit status {proc.returncode}, expected 0, 1 or 2{stderr_tail(stderr)}")
        return ScanResult(argv, proc.returncode, out or b"", stderr, seconds)

    def unprivileged(self) -> tuple[list[str], Path]:
        """A command prefix that runs as an unprivileged user, and a binary it may run.

        As root, file permissions do not stop reads, so an "unreadable" file is
        readable. The scanner is then run as `nobody` through runuser or setpriv.
        That user may not be able to reach the binary under test (e.g. in a
        private home directory), so a copy is made in a world-readable directory
        when needed. Raises Skip when none of this works.
        """
        if self._unprivileged is not None:
            return self._unprivileged
        if self._unprivileged_error is not None:
            raise Skip(self._unprivileged_error)
        if os.geteuid() != 0:
            self._unprivileged = ([], self.archport)
            return self._unprivileged
        candidates = [
            ["runuser", "-u", "nobody", "--"],
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"],
        ]
        for prefix in candidates:
            if shutil.which(prefix[0]) is None:
                continue
            if run_quietly(prefix + ["true"]) != 0:
                continue
            binary = self.archport
            if run_quietly(prefix + ["test", "-x", str(binary)]) != 0:
                shared = self.root / "bin"
                shared.mkdir(exist_ok=True)
                shared.chmod(0o755)
                binary = shared / "archport"
                shutil.copy2(self.archport, binary)
                binary.chmod(0o755)
            if run_quietly(prefix + ["test", "-x", str(binary)]) != 0:
                continue
            if run_quietly(prefix + ["test", "-r", str(self.root)]) != 0:
                self._unprivileged_error = f"{self.root} is not reachable by nobody (is TMPDIR private?)"
                raise Skip(self._unprivileged_error)
            self._unprivileged = (prefix, binary)
            return self._unprivileged
        self._unprivileged_error = "running as root and neither runuser nor setpriv can switch to nobody"
        raise Skip(self._unprivileged_error)


def run_quietly(argv: list[str]) -> int:
    """Exit status of `argv` with its output discarded (127 if it cannot start)."""
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 127


def signal_name(number: int) -> str:
    """SIGSEGV for 11, and so on."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# ---------------------------------------------------------------------------
# The cases. Each is a function of the Context that raises Failure or Skip,
# or returns an informational string (printed as a `#` line) or None.

CASES: list[tuple[str, Callable[[Context], str | None]]] = []


def case(name: str):
    """Registers a test case under `name`, in the order of definition."""
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


def text_with_damage(damage: bytes) -> bytes:
    """An ungated x86 statement on line 2, then a line of ordinary code, then `damage`.

    The statement comes before the damage, so it is ungated whatever the damage
    does to the rest of the file: a scanner that gives up on the whole file
    (instead of on what follows the damage) misses it.
    """
    return b"#include <stdint.h>\n" + ASM_LINE + b"\nstatic int counter;\n" + damage


def damaged_source_case(ctx: Context, name: str, file: str, damage: bytes) -> None:
    """Builds `file` with `damage` after an x86 statement; the statement and ok.c must be found."""
    d = ctx.case_dir(name)
    (d / file).write_bytes(text_with_damage(damage))
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_not_unreadable(file)
    r.expect_finding(ASM_RULE, file, 2)


@case("binary-file-named-c")
def _binary_blob(ctx: Context):
    """Random bytes with NULs in `blob.c`: a vendored object renamed, or a corrupt checkout."""
    d = ctx.case_dir("binary-file-named-c")
    rng = random.Random(1)
    blob = bytearray(rng.getrandbits(8) for _ in range(64 * 1024))
    blob[100:108] = bytes(8)  # make sure there are NUL bytes
    (d / "blob.c").write_bytes(bytes(blob))
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_unreadable("blob.c")


@case("shared-object")
def _shared_object(ctx: Context):
    """An ELF `.so` next to the sources: not a source file, must not upset the walk."""
    d = ctx.case_dir("shared-object")
    rng = random.Random(2)
    elf = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\x3e\x00" + bytes(rng.getrandbits(8) for _ in range(32 * 1024))
    (d / "libfoo.so").write_bytes(elf)
    (d / "libfoo.so.1.2").write_bytes(elf)
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    errors = [f for f in r.findings() if str(f.get("file", "")).startswith("libfoo.so")
              and f.get("severity") == "error"]
    if errors:
        raise Failure(f"binary libfoo.so gave error findings: {errors[:2]}")


@case("nul-byte-in-text")
def _nul_in_text(ctx: Context):
    """A stray NUL in otherwise plain C: gcc ignores it with a warning and so
    does archport: a message naming the file, and the rest of it is scanned."""
    d = ctx.case_dir("nul-byte-in-text")
    (d / "nul.c").write_bytes(b"int a;\nint b = 1;\0\nint c;\n" + ASM_LINE + b"\n")
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_message("nul.c")
    r.expect_not_unreadable("nul.c")
    r.expect_finding("c/asm-x86", "nul.c", 4)


@case("invalid-utf8")
def _invalid_utf8(ctx: Context):
    """Latin-1 and broken UTF-8 in comments and strings is common in old code: scan it anyway."""
    d = ctx.case_dir("invalid-utf8")
    source = (
        b"/* Copyright (c) 1999 Fran\xe7ois M\xfcller \xff\xfe\xc0\x80 */\n"     # 1: Latin-1, bad bytes
        b'static const char *greeting = "caf\xe9 \xc3\x28 \x80\xbf \xed\xa0\x80";\n'  # 2: bad UTF-8 in a string
        b"static const char mark = '\xa7';\n"                                    # 3: in a char literal
        b"// trailing \xf8\x88\x80\x80\x80 five-byte form\n"                       # 4: in a line comment
        + ASM_LINE + b"\n"                                                        # 5
    )
    (d / "latin1.c").write_bytes(source)
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_not_unreadable("latin1.c")
    r.expect_finding(ASM_RULE, "latin1.c", 5)


@case("huge-c-file")
def _huge_file(ctx: Context):
    """A generated C file of ~100 MB (configurable): scanned to the end, or refused as too large.

    Either answer is allowed, but not a crash, not a hang, and not a silent
    truncation: an x86 statement on the last line must be found if the file
    was scanned at all.
    """
    d = ctx.case_dir("huge-c-file", parent=ctx.root)  # outside cases/: the combined case skips it
    size = ctx.huge_mb * 1024 * 1024
    lines = 0
    with open(d / "huge.c", "wb") as out:
        out.write(b"#include <stddef.h>\n#include <stdint.h>\n\n")
        lines += 3
        n = 0
        while out.tell() < size:
            block = (
                f"/* generated table accessor {n} */\n"
                f"static int table_{n}[16] = {{ {', '.join(str((n * 7 + i) % 97) for i in range(16))} }};\n"
                f"int lookup_{n}(size_t i)\n{{\n"
                f"\tif (i >= sizeof table_{n} / sizeof table_{n}[0])\n\t\treturn -1;\n"
                f"\treturn table_{n}[i] + (int)(i * {n % 13}u);\n}}\n\n"
            ).encode()
            out.write(block)
            lines += block.count(b"\n")
            n += 1
        out.write(ASM_LINE + b"\n")
        lines += 1
        actual = out.tell()
    r = ctx.scan(d, timeout=ctx.huge_timeout)
    r.expect_good_file_scanned()
    mib = actual / (1024 * 1024)
    if r.findings(UNREADABLE_RULE, "huge.c"):
        r.expect_message("huge.c")
        return f"{mib:.0f} MiB file refused as unreadable/too large in {r.seconds:.2f} s"
    r.expect_finding(ASM_RULE, "huge.c", lines)
    return f"{mib:.0f} MiB file scanned to its last line in {r.seconds:.2f} s ({mib / max(r.seconds, 1e-9):.0f} MiB/s)"


@case("if-without-endif")
def _if_without_endif(ctx: Context):
    """`#if` that is never closed: the compiler fails, the scanner must not."""
    damaged_source_case(ctx, "if-without-endif", "noendif.c",
                        b"#if defined(FEATURE_X)\nint feature_x(void) { return 1; }\n#ifdef NESTED\nint n;\n")


@case("stray-endif")
def _stray_endif(ctx: Context):
    """`#endif` with no `#if`: the conditional stack must not underflow."""
    damaged_source_case(ctx, "stray-endif", "stray.c", b"#endif\n#endif /* again */\nint after;\n")


@case("else-without-if")
def _else_without_if(ctx: Context):
    """`#else` and `#elif` with no `#if`: the conditional stack must not underflow."""
    damaged_source_case(ctx, "else-without-if", "noif.c",
                        b"#else\nint other;\n#elif defined(__aarch64__)\nint arm;\n#endif\n")


@case("unterminated-block-comment")
def _unterminated_comment(ctx: Context):
    """`/*` that never closes, to end of file: the lexer must stop at EOF."""
    damaged_source_case(ctx, "unterminated-block-comment", "comment.c",
                        b"/* this comment never ends\n * __asm__(\"cpuid\");\n *")


@case("unterminated-string")
def _unterminated_string(ctx: Context):
    """A string literal with no closing quote, at end of file."""
    damaged_source_case(ctx, "unterminated-string", "string.c",
                        b'const char *s = "no closing quote\\\nstill going \\"')


@case("unterminated-char-literal")
def _unterminated_char(ctx: Context):
    """A character literal with no closing quote, and one ending in a backslash at EOF."""
    damaged_source_case(ctx, "unterminated-char-literal", "char.c", b"char c = 'x;\nchar d = '\\")


@case("backslash-newline-at-eof")
def _backslash_at_eof(ctx: Context):
    """A line continuation as the last bytes: line splicing must not read past the end."""
    damaged_source_case(ctx, "backslash-newline-at-eof", "splice.c", b"#define LAST_MACRO(x) \\\n\t(x) + \\\n")


@case("truncated-mid-asm")
def _truncated_asm(ctx: Context):
    """A file cut off right after `__asm__(`: the asm parser must stop at EOF."""
    d = ctx.case_dir("truncated-mid-asm")
    (d / "cut.c").write_bytes(text_with_damage(b"void g(void)\n{\n\t__asm__("))
    (d / "cut2.c").write_bytes(text_with_damage(b'void h(void) { __asm__ volatile("mov %%eax, %0" : "=r"('))
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_finding(ASM_RULE, "cut.c", 2)
    r.expect_finding(ASM_RULE, "cut2.c", 2)


@case("unreadable-file")
def _unreadable_file(ctx: Context):
    """A file without read permission (run as nobody): reported, and the walk goes on."""
    prefix, binary = ctx.unprivileged()
    base = ctx.root / "unprivileged"
    base.mkdir(mode=0o755, exist_ok=True)
    base.chmod(0o755)
    d = ctx.case_dir("unreadable-file", parent=base)
    d.chmod(0o755)
    (d / GOOD_NAME).chmod(0o644)
    secret = d / "secret.c"
    secret.write_bytes(text_with_damage(b""))
    secret.chmod(0o000)
    r = ctx.scan(d, prefix=prefix, binary=binary)
    r.expect_good_file_scanned()
    r.expect_unreadable("secret.c")
    return None if prefix else "not root: ran as the current user"


@case("unreadable-directory")
def _unreadable_directory(ctx: Context):
    """A directory without read/search permission (run as nobody): reported, and the walk goes on."""
    prefix, binary = ctx.unprivileged()
    base = ctx.root / "unprivileged"
    base.mkdir(mode=0o755, exist_ok=True)
    base.chmod(0o755)
    d = ctx.case_dir("unreadable-directory", parent=base)
    d.chmod(0o755)
    (d / GOOD_NAME).chmod(0o644)
    private = d / "private"
    private.mkdir()
    (private / "hidden.c").write_bytes(text_with_damage(b""))
    private.chmod(0o000)
    r = ctx.scan(d, prefix=prefix, binary=binary)
    r.expect_good_file_scanned()
    r.expect_message("private")
    return None if prefix else "not root: ran as the current user"


@case("symlink-loop")
def _symlink_loop(ctx: Context):
    """`a.c -> b.c`, `b.c -> a.c`: opening either gives ELOOP; reported, not followed forever."""
    d = ctx.case_dir("symlink-loop")
    os.symlink("b.c", d / "a.c")
    os.symlink("a.c", d / "b.c")
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_unreadable("a.c", "b.c")


@case("directory-symlink-cycle")
def _directory_cycle(ctx: Context):
    """`dir/loop -> ..`: the walk must end, and see each real file once, not via the loop."""
    d = ctx.case_dir("directory-symlink-cycle")
    (d / "dir").mkdir()
    (d / "dir" / "inner.c").write_bytes(text_with_damage(b""))
    os.symlink("..", d / "dir" / "loop")
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_finding(ASM_RULE, "dir/inner.c", 2)
    through_loop = sorted({f.get("file") for f in r.findings() if "loop/" in str(f.get("file", ""))})
    if through_loop:
        raise Failure(f"files reached through the symlink cycle: {through_loop[:3]}")
    for file in (GOOD_NAME, "dir/inner.c"):
        count = len(r.findings(ASM_RULE, file))
        if count != 1:
            raise Failure(f"{file}: {count} {ASM_RULE} findings, expected exactly 1 (walked twice?)")


@case("dangling-symlink")
def _dangling_symlink(ctx: Context):
    """`gone.c -> missing.c`: a broken link in a checkout must not stop the scan."""
    d = ctx.case_dir("dangling-symlink")
    os.symlink("missing.c", d / "gone.c")
    os.symlink("no/such/dir", d / "gone-dir")
    r = ctx.scan(d)
    r.expect_good_file_scanned()


@case("path-does-not-exist")
def _missing_path(ctx: Context):
    """A PATH argument that does not exist: exit status 2 and a message naming it."""
    missing = ctx.root / "does-not-exist"
    r = ctx.scan(missing)
    if r.returncode != 2:
        raise Failure(f"exit status {r.returncode}, expected 2{stderr_tail(r.stderr)}")
    r.expect_message("does-not-exist")


@case("empty-file")
def _empty_file(ctx: Context):
    """Zero-byte sources (an empty header, an empty Makefile) are valid, not unreadable."""
    d = ctx.case_dir("empty-file")
    for name in ("empty.c", "empty.h", "empty.S", "Makefile", "CMakeLists.txt"):
        (d / name).write_bytes(b"")
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    for name in ("empty.c", "empty.h", "empty.S", "Makefile", "CMakeLists.txt"):
        r.expect_not_unreadable(name)


@case("crlf-line-endings")
def _crlf(ctx: Context):
    """Windows line endings: x86 code is still found, on the right line (CRLF is one line break)."""
    d = ctx.case_dir("crlf-line-endings")
    source = b"#include <stdint.h>\r\n\r\n" + ASM_LINE + b"\r\n#if defined(X)\r\nint x;\r\n#endif\r\n"
    (d / "crlf.c").write_bytes(source)
    (d / "crlf.h").write_bytes(b"#pragma once\r\n#include <immintrin.h>\r\n" + ASM_LINE + b"\r\n")
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_finding(ASM_RULE, "crlf.c", 3)
    r.expect_finding(ASM_RULE, "crlf.h", 3)


@case("very-long-line")
def _long_line(ctx: Context):
    """A 1 MB single line (minified table): no fixed line buffer may overflow or cut it.

    `long.c` has the long line, then x86 code on line 2; `tail.c` is one 1 MB
    line with no final newline whose last bytes are the x86 code.
    """
    d = ctx.case_dir("very-long-line")
    parts, size, i = [], 0, 0
    while size < 1024 * 1024:
        part = f"int v{i} = {i * 31 % 1000};".encode()
        parts.append(part)
        size += len(part) + 1
        i += 1
    long_line = b" ".join(parts)
    (d / "long.c").write_bytes(long_line + b"\n" + ASM_LINE + b"\n")
    (d / "tail.c").write_bytes(long_line + b" " + ASM_LINE)
    r = ctx.scan(d)
    r.expect_good_file_scanned()
    r.expect_finding(ASM_RULE, "long.c", 2)
    r.expect_finding(ASM_RULE, "tail.c", 1)


# ---------------------------------------------------------------------------
# `archport stub` on bad trees: the printed patch must apply (git apply and
# patch(1), which read names and line ends differently), `stub --write` must
# give the same tree as applying it, and every byte of a line the patch does
# not edit must come through: NUL, invalid UTF-8, CR, a missing final newline.

#: A small crate, for the Rust writer: its x86 intrinsic call gets a cfg and a twin.
CARGO_TOML = b'[package]\nname = "bytes"\nversion = "0.1.0"\nedition = "2021"\n'


def run_tool(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """A git or patch command; its output is kept for the failure message."""
    return subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)


def tree_files(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` (but .git), by its path relative to root."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            p = Path(dirpath) / name
            files[str(p.relative_to(root))] = p.read_bytes()
    return files


def split_lines(data: bytes) -> list[bytes]:
    """The lines of a file, each with its own end (b"\\n", b"\\r\\n" or none)."""
    parts = data.split(b"\n")   # not splitlines(): a lone CR is no line end
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def removed_lines(patch: bytes) -> dict[str, set[int]]:
    """For each file of a unified diff, the 1-based old line numbers it removes.

    Names are read back from the +++ lines: C-quoted ones are decoded as git
    writes them (octal escapes are bytes), a trailing tab is dropped."""
    removed: dict[str, set[int]] = {}
    current, old = None, 0
    for line in patch.split(b"\n"):
        if line.startswith(b"+++ "):
            current = decode_diff_name(line[4:])[2:]
            removed.setdefault(current, set())
        elif line.startswith(b"@@ "):
            old = int(line.split(b" ")[1][1:].split(b",")[0])
            old = max(old, 1)
        elif current is not None and line.startswith(b"-") and not line.startswith(b"--- "):
            removed[current].add(old)
            old += 1
        elif current is not None and line.startswith(b" "):
            old += 1
    return removed


def decode_diff_name(raw: bytes) -> str:
    """A ---/+++ name as git writes it, back to the file name (surrogateescape str)."""
    if raw.endswith(b"\t"):
        raw = raw[:-1]
    if not raw.startswith(b'"'):
        return raw.decode("utf-8", "surrogateescape")
    out, i, body = bytearray(), 0, raw[1:-1]
    names = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}
    while i < len(body):
        c = body[i]
        if c != ord("\\"):
            out.append(c)
            i += 1
        elif body[i + 1] in names:
            out.append(names[body[i + 1]])
            i += 2
        elif body[i + 1] in b"01234567":
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(body[i + 1])
            i += 2
    return out.decode("utf-8", "surrogateescape")


def expect_kept_outside_hunks(original: dict[str, bytes], written: dict[str, bytes],
                              patch: bytes) -> None:
    """Every line of every original file that the patch does not remove is in the
    written file, byte for byte and in order; files the patch does not name are
    unchanged."""
    removed = removed_lines(patch)
    for rel, before in original.items():
        after = written.get(rel)
        if after is None:
            raise Failure(f"{rel!r} is gone after stub --write")
        if rel not in removed:
            if after != before:
                raise Failure(f"{rel!r} changed though the patch does not name it")
            continue
        new_lines, at = split_lines(after), 0
        for number, line in enumerate(split_lines(before), 1):
            if number in removed[rel]:
                continue
            while at < len(new_lines) and new_lines[at] != line:
                if not line.endswith(b"\n") and new_lines[at].rstrip(b"\r\n") == line:
                    break   # the unterminated last line may gain an end
                at += 1
            if at == len(new_lines):
                raise Failure(f"{rel!r}: line {number} {line[:60]!r} is not kept byte for byte")
            at += 1


def expect_patched(patch: bytes, *names: str) -> None:
    """Fails unless the patch edits each of `names` (else a byte check proves nothing)."""
    patched = removed_lines(patch)
    missing = [n for n in names if n not in patched]
    if missing:
        raise Failure(f"the patch does not edit {missing[:3]} (it names {sorted(patched)[:5]})")


def stub_patch_and_write(ctx: Context, d: Path, *messages: str) -> tuple[bytes, dict[str, bytes]]:
    """`stub` then `stub --write` on copies of the tree `d`; returns the patch and the
    written tree after checking: exit 0, stderr names `messages`, `git apply --check`
    and `patch -p1 --dry-run` accept the patch in a copy, git apply and patch -p1 each
    give exactly the tree --write gives, and no byte outside the patched lines changed."""
    work = ctx.root / "stub-work" / d.name
    shutil.copytree(d, work / "applied", symlinks=True)
    shutil.copytree(d, work / "written", symlinks=True)
    shutil.copytree(d, work / "patched", symlinks=True)
    original = tree_files(d)
    r = ctx.run(["stub", str(d), "--target", "aarch64"])
    if r.returncode != 0:
        raise Failure(f"stub exit {r.returncode}, expected 0{stderr_tail(r.stderr)}")
    if not r.stdout:
        raise Failure(f"stub printed no patch{stderr_tail(r.stderr)}")
    for name in messages:
        r.expect_message(name)
    patch = work / "stub.patch"
    patch.write_bytes(r.stdout)
    for argv in (["git", "apply", "--check", str(patch)], ["patch", "-p1", "--dry-run", "-i", str(patch)]):
        p = run_tool(argv, work / "applied")
        if p.returncode != 0:
            raise Failure(f"`{' '.join(argv[:3])}` refuses the patch: {p.stderr.decode(errors='replace').strip()[:300]}")
    for argv, copy in ((["git", "apply", str(patch)], "applied"), (["patch", "-s", "-p1", "-i", str(patch)], "patched")):
        p = run_tool(argv, work / copy)
        if p.returncode != 0:
            raise Failure(f"`{argv[0]}` failed: {p.stderr.decode(errors='replace').strip()[:300]}")
    w = ctx.run(["stub", str(work / "written"), "--target", "aarch64", "--write"])
    if w.returncode != 0:
        raise Failure(f"stub --write exit {w.returncode}, expected 0{stderr_tail(w.stderr)}")
    written = tree_files(work / "written")
    for copy, tool in (("applied", "git apply"), ("patched", "patch -p1")):   # the same tree as --write
        applied = tree_files(work / copy)
        if applied != written:
            differ = sorted(k for k in set(applied) | set(written) if applied.get(k) != written.get(k))
            raise Failure(f"stub --write and the patch applied by {tool} differ in {differ[:4]}")
    expect_kept_outside_hunks(original, written, r.stdout)
    return r.stdout, written


@case("stub-nul-bytes")
def _stub_nul_bytes(ctx: Context):
    """NUL bytes in edited and unedited lines of C and Rust: carried byte for byte."""
    d = ctx.case_dir("stub-nul-bytes")
    padding = b"".join(b"int pad%d;\n" % i for i in range(40))   # a few NULs in text, not a binary
    nul_c = b"int a;\0\0int b;\n" + ASM_LINE + b" /* \0 */\nint c;\0\n" + padding
    (d / "nul.c").write_bytes(nul_c)
    (d / "Cargo.toml").write_bytes(CARGO_TOML)
    (d / "src").mkdir()
    lib_rs = (b'pub const S: &str = "a\0b";\n'
              b'pub fn ticks() -> u64 { unsafe { core::arch::x86_64::_rdtsc() } } // "a\0b"\n'
              b'pub fn two() -> u32 { 2 }\n')
    (d / "src" / "lib.rs").write_bytes(lib_rs)
    patch, written = stub_patch_and_write(ctx, d, "nul.c", "lib.rs")
    expect_patched(patch, "nul.c", "src/lib.rs")
    if b"int a;\0\0int b;\n" not in written["nul.c"] or b"int c;\0\n" not in written["nul.c"]:
        raise Failure(f"nul.c lost its NUL bytes: {written['nul.c'][:80]!r}")
    if b'"a\0b"' not in written["src/lib.rs"] or written["src/lib.rs"].count(b"\0") != 2:
        raise Failure(f"lib.rs lost its NUL bytes: {written['src/lib.rs'][:120]!r}")
    if b" /* \0 */" not in written["nul.c"]:
        raise Failure("the edited asm line of nul.c lost its NUL")
    return f"patch of {len(patch)} bytes applies and keeps every NUL"


@case("stub-line-ends")
def _stub_line_ends(ctx: Context):
    """CRLF, a lone CR, invalid UTF-8 and no final newline: kept; new lines of a CRLF file are CRLF."""
    d = ctx.case_dir("stub-line-ends")
    crlf = b"#include <stdint.h>\r\nint lone = 1;\r/* cr */\r\n" + ASM_LINE + b"\r\nint bad\xff\xfe = 2;\r\nint last;"
    (d / "crlf.c").write_bytes(crlf)
    edited_last = b"int keep;\n" + ASM_LINE   # the unterminated last line is the one patched
    (d / "tail.c").write_bytes(edited_last)
    (d / "latin1.c").write_bytes(b"/* caf\xe9 */\n" + ASM_LINE + b"\n")
    # a line the Makefile writer rewrites (the x86 option becomes a variable)
    (d / "Makefile").write_bytes(b"CFLAGS = -O2 -msse4.2\r\nall: ok.o\r\n\t$(CC) $(CFLAGS) -c ok.c\r\n")
    patch, written = stub_patch_and_write(ctx, d)
    expect_patched(patch, "crlf.c", "tail.c", "latin1.c", "Makefile")
    if patch.count(b"\\ No newline at end of file\n") < 2:
        raise Failure("the patch lacks git's `\\ No newline at end of file` marker for crlf.c and tail.c")
    if any(not ln.endswith(b"\r\n") for ln in split_lines(written["Makefile"])):
        raise Failure(f"the rewritten CRLF Makefile has a bare LF line: {written['Makefile'][:200]!r}")
    out = written["crlf.c"]
    if not out.endswith(b"\r\nint last;"):
        raise Failure(f"crlf.c's unedited last line gained or lost bytes: {out[-30:]!r}")
    lines = split_lines(out)
    bare = [ln for ln in lines[:-1] if not ln.endswith(b"\r\n")]
    if bare:
        raise Failure(f"crlf.c has lines ending in a bare LF after the patch: {bare[0][:60]!r}")
    if b"int lone = 1;\r/* cr */\r\n" not in out or b"int bad\xff\xfe = 2;\r\n" not in out:
        raise Failure("crlf.c lost its lone CR or its invalid UTF-8")
    if b"caf\xe9" not in written["latin1.c"]:
        raise Failure("latin1.c lost its Latin-1 byte")
    return None


#: File names git quotes (or, for the space, follows with a tab in ---/+++ lines).
HOSTILE_NAMES = ["sp ace.c", 'q"uote.c', "t\tab.c", "back\\slash.c", "new\nline.c",
                 "caf\u00e9.c", "lat\udce9in.c", "esc\x1b[31m.c", "del\x7f.c"]


@case("stub-hostile-names")
def _stub_hostile_names(ctx: Context):
    """Names with spaces, quotes, tabs, backslashes, newlines, ESC, UTF-8 and Latin-1 bytes:
    the patch names them as `git diff` does, and git apply and patch -p1 accept it."""
    d = ctx.case_dir("stub-hostile-names")
    for name in HOSTILE_NAMES:
        (d / os.fsencode(name).decode("utf-8", "surrogateescape")).write_bytes(ASM_LINE + b"\n")
    patch, written = stub_patch_and_write(ctx, d)
    expect_patched(patch, *HOSTILE_NAMES)
    # the oracle: git's own diff of the tree that stub --write made, against the original
    repo = ctx.root / "stub-work" / d.name / "git"
    shutil.copytree(d, repo)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                 ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t"]):
        if run_tool(argv, repo).returncode != 0:
            raise Skip(f"`{' '.join(argv)}` failed")
    for rel, data in written.items():
        (repo / os.fsdecode(os.fsencode(rel))).write_bytes(data)
    git = run_tool(["git", "-c", "core.quotePath=true", "diff", "--no-color"], repo).stdout
    def headers(text: bytes) -> list[bytes]:
        return sorted(ln for ln in text.split(b"\n") if ln.startswith((b"--- ", b"+++ ")))
    if headers(patch) != headers(git):
        ours = set(headers(patch)) - set(headers(git))
        theirs = set(headers(git)) - set(headers(patch))
        raise Failure(f"---/+++ lines differ from git diff's: ours {sorted(ours)[:3]}, git's {sorted(theirs)[:3]}")
    return f"{len(HOSTILE_NAMES)} names quoted as git quotes them"


@case("report-hostile-names")
def _report_hostile_names(ctx: Context):
    """ESC and newlines in a file name and its code: the text report escapes them; JSON,
    SARIF, Markdown and HTML carry no raw control byte and JSON gives the name back."""
    d = ctx.case_dir("report-hostile-names")
    name = "e\x1b[2Jx\nfake.c:1:1: error: forged.c"
    (d / name).write_bytes(b"void f(void) { __asm__(\"rdtsc\"); } /* \x1b]0;title\x07 */\n")
    r = ctx.run(["scan", str(d), "--target", "aarch64"])
    for bad in (b"\x1b", b"\x07"):
        if bad in r.stdout:
            raise Failure(f"the text report prints {bad!r} raw")
    if b"\nfake.c" in r.stdout:
        raise Failure("the newline of the file name starts a forged report line")
    if b"e\\033[2Jx\\nfake.c" not in r.stdout:
        raise Failure(f"the text report does not show the name escaped: {r.stdout[:200]!r}")
    js = ctx.scan(d)
    js.expect_finding(ASM_RULE, name, 1)
    copy = ctx.root / "stub-work" / d.name
    shutil.copytree(d, copy)
    err = ctx.run(["stub", str(copy), "--write"]).stderr   # "wrote NAME" on stderr
    if "\x1b" in err or "\nfake.c" in err or "e\\033[2Jx\\nfake.c" not in err:
        raise Failure(f"`archport stub --write` does not name the file escaped on stderr: {err[:160]!r}")
    for fmt in ("sarif", "markdown", "html"):
        out = ctx.run(["scan", str(d), "--target", "aarch64", "--format", fmt]).stdout
        raw = [c for c in out if c < 0x20 and c not in (9, 10, 13)]
        if raw:
            raise Failure(f"the {fmt} report holds raw control byte {raw[0]:#04x}")
        if fmt == "sarif":   # the location is the name, percent-encoded
            sarif = json.loads(out.decode("utf-8"))
            uris = [loc["physicalLocation"]["artifactLocation"]["uri"]
                    for res in sarif["runs"][0]["results"] for loc in res["locations"]]
            if urllib.parse.unquote(uris[0]) != name or any(c in uris[0] for c in " \x1b\n"):
                raise Failure(f"SARIF names the file as {uris[0]!r}")
    return None


@case("write-errors")
def _write_errors(ctx: Context):
    """stdout or -o on a full device: exit 2 with a message, and the device is left a device."""
    full = Path("/dev/full")
    if not full.is_char_device():
        raise Skip("/dev/full is not a character device here")
    d = ctx.case_dir("write-errors")
    checks = [(["stub", str(d)], True, "standard output"), (["stub", str(d), "-o", str(full)], False, "/dev/full"),
              (["scan", str(d)], True, "standard output"), (["scan", str(d), "-o", str(full)], False, "/dev/full"),
              (["scan", str(d), "--format", "json", "-o", str(full)], False, "/dev/full")]
    for args, to_stdout, what in checks:
        if to_stdout:
            with open(full, "wb") as sink:   # opened for writing only: never created or renamed
                r = ctx.run(args, stdout=sink)
        else:
            r = ctx.run(args)
        if r.returncode != 2:
            raise Failure(f"`archport {' '.join(args)}` with output on /dev/full: exit {r.returncode}, expected 2")
        r.expect_message(what)
        if not full.is_char_device():
            raise Failure(f"`archport {' '.join(args)}` replaced /dev/full")
    return None


@case("all-cases-in-one-tree")
def _combined(ctx: Context):
    """Every case tree above (but the huge file and the unprivileged ones) in one scan, with -j 2.

    Bad inputs meet each other and the worker threads here; each case's ok.c
    must still be found under its own directory.
    """
    dirs = sorted(p.name for p in ctx.cases_dir.iterdir() if p.is_dir() and not p.is_symlink())
    if not dirs:
        raise Skip("no case trees were built")
    r = ctx.scan(ctx.cases_dir, "-j", "2")
    for name in dirs:
        r.expect_good_file_scanned(prefix=name + "/")
    r.expect_message("blob.c")
    return f"{len(dirs)} case trees scanned together in {r.seconds:.2f} s"


# ---------------------------------------------------------------------------
# `stub --write` on hostile trees: it never writes outside PATH or through a
# symlink, keeps each file's owner, mode and hard links, writes all or
# nothing, and refuses uncommitted work in a git checkout without --force.
# These trees live outside cases/, so the combined scan above is unchanged.

#: What `stub --write` puts before ok.c's asm line: the gate.
GATE = b"#if defined(__x86_64__)"


def write_case_dir(ctx: Context, name: str) -> Path:
    """A directory for one --write case (outside cases/): `tree/` with ok.c, and room beside it."""
    base = ctx.root / "write-cases" / name
    (base / "tree").mkdir(parents=True)
    (base / "tree" / GOOD_NAME).write_bytes(GOOD_SOURCE)
    return base


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under `root`, never following a symlink: kind, bytes or link target, owner, mode, links."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            if p.is_symlink():
                body = ("link", os.readlink(p))
            elif p.is_dir():
                body = ("dir", None)
            else:
                body = ("file", p.read_bytes())
            entries[str(p.relative_to(root))] = (*body, st.st_uid, st.st_gid, st.st_mode, st.st_nlink)
    return entries


def expect_unchanged(before: dict, after: dict, where: str) -> None:
    """Fails naming the first entries that appeared, went away or changed."""
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        raise Failure(f"{where} changed: {changed[:4]}")


def expect_exit(r: ScanResult, code: int) -> None:
    if r.returncode != code:
        raise Failure(f"exit status {r.returncode}, expected {code}{stderr_tail(r.stderr)}")


def write_tree(ctx: Context, base: Path, *extra: str, changes_outside: tuple[str, ...] = ()) -> ScanResult:
    """`stub --write base/tree`; fails if anything beside the tree changed (but `changes_outside`)
    or the staging directory is left in TMPDIR."""
    tmp = base / "tmp"
    tmp.mkdir(exist_ok=True)
    def outside() -> dict:
        return {k: v for k, v in snapshot(base).items()
                if k != "tree" and not k.startswith(("tree/", "tmp")) and k not in changes_outside}
    before = outside()
    r = ctx.stub(base / "tree", "--write", *extra, env={"TMPDIR": str(tmp)})
    expect_unchanged(before, outside(), "outside PATH")
    left = sorted(p.name for p in tmp.iterdir())
    if left:
        raise Failure(f"left in TMPDIR: {left}")
    return r


def arch_dir_tree(base: Path) -> Path:
    """tree/ as fixtures/arch-dir (arch/x86_64 picked by the Makefile, no aarch64 twin) plus ok.c to patch."""
    tree = base / "tree"
    shutil.copytree(REPO / "fixtures" / "arch-dir", tree, dirs_exist_ok=True)
    return tree


@case("write-symlink-out-of-tree")
def _write_symlink_out(ctx: Context):
    """`linkdir -> ../outside/dir` and `out.c -> ../outside/o.c` with x86 code: skipped
    (reported once each), nothing outside written, the links stay links."""
    base = write_case_dir(ctx, "write-symlink-out-of-tree")
    tree, outside = base / "tree", base / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "dir" / "inner.c").write_bytes(text_with_damage(b""))
    (outside / "o.c").write_bytes(text_with_damage(b""))
    os.symlink("../outside/dir", tree / "linkdir")
    os.symlink("../outside/o.c", tree / "out.c")
    r = ctx.scan(tree)
    r.expect_good_file_scanned()
    for link in ("linkdir", "out.c"):
        r.expect_message(link)
        if len(r.findings(UNREADABLE_RULE, link)) != 1:
            raise Failure(f"{link}: {len(r.findings(UNREADABLE_RULE, link))} {UNREADABLE_RULE} findings, expected 1")
    stray = sorted({f["file"] for f in r.findings() if str(f.get("file", "")).startswith("linkdir/")})
    if stray:
        raise Failure(f"read through the symlink out of the tree: {stray}")
    w = write_tree(ctx, base)
    expect_exit(w, 0)
    w.expect_message("linkdir", "out.c")
    for link, target in (("linkdir", "../outside/dir"), ("out.c", "../outside/o.c")):
        if not (tree / link).is_symlink() or os.readlink(tree / link) != target:
            raise Failure(f"{link} is no longer the symlink to {target}")
    if GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure(f"{GOOD_NAME} was not patched{stderr_tail(w.stderr)}")


@case("write-in-tree-alias")
def _write_alias(ctx: Context):
    """`alias.c -> sub/real.c`: reported and patched once, through real.c, exactly as
    a tree holding real.c alone; alias.c stays a symlink."""
    base = write_case_dir(ctx, "write-in-tree-alias")
    tree, alone = base / "tree", base / "alone"
    for t in (tree, alone):
        (t / "sub").mkdir(parents=True)
        (t / "sub" / "real.c").write_bytes(text_with_damage(b""))
    os.symlink("sub/real.c", tree / "alias.c")
    r = ctx.scan(tree)
    for rule_file in ("alias.c",):
        if r.findings(ASM_RULE, rule_file):
            raise Failure(f"{rule_file} reported besides its target sub/real.c")
    if len(r.findings(ASM_RULE, "sub/real.c")) != 1:
        raise Failure(f"sub/real.c: {len(r.findings(ASM_RULE, 'sub/real.c'))} {ASM_RULE} findings, expected 1")
    diff = ctx.stub(tree)
    expect_exit(diff, 0)
    if b"alias.c" in diff.stdout or diff.stdout.count(b"+++ b/sub/real.c") != 1:
        raise Failure("the patch does not change sub/real.c exactly once (or names alias.c)")
    expect_exit(write_tree(ctx, base), 0)
    expect_exit(ctx.stub(alone, "--write"), 0)
    if (tree / "sub" / "real.c").read_bytes() != (alone / "sub" / "real.c").read_bytes():
        raise Failure("sub/real.c written through its alias differs from the same file stubbed alone (patched twice?)")
    if not (tree / "alias.c").is_symlink() or os.readlink(tree / "alias.c") != "sub/real.c":
        raise Failure("alias.c was replaced: no longer the symlink to sub/real.c")


@case("write-symlinked-twin-dir")
def _write_twin_through_link(ctx: Context):
    """`src/arch/aarch64 -> ../../../elsewhere`: no twin is written through it; refused,
    named, exit 2, and no file of the tree changed either (all or nothing)."""
    base = write_case_dir(ctx, "write-symlinked-twin-dir")
    tree = arch_dir_tree(base)
    (base / "elsewhere").mkdir()
    os.symlink("../../../elsewhere", tree / "src" / "arch" / "aarch64")
    before = snapshot(tree)
    w = write_tree(ctx, base)
    expect_exit(w, 2)
    w.expect_message("src/arch/aarch64")
    if "symlink" not in w.stderr:
        raise Failure(f"the message does not say the directory is a symlink{stderr_tail(w.stderr)}")
    expect_unchanged(before, snapshot(tree), "the tree")


@case("write-symlink-loops")
def _write_loops(ctx: Context):
    """`a.c <-> b.c` and `dir/loop -> ..`: --write ends, patches ok.c, leaves the links."""
    base = write_case_dir(ctx, "write-symlink-loops")
    tree = base / "tree"
    os.symlink("b.c", tree / "a.c")
    os.symlink("a.c", tree / "b.c")
    (tree / "dir").mkdir()
    os.symlink("..", tree / "dir" / "loop")
    w = write_tree(ctx, base)
    expect_exit(w, 0)
    if GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure(f"{GOOD_NAME} was not patched{stderr_tail(w.stderr)}")
    if [os.readlink(tree / n) for n in ("a.c", "b.c", "dir/loop")] != ["b.c", "a.c", ".."]:
        raise Failure("a symlink was replaced")


@case("write-keeps-owner-mode-links")
def _write_owner(ctx: Context):
    """ok.c owned by uid 1234, mode 0640, with a hard link outside PATH: after --write
    (as root) the same inode, owner, mode and link count, and the link sees the patch.
    The twins archport makes belong to their directory's owner, with the umask's mode."""
    if os.geteuid() != 0:
        raise Skip("needs root to give files to another user")
    base = write_case_dir(ctx, "write-keeps-owner-mode-links")
    tree = arch_dir_tree(base)
    for p in [tree, *tree.rglob("*")]:
        os.chown(p, 1234, 1234)
    ok = tree / GOOD_NAME
    ok.chmod(0o640)
    os.link(ok, base / "ok-hardlink.c")
    st = os.stat(ok)
    w = write_tree(ctx, base, changes_outside=("ok-hardlink.c",))
    expect_exit(w, 0)
    after = os.stat(ok)
    got = (after.st_ino, after.st_uid, after.st_gid, after.st_mode & 0o7777, after.st_nlink)
    want = (st.st_ino, 1234, 1234, 0o640, 2)
    if got != want:
        raise Failure(f"ok.c (inode, uid, gid, mode, links) {got}, expected {want}")
    if GATE not in (base / "ok-hardlink.c").read_bytes():
        raise Failure("the hard link outside PATH does not see the patch: ok.c was replaced, not written in place")
    umask = os.umask(0)
    os.umask(umask)
    made = [tree / "src" / "arch" / "aarch64", tree / "src" / "arch" / "aarch64" / "cpu.c"]
    for p, mode in zip(made, (0o777 & ~umask, 0o666 & ~umask)):
        if not p.exists():
            raise Failure(f"{p.relative_to(tree)} was not made{stderr_tail(w.stderr)}")
        st = os.stat(p)
        if (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (1234, 1234, mode):
            raise Failure(f"new {p.relative_to(tree)}: uid {st.st_uid} gid {st.st_gid} mode {st.st_mode & 0o7777:o}, "
                          f"expected 1234 1234 {mode:o}")


@case("write-parent-is-a-file")
def _write_parent_file(ctx: Context):
    """The twin directory's name is taken by a regular file: refused before anything is
    written (exit 2, the message names it), the tree byte-identical."""
    base = write_case_dir(ctx, "write-parent-is-a-file")
    tree = arch_dir_tree(base)
    (tree / "src" / "arch" / "aarch64").write_bytes(b"not a directory\n")
    before = snapshot(tree)
    w = write_tree(ctx, base)
    expect_exit(w, 2)
    w.expect_message("src/arch/aarch64")
    expect_unchanged(before, snapshot(tree), "the tree")


@case("write-rollback")
def _write_rollback(ctx: Context):
    """The twin directory cannot be made at commit (its parent is immutable, `chattr +i`,
    which root cannot write either) after ok.c was written: ok.c is rolled back, exit 2,
    a message says so, and the tree is byte-identical."""
    base = write_case_dir(ctx, "write-rollback")
    tree = arch_dir_tree(base)
    arch = tree / "src" / "arch"
    if shutil.which("chattr") is None or run_quietly(["chattr", "+i", str(arch)]) != 0:
        raise Skip("chattr +i is not available here")
    try:
        before = snapshot(tree)
        w = write_tree(ctx, base)
        after = snapshot(tree)
    finally:
        run_quietly(["chattr", "-i", str(arch)])
    expect_exit(w, 2)
    w.expect_message("src/arch/aarch64")
    if "rolled back" not in w.stderr:
        raise Failure(f"no message says the written files were rolled back{stderr_tail(w.stderr)}")
    expect_unchanged(before, after, "the tree after the rollback")


def git(tree: Path, *args: str) -> None:
    """git in `tree`, whoever owns it (the dirty-tree case gives it to another user)."""
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", "-c", "safe.directory=*",
                    *args], cwd=tree, check=True, capture_output=True)


@case("write-dirty-git-tree")
def _write_dirty(ctx: Context):
    """A git checkout whose ok.c has uncommitted changes: --write refuses (exit 2, names
    ok.c, says --force), changes nothing; --force writes; a clean checkout is written,
    and so is a dirty one when no git is installed (PATH without it).
    As root the checkout belongs to uid 1234, as under `sudo`, where git would refuse
    to look at it unasked: the check must not pass unseen there."""
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    base = write_case_dir(ctx, "write-dirty-git-tree")
    tree = base / "tree"
    git(tree, "init", "-q")
    git(tree, "add", GOOD_NAME)
    git(tree, "commit", "-qm", "x")
    (tree / GOOD_NAME).write_bytes(GOOD_SOURCE + b"/* work in progress */\n")
    if os.geteuid() == 0:
        for p in [tree, *tree.rglob("*")]:
            os.chown(p, 1234, 1234, follow_symlinks=False)
    before = snapshot(tree)
    w = write_tree(ctx, base)
    expect_exit(w, 2)
    w.expect_message(GOOD_NAME)
    if "--force" not in w.stderr:
        raise Failure(f"the refusal does not say how to proceed (--force){stderr_tail(w.stderr)}")
    expect_unchanged(before, snapshot(tree), "the dirty tree")
    expect_exit(write_tree(ctx, base, "--force"), 0)
    if GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure("--force did not write ok.c")
    git(tree, "checkout", "-q", "--", GOOD_NAME)
    expect_exit(write_tree(ctx, base), 0)
    if GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure("a clean checkout was not written")
    # without git to ask there is no check: written as in a plain directory
    git(tree, "checkout", "-q", "--", GOOD_NAME)
    (tree / GOOD_NAME).write_bytes(GOOD_SOURCE + b"/* work in progress */\n")
    r = ctx.stub(tree, "--write", env={"PATH": str(base / "no-git-here")})
    expect_exit(r, 0)
    if GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure(f"with no git installed, ok.c was not written{stderr_tail(r.stderr)}")


@case("write-git-submodule")
def _write_submodule(ctx: Context):
    """A file with x86 code in a checked-out submodule: scanned and written when clean
    (the superproject's index does not list it: that is no uncommitted change), refused
    by name once it has uncommitted changes of its own."""
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    base = write_case_dir(ctx, "write-git-submodule")
    tree, sub = base / "tree", base / "sub"
    sub.mkdir()
    (sub / "relax.c").write_bytes(text_with_damage(b""))
    git(sub, "init", "-q")
    git(sub, "add", "relax.c")
    git(sub, "commit", "-qm", "x")
    git(tree, "init", "-q")
    git(tree, "add", GOOD_NAME)
    git(tree, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/relax")
    git(tree, "commit", "-qm", "y")
    relax = tree / "vendor" / "relax" / "relax.c"
    original = relax.read_bytes()
    relax.write_bytes(original + b"/* work in progress */\n")
    w = write_tree(ctx, base)
    expect_exit(w, 2)
    w.expect_message("vendor/relax/relax.c")
    git(relax.parent, "checkout", "-q", "--", "relax.c")
    w = write_tree(ctx, base)
    expect_exit(w, 0)
    if GATE not in relax.read_bytes() or GATE not in (tree / GOOD_NAME).read_bytes():
        raise Failure(f"the submodule's file and ok.c were not both written{stderr_tail(w.stderr)}")


@case("submodule-not-checked-out")
def _submodule_empty(ctx: Context):
    """A submodule that was never checked out (an empty directory): reported once by name."""
    if shutil.which("git") is None:
        raise Skip("git is not installed")
    base = write_case_dir(ctx, "submodule-not-checked-out")
    tree = base / "tree"
    git(tree, "init", "-q")
    git(tree, "add", GOOD_NAME)
    (tree / "vendor" / "lib").mkdir(parents=True)
    git(tree, "update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/lib")
    r = ctx.scan(tree)
    r.expect_good_file_scanned()
    r.expect_message("vendor/lib")
    if len(r.findings(UNREADABLE_RULE, "vendor/lib")) != 1:
        raise Failure(f"expected one {UNREADABLE_RULE} finding for vendor/lib{r.describe_findings()}")


# ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description="Run `archport scan` over trees of bad inputs.")
    parser.add_argument("--archport", default=str(REPO / "bin" / "archport"),
                        help="the scanner binary to test (default: bin/archport of this repo)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds one scan may take before the case fails as a hang (default 60)")
    parser.add_argument("--huge-mb", type=int, default=100,
                        help="size of the huge C file in MiB (default 100)")
    parser.add_argument("--huge-timeout", type=float, default=300.0,
                        help="seconds the huge-file scan may take (default 300)")
    parser.add_argument("-k", "--only", action="append", default=[], metavar="SUBSTRING",
                        help="run only the cases whose name contains SUBSTRING (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary trees and say where")
    args = parser.parse_args()

    if args.list:
        for name, fn in CASES:
            print(f"{name}: {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0

    selected = [(n, fn) for n, fn in CASES if not args.only or any(s in n for s in args.only)]
    archport = Path(args.archport).resolve()
    if not (archport.is_file() and os.access(archport, os.X_OK)):
        print(f"not ok - setup: no executable archport at {archport} (run `make` first, or pass --archport)")
        print("0 passed, 1 failed")
        return 1

    root = Path(tempfile.mkdtemp(prefix="archport-badinput-"))
    root.chmod(0o755)  # the unprivileged cases run as nobody, who must reach the tree
    ctx = Context(archport, root, args.timeout, args.huge_mb, args.huge_timeout)
    print(f"# archport: {archport}")
    print(f"# trees under: {root}")
    passed = failed = skipped = 0
    try:
        for name, fn in selected:
            try:
                info = fn(ctx)
            except Failure as e:
                failed += 1
                print(f"not ok - {name}: {e}", flush=True)
                continue
            except Skip as e:
                skipped += 1
                print(f"ok - {name} # SKIP {e}", flush=True)
                continue
            except Exception as e:  # a bug in this script, not in archport: still report it per case
                failed += 1
                print(f"not ok - {name}: harness error: {type(e).__name__}: {e}", flush=True)
                continue
            passed += 1
            if info:
                print(f"# {name}: {info}")
            print(f"ok - {name}", flush=True)
    finally:
        if args.keep:
            print(f"# kept {root}")
        else:
            remove_tree(root)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def remove_tree(root: Path) -> None:
    """Deletes the temp tree, first giving back the permissions the cases took away.

    os.walk lists a directory only after it was yielded as a child, so the chmod
    comes first; symlinks are left alone (the cycle case has one to `..`).
    """
    for dirpath, dirnames, _ in os.walk(root):
        for name in dirnames:
            p = Path(dirpath) / name
            if not p.is_symlink():
                try:
                    p.chmod(0o755)
                except OSError:
                    pass
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
