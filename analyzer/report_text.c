/* Compiler-style text: file:line:col: severity: message [rule], the
 * source line and a caret, colour when writing to a terminal. */
#include <string.h>
#include "finding.h"
#include "rules.h"

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

/* Tabs keep their width under the caret so it lines up. */
static void write_caret(FILE *out, const struct finding *f, int color)
{
	const char *src = f->source_line;
	size_t len = strlen(src);
	fprintf(out, "%5d | %s\n      | ", f->line, src);
	int col = f->column > 0 ? f->column : 1;
	for (int i = 1; i < col && (size_t)(i - 1) < len; i++)
		fputc(src[i - 1] == '\t' ? '\t' : ' ', out);
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
		if (r->color)
			fprintf(out, BOLD "%s:%d:%d: " RESET "%s%s:" RESET " %s [" BOLD "%s" RESET "]\n",
				f->file, f->line, f->column, severity_colour(f->severity),
				severity_name(f->severity), f->message, f->rule);
		else
			fprintf(out, "%s:%d:%d: %s: %s [%s]\n", f->file, f->line, f->column,
				severity_name(f->severity), f->message, f->rule);
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
	if (r->source_note)
		fprintf(out, "%s\n", r->source_note);
	if (r->suppressed)
		fprintf(out, "%zu finding%s suppressed by `archport: ignore` comments\n", r->suppressed,
			r->suppressed == 1 ? "" : "s");
	if (r->has_baseline)
		fprintf(out, "%zu finding%s already in the baseline left out; the counts above are the new ones\n",
			r->baseline_known, r->baseline_known == 1 ? "" : "s");
	return ferror(out) ? -1 : 0;
}
