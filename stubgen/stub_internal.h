/* Shared by the patch writers: the findings of one file and the helpers
 * that turn them into gated regions. */
#ifndef ARCHPORT_STUB_INTERNAL_H
#define ARCHPORT_STUB_INTERNAL_H

#include "finding.h"
#include "knowledge.h"
#include "patch.h"
#include "stub.h"

#define X86_GUARD "#if defined(__x86_64__) || defined(__i386__)\n"

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
};

/* The target's own macro, for `#elif defined(...)` arms. */
const char *target_macro(const char *target);
/* Wraps original lines [first, last] (0-based) in the x86 guard, with
 * `twin` (may be NULL) as the #else arm; #line keeps numbering. */
void gate_lines(struct file_patch *fp, size_t first, size_t last, const char *twin);

void stub_c_file(struct stub_ctx *c, struct file_patch *fp);
void stub_asm_file(struct stub_ctx *c, struct file_patch *fp);
void stub_build_file(struct stub_ctx *c, struct file_patch *fp, int cmake);
/* Definitions the tree lacks on the target (c/arch-chain, #else #error):
 * edits go to the file that holds the chain. */
void stub_chain_arm(struct stub_ctx *c, struct file_patch *fp, size_t if_line, int at_else);
/* x86 macros used by the file: their #define is gated in its own file. */
void stub_macro(struct stub_ctx *c, const char *name);

#endif
