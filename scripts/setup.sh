#!/bin/sh
# Installs the Debian 12 packages archport needs to build and test, and
# nothing when they are all present. `make run` and `make check` call it.
set -eu

PACKAGES="build-essential make pkg-config git python3 python3-jsonschema check
gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu g++-aarch64-linux-gnu g++-riscv64-linux-gnu libc6-dev-arm64-cross libc6-dev-riscv64-cross
qemu-user libclang-19-dev clang-19 libclang-rt-19-dev cmake ripgrep time valgrind libsimde-dev bear patch meson ninja-build"
# Rust front end: Debian's rustc/cargo (1.63, /usr/bin), the aarch64 std through arm64
# multiarch, tree-sitter for parsing, npm to fetch the grammar (nodesource's nodejs
# already brings npm; Debian's npm package would conflict with it).
PACKAGES="$PACKAGES rustc cargo libtree-sitter-dev libstd-rust-dev:arm64"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
# The HTML report's test renders it in headless Chromium (tests/test_html.py).
PACKAGES="$PACKAGES chromium"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "archport setup: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Rust front end: arm64 multiarch for libstd-rust-dev:arm64 (a no-op once added).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
