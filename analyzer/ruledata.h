/* The knowledge in rules/ and the pages in docs/rules/, embedded at build
 * time by scripts/embed_rules.py (build/ruledata.c). Every rules/ TSV file
 * becomes a table named by its path below rules/ without the extension,
 * e.g. "x86/intrinsics" or "macros/aarch64.gcc". */
#ifndef ARCHPORT_RULEDATA_H
#define ARCHPORT_RULEDATA_H

#include <stddef.h>

struct rd_table {
	const char *name;
	size_t ncols, nrows;
	const char *const *columns;   /* ncols header names */
	const char *const *cells;     /* nrows * ncols, row-major */
};

struct rd_doc {
	const char *rule;   /* "c/asm-x86" from docs/rules/c-asm-x86.md */
	const char *text;
};

extern const struct rd_table rd_tables[];
extern const size_t rd_table_count;
extern const struct rd_doc rd_docs[];
extern const size_t rd_doc_count;

const struct rd_table *rd_find(const char *name);
/* Column index by header name, or -1. */
int rd_column(const struct rd_table *t, const char *column);
static inline const char *rd_cell(const struct rd_table *t, size_t row, size_t col)
{
	return t->cells[row * t->ncols + col];
}

#endif
