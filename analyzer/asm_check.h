/* Deciding whether assembly text is source-arch code (x86; aarch64 in the
 * reverse port) the target assembler rejects.
 * Used for inline asm templates, top-level asm blocks and .S/.s files.
 * The verdicts come from rules/x86/mnemonics.tsv, which records what each
 * target's GNU as says about every x86 mnemonic. */
#ifndef ARCHPORT_ASM_CHECK_H
#define ARCHPORT_ASM_CHECK_H

#include <stddef.h>
#include "knowledge.h"

enum asm_dialect {
	ASM_TEMPLATE,   /* inline asm template: %0 operands, %% escapes */
	ASM_SOURCE,     /* assembler source: %reg is a register */
};

struct asm_issue {
	size_t offset, len;   /* of the offending text within the input */
	char what[96];        /* "instruction `cpuid`", "register `%rax`" */
};

/* Returns 1 and fills *issue at the first x86-only construct. */
int asm_check_text(const struct knowledge *k, const char *text, size_t len,
		   enum asm_dialect dialect, struct asm_issue *issue);

/* The symbol a `.globl name` or `.global name` line names: its start in
 * *name and its length (letters, digits, '_', '.', '$'); 0 when the line
 * is no such directive. The line ends at a newline or NUL. */
size_t asm_global_symbol(const char *line, const char **name);
/* Does the line define the label `name` (n bytes): "name:" after blanks? */
int asm_defines_label(const char *line, const char *name, size_t n);

#endif
