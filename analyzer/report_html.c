/* HTML report (--format html): one self-contained page (inline CSS, no
 * scripts, no external resources) so it can be archived as a CI artifact
 * and opened anywhere. Findings are grouped by file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "finding.h"
#include "json_out.h"

static const char page_style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}\n"
	"h1{font-size:1.5em;margin:0 0 .3em}\n"
	"table{border-collapse:collapse;width:100%;margin:.4em 0 1em}\n"
	"th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f6f8fa}\n"
	"table.summary{width:auto}\ntable.summary td{text-align:right}\n"
	"td.num{text-align:right;white-space:nowrap}\n"
	"summary{cursor:pointer;font-weight:600;margin:.6em 0}\n"
	"code{font:13px ui-monospace,monospace}\n"
	"code.src{display:block;white-space:pre;overflow-x:auto;"
	"background:#f6f8fa;padding:.2em .4em;margin-top:.3em}\n"
	"mark{background:#ffe08a}\n"
	".badge{display:inline-block;border-radius:1em;padding:0 .6em;"
	"font-size:12px;font-weight:600;color:#fff}\n"
	".badge.error{background:#cf222e}\n.badge.warning{background:#9a6700}\n"
	".badge.note{background:#0969da}\n";

/* Escapes one character for element content and attribute values alike.
 * Control characters other than tab and newline are not allowed in HTML
 * text, so they become U+FFFD as invalid UTF-8 already has. */
static void html_char(FILE *out, unsigned long cp)
{
	switch (cp) {
	case '&':  fputs("&amp;", out); return;
	case '<':  fputs("&lt;", out); return;
	case '>':  fputs("&gt;", out); return;
	case '"':  fputs("&quot;", out); return;
	case '\'': fputs("&#39;", out); return;
	default: break;
	}
	if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp < 0xA0))
		cp = UTF8_REPLACEMENT;
	utf8_write(out, cp);
}

static void html_text(FILE *out, const char *s)
{
	unsigned long cp;
	size_t n;

	while (s && (n = utf8_decode(s, &cp)) > 0) {
		html_char(out, cp);
		s += n;
	}
}

static size_t count_of(const struct finding_list *list, enum severity sev)
{
	return list ? findings_count(list, sev) : 0;
}

static void write_header(FILE *out, const struct report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n<title>archport: ", out);
	html_text(out, r->target);
	fputs(" porting report for ", out);
	html_text(out, r->root);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n"
		"<header>\n<h1>archport porting report</h1>\n<p>Target <strong>",
		page_style);
	html_text(out, r->target);
	fputs("</strong> &middot; root <code>", out);
	html_text(out, r->root);
	fputs("</code>", out);
	if (r->tool_version) {
		fputs(" &middot; archport ", out);
		html_text(out, r->tool_version);
	}
	fprintf(out, "</p>\n<table class=\"summary\">\n<tr><th>Files</th>"
		"<th>Lines</th><th>Errors</th><th>Warnings</th><th>Notes</th></tr>\n"
		"<tr><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
		"</tr>\n</table>\n", r->files, r->lines,
		count_of(r->findings, SEV_ERROR), count_of(r->findings, SEV_WARNING),
		count_of(r->findings, SEV_NOTE));
	if (r->source_note) {
		fputs("<p>", out);
		html_text(out, r->source_note);
		fputs("</p>\n", out);
	}
	fputs("</header>\n", out);
}

static const char *file_of(const struct finding *f)
{
	return f->file ? f->file : "";
}

/* Within a file: by position, then the most severe first. */
static int by_file(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;
	int c = strcmp(file_of(x), file_of(y));

	if (c == 0)
		c = (x->line > y->line) - (x->line < y->line);
	if (c == 0)
		c = (x->column > y->column) - (x->column < y->column);
	if (c == 0)
		c = (int)y->severity - (int)x->severity;
	return c;
}

/* The byte range [*from, *to) of the source line to highlight; empty when
 * the finding has no column. A range that runs on past this line is
 * highlighted to the end of it. */
static void mark_range(const struct finding *f, size_t *from, size_t *to)
{
	*from = *to = 0;
	if (f->column <= 0)
		return;
	*from = (size_t)f->column - 1;
	if (f->end_line > f->line)
		*to = SIZE_MAX;
	else if (f->end_line == f->line && f->end_column > f->column)
		*to = (size_t)f->end_column - 1;
}

static void write_source(FILE *out, const struct finding *f)
{
	size_t from, to, off = 0, n;
	unsigned long cp;
	int open = 0;

	if (!f->source_line)
		return;
	mark_range(f, &from, &to);
	fputs("<code class=\"src\">", out);
	while ((n = utf8_decode(f->source_line + off, &cp)) > 0) {
		if (!open && to > from && off >= from && off < to) {
			fputs("<mark>", out);
			open = 1;
		} else if (open && off >= to) {
			fputs("</mark>", out);
			open = 0;
			to = 0;  /* never reopen */
		}
		html_char(out, cp);
		off += n;
	}
	fputs(open ? "</mark></code>" : "</code>", out);
}

static void write_row(FILE *out, const struct finding *f)
{
	const char *sev = severity_name(f->severity);

	fprintf(out, "<tr class=\"%s\"><td><span class=\"badge %s\">%s</span></td>"
		"<td class=\"num\">", sev, sev, sev);
	if (f->line > 0 && f->column > 0)
		fprintf(out, "%d:%d", f->line, f->column);
	else if (f->line > 0)
		fprintf(out, "%d", f->line);
	fputs("</td><td>", out);
	html_text(out, f->rule);
	fputs("</td><td>", out);
	html_text(out, f->message);
	write_source(out, f);
	fputs("</td><td>", out);
	html_text(out, f->fix);
	fputs("</td></tr>\n", out);
}

static void write_badges(FILE *out, const struct finding *const *group, size_t n)
{
	static const enum severity order[] = { SEV_ERROR, SEV_WARNING, SEV_NOTE };

	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += group[i]->severity == order[k];
		if (count)
			fprintf(out, " <span class=\"badge %s\">%zu %s%s</span>",
				severity_name(order[k]), count,
				severity_name(order[k]), count == 1 ? "" : "s");
	}
}

static void write_file(FILE *out, const struct finding *const *group, size_t n)
{
	fputs("<details open>\n<summary><code>", out);
	html_text(out, file_of(group[0]));
	fputs("</code>", out);
	write_badges(out, group, n);
	fputs("</summary>\n<table>\n<thead><tr><th>Severity</th><th>Line</th>"
	      "<th>Rule</th><th>Problem</th><th>Fix</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t i = 0; i < n; i++)
		write_row(out, group[i]);
	fputs("</tbody>\n</table>\n</details>\n", out);
}

static int write_files(FILE *out, const struct finding_list *list)
{
	const struct finding **order = malloc(list->len * sizeof *order);
	size_t start = 0;

	if (!order)
		return -1;
	for (size_t i = 0; i < list->len; i++)
		order[i] = &list->items[i];
	qsort(order, list->len, sizeof *order, by_file);
	for (size_t i = 1; i <= list->len; i++) {
		if (i == list->len ||
		    strcmp(file_of(order[i]), file_of(order[start])) != 0) {
			write_file(out, order + start, i - start);
			start = i;
		}
	}
	free(order);
	return 0;
}

int report_html(FILE *out, const struct report *r)
{
	int rc = 0;

	write_header(out, r);
	fputs("<main>\n", out);
	if (!r->findings || r->findings->len == 0)
		fputs("<p>No findings.</p>\n", out);
	else
		rc = write_files(out, r->findings);
	fputs("</main>\n</body>\n</html>\n", out);
	return rc == 0 && !ferror(out) ? 0 : -1;
}
