"""Error diagnostics of gcc, gas, ld, make and cmake, as (path, line, message).

Only errors count: warnings and notes never make a file "broken".  Paths are
returned absolute (resolved against the directory the tool ran in) when they
are printed with a directory, else as printed (ld names a source by the bare
file name it finds in the object's symbol table when there is no line info).
"""

import os
import re
from dataclasses import dataclass

from . import gccargs

# gcc/cc1: "src/a.c:12:5: error: ...", "a.c:3:10: fatal error: ..."
# gas:     "src/a.S:12: Error: ..." (and the shim's mapped temporary-file errors)
_COMPILER_ERROR = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:\d+:)?\s+"
    r"(?P<kind>fatal error|error|Error):\s*(?P<msg>.*)$", re.M)
# ld, with line info: "/abs/src/a.c:12: undefined reference to `g'";
# without: "a.c:(.text+0x8): undefined reference to `g'".  Newer binutils put
# the linker's own name in front.
_LINKER_ERROR = re.compile(
    r"^(?:\S*ld(?:\.bfd|\.gold)?: )?(?P<path>[^:\n]+):(?:(?P<line>\d+)|\([^)\n]*\)):\s*"
    r"(?P<msg>(?:undefined reference|multiple definition)\b.*)$", re.M)
# Errors without a file: "aarch64-linux-gnu-gcc: error: unrecognized ...",
# "cc1: error: unknown value 'x86-64-v2' for '-march'".  collect2 only says
# that ld failed, which the linker's own lines already cover.
_FILELESS_ERROR = re.compile(r"^(?P<prog>[\w.+-]+): (?:fatal )?error: (?P<msg>.*)$", re.M)
# make: "Makefile:12: *** missing separator.  Stop."
_MAKE_FATAL = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): \*\*\* (?P<msg>.*?)\.?\s+Stop\.$", re.M)
# cmake: "CMake Error at CMakeLists.txt:12 (message):" followed by the text.
_CMAKE_ERROR = re.compile(r"^CMake Error at (?P<path>[^:\n]+):(?P<line>\d+) \((?P<cmd>[^)]*)\):\n(?P<msg>.*)$", re.M)


@dataclass(frozen=True)
class Diagnostic:
    """One error, as the tool reported it."""
    path: str
    line: int
    message: str


def _resolve(path, cwd):
    """Absolute path when the printed path has a directory part or names a file
    in cwd; the bare printed name otherwise (see the module docstring)."""
    full = gccargs.absolute(path, cwd)
    if "/" in path or os.path.exists(full):
        return full
    return path


def compiler_errors(text, cwd):
    """Located compile, assemble and link errors in a compiler's stderr."""
    found = []
    for m in _COMPILER_ERROR.finditer(text):
        prefix = "fatal error: " if m.group("kind") == "fatal error" else ""
        found.append((m.start(), Diagnostic(_resolve(m.group("path"), cwd),
                                            int(m.group("line")), prefix + m.group("msg"))))
    for m in _LINKER_ERROR.finditer(text):
        found.append((m.start(), Diagnostic(_resolve(m.group("path"), cwd),
                                            int(m.group("line") or 0), m.group("msg"))))
    return [d for _, d in sorted(found, key=lambda item: item[0])]


def fileless_errors(text):
    """Messages of errors that name no file (bad options, driver failures)."""
    return [m.group("msg") for m in _FILELESS_ERROR.finditer(text)
            if m.group("prog") != "collect2"]


def make_errors(text, cwd):
    """make's own fatal errors in a makefile (syntax, missing include)."""
    return [Diagnostic(_resolve(m.group("path"), cwd), int(m.group("line")), m.group("msg"))
            for m in _MAKE_FATAL.finditer(text)]


def cmake_errors(text, source_dir):
    """`CMake Error at FILE:LINE` reports of a configure run."""
    return [Diagnostic(_resolve(m.group("path"), source_dir), int(m.group("line")),
                       f"CMake Error ({m.group('cmd')}): {m.group('msg').strip()}")
            for m in _CMAKE_ERROR.finditer(text)]
