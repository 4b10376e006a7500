"""Reading and rewriting gcc command lines.

The shim re-runs failing compiler commands (to locate assembler errors and to
look past options the target rejects) and the grader needs to know which files
a command read; both rely on this small model of gcc's arguments.
"""

import os

# Options that take the next argument as their value when not written joined.
_TAKES_VALUE = {
    "-o", "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-iquote",
    "-idirafter", "-iprefix", "-isysroot", "-x", "-MF", "-MT", "-MQ", "-L",
    "-T", "-u", "-e", "-Xlinker", "-Xassembler", "-Xpreprocessor", "--param",
}
# Dependency-file options: a re-run must not overwrite the build's .d files.
_DEPENDENCY_FLAGS = {"-M", "-MM", "-MD", "-MMD", "-MP", "-MG"}
_DEPENDENCY_WITH_VALUE = ("-MF", "-MT", "-MQ")
_MODE_FLAGS = {"-c", "-S", "-E"}

SOURCE_SUFFIXES = (".c", ".h", ".S", ".s", ".sx", ".cc", ".cpp", ".cxx", ".i")


def inputs(args):
    """Positional arguments: the files the command reads ("-" is stdin)."""
    found, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in _TAKES_VALUE:
            skip = True
        elif arg == "-" or not arg.startswith("-"):
            found.append(arg)
    return found


def source_inputs(args):
    """The inputs that the compiler proper or the assembler reads."""
    return [a for a in inputs(args) if a.endswith(SOURCE_SUFFIXES)]


def output(args):
    """The -o file of the command, or None when gcc picks the name."""
    for i, arg in enumerate(args):
        if arg == "-o" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("-o") and len(arg) > 2:
            return arg[2:]
    return None


def rewrite(args, new_output, drop=(), mode=None):
    """The same command writing new_output, without dependency-file options
    and without the options in drop; mode ("-S") replaces -c/-S/-E."""
    result, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "-o" or arg in _DEPENDENCY_WITH_VALUE:
            skip = True
            continue
        if (arg.startswith("-o") and len(arg) > 2) or arg in _DEPENDENCY_FLAGS \
                or (arg.startswith(_DEPENDENCY_WITH_VALUE) and len(arg) > 3) \
                or arg in drop or (mode and arg in _MODE_FLAGS):
            continue
        result.append(arg)
    if mode:
        result.append(mode)
    return result + ["-o", new_output]


def absolute(path, cwd):
    """path as an absolute, normalised path, relative ones taken from cwd."""
    return os.path.normpath(os.path.join(cwd, path))
