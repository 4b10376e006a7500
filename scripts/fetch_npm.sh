#!/bin/sh
# Fetches an npm package pinned in scripts/npm-lock.txt into DEST (build/...),
# checks its sha512 against the pin, and extracts it. Usage: fetch_npm.sh NAME DEST
# A tarball already in build/ with the right digest is reused (offline rebuilds).
set -eu
name=$1
dest=$2
lock=$(dirname "$0")/npm-lock.txt
line=$(grep -v '^#' "$lock" | awk -v n="$name" '$1 == n')
[ -n "$line" ] || { echo "fetch_npm: $name is not pinned in $lock" >&2; exit 1; }
version=$(echo "$line" | awk '{print $2}')
want=$(echo "$line" | awk '{print $3}')
tarball=build/npm/$name-$version.tgz
digest() {
	python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}
mkdir -p build/npm
if [ ! -f "$tarball" ] || [ "$(digest "$tarball")" != "$want" ]; then
	rm -f "$tarball"
	(cd build/npm && npm pack --silent "$name@$version" >/dev/null)
fi
got=$(digest "$tarball")
if [ "$got" != "$want" ]; then
	echo "fetch_npm: $tarball: integrity $got, expected $want" >&2
	rm -f "$tarball"
	exit 1
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tarball" -C "$dest" --strip-components=1
