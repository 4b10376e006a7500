/* Markdown report (--format markdown): for pull-request comments, issues
 * and job summaries. The totals, errors and warnings by rule and by
 * top-level directory, then the root causes in fix order (causes.h), each
 * a collapsed <details> whose table lists its sites; causes that are only
 * notes (already-ported code) come last under their own heading. */
#include <string.h>
#include "causes.h"
#include "finding.h"
#include "json_out.h"

/* Writes untrusted text so it renders as literal text. In a table cell
 * (html_only 0): '|' would end the cell, backticks and friends would start
 * code or emphasis, '<' could open raw HTML, a newline would end the row.
 * In raw HTML such as a <summary> (html_only 1), markdown is not parsed,
 * so only the HTML specials are escaped. */
static void md_text_in(FILE *out, const char *s, int html_only)
{
	unsigned long cp;
	size_t n;

	while (s && (n = utf8_decode(s, &cp)) > 0) {
		s += n;
		if (cp == '"' && html_only)
			fputs("&quot;", out);
		else if (cp == '<')
			fputs("&lt;", out);
		else if (cp == '>')
			fputs("&gt;", out);
		else if (cp == '&')
			fputs("&amp;", out);
		else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))   /* C0, DEL and C1 controls */
			fputc(' ', out);
		else if (cp < 0x80 && !html_only && strchr("|`\\*_[]", (int)cp))
			fprintf(out, "\\%c", (int)cp);
		else
			utf8_write(out, cp);
	}
}

static void md_text(FILE *out, const char *s)
{
	md_text_in(out, s, 0);
}

static size_t count_of(const struct finding_list *list, enum severity sev)
{
	return list ? findings_count(list, sev) : 0;
}

static void write_summary(FILE *out, const struct report *r)
{
	fputs("# archport: ", out);
	md_text(out, r->target);
	fputs(" porting report for ", out);
	md_text(out, r->root);
	fputs("\n\n| Files | Lines | Errors | Warnings | Notes |\n"
	      "|------:|------:|-------:|---------:|------:|\n", out);
	fprintf(out, "| %zu | %zu | %zu | %zu | %zu |\n\n", r->files, r->lines,
		count_of(r->findings, SEV_ERROR),
		count_of(r->findings, SEV_WARNING),
		count_of(r->findings, SEV_NOTE));
	if (r->source_note) {
		md_text(out, r->source_note);
		fputs("\n\n", out);
	}
}

static void write_row(FILE *out, const struct finding *f)
{
	fputs("| ", out);
	md_text(out, f->file);
	if (f->line > 0)
		fprintf(out, " | %d | ", f->line);
	else
		fputs(" | - | ", out);
	md_text(out, f->rule);
	fputs(" | ", out);
	md_text(out, f->message);
	fputs(" | ", out);
	md_text(out, f->fix ? f->fix : "-");
	fputs(" |\n", out);
}

static void write_tally(FILE *out, const struct finding_list *list, enum tally_by by, const char *title,
			const char *column)
{
	struct tally_list t;
	tally_findings(&t, list, by);
	fprintf(out, "## %s\n\n| %s | Errors | Warnings | Notes |\n|------|-------:|---------:|------:|\n", title,
		column);
	for (size_t i = 0; i < t.len; i++) {
		fputs("| ", out);
		md_text(out, t.items[i].name);
		fprintf(out, "%s | %zu | %zu | %zu |\n", by == TALLY_DIRECTORY && strcmp(t.items[i].name, ".") ? "/" : "",
			t.items[i].errors, t.items[i].warnings, t.items[i].notes);
	}
	fputc('\n', out);
	tally_free(&t);
}

static void write_cause_summary(FILE *out, const struct cause *c)
{
	fprintf(out, "<details><summary>%zu. ", c->order);
	md_text_in(out, c->title, 1);
	const size_t counts[] = { c->errors, c->warnings, c->notes };
	const char *const names[] = { "error", "warning", "note" };
	const char *sep = ": ";
	for (int i = 0; i < 3; i++)
		if (counts[i]) {
			fprintf(out, "%s%zu %s%s", sep, counts[i], names[i], counts[i] == 1 ? "" : "s");
			sep = ", ";
		}
	if (c->nfiles > 1)
		fprintf(out, " in %zu files", c->nfiles);
	if (c->blocks)
		fprintf(out, "; %zu file%s depend%s on it", c->blocks, c->blocks == 1 ? "" : "s", c->blocks == 1 ? "s" : "");
	fputs(" [", out);
	md_text_in(out, c->rule, 1);
	fputs("]</summary>\n\n", out);
}

/* One cause: its summary line, and its sites in a table when opened. */
static void write_cause(FILE *out, const struct cause *c, const struct finding_list *list)
{
	write_cause_summary(out, c);
	fputs("| File | Line | Rule | Problem | Fix |\n|------|-----:|------|---------|-----|\n", out);
	for (size_t i = 0; i < c->count; i++)
		write_row(out, &list->items[c->findings[i]]);
	fputs("\n</details>\n\n", out);
}

static void write_causes(FILE *out, const struct report *r)
{
	const struct cause_list *cl = r->causes;
	size_t open = 0;
	for (size_t i = 0; i < cl->len; i++)
		open += cl->items[i].severity > SEV_NOTE;
	if (open)
		fprintf(out, "## Causes in fix order (%zu)\n\nWhat other files depend on first, then by errors; "
			"open one for its sites.\n\n", open);
	for (size_t i = 0; i < open; i++)
		write_cause(out, &cl->items[i], r->findings);
	if (cl->len > open)
		fprintf(out, "## Already ported (%zu notes)\n\n%s code already handled for the target: not compiled "
			"there, or defined there by SIMDe.\n\n", findings_count(r->findings, SEV_NOTE),
			report_source_name(r));
	for (size_t i = open; i < cl->len; i++)
		write_cause(out, &cl->items[i], r->findings);
}

int report_markdown(FILE *out, const struct report *r)
{
	write_summary(out, r);
	if (!r->findings || r->findings->len == 0) {
		fputs("No findings.\n", out);
	} else {
		write_tally(out, r->findings, TALLY_RULE, "By rule", "Rule");
		write_tally(out, r->findings, TALLY_DIRECTORY, "By top-level directory", "Directory");
		write_causes(out, r);
	}
	if (r->tool_version) {
		fputs("Generated by archport ", out);
		md_text(out, r->tool_version);
		fputs(".\n", out);
	}
	return ferror(out) ? -1 : 0;
}
