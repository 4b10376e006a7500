/* Compiler-style text: file:line:col: severity: message [rule], the
 * source line and a caret, colour when writing to a terminal. */
#include <string.h>
#include "finding.h"
#include "rules.h"
#include "util.h"

#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *severity_colour(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "\033[1;31m";
	case SEV_WARNING: return "\033[1;35m";
	default: return "\033[1;36m";
	}
}

/* Names, messages and code from the tree with their control bytes as C
 * escapes (\033, \n): a hostile file name or line cannot move the cursor,
 * recolour the terminal or forge a line of the report. */
static void puts_safe(FILE *out, const char *s)
{
	fput_escaped(out, s, strlen(s), 0);
}

/* Tabs keep their width under the caret so it lines up, and so do the
 * escapes of control bytes. */
static void write_caret(FILE *out, const struct finding *f, int color)
{
	const char *src = f->source_line;
	size_t len = strlen(src);
	fprintf(out, "%5d | ", f->line);
	fput_escaped(out, src, len, ESC_KEEP_TAB);
	fputs("\n      | ", out);
	int col = f->column > 0 ? f->column : 1;
	struct strbuf before = {0};
	sb_add_escaped(&before, src, (size_t)col - 1 < len ? (size_t)col - 1 : len, ESC_KEEP_TAB);
	for (size_t i = 0; i < before.len; i++)
		fputc(before.buf[i] == '\t' ? '\t' : ' ', out);
	sb_free(&before);
	int width = f->end_line == f->line && f->end_column > f->column ? f->end_column - f->column : 1;
	if ((size_t)(col - 1 + width) > len)
		width = len >= (size_t)col ? (int)(len - (size_t)col + 1) : 1;
	if (color)
		fputs("\033[1;32m", out);
	fputc('^', out);
	for (int i = 1; i < width; i++)
		fputc('~', out);
	if (color)
		fputs(RESET, out);
	fputc('\n', out);
}

int report_text(FILE *out, const struct report *r)
{
	const struct finding_list *l = r->findings;
	for (size_t i = 0; i < l->len; i++) {
		const struct finding *f = &l->items[i];
		fputs(r->color ? BOLD : "", out);
		puts_safe(out, f->file);
		fprintf(out, ":%d:%d: %s%s%s:%s ", f->line, f->column, r->color ? RESET : "",
			r->color ? severity_colour(f->severity) : "", severity_name(f->severity), r->color ? RESET : "");
		puts_safe(out, f->message);
		fprintf(out, " [%s%s%s]\n", r->color ? BOLD : "", f->rule, r->color ? RESET : "");
		if (f->source_line)
			write_caret(out, f, r->color);
		const struct rule_info *ri = f->severity > SEV_NOTE ? rule_find(f->rule) : NULL;
		if (ri && ri->fix)
			fprintf(out, "      = fix: %s\n", ri->fix);
	}
	fprintf(out, "%s%zu error%s, %zu warning%s, %zu note%s%s in %zu files (%zu lines) for %s\n",
		r->color ? BOLD : "",
		findings_count(l, SEV_ERROR), findings_count(l, SEV_ERROR) == 1 ? "" : "s",
		findings_count(l, SEV_WARNING), findings_count(l, SEV_WARNING) == 1 ? "" : "s",
		findings_count(l, SEV_NOTE), findings_count(l, SEV_NOTE) == 1 ? "" : "s",
		r->color ? RESET : "", r->files, r->lines, r->target);
	if (r->suppressed)
		fprintf(out, "%zu finding%s suppressed by `archport: ignore` comments\n", r->suppressed,
			r->suppressed == 1 ? "" : "s");
	if (r->has_baseline)
		fprintf(out, "%zu finding%s already in the baseline left out; the counts above are the new ones\n",
			r->baseline_known, r->baseline_known == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}
