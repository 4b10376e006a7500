#!/usr/bin/env python3
"""Generate the knowledge files under rules/ from the real compilers and headers.

The project rule is "data, generated where a compiler can tell us": rather than
hand-written lists of x86 intrinsics, mnemonics, registers, flags and headers,
this script asks the installed x86_64, aarch64 and riscv64 toolchains (gcc,
GNU as, clang-19, glibc headers) and records what they say.  Every file it
writes starts with '#' lines naming the generator, the commands and tool
versions, then a header line of column names, then sorted tab-separated rows
(the format scripts/embed_rules.py embeds into bin/archport).

    python3 scripts/gen_rules.py            regenerate rules/ in place
    python3 scripts/gen_rules.py --check    regenerate into a temporary
                                            directory; exit 1 with a diff
                                            summary if rules/ is out of date
    python3 scripts/gen_rules.py --out DIR  write the files below DIR instead
    python3 scripts/gen_rules.py --only aarch64
                                            only rules/aarch64/ (the reverse
                                            port's tables; with --check too)
    python3 scripts/gen_rules.py --only simde
                                            only the SIMDe tables
                                            (x86/simde*.tsv, aarch64/simde*.tsv)

Compiler and assembler runs are batched (one run per target over a file with
one probe per line or per function, errors mapped back by line number) except
where a diagnostic in one probe could hide another (constraints, -march
values); those run as separate small compiles, two at a time.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "scripts/gen_rules.py"

CLANG = "clang-19"
CLANG_INCLUDE = "/usr/lib/llvm-19/lib/clang/19/include"
LIBOPCODES = "/usr/lib/x86_64-linux-gnu/libopcodes-2.40-system.so"
X86_MULTIARCH = "/usr/include/x86_64-linux-gnu"

# English diagnostics with ASCII quotes, no colour, no caret lines.
ENV = dict(os.environ, LC_ALL="C", LANG="C", LANGUAGE="C")
ENV.pop("GCC_COLORS", None)
GCC_DIAG = ["-fdiagnostics-color=never", "-fno-diagnostics-show-caret"]

JOBS = 2  # the machine is shared: never more than two compilers at once


class Target:
    """One architecture: its triple, compiler, assembler and family."""

    def __init__(self, name, triple, family, qemu):
        self.name = name
        self.triple = triple
        self.family = family
        self.qemu = qemu
        prefixed = triple + "-gcc"
        if name == "x86_64" and not shutil.which(prefixed):
            prefixed = "gcc"
        self.gcc = prefixed
        self.assembler = triple + "-as" if shutil.which(triple + "-as") else "as"


X86 = Target("x86_64", "x86_64-linux-gnu", "x86", "-")
CROSS = [Target("aarch64", "aarch64-linux-gnu", "arm", "qemu-aarch64"),
         Target("riscv64", "riscv64-linux-gnu", "riscv", "qemu-riscv64")]
ALL_TARGETS = [X86] + CROSS
CROSS_NAMES = [t.name for t in CROSS]


# ---------------------------------------------------------------- helpers

def run(cmd, cwd=None, stdin=None):
    """Run a command with the C locale; return (status, stdout, stderr)."""
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True,
                          text=True, env=ENV, errors="replace")
    return proc.returncode, proc.stdout, proc.stderr


def run_many(cmds, cwd=None):
    """Run independent commands, at most JOBS at a time, results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        return list(pool.map(lambda c: run(c, cwd=cwd), cmds))


def output_of(cmd):
    status, out, err = run(cmd)
    if status != 0:
        sys.exit("gen_rules: %s failed:\n%s" % (" ".join(cmd), err))
    return out


def version(tool):
    """First line of `tool --version`, for the provenance comments."""
    return output_of([tool, "--version"]).splitlines()[0].strip()


def package_version(package):
    out = output_of(["dpkg-query", "-W", "-f=${Version}", host_package(package)])
    return "%s %s" % (package, out.strip())


DIAG_RE = re.compile(r"^[^:\n]+:(\d+):(?:\d+:)? *(error|warning|note|Error|Warning|"
                     r"fatal error): (.*)$")


def diagnostics(stderr):
    """Map line number -> list of (kind, message) from gcc/as diagnostics."""
    by_line = {}
    for line in stderr.splitlines():
        m = DIAG_RE.match(line)
        if m:
            kind = m.group(2).lower()
            by_line.setdefault(int(m.group(1)), []).append((kind, m.group(3)))
    return by_line


def errors_by_line(stderr):
    """Map line number -> first error message on that line."""
    result = {}
    for number, diags in diagnostics(stderr).items():
        for kind, message in diags:
            if kind in ("error", "fatal error"):
                result.setdefault(number, message)
    return result


class Workdir:
    """A scratch directory for probe files, removed at the end."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="gen_rules.")

    def write(self, name, text):
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Output:
    """Writes the TSV files below one directory and remembers their names."""

    def __init__(self, directory, verbose=True):
        self.directory = directory
        self.verbose = verbose
        self.written = []

    def log(self, text):
        if self.verbose:
            print(text)

    def tsv(self, relpath, comments, header, rows):
        """Write one rules file: provenance comments, header, sorted rows."""
        seen = set()
        clean = []
        for row in rows:
            row = tuple(row)
            if len(row) != len(header):
                raise ValueError("%s: row %r does not match header %r"
                                 % (relpath, row, header))
            for cell in row:
                if "\t" in cell or "\n" in cell:
                    raise ValueError("%s: bad cell %r" % (relpath, cell))
            if row in seen:
                continue
            seen.add(row)
            clean.append(row)
        clean.sort()
        lines = ["# Generated by %s; do not edit (run `python3 %s` to regenerate)."
                 % (SCRIPT, SCRIPT)]
        lines += ["# " + c if c else "#" for c in comments]
        lines.append("\t".join(header))
        lines += ["\t".join(r) for r in clean]
        path = os.path.join(self.directory, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.written.append(relpath)
        self.log("  %-32s %6d rows" % (relpath, len(clean)))
        return clean


# ------------------------------------------------------ reading C headers

C_TOKEN_RE = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*',
                        re.S)
TOKEN_RE = re.compile(r'[A-Za-z_]\w*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|\d\w*|\S')
# Identifiers that may stand before '(' in a declaration without being its name.
NOT_A_NAME = {"__attribute__", "__attribute", "__declspec", "__asm__", "__asm", "asm",
              "_Alignas", "alignas", "__typeof__", "__typeof", "typeof",
              "_Static_assert", "static_assert", "__extension__", "sizeof",
              "__has_builtin", "__has_feature", "defined"}
AGGREGATE = {"struct", "union", "enum"}
C_WORDS = {"typedef", "struct", "union", "enum", "static", "extern", "inline",
           "__inline", "__inline__", "const", "volatile", "unsigned", "signed",
           "char", "short", "int", "long", "float", "double", "void", "_Bool",
           "__const", "restrict", "__restrict", "__restrict__", "register"}


def strip_comments(text):
    """Drop comments (keeping string literals) and join continued lines."""
    def keep(m):
        s = m.group(0)
        if s.startswith("/*"):
            return " " + "\n" * s.count("\n")
        if s.startswith("//"):
            return " "
        return s
    text = C_TOKEN_RE.sub(keep, text)
    return re.sub(r"\\\n", " ", text)


class Header:
    """What one C header declares: functions, function-like macros, typedefs.

    The header is read as text rather than preprocessed, so that every
    #if branch counts (gcc's headers declare many intrinsics as inline
    functions under __OPTIMIZE__ and as macros otherwise)."""

    def __init__(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            self.text = f.read()
        text = strip_comments(self.text)
        self.function_macros = []      # names of #define NAME(...)
        self.object_macros = {}        # name -> body
        self.undefined = set()         # names #undef'd (internal helpers)
        self.includes = []
        code = []
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped.startswith("#"):
                self._directive(stripped[1:].strip())
                code.append("")
            else:
                code.append(line)
        self.functions, self.typedefs = self._declarations(TOKEN_RE.findall("\n".join(code)))

    def _directive(self, text):
        m = re.match(r"define\s+([A-Za-z_]\w*)(\(?)\s*(.*)$", text)
        if m:
            if m.group(2):
                self.function_macros.append(m.group(1))
            else:
                self.object_macros[m.group(1)] = m.group(3).strip()
            return
        m = re.match(r"undef\s+([A-Za-z_]\w*)", text)
        if m:
            self.undefined.add(m.group(1))
            return
        m = re.match(r'include\s*[<"]([^>"]+)[>"]', text)
        if m:
            self.includes.append(m.group(1))

    @staticmethod
    def _skip_group(tokens, i, open_, close):
        """Index just past the group opened at tokens[i]."""
        depth = 0
        while i < len(tokens):
            if tokens[i] == open_:
                depth += 1
            elif tokens[i] == close:
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return i

    def _declarations(self, tokens):
        """Split top-level tokens into declarations; return (functions, typedefs)."""
        functions, typedefs = [], []
        decl = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok == "{":
                if decl[-2:] == ["extern", '"C"'] or decl[-2:] == ["extern", '"C++"']:
                    decl = []              # linkage block: its contents are top level
                    i += 1
                elif decl and ("typedef" in decl or "=" in decl
                               or AGGREGATE.intersection(decl[-2:])):
                    i = self._skip_group(tokens, i, "{", "}")
                    decl.append("{...}")
                else:                      # a function definition
                    self._classify(decl, functions, typedefs)
                    decl = []
                    i = self._skip_group(tokens, i, "{", "}")
            elif tok == "}":
                decl = []                  # end of an extern "C" block
                i += 1
            elif tok == ";":
                self._classify(decl, functions, typedefs)
                decl = []
                i += 1
            elif tok == "(":
                end = self._skip_group(tokens, i, "(", ")")
                decl.append(tuple(tokens[i:end]))
                i = end
            else:
                decl.append(tok)
                i += 1
        return functions, typedefs

    @staticmethod
    def _is_identifier(tok):
        return isinstance(tok, str) and re.match(r"[A-Za-z_]\w*$", tok) is not None

    def _classify(self, decl, functions, typedefs):
        """Record the name a declaration declares, if it is a function or typedef.

        typedef: the last plain identifier, skipping trailing attributes
        (typedef float __m128 __attribute__((__vector_size__(16)));).
        function: the first identifier followed by a parameter list that is
        not an attribute keyword or an upper-case attribute macro."""
        if not decl:
            return
        if "typedef" in decl:
            for k in range(len(decl) - 1, decl.index("typedef"), -1):
                t = decl[k]
                if (self._is_identifier(t) and t not in C_WORDS and t not in NOT_A_NAME
                        and not re.match(r"__[A-Z]", t)):
                    typedefs.append(t)
                    return
            return
        for k in range(1, len(decl)):
            name = decl[k - 1]
            if (isinstance(decl[k], tuple) and self._is_identifier(name)
                    and name not in NOT_A_NAME and name not in C_WORDS
                    and not re.match(r"__[A-Z]|[A-Z][A-Z0-9_]*$", name)):
                functions.append(name)
                return


def public_intrinsic(name):
    """Names a program calls: _mm_add_ps, _rdtsc, __rdtsc, __cpuid, _MM_SHUFFLE.

    Internal helpers (__DEFAULT_FN_ATTRS, __DISABLE_AVX__, ...) start with
    two underscores and an upper-case letter and are not callable."""
    return re.match(r"_{1,2}[a-z]|_MM_", name) is not None


def include_search_path(target):
    """The <...> include directories of a target's gcc, in order."""
    _, _, err = run([target.gcc, "-xc", "-E", "-v", "/dev/null"])
    dirs, inside = [], False
    for line in err.splitlines():
        if line.startswith("#include <...> search starts here:"):
            inside = True
        elif line.startswith("End of search list."):
            break
        elif inside:
            dirs.append(os.path.normpath(line.strip()))
    return dirs


def gcc_include_dir(target):
    """gcc's own header directory (intrinsics, stddef.h, ...)."""
    return output_of([target.gcc, "-print-file-name=include"]).strip()


def header_present(name, search_path):
    return any(os.path.exists(os.path.join(d, name)) for d in search_path)


X86_HEADER_ROOTS = ["x86intrin.h", "immintrin.h", "ia32intrin.h", "x86gprintrin.h",
                    "cpuid.h", "mm3dnow.h"]
OTHER_ARCH_RE = re.compile(r"\b(__aarch64__|__arm__|_M_ARM64|_M_ARM|__riscv|__powerpc__)\b")


def x86_headers(directory):
    """The x86-only headers of one compiler's include directory.

    A header counts as x86 if it is reached by #include from the x86 entry
    points (x86intrin.h, immintrin.h, ia32intrin.h, x86gprintrin.h, cpuid.h,
    mm3dnow.h), includes such a header itself (nmmintrin.h), or tests
    __x86_64__/__i386__; minus headers that also serve other architectures
    (MSVC-style intrin.h tests _M_ARM64 too) and headers the aarch64/riscv64
    gcc also has (stddef.h, pulled in by mm_malloc.h)."""
    names = sorted(f for f in os.listdir(directory) if f.endswith(".h"))
    parsed = {n: Header(os.path.join(directory, n)) for n in names}
    texts = {n: parsed[n].text for n in names}
    chosen = set()
    todo = [r for r in X86_HEADER_ROOTS if r in parsed]
    while todo:
        h = todo.pop()
        if h not in chosen:
            chosen.add(h)
            todo += [i for i in parsed[h].includes if i in parsed]
    changed = True
    while changed:
        changed = False
        for n in names:
            if n not in chosen and any(i in chosen for i in parsed[n].includes):
                chosen.add(n)
                changed = True
    chosen |= {n for n in names if re.search(r"\b(__x86_64__|__i386__)\b", texts[n])}
    cross_dirs = [gcc_include_dir(t) for t in CROSS]
    # Public headers first, so that "first seen" names wmmintrin.h, not the
    # internal __wmmintrin_aes.h it includes.
    result = [n for n in sorted(chosen, key=lambda n: (n.startswith("__"), n))
              if not OTHER_ARCH_RE.search(texts[n])
              and not any(os.path.exists(os.path.join(d, n)) for d in cross_dirs)]
    return result, parsed


# ------------------------------------------------------------- generators

def gen_targets(out, work):
    """rules/targets.tsv: the three architectures and how their gcc treats
    x86 target attributes and pragmas (aarch64 gcc rejects them, riscv64
    gcc only warns and ignores them), with pointer width and byte order
    taken from each compiler's predefined macros."""
    rows = []
    attr = work.write("attr.c", '__attribute__((target("sse4.2"))) int f(void){return 0;}\n')
    pragma = work.write("pragma.c", '#pragma GCC target("sse4.2")\nint f(void){return 0;}\n')

    def verdict(target, path):
        status, _, err = run([target.gcc] + GCC_DIAG + ["-c", "-o", "/dev/null", path])
        if status != 0:
            return "error"
        if "warning:" in err:
            return "ignored"
        return "ok"

    for t in ALL_TARGETS:
        macros = predefined_macros([t.gcc])
        width = str(int(macros["__SIZEOF_POINTER__"]) * 8)
        endian = {"__ORDER_LITTLE_ENDIAN__": "little",
                  "__ORDER_BIG_ENDIAN__": "big"}[macros["__BYTE_ORDER__"]]
        rows.append((t.name, t.triple, t.gcc, t.family, width, endian,
                     verdict(t, attr), verdict(t, pragma), t.qemu))
    comments = [
        "From each target's gcc: pointer_width and endian from `gcc -dM -E`",
        "(__SIZEOF_POINTER__, __BYTE_ORDER__); x86_target_attr compiles",
        "  __attribute__((target(\"sse4.2\"))) int f(void){return 0;}",
        "and x86_pragma_target compiles",
        "  #pragma GCC target(\"sse4.2\") / int f(void){return 0;}",
        "with `gcc -c -o /dev/null`: error = rejected, ignored = warning only, ok = clean.",
        "qemu is the user-mode emulator command for running target binaries ('-': native).",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS]
    out.tsv("targets.tsv", comments,
            ["name", "triple", "gcc", "family", "pointer_width", "endian",
             "x86_target_attr", "x86_pragma_target", "qemu"], rows)


def predefined_macros(cmd):
    """Object-like predefined macros of a compiler: name -> body."""
    text = output_of(cmd + ["-dM", "-E", "-x", "c", "/dev/null"])
    macros = {}
    for line in text.splitlines():
        m = re.match(r"#define ([A-Za-z_]\w*)(\(?)(?: (.*))?$", line)
        if m and not m.group(2):
            macros[m.group(1)] = (m.group(3) or "").replace("\t", " ")
    return macros


# Names the preprocessor may answer `#ifdef` for although -dM does not list
# them: the feature-test operators of gcc and clang.  Each compiler is asked
# which it has; code tests them (`#ifndef __has_builtin` / `#error`).
PREPROCESSOR_OPERATOR_CANDIDATES = (
    "__has_attribute", "__has_builtin", "__has_c_attribute", "__has_cpp_attribute",
    "__has_declspec_attribute", "__has_extension", "__has_feature", "__has_include",
    "__has_include_next", "__has_warning", "__is_identifier",
)


def defined_operators(cmd):
    """The candidates for which `#ifdef NAME` holds with this compiler."""
    # The output names each candidate by its index: the name itself would be
    # expanded (and rejected) outside #if.
    probe = "".join("#ifdef %s\nyes_%d\n#endif\n" % (n, i)
                    for i, n in enumerate(PREPROCESSOR_OPERATOR_CANDIDATES))
    text = subprocess.run(cmd + ["-E", "-P", "-x", "c", "-"], input=probe, capture_output=True,
                          text=True, env=ENV).stdout
    return {PREPROCESSOR_OPERATOR_CANDIDATES[int(i)] for i in re.findall(r"^yes_(\d+)$", text, re.M)}


def gen_macros(out, work):
    """rules/macros/<target>.{gcc,clang}.tsv: the predefined object-like
    macros of each compiler, so the scanner can evaluate #if conditions
    (__x86_64__, __SSE2__, __aarch64__, __riscv_xlen ...) as the target
    compiler would."""
    for t in ALL_TARGETS:
        for flavour, cmd in (("gcc", [t.gcc]),
                             ("clang", [CLANG, "--target=" + t.triple])):
            macros = predefined_macros(cmd)
            for name in defined_operators(cmd):
                macros.setdefault(name, "")
            comments = ["Predefined object-like macros (function-like ones skipped) from",
                        "  %s -dM -E -x c /dev/null" % " ".join(cmd),
                        "and the feature-test operators for which `#ifdef NAME` holds",
                        "(__has_include, __has_builtin ...: probed with -E, value empty).",
                        "%s: %s" % (cmd[0], version(cmd[0])),
                        "An empty value cell is a macro defined with an empty body."]
            out.tsv("macros/%s.%s.tsv" % (t.name, flavour), comments,
                    ["name", "value"], sorted(macros.items()))


def x86_header_sets():
    """[(origin, directory, [x86 header names], {name: Header})] for clang then gcc."""
    sets = []
    for origin, directory in (("clang", CLANG_INCLUDE), ("gcc", gcc_include_dir(X86))):
        names, parsed = x86_headers(directory)
        sets.append((origin, directory, names, parsed))
    return sets


def gen_intrinsics(out, work, header_sets):
    """rules/x86/intrinsics.tsv: every public x86 intrinsic (inline function
    or function-like macro) that clang-19's or gcc's x86 headers declare;
    calling any of them is an error when building for another architecture."""
    found = {}
    counts = []
    for origin, directory, names, parsed in header_sets:
        before = len(found)
        per_origin = set()
        for name in names:
            h = parsed[name]
            for fn in h.functions:
                if public_intrinsic(fn):
                    per_origin.add(fn)
                    found.setdefault(fn, ("function", name))
            for mac in h.function_macros:
                if public_intrinsic(mac) and mac not in h.undefined:
                    per_origin.add(mac)
                    found.setdefault(mac, ("macro", name))
        counts.append("%s: %d names from %d headers in %s (%d added to the union)"
                      % (origin, len(per_origin), len(names), directory,
                         len(found) - before))
    # Object-like aliases of intrinsics (#define _m_empty _mm_empty) are called too.
    changed = True
    while changed:
        changed = False
        for origin, directory, names, parsed in header_sets:
            for name in names:
                for mac, body in sorted(parsed[name].object_macros.items()):
                    if (mac not in found and public_intrinsic(mac) and body in found
                            and mac not in parsed[name].undefined):
                        found[mac] = ("macro", name)
                        changed = True
    for c in counts:
        out.log("    " + c)
    comments = [
        "Public x86 intrinsics declared by the x86 headers of clang-19 (%s)" % CLANG_INCLUDE,
        "and gcc (%s), read as text so every #if branch counts." % gcc_include_dir(X86),
        "x86 headers: reached from x86intrin.h/immintrin.h/ia32intrin.h/x86gprintrin.h/",
        "cpuid.h/mm3dnow.h by #include, or including such a header, or testing",
        "__x86_64__/__i386__; minus multi-architecture ones (MSVC intrin.h) and",
        "headers the aarch64/riscv64 gcc also ship.",
        "kind: function = static/extern inline definition or prototype; macro =",
        "#define NAME(...) or an object-like alias of an intrinsic (#define _m_empty _mm_empty).",
        "Public = starts with _ or __ and a lower-case letter, or _MM_ (_MM_SHUFFLE);",
        "helpers the header #undefs are internal and skipped.",
        "header: the first header declaring the name, clang's headers before gcc's.",
    ] + counts + ["%s: %s" % (CLANG, version(CLANG)), "%s: %s" % (X86.gcc, version(X86.gcc))]
    target_names = {t.name: target_intrinsic_names(work, t) for t in CROSS}
    comments += [
        "aarch64/riscv64: target-too where that target's own intrinsic headers",
        "declare the same name (ACLE __crc32d in arm_acle.h): not x86 there; else x86-only.",
        "Target headers: " + "; ".join("%s: %s" % (t.name, " ".join(TARGET_INTRINSIC_HEADERS[t.name]))
                                       for t in CROSS),
    ]
    rows = [(n, k, h, *("target-too" if n in target_names[t.name] else "x86-only" for t in CROSS))
            for n, (k, h) in found.items()]
    out.tsv("x86/intrinsics.tsv", comments, ["name", "kind", "header"] + CROSS_NAMES, rows)


# The headers in which each target declares its own intrinsics.
TARGET_INTRINSIC_HEADERS = {
    "aarch64": ["arm_acle.h", "arm_neon.h", "arm_fp16.h", "arm_bf16.h", "arm_sve.h"],
    "riscv64": [],
    "x86_64": ["x86intrin.h", "immintrin.h", "cpuid.h"],
}


def target_intrinsic_names(work, target):
    """Identifiers the target's own intrinsic headers declare, from its gcc's
    preprocessor output (so a name x86 and the target share is not x86)."""
    headers = [h for h in TARGET_INTRINSIC_HEADERS[target.name]
               if header_present(h, include_search_path(target))]
    if not headers:
        return set()
    src = work.write("target_intrinsics_%s.c" % target.name,
                     "".join("#include <%s>\n" % h for h in headers))
    _, text, _ = run([target.gcc, "-E", "-dD", src])
    return set(re.findall(r"\b_{1,2}[A-Za-z]\w*", text))


# The umbrella headers that declare every x86 vector and mask type.
X86_TYPE_HEADERS = ["x86intrin.h", "immintrin.h"]


def type_layouts(work, names, compilers=None, headers=None):
    """name -> (sizeof, alignment as a struct member) on x86_64, from the
    x86 gcc, read back from the assembly of one initialised constant per
    type; clang-19 answers for the names gcc does not declare. A name
    neither knows has none. The member alignment is what a struct's layout
    uses: C11 _Alignof says 16 for __m256i and __m512i, where a member of
    either is aligned to its size. compilers and headers ask another
    architecture (the aarch64 gcc and arm_neon.h for NEON types); a type
    without a size there (SVE's sizeless svint8_t) has none."""
    layouts = {}
    for cc in compilers or ([X86.gcc], [CLANG, "--target=x86_64-linux-gnu"]):
        todo = sorted(n for n in names if n not in layouts)
        while todo:
            src = ["#include <%s>" % h for h in (headers or X86_TYPE_HEADERS) + ["stddef.h"]]
            first = len(src) + 1
            src += ["const unsigned long archport_layout_%d[2] = { sizeof(%s), "
                    "offsetof(struct { char c; %s m; }, m) };" % (i, n, n) for i, n in enumerate(todo)]
            path = work.write("layouts.c", "\n".join(src) + "\n")
            _, asm, err = run(cc + GCC_DIAG + ["-O0", "-S", "-o", "-", path])
            bad = {todo[n - first] for n in errors_by_line(err) if n >= first}
            if bad:   # drop what this compiler does not declare, ask again
                todo = [n for n in todo if n not in bad]
                continue
            for i, size, align in re.findall(r"^archport_layout_(\d+):\s*\.(?:quad|xword|dword)\s+(\d+)\s*"
                                             r"\.(?:quad|xword|dword)\s+(\d+)", asm, re.M):
                layouts[todo[int(i)]] = (size, align)
            break
    return layouts


def gen_types(out, work, header_sets):
    """rules/x86/types.tsv: the x86 vector and mask typedefs (__m128i,
    __m256d, __mmask16, ...); using one is an error off x86. Their x86_64
    size and alignment let the stub keep a struct that holds one complete
    on the target (a placeholder of the same layout)."""
    found = {}
    for origin, directory, names, parsed in header_sets:
        for name in names:
            for td in parsed[name].typedefs:
                if td.startswith("__m"):
                    found.setdefault(td, name)
    layouts = type_layouts(work, found)
    comments = [
        "Typedefs whose names start with __m declared by the same x86 headers as",
        "x86/intrinsics.tsv (clang-19's first, then gcc's); header = first seen.",
        "The __v* vector typedefs are header-internal and not listed.",
        "size, align: sizeof and the alignment as a struct member on x86_64 after",
        "#include <%s>, from the assembly of" % ">, <".join(X86_TYPE_HEADERS),
        "`const unsigned long x[2] = { sizeof(T), offsetof(struct { char c; T m; }, m) };`",
        "(gcc -O0 -S; clang-19 for names gcc does not declare); - when neither declares it.",
        "(C11 _Alignof gives 16 for the 32- and 64-byte types; a member is aligned to its size.)",
        "%s: %s" % (CLANG, version(CLANG)), "%s: %s" % (X86.gcc, version(X86.gcc))]
    rows = [(n, h, *layouts.get(n, ("-", "-"))) for n, h in found.items()]
    out.tsv("x86/types.tsv", comments, ["name", "header", "size", "align"], rows)


def dpkg_files(package):
    return output_of(["dpkg", "-L", host_package(package)]).splitlines()


def dpkg_owner(path):
    return output_of(["dpkg", "-S", path]).split(":")[0]


def gen_headers(out, work, header_sets):
    """rules/x86/headers.tsv: headers an x86_64 build can #include that the
    aarch64 or riscv64 gcc cannot find (immintrin.h, cpuid.h, sys/io.h,
    asm/ldt.h, ...): including one stops the target build."""
    paths = {t.name: include_search_path(t) for t in CROSS}
    rows = {}

    def add(header, origin):
        if header in rows:
            return
        cells = ["present" if header_present(header, paths[t]) else "missing"
                 for t in CROSS_NAMES]
        if "missing" in cells:
            rows[header] = (header, origin, *cells)

    # (a) gcc's own headers, as shipped by libgcc-N-dev (the package that
    #     exists for every architecture; gfortran/objc headers are skipped).
    gcc_dir = gcc_include_dir(X86)
    libgcc_dev = dpkg_owner(os.path.join(gcc_dir, "cpuid.h"))
    for path in sorted(dpkg_files(libgcc_dev)):
        if path.startswith(gcc_dir + "/") and path.endswith(".h"):
            add(os.path.relpath(path, gcc_dir), "gcc")
    # (b) glibc's and (c) the kernel's architecture-specific headers.
    for package, origin in (("libc6-dev", "glibc"), ("linux-libc-dev", "linux")):
        for path in sorted(dpkg_files(package)):
            if path.startswith(X86_MULTIARCH + "/") and path.endswith(".h"):
                rel = os.path.relpath(path, X86_MULTIARCH)
                if not rel.startswith(("bits/", "gnu/")):
                    add(rel, origin)
    # (d) clang-19's x86 headers that gcc lacks on the target too.
    for origin, directory, names, parsed in header_sets:
        if origin == "clang":
            for name in names:
                if not name.startswith("__"):   # __wmmintrin_aes.h: internal
                    add(name, "clang")
    # (e) hand row: MSVC's <intrin.h> (presence still measured on the targets).
    add("intrin.h", "msvc")
    comments = [
        "Headers that exist for x86_64 but are not found by a target's gcc, i.e. in",
        "no directory of `<target>-gcc -xc -E -v /dev/null`'s <...> search list:",
        "  gcc:   %s headers in %s (from `dpkg -L %s`)" % (libgcc_dev, gcc_dir, libgcc_dev),
        "  glibc: %s/* from `dpkg -L libc6-dev`, path relative to it" % X86_MULTIARCH,
        "  linux: %s/* from `dpkg -L linux-libc-dev` (asm/ldt.h, ...)" % X86_MULTIARCH,
        "  clang: clang-19's x86 headers (%s) not already listed," % CLANG_INCLUDE,
        "         except its internal __*.h parts",
        "  msvc:  intrin.h is the only hand-written row (MSVC's intrinsics header).",
        "Skipped: glibc/kernel bits/ and gnu/ internals (bits/platform/x86.h,",
        "gnu/stubs-64.h), which no program includes by name, and headers of",
        "host-only language runtimes (gfortran's ISO_Fortran_binding.h, objc/).",
        "Only rows missing on at least one target are kept.",
        "%s, %s, %s" % (package_version(libgcc_dev), package_version("libc6-dev"),
                        package_version("linux-libc-dev")),
    ] + ["%s search path: %s" % (t.gcc, " ".join(paths[t.name])) for t in CROSS]
    out.tsv("x86/headers.tsv", comments, ["header", "origin"] + CROSS_NAMES,
            rows.values())


# The operand shapes tried per candidate mnemonic: 0 to 4 operands.
SHAPES = {"--64": ["", " (%rax)", " $1,(%rax)", " $1,%xmm0,%xmm1", " $1,%xmm0,%xmm1,%xmm2"],
          "--32": ["", " (%eax)", " $1,(%eax)", " $1,%xmm0,%xmm1", " $1,%xmm0,%xmm1,%xmm2"]}
# gas errors that do not show the mnemonic (with that suffix) exists.
NOT_A_MNEMONIC = re.compile(
    r"no such instruction|number of operands mismatch|invalid instruction suffix|"
    r"expecting mnemonic|invalid character|pseudo prefix|unsupported instruction|"
    r"`[^']*' is (not|only) supported in (64|32)-bit mode")
X87_AND_SIZE_SUFFIXES = "bwlqst"


def binary_words(binaries, pattern):
    """Words matching pattern in `strings` of the binaries, plus all their
    tails of two or more characters starting with a letter: the linker
    merges string tails, so "add" may only be stored as the end of "xadd"."""
    words = set()
    for binary in binaries:
        real = os.path.realpath(binary)
        if not os.path.exists(real):
            continue
        for s in output_of(["strings", "-n", "2", real]).split("\n"):
            for m in re.findall(pattern, s):
                words |= {m[i:] for i in range(len(m) - 1) if m[i].isalpha()}
    return words


def gas_mnemonic_candidates():
    """Lower-case words in the x86 assembler binary and libopcodes."""
    return binary_words((shutil.which(X86.assembler) or X86.assembler, LIBOPCODES), r"[a-z][a-z0-9]{1,24}")


def gas_accepts(work, candidates):
    """The candidates x86 gas accepts as a mnemonic (or prefix).

    Each candidate is assembled with 0..4 operands in 64- and 32-bit mode;
    it is a mnemonic if at least one line assembles, or fails for a reason
    other than NOT_A_MNEMONIC (an operand type error means gas knew it)."""
    cands = sorted(candidates)
    accepted = set()
    for mode, shapes in SHAPES.items():
        lines = [c + s for c in cands for s in shapes]
        path = work.write("mnemonics%s.s" % mode, "\n".join(lines) + "\n")
        _, _, err = run([X86.assembler, mode, "-o", scratch_object(work, "mnemonics" + mode), path])
        errors = errors_by_line(err)
        for i, cand in enumerate(cands):
            for j in range(len(shapes)):
                e = errors.get(i * len(shapes) + j + 1)
                if e is None or not NOT_A_MNEMONIC.match(e):
                    accepted.add(cand)
                    break
    return accepted


def gen_mnemonics(out, work):
    """rules/x86/mnemonics.tsv: every mnemonic x86 GNU as accepts (AT&T, with
    the size-suffixed forms movl/pushq/fildll and prefixes lock/rep), and
    whether the aarch64/riscv64 assembler knows the same word: an unknown one
    in an asm statement or .S file stops the target build."""
    bases = gas_accepts(work, gas_mnemonic_candidates())
    suffixed = gas_accepts(work, {b + s for b in bases for s in X87_AND_SIZE_SUFFIXES} - bases)
    mnemonics = sorted(bases | suffixed)
    path = work.write("mnemonics.s", "\n".join(mnemonics) + "\n")
    unknown_re = {"aarch64": re.compile(r"unknown mnemonic"),
                  "riscv64": re.compile(r"unrecognized opcode")}
    columns = {}
    for t in CROSS:
        _, _, err = run([t.assembler, "-o", "/dev/null", path])
        errors = errors_by_line(err)
        columns[t.name] = ["unknown" if unknown_re[t.name].search(errors.get(i + 1, ""))
                           else "known" for i in range(len(mnemonics))]
    rows = [(m, *(columns[t][i] for t in CROSS_NAMES)) for i, m in enumerate(mnemonics)]
    comments = [
        "Candidates: lower-case words (and their tails) in `strings` of",
        "%s and %s," % (os.path.realpath(shutil.which(X86.assembler)), LIBOPCODES),
        "plus each accepted word with a b/w/l/q/s/t suffix. A candidate is an x86",
        "mnemonic if `%s --64` or `--32` assembles it with 0-4 operands, or" % X86.assembler,
        "fails for another reason than: no such instruction, number of operands",
        "mismatch, invalid instruction suffix, not supported in 64/32-bit mode.",
        "Prefixes and pseudo-prefixes gas accepts alone (lock, rep, data16, rex64, cs,",
        "word) are included. Each mnemonic is then assembled alone, one per line, by",
        "the target assembler: unknown = aarch64 'unknown mnemonic', riscv64",
        "'unrecognized opcode', including 'extension ... required' (pause, ror): the",
        "default rv64gc build rejects those too; known = any other outcome.",
    ] + ["%s: %s" % (t.assembler, version(t.assembler)) for t in ALL_TARGETS]
    out.tsv("x86/mnemonics.tsv", comments, ["mnemonic"] + CROSS_NAMES, rows)


# The flags register by its architectural names: neither gas nor gcc spell it
# so (gcc says "flags"), but x86 code does (struct kvm_regs.rflags, ptrace).
HAND_REGISTERS = ("eflags", "rflags")


def register_candidates():
    """x86 register names and their class, as candidates to verify."""
    regs = []
    for r in "abcd":
        regs += [("r%sx" % r, "gpr"), ("e%sx" % r, "gpr"), ("%sx" % r, "gpr"),
                 ("%sl" % r, "gpr"), ("%sh" % r, "gpr")]
    for r in ("si", "di", "bp", "sp"):
        regs += [("r" + r, "gpr"), ("e" + r, "gpr"), (r, "gpr"), (r + "l", "gpr")]
    for n in range(8, 32):
        regs += [("r%d%s" % (n, s), "gpr") for s in ("", "d", "w", "b", "l")]
    regs += [(s, "segment") for s in ("cs", "ds", "es", "fs", "gs", "ss")]
    regs += [("cr%d" % n, "control") for n in range(16)]
    regs += [("%s%d" % (p, n), "debug") for p in ("dr", "db") for n in range(16)]
    regs += [("tr%d" % n, "debug") for n in range(8)]
    regs += [("st", "x87"), ("fpsr", "x87"), ("fpcr", "x87"), ("fpsw", "x87"), ("fpcw", "x87")]
    regs += [("st(%d)" % n, "x87") for n in range(8)] + [("st%d" % n, "x87") for n in range(8)]
    regs += [("mm%d" % n, "mmx") for n in range(8)]
    regs += [("xmm%d" % n, "sse") for n in range(32)] + [("mxcsr", "sse")]
    regs += [("ymm%d" % n, "avx") for n in range(32)]
    regs += [("zmm%d" % n, "avx512") for n in range(32)]
    regs += [("k%d" % n, "mask") for n in range(8)]
    regs += [("bnd%d" % n, "mpx") for n in range(4)]
    regs += [("tmm%d" % n, "amx") for n in range(8)]
    regs += [(f, "flags") for f in ("flags", "dirflag") + HAND_REGISTERS]
    regs += [(r, "ip") for r in ("rip", "eip", "ip")]
    return regs


def clobber_probe(work, target, names):
    """Compile `asm volatile("" ::: "NAME")` for each name, one function
    per line, with the target's gcc; return {name: first error or None}."""
    src = "".join('void f%d(void) { __asm__ volatile ("" ::: "%s"); }\n' % (i, n)
                  for i, n in enumerate(names))
    path = work.write("clobbers.%s.c" % target.name, src)
    _, _, err = run([target.gcc] + GCC_DIAG + ["-O2", "-c", "-o", scratch_object(work, "clobbers"), path])
    errors = errors_by_line(err)
    return {n: errors.get(i + 1) for i, n in enumerate(names)}


def gas_registers(work, names):
    """The names x86 gas accepts as %register (in 64-bit mode)."""
    lines = ["mov %%%s,%%%s" % (n, n) for n in names]
    path = work.write("registers.s", "\n".join(lines) + "\n")
    _, _, err = run([X86.assembler, "--64", "-o", "/dev/null", path])
    errors = errors_by_line(err)
    return {n for i, n in enumerate(names)
            if not re.match(r"bad register name", errors.get(i + 1, ""))}


def gen_registers(out, work):
    """rules/x86/registers.tsv: x86 register names (as gas or gcc know them)
    and whether the target gcc accepts each as an asm clobber: a clobber it
    does not know is a compile error on the target."""
    candidates = register_candidates()
    names = [n for n, _ in candidates]
    x86_clobber = clobber_probe(work, X86, names)
    in_gas = gas_registers(work, names)
    keep = [(n, c) for n, c in candidates
            if n in in_gas or n in HAND_REGISTERS
            or not (x86_clobber[n] or "").startswith("unknown register name")]
    kept = [n for n, _ in keep]
    target = {t.name: clobber_probe(work, t, kept) for t in CROSS}
    rows = [(n, c, *("error" if target[t][n] else "ok" for t in CROSS_NAMES))
            for n, c in keep]
    rejected_x86 = [n for n in kept if (x86_clobber[n] or "").startswith("unknown register")]
    comments = [
        "Candidates: the x86 register file by pattern (gpr, segment, control, debug,",
        "x87, mmx, sse, avx, avx512, mask, flags, ip; also mpx bnd0-3, amx tmm0-7).",
        "Kept if `%s --64` accepts it as %%NAME (not 'bad register name')" % X86.assembler,
        "or x86 gcc accepts it as an asm clobber (gcc-only names: flags, fpsr);",
        "eflags and rflags are hand rows (the architectural names of flags).",
        "Names x86 gcc itself rejects as a clobber (error on x86 too): "
        + " ".join(rejected_x86),
        "Target columns: `asm volatile(\"\" ::: \"NAME\")` compiled with `-O2 -c` by that",
        "target's gcc, one function per name in one file: error = gcc reports an",
        "error for it, ok = accepted (warnings such as the deprecated 'sp' clobber",
        "count as ok).",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS] + [
        "%s: %s" % (X86.assembler, version(X86.assembler))]
    out.tsv("x86/registers.tsv", comments, ["name", "class"] + CROSS_NAMES, rows)


# x86 machine constraints (gcc's config/i386/constraints.md, documented set).
REGISTER_CONSTRAINTS = ["R", "q", "Q", "l", "a", "b", "c", "d", "S", "D", "A", "U",
                        "f", "t", "u", "y", "x", "v", "k", "Yk", "Yz"]
IMMEDIATE_CONSTRAINTS = ["I", "J", "K", "L", "M", "N", "G", "C", "e", "Z"]
OPERAND_TYPES = ["int", "long", "unsigned char", "double", "long double",
                 "float __attribute__((vector_size(16)))"]
IMMEDIATE_VALUES = ["1", "0xff", "0.0", "1.0"]


def constraint_probes(constraint):
    """[(description, C source)] ways to use CONSTRAINT, most demanding first.

    Register constraints: input "C"(v) and output "=C"(v) of a variable;
    failing that (x87 "f" cannot be an output) input only; failing that
    ("u" is st(1), usable only next to "t") input beside a "t" operand.
    Immediate constraints: input of a constant."""
    c = constraint
    if c in IMMEDIATE_CONSTRAINTS:
        return [("constant %s" % v, 'void f(void) { __asm__ volatile ("" :: "%s"(%s)); }\n'
                 % (c, v)) for v in IMMEDIATE_VALUES]
    probes = []
    for t in OPERAND_TYPES:
        probes.append(("%s in+out" % t,
                       '%s f(%s v) { __asm__ volatile ("" :: "%s"(v)); return v; }\n'
                       '%s g(void) { %s v; __asm__ volatile ("" : "=%s"(v)); return v; }\n'
                       % (t, t, c, t, t, c)))
    for t in OPERAND_TYPES:
        probes.append(("%s in" % t,
                       'void f(%s v) { __asm__ volatile ("" :: "%s"(v)); }\n' % (t, c)))
    for t in OPERAND_TYPES:
        probes.append(("%s in beside \"t\"" % t,
                       'void f(%s v, %s w) { __asm__ volatile ("" :: "t"(w), "%s"(v)); }\n'
                       % (t, t, c)))
    return probes


def gen_constraints(out, work):
    """rules/x86/constraints.tsv: x86 asm operand constraints and whether the
    target gcc compiles them: "a"(v) names %eax, which aarch64 does not have,
    and only code generation reports it (impossible constraint)."""
    candidates = REGISTER_CONSTRAINTS + IMMEDIATE_CONSTRAINTS
    chosen = {}
    for c in candidates:
        probes = constraint_probes(c)
        # In pairs (JOBS at a time) until x86 gcc accepts one.
        for start in range(0, len(probes), JOBS):
            batch = probes[start:start + JOBS]
            files = [work.write("constraint_x86_%d.c" % k, src)
                     for k, (_, src) in enumerate(batch)]
            results = run_many([[X86.gcc] + GCC_DIAG + ["-O2", "-mavx512f", "-c", "-o",
                                                        "/dev/null", f] for f in files])
            good = [p for p, (status, _, err) in zip(batch, results)
                    if status == 0 and "error:" not in err]
            if good:
                chosen[c] = good[0]
                break
    kept = [c for c in candidates if c in chosen]
    jobs = []
    for t in CROSS:
        for c in kept:
            path = work.write("constraint_%s_%s.c" % (t.name, c), chosen[c][1])
            jobs.append([t.gcc] + GCC_DIAG + ["-O2", "-c", "-o", "/dev/null", path])
    results = iter(run_many(jobs))
    verdict = {}
    for t in CROSS:
        for c in kept:
            status, _, err = next(results)
            verdict[(t.name, c)] = "ok" if status == 0 and "error:" not in err else "error"
    rows = [(c, *(verdict[(t, c)] for t in CROSS_NAMES)) for c in kept]
    dropped = [c for c in candidates if c not in chosen]
    comments = [
        "x86 machine constraints (gcc's documented i386 set). Each is used the most",
        "demanding way x86 gcc (-O2 -mavx512f) compiles cleanly: register constraints",
        "as input \"C\"(v) and output \"=C\"(v) of a variable, else as input only",
        "(x87 outputs must be \"=t\"), else as input beside a \"t\" operand (\"u\");",
        "immediate constraints (%s) as input of a constant:"
        % " ".join(IMMEDIATE_CONSTRAINTS)]
    comments += ["  %s: %s" % (c, chosen[c][0]) for c in kept]
    comments += [
        "Dropped (no probe x86 gcc accepts): " + (" ".join(dropped) or "none"),
        "Target columns: the same file compiled to an object by the target's gcc",
        "with `-O2 -c` (some errors only appear at code generation: 'impossible",
        "constraint in asm'): error if it fails (either operand), ok otherwise.",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS]
    out.tsv("x86/constraints.tsv", comments, ["constraint"] + CROSS_NAMES, rows)


def x86_target_options():
    """The -m options `gcc --help=target` prints, with a value for '=' ones."""
    help_text = output_of([X86.gcc, "--help=target"])
    values_text = output_of([X86.gcc, "-Q", "--help=target"])
    current = {}
    for line in values_text.splitlines():
        m = re.match(r"\s+(-m\S+=)\s+(\S+)\s*$", line)
        if m and not m.group(2).startswith("["):
            current[m.group(1)] = m.group(2)
    options = []
    for line in help_text.splitlines():
        m = re.match(r"  (-m[^\s<]+)", line)   # deeper indents are descriptions
        if m and m.group(1) not in options:
            options.append(m.group(1))
    return options, current


def gen_mflags(out, work):
    """rules/x86/mflags.tsv: the x86 gcc -m options and whether the target
    gcc recognises each: -msse4.2 or -mno-red-zone in a Makefile makes the
    aarch64 build fail with 'unrecognized command-line option'."""
    options, current = x86_target_options()
    empty = work.write("empty.c", "")
    args = {o: (o + current.get(o, "x")) if o.endswith("=") else o for o in options}
    columns = {}
    for t in CROSS:
        # One driver run per target: gcc reports every unrecognized option.
        _, _, err = run([t.gcc] + GCC_DIAG + ["-c", "-o", "/dev/null", empty]
                        + [args[o] for o in options])
        unknown = set(re.findall(r"unrecognized command-line option '([^']*)'", err))
        columns[t.name] = {o: "unknown" if args[o] in unknown else "known" for o in options}
    rows = [(o, *(columns[t][o] for t in CROSS_NAMES)) for o in options]
    comments = [
        "Every -m option printed by `%s --help=target` (as printed; '<...>'" % X86.gcc,
        "value hints dropped, so -mbranch-cost=<0,5> is -mbranch-cost=).",
        "Target columns: all options given at once to `<target>-gcc -c empty.c`",
        "('=' options with x86 gcc's current value from `-Q --help=target`, else x);",
        "unknown = 'unrecognized command-line option', known = anything else",
        "(a recognised option with a bad value is known: its name is valid).",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS]
    out.tsv("x86/mflags.tsv", comments, ["option"] + CROSS_NAMES, rows)


def x86_cpu_values(option):
    """-march=/-mtune= values x86 gcc lists, in 64-bit and 32-bit mode and
    in --help=target (which also lists the 32-bit-only CPUs such as i686)."""
    values = set()
    for mode in ("-m64", "-m32"):
        _, _, err = run([X86.gcc, mode, "-%s=archport-invalid" % option,
                         "-x", "c", "-c", "-o", "/dev/null", "/dev/null"])
        m = re.search(r"valid arguments to '-%s=' switch are: (.*)" % option, err)
        if m:
            values.update(m.group(1).split())
    help_text = output_of([X86.gcc, "--help=target"])
    m = re.search(r"Known valid arguments for -%s= option:\n\s+(.*)" % option, help_text)
    if m:
        values.update(m.group(1).split())
    return sorted(v for v in values if not v.startswith("archport"))


def gen_march(out, work):
    """rules/x86/march.tsv: the x86 -march=/-mtune= CPU names and whether the
    target gcc accepts the same value (aarch64 accepts -mtune=generic, no
    x86 -march value is valid on either target)."""
    empty = work.write("empty.c", "")
    probes = [(v, o) for o in ("march", "mtune") for v in x86_cpu_values(o)]
    jobs = [[t.gcc] + GCC_DIAG + ["-%s=%s" % (o, v), "-c", "-o", "/dev/null", empty]
            for t in CROSS for v, o in probes]
    results = iter(run_many(jobs))
    verdict = {}
    for t in CROSS:
        for probe in probes:
            status, _, err = next(results)
            verdict[(t.name, probe)] = "valid" if status == 0 and "error" not in err \
                else "invalid"
    rows = [(v, o, *(verdict[(t, (v, o))] for t in CROSS_NAMES)) for v, o in probes]
    comments = [
        "x86 values for -march= and -mtune=: the 'valid arguments' lists of",
        "`%s -m64|-m32 -march=<bad> -c /dev/null` and the 'Known valid" % X86.gcc,
        "arguments' of `--help=target` (which adds 32-bit-only CPUs such as i686).",
        "Target columns: `<target>-gcc -<option>=<value> -c empty.c`, one compile",
        "each: valid if it compiles without error, invalid otherwise.",
        "aarch64 gcc also has -mcpu= (cortex-a53, ...); riscv64 gcc -march= takes",
        "an ISA string (rv64gc) and -mtune=/-mcpu= take riscv cores.",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS]
    out.tsv("x86/march.tsv", comments, ["value", "option"] + CROSS_NAMES, rows)


# glibc internals, not installed: sysdeps/x86_64/jmpbuf-offsets.h and
# sysdeps/i386/jmpbuf-offsets.h.
JB_NAMES = ["JB_RBX", "JB_RBP", "JB_R12", "JB_R13", "JB_R14", "JB_R15", "JB_RSP", "JB_PC",
            "JB_BX", "JB_SI", "JB_DI", "JB_BP", "JB_SP"]


def gen_context_registers(out, work):
    """rules/x86/context-registers.tsv: the x86 ucontext REG_* indexes
    (uc_mcontext.gregs[REG_RIP]) and jmp_buf JB_* indexes; code using them
    does not compile for another architecture."""
    ucontext = os.path.join(X86_MULTIARCH, "sys/ucontext.h")
    with open(ucontext, encoding="utf-8") as f:
        reg_names = sorted(set(re.findall(r"^#\s*define\s+(REG_\w+)\s+\1\b", f.read(), re.M)))
    names = [(n, "REG") for n in reg_names] + [(n, "JB") for n in JB_NAMES]
    src = ["#define _GNU_SOURCE", "#include <sys/ucontext.h>", "#include <setjmp.h>"]
    first = len(src) + 1
    src += ["int f%d(void) { return (int)(%s); }" % (i, n) for i, (n, _) in enumerate(names)]
    path = work.write("context.c", "\n".join(src) + "\n")
    columns = {}
    for t in [X86] + CROSS:
        _, _, err = run([t.gcc] + GCC_DIAG + ["-c", "-o", "/dev/null", path])
        errors = errors_by_line(err)
        columns[t.name] = ["undefined" if (first + i) in errors else "defined"
                           for i in range(len(names))]
    rows = [(n, k, *(columns[t][i] for t in CROSS_NAMES)) for i, (n, k) in enumerate(names)]
    comments = [
        "REG: every `# define REG_X REG_X` of %s (x86_64 and i386" % ucontext,
        "branches, under __USE_GNU): x86_64 defines %d of them (x86_64 column not"
        % columns["x86_64"].count("defined"),
        "stored; i386-only names are undefined there too).",
        "JB: hand rows, glibc's internal jmp_buf indexes (sysdeps/x86_64 and",
        "sysdeps/i386 jmpbuf-offsets.h), not installed by any package.",
        "Target columns: `int f(void){ return (int)(NAME); }` after _GNU_SOURCE,",
        "<sys/ucontext.h> and <setjmp.h>, one function per name, compiled with the",
        "target's gcc: undefined = an error on that line.",
    ] + ["%s: %s" % (t.gcc, version(t.gcc)) for t in ALL_TARGETS]
    out.tsv("x86/context-registers.tsv", comments, ["name", "kind"] + CROSS_NAMES, rows)


def gen_portio(out, work):
    """rules/x86/portio.tsv: the x86 port I/O functions of <sys/io.h> and
    <sys/perm.h> (inb, outl, ioperm, iopl, ...)."""
    names = set()
    sources = []
    for header in ("sys/io.h", "sys/perm.h"):
        path = os.path.join(X86_MULTIARCH, header)
        sources.append(path)
        names.update(n for n in Header(path).functions if not n.startswith("__"))
    comments = ["Functions declared by " + " and ".join(sources) + ",",
                "read as text; they exist only in x86 glibc.",
                package_version("libc6-dev")]
    out.tsv("x86/portio.tsv", comments, ["name"], [(n,) for n in sorted(names)])


# ------------------------------------------------- target register sets

# Where each target's register file comes from: structs of the target's
# installed Linux uapi headers (linux-libc-dev-<arch>-cross), read in field
# order, nested structs expanded.  FIELD_MAP turns each leaf field into
# register rows: name (with %d for an array element), class, or None to skip.
REGISTER_STRUCTS = {
    "aarch64": [("asm/kvm.h", "kvm_regs")],
    "riscv64": [("asm/kvm.h", "kvm_riscv_core"), ("asm/ptrace.h", "__riscv_d_ext_state"),
                ("asm/kvm.h", "kvm_riscv_csr")],
}
RISCV_GPR_ROLES = {"ra": "return address", "sp": "stack pointer", "gp": "global pointer",
                   "tp": "thread pointer", "t": "temporary", "s": "saved register",
                   "a": "argument / return value"}
FIELD_MAP = {
    "aarch64": {
        "regs": ("x%d", "gpr"),        # user_pt_regs.regs[31]
        "sp": ("sp", "sp"),            # SP_EL0 for a KVM vcpu (kvm.h: "sp = sp_el0")
        "pc": ("pc", "pc"),
        "pstate": ("pstate", "flags"),
        "sp_el1": ("sp_el1", "sysreg"),
        "elr_el1": ("elr_el1", "sysreg"),
        "spsr": ("spsr_el1", "sysreg"),  # only spsr[KVM_SPSR_EL1], see below
        "vregs": ("v%d", "fp"),
        "fpsr": ("fpsr", "fpctl"),
        "fpcr": ("fpcr", "fpctl"),
        "__reserved": None,            # user_fpsimd_state padding
    },
    "riscv64": dict(
        [(n, (n, "gpr")) for n in
         ["ra", "gp", "tp", "t0", "t1", "t2", "s0", "s1"] + ["a%d" % i for i in range(8)]
         + ["s%d" % i for i in range(2, 12)] + ["t3", "t4", "t5", "t6"]]
        + [(n, (n, "sysreg")) for n in
           ["sstatus", "sie", "stvec", "sscratch", "sepc", "scause", "stval", "sip", "satp",
            "scounteren", "senvcfg"]]
        + [("pc", ("pc", "pc")), ("sp", ("sp", "sp")),
           ("mode", None),             # kvm_riscv_core.mode: privilege mode, not a register
           ("f", ("f%d", "fp")), ("fcsr", ("fcsr", "fpctl"))]),
}
# Of an array field, the elements kept (default: all): KVM's spsr[] holds
# SPSR_EL1 and the four AArch32 banked SPSRs of a 32-bit guest.
ARRAY_ELEMENTS = {("aarch64", "spsr"): ("KVM_SPSR_EL1",)}

# aarch64 EL1/EL0 system registers Linux KVM's world switch saves and
# restores for every vcpu (arch/arm64/kvm/hyp/include/hyp/sysreg-sr.h,
# __sysreg_save_el1_state/_common_state/_user_state; kernel-internal, not
# installed), unconditional ones only (TCR2, PIR, POR, TFSR depend on CPU
# features); SP_EL1, ELR_EL1 and SPSR_EL1 come from struct kvm_regs.
# CSSELR_EL1 was saved there up to Linux 5.x and is still a vcpu_sysreg.
AARCH64_SYSREGS = [
    ("sctlr_el1", "System Control Register"),
    ("cpacr_el1", "Architectural Feature Access Control Register"),
    ("ttbr0_el1", "Translation Table Base Register 0"),
    ("ttbr1_el1", "Translation Table Base Register 1"),
    ("tcr_el1", "Translation Control Register"),
    ("esr_el1", "Exception Syndrome Register"),
    ("afsr0_el1", "Auxiliary Fault Status Register 0"),
    ("afsr1_el1", "Auxiliary Fault Status Register 1"),
    ("far_el1", "Fault Address Register"),
    ("mair_el1", "Memory Attribute Indirection Register"),
    ("vbar_el1", "Vector Base Address Register"),
    ("contextidr_el1", "Context ID Register"),
    ("amair_el1", "Auxiliary Memory Attribute Indirection Register"),
    ("cntkctl_el1", "Counter-timer Kernel Control Register"),
    ("par_el1", "Physical Address Register"),
    ("tpidr_el1", "EL1 Software Thread ID Register"),
    ("mdscr_el1", "Monitor Debug System Control Register"),
    ("tpidr_el0", "EL0 Read/Write Software Thread ID Register"),
    ("tpidrro_el0", "EL0 Read-Only Software Thread ID Register"),
    ("csselr_el1", "Cache Size Selection Register"),
]
REGISTER_DESCRIPTIONS = {
    "sp_el1": "Stack Pointer (EL1)", "elr_el1": "Exception Link Register (EL1)",
    "spsr_el1": "Saved Program Status Register (EL1)",
    "sstatus": "Supervisor Status", "sie": "Supervisor Interrupt Enable",
    "stvec": "Supervisor Trap Vector Base Address", "sscratch": "Supervisor Scratch",
    "sepc": "Supervisor Exception Program Counter", "scause": "Supervisor Trap Cause",
    "stval": "Supervisor Trap Value", "sip": "Supervisor Interrupt Pending",
    "satp": "Supervisor Address Translation and Protection",
    "scounteren": "Supervisor Counter Enable",
    "senvcfg": "Supervisor Environment Configuration",
}
# One probe instruction per class; pc and flags have none (no A64 or RISC-V
# instruction names the program counter or PSTATE as an operand).
REGISTER_PROBES = {
    "aarch64": {"gpr": "mov x0, {}", "sp": "mov x0, {}", "fp": "mov v0.16b, {}.16b",
                "fpctl": "mrs x0, {}", "sysreg": "mrs x0, {}"},
    "riscv64": {"gpr": "mv a0, {}", "sp": "mv a0, {}", "fp": "fmv.d f0, {}",
                "fpctl": "csrr a0, {}", "sysreg": "csrr a0, {}"},
}
# Names each probe must reject, or the probe proves nothing.
REGISTER_CONTROLS = {"gpr": "rax", "sp": "rsp", "fp": "xmm0", "fpctl": "mxcsr", "sysreg": "cr3"}
C_TO_RUST = {"__u64": "u64", "unsigned long": "u64", "__u32": "u32", "__uint128_t": "u128"}
RUST_SIZES = {"u32": 4, "u64": 8, "u128": 16}


def uapi_struct(search_path, headers, name):
    """The fields of `struct name`, from the first of headers that defines it:
    (path, text, [(ctype, field, count)]), count the array length as written
    (None for a scalar)."""
    for header in headers:
        path = next((os.path.join(d, header) for d in search_path
                     if os.path.exists(os.path.join(d, header))), None)
        if not path:
            continue
        with open(path, encoding="utf-8") as f:
            text = strip_comments(f.read())
        m = re.search(r"\bstruct\s+%s\s*\{(.*?)\}\s*;" % re.escape(name), text, re.S)
        if not m:
            continue
        fields = []
        for decl in m.group(1).split(";"):
            decl = " ".join(decl.split())
            if decl:
                dm = re.match(r"^(.*?)\s*\b(\w+)\s*(?:\[\s*(\w+)\s*\])?$", decl)
                if not dm:
                    sys.exit("gen_rules: %s: cannot read `%s` in struct %s" % (path, decl, name))
                fields.append(dm.groups())
        return path, text, fields
    sys.exit("gen_rules: struct %s not found in %s" % (name, " ".join(headers)))


def header_constant(text, name):
    m = re.search(r"^\s*#\s*define\s+%s\s+(\d+)\b" % re.escape(name), text, re.M)
    if not m:
        sys.exit("gen_rules: #define %s not found" % name)
    return int(m.group(1))


def struct_registers(target, search_path, header, struct):
    """Register rows (name, class, ctype, C access path) from one uapi struct,
    nested structs (in the same header or asm/ptrace.h) expanded in place;
    also the header files read."""
    rows, sources = [], []

    def walk(struct, prefix):
        path, text, fields = uapi_struct(search_path, [header, "asm/ptrace.h"], struct)
        sources.append("%s (struct %s)" % (path, struct))
        for ctype, field, count in fields:
            if ctype.startswith("struct "):
                walk(ctype.split()[1], "%s%s." % (prefix, field))
                continue
            if field not in FIELD_MAP[target]:
                sys.exit("gen_rules: %s: field %s.%s has no mapping in FIELD_MAP"
                         % (path, struct, field))
            mapping = FIELD_MAP[target][field]
            if mapping is None:
                continue
            if ctype not in C_TO_RUST:
                sys.exit("gen_rules: %s: type %s of %s.%s not in C_TO_RUST"
                         % (path, ctype, struct, field))
            name, cls = mapping
            if count is None:
                rows.append((name, cls, ctype, prefix + field))
                continue
            keep = ARRAY_ELEMENTS.get((target, field))
            if keep:
                for macro in keep:
                    i = header_constant(text, macro)
                    rows.append((name, cls, ctype, "%s%s[%d]" % (prefix, field, i)))
                continue
            n = int(count) if count.isdigit() else header_constant(text, count)
            rows.extend((name % i, cls, ctype, "%s%s[%d]" % (prefix, field, i)) for i in range(n))

    walk(struct, struct + ".")
    return rows, sources


def check_register_sizes(work, target, headers, rows):
    """Compile sizeof(field) == size of the Rust type for every header row
    with the target's gcc; any mismatch stops the generator."""
    src = ["#include <%s>" % h for h in headers]
    first = len(src) + 1
    for name, _, rust, access in rows:
        struct, _, member = access.partition(".")
        src.append('_Static_assert(sizeof(((struct %s *)0)->%s) == %d, "%s");'
                   % (struct, member, RUST_SIZES[rust], name))
    path = work.write("regsizes.%s.c" % target.name, "\n".join(src) + "\n")
    _, _, err = run([target.gcc] + GCC_DIAG + ["-fsyntax-only", path])
    errors = errors_by_line(err)
    if errors:
        bad = [rows[n - first][0] for n in sorted(errors) if n >= first]
        sys.exit("gen_rules: %s: field sizes do not match the Rust types: %s\n%s"
                 % (target.name, " ".join(bad) or "?", err))


def gas_probe(work, target, lines):
    """Assemble one instruction per line; return the set of failing indexes."""
    path = work.write("regprobe.%s.s" % target.name, "\n".join(lines) + "\n")
    _, _, err = run([target.assembler, "-o", "/dev/null", path])
    return {n - 1 for n in errors_by_line(err)}


RISCV_ABI_NAMES = (["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1"]
                   + ["a%d" % i for i in range(8)] + ["s%d" % i for i in range(2, 12)]
                   + ["t3", "t4", "t5", "t6"])
CLASS_DESCRIPTIONS = {
    "gpr": "general-purpose register", "sp": "stack pointer", "pc": "program counter",
    "flags": "processor state (PSTATE: NZCV, DAIF, current EL, SP select)",
    "fp": "floating-point register", "fpctl": "floating-point control/status register",
}


def register_description(target, name, cls):
    """A short description for the description column."""
    if name in REGISTER_DESCRIPTIONS:
        return REGISTER_DESCRIPTIONS[name]
    if target == "riscv64" and name in RISCV_ABI_NAMES:
        role = RISCV_GPR_ROLES.get(name) or RISCV_GPR_ROLES[name.rstrip("0123456789")]
        return "x%d, %s" % (RISCV_ABI_NAMES.index(name), role)
    if target == "aarch64":
        if name in ("x29", "x30"):
            return {"x29": "frame pointer", "x30": "link register"}[name]
        if cls == "fp":
            return "SIMD&FP register (128-bit)"
        if name == "fpcr":
            return "Floating-point Control Register"
        if name == "fpsr":
            return "Floating-point Status Register"
    if name == "fcsr":
        return "Floating-point Control and Status Register"
    return CLASS_DESCRIPTIONS[cls]


def gen_target_registers(out, work):
    """rules/target-registers.tsv: the register file of each target, in the
    order its Linux/KVM structs lay it out, for `archport stub` to write
    register-struct twins (Rust `struct Regs { rax: u64, rip: u64 }` gets an
    aarch64 twin with x0..x30, sp, pc, pstate, ...)."""
    rows, comments_src, dropped, unprobed = [], [], [], []
    for target in CROSS:
        search_path = include_search_path(target)
        regs = []
        headers = []
        for header, struct in REGISTER_STRUCTS[target.name]:
            found, sources = struct_registers(target.name, search_path, header, struct)
            regs += [(n, c, C_TO_RUST[ct], a) for n, c, ct, a in found]
            comments_src += sources
            if header not in headers:
                headers.append(header)
        check_register_sizes(work, target, headers, regs)
        regs = [(n, c, r, a, register_description(target.name, n, c)) for n, c, r, a in regs]
        if target.name == "aarch64":
            regs += [(n, "sysreg", "u64", "KVM vcpu_sysreg " + n.upper(), d)
                     for n, d in AARCH64_SYSREGS]
        names = [r[0] for r in regs]
        if len(set(names)) != len(names):
            sys.exit("gen_rules: %s: a register appears twice: %s"
                     % (target.name, sorted({n for n in names if names.count(n) > 1})))
        probes = REGISTER_PROBES[target.name]
        probed = [r for r in regs if r[1] in probes]
        controls = sorted(probes)
        lines = [probes[c].format(REGISTER_CONTROLS[c]) for c in controls]
        lines += [probes[r[1]].format(r[0]) for r in probed]
        failed = gas_probe(work, target, lines)
        accepted = [c for i, c in enumerate(controls) if i not in failed]
        if accepted:
            sys.exit("gen_rules: %s accepts the control probes %s: the probe proves nothing"
                     % (target.assembler, accepted))
        bad = {probed[i - len(controls)][0] for i in failed if i >= len(controls)}
        dropped += ["%s:%s" % (target.name, n) for n, *_ in regs if n in bad]
        unprobed += ["%s:%s" % (target.name, n) for n, c, *_ in regs if c not in probes]
        rows += [(target.name, "%03d" % i, n, c, r, a, d)
                 for i, (n, c, r, a, d) in enumerate(x for x in regs if x[0] not in bad)]
    comments = [
        "The register file of each non-x86 target, one row per register in the",
        "order of its Linux structs (order), for twins of x86 register structs.",
        "From the targets' installed uapi headers, nested structs expanded:",
    ] + ["  " + s for s in sorted(set(comments_src))] + [
        "aarch64: struct kvm_regs (user_pt_regs x0-x30, sp (= SP_EL0), pc, pstate;",
        "sp_el1, elr_el1; spsr[KVM_SPSR_EL1] only, the other four are AArch32 banked",
        "SPSRs; user_fpsimd_state v0-v31, fpsr, fpcr), then hand rows (origin 'KVM",
        "vcpu_sysreg'): the EL1/EL0 system registers Linux KVM's world switch saves",
        "for every vcpu (arch/arm64/kvm/hyp/include/hyp/sysreg-sr.h, unconditional",
        "ones) and CSSELR_EL1 (saved there in Linux 5.x).",
        "riscv64: struct kvm_riscv_core (user_regs_struct pc, x1-x31 by ABI name;",
        "mode skipped), __riscv_d_ext_state (f0-f31, fcsr), struct kvm_riscv_csr.",
        "rust_type: from the C type (__u64/unsigned long u64, __u32 u32, __uint128_t",
        "u128), checked by the target gcc with _Static_assert(sizeof(field) == N).",
        "Each name is assembled by the target's GNU as in one instruction of its",
        "class, one instruction per line:",
    ] + ["  %s: %s" % (t, ", ".join("%s `%s`" % (c, p.format("NAME"))
                                     for c, p in sorted(REGISTER_PROBES[t].items())))
         for t in CROSS_NAMES] + [
        "Each probe must reject an x86 name (%s) or the generator stops."
        % ", ".join(REGISTER_CONTROLS[c] for c in sorted(REGISTER_CONTROLS)),
        "Not probed (no instruction names them as an operand): " + (" ".join(unprobed) or "none"),
        "Dropped (rejected by the assembler): " + (" ".join(dropped) or "none"),
    ] + ["%s: %s" % (t.assembler, version(t.assembler)) for t in CROSS] \
      + ["%s: %s" % (t.gcc, version(t.gcc)) for t in CROSS] \
      + [package_version("linux-libc-dev-%s-cross" % a) for a in ("arm64", "riscv64")]
    out.tsv("target-registers.tsv", comments,
            ["target", "order", "name", "class", "rust_type", "origin", "description"], rows)


# ------------------------------------------- Rust: what rustc knows per arch
#
# The reverse port (an aarch64 crate built for x86_64) needs what /usr/bin/rustc
# accepts on each triple: the names of core::arch::<arch>, the features
# #[target_feature] takes, the asm! registers and register classes, and the
# mnemonics LLVM's assemblers know. Each is probed with rustc itself, one
# batch file per triple, errors mapped back by line (JSON diagnostics).

RUSTC = "/usr/bin/rustc"
RUST_TRIPLES = {"aarch64": "aarch64-unknown-linux-gnu", "x86_64": "x86_64-unknown-linux-gnu"}
RUST_KEYWORDS_RE = re.compile(r"keyword|reserved identifier")


def rust_diagnostics(work, name, text, triple, emit="metadata"):
    """rustc's error diagnostics for a probe file: [(line, message, inline
    asm text or "")], one per primary span (an unresolved `use` list is one
    error with a span per name; an assembler error in a global_asm! has only
    the `<inline asm>` line it was instantiated into)."""
    path = work.write(name, text)
    _, _, err = run([RUSTC, "--edition", "2021", "--crate-type", "lib", "--target", triple,
                     "--emit=%s" % emit, "--error-format=json", "-o", path + ".out", path])
    found = []
    for line in err.splitlines():
        try:
            diag = json.loads(line)
        except ValueError:
            continue
        if diag.get("level") != "error":
            continue
        spans = [s for s in diag.get("spans", []) if s.get("is_primary")] or [{"line_start": 0}]
        asm = [t["text"].strip() for c in diag.get("children", []) for s in c.get("spans", [])
               if s.get("file_name") == "<inline asm>" for t in s.get("text") or []]
        found += [(s["line_start"], diag["message"], asm[0] if asm else "") for s in spans]
    return found


def rustlib_words(triple, libs, pattern):
    """Words in `strings` of the named std rlibs of a triple (the crates'
    metadata holds their item names, attributes and docs)."""
    words = set()
    libdir = "/usr/lib/rustlib/%s/lib" % triple
    for name in sorted(os.listdir(libdir)) if os.path.isdir(libdir) else []:
        if name.endswith(".rlib") and name.split("-")[0][3:] in libs:
            words.update(re.findall(pattern, output_of(["strings", "-n", "2", os.path.join(libdir, name)])))
    return words


def rust_arch_names(work, arch):
    """The items of core::arch::<arch> on its own triple: [(name, kind)].
    Candidates are the identifiers in its libcore's metadata; a `use` of all
    of them keeps those rustc resolves (keywords, then unresolved names, are
    dropped and the probe rerun); a `type` alias of each tells types."""
    triple = RUST_TRIPLES[arch]
    names = sorted(w for w in rustlib_words(triple, {"core"}, r"\b(?:[a-z_][a-z0-9_]*|_[A-Z0-9_]+)\b")
                   if len(w) < 40 and w not in ("self", "super", "crate", "_"))
    for _ in range(4):
        text = "#![allow(unused_imports)]\nuse core::arch::%s::{\n%s\n};\n" % (arch, "\n".join(n + "," for n in names))
        bad = {line - 3 for line, _msg, _asm in rust_diagnostics(work, "arch_use.rs", text, triple)}
        if not bad:
            break
        names = [n for i, n in enumerate(names) if i not in bad]
    text = "".join("#[allow(non_camel_case_types)] pub type T%d = core::arch::%s::%s;\n" % (i, arch, n)
                   for i, n in enumerate(names))
    not_types = {line - 1 for line, _msg, _asm in rust_diagnostics(work, "arch_types.rs", text, triple)}
    return [(n, "fn" if i in not_types and n[0].islower() else "item" if i in not_types else "type")
            for i, n in enumerate(names)]


def gen_rust_arch_api(out, work):
    """rules/rust/arch-api.tsv: what core::arch::aarch64 (std::arch::aarch64)
    declares for /usr/bin/rustc --target aarch64-unknown-linux-gnu; the module
    does not exist on x86_64, so each name is an error there."""
    rows = [("aarch64", n, kind) for n, kind in rust_arch_names(work, "aarch64")]
    comments = [
        "Candidates: identifiers in `strings` of the aarch64 libcore rlib; kept when",
        "`use core::arch::aarch64::{...}` resolves them with %s --target %s" % (RUSTC, RUST_TRIPLES["aarch64"]),
        "(--emit=metadata); kind: type when `type T = core::arch::aarch64::NAME;` compiles,",
        "fn for a lower-case name that is not a type, item otherwise.",
        "%s: %s" % (RUSTC, version(RUSTC)),
    ]
    out.tsv("rust/arch-api.tsv", comments, ["module", "name", "kind"], rows)


def rust_feature_verdicts(work, triple, features):
    """#[target_feature(enable = "...")] on one triple: name -> valid,
    unstable (E0658, nightly only) or invalid."""
    text = "".join('#[target_feature(enable = "%s")] pub unsafe fn f%d() {}\n' % (f, i)
                   for i, f in enumerate(features))
    verdict = {f: "valid" for f in features}
    for line, msg, _asm in rust_diagnostics(work, "features.rs", text, triple):
        if 0 < line <= len(features):
            verdict[features[line - 1]] = "unstable" if "unstable" in msg else "invalid"
    return verdict


def gen_rust_target_features(out, work):
    """rules/rust/target-features.tsv: the #[target_feature] names rustc takes
    on aarch64 or x86_64, with its verdict on each triple: a name valid on the
    source arch and invalid on the target stops the target build."""
    pattern = r"[a-z][a-z0-9.]*(?:-[a-z0-9.]+)*"
    cands = set()
    for triple in RUST_TRIPLES.values():
        cands |= {w for w in rustlib_words(triple, {"core", "std_detect"}, pattern) if len(w) <= 20}
    cands = sorted(cands)
    verdicts = {arch: rust_feature_verdicts(work, t, cands) for arch, t in RUST_TRIPLES.items()}
    rows = [(f, *(verdicts[a][f] for a in RUST_TRIPLES)) for f in cands
            if any(verdicts[a][f] != "invalid" for a in RUST_TRIPLES)]
    comments = [
        "Candidates: lower-case words in `strings` of the libcore and libstd_detect",
        "rlibs of both triples; each is compiled as",
        '  #[target_feature(enable = "NAME")] pub unsafe fn f() {}',
        "with %s --emit=metadata per triple: valid (no error), unstable" % RUSTC,
        "(E0658: nightly only), invalid (`the feature named ... is not valid for",
        "this target`). Names invalid on every triple are left out.",
        "%s: %s" % (RUSTC, version(RUSTC)),
    ]
    out.tsv("rust/target-features.tsv", comments, ["feature"] + list(RUST_TRIPLES), rows)


# Register classes of asm! (the Rust reference, "Register operands"): the
# candidates; rustc decides which triple has each.
RUST_ASM_CLASSES = ("reg", "reg_abcd", "reg_byte", "xmm_reg", "ymm_reg", "zmm_reg", "kreg", "kreg0",
                    "x87_reg", "mmx_reg", "tmm_reg", "vreg", "vreg_low16", "preg", "freg", "sreg",
                    "dreg", "qreg", "reg_nonzero", "reg_thumb")


def rust_register_candidates(out):
    """Register names archport knows of, from the rules written before this
    (target-registers.tsv, x86/registers.tsv), with the aarch64 aliases of each
    x and v register (w, b/h/s/d/q) and the ABI names."""
    names = set()
    for rel, col in (("target-registers.tsv", 2), ("x86/registers.tsv", 0)):
        with open(os.path.join(out.directory, rel), encoding="utf-8") as f:
            rows = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#")][1:]
        names |= {r[col].lstrip("%") for r in rows}
    for n in list(names):
        m = re.fullmatch(r"([xv])(\d+)", n)
        if m:
            names |= {p + m.group(2) for p in ("w" if m.group(1) == "x" else "bhsdq")}
    return sorted(names | {"fp", "lr", "xzr", "wzr", "ffr"} | {"p%d" % i for i in range(16)})


def rust_operand_verdicts(work, triple, regs):
    """asm! operands on one triple: valid, reserved (rustc knows it but
    forbids it as an operand) or unknown."""
    probes = ['"", in("%s") 0u64' % r for r in regs] + ['"/* {} */", in(%s) 0u64' % c for c in RUST_ASM_CLASSES]
    names = list(regs) + list(RUST_ASM_CLASSES)
    text = "".join("pub unsafe fn f%d() { core::arch::asm!(%s); }\n" % (i, p) for i, p in enumerate(probes))
    verdict = {n: "valid" for n in names}
    for line, msg, _asm in rust_diagnostics(work, "operands.rs", text, triple):
        if 0 < line <= len(names) and verdict[names[line - 1]] == "valid":
            verdict[names[line - 1]] = "unknown" if "unknown register" in msg else "reserved"
    return verdict


def gen_rust_asm_operands(out, work):
    """rules/rust/asm-operands.tsv: explicit registers and register classes of
    asm! operands, with rustc's verdict per triple."""
    regs = rust_register_candidates(out)
    verdicts = {a: rust_operand_verdicts(work, t, regs) for a, t in RUST_TRIPLES.items()}
    rows = [(n, "class" if n in RUST_ASM_CLASSES else "register", *(verdicts[a][n] for a in RUST_TRIPLES))
            for n in regs + list(RUST_ASM_CLASSES) if any(verdicts[a][n] != "unknown" for a in RUST_TRIPLES)]
    comments = [
        "Candidates: the register names of target-registers.tsv and x86/registers.tsv,",
        "the w aliases of x0-x30, the b/h/s/d/q aliases of v0-v31, fp lr xzr wzr ffr",
        "p0-p15, and the register classes of the Rust reference. Each is compiled as",
        '  core::arch::asm!("", in("NAME") 0u64)   or   asm!("/* {} */", in(CLASS) 0u64)',
        "with %s --emit=metadata per triple: valid, unknown (`unknown register" % RUSTC,
        "(class)`), reserved (any other error: used by LLVM, the stack or frame",
        "pointer, a class that takes no u64). Names unknown on both are left out.",
        "%s: %s" % (RUSTC, version(RUSTC)),
    ]
    out.tsv("rust/asm-operands.tsv", comments, ["operand", "kind"] + list(RUST_TRIPLES), rows)


def gen_rust_asm_mnemonics(out, work):
    """rules/rust/asm-mnemonics.tsv: aarch64 mnemonics LLVM's aarch64
    assembler knows (through rustc's global_asm!), and whether its x86_64
    assembler knows the same word (Intel syntax, rustc's default)."""
    words = set()
    for s in output_of(["strings", "-n", "2", "/usr/lib/x86_64-linux-gnu/libopcodes-2.40-arm64.so"]).split("\n"):
        for m in re.findall(r"[a-z][a-z0-9]{0,15}", s):
            words |= {m[i:] for i in range(len(m)) if m[i].isalpha()}
    cands = sorted(words)
    text = "core::arch::global_asm!(\n%s\n);\n" % "\n".join('"%s",' % c for c in cands)
    unknown = {"aarch64": "unrecognized instruction mnemonic", "x86_64": "invalid instruction mnemonic"}
    rejected = {}
    for arch, triple in RUST_TRIPLES.items():
        rejected[arch] = {asm.split()[0] for _l, msg, asm in rust_diagnostics(work, "mnemonics.rs", text, triple, "obj")
                          if asm and msg.startswith(unknown[arch])}
    rows = [(c, "known" if c not in rejected["x86_64"] else "unknown") for c in cands if c not in rejected["aarch64"]]
    comments = [
        "Candidates: lower-case words (and their tails) in `strings` of",
        "/usr/lib/x86_64-linux-gnu/libopcodes-2.40-arm64.so, each alone on a line of one",
        "global_asm! built with %s --emit=obj for %s:" % (RUSTC, RUST_TRIPLES["aarch64"]),
        "kept unless LLVM says `unrecognized instruction mnemonic`. x86_64: the same",
        "file for %s, unknown = `invalid instruction mnemonic`." % RUST_TRIPLES["x86_64"],
        "%s: %s" % (RUSTC, version(RUSTC)),
    ]
    out.tsv("rust/asm-mnemonics.tsv", comments, ["mnemonic", "x86_64"], rows)


def gen_rust(out, work):
    """The Rust tables, after the C ones they read."""
    gen_rust_arch_api(out, work)
    gen_rust_target_features(out, work)
    gen_rust_asm_operands(out, work)
    gen_rust_asm_mnemonics(out, work)


# ------------------------------------ aarch64 knowledge (the reverse port)
#
# For `--target x86_64` the roles swap: the tree's code is aarch64 and the
# host gcc and as are the target. These tables list what only aarch64 has,
# each verified with aarch64-linux-gnu-gcc/-as and with the host tools.

A64 = CROSS[0]
A64_LIBOPCODES = "/usr/lib/x86_64-linux-gnu/libopcodes-2.40-arm64.so"
A64_MULTIARCH = "/usr/include/aarch64-linux-gnu"
# The packages of aarch64's own headers: gcc's (the cross libgcc-dev) and the
# architecture-specific part of glibc's and the kernel's, i.e. what the
# native arm64 packages put below the multiarch directory (the cross
# sysroot mixes those with arch-independent ones such as drm/*.h).
A64_HEADER_PACKAGES = (("libgcc-12-dev-arm64-cross", "gcc"), ("libc6-dev:arm64", "glibc"),
                       ("linux-libc-dev:arm64", "linux"))
A64_INTRINSIC_HEADERS = TARGET_INTRINSIC_HEADERS["aarch64"]
# The x86 headers whose names count as the host's own (ia32intrin.h declares
# __crc32b too), plus the C headers every program has.
X86_OWN_HEADERS = ["x86intrin.h", "immintrin.h", "cpuid.h", "stdint.h", "stddef.h"]


def scratch_object(work, name):
    """An output file in the scratch directory: never /dev/null (a failing
    compiler running as root would delete it)."""
    return os.path.join(work.path, name + ".o")


def host_package(package):
    """The package name dpkg accepts: `libc6-dev` is ambiguous when the
    arm64 instance is installed too, so the host's is named by arch."""
    status, out, _ = run(["dpkg-query", "-W", "-f=${Package}:${Architecture}\n", package])
    instances = out.split()
    if status == 0 and len(instances) > 1:
        return package + ":amd64"
    return package


def gen_a64_headers(out, work):
    """rules/aarch64/headers.tsv: headers the aarch64 gcc finds (arm_neon.h,
    arm_acle.h, arm_sve.h, asm/sve_context.h, ...) that the x86_64 gcc does
    not: including one stops the x86_64 build."""
    host_path = include_search_path(X86)
    a64_path = include_search_path(A64)
    rows = {}
    for package, origin in A64_HEADER_PACKAGES:
        for path in sorted(dpkg_files(package)):
            for root in (gcc_include_dir(A64), A64_MULTIARCH):
                if path.startswith(root + "/") and path.endswith(".h") and root in a64_path:
                    rel = os.path.relpath(path, root)
                    if not rel.startswith(("bits/", "gnu/")) and not header_present(rel, host_path):
                        rows.setdefault(rel, (rel, origin, "missing"))
    comments = [
        "aarch64's own headers: those `dpkg -L` of %s" % ", ".join(p for p, _ in A64_HEADER_PACKAGES),
        "puts below %s (gcc) or %s (glibc, linux)," % (gcc_include_dir(A64), A64_MULTIARCH),
        "path relative to it, that no directory of the x86_64 gcc's <...> search",
        "list has (%s); bits/ and gnu/ internals skipped." % " ".join(host_path),
        "Both directories are in the aarch64 gcc's search list: %s." % " ".join(a64_path),
        "x86_64: missing (every row).",
    ] + [package_version(p) for p, _ in A64_HEADER_PACKAGES] + ["%s: %s" % (X86.gcc, version(X86.gcc))]
    out.tsv("aarch64/headers.tsv", comments, ["header", "origin", "x86_64"], rows.values())


def acle_public(name):
    """ACLE and NEON names a program calls: vaddq_u8, __crc32d, __arm_rsr64.
    Internal helpers start with __aarch64_, _GCC_ or two underscores and an
    upper-case letter."""
    return not re.match(r"__aarch64_|_GCC_|__[A-Z]|_[A-Z]", name)


def a64_header_texts(work):
    """(header, Header of its text, Header of its aarch64 preprocessed text):
    the text counts every #if branch, the preprocessed text the functions
    that helper macros define (_GCC_ARM_ACLE_DATA_FN (clz, ...) -> __clz)."""
    directory = gcc_include_dir(A64)
    result = []
    for name in A64_INTRINSIC_HEADERS:
        src = work.write("a64_%s.c" % name.replace(".", "_"), "#include <%s>\n" % name)
        status, text, err = run([A64.gcc, "-E", "-P", src])
        if status != 0:
            sys.exit("gen_rules: %s -E %s failed:\n%s" % (A64.gcc, name, err))
        path = work.write("a64_%s.i" % name.replace(".", "_"), text)
        result.append((name, Header(os.path.join(directory, name)), Header(path)))
    return result


def compiles_per_line(work, target, prelude, lines, name):
    """Which probe lines `target`'s gcc compiles: one file, errors mapped
    back by line number."""
    src = work.write(name + ".c", "".join("#include <%s>\n" % h for h in prelude) + "\n".join(lines) + "\n")
    _, _, err = run([target.gcc] + GCC_DIAG + ["-c", "-o", scratch_object(work, name), src])
    bad = errors_by_line(err)
    first = len(prelude) + 1
    return [first + i not in bad for i in range(len(lines))]


def a64_type_candidates(texts):
    """Type name candidates: every identifier ending in _t in the ACLE
    headers' text (int8x16x2_t is built into gcc, not typedef'd there) and
    in the strings of the aarch64 cc1 starting with sv (svfloat32_t comes
    from `#pragma GCC aarch64 "arm_sve.h"`), with the SVE tuple forms x2-x4."""
    names = set()
    for _, raw, _ in texts:
        names |= set(re.findall(r"\b[a-z]\w*_t\b", raw.text))
    cc1 = output_of([A64.gcc, "-print-prog-name=cc1"]).strip()
    for s in output_of(["strings", "-n", "4", cc1]).split("\n"):
        if re.fullmatch(r"sv[a-z0-9]+_t", s):
            names |= {s} | {s[:-2] + "x%d_t" % n for n in (2, 3, 4)}
    return sorted(names)


def gen_a64_names(out, work):
    """rules/aarch64/names.tsv: the ACLE/NEON intrinsics (vaddq_u8, __crc32d),
    the vector and SVE types (uint8x16_t, svfloat32_t) and the
    __builtin_aarch64_* builtins the aarch64 gcc's headers use; x86_64 marks
    the names the host's x86 headers declare too (target-too) or not (aarch64-only)."""
    texts = a64_header_texts(work)
    found = {}
    for header, raw, pre in texts:
        for h in (raw, pre):
            for fn in h.functions:
                if acle_public(fn):
                    found.setdefault(fn, ("function", header))
            for mac in h.function_macros:
                if acle_public(mac) and mac not in h.undefined:
                    found.setdefault(mac, ("macro", header))
        for b in sorted(set(re.findall(r"\b__builtin_aarch64_\w+", raw.text))):
            found.setdefault(b, ("builtin", header))
    candidates = a64_type_candidates(texts)
    prelude = A64_INTRINSIC_HEADERS
    on_a64 = compiles_per_line(work, A64, prelude, ["%s *archport_probe_%d;" % (n, i)
                                                   for i, n in enumerate(candidates)], "a64_types")
    on_x86 = compiles_per_line(work, X86, X86_OWN_HEADERS, ["%s *archport_probe_%d;" % (n, i)
                                                          for i, n in enumerate(candidates)], "x86_types")
    x86_too = {n for n, ok in zip(candidates, on_x86) if ok}
    for n, ok in zip(candidates, on_a64):
        if ok:
            found[n] = ("type", "arm_sve.h" if n.startswith("sv") else "arm_neon.h")
    x86_names = target_intrinsic_names(work, X86) | x86_too
    comments = [
        "Names declared by the aarch64 gcc's ACLE headers (%s in %s)," % (" ".join(A64_INTRINSIC_HEADERS),
                                                                          gcc_include_dir(A64)),
        "read as text (every #if branch) and as `%s -E -P` output (functions that" % A64.gcc,
        "helper macros define: __clz, __rev16). kind: function (inline definition or",
        "prototype), macro (#define NAME(...)), builtin (a __builtin_aarch64_* the",
        "headers call), type. Internal helpers (__aarch64_*, _GCC_*, __[A-Z]*) skipped.",
        "Types: identifiers ending in _t in those headers and `strings` of the",
        "aarch64 cc1 matching sv*_t (plus their x2/x3/x4 tuple forms), kept when",
        "`NAME *p;` compiles with the aarch64 gcc after including the ACLE headers.",
        "SVE functions are built inside gcc by `#pragma GCC aarch64 \"arm_sve.h\"` from",
        "base names and suffixes and are not listed (their types are).",
        "x86_64: target-too when the host gcc declares the name as well (in the -E -dD",
        "output of %s, or `NAME *p;` compiles with %s),"
        % (" ".join(TARGET_INTRINSIC_HEADERS["x86_64"]), " ".join(X86_OWN_HEADERS)),
        "else aarch64-only.",
        "%s: %s" % (A64.gcc, version(A64.gcc)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    rows = [(n, k, h, "target-too" if n in x86_names else "aarch64-only") for n, (k, h) in found.items()]
    out.tsv("aarch64/names.tsv", comments, ["name", "kind", "header", "x86_64"], rows)
    return {n: h for n, (k, h) in found.items() if k == "type" and n not in x86_names}


def gen_a64_types(out, work, types):
    """rules/aarch64/types.tsv: the aarch64 size and alignment of each
    aarch64-only type of names.tsv (uint8x16_t, float32x4x2_t), so that the
    reverse stub keeps a struct with a NEON member complete on x86_64 (a
    placeholder of the same layout). SVE types are sizeless: none."""
    layouts = type_layouts(work, types, compilers=[[A64.gcc]], headers=A64_INTRINSIC_HEADERS)
    comments = [
        "The aarch64-only types of aarch64/names.tsv; header as there.",
        "size, align: sizeof and the alignment as a struct member on aarch64 after",
        "#include <%s>, from the assembly of" % ">, <".join(A64_INTRINSIC_HEADERS),
        "`const unsigned long x[2] = { sizeof(T), offsetof(struct { char c; T m; }, m) };`",
        "(%s -O0 -S); - for the sizeless SVE types, which cannot be members." % A64.gcc,
        "%s: %s" % (A64.gcc, version(A64.gcc))]
    rows = [(n, h, *layouts.get(n, ("-", "-"))) for n, h in sorted(types.items())]
    out.tsv("aarch64/types.tsv", comments, ["name", "header", "size", "align"], rows)


def a64_word_candidates():
    """Lower-case words (with underscores: system registers) in the
    aarch64 assembler and libopcodes."""
    return binary_words((shutil.which(A64.assembler) or A64.assembler, A64_LIBOPCODES), r"[a-z][a-z0-9_]{1,31}")


def assemble_lines(work, target, lines, name, flags=()):
    """{line index: first error} from assembling one line per probe."""
    path = work.write(name + ".s", "\n".join(lines) + "\n")
    _, _, err = run([target.assembler] + list(flags) + ["-o", scratch_object(work, name), path])
    errors = errors_by_line(err)
    return {i: errors[i + 1] for i in range(len(lines)) if i + 1 in errors}


def gen_a64_mnemonics(out, work):
    """rules/aarch64/mnemonics.tsv: every mnemonic aarch64 GNU as knows, and
    whether x86_64 GNU as knows the same word (add, mov, ret, nop: then only
    aarch64 operands make the statement aarch64 code)."""
    cands = sorted(w for w in a64_word_candidates() if "_" not in w and len(w) <= 16)
    a64_errors = assemble_lines(work, A64, cands, "a64_mnemonics")
    mnemonics = [c for i, c in enumerate(cands) if not a64_errors.get(i, "").startswith("unknown mnemonic")]
    x86_known = gas_accepts(work, mnemonics)
    arity = x86_operand_counts(work, sorted(x86_known))
    rows = [(m, "known", arity[m]) if m in x86_known else (m, "unknown", "-") for m in mnemonics]
    comments = [
        "Candidates: lower-case words (and their tails) in `strings` of",
        "%s and %s." % (os.path.realpath(shutil.which(A64.assembler)), A64_LIBOPCODES),
        "Each alone on a line, assembled by `%s`: kept unless it says" % A64.assembler,
        "'unknown mnemonic' (an operand error means the mnemonic exists).",
        "x86_64: known when x86/mnemonics.tsv's test says x86 `%s` has the word:" % X86.assembler,
        "it assembles with 0-4 operands in --64 or --32 mode, or fails for another",
        "reason than no such instruction, operand count mismatch, invalid suffix",
        "(`dsb` is `ds` with a suffix: unknown); else unknown.",
        "x86_operands (known rows): the most operands x86 `as --64` takes for the word,",
        "i.e. the largest count of x86/mnemonics.tsv's 0-4 operand shapes whose error is",
        "not 'number of operands mismatch' (add: 2; `add x0, x1, x2` has 3).",
        "%s: %s" % (A64.assembler, version(A64.assembler)), "%s: %s" % (X86.assembler, version(X86.assembler)),
    ]
    out.tsv("aarch64/mnemonics.tsv", comments, ["mnemonic", "x86_64", "x86_operands"], rows)


def x86_operand_counts(work, mnemonics):
    """mnemonic -> the most operands (as a string) x86 `as --64` takes."""
    shapes = SHAPES["--64"]
    lines = [m + s for m in mnemonics for s in shapes]
    errors = assemble_lines(work, X86, lines, "x86_arity", ["--64"])
    counts = {}
    for i, m in enumerate(mnemonics):
        ok = [n for n in range(len(shapes))
              if not errors.get(i * len(shapes) + n, "").startswith("number of operands mismatch")]
        counts[m] = str(max(ok)) if ok else "0"
    return counts


def a64_register_candidates():
    """General, vector, SVE and predicate registers by pattern."""
    regs = [("x%d" % n, "gpr") for n in range(31)] + [("w%d" % n, "gpr") for n in range(31)]
    regs += [(r, "gpr") for r in ("sp", "wsp", "xzr", "wzr", "fp", "lr", "ip0", "ip1")]
    regs += [("%s%d" % (p, n), "fp") for p in "vbhsdq" for n in range(32)]
    regs += [("z%d" % n, "sve") for n in range(32)] + [("p%d" % n, "sve") for n in range(16)]
    return regs


def gen_a64_registers(out, work):
    """rules/aarch64/registers.tsv: aarch64 register names (`NAME .req`-able)
    and system registers (`mrs x0, NAME` or `msr NAME, x0` assembles) and
    PSTATE fields (`msr NAME, #1`), with the host gcc's verdict on each as an
    asm clobber."""
    regs = a64_register_candidates()
    errors = assemble_lines(work, A64, ["archport_alias_%d .req %s" % (i, n) for i, (n, _) in enumerate(regs)],
                            "a64_gprs", ["--fatal-warnings"])
    keep = [(n, c) for i, (n, c) in enumerate(regs) if i not in errors]
    words = sorted(w for w in a64_word_candidates() if re.fullmatch(r"[a-z][a-z0-9_]*", w))
    for form, cls in (("mrs x0, %s", "sysreg"), ("msr %s, x0", "sysreg"), ("msr %s, #1", "pstate")):
        errs = assemble_lines(work, A64, [form % w for w in words], "a64_sysregs")
        keep += [(w, cls) for i, w in enumerate(words) if i not in errs]
    seen, rows_in = set(), []
    for n, c in keep:   # first class wins: x0 is a gpr, not a sysreg
        if n not in seen:
            seen.add(n)
            rows_in.append((n, c))
    clobbers = clobber_probe(work, X86, [n for n, _ in rows_in])
    rows = [(n, c, "error" if clobbers[n] else "ok") for n, c in rows_in]
    comments = [
        "Candidates: x0-x30 w0-w30 sp wsp xzr wzr fp lr ip0 ip1, v/b/h/s/d/q0-31,",
        "z0-31 p0-15 (class gpr, fp, sve): kept if `ALIAS .req NAME` assembles with",
        "`%s --fatal-warnings`; and the lower-case words of `strings` of" % A64.assembler,
        "%s and %s kept as sysreg" % (os.path.realpath(shutil.which(A64.assembler)), A64_LIBOPCODES),
        "when `mrs x0, NAME` or `msr NAME, x0` assembles (encoded forms s3_0_c1_c0_0",
        "are accepted for any digits and not listed), as pstate when `msr NAME, #1` does.",
        "x86_64: `asm volatile(\"\" ::: \"NAME\")` compiled by the host gcc: error or ok.",
        "%s: %s" % (A64.assembler, version(A64.assembler)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    out.tsv("aarch64/registers.tsv", comments, ["name", "class", "x86_64"], rows)


def a64_cpu_values(work, option):
    """The values the aarch64 gcc lists for -march=/-mcpu=/-mtune= when
    given a bad one ('valid arguments are: ...')."""
    empty = work.write("a64_empty.c", "")
    _, _, err = run([A64.gcc] + GCC_DIAG + ["-%s=archport-invalid" % option, "-c", "-o",
                                            scratch_object(work, "a64_empty"), empty])
    m = re.search(r"valid arguments are: (.*)", err)
    return sorted(v for v in (m.group(1).split() if m else []) if not v.startswith("archport"))


def gen_a64_march(out, work):
    """rules/aarch64/march.tsv: the aarch64 -march=/-mcpu=/-mtune= values and
    whether x86_64 gcc accepts the same one (no: `bad value 'armv8-a' for
    '-march=' switch`; x86 gcc reads -mcpu= as a deprecated -mtune=)."""
    empty = work.write("x86_empty.c", "")
    probes = [(v, o) for o in ("march", "mcpu", "mtune") for v in a64_cpu_values(work, o)]
    jobs = [[X86.gcc] + GCC_DIAG + ["-%s=%s" % (o, v), "-c", "-o", scratch_object(work, "x86_march_%d" % i), empty]
            for i, (v, o) in enumerate(probes)]
    rows = [(v, o, "valid" if status == 0 and "error" not in err else "invalid")
            for (v, o), (status, _, err) in zip(probes, run_many(jobs))]
    comments = [
        "aarch64 values for -march=, -mcpu= and -mtune=: the 'valid arguments' lists",
        "of `%s -<option>=<bad> -c empty.c`." % A64.gcc,
        "x86_64: `%s -<option>=<value> -c empty.c`, one compile each: valid if it" % X86.gcc,
        "compiles without error, invalid otherwise. A value with +extensions",
        "(armv8-a+crc) is looked up by the part before the first '+'.",
        "%s: %s" % (A64.gcc, version(A64.gcc)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    out.tsv("aarch64/march.tsv", comments, ["value", "option", "x86_64"], rows)


def gen_a64_mflags(out, work):
    """rules/aarch64/mflags.tsv: the aarch64 gcc's -m options and whether
    x86_64 gcc recognises each (-mstrict-align, -moutline-atomics: no;
    -mgeneral-regs-only: x86 has it too)."""
    help_text = output_of([A64.gcc, "--help=target"])
    options = []
    for line in help_text.splitlines():
        m = re.match(r"  (-m[^\s<]+)", line)
        if m and m.group(1) not in options and not re.match(r"-m(arch|cpu|tune)=", m.group(1)):
            options.append(m.group(1))
    args = {o: o + "x" if o.endswith("=") else o for o in options}
    empty = work.write("x86_empty.c", "")
    _, _, err = run([X86.gcc] + GCC_DIAG + ["-c", "-o", scratch_object(work, "x86_mflags"), empty]
                    + [args[o] for o in options])
    unknown = set(re.findall(r"unrecognized command-line option '([^']*)'", err))
    rows = [(o, "unknown" if args[o] in unknown else "known") for o in options]
    comments = [
        "Every -m option printed by `%s --help=target` except -march=/-mcpu=/-mtune=" % A64.gcc,
        "(aarch64/march.tsv has their values); '<...>' value hints dropped.",
        "x86_64: all options given at once to `%s -c empty.c` ('=' options with" % X86.gcc,
        "the value x): unknown = 'unrecognized command-line option', known = anything else.",
        "%s: %s" % (A64.gcc, version(A64.gcc)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    out.tsv("aarch64/mflags.tsv", comments, ["option", "x86_64"], rows)


# aarch64 machine constraints (gcc's documented AArch64 set: general
# registers k, FP/SIMD w x y, SVE predicates Upa Upl; immediates I J K L M N
# Y Z; memory Q Ump Uty Utv Dz-style ones are left out as gcc does not
# document them). Each candidate is kept when the aarch64 gcc compiles it.
A64_REGISTER_CONSTRAINTS = ["k", "w", "x", "y", "Upa", "Upl"]
A64_IMMEDIATE_CONSTRAINTS = ["I", "J", "K", "L", "M", "N", "Y", "Z"]
A64_MEMORY_CONSTRAINTS = ["Q", "Ump", "Utv", "Uty"]
A64_OPERAND_TYPES = ["long", "double", "float __attribute__((vector_size(16)))", "__SVBool_t"]
A64_IMMEDIATE_VALUES = ["1", "0", "0xff", "0.0", "4096"]


def a64_constraint_probes(c):
    """[(description, C source)] ways to use an aarch64 constraint."""
    if c in A64_IMMEDIATE_CONSTRAINTS:
        return [("constant %s" % v, 'void f(void) { __asm__ volatile ("" :: "%s"(%s)); }\n' % (c, v))
                for v in A64_IMMEDIATE_VALUES]
    if c in A64_MEMORY_CONSTRAINTS:
        return [("memory %s" % t, 'void f(%s *p) { __asm__ volatile ("" :: "%s"(*p)); }\n' % (t, c))
                for t in ("long", "float __attribute__((vector_size(16)))")]
    return [("%s in+out" % t, '%s f(%s v) { __asm__ volatile ("" : "+%s"(v)); return v; }\n' % (t, t, c))
            for t in A64_OPERAND_TYPES]


def gen_a64_constraints(out, work):
    """rules/aarch64/constraints.tsv: aarch64 asm operand constraints and
    whether the x86_64 gcc compiles the same use ("w"(v), a SIMD register:
    impossible constraint in 'asm')."""
    candidates = A64_REGISTER_CONSTRAINTS + A64_IMMEDIATE_CONSTRAINTS + A64_MEMORY_CONSTRAINTS
    chosen = {}
    for c in candidates:
        for i, (what, src) in enumerate(a64_constraint_probes(c)):
            path = work.write("a64_constraint.c", "#include <arm_sve.h>\n" + src)
            status, _, err = run([A64.gcc] + GCC_DIAG + ["-O2", "-march=armv8.2-a+sve", "-c", "-o",
                                                         scratch_object(work, "a64_constraint"), path])
            if status == 0 and "error:" not in err:
                chosen[c] = (what, src)
                break
    kept = [c for c in candidates if c in chosen]
    # x86 has no SVE type: its probe asks about the constraint with a long
    jobs = [[X86.gcc] + GCC_DIAG + ["-O2", "-c", "-o", scratch_object(work, "x86_constraint_%d" % i),
                                    work.write("x86_constraint_%d.c" % i, chosen[c][1].replace("__SVBool_t", "long"))]
            for i, c in enumerate(kept)]
    x86_letters = {c[0] for c in REGISTER_CONSTRAINTS + IMMEDIATE_CONSTRAINTS}
    rows = [(c, "x86-too" if c[0] in x86_letters and len(c) == 1 or c[0] == "Y"
             else "ok" if status == 0 and "error:" not in err else "error")
            for c, (status, _, err) in zip(kept, run_many(jobs))]
    dropped = [c for c in candidates if c not in chosen]
    comments = [
        "aarch64 machine constraints (gcc's documented AArch64 set). Each is used the",
        "first way the aarch64 gcc (-O2 -march=armv8.2-a+sve, after #include <arm_sve.h>)",
        "compiles cleanly: register constraints as \"+C\"(v) of a long, double, 16-byte",
        "vector or SVE predicate; immediates as input of a constant; memory as \"C\"(*p):",
    ] + ["  %s: %s" % (c, chosen[c][0]) for c in kept] + [
        "Dropped (no probe the aarch64 gcc accepts): " + (" ".join(dropped) or "none"),
        "x86_64: the same source compiled by `%s -O2 -c` (__SVBool_t, which x86" % X86.gcc,
        "lacks, replaced by long): error if it fails, ok otherwise; x86-too when x86",
        "gcc has a constraint of that name itself (x86/constraints.tsv's candidates",
        "I J K L M N Q x y, the Y prefix): whether it compiles depends on the operand.",
        "%s: %s" % (A64.gcc, version(A64.gcc)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    out.tsv("aarch64/constraints.tsv", comments, ["constraint", "x86_64"], rows)


def gen_a64_target_attr(out, work):
    """rules/aarch64/target-attr.tsv: how the x86_64 gcc treats aarch64
    target attributes and pragmas (an extension, an architecture), as
    targets.tsv records it for x86 ones on the other targets."""
    probes = [("attribute", "+crc", '__attribute__((target("+crc"))) int f(void){return 0;}\n'),
              ("attribute", "arch=armv8-a+crc", '__attribute__((target("arch=armv8-a+crc"))) int f(void){return 0;}\n'),
              ("pragma", "+crc", '#pragma GCC target("+crc")\nint f(void){return 0;}\n')]
    rows = []
    for i, (construct, spec, src) in enumerate(probes):
        a64 = run([A64.gcc] + GCC_DIAG + ["-c", "-o", scratch_object(work, "a64_attr"),
                                          work.write("a64_attr_%d.c" % i, src)])
        if a64[0] != 0:
            sys.exit("gen_rules: %s rejects %s target(\"%s\"):\n%s" % (A64.gcc, construct, spec, a64[2]))
        status, _, err = run([X86.gcc] + GCC_DIAG + ["-c", "-o", scratch_object(work, "x86_attr"),
                                                     work.write("x86_attr_%d.c" % i, src)])
        rows.append((construct, spec, "error" if status != 0 else "ignored" if "warning:" in err else "ok"))
    comments = [
        "aarch64 target attributes and pragmas, each compiled (`-c`) by the aarch64 gcc",
        "(which must accept it) and by %s: error = rejected, ignored =" % X86.gcc,
        "warning only, ok = clean. Probes:",
    ] + ["  %s" % src.replace("\n", " ").strip() for _, _, src in probes] + [
        "%s: %s" % (A64.gcc, version(A64.gcc)), "%s: %s" % (X86.gcc, version(X86.gcc)),
    ]
    out.tsv("aarch64/target-attr.tsv", comments, ["construct", "spec", "x86_64"], rows)


def gen_aarch64(out, work):
    """The reverse-port tables (rules/aarch64/)."""
    gen_a64_headers(out, work)
    gen_a64_types(out, work, gen_a64_names(out, work))
    gen_a64_mnemonics(out, work)
    gen_a64_registers(out, work)
    gen_a64_march(out, work)
    gen_a64_mflags(out, work)
    gen_a64_constraints(out, work)
    gen_a64_target_attr(out, work)


# ------------------------------------------------------------------ SIMDe

SIMDE_INCLUDE = "/usr/include"
SIMDE_PACKAGE = "libsimde-dev"


def rules_names(out, relpath):
    """The `name` column of a rules file, read from the directory being
    written (this run's) or else from the repository's rules/."""
    for base in (out.directory, os.path.join(ROOT, "rules")):
        path = os.path.join(base, relpath)
        if os.path.exists(path):
            names, header = set(), None
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("#") or not line.strip():
                        continue
                    cells = line.rstrip("\n").split("\t")
                    if header is None:
                        header = cells
                        continue
                    names.add(cells[header.index("name")])
            return names
    raise FileNotFoundError(relpath)


def simde_headers(family):
    """SIMDe's headers for one family (x86, arm), relative to /usr/include:
    simde/x86/*.h and simde/x86/avx512/*.h, simde/arm/neon.h and sve.h with
    their parts."""
    base = os.path.join(SIMDE_INCLUDE, "simde", family)
    found = []
    for dirpath, _, files in os.walk(base):
        for name in files:
            if name.endswith(".h"):
                found.append(os.path.relpath(os.path.join(dirpath, name), SIMDE_INCLUDE))
    return sorted(found)


def simde_view(work, gcc, header, names):
    """What #include <header> gives a program on the compiler `gcc` with
    SIMDE_ENABLE_NATIVE_ALIASES: the source-architecture names among `names`
    it defines (alias macros from -dM, alias typedefs from -E) and the
    SIMDe headers of the family it reads (-M). None when it does not
    compile there."""
    src = work.write("simde_probe.c", "#define SIMDE_ENABLE_NATIVE_ALIASES\n#include <%s>\n" % header)
    rc, macros, _ = run([gcc, "-E", "-dM", src])
    if rc != 0:
        return None
    _, text, _ = run([gcc, "-E", src])
    _, deps, _ = run([gcc, "-M", src])
    defined = set(re.findall(r"^#define (\w+)", macros, re.M))
    defined |= set(re.findall(r"\btypedef\s+simde_\w+\s+(\w+)\s*;", text))
    family = header.split("/")[1]
    prefix = os.path.join(SIMDE_INCLUDE, "simde", family) + "/"
    reads = {os.path.relpath(d, SIMDE_INCLUDE) for d in deps.replace("\\\n", " ").split()
             if d.startswith(prefix)}
    return defined & names, reads - {header}


def simde_rows(work, gcc, family, names):
    """(name, header) for each source-architecture name some SIMDe header
    of `family` defines, header being the one that defines it itself (no
    header it reads does); (header, reads) for each header."""
    views = {}
    for header in simde_headers(family):
        view = simde_view(work, gcc, header, names)
        if view is not None:
            views[header] = view
    name_rows = []
    for header, (defined, reads) in views.items():
        inherited = set()
        for r in reads:
            inherited |= views.get(r, (set(), set()))[0]
        name_rows += [(n, header) for n in defined - inherited]
    header_rows = [(h, " ".join(sorted(r)) or "-") for h, (_, r) in views.items()]
    return name_rows, header_rows


def gen_simde_table(out, work, source, gcc, names, family):
    name_rows, header_rows = simde_rows(work, gcc, family, names)
    comments = [
        "The %s names that SIMDe (%s) defines for programs built by %s when" %
        (source, package_version(SIMDE_PACKAGE), gcc),
        "SIMDE_ENABLE_NATIVE_ALIASES is defined before its header: each header of",
        "%s/simde/%s/ is included after `#define SIMDE_ENABLE_NATIVE_ALIASES`; its" % (SIMDE_INCLUDE, family),
        "alias macros (`%s -E -dM`) and alias typedefs (`typedef simde_T T;` in -E)" % gcc,
        "that name a %s intrinsic or type of rules/ are its names." % source,
        "header: the SIMDe header that defines the name itself (none it reads does).",
        "simde-headers.tsv: reads = the SIMDe headers of the family it includes (-M).",
        "A tree that includes one of these headers with the alias macro defined uses",
        "the names it covers without the %s headers: they are no error." % source]
    out.tsv("%s/simde.tsv" % source, comments, ["name", "header"], name_rows)
    out.tsv("%s/simde-headers.tsv" % source, comments[:3] + comments[6:7], ["header", "reads"], header_rows)


def gen_simde(out, work):
    """rules/x86/simde.tsv (x86 names SIMDe gives aarch64, by its gcc) and
    rules/aarch64/simde.tsv (NEON and SVE names it gives x86_64)."""
    x86_names = rules_names(out, "x86/intrinsics.tsv") | rules_names(out, "x86/types.tsv")
    gen_simde_table(out, work, "x86", CROSS[0].gcc, x86_names, "x86")
    gen_simde_table(out, work, "aarch64", X86.gcc, rules_names(out, "aarch64/names.tsv"), "arm")


# ------------------------------------------------------------------ main

def generate(directory, verbose=True, only=None):
    """Write every generated file below directory; return their paths.
    only="aarch64": just the reverse-port tables (rules/aarch64/)."""
    out = Output(directory, verbose)
    work = Workdir()
    try:
        if only == "aarch64":
            gen_aarch64(out, work)
            return out.written
        if only == "simde":
            gen_simde(out, work)
            return out.written
        gen_targets(out, work)
        gen_macros(out, work)
        header_sets = x86_header_sets()
        gen_intrinsics(out, work, header_sets)
        gen_types(out, work, header_sets)
        gen_headers(out, work, header_sets)
        gen_mnemonics(out, work)
        gen_registers(out, work)
        gen_constraints(out, work)
        gen_mflags(out, work)
        gen_march(out, work)
        gen_context_registers(out, work)
        gen_target_registers(out, work)
        gen_portio(out, work)
        gen_rust(out, work)
        gen_aarch64(out, work)
        gen_simde(out, work)
    finally:
        work.close()
    return out.written


def check(rules_dir, only=None):
    """Regenerate into a temporary directory and compare with rules_dir."""
    tmp = tempfile.mkdtemp(prefix="gen_rules.check.")
    try:
        written = generate(tmp, verbose=False, only=only)
        stale = []
        for rel in written:
            with open(os.path.join(tmp, rel), encoding="utf-8") as f:
                new = f.read().splitlines()
            old_path = os.path.join(rules_dir, rel)
            if not os.path.exists(old_path):
                stale.append("%s: missing" % rel)
                continue
            with open(old_path, encoding="utf-8") as f:
                old = f.read().splitlines()
            if old != new:
                diff = [l for l in difflib.unified_diff(old, new, lineterm="", n=0)
                        if l[:1] in "+-" and l[:3] not in ("+++", "---")]
                added = sum(1 for l in diff if l.startswith("+"))
                removed = len(diff) - added
                stale.append("%s: %d lines added, %d removed, e.g.\n      %s"
                             % (rel, added, removed, "\n      ".join(diff[:6])))
        if stale:
            print("rules/ is out of date (run python3 %s):" % SCRIPT)
            for s in stale:
                print("  " + s)
            return 1
        print("rules/ is up to date (%d files)" % len(written))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate to a temporary directory and exit 1 if rules/ differs")
    parser.add_argument("--out", default=os.path.join(ROOT, "rules"),
                        help="directory to write (default: rules/ of the repository)")
    parser.add_argument("--only", choices=["aarch64", "simde"],
                        help="only the reverse-port tables (rules/aarch64/), or only the SIMDe tables")
    args = parser.parse_args()
    start = time.time()
    if args.check:
        status = check(args.out, args.only)
    else:
        generate(args.out, only=args.only)
        status = 0
    print("gen_rules: %.1fs" % (time.time() - start))
    return status


if __name__ == "__main__":
    sys.exit(main())
