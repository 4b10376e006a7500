"""The packages of a Cargo tree, as the Rust tests need them."""
import os
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
    `name` (as a crate name), `roots` (existing src/lib.rs, src/main.rs) and
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
        roots = [r for r in ("src/lib.rs", "src/main.rs") if os.path.exists(os.path.join(dirpath, r))]
        out.append({"dir": dirpath, "name": manifest["package"]["name"].replace("-", "_"),
                    "roots": roots, "features": default_features(manifest)})
    return out
