/* What the Rust patch writer's files share: stub_rust.c (the driver and
 * the edits on a file's own lines), stub_rust_surface.c (twin files),
 * stub_rust_twins.c (fixes that reach other files). */
#ifndef ARCHPORT_STUB_RUST_H
#define ARCHPORT_STUB_RUST_H

#include <tree_sitter/api.h>
#include "rust_scan.h"
#include "stub_internal.h"
#include "textfile.h"

#define X86_CFG "#[cfg(target_arch = \"x86_64\")] "

struct rs_file {
	struct stub_ctx *c;
	struct file_patch *fp;
	const char *arch;          /* rustc's name for the target */
	const char *source;        /* and for the source arch (x86_64; aarch64 for --target x86_64) */
	char *src;                 /* the original lines joined again */
	size_t len;
	size_t *line_start;        /* byte offset of each line */
	TSParser *parser;
	TSTree *tree;
	struct strbuf *pre, *post; /* per line: text added at its start, end */
	struct strbuf *repl;       /* per line: replacement text, or empty */
	struct strbuf tail;        /* twins appended at the end of the file */
	uint32_t *gated;           /* start bytes of items already gated */
	size_t ngated, gated_cap;
	int module_gated;          /* the whole file went behind the cfg */
};

/* The twin of an x86 module file: what it needs to say and where. */
struct surface {
	struct stub_ctx *c;
	TSParser *parser;
	const char *arch;
	int file;                  /* walk index of the x86 file, or -1 */
	const char *twin_rel;      /* the twin file: submodules go beside it */
	int mirror_mods;           /* twin `mod x;` items too (else drop them) */
	struct strbuf unavailable; /* " name name " the target cannot import */
	struct strbuf dropped;     /* items left out, for the TODO comment */
	int depth;
};

/* tree-sitter helpers */
const char *rs_text(const char *src, TSNode n, size_t *len);
TSTree *rs_parse(TSParser *p, const char *src, size_t len);
int rs_is(TSNode n, const char *type);
/* Top-level item `i` of the file, and the item holding byte `at`. */
TSNode rs_root_child(struct rs_file *rf, uint32_t i);
int rs_top_item(struct rs_file *rf, uint32_t at, uint32_t *item, uint32_t *first);
int rs_walk_index(const struct stub_ctx *c, const char *rel);
/* A file of the tree as it is on disk (before the patch); 0 if unreadable. */
int rs_read(const struct stub_ctx *c, const char *rel, struct textfile *tf);
/* The scan's Rust resolver, made on first use. */
struct rust_resolver *rs_resolver(struct stub_ctx *c);

/* twins of single items */
void rs_fn_twin(const char *src, TSNode fn, const char *indent, struct strbuf *out);
/* source: the arch whose value is copied */
void rs_const_twin(const char *src, TSNode item, const char *source, struct strbuf *out);
void rs_impl_twin(const char *src, TSNode impl, struct strbuf *out);
/* A top-level global_asm! (or a null node), and its target twin. */
TSNode rs_global_asm(const char *src, TSNode n);
void rs_global_asm_twin(struct rs_file *rf, TSNode mac, struct strbuf *out);
void rs_copy_attrs(const char *src, TSNode list, uint32_t first, uint32_t item, struct strbuf *out);
int rs_mentions_x86(const struct knowledge *k, const char *s, size_t n);
int rs_is_pub(TSNode item);

/* stub_rust_idiom.c, the reverse port: the x86_64 twin of an aarch64 fn
 * whose every asm! has an x86 idiom (rules/idioms.tsv read backwards:
 * `dmb ish` -> `mfence`, `yield` -> `pause`; `mrs {}, cntvct_el0` into
 * `out(reg) v` -> `v = _rdtsc()`): the fn as written with each asm!
 * replaced. 0 (nothing written) when one has none. */
int rs_idiom_fn_twin(struct rs_file *rf, TSNode fn, struct strbuf *out);

/* stub_rust.c: gate the x86 item holding byte `at`, with twins. */
void rs_fix_x86_item(struct rs_file *rf, uint32_t at);

/* stub_rust_surface.c */
char *rs_surface_text(struct surface *sf, const char *x86_rel);
char *rs_surface_file(struct rs_file *rf, const char *x86_rel, const char *twin_rel);
/* The body of an inline module's twin (its items' surface, indented). */
char *rs_surface_module(struct surface *sf, const char *src, TSNode mod, const char *rel);
void rs_twin_module_file(struct surface *parent, int x86_file, const char *twin_rel);

/* stub_rust_twins.c */
void rs_fix_gated_use(struct rs_file *rf, const struct finding *fd, uint32_t at);
void rs_fix_register_file(struct rs_file *rf, uint32_t at);
/* The file's `mod` line gated, a twin module file for the target; 0 if it
 * cannot be (a crate root, a #[path] module). */
int rs_gate_module(struct rs_file *rf);

#endif
