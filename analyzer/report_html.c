/* HTML report (--format html): one self-contained page (inline CSS, SVG
 * and one small inline script, no external resource) so that it can be
 * archived as a CI artifact and opened anywhere. It leads with the totals
 * and two bar charts (report_html_chart.c), then the root causes in fix
 * order, each a <details> with its sites and their source lines; a filter
 * by severity, rule and path (the script, which also reads an initial
 * filter from the URL's #fragment); the crates and C libraries with what
 * they depend on (report_html_deps.c); and the already-ported code (the
 * notes) as an inventory. Without the script the page is complete: the
 * filter form stays hidden and every site shows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "json_out.h"
#include "report_html.h"

static const char page_style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:80em}\n"
	"h1{font-size:1.5em;margin:0 0 .3em}\nh2{font-size:1.25em;margin:1.4em 0 .4em;"
	"border-bottom:1px solid #d0d7de}\nh3{font-size:1.05em}\n"
	"[hidden]{display:none!important}\n"
	"table{border-collapse:collapse;margin:.4em 0 1em}\n"
	"th,td{border:1px solid #d0d7de;padding:.25em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f6f8fa}\ntable.summary td,td.num{text-align:right;white-space:nowrap}\n"
	"summary{cursor:pointer;margin:.3em 0}\ndetails.cause{border:1px solid #d0d7de;border-radius:6px;"
	"padding:.2em .6em;margin:.4em 0}\n"
	"ul.sites{list-style:none;padding:0;margin:.3em 0}\nli.site{border-top:1px solid #eaeef2;padding:.4em 0}\n"
	".fix{color:#57606a}\ncode{font:13px ui-monospace,monospace}\n"
	"code.src{display:block;white-space:pre;overflow-x:auto;background:#f6f8fa;padding:.2em .4em;"
	"margin-top:.3em}\nmark{background:#ffe08a}\n"
	".badge{display:inline-block;border-radius:1em;padding:0 .6em;font-size:12px;font-weight:600;color:#fff}\n"
	".badge.error{background:#cf222e}\n.badge.warning{background:#9a6700}\n.badge.note{background:#0969da}\n"
	"figure.chart{margin:.5em 0 1em}\nsvg.chart text{font:12px ui-monospace,monospace;fill:#1f2328}\n"
	"svg.chart rect.err,.key.err{fill:#cf222e;background:#cf222e}\n"
	"svg.chart rect.warn,.key.warn{fill:#d4a72c;background:#d4a72c}\n"
	".key{display:inline-block;width:1em;height:.8em}\n"
	"form#filter{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5em .8em;"
	"position:sticky;top:0}\nform#filter fieldset{display:inline;border:0;margin:0 1em 0 0;padding:0}\n"
	"form#filter label{margin-right:.8em}\n";

/* The filter: shows the sites whose severity is checked, whose rule is the
 * one selected (or any), whose file holds the path text; a cause shows
 * while one of its sites does. An initial filter comes from the fragment:
 * #severity=error,warning&rule=c/asm-x86&path=src/ (and goes back there,
 * so a filtered view is a link). Plain DOM, no library, no network. */
static const char filter_script[] =
	"(function () {\n"
	"  var form = document.getElementById('filter');\n"
	"  if (!form || !window.URLSearchParams) return;\n"
	"  var sites = document.querySelectorAll('.site'), causes = document.querySelectorAll('.cause');\n"
	"  var boxes = form.querySelectorAll('input[name=severity]'), status = document.getElementById('filter-status');\n"
	"  function wanted() {\n"
	"    var sev = [];\n"
	"    for (var i = 0; i < boxes.length; i++) if (boxes[i].checked) sev.push(boxes[i].value);\n"
	"    return { sev: sev, rule: form.elements.rule.value, path: form.elements.path.value };\n"
	"  }\n"
	"  function apply(keep) {\n"
	"    var w = wanted(), shown = 0, i, e;\n"
	"    for (i = 0; i < sites.length; i++) {\n"
	"      e = sites[i];\n"
	"      e.hidden = !(w.sev.indexOf(e.getAttribute('data-severity')) >= 0 &&\n"
	"                   (!w.rule || e.getAttribute('data-rule') === w.rule) &&\n"
	"                   e.getAttribute('data-file').indexOf(w.path) >= 0);\n"
	"      shown += e.hidden ? 0 : 1;\n"
	"    }\n"
	"    for (i = 0; i < causes.length; i++) causes[i].hidden = !causes[i].querySelector('.site:not([hidden])');\n"
	"    status.textContent = shown + ' of ' + sites.length + ' sites shown';\n"
	"    if (keep) return;\n"
	"    var q = new URLSearchParams();\n"
	"    q.set('severity', w.sev.join(','));\n"
	"    if (w.rule) q.set('rule', w.rule);\n"
	"    if (w.path) q.set('path', w.path);\n"
	"    try { history.replaceState(null, '', '#' + q.toString()); } catch (x) {}\n"
	"  }\n"
	"  function fromFragment() {\n"
	"    var q = new URLSearchParams(location.hash.slice(1));\n"
	"    if (q.has('severity')) {\n"
	"      var sev = q.get('severity').split(',');\n"
	"      for (var i = 0; i < boxes.length; i++) boxes[i].checked = sev.indexOf(boxes[i].value) >= 0;\n"
	"    }\n"
	"    form.elements.rule.value = q.get('rule') || '';\n"
	"    form.elements.path.value = q.get('path') || '';\n"
	"    apply(true);\n"
	"  }\n"
	"  form.hidden = false;\n"
	"  form.addEventListener('input', function () { apply(false); });\n"
	"  form.addEventListener('change', function () { apply(false); });\n"
	"  form.addEventListener('submit', function (ev) { ev.preventDefault(); });\n"
	"  window.addEventListener('hashchange', fromFragment);\n"
	"  fromFragment();\n"
	"})();\n";

/* Escapes one character for element content and attribute values alike.
 * Control characters other than tab and newline are not allowed in HTML
 * text, so they become U+FFFD as invalid UTF-8 already has. */
void html_char(FILE *out, unsigned long cp)
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

void html_text(FILE *out, const char *s)
{
	unsigned long cp;
	size_t n;

	while (s && (n = utf8_decode(s, &cp)) > 0) {
		html_char(out, cp);
		s += n;
	}
}

void html_count(FILE *out, size_t n, const char *noun)
{
	fprintf(out, "%zu %s%s", n, noun, n == 1 ? "" : "s");
}

static size_t count_of(const struct finding_list *list, enum severity sev)
{
	return list ? findings_count(list, sev) : 0;
}

/* ---- header ---- */

static void write_total(FILE *out, const char *key, size_t n)
{
	fprintf(out, "<td data-total=\"%s\">%zu</td>", key, n);
}

static void write_totals(FILE *out, const struct report *r)
{
	size_t causes = r->causes ? r->causes->len : 0;
	fputs("<table class=\"summary\" id=\"totals\">\n<tr><th>Files</th><th>Lines</th><th>Errors</th>"
	      "<th>Warnings</th><th>Notes</th><th>Causes</th>", out);
	if (r->suppressed)
		fputs("<th>Suppressed</th>", out);
	if (r->has_baseline)
		fputs("<th>In the baseline</th>", out);
	fputs("</tr>\n<tr>", out);
	write_total(out, "files", r->files);
	write_total(out, "lines", r->lines);
	write_total(out, "errors", count_of(r->findings, SEV_ERROR));
	write_total(out, "warnings", count_of(r->findings, SEV_WARNING));
	write_total(out, "notes", count_of(r->findings, SEV_NOTE));
	write_total(out, "causes", causes);
	if (r->suppressed)
		write_total(out, "suppressed", r->suppressed);
	if (r->has_baseline)
		write_total(out, "baseline", r->baseline_known);
	fputs("</tr>\n</table>\n", out);
}

static void write_header(FILE *out, const struct report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>archport: ", out);
	html_text(out, r->target);
	fputs(" porting report for ", out);
	html_text(out, r->root);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>archport porting report</h1>\n"
		"<p>Target <strong>", page_style);
	html_text(out, r->target);
	fputs("</strong> &middot; root <code>", out);
	html_text(out, r->root);
	fputs("</code>", out);
	if (r->tool_version) {
		fputs(" &middot; archport ", out);
		html_text(out, r->tool_version);
	}
	fputs("</p>\n", out);
	write_totals(out, r);
	if (r->suppressed || r->has_baseline)
		fprintf(out, "<p>Not listed: %zu suppressed by <code>archport: ignore</code> comments, %zu already "
			"in the baseline.</p>\n", r->suppressed, r->baseline_known);
	if (r->source_note) {
		fputs("<p class=\"source-note\">", out);
		html_text(out, r->source_note);
		fputs("</p>\n", out);
	}
	fputs("</header>\n", out);
}

/* ---- a site: one finding ---- */

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

static void write_location(FILE *out, const struct finding *f)
{
	fputs("<code class=\"loc\">", out);
	html_text(out, f->file);
	if (f->line > 0)
		fprintf(out, ":%d", f->line);
	if (f->line > 0 && f->column > 0)
		fprintf(out, ":%d", f->column);
	fputs("</code>", out);
}

static void write_site(FILE *out, const struct finding *f, const struct cause *c)
{
	const char *sev = severity_name(f->severity);
	fprintf(out, "<li class=\"site\" data-severity=\"%s\" data-rule=\"", sev);
	html_text(out, f->rule);
	fputs("\" data-file=\"", out);
	html_text(out, f->file);
	fputs("\" data-cause=\"", out);
	html_text(out, c->id);
	fprintf(out, "\"><span class=\"badge %s\">%s</span> ", sev, sev);
	write_location(out, f);
	fputs(" <span class=\"msg\">", out);
	html_text(out, f->message);
	fputs("</span> <code class=\"rule\">[", out);
	html_text(out, f->rule);
	fputs("]</code>", out);
	if (f->fix) {
		fputs("<div class=\"fix\">fix: ", out);
		html_text(out, f->fix);
		fputs("</div>", out);
	}
	write_source(out, f);
	fputs("</li>\n", out);
}

/* ---- causes ---- */

static void write_cause_counts(FILE *out, const struct cause *c)
{
	const size_t counts[] = { c->errors, c->warnings, c->notes };
	const char *const names[] = { "error", "warning", "note" };
	const char *sep = ": ";
	for (int i = 0; i < 3; i++)
		if (counts[i]) {
			fputs(sep, out);
			html_count(out, counts[i], names[i]);
			sep = ", ";
		}
	if (c->nfiles > 1)
		fprintf(out, " in %zu files", c->nfiles);
	if (c->blocks)
		fprintf(out, "; <strong>%zu file%s depend%s on it</strong>", c->blocks, c->blocks == 1 ? "" : "s",
			c->blocks == 1 ? "s" : "");
}

static void write_cause(FILE *out, const struct cause *c, const struct finding_list *list)
{
	const char *sev = severity_name(c->severity);
	fprintf(out, "<details class=\"cause\" id=\"cause-");
	html_text(out, c->id);
	fputs("\" data-cause=\"", out);
	html_text(out, c->id);
	fprintf(out, "\" data-severity=\"%s\" data-count=\"%zu\" data-blocks=\"%zu\">\n<summary>%zu. "
		"<span class=\"badge %s\">%s</span> ", sev, c->count, c->blocks, c->order, sev, sev);
	html_text(out, c->title);
	write_cause_counts(out, c);
	fputs(" <code class=\"rule\">[", out);
	html_text(out, c->rule);
	fputs("]</code></summary>\n<ul class=\"sites\">\n", out);
	for (size_t i = 0; i < c->count; i++)
		write_site(out, &list->items[c->findings[i]], c);
	fputs("</ul>\n</details>\n", out);
}

/* Causes that are only notes (already-ported code) come last in the fix
 * order; the rest are the work. */
static size_t open_causes(const struct cause_list *cl)
{
	size_t open = 0;
	while (open < cl->len && cl->items[open].severity > SEV_NOTE)
		open++;
	return open;
}

static void write_causes(FILE *out, const struct report *r)
{
	const struct cause_list *cl = r->causes;
	size_t open = open_causes(cl);
	fprintf(out, "<section id=\"causes\">\n<h2>Causes in fix order (%zu)</h2>\n", open);
	if (cl->len > open)
		fprintf(out, "<p>%zu of the %zu causes; the other %zu, notes only, are under "
			"<a href=\"#ported\">Already ported</a>.</p>\n", open, cl->len, cl->len - open);
	if (!open)
		fputs("<p>Nothing to fix for this target.</p>\n", out);
	else
		fputs("<p>What other files depend on first, then by errors. Open a cause for its sites.</p>\n", out);
	for (size_t i = 0; i < open; i++)
		write_cause(out, &cl->items[i], r->findings);
	fputs("</section>\n", out);
}

/* ---- filter ---- */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_rule_options(FILE *out, const struct finding_list *l)
{
	const char **rules = xmalloc((l->len ? l->len : 1) * sizeof *rules);
	for (size_t i = 0; i < l->len; i++)
		rules[i] = l->items[i].rule;
	qsort(rules, l->len, sizeof *rules, compare_strings);
	for (size_t i = 0; i < l->len; i++) {
		if (i && !strcmp(rules[i], rules[i - 1]))
			continue;
		fputs("<option value=\"", out);
		html_text(out, rules[i]);
		fputs("\">", out);
		html_text(out, rules[i]);
		fputs("</option>\n", out);
	}
	free(rules);
}

static void write_filter(FILE *out, const struct finding_list *l)
{
	static const char *const sevs[] = { "error", "warning", "note" };
	fputs("<form id=\"filter\" hidden>\n<fieldset><legend>Severity</legend>\n", out);
	for (int i = 0; i < 3; i++)
		fprintf(out, "<label><input type=\"checkbox\" name=\"severity\" value=\"%s\" checked> %s</label>\n",
			sevs[i], sevs[i]);
	fputs("</fieldset>\n<label>Rule <select name=\"rule\">\n<option value=\"\">any rule</option>\n", out);
	write_rule_options(out, l);
	fputs("</select></label>\n<label>Path <input type=\"search\" name=\"path\" placeholder=\"part of a file "
	      "name\"></label>\n<output id=\"filter-status\"></output>\n</form>\n", out);
}

/* ---- already ported ---- */

struct rule_file { const char *rule, *file; };

static int compare_rule_file(const void *pa, const void *pb)
{
	const struct rule_file *a = pa, *b = pb;
	int c = strcmp(a->rule, b->rule);
	return c ? c : strcmp(a->file, b->file);
}

/* The notes by rule and file: what is already ported, and where. */
static void write_inventory(FILE *out, const struct finding_list *l, size_t notes)
{
	struct rule_file *v = xmalloc(notes * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < l->len; i++)
		if (l->items[i].severity == SEV_NOTE)
			v[n++] = (struct rule_file){ l->items[i].rule, l->items[i].file ? l->items[i].file : "" };
	qsort(v, n, sizeof *v, compare_rule_file);
	fputs("<table id=\"inventory\">\n<thead><tr><th>Rule</th><th>File</th><th>Notes</th></tr></thead>\n<tbody>\n",
	      out);
	for (size_t i = 0, start = 0; i < n; i = start) {
		while (start < n && !compare_rule_file(&v[start], &v[i]))
			start++;
		fputs("<tr><td><code>", out);
		html_text(out, v[i].rule);
		fputs("</code></td><td><code>", out);
		html_text(out, v[i].file);
		fprintf(out, "</code></td><td class=\"num\">%zu</td></tr>\n", start - i);
	}
	fputs("</tbody>\n</table>\n", out);
	free(v);
}

static void write_ported(FILE *out, const struct report *r)
{
	const struct cause_list *cl = r->causes;
	size_t notes = count_of(r->findings, SEV_NOTE);
	fputs("<section id=\"ported\">\n<h2>Already ported (", out);
	html_count(out, notes, "note");
	fputs(")</h2>\n", out);
	if (!notes) {
		fputs("<p>No code for the source architecture that the target build already leaves out."
		      "</p>\n</section>\n", out);
		return;
	}
	fputs("<p>Code for the source architecture that the target build already leaves out (an "
	      "<code>#else</code> arm, a <code>cfg</code> twin): nothing to do, listed so that what is "
	      "ported is known.</p>\n", out);
	write_inventory(out, r->findings, notes);
	for (size_t i = open_causes(cl); i < cl->len; i++)
		write_cause(out, &cl->items[i], r->findings);
	fputs("</section>\n", out);
}

int report_html(FILE *out, const struct report *r)
{
	static const struct cause_list no_causes;
	struct report page = *r;
	if (!page.causes)
		page.causes = &no_causes;
	write_header(out, &page);
	fputs("<main>\n", out);
	if (!r->findings || r->findings->len == 0) {
		fputs("<p id=\"no-findings\">No findings.</p>\n", out);
	} else {
		fputs("<section id=\"charts\">\n<h2>Where the work is</h2>\n", out);
		html_chart(out, r->findings, TALLY_DIRECTORY);
		html_chart(out, r->findings, TALLY_RULE);
		if (!count_of(r->findings, SEV_ERROR) && !count_of(r->findings, SEV_WARNING))
			fputs("<p>No errors or warnings.</p>\n", out);
		fputs("</section>\n", out);
		write_filter(out, r->findings);
		write_causes(out, &page);
		write_ported(out, &page);
	}
	html_components(out, r->components, r->findings);
	fprintf(out, "</main>\n<script>\n%s</script>\n</body>\n</html>\n", filter_script);
	return ferror(out) ? -1 : 0;
}
