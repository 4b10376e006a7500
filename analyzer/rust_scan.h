/* The Rust front end: cfg evaluation for the target (rust_cfg.c) and the
 * tree-sitter based scan of .rs files (rust_scan.c). */
#ifndef ARCHPORT_RUST_SCAN_H
#define ARCHPORT_RUST_SCAN_H

#include <stddef.h>
#include "pp_expr.h"
#include "util.h"

/* What a cfg predicate is evaluated against: the target's rustc cfg values
 * and the crate's default features. */
struct rust_cfg_env {
	const char *target;          /* "aarch64", "riscv64", "x86_64" */
	char *const *features;       /* default features, transitively (borrowed
				      * from the crate's cargo_manifest) */
	size_t nfeatures;
};

/* What a .rs file declares at its top level and which paths its code names:
 * the crate-wide pass (rust_resolve.c) resolves each path through the
 * module tree, the way rustc would for the target. */
enum rust_decl_kind {
	RD_ITEM,   /* fn, struct, enum, const, static, type, trait, macro, ... */
	RD_MOD,    /* `mod x;` (file: its file, or -1) or `mod x { ... }` */
	RD_USE,    /* a name a `use` brings in (path: what it imports) */
	RD_GLOB,   /* `use path::*` (path: the module; name NULL) */
};

struct rust_decl {
	enum rust_decl_kind kind;
	char *name;
	char *path;
	int file;           /* RD_MOD: its file on the target, or -1 */
	int other_file;     /* RD_MOD: its file under a cfg arm that is off */
	enum tri reach;     /* the item's cfg on the target */
	int line;
	char *cfg;          /* the cfg predicate that gates it, or NULL */
	int host_off;       /* gated out for x86_64 as well (a feature, test) */
	int local;          /* a `use` inside a fn or block: not a module name,
			     * but it may shadow one in the code around it */
};

struct rust_use {
	char *path;         /* "crate::arch::Regs", "gdb::TARGET_XML", "ELF_MACHINE" */
	enum tri reach;
	int line, col, end_line, end_col;
};

struct rust_facts {
	struct rust_decl *decls;
	size_t ndecls, decls_cap;
	struct rust_use *uses;
	size_t nuses, uses_cap;
	int item_macros;    /* macros at the top level may declare more names */
};

/* The crate-wide resolver (rust_resolve.c), for callers that ask about
 * many paths of one scan (the stub): lookups are memoized across calls. */
struct file_scan;
struct tree_index;
struct rust_resolver;
struct rust_resolver *rust_resolver_new(const struct tree_index *ix, const struct file_scan *results);
void rust_resolver_free(struct rust_resolver *r);
/* The declaration a path resolves to when it exists only under a cfg that
 * is false on the target (NULL otherwise). `file` is the file the path is
 * written in; *decl_file is the file that holds the gated declaration (a
 * Cargo.toml when the gate is a target-specific dependency table). */
const struct rust_decl *rust_gate_of(struct rust_resolver *r, int file, const char *path, int *decl_file);

/* `target` is archport's target name. */
void rust_cfg_init(struct rust_cfg_env *env, const char *target);
void rust_cfg_free(struct rust_cfg_env *env);
/* Evaluates a cfg predicate, `target_arch = "x86_64"` or `all(unix, not(test))`:
 * TRI_UNKNOWN for custom cfgs and anything archport cannot decide. */
enum tri rust_cfg_eval(const struct rust_cfg_env *env, const char *s, size_t n);
/* The same; *too_deep says it gave up past PP_MAX_DEPTH levels (undecided). */
enum tri rust_cfg_eval_depth(const struct rust_cfg_env *env, const char *s, size_t n, int *too_deep);
/* rustc's arch name for archport's target. */
const char *rust_target_arch(const char *target);

#endif
