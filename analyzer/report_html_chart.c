/* Inline SVG bar charts of the HTML report: one row per rule or top-level
 * directory, errors and warnings stacked, each row labelled with its name
 * and its counts in text, so the chart reads without colour, and with a
 * <title> for screen readers. No script, no external resource; the
 * geometry is integer arithmetic, so the page is byte-for-byte
 * deterministic. */
#include <string.h>
#include "report_html.h"

enum {
	ROW_HEIGHT = 22,
	BAR_HEIGHT = 14,
	TOP = 8,
	BAR_WIDTH = 360,       /* the longest bar */
	CHAR_WIDTH = 7,        /* of the 12px labels, roughly */
	MIN_LABEL = 80,
	MAX_LABEL = 330,
	COUNT_WIDTH = 190,     /* room for "1234 errors, 1234 warnings" */
};

static size_t open_work(const struct tally *t)
{
	return t->errors + t->warnings;
}

/* A bar of n out of max, at least 2px when n > 0 so that it shows. */
static size_t bar_px(size_t n, size_t max)
{
	if (!n || !max)
		return 0;
	size_t px = (n * BAR_WIDTH + max / 2) / max;
	return px < 2 ? 2 : px;
}

static const char *row_suffix(enum tally_by by, const char *name)
{
	return by == TALLY_DIRECTORY && strcmp(name, ".") ? "/" : "";
}

static void write_counts(FILE *out, const struct tally *t)
{
	html_count(out, t->errors, "error");
	fputs(", ", out);
	html_count(out, t->warnings, "warning");
}

static void write_row(FILE *out, const struct tally *t, enum tally_by by, size_t y, size_t label_w, size_t max)
{
	size_t err = bar_px(t->errors, max), warn = bar_px(t->warnings, max);
	const char *suffix = row_suffix(by, t->name);

	fprintf(out, "<g class=\"bar\" data-name=\"");
	html_text(out, t->name);
	fprintf(out, "\" data-errors=\"%zu\" data-warnings=\"%zu\"><title>", t->errors, t->warnings);
	html_text(out, t->name);
	fputs(suffix, out);
	fputs(": ", out);
	write_counts(out, t);
	fprintf(out, "</title>\n<text class=\"label\" x=\"%zu\" y=\"%zu\" text-anchor=\"end\">", label_w - 6,
		y + BAR_HEIGHT - 3);
	html_text(out, t->name);
	fputs(suffix, out);
	fputs("</text>", out);
	if (err)
		fprintf(out, "<rect class=\"err\" x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"%d\"/>", label_w, y, err,
			BAR_HEIGHT);
	if (warn)
		fprintf(out, "<rect class=\"warn\" x=\"%zu\" y=\"%zu\" width=\"%zu\" height=\"%d\"/>", label_w + err, y,
			warn, BAR_HEIGHT);
	fprintf(out, "<text class=\"count\" x=\"%zu\" y=\"%zu\">", label_w + err + warn + 6, y + BAR_HEIGHT - 3);
	write_counts(out, t);
	fputs("</text></g>\n", out);
}

/* The label column fits the longest name, within bounds. */
static size_t label_width(const struct tally_list *t)
{
	size_t longest = 0;
	for (size_t i = 0; i < t->len; i++) {
		size_t n = strlen(t->items[i].name) + 1;
		longest = n > longest ? n : longest;
	}
	size_t w = longest * CHAR_WIDTH + 10;
	return w < MIN_LABEL ? MIN_LABEL : w > MAX_LABEL ? MAX_LABEL : w;
}

static void write_svg(FILE *out, const struct tally_list *t, size_t rows, enum tally_by by)
{
	const char *what = by == TALLY_RULE ? "rule" : "directory";
	size_t label_w = label_width(t), max = 0, y = TOP;
	for (size_t i = 0; i < t->len; i++)
		max = open_work(&t->items[i]) > max ? open_work(&t->items[i]) : max;
	fprintf(out, "<figure class=\"chart\">\n<svg class=\"chart\" id=\"chart-%s\" data-by=\"%s\" role=\"img\" "
		"aria-labelledby=\"chart-%s-title\" width=\"%zu\" height=\"%zu\" viewBox=\"0 0 %zu %zu\">\n"
		"<title id=\"chart-%s-title\">Errors and warnings by %s</title>\n",
		what, what, what, label_w + BAR_WIDTH + COUNT_WIDTH, rows * ROW_HEIGHT + 2 * TOP,
		label_w + BAR_WIDTH + COUNT_WIDTH, rows * ROW_HEIGHT + 2 * TOP, what, what);
	for (size_t i = 0; i < t->len; i++) {
		if (!open_work(&t->items[i]))
			continue;
		write_row(out, &t->items[i], by, y, label_w, max);
		y += ROW_HEIGHT;
	}
	fprintf(out, "</svg>\n<figcaption>By %s: errors <span class=\"key err\"></span> and warnings "
		"<span class=\"key warn\"></span>, stacked</figcaption>\n</figure>\n", what);
}

void html_chart(FILE *out, const struct finding_list *findings, enum tally_by by)
{
	struct tally_list t;
	size_t rows = 0;
	tally_findings(&t, findings, by);
	for (size_t i = 0; i < t.len; i++)
		rows += open_work(&t.items[i]) > 0;
	if (rows)
		write_svg(out, &t, rows, by);
	tally_free(&t);
}
