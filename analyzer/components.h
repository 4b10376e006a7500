/* The tree's parts and what each depends on, for the HTML report's
 * dependency section: Rust crates (one per Cargo.toml that holds Rust
 * files) with their path dependencies (in the tree) and their other
 * dependencies (by name), and C code by directory with the directories
 * whose headers it #includes.
 *
 * C "directories": the files under the nearest directory with a build
 * file (Makefile, *.mk, CMakeLists.txt, meson.build; the root when none)
 * are grouped by the first path segment below it (src/, include/),
 * files directly in it being their own group. `library` is that build
 * directory, so a report can show one C library and its inner parts
 * together. Dependencies come from the include graph the scan already
 * built (tree_index.includers), so they are what the code really uses. */
#ifndef ARCHPORT_COMPONENTS_H
#define ARCHPORT_COMPONENTS_H

#include <stddef.h>
#include "util.h"

struct tree_index;

enum component_kind { COMPONENT_CRATE, COMPONENT_C };

struct component_dep {
	char *dir;         /* the component depended on, by its dir */
	char *pred;        /* a crate's [target.'...'] key when only some targets use it, or NULL */
};

struct component {
	enum component_kind kind;
	char *name;        /* crate: its [package] name (else its directory); C: the directory */
	char *dir;         /* as the report names files ("." at the root) */
	char *library;     /* C: the directory with the build file ("." at the root); crate: dir */
	struct component_dep *deps;   /* the components it depends on, in the tree; by dir */
	size_t ndeps;
	char **external;   /* crate: dependencies not in the tree, by name; sorted */
	size_t nexternal;
	size_t files;      /* its source files (C/asm, or .rs) */
};

struct component_list {
	struct component *items;   /* crates first, then C; each by dir */
	size_t len, cap;
	struct strmap by_dir;      /* "<kind>:<dir>" -> index + 1, made by components_sort */
};

/* Appends the components of one scanned root; names and dirs get
 * `prefix/` (NULL: none) as the report's file names do. */
void components_collect(struct component_list *out, const struct tree_index *ix, const char *prefix);
/* Sorts crates first, then C, each by dir (deterministic output), and
 * indexes them by dir; call it once all roots are collected. */
void components_sort(struct component_list *l);
/* The component of that kind and dir, or -1. */
long component_by_dir(const struct component_list *l, enum component_kind kind, const char *dir, size_t n);
void components_free(struct component_list *l);
/* The component a report file belongs to: the one with the longest dir
 * that holds it, of the file's kind (.rs and Cargo.toml: crates; else C),
 * or -1. */
long component_of_file(const struct component_list *l, const char *file);

#endif
