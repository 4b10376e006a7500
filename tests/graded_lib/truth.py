"""Compiler truth: which files of a tree the cross compilers reject.

A copy of the tree is built for the target the way its own build files say
(make -k, CMake), the compiler's errors are collected through the shim log
(see ccshim.py) and each error is attributed to the tree file it names.
Errors with no file, i.e. options the target compiler rejects, belong to the
build files that contain the option.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from . import diagnostics, gccargs

TRIPLES = {"aarch64": "aarch64-linux-gnu", "riscv64": "riscv64-linux-gnu",
           "x86_64": "x86_64-linux-gnu"}
# A fixture's source architecture, by name: aarch64-* trees are aarch64 code
# (graded for the reverse port, --target x86_64), every other tree x86 code.
REVERSE_PREFIX = "aarch64-"
# How a reverse fixture's own test runs on this x86 host.
AARCH64_RUN = "qemu-aarch64 -L /usr/aarch64-linux-gnu"


def source_arch(name):
    """The architecture a fixture's code is written for."""
    return "aarch64" if name.startswith(REVERSE_PREFIX) else "x86_64"


def graded_targets(name, targets):
    """The targets a fixture is graded for: the ports archport makes, x86 to
    aarch64/riscv64 and aarch64 to x86_64."""
    if source_arch(name) == "aarch64":
        return [t for t in targets if t == "x86_64"]
    return [t for t in targets if t != "x86_64"]
BUILD_TIMEOUT = 600
# Build products left in a fixture would let make skip the very compiles
# that are being graded.
_BUILD_PRODUCTS = ("*.o", "*.a", "*.so")
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__"}
_BUILD_FILE_NAMES = {"Makefile", "makefile", "GNUmakefile", "CMakeLists.txt", "meson.build"}
_BUILD_FILE_SUFFIXES = (".mk", ".cmake")
_SHIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ccshim.py")


def tree_files(root):
    """All files of a tree, relative with '/' separators, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            rel = name if rel_dir == "." else os.path.join(rel_dir, name)
            found.append(rel.replace(os.sep, "/"))
    return sorted(found)


def is_build_file(rel):
    """Makefiles and CMake scripts: where unconditional target flags live."""
    name = os.path.basename(rel)
    return name in _BUILD_FILE_NAMES or name.endswith(_BUILD_FILE_SUFFIXES)


def _read(path):
    with open(path, errors="replace") as f:
        return f.read()


def clean_env(extra=None):
    """The environment for builds: C locale (ASCII quotes in diagnostics) and
    no inherited make flags (a parent's -j would interleave the output)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GRADED_CC_LOG")}
    env.update(LC_ALL="C", LANG="C")
    env.update(extra or {})
    return env


class Shims:
    """A directory of `<triple>-gcc` scripts, first in PATH during builds,
    that run ccshim.py with the real cross compiler."""

    def __init__(self, directory, targets):
        self.directory = directory
        for target in targets:
            name = f"{TRIPLES[target]}-gcc"
            real = shutil.which(name)
            if real is None:
                raise RuntimeError(f"{name} not found in PATH")
            script = os.path.join(directory, name)
            with open(script, "w") as f:
                f.write(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} '
                        f'{shlex.quote(_SHIM)} {shlex.quote(real)} "$@"\n')
            os.chmod(script, 0o755)

    def env(self, log_path=None):
        """Build environment with the shims in PATH; logging to log_path."""
        extra = {"PATH": self.directory + os.pathsep + os.environ.get("PATH", "")}
        if log_path:
            extra["GRADED_CC_LOG"] = log_path
        return clean_env(extra)


@dataclass
class Truth:
    """What the compiler said about one tree for one target."""
    errors: dict = field(default_factory=dict)        # rel file -> [Diagnostic]
    unattributed: list = field(default_factory=list)  # errors naming no tree file
    problems: list = field(default_factory=list)      # the build itself went wrong
    transcript: list = field(default_factory=list)    # commands and their output

    def add(self, rel, line, message):
        """Record an error; a repeat of the same one (a header included by
        several sources, an option on every compile) is kept once."""
        diag = diagnostics.Diagnostic(rel, line, message)
        found = self.errors.setdefault(rel, [])
        if diag not in found:
            found.append(diag)

    def first(self, rel):
        """The first error reported in rel, or None if the file is fine."""
        found = self.errors.get(rel)
        return found[0] if found else None


class _Build:
    """One cross build of a copy of the tree, accumulating its Truth."""

    def __init__(self, copy, build_dir, target, shims, log_path):
        self.copy = copy
        self.build_dir = build_dir
        self.target = target
        self.cc = f"{TRIPLES[target]}-gcc"
        self.shims = shims
        self.log_path = log_path
        self.files = tree_files(copy)
        self.truth = Truth()

    def run(self, cmd, cwd, logging=True):
        """Run a build step, keeping its output in the transcript."""
        env = self.shims.env(self.log_path if logging else None)
        try:
            proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.truth.problems.append(f"timed out after {BUILD_TIMEOUT}s: {shlex.join(cmd)}")
            return None
        self.truth.transcript.append(f"$ (cd {cwd} && {shlex.join(cmd)})  -> {proc.returncode}\n"
                                     + proc.stdout)
        return proc

    def tree_path(self, path):
        """The tree file a diagnostic path names, or None (system headers,
        generated files).  A bare name (from ld without line info) counts
        when exactly one tree file has it."""
        if os.path.isabs(path):
            if path.startswith(self.copy + os.sep):
                return os.path.relpath(path, self.copy).replace(os.sep, "/")
            return None
        matches = [f for f in self.files if os.path.basename(f) == path]
        return matches[0] if len(matches) == 1 else None

    def add_located(self, diag):
        rel = self.tree_path(diag.path)
        if rel:
            self.truth.add(rel, diag.line, diag.message)
        else:
            self.truth.unattributed.append(f"{diag.path}:{diag.line}: {diag.message}")

    def reads_tree(self, record):
        """True for the tree's own compile and link commands, false for
        probes (configure checks, $(shell $(CC) ...)) whose failures mean
        nothing about the tree."""
        roots = tuple(r + os.sep for r in (self.copy, self.build_dir))
        return any(i.startswith(roots) for i in record["inputs"])

    def add_rejected_options(self, record):
        """Attribute options the compiler rejected to the build files that
        contain them (the option itself, else its value)."""
        messages = diagnostics.fileless_errors(record["stderr"] + "\n" + record["retry_stderr"])
        build_files = [f for f in self.files if is_build_file(f)]
        for option in record["rejected"]:
            value = option.partition("=")[2]
            message = next((m for m in messages if option in m or (value and value in m)),
                           f"rejected option {option}")
            for needle in filter(None, (option, value)):
                owners = [f for f in build_files if needle in _read(os.path.join(self.copy, f))]
                if owners:
                    for rel in owners:
                        self.truth.add(rel, 0, message)
                    break
            else:
                self.truth.unattributed.append(f"(no build file contains {option}): {message}")

    def records(self):
        """The shim's records of failed compiler commands so far."""
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def collect(self):
        """Turn the shim log into attributed errors."""
        for record in self.records():
            text = record["stderr"] + "\n" + record["retry_stderr"]
            for diag in diagnostics.compiler_errors(text, record["cwd"]):
                self.add_located(diag)
            if record["rejected"] and self.reads_tree(record):
                self.add_rejected_options(record)

    def make(self):
        proc = self.run(["make", "-k", f"CC={self.cc}", "all"], self.copy)
        if proc:
            for diag in diagnostics.make_errors(proc.stdout, self.copy):
                self.add_located(diag)

    def cmake(self):
        configure = self.run(["cmake", "-S", self.copy, "-B", self.build_dir,
                              f"-DCMAKE_C_COMPILER={self.cc}",
                              "-DCMAKE_SYSTEM_NAME=Linux",
                              f"-DCMAKE_SYSTEM_PROCESSOR={self.target}",
                              "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"],
                             self.copy, logging=False)
        if configure is None:
            return
        for diag in diagnostics.cmake_errors(configure.stdout, self.copy):
            self.add_located(diag)
        if configure.returncode != 0:
            return
        self.run(["make", "-k"], self.build_dir)
        self.compile_unattempted()

    def compile_unattempted(self):
        """Run the compile commands that make -k never reached: a target
        whose dependency failed is skipped whole, sources and all."""
        db_path = os.path.join(self.build_dir, "compile_commands.json")
        if not os.path.exists(db_path):
            return
        attempted = {r["output"] for r in self.records()}
        with open(db_path) as f:
            entries = json.load(f)
        for entry in entries:
            args = entry.get("arguments") or shlex.split(entry["command"])
            out = gccargs.output(args)
            if out is None:
                continue
            out = gccargs.absolute(out, entry["directory"])
            if out not in attempted and not os.path.exists(out):
                self.run(args, entry["directory"])

    def compile_loose(self):
        """No build system: compile every C and assembly file, then link them
        into a shared library that may not leave symbols undefined."""
        objects, ok = [], True
        obj_dir = os.path.join(self.build_dir, "obj")
        os.makedirs(obj_dir, exist_ok=True)
        for rel in self.files:
            if not rel.endswith((".c", ".S")):
                continue
            obj = os.path.join(obj_dir, rel.replace("/", "__") + ".o")
            proc = self.run([self.cc, "-O2", "-g", "-fPIC", "-c", "-I.", "-Iinclude",
                             rel, "-o", obj], self.copy)
            ok = ok and proc is not None and proc.returncode == 0
            objects.append(obj)
        if objects and ok:
            self.run([self.cc, "-shared", "-fPIC", "-Wl,--no-undefined",
                      "-o", os.path.join(self.build_dir, "libtree.so")] + objects, self.copy)

    def compile_public_headers(self):
        """Compile standalone the headers no tree file includes (the API that
        users include).  Included headers are judged by the compiles that
        include them: a header included only under an x86 gate is never
        compiled for the target, and must not count as broken."""
        sources = [f for f in self.files if f.endswith(gccargs.SOURCE_SUFFIXES)]
        texts = {f: _read(os.path.join(self.copy, f)) for f in sources}
        for header in (f for f in sources if f.endswith(".h")):
            include = re.compile(r'[<"](?:[^<>"\n]*/)?' + re.escape(os.path.basename(header)) + r'[>"]')
            if any(include.search(texts[f]) for f in sources if f != header):
                continue
            self.run([self.cc, "-x", "c", "-O2", "-c", "-o", os.devnull,
                      "-I.", "-Iinclude", header], self.copy)


def compiler_truth(tree, target, shims):
    """Build a copy of tree for target; return the Truth."""
    with tempfile.TemporaryDirectory(prefix=f"graded-{target}-") as tmp:
        copy = os.path.join(tmp, "tree")
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(*_BUILD_PRODUCTS))
        build = _Build(copy, os.path.join(tmp, "build"), target, shims,
                       os.path.join(tmp, "cc.log"))
        has_make = os.path.exists(os.path.join(copy, "Makefile"))
        has_cmake = os.path.exists(os.path.join(copy, "CMakeLists.txt"))
        if has_make:
            build.make()
        if has_cmake:
            build.cmake()
        if not (has_make or has_cmake):
            build.compile_loose()
        build.compile_public_headers()
        build.collect()
        return build.truth


def host_check(tree):
    """Build the tree with its source architecture's gcc and run its test:
    the x86 fixtures are x86 code that works on x86 (host gcc), the aarch64
    ones aarch64 code that works on aarch64 (the cross gcc, the test under
    qemu-aarch64).  Returns None when fine, else why not."""
    reverse = source_arch(os.path.basename(os.path.normpath(tree))) == "aarch64"
    cc = TRIPLES["aarch64"] + "-gcc" if reverse else "gcc"
    run = ["RUN=" + AARCH64_RUN] if reverse else []
    with tempfile.TemporaryDirectory(prefix="graded-host-") as tmp:
        copy = os.path.join(tmp, "tree")
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(*_BUILD_PRODUCTS))
        if os.path.exists(os.path.join(copy, "Makefile")):
            steps = [["make", "CC=" + cc, "all"]]
            if re.search(r"^test:", _read(os.path.join(copy, "Makefile")), re.M):
                steps.append(["make", "CC=" + cc, "test"] + run)
        elif os.path.exists(os.path.join(copy, "CMakeLists.txt")):
            build = os.path.join(tmp, "build")
            steps = [["cmake", "-S", copy, "-B", build, "-DCMAKE_C_COMPILER=" + cc],
                     ["make", "-C", build]]
        else:
            return None
        for cmd in steps:
            try:
                proc = subprocess.run(cmd, cwd=copy, env=clean_env(), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, errors="replace", timeout=BUILD_TIMEOUT)
            except subprocess.TimeoutExpired:
                return f"`{shlex.join(cmd)}` timed out"
            if proc.returncode != 0:
                tail = "\n".join(proc.stdout.splitlines()[-15:])
                return f"`{shlex.join(cmd)}` failed on the host (exit {proc.returncode}):\n{tail}"
    return None
