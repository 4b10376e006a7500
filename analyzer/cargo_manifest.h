/* Cargo.toml, read once per scan (cargo_manifest.c): what the Rust front
 * end needs of each manifest, for every .rs file of its package and for
 * the crate-wide pass. Only the parts archport uses are read: default
 * features, target paths and dependencies (not [dev-]/[build-]). */
#ifndef ARCHPORT_CARGO_MANIFEST_H
#define ARCHPORT_CARGO_MANIFEST_H

#include <stddef.h>
#include "util.h"

struct tree_index;

struct cargo_dep {
	char *name;       /* as a crate name: `-` becomes `_` */
	char *root;       /* rel path of its library root for a `path` dependency
			   * (its [lib] path, else src/lib.rs), or NULL */
	char *pred;       /* the [target.'...'] key (`cfg(...)` or a triple), or NULL */
	int line;         /* in the Cargo.toml */
};

struct cargo_manifest {
	char *dir;              /* rel directory, "" at the root */
	char *package;          /* [package] name, as written, or NULL (a virtual workspace) */
	int file;               /* walk index of the Cargo.toml */
	char **features;        /* [features] default, with what they enable */
	size_t nfeatures;
	char **targets;         /* rel paths [lib]/[[bin]]/... place by `path` */
	size_t ntargets;
	char *lib;              /* the [lib] path, rel, or NULL */
	struct cargo_dep *deps;
	size_t ndeps;
};

struct cargo_manifests {
	struct cargo_manifest *items;
	size_t len, cap;
	struct strmap by_dir;     /* dir -> index + 1 */
	struct strmap targets;    /* every target path of every manifest */
};

/* Reads every Cargo.toml the walk lists. */
void cargo_manifests_load(struct cargo_manifests *m, const struct tree_index *ix);
void cargo_manifests_free(struct cargo_manifests *m);
/* The manifest of the package that holds rel: the nearest Cargo.toml in
 * its directory or above, or NULL. */
const struct cargo_manifest *cargo_manifest_for(const struct cargo_manifests *m, const char *rel);
/* Whether some manifest names rel as a target by `path`. */
int cargo_is_target(const struct cargo_manifests *m, const char *rel);

#endif
