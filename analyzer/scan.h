/* The scan engine shared by the front ends: the tree-wide index built in a
 * first pass (macro definitions, include directories, what the build files
 * gate), and the per-file entry points of each language front end. */
#ifndef ARCHPORT_SCAN_H
#define ARCHPORT_SCAN_H

#include "build_macros.h"
#include "cargo_manifest.h"
#include "finding.h"
#include "knowledge.h"
#include "textfile.h"
#include "util.h"
#include "walk.h"

struct arch_dirs;
struct compile_db;
struct make_goals;

/* Where a macro name is #define'd across the tree (first pass), and the
 * -D/-U flags the build files pass for it. */
#define MAX_DEF_FILES 4
struct def_sites {
	int nfiles;                  /* distinct defining files, saturating */
	int files[MAX_DEF_FILES];    /* their indexes in the walk */
	/* An #undef, or a #define that is not a default under `#ifndef NAME`:
	 * it may override what the build passes ("src/config.h #defines it"). */
	int overrides, override_file, override_undef;
	char *overridden;            /* the message, made by index_finish */
	size_t *build;               /* indexes into tree_index.build_defines */
	size_t nbuild, build_cap;
};

/* Walk indexes. */
struct file_list {
	int *v;
	size_t len, cap;
};

/* How the build files refer to a source file name. */
enum { REF_UNGATED = 1, REF_GATED = 2 };

struct tree_index {
	const struct knowledge *k;
	const struct walk_result *walk;
	struct strmap files;         /* rel path -> index + 1 */
	struct strmap defs;          /* macro -> struct def_sites */
	struct strmap build_refs;    /* file base name -> REF_* bits */
	char **include_dirs;         /* rel dirs from -I flags, plus "include" */
	/* [i]: the directory of the build file that gave include_dirs[i] ("" the
	 * root): an include resolves through the dirs of the build files above
	 * it first, so that two projects in one tree with a header of the same
	 * name each find their own. */
	char **include_scopes;
	size_t ninclude_dirs, include_cap, include_scopes_cap;
	int has_build_files;
	char *included;                   /* [file]: some #include names it */
	struct file_list *includers;      /* [file]: the tree files that #include it */
	struct include_cache *includes;   /* header summaries, shared by workers */
	/* x86 directories the build picks by architecture (arch/$(ARCH)/), and
	 * whether the target has its twin (stubgen/arch_dirs.h) */
	const struct arch_dirs *arch;
	struct cargo_manifests cargo;     /* every Cargo.toml, read once */
	struct build_defines build_defines;   /* every -D/-U of the build files */
	struct compile_db *db;            /* compile database, when there is one (compile_db.h) */
	struct make_goals *make_goals;    /* what each Makefile's default goal builds (make_goals.h) */
};

struct include_cache *include_cache_new(size_t nfiles);
void include_cache_free(struct include_cache *c);

/* An in-tree #include seen while scanning, for the post-pass that finds
 * headers only other architectures include. */
struct include_ref {
	int file;        /* walk index of the included header */
	int reachable;   /* an enum tri: C refs are TRUE, UNKNOWN (an #include under a
			  * condition archport cannot decide) or FALSE */
	int line;        /* of the #include (C), 0 when not known */
};

/* One file's scan, written by one worker. */
struct rust_facts;

struct file_scan {
	struct finding_list findings;
	size_t lines;
	int scanned;
	struct include_ref *refs;
	size_t nrefs, refs_cap;
	struct rust_facts *rust;    /* a .rs file's names and paths (rust_scan.h) */
};

/* Adds a finding at a byte position of `src`, filling the source line. */
struct emitter {
	struct finding_list *out;
	const char *rel;
	const char *src, *end;
	int cached_line;          /* line-start cache: findings come in order */
	const char *cached_p;
	/* given to what emit adds while set (struct finding's cause) */
	const char *cause, *cause_file;
};
void emit(struct emitter *em, const char *rule, enum severity sev, int line, int col,
	  int end_line, int end_col, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

void index_init(struct tree_index *ix, const struct knowledge *k, const struct walk_result *w);
void index_free(struct tree_index *ix);
/* After the first pass: what the decisions need that only the whole tree tells. */
void index_finish(struct tree_index *ix);
/* A -D/-U of a build file (see struct build_define); returns the index of
 * its record, which build_scan.c refines until the file is indexed. */
size_t index_add_build_define(struct tree_index *ix, const char *name, size_t n, const char *value,
			      size_t vn, int undef, enum tri when, int arch, int lang, const char *origin,
			      const char *why_unknown);
/* What the build (compile database first, then the build files) says
 * about NAME in the file: 0 when nothing. */
int index_build_macro(const struct tree_index *ix, int file_index, const char *name, size_t n,
		      struct macro_decision *d);
void index_add_include_dir(struct tree_index *ix, const char *dir, size_t n);
/* The same, given by a build file in directory scope[0..sn) ("" the root). */
void index_add_scoped_include_dir(struct tree_index *ix, const char *scope, size_t sn, const char *dir, size_t n);
/* The translation units (non-header files) whose #includes reach `header`
 * (walk index), in *out (caller frees); *complete is 0 when a header
 * nothing includes (public API) was on the way, or the search gave up
 * past 1024 files. Returns their count. */
size_t index_tu_roots(const struct tree_index *ix, int header, int **out, int *complete);
/* Do the build files name this file (by base name) only under conditions
 * that exclude the target? */
int index_build_gated(const struct tree_index *ix, const char *rel);

/* First pass: every file's #define names, and the build files. */
void index_defines(struct tree_index *ix, int file_index, const char *src, size_t len);
void index_build_file(struct tree_index *ix, const struct source_file *f, const char *src, size_t len);
/* Resolves an include name from the directory of `from_rel`; returns the
 * walk index or -1. */
int index_resolve_include(const struct tree_index *ix, const char *from_rel,
			  const char *name, size_t n, int angled);

/* The engine (scan_engine.c). */
void scan_index_tree(struct tree_index *ix, const struct walk_result *w);   /* first pass */
void scan_file(const struct tree_index *ix, size_t i, struct file_scan *r);
void scan_files(const struct tree_index *ix, struct file_scan *results, int jobs);
/* gated[i]: file i is read by the target build only from gated code
 * (GATED_FRAGMENT: a .c/.cpp file that is #included, not compiled alone);
 * GATED_MAYBE: only through #includes under conditions archport cannot
 * decide, the first of which maybe_from[i] names ("all.h:11"; may be NULL). */
enum { GATED_FILE = 1, GATED_FRAGMENT = 2, GATED_MAYBE = 3 };
void scan_find_gated(const struct tree_index *ix, const struct file_scan *results, char *gated,
		     char **maybe_from);
void scan_apply_gating(const struct tree_index *ix, size_t i, struct file_scan *r, int gated,
		       const char *maybe_from);
void report_unreadable(struct finding_list *out, const char *rel, const char *why);

/* Everything `scan` does for one root: walk, index, scan, gating. */
struct tree_scan {
	struct walk_result walk;
	struct tree_index ix;
	struct file_scan *results;   /* per walk file */
	struct arch_dirs *arch;      /* ix.arch */
};
int tree_scan_run(struct tree_scan *ts, const struct knowledge *k, const char *root, int jobs);
/* The same with a compile database (NULL: <root>/compile_commands.json if
 * there is one), whose flags decide the macros of the files it lists. */
int tree_scan_run_db(struct tree_scan *ts, const struct knowledge *k, const char *root, int jobs,
		     const char *compile_commands);
void tree_scan_free(struct tree_scan *ts);

/* Front ends. */
void scan_c(const struct tree_index *ix, int file_index, const struct textfile *tf,
	    struct file_scan *out);
void scan_asm(const struct tree_index *ix, int file_index, const struct textfile *tf,
	      struct file_scan *out);
void scan_build(const struct tree_index *ix, int file_index, const struct textfile *tf,
		struct finding_list *out);
/* Rust (rust_scan.c); its module refs are include_refs with a tri in
 * `reachable`, which rust_apply_gating (rust_crate.c) follows from the crate roots. */
void scan_rust(const struct tree_index *ix, int file_index, const struct textfile *tf,
	       struct file_scan *out);
/* Returns per file: 2 compiled for the target, 1 only under cfgs archport
 * cannot decide, 0 not compiled (the caller frees it). */
char *rust_apply_gating(const struct tree_index *ix, struct file_scan *results);
/* A crate root: src/lib.rs, src/main.rs, build.rs, src/bin/, tests/, ...
 * next to a Cargo.toml, a target a Cargo.toml places by `path`, or a .rs
 * file in no crate at all. */
int rust_is_crate_root(const struct tree_index *ix, const char *rel);
/* "a/b/../c/./d" -> "a/c/d" (a new string). */
char *rust_fold_path(const char *rel);
/* Paths that code compiled for the target names but that resolve only to
 * items gated out for it (rust_resolve.c): rust/gated-use and
 * rust/target-dependency findings. Runs after rust_apply_gating. */
void rust_check_uses(const struct tree_index *ix, struct file_scan *results, const char *state);
void rust_facts_free(struct rust_facts *f);

#endif
