/* The text report: a summary first (totals, errors and warnings by rule
 * and by top-level directory, the first causes in fix order), then the
 * findings compiler-style (file:line:col: severity: message [rule], the
 * source line and a caret), then the totals again, where a terminal leaves
 * them in view. Notes are counted but not listed unless asked for. */
#include <string.h>
#include "causes.h"
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

/* How many lines each part of the summary lists before "... and N more". */
#define SUMMARY_ROWS 8

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static void write_counts(FILE *out, size_t errors, size_t warnings, int color)
{
	if (errors)
		fprintf(out, "%s%zu error%s%s", color ? severity_colour(SEV_ERROR) : "", errors, plural(errors),
			color ? RESET : "");
	if (errors && warnings)
		fputs(", ", out);
	if (warnings)
		fprintf(out, "%s%zu warning%s%s", color ? severity_colour(SEV_WARNING) : "", warnings,
			plural(warnings), color ? RESET : "");
}

static void write_heading(FILE *out, const char *title, int color)
{
	fprintf(out, "%s%s%s\n", color ? BOLD : "", title, color ? RESET : "");
}

/* Errors and warnings by rule or directory; notes-only rows are left out
 * (that code is already ported). */
static void write_tally(FILE *out, const struct report *r, enum tally_by by, const char *title)
{
	struct tally_list t;
	tally_findings(&t, r->findings, by);
	size_t shown = 0, rows = 0;
	for (size_t i = 0; i < t.len; i++)
		rows += t.items[i].errors + t.items[i].warnings > 0;
	if (rows)
		write_heading(out, title, r->color);
	for (size_t i = 0; i < t.len && shown < SUMMARY_ROWS; i++) {
		const struct tally *e = &t.items[i];
		if (!e->errors && !e->warnings)
			continue;
		const char *slash = by == TALLY_DIRECTORY && strcmp(e->name, ".") ? "/" : "";
		int pad = 28 - (int)(strlen(e->name) + strlen(slash));
		fputs("  ", out);
		puts_safe(out, e->name);
		fprintf(out, "%s%*s ", slash, pad > 0 ? pad : 0, "");
		write_counts(out, e->errors, e->warnings, r->color);
		fputc('\n', out);
		shown++;
	}
	if (rows > shown)
		fprintf(out, "  ... and %zu more\n", rows - shown);
	tally_free(&t);
}

static void write_cause_line(FILE *out, const struct cause *c, int color)
{
	fprintf(out, "  %2zu. ", c->order);
	puts_safe(out, c->title);
	fputs(": ", out);
	write_counts(out, c->errors, c->warnings, color);
	if (c->nfiles > 1)
		fprintf(out, " in %zu files", c->nfiles);
	if (c->blocks) {
		fprintf(out, "; %zu file%s depend%s on ", c->blocks, plural(c->blocks), c->blocks == 1 ? "s" : "");
		puts_safe(out, c->file);
	}
	fprintf(out, " [%s]\n", c->rule);
}

static void write_causes(FILE *out, const struct report *r)
{
	const struct cause_list *cl = r->causes;
	size_t open = 0;
	for (size_t i = 0; cl && i < cl->len; i++)
		open += cl->items[i].severity > SEV_NOTE;
	if (!open)
		return;
	char title[96];
	snprintf(title, sizeof title, "Fix first (%zu cause%s, in fix order):", open, plural(open));
	write_heading(out, title, r->color);
	for (size_t i = 0; i < open && i < SUMMARY_ROWS; i++)
		write_cause_line(out, &cl->items[i], r->color);
	if (open > SUMMARY_ROWS)
		fprintf(out, "  ... and %zu more (every cause: --format json, markdown or html)\n",
			open - SUMMARY_ROWS);
}

static void write_totals(FILE *out, const struct report *r)
{
	const struct finding_list *l = r->findings;
	size_t e = findings_count(l, SEV_ERROR), w = findings_count(l, SEV_WARNING), n = findings_count(l, SEV_NOTE);
	fprintf(out, "%s%zu error%s, %zu warning%s, %zu note%s%s in %zu files (%zu lines) for %s\n",
		r->color ? BOLD : "", e, plural(e), w, plural(w), n, plural(n), r->color ? RESET : "", r->files,
		r->lines, r->target);
}

static void write_summary(FILE *out, const struct report *r)
{
	write_heading(out, "Summary:", r->color);
	fputs("  ", out);
	write_totals(out, r);
	size_t notes = findings_count(r->findings, SEV_NOTE);
	if (notes)
		fprintf(out, "  already ported: %zu note%s (%s code already handled for the target)\n", notes,
			plural(notes), report_source_name(r));
	write_tally(out, r, TALLY_RULE, "By rule:");
	write_tally(out, r, TALLY_DIRECTORY, "By top-level directory (. is the root):");
	write_causes(out, r);
	fputc('\n', out);
}

static void write_finding(FILE *out, const struct finding *f, int color)
{
	fputs(color ? BOLD : "", out);
	puts_safe(out, f->file);
	fprintf(out, ":%d:%d: %s%s%s:%s ", f->line, f->column, color ? RESET : "",
		color ? severity_colour(f->severity) : "", severity_name(f->severity), color ? RESET : "");
	puts_safe(out, f->message);
	fprintf(out, " [%s%s%s]\n", color ? BOLD : "", f->rule, color ? RESET : "");
	if (f->source_line)
		write_caret(out, f, color);
	const struct rule_info *ri = f->severity > SEV_NOTE ? rule_find(f->rule) : NULL;
	if (ri && ri->fix)
		fprintf(out, "      = fix: %s\n", ri->fix);
}

/* What the counts above leave out, and how to get it back. */
static void write_afterword(FILE *out, const struct report *r)
{
	size_t notes = findings_count(r->findings, SEV_NOTE);
	if (notes && !r->show_notes)
		fprintf(out, "%zu note%s not listed (already-ported x86 code): --show-notes or -v lists them\n", notes,
			plural(notes));
	if (r->suppressed)
		fprintf(out, "%zu finding%s suppressed by `archport: ignore` comments\n", r->suppressed,
			plural(r->suppressed));
	if (r->has_baseline)
		fprintf(out, "%zu finding%s already in the baseline left out; the counts above are the new ones\n",
			r->baseline_known, plural(r->baseline_known));
}

int report_text(FILE *out, const struct report *r)
{
	const struct finding_list *l = r->findings;
	if (r->quiet) {
		write_totals(out, r);
		return ferror(out) ? -1 : 0;
	}
	if (l->len)
		write_summary(out, r);
	for (size_t i = 0; i < l->len; i++)
		if (r->show_notes || l->items[i].severity != SEV_NOTE)
			write_finding(out, &l->items[i], r->color);
	write_totals(out, r);
	if (r->source_note)
		fprintf(out, "%s\n", r->source_note);
	write_afterword(out, r);
	return ferror(out) ? -1 : 0;
}
