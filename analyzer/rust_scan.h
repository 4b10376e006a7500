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
	char **features;             /* default features, transitively */
	size_t nfeatures, cap;
};

/* `target` is archport's target name. */
void rust_cfg_init(struct rust_cfg_env *env, const char *target);
void rust_cfg_free(struct rust_cfg_env *env);
/* Reads [features] default = [...] from the Cargo.toml text (with what the
 * default features enable in turn). */
void rust_cfg_load_features(struct rust_cfg_env *env, const char *toml, size_t len);
/* Evaluates a cfg predicate, `target_arch = "x86_64"` or `all(unix, not(test))`:
 * TRI_UNKNOWN for custom cfgs and anything archport cannot decide. */
enum tri rust_cfg_eval(const struct rust_cfg_env *env, const char *s, size_t n);
/* rustc's arch name for archport's target. */
const char *rust_target_arch(const char *target);

#endif
