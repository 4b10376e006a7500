/* The assembly front end: .S files through the preprocessor, .s files as
 * they are. One finding per file and reachability (the first x86 line and
 * how many there are), since an x86 .S is x86 from top to bottom. */
#include <stdlib.h>
#include <string.h>
#include "asm_check.h"
#include "c_scan.h"
#include "arch_dirs.h"
#include "rules.h"

struct first_issue {
	int line, col, len, count;
	char what[96];
};

struct asm_file {
	const struct knowledge *k;
	struct first_issue by_reach[3];   /* indexed by enum tri */
};

/* Drops `//` comments (aarch64 style) and x86 `#` comments. */
static size_t strip_comment(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#' || (s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')))
			return i;
		if (s[i] == '"')   /* .ascii "..." */
			while (++i < n && s[i] != '"')
				;
	}
	return n;
}

static void check_line(void *ctx, const char *line, size_t n, int lineno, int col, enum tri reach)
{
	struct asm_file *af = ctx;
	struct asm_issue issue;
	n = strip_comment(line, n);
	if (!asm_check_text(af->k, line, n, ASM_SOURCE, &issue))
		return;
	struct first_issue *fi = &af->by_reach[reach];
	if (fi->count++ == 0) {
		fi->line = lineno;
		fi->col = col + (int)issue.offset;
		fi->len = (int)issue.len;
		memcpy(fi->what, issue.what, sizeof fi->what);
	}
}

static void plain_lines(struct asm_file *af, const char *src, size_t len)
{
	const char *p = src, *end = src + len;
	int line = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		check_line(af, p, (size_t)(e - p), line++, 1, TRI_TRUE);
		p = nl ? nl + 1 : end;
	}
}

static void emit_issue(struct emitter *em, const struct first_issue *fi, enum severity sev,
		       const struct knowledge *k, const char *why)
{
	if (!fi->count)
		return;
	emit(em, k->source->rule_asm_file, sev, fi->line, fi->col, fi->line, fi->col + fi->len,
	     sev == SEV_NOTE ? "none" : "gate", "%s: %d %s line%s %s %s", fi->what, fi->count,
	     k->source->name, fi->count == 1 ? "" : "s", why, k->target);
}

void scan_asm(const struct tree_index *ix, int file_index, const struct textfile *tf,
	      struct file_scan *result)
{
	struct finding_list *out = &result->findings;
	const struct source_file *f = &ix->walk->files[file_index];
	struct asm_file af = { ix->k, { { 0 } } };
	if (f->kind == FK_NASM)
		return;   /* nasm syntax: the build rule build/nasm covers it */
	struct emitter em = { out, f->rel, tf->data, tf->data + tf->len, 0, NULL, NULL, NULL };
	if (f->kind == FK_ASM_CPP) {
		struct c_scan cs;
		c_scan_init(&cs, ix, file_index, out);   /* #error and #include findings */
		cs.result = result;
		cs.em.src = tf->data;
		cs.em.end = tf->data + tf->len;
		c_scan_asm_lines(&cs, tf->data, tf->len, f->rel, check_line, &af);
		c_scan_free(&cs);
	} else {
		plain_lines(&af, tf->data, tf->len);
	}
	if (index_build_gated(ix, f->rel) || arch_dirs_contains(ix->arch, f->rel)) {   /* assembled only on other arches */
		af.by_reach[TRI_FALSE].count += af.by_reach[TRI_TRUE].count + af.by_reach[TRI_UNKNOWN].count;
		if (!af.by_reach[TRI_FALSE].line)
			af.by_reach[TRI_FALSE] = af.by_reach[TRI_TRUE].count ? af.by_reach[TRI_TRUE]
									   : af.by_reach[TRI_UNKNOWN];
		af.by_reach[TRI_TRUE].count = af.by_reach[TRI_UNKNOWN].count = 0;
	}
	emit_issue(&em, &af.by_reach[TRI_TRUE], SEV_ERROR, ix->k, "that the assembler rejects on");
	emit_issue(&em, &af.by_reach[TRI_UNKNOWN], SEV_WARNING, ix->k,
		   "under a condition archport cannot decide, rejected on");
	if (!af.by_reach[TRI_TRUE].count)
		emit_issue(&em, &af.by_reach[TRI_FALSE], SEV_NOTE, ix->k,
			   "not assembled (gated by #if or the build files) for");
}
