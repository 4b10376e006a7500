"""The packages of a Cargo tree, as the Rust tests need them, and running
Debian's cargo on such a tree (host and aarch64 builds, tests under QEMU,
per-target x86_64 objects)."""
import json
import os
import re
import shutil
import signal
import subprocess
import tomllib


def default_features(manifest):
    """The features `default` turns on, transitively (dependency features
    such as `dep:x` or `x/y` are not this crate's cfgs and are left out)."""
    features = manifest.get("features", {})
    enabled, todo = set(), list(features.get("default", []))
    while todo:
        name = todo.pop()
        if name not in enabled and ":" not in name and "/" not in name:
            enabled.add(name)
            todo += features.get(name, [])
    return sorted(enabled)


def packages(tree):
    """Each package below tree, in a stable order: a dict with `dir` (absolute),
    `name` (as a crate name), `roots` (the existing library root, src/lib.rs unless [lib] path says
    otherwise, and src/main.rs) and
    `features` (the default ones)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if d not in ("target", ".git"))
        if "Cargo.toml" not in filenames:
            continue
        with open(os.path.join(dirpath, "Cargo.toml"), "rb") as f:
            manifest = tomllib.load(f)
        if "package" not in manifest:
            continue
        lib = manifest.get("lib", {}).get("path", "src/lib.rs")
        roots = [r for r in (lib, "src/main.rs") if os.path.exists(os.path.join(dirpath, r))]
        out.append({"dir": dirpath, "name": manifest["package"]["name"].replace("-", "_"),
                    "roots": roots, "features": default_features(manifest)})
    return out


# ---- Running Debian's cargo (the Rust stub test) ---------------------------
# Always the /usr/bin tools: the `cargo`/`rustc` on PATH may be a rustup
# toolchain without the aarch64 std.
CARGO = "/usr/bin/cargo"
RUSTC = "/usr/bin/rustc"
RUSTDOC = "/usr/bin/rustdoc"
X86_64 = "x86_64-unknown-linux-gnu"
AARCH64 = "aarch64-unknown-linux-gnu"
AARCH64_STD = "/usr/lib/rustlib/aarch64-unknown-linux-gnu/lib"
AARCH64_SYSROOT = "/usr/aarch64-linux-gnu"
# -E LD_LIBRARY_PATH: with only -L, the cross ld.so reads the host's
# /etc/ld.so.cache and, once libc6:arm64 is installed (libstd-rust-dev:arm64
# brings it), loads /lib/aarch64-linux-gnu/libc.so.6 of another glibc build;
# the mismatched ld.so/libc pair spins forever in the first pthread_create
# (the test harness runs every test on a thread).
AARCH64_RUNNER = f"qemu-aarch64 -L {AARCH64_SYSROOT} -E LD_LIBRARY_PATH={AARCH64_SYSROOT}/lib"
EM_AARCH64 = 183
LIB_KINDS = {"lib", "rlib", "dylib", "cdylib", "staticlib", "proc-macro"}

# The x86_64 objects compared before and after a patch: -C opt-level=2 -g, one
# codegen unit (one object per crate), no incremental state.
OBJ_PROFILE = {"CARGO_PROFILE_RELEASE_OPT_LEVEL": "2", "CARGO_PROFILE_RELEASE_DEBUG": "2",
               "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "1", "CARGO_PROFILE_RELEASE_INCREMENTAL": "false",
               "CARGO_PROFILE_RELEASE_LTO": "false"}

# RUSTC_WRAPPER that also writes each package target's object file to
# $ARCHPORT_OBJ_DIR/<package>.<lib|bin>.<crate name>.o (cargo alone keeps no
# object of a bin, and names objects by hash); build scripts and cargo's own
# rustc queries pass through.
OBJ_WRAPPER = r"""#!/bin/sh
name= kind=lib prev=
for a in "$@"; do
	case $prev in
	--crate-name) name=$a ;;
	--crate-type) [ "$a" = bin ] && kind=bin ;;
	esac
	prev=$a
done
case $name in ''|___|build_script_*) exec "$@" ;; esac
[ -n "$CARGO_PKG_NAME" ] && [ -n "$ARCHPORT_OBJ_DIR" ] || exec "$@"
mkdir -p "$ARCHPORT_OBJ_DIR" || exit 1
exec "$@" "--emit=obj=$ARCHPORT_OBJ_DIR/$CARGO_PKG_NAME.$kind.$name.o"
"""


def missing_tools():
    """What the cargo steps need and this machine lacks (scripts/setup.sh installs it)."""
    missing = [p for p in (CARGO, RUSTC, RUSTDOC) if not os.access(p, os.X_OK)]
    if not os.path.isdir(AARCH64_STD):
        missing.append(f"the aarch64 Rust std ({AARCH64_STD}, libstd-rust-dev:arm64)")
    for tool in ("qemu-aarch64", "aarch64-linux-gnu-gcc"):
        if not shutil.which(tool):
            missing.append(tool)
    if not os.path.exists(os.path.join(AARCH64_SYSROOT, "lib", "libc.so.6")):
        missing.append(f"the aarch64 glibc ({AARCH64_SYSROOT}/lib)")
    return missing


def environment(target_dir, cargo_home):
    """The environment for every cargo run: Debian's rustc, a private
    CARGO_HOME (no user config), the tree's own target dir, the aarch64
    linker and runner, and none of the caller's flags or wrappers."""
    drop = ("RUSTFLAGS", "RUSTDOCFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_ENCODED_RUSTDOCFLAGS",
            "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "RUSTC_BOOTSTRAP", "CARGO_INCREMENTAL",
            "CARGO", "CARGO_MANIFEST_DIR", "RUSTUP_TOOLCHAIN")
    env = {k: v for k, v in os.environ.items()
           if k not in drop and not k.startswith(("CARGO_BUILD_", "CARGO_PROFILE_", "CARGO_TARGET_",
                                                  "CARGO_PKG_", "CARGO_CFG_"))}
    env.update({"RUSTC": RUSTC, "RUSTDOC": RUSTDOC, "CARGO_HOME": cargo_home,
                "CARGO_TARGET_DIR": target_dir, "CARGO_INCREMENTAL": "0", "CARGO_TERM_COLOR": "never",
                "CARGO_NET_OFFLINE": "true", "RUST_BACKTRACE": "0",
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER": "aarch64-linux-gnu-gcc",
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER": AARCH64_RUNNER})
    return env


def run(tree, args, env, timeout=600):
    """cargo ARGS in tree: (returncode, stdout, stderr). On a timeout the
    whole process group (cargo, rustc, qemu) is killed and the code is None."""
    proc = subprocess.Popen([CARGO] + args, cwd=tree, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err + f"\n(killed after {timeout} s)"


def targets(tree, env):
    """(package, 'lib' or 'bin', crate name) of every lib and bin target of
    the workspace's packages, from `cargo metadata`."""
    code, out, err = run(tree, ["metadata", "--offline", "--no-deps", "--format-version", "1"], env)
    if code != 0:
        raise RuntimeError(f"cargo metadata failed: {err.strip()[-500:]}")
    found = []
    for pkg in json.loads(out)["packages"]:
        for t in pkg["targets"]:
            kinds = set(t["kind"])
            kind = "bin" if "bin" in kinds else "lib" if kinds & LIB_KINDS else None
            if kind:
                found.append((pkg["name"], kind, t["name"].replace("-", "_")))
    return sorted(found)


def executables(stdout):
    """The executables in `--message-format=json-render-diagnostics` output."""
    found = []
    for line in stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            found.append(msg["executable"])
    return found


def elf_machine(path):
    """e_machine of an ELF file, or None."""
    with open(path, "rb") as f:
        head = f.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def tests_passed(stdout):
    """(tests passed, test binaries run) from `cargo test` output."""
    results = re.findall(r"^test result: \w+\. (\d+) passed", stdout, re.M)
    return sum(int(n) for n in results), len(results)


def elf_sections(path):
    """{section name: contents} of an ELF64 object (NOBITS sections empty)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return {}
    order = "little" if data[5] == 1 else "big"

    def num(off, size):
        return int.from_bytes(data[off:off + size], order)
    shoff, shentsize, shnum, shstrndx = num(0x28, 8), num(0x3A, 2), num(0x3C, 2), num(0x3E, 2)
    headers = [shoff + i * shentsize for i in range(shnum)]
    strtab = num(headers[shstrndx] + 0x18, 8) if shstrndx < shnum else 0
    sections = {}
    for i, h in enumerate(headers):
        start = strtab + num(h, 4)
        name = data[start:data.index(b"\0", start)].decode(errors="replace")
        off, size = num(h + 0x18, 8), num(h + 0x20, 8)
        body = b"" if num(h + 4, 4) == 8 else data[off:off + size]
        sections[name if name not in sections else f"{name}#{i}"] = body
    return sections


def differing_sections(a, b):
    """Names of the sections whose contents differ between two ELF objects."""
    sa, sb = elf_sections(a), elf_sections(b)
    return sorted(n for n in set(sa) | set(sb) if sa.get(n) != sb.get(n))
