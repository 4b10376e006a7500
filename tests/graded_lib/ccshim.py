#!/usr/bin/env python3
"""Compiler shim for graded.py:  ccshim.py REAL_COMPILER ARGS...

graded.py puts a `<triple>-gcc` script that execs this one first in PATH, so a
fixture is built exactly as `make CC=<triple>-gcc` builds it.  The real compiler
runs with the original arguments and its output passes through unchanged.

When the command fails and $GRADED_CC_LOG names a file, one JSON line is
appended to it with what the grader needs and cannot read from make's output:

* the directory and arguments of the command, to resolve relative paths and to
  tell the tree's own compiles from configure-time probes;
* assembler errors reported against gcc's temporary .s file (aarch64 gas does
  that; riscv64 gas already names the source line) mapped back to the source
  file and line through the .loc directives of an identical -S compile, so an
  x86 instruction in a macro expanded in spinlock.c counts against spinlock.c;
* the options the compiler rejected for this target (-msse2, -march=x86-64-v2)
  and what the same command reports without them: the driver stops at a bad
  option before reading the source, which would hide the source's own errors.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gccargs  # noqa: E402  (sibling module, importable once the path is set)

_TEMP_ASM_DIAG = re.compile(
    r"^(?P<path>\S+\.s):(?P<line>\d+): (?P<rest>(?:Error|Warning): .*)$", re.M)
_FILE_DIRECTIVE = re.compile(r'^\s*\.file\s+(\d+)\s+"([^"]*)"(?:\s+"([^"]*)")?')
_LOC_DIRECTIVE = re.compile(r"^\s*\.loc\s+(\d+)\s+(\d+)")
_FILELESS_ERROR = re.compile(r"^[\w.+-]+: (?:fatal )?error: (?P<msg>.*)$", re.M)
_QUOTED = re.compile(r"[\u2018'`]([^\u2019'`]+)[\u2019']")
_MAX_RETRIES = 3


def run(real_cc, args):
    """Run the compiler quietly; return (exit status, stderr text)."""
    proc = subprocess.run([real_cc] + args, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc.returncode, proc.stderr.decode(errors="replace")


def source_location(listing, line_no):
    """(absolute file, line) of the last .loc at or before line_no of an
    assembly listing, or None when there is none (e.g. top-level asm)."""
    files, loc = {}, None
    for text in listing[:line_no]:
        m = _FILE_DIRECTIVE.match(text)
        if m:
            num, first, second = m.groups()
            files[int(num)] = os.path.join(first, second) if second else first
            continue
        m = _LOC_DIRECTIVE.match(text)
        if m:
            loc = (int(m.group(1)), int(m.group(2)))
    if loc is None or loc[0] not in files:
        return None
    return gccargs.absolute(files[loc[0]], os.getcwd()), loc[1]


def map_temp_asm(real_cc, args, text):
    """Rewrite `/tmp/ccXXXX.s:N: Error: ...` lines as `source:line: Error: ...`
    by re-running the command with -S, which writes the same listing."""
    def is_temp(m):
        return m.group("path") not in args and not os.path.exists(m.group("path"))

    if not any(is_temp(m) for m in _TEMP_ASM_DIAG.finditer(text)):
        return text
    sources = gccargs.source_inputs(args)
    if len(sources) != 1:
        return text
    fallback = (gccargs.absolute(sources[0], os.getcwd()), 0)
    with tempfile.TemporaryDirectory() as tmp:
        listing_path = os.path.join(tmp, "listing.s")
        run(real_cc, gccargs.rewrite(args, listing_path, mode="-S"))
        try:
            with open(listing_path, errors="replace") as f:
                listing = f.read().splitlines()
        except OSError:
            listing = []

    def replace(m):
        if not is_temp(m):
            return m.group(0)
        path, line = source_location(listing, int(m.group("line"))) or fallback
        return f"{path}:{line}: {m.group('rest')}"

    return _TEMP_ASM_DIAG.sub(replace, text)


def rejected_options(args, text):
    """The arguments that fileless compiler errors name as invalid, e.g.
    "unrecognized command-line option '-msse4.2'" or
    "unknown value 'x86-64-v2' for '-march'"."""
    tokens = set()
    for m in _FILELESS_ERROR.finditer(text):
        tokens.update(_QUOTED.findall(m.group("msg")))
    names = {t.rstrip("=") for t in tokens}

    def rejected(arg):
        if not arg.startswith("-"):
            return False
        name, eq, value = arg.partition("=")
        return arg in tokens or bool(eq and value in tokens and name in names)

    return [a for a in args if rejected(a)]


def retry_without_rejected(real_cc, args, text):
    """Re-run without the rejected options until nothing more is rejected;
    return (all rejected options, the diagnostics of the re-runs)."""
    rejected_all, reports = [], []
    for _ in range(_MAX_RETRIES):
        rejected = rejected_options(args, text)
        if not rejected:
            break
        rejected_all += rejected
        args = [a for a in args if a not in rejected]
        with tempfile.TemporaryDirectory() as tmp:
            _, text = run(real_cc, gccargs.rewrite(args, os.path.join(tmp, "retry.out")))
        text = map_temp_asm(real_cc, args, text)
        reports.append(text)
    return rejected_all, "".join(reports)


def log_failure(log_path, real_cc, args, rc, text):
    """Append the JSON record described in the module docstring."""
    cwd = os.getcwd()
    rejected, retry_text = retry_without_rejected(real_cc, args, text)
    out = gccargs.output(args)
    record = {
        "cwd": cwd,
        "args": args,
        "rc": rc,
        "stderr": map_temp_asm(real_cc, args, text),
        "rejected": rejected,
        "retry_stderr": retry_text,
        "inputs": [gccargs.absolute(i, cwd) for i in gccargs.inputs(args) if i != "-"],
        "output": gccargs.absolute(out, cwd) if out else None,
    }
    with open(log_path, "a") as f:
        f.write(json.dumps(record) + "\n")


def main():
    real_cc, args = sys.argv[1], sys.argv[2:]
    proc = subprocess.run([real_cc] + args, stderr=subprocess.PIPE)
    sys.stderr.buffer.write(proc.stderr)
    sys.stderr.flush()
    log_path = os.environ.get("GRADED_CC_LOG")
    if proc.returncode != 0 and log_path:
        log_failure(log_path, real_cc, args, proc.returncode,
                    proc.stderr.decode(errors="replace"))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
