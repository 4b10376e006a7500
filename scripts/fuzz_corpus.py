#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets (tests/fuzz/), from the fixtures.

    python3 scripts/fuzz_corpus.py fixtures build/fuzz-corpus

writes build/fuzz-corpus/lex/ (the C and header files themselves),
pp_expr/ (the text after each #if/#elif) and rust_cfg/ (the inside of
each #[cfg(...)] and cfg!(...)), one file per distinct input, named by
its hash. Generated at build time, never committed.
"""

import hashlib
import re
import sys
from pathlib import Path

C_SUFFIXES = {".c", ".h", ".cc", ".cpp", ".S"}
IF_LINE = re.compile(rb"^\s*#\s*(?:el)?if\b(.*)$", re.M)
CFG_START = re.compile(rb"(?:#!?\[cfg|cfg!)\(")


def balanced(text: bytes, start: int) -> bytes | None:
    """The text from `start` up to the parenthesis that closes the one before it."""
    depth = 1
    for i in range(start, len(text)):
        if text[i:i + 1] == b"(":
            depth += 1
        elif text[i:i + 1] == b")":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return None


def put(out: Path, data: bytes) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main() -> int:
    fixtures, corpus = Path(sys.argv[1]), Path(sys.argv[2])
    for f in sorted(p for p in fixtures.rglob("*") if p.is_file()):
        data = f.read_bytes()
        if f.suffix in C_SUFFIXES:
            put(corpus / "lex", data)
            for m in IF_LINE.finditer(data):
                put(corpus / "pp_expr", m.group(1).strip())
        elif f.suffix == ".rs":
            for m in CFG_START.finditer(data):
                inner = balanced(data, m.end())
                if inner is not None:
                    put(corpus / "rust_cfg", inner)
    for d in ("lex", "pp_expr", "rust_cfg"):
        print(f"fuzz corpus {d}: {len(list((corpus / d).glob('*')))} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
