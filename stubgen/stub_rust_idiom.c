/* x86_64 twins of aarch64 fns through idioms (stub_rust.h). The twin is
 * the fn's own text with each asm! invocation replaced, so the portable
 * code around the asm (a spin loop, a computation on the value read) is
 * kept and runs on x86_64, instead of a todo!() body. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "ruledata.h"
#include "stub_rust.h"

/* The x86 instruction for one aarch64 statement with no operands, from the
 * rows of rules/idioms.tsv whose operands are `none` (the first row wins:
 * `dmb ish` is mfence, not the `lock; addl` form). */
static const char *x86_idiom(const char *aarch64)
{
	const char *kind = NULL;
	const char *x86 = idiom_for("aarch64", aarch64, "x86_64", &kind);
	return x86 && kind && !strcmp(kind, "none") ? x86 : NULL;
}

/* Appends the statements of a template literal (split at `\n` escapes and
 * `;`), trimmed and lower-cased with single blanks, to lines. */
static void template_statements(const char *s, size_t n, char ***lines, size_t *nlines, size_t *cap)
{
	const char *q = memchr(s, '"', n), *e = s + n;
	while (e > s && e[-1] != '"')
		e--;
	if (!q || e <= q + 1)
		return;
	struct strbuf cur = { 0 };
	for (const char *p = q + 1; p <= e - 1; p++) {
		int end = p == e - 1 || *p == ';' || (p[0] == '\\' && p[1] == 'n');
		if (!end) {
			if (!isspace((unsigned char)*p) || (cur.len && cur.buf[cur.len - 1] != ' '))
				sb_addc(&cur, isspace((unsigned char)*p) ? ' ' : (char)tolower((unsigned char)*p));
			continue;
		}
		while (cur.len && cur.buf[cur.len - 1] == ' ')
			cur.buf[--cur.len] = '\0';
		if (cur.len) {
			GROW(*lines, *nlines, *cap);
			(*lines)[(*nlines)++] = sb_detach(&cur);
		}
		sb_free(&cur);
		cur = (struct strbuf){ 0 };
		if (p[0] == '\\')
			p++;
	}
	sb_free(&cur);
}

struct asm_call {
	char **lines;
	size_t nlines, cap;
	TSNode out_place;       /* the place of the one `out(reg) place`, or null */
	int other_operands;     /* in/inout/sym/const/explicit registers */
	struct strbuf options;  /* `, options(...)` as written */
};

/* Reads asm!'s arguments: templates, then `out(reg) place`, options. */
static void read_asm(const char *src, TSNode tt, struct asm_call *a)
{
	uint32_t count = ts_node_child_count(tt);
	int templates = 1;
	for (uint32_t i = 1; i + 1 < count; i++) {
		TSNode c = ts_node_child(tt, i);
		size_t n;
		const char *t = rs_text(src, c, &n);
		if (rs_is(c, ",") )
			continue;
		if (templates && (rs_is(c, "string_literal") || rs_is(c, "raw_string_literal"))) {
			template_statements(t, n, &a->lines, &a->nlines, &a->cap);
			continue;
		}
		templates = 0;
		TSNode spec = i + 1 + 1 < count ? ts_node_child(tt, i + 1) : (TSNode){ 0 };
		size_t sn = 0;
		const char *st = ts_node_is_null(spec) ? "" : rs_text(src, spec, &sn);
		if (mem_eq(t, n, "options") && rs_is(spec, "token_tree")) {
			sb_addf(&a->options, ", options%.*s", (int)sn, st);
			i++;
		} else if (mem_eq(t, n, "out") && mem_eq(st, sn, "(reg)") && ts_node_is_null(a->out_place) &&
			   i + 2 + 1 < count) {
			a->out_place = ts_node_child(tt, i + 2);
			i += 2;
		} else {
			a->other_operands = 1;
		}
	}
}

static void free_asm(struct asm_call *a)
{
	for (size_t i = 0; i < a->nlines; i++)
		free(a->lines[i]);
	free(a->lines);
	sb_free(&a->options);
}

/* The x86_64 replacement of one asm! invocation, or NULL. */
static char *asm_replacement(const char *src, TSNode mac)
{
	struct asm_call a = { 0 };
	read_asm(src, ts_node_named_child(mac, ts_node_named_child_count(mac) - 1), &a);
	char *out = NULL;
	if (a.nlines == 1 && !a.other_operands && !ts_node_is_null(a.out_place) &&
	    (!strcmp(a.lines[0], "mrs {}, cntvct_el0") || !strcmp(a.lines[0], "mrs {0}, cntvct_el0"))) {
		size_t n;
		const char *place = rs_text(src, a.out_place, &n);
		out = xasprintf("%.*s = core::arch::x86_64::_rdtsc()", (int)n, place);
	} else if (a.nlines && !a.other_operands && ts_node_is_null(a.out_place)) {
		struct strbuf sb = { 0 };
		sb_adds(&sb, "core::arch::asm!(");
		for (size_t i = 0; i < a.nlines; i++) {
			const char *x86 = x86_idiom(a.lines[i]);
			if (!x86 || strchr(x86, '"') || strchr(x86, '\\')) {
				sb_free(&sb);
				free_asm(&a);
				return NULL;
			}
			sb_addf(&sb, "%s\"%s\"", i ? ", " : "", x86);
		}
		sb_addf(&sb, "%s)", a.options.len ? a.options.buf : "");
		out = sb_detach(&sb);
	}
	free_asm(&a);
	return out;
}

static int is_asm_macro(const char *src, TSNode n)
{
	if (!rs_is(n, "macro_invocation"))
		return 0;
	size_t len;
	const char *name = rs_text(src, ts_node_child_by_field_name(n, "macro", 5), &len);
	return (len >= 3 && !memcmp(name + len - 3, "asm", 3) && (len == 3 || name[len - 4] == ':'));
}

/* Copies src[*from, end of n) to out with every asm! replaced; 0 when one
 * has no idiom. */
static int copy_replacing(const char *src, TSNode n, uint32_t *from, struct strbuf *out, int *replaced)
{
	if (is_asm_macro(src, n)) {
		char *r = asm_replacement(src, n);
		if (!r)
			return 0;
		++*replaced;
		sb_addf(out, "%.*s%s", (int)(ts_node_start_byte(n) - *from), src + *from, r);
		*from = ts_node_end_byte(n);
		free(r);
		return 1;
	}
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		if (!copy_replacing(src, ts_node_named_child(n, i), from, out, replaced))
			return 0;
	return 1;
}

int rs_idiom_fn_twin(struct rs_file *rf, TSNode fn, struct strbuf *out)
{
	struct strbuf sb = { 0 };
	uint32_t from = ts_node_start_byte(fn);
	int replaced = 0, ok = copy_replacing(rf->src, fn, &from, &sb, &replaced);
	if (ok)
		sb_addf(&sb, "%.*s\n", (int)(ts_node_end_byte(fn) - from), rf->src + from);
	/* an fn flagged for more than its asm (NEON names) keeps its todo!() twin */
	ok = ok && replaced && !rs_mentions_x86(rf->c->k, sb.buf, sb.len);
	if (ok)
		sb_adds(out, sb.buf);
	sb_free(&sb);
	return ok;
}
