/* Shared by the patch writers: the findings of one file and the helpers
 * that turn them into gated regions. */
#ifndef ARCHPORT_STUB_INTERNAL_H
#define ARCHPORT_STUB_INTERNAL_H

#include "arch_dirs.h"
#include "finding.h"
#include "knowledge.h"
#include "patch.h"
#include "stub.h"

#define X86_GUARD "#if defined(__x86_64__) || defined(__i386__)\n"
/* "#if defined(__aarch64__)\n" for the reverse port's aarch64 code. */
#define SOURCE_GUARD_FMT "#if defined(%s)\n"

struct tree_scan;
struct rust_resolver;

struct stub_ctx {
	const struct stub_options *o;
	const struct knowledge *k;
	const char *root;
	const struct finding *findings;   /* errors of this file */
	size_t nfindings;
	/* The patch of another file of the tree (loaded on first use), or NULL. */
	struct file_patch *(*patch_for)(struct stub_ctx *c, const char *rel);
	void *run;
	char **c_files;                   /* every C/C++ file of the tree, rel */
	size_t nc_files;
	/* A file the patch creates (empty; edits insert its text), or NULL. */
	struct file_patch *(*new_file)(struct stub_ctx *c, const char *rel);
	const struct tree_scan *ts;       /* the scan the patch is written from */
	struct rust_resolver *rust;       /* Rust paths of that scan, made on first use */
	char **made;                      /* twins already written: "file:line" keys */
	size_t nmade, made_cap;
};
/* Whether `key` was made before; records it if not. */
int stub_made(struct stub_ctx *c, const char *key);
/* Whether `key` was made before, without recording it. */
int stub_was_made(const struct stub_ctx *c, const char *key);

/* The instruction of column `to` for the asm template `tmpl` of column
 * `from` of rules/idioms.tsv ("x86", "aarch64", "riscv64"; the first row
 * wins), NULL when there is none; *kind is its "operands" column, which
 * describes the x86 side's operands. */
const char *idiom_for(const char *from, const char *tmpl, const char *to, const char **kind);
/* The column of the port's source and target arch in rules/idioms.tsv. */
const char *idiom_column(const char *arch);
/* The target's own macro, for `#elif defined(...)` arms. */
const char *target_macro(const char *target);
/* Wraps original lines [first, last] (0-based) in the guard of the port's
 * source arch (x86, or aarch64 in the reverse port), with `twin` (may be
 * NULL) as the #else arm; #line keeps numbering. */
void gate_lines(const struct knowledge *k, struct file_patch *fp, size_t first, size_t last, const char *twin);

void stub_c_file(struct stub_ctx *c, struct file_patch *fp);
void stub_asm_file(struct stub_ctx *c, struct file_patch *fp);
void stub_build_file(struct stub_ctx *c, struct file_patch *fp, int cmake);
void stub_meson_file(struct stub_ctx *c, struct file_patch *fp);
/* Rust (stub_rust.c): edits only at line starts and ends, file ends and
 * new files, since Rust has no #line to restore numbering. */
void stub_rust_file(struct stub_ctx *c, struct file_patch *fp);
/* Definitions the tree lacks on the target (c/arch-chain, #else #error):
 * edits go to the file that holds the chain. */
void stub_chain_arm(struct stub_ctx *c, struct file_patch *fp, size_t if_line, int at_else);
/* An x86 macro used by the file: the #define at def_file:def_line (the one
 * the use expands; NULL/0 when the finding does not say) is gated in its
 * own file, once however many uses lead to it. */
void stub_macro(struct stub_ctx *c, const char *name, const char *def_file, int def_line);
/* When 0-based `line` of the file is a #define (or one of its continuation
 * lines), gates it with the macro's twin and returns 1: an error the target
 * compiler placed in a macro body. */
int stub_define_at(struct stub_ctx *c, struct file_patch *fp, size_t line);

/* C token helpers of the twin writers (stub_c.c). */
struct token;
/* The bracket that closes v[open] (o/c: the pair), or n - 1. */
size_t stub_matching(const struct token *v, size_t n, size_t open, char o, char c);
int stub_is_x86_type(const struct knowledge *k, const struct token *t);
/* `(void)name;` for each parameter, so a twin builds with -Wextra. */
void stub_void_params(const struct token *v, size_t lparen, size_t rparen, struct strbuf *sb);
/* A function's signature, tokens [first, open) where v[open] is the body's
 * '{', without x86 target attributes. */
void stub_twin_signature(const struct token *v, size_t n, size_t first, size_t open, struct strbuf *sb);
/* The name token of a function whose parameters come before v[open] (its
 * body), attributes skipped, or NO_NAME. */
#define NO_NAME ((size_t)-1)
size_t stub_function_name(const struct token *v, size_t n, size_t first, size_t open);
/* A .S twin: each .globl symbol of `lines` defined as a trap. */
char *stub_asm_twin(const char *target, char *const *lines, size_t nlines);
/* The same for top-level asm in C (its template, decoded): a top-level
 * __asm__ statement, or NULL when the template defines no global symbol. */
char *stub_asm_c_twin(const char *target, const char *asm_text);

/* The target twin of a declaration's text (stub_placeholder.c): x86
 * target attributes left out and, when `placeholders`, each x86 vector
 * type replaced by a placeholder of its x86_64 size and alignment (defined
 * first, once per translation unit). NULL when nothing would change or x86
 * code remains (asm, intrinsics, a type of unknown layout). */
char *stub_declaration_twin(const struct knowledge *k, const char *text, size_t len, int placeholders);
/* A definition copied into a new arm for the target: the text as it is
 * when it holds no x86, with placeholders when it holds x86 vector types,
 * NULL when it holds other x86 code. */
char *stub_portable_copy(const struct knowledge *k, const char *text, size_t len);
/* Is the declaration v[0..n) a function prototype? */
int stub_is_function_declaration(const struct token *v, size_t n);

/* Creates the target's twin directories, a twin for each file. */
void arch_dirs_stub(struct stub_ctx *c, const struct arch_dirs *ad, const struct walk_result *w);
/* The twin of a C source or header of such a directory (stub_twin.c). */
char *stub_twin_c(const struct knowledge *k, const char *from_rel, const char *data, size_t len, int header);

/* One file `stub --write` changes or makes (stub_write.c). */
struct tree_edit {
	const char *rel;       /* relative to the root */
	char *text;            /* the new content */
	size_t len;
	int is_new;
	size_t read_len;       /* the original as the patch was made from it */
	uint32_t read_hash;    /* (hash_bytes): a later change is not overwritten */
	struct strbuf orig;    /* the original, read when staged */
};
/* Writes every edit or none: all are staged (new text and a backup of the
 * original, checked) before the first is committed, and a failure rolls
 * back those already written. Never writes through a symlink. Returns 0,
 * or -1 after a message saying what happened to the tree. */
int tree_write_all(const char *root, struct tree_edit *edits, size_t n);

/* Is `line` the directive #WORD ("endif", "else": the word alone, not a
 * prefix)? Does it open a conditional (#if, #ifdef, #ifndef)? */
int stub_is_directive(const char *line, const char *word);
int stub_opens_conditional(const char *line);

#endif
