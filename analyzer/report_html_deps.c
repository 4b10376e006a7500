/* The HTML report's section on the tree's parts: each Rust crate and each
 * C directory (grouped by the library, the directory with its build
 * file) with its findings, what it depends on in the tree (linked), what
 * depends on it, and a crate's other dependencies. A port goes bottom-up:
 * what others depend on is fixed first, as the fix order also says. */
#include <stdlib.h>
#include <string.h>
#include "report_html.h"

struct component_counts {
	size_t errors, warnings, notes;
	size_t used_by;      /* components that depend on this one */
};

/* A dependency is of its component's kind. */
static long dep_index(const struct component_list *l, const struct component *c, const struct component_dep *d)
{
	return component_by_dir(l, c->kind, d->dir, strlen(d->dir));
}

static struct component_counts *count_components(const struct component_list *l, const struct finding_list *findings)
{
	struct component_counts *c = xcalloc(l->len ? l->len : 1, sizeof *c);
	for (size_t i = 0; findings && i < findings->len; i++) {
		const struct finding *f = &findings->items[i];
		long at = component_of_file(l, f->file);
		if (at < 0)
			continue;
		c[at].errors += f->severity == SEV_ERROR;
		c[at].warnings += f->severity == SEV_WARNING;
		c[at].notes += f->severity == SEV_NOTE;
	}
	for (size_t i = 0; i < l->len; i++)
		for (size_t j = 0; j < l->items[i].ndeps; j++) {
			long to = dep_index(l, &l->items[i], &l->items[i].deps[j]);
			if (to >= 0)
				c[to].used_by++;
		}
	return c;
}

static void write_dep_links(FILE *out, const struct component_list *l, const struct component *c)
{
	if (!c->ndeps)
		fputs("&mdash;", out);
	for (size_t j = 0; j < c->ndeps; j++) {
		long to = dep_index(l, c, &c->deps[j]);
		fputs(j ? ", " : "", out);
		if (to >= 0) {
			fprintf(out, "<a href=\"#component-%ld\">", to);
			html_text(out, l->items[to].name);
			fputs("</a>", out);
		} else {
			html_text(out, c->deps[j].dir);
		}
		if (c->deps[j].pred) {
			fputs(" <small>only for <code>", out);
			html_text(out, c->deps[j].pred);
			fputs("</code></small>", out);
		}
	}
}

static void write_external(FILE *out, const struct component *c)
{
	if (!c->nexternal)
		fputs("&mdash;", out);
	for (size_t j = 0; j < c->nexternal; j++) {
		fputs(j ? ", " : "", out);
		fputs("<code>", out);
		html_text(out, c->external[j]);
		fputs("</code>", out);
	}
}

static void write_counts_cells(FILE *out, const struct component *c, const struct component_counts *n)
{
	fprintf(out, "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
		"<td class=\"num\">%zu</td><td class=\"num\">%zu</td>", c->files, n->errors, n->warnings, n->notes,
		n->used_by);
}

static void write_component_row(FILE *out, const struct component_list *l, size_t i,
				const struct component_counts *n)
{
	const struct component *c = &l->items[i];
	fprintf(out, "<tr class=\"component\" id=\"component-%zu\" data-kind=\"%s\" data-dir=\"", i,
		c->kind == COMPONENT_CRATE ? "crate" : "c");
	html_text(out, c->dir);
	fputs("\" data-deps=\"", out);
	for (size_t j = 0; j < c->ndeps; j++) {
		fputs(j ? "\n" : "", out);   /* a newline: no name holds one in a report */
		html_text(out, c->deps[j].dir);
	}
	fprintf(out, "\" data-errors=\"%zu\" data-warnings=\"%zu\" data-notes=\"%zu\"><td><code>", n->errors,
		n->warnings, n->notes);
	html_text(out, c->name);
	fputs("</code>", out);
	if (c->kind == COMPONENT_CRATE && strcmp(c->name, c->dir)) {
		fputs(" <small>", out);
		html_text(out, c->dir);
		fputs("</small>", out);
	}
	fputs("</td>", out);
	write_counts_cells(out, c, n);
	fputs("<td>", out);
	write_dep_links(out, l, c);
	fputs("</td>", out);
	if (c->kind == COMPONENT_CRATE) {
		fputs("<td>", out);
		write_external(out, c);
		fputs("</td>", out);
	}
	fputs("</tr>\n", out);
}

/* The count columns; "Used by" counts components of the table's kind. */
#define COUNT_HEADS(used_by) "<th>Files</th><th>Errors</th><th>Warnings</th><th>Notes</th><th>Used by " used_by "</th>"

static void write_crates(FILE *out, const struct component_list *l, const struct component_counts *n, size_t count)
{
	fprintf(out, "<h3>Rust crates (%zu)</h3>\n<p>Cargo packages with their <code>path</code> dependencies "
		"in the tree, and their other dependencies by name.</p>\n<table class=\"components\" id=\"crates\">\n"
		"<thead><tr><th>Crate</th>" COUNT_HEADS("(crates)") "<th>Depends on (in the tree)</th>"
		"<th>Other dependencies</th></tr></thead>\n<tbody>\n", count);
	for (size_t i = 0; i < l->len; i++)
		if (l->items[i].kind == COMPONENT_CRATE)
			write_component_row(out, l, i, &n[i]);
	fputs("</tbody>\n</table>\n", out);
}

/* One tbody per library, whose first row names it; a library's parts are
 * not always next to each other in dir order ("a-b" sorts between "a" and
 * "a/src"), so each library is gathered at its first part. */
static void write_library(FILE *out, const struct component_list *l, const struct component_counts *n, size_t first)
{
	const char *library = l->items[first].library;
	fputs("<tbody class=\"library\" data-library=\"", out);
	html_text(out, library);
	fputs("\">\n<tr><th colspan=\"7\">Library <code>", out);
	html_text(out, library);
	fputs("</code></th></tr>\n", out);
	for (size_t i = first; i < l->len; i++)
		if (l->items[i].kind == COMPONENT_C && !strcmp(l->items[i].library, library))
			write_component_row(out, l, i, &n[i]);
	fputs("</tbody>\n", out);
}


static void write_c(FILE *out, const struct component_list *l, const struct component_counts *n, size_t count)
{
	fprintf(out, "<h3>C libraries (%zu directories)</h3>\n<p>C and assembly by directory, under the "
		"directory of their build file (Makefile, CMake, meson); a directory depends on those whose "
		"headers it includes.</p>\n<table class=\"components\" id=\"c-libraries\">\n"
		"<thead><tr><th>Directory</th>" COUNT_HEADS("(directories)") "<th>Includes headers from</th></tr>"
		"</thead>\n", count);
	struct strmap written = {0};   /* libraries */
	for (size_t i = 0; i < l->len; i++) {
		const char *lib = l->items[i].library;
		if (l->items[i].kind != COMPONENT_C || strmap_has(&written, lib, strlen(lib)))
			continue;
		strmap_get(&written, lib, strlen(lib), 1);
		write_library(out, l, n, i);
	}
	strmap_free(&written, NULL);
	fputs("</table>\n", out);
}

void html_components(FILE *out, const struct component_list *l, const struct finding_list *findings)
{
	size_t crates = 0, c_dirs = 0;
	if (!l)
		return;
	for (size_t i = 0; i < l->len; i++)
		*(l->items[i].kind == COMPONENT_CRATE ? &crates : &c_dirs) += 1;
	fputs("<section id=\"dependencies\">\n<h2>Crates and libraries</h2>\n", out);
	struct component_counts *n = count_components(l, findings);
	if (!crates && !c_dirs)
		fputs("<p>No Rust crates or C sources in the tree.</p>\n", out);
	if (crates)
		write_crates(out, l, n, crates);
	if (c_dirs)
		write_c(out, l, n, c_dirs);
	free(n);
	fputs("</section>\n", out);
}
