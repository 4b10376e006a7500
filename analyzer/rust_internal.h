/* What the Rust front end's files share: the per-file scan state, the
 * attributes of an item, and the reporting helper. rust_scan.c walks the
 * tree and owns module resolution and the asm/arch rules; rust_hazard.c
 * holds the porting-work and runtime-hazard rules; rust_crate.c the
 * crate-wide passes that run after every file is scanned. */
#ifndef ARCHPORT_RUST_INTERNAL_H
#define ARCHPORT_RUST_INTERNAL_H

#include <stdint.h>
#include <tree_sitter/api.h>
#include "rust_scan.h"
#include "scan.h"

struct rust_hazards;

struct rust_file {
	const struct tree_index *ix;
	const struct knowledge *k;
	const struct source_file *sf;
	const char *src;
	size_t len;
	struct emitter em;
	struct file_scan *out;
	struct rust_cfg_env env;
	struct rust_cfg_env host_env;   /* the same crate built for the source arch */
	char *root;      /* the scanned root, for files the walk does not list */
	char *dir;       /* directory of this file, relative ("" at the root) */
	int is_build_script;        /* a crate's build.rs: runs on the build host */
	struct rust_hazards *hz;    /* rust_hazard.c's per-file state */
	int inline_depth;           /* inside `mod x { ... }` bodies */
	int nesting;              /* visit() levels open, bounded by RUST_MAX_NESTING */
	int nesting_reported;     /* the input/limit warning is given once per file */
	TSNode root_node;           /* the file's syntax tree */
	int in_cfg_macro;           /* inside `if cfg!(pred) { ... }`, pred off */
	int foreign_arch_use;       /* names core::arch::aarch64 (target x86_64) */
	uint32_t item_start;        /* the top-level item being visited */
	uint32_t arch_name_item;    /* 1 + the item an arch name was reported in */
	int module_file;            /* the file resolve_module found, or -1 */
	uint32_t pos_start;         /* rust_report's cache: a line start ... */
	int pos_line;               /* ... and its number (0: none yet) */
	struct {
		TSNode node;
		enum tri reach;
	} *names;                   /* bare names in code, for rust_facts_end */
	size_t nnames, names_cap;
};

/* Attributes of the item that follows them. */
#define MAX_PATH_ARMS 8
/* Syntax tree levels the walk follows (each costs stack): far beyond real
 * code, far below an overflow, also under AddressSanitizer. */
#define RUST_MAX_NESTING 1000

struct item_attrs {
	enum tri cfg;
	struct {
		enum tri when;
		const char *path;   /* inside the source, not NUL-terminated */
		size_t n;
	} paths[MAX_PATH_ARMS];
	int npaths;
	TSNode target_feature;   /* a #[target_feature] attribute, or null */
	enum tri target_feature_when;
	int host_off;            /* a #[cfg] that is false for x86_64 too */
	const char *cfg_src;     /* the last #[cfg(...)] predicate, for messages */
	size_t cfg_n;
};

const char *rust_node_text(const struct rust_file *rf, TSNode n, size_t *len);
/* Emits at a byte range; reach decides the severity: compiled on the
 * target (error or the rule's own severity), undecidable (warning), or
 * gated out (a note under rust/gated-x86). */
void rust_report(struct rust_file *rf, const char *rule, enum severity sev, enum tri reach, uint32_t start,
		 uint32_t end, const char *fix, const char *msg);

/* rust_facts.c: the names a file declares at its top level (top: the
 * item is a child of the file's root) and the paths its code names. */
void rust_facts_item(struct rust_file *rf, TSNode item, const struct item_attrs *a, enum tri reach, int file,
		     int other_file);
void rust_facts_use(struct rust_file *rf, TSNode use, const struct item_attrs *a, enum tri reach, int top);
void rust_facts_path(struct rust_file *rf, TSNode path, enum tri reach);
/* called: the name is the callee of a call expression */
void rust_facts_name(struct rust_file *rf, TSNode id, enum tri reach, int called);
void rust_facts_end(struct rust_file *rf);

/* rust_hazard.c: called for every node the walk visits (reach is the cfg
 * reachability of the node on the target), then once at the end of the
 * file. */
void rust_hazards_begin(struct rust_file *rf);
void rust_hazards_node(struct rust_file *rf, TSNode n, enum tri reach);
void rust_hazards_end(struct rust_file *rf);

#endif
