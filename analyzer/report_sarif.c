/* SARIF 2.1.0 report (--format sarif), for GitHub code scanning and other
 * SARIF viewers. One run; every rule in the registry is listed so that a
 * viewer can show a rule's help even for a run without results. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "causes.h"
#include "finding.h"
#include "json_out.h"
#include "rules.h"
#include "suppress.h"
#include "util.h"

/* Where the rule pages are when no --docs-url is given: the docs of the
 * source tree this program was built from (Makefile). */
#ifndef ARCHPORT_DOCS_DIR
#define ARCHPORT_DOCS_DIR "docs/rules"
#endif

static const char sarif_schema[] =
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
	"sarif-schema-2.1.0.json";

/* RFC 3986: everything but unreserved characters and the '/' separator is
 * percent-encoded, so a file name with spaces, '#', '%' or non-ASCII bytes
 * still makes a valid URI. The result needs no JSON escaping. */
static void add_uri_path(struct strbuf *sb, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			sb_addc(sb, (char)*p);
		else
			sb_addf(sb, "%%%02X", *p);
	}
}

static void write_uri_path(FILE *out, const char *path)
{
	struct strbuf sb = { 0 };

	add_uri_path(&sb, path);
	if (sb.len)
		fputs(sb.buf, out);
	sb_free(&sb);
}

/* The directory findings' paths are relative to: the root itself, or the
 * directory holding it when a single file was scanned. NULL if the root no
 * longer resolves; SRCROOT is then left out, which SARIF allows. */
static char *resolve_root_dir(const char *root)
{
	struct stat st;
	char *abs = realpath(root ? root : ".", NULL);

	if (abs && stat(abs, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(abs, '/');
		if (slash)
			slash[slash == abs ? 1 : 0] = '\0';
	}
	return abs;
}

static void write_root_uri(FILE *out, const char *root)
{
	char *dir = resolve_root_dir(root);
	size_t len;

	if (!dir)
		return;
	len = strlen(dir);
	fputs("      \"originalUriBaseIds\": {\"SRCROOT\": {\"uri\": \"file://", out);
	write_uri_path(out, dir);
	/* A base URI must end in '/' or relative references replace its last
	 * segment instead of being appended to it. */
	fputs(len > 0 && dir[len - 1] == '/' ? "\"}},\n" : "/\"}},\n", out);
	free(dir);
}

/* The page's introduction: the text between its title and its first
 * section (what the rule reports and its severity), trimmed. */
static char *doc_introduction(const char *doc)
{
	const char *start = doc, *end;

	if (start[0] == '#' && start[1] == ' ')
		start += strcspn(start, "\n");
	start += strspn(start, "\n");
	end = strstr(start, "\n## ");
	if (!end)
		end = start + strlen(start);
	while (end > start && end[-1] == '\n')
		end--;
	return xstrndup(start, (size_t)(end - start));
}

/* The rule page's URI: BASE/<id with '/' as '-'>.md, BASE the --docs-url
 * or the file: URI of the docs this program was built from. */
static void write_help_uri(FILE *out, const struct rule_info *rule, const char *docs_url)
{
	struct strbuf uri = { 0 };

	if (docs_url) {
		sb_adds(&uri, docs_url);
		if (uri.len && uri.buf[uri.len - 1] != '/')
			sb_addc(&uri, '/');
	} else {
		sb_adds(&uri, "file://");
		add_uri_path(&uri, ARCHPORT_DOCS_DIR "/");
	}
	for (const char *p = rule->id; *p; p++)
		sb_addc(&uri, *p == '/' ? '-' : *p);
	sb_adds(&uri, ".md");
	fputs(", \"helpUri\": ", out);
	json_write_string(out, uri.buf);
	sb_free(&uri);
}

static void write_rule(FILE *out, const struct rule_info *rule, const char *docs_url, int last)
{
	const char *doc = rule_doc(rule->id);

	fputs("          {\"id\": ", out);
	json_write_string(out, rule->id);
	fputs(", \"shortDescription\": {\"text\": ", out);
	json_write_string(out, rule->summary);
	fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}",
		severity_name(rule->severity));
	if (doc) {
		char *intro = doc_introduction(doc);
		fputs(",\n           \"fullDescription\": {\"text\": ", out);
		json_write_string(out, intro);
		fputs(", \"markdown\": ", out);
		json_write_string(out, intro);
		free(intro);
		/* The pages are plain markdown that also reads as text. */
		fputs("},\n           \"help\": {\"text\": ", out);
		json_write_string(out, doc);
		fputs(", \"markdown\": ", out);
		json_write_string(out, doc);
		fputc('}', out);
		write_help_uri(out, rule, docs_url);
	}
	fputs(last ? "}\n" : "},\n", out);
}

static void write_driver(FILE *out, const struct report *r)
{
	size_t count;
	const struct rule_info *rules = rule_all(&count);

	fputs("      \"tool\": {\"driver\": {\"name\": \"archport\"", out);
	if (r->tool_version) {
		fputs(", \"version\": ", out);
		json_write_string(out, r->tool_version);
	}
	fputs(",\n        \"rules\": [\n", out);
	for (size_t i = 0; i < count; i++)
		write_rule(out, &rules[i], r->docs_url, i + 1 == count);
	fputs("        ]}},\n", out);
}

/* SARIF counts columns in UTF-16 code units by default; findings count
 * bytes. The two differ only after non-ASCII text on the line, so convert
 * when the line's text is at hand. */
static int utf16_column(const char *line, int byte_column)
{
	size_t want, off = 0, n;
	unsigned long cp;
	int units = 0;

	if (!line || byte_column <= 1)
		return byte_column;
	want = (size_t)byte_column - 1;
	while (off < want && (n = utf8_decode(line + off, &cp)) > 0) {
		units += cp >= 0x10000 ? 2 : 1;
		off += n;
	}
	if (off < want)  /* past the end of the text: count bytes */
		units += (int)(want - off);
	return units + 1;
}

static void write_region(FILE *out, const struct finding *f)
{
	const char *end_text = f->end_line == f->line ? f->source_line : NULL;

	if (f->line <= 0)
		return;
	fprintf(out, ", \"region\": {\"startLine\": %d", f->line);
	if (f->column > 0)
		fprintf(out, ", \"startColumn\": %d",
			utf16_column(f->source_line, f->column));
	if (f->end_line > 0)
		fprintf(out, ", \"endLine\": %d", f->end_line);
	if (f->end_column > 0)
		fprintf(out, ", \"endColumn\": %d",
			utf16_column(end_text, f->end_column));
	fputc('}', out);
}

static long rule_index(const char *id)
{
	size_t count;
	const struct rule_info *rules = rule_all(&count);

	for (size_t i = 0; i < count; i++)
		if (id && strcmp(rules[i].id, id) == 0)
			return (long)i;
	return -1;
}

static void write_location(FILE *out, const struct finding *f)
{
	if (!f->file)
		return;
	fputs(",\n         \"locations\": [{\"physicalLocation\": "
	      "{\"artifactLocation\": {\"uri\": \"", out);
	write_uri_path(out, f->file);
	fputs("\", \"uriBaseId\": \"SRCROOT\"}", out);
	write_region(out, f);
	fputs("}}]", out);
}

/* What stays when lines move: the finding's identity (rule, file, message
 * with numbers blanked, as baselines match) and its line's text with the
 * whitespace runs folded, so that reindenting keeps it too. */
static uint64_t finding_hash(const struct finding *f)
{
	char *id = finding_identity(f->rule ? f->rule : "", f->file ? f->file : "",
				    f->message ? f->message : "");
	struct strbuf sb = { 0 };
	int space = 0;

	sb_add(&sb, id, strlen(id) + 1);
	free(id);
	for (const char *p = f->source_line ? f->source_line : ""; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			space = 1;
			continue;
		}
		if (space && sb.buf[sb.len - 1] != '\0')
			sb_addc(&sb, ' ');
		space = 0;
		sb_addc(&sb, *p);
	}
	uint64_t h = hash64(sb.buf, sb.len);
	sb_free(&sb);
	return h;
}

/* partialFingerprints: the hash, and which of the findings with that hash
 * this is (1, 2, ... in report order), so that one construct repeated on
 * identical lines of a file gives distinct alerts. */
static void write_fingerprint(FILE *out, const struct finding *f, struct strmap *seen)
{
	char key[17];
	struct strmap_entry *e;

	snprintf(key, sizeof key, "%016llx", (unsigned long long)finding_hash(f));
	e = strmap_get(seen, key, 16, 1);
	e->value = (void *)((uintptr_t)e->value + 1);
	fprintf(out, ",\n         \"partialFingerprints\": {\"archport/v1\": \"%s:%lu\"}", key,
		(unsigned long)(uintptr_t)e->value);
}

static void write_result(FILE *out, const struct finding *f, const struct cause *c, struct strmap *seen,
			 int last)
{
	const struct rule_info *rule = rule_find(f->rule ? f->rule : "");
	long index = rule_index(f->rule);

	fputs("        {\"ruleId\": ", out);
	json_write_string(out, f->rule);
	if (index >= 0)
		fprintf(out, ", \"ruleIndex\": %ld", index);
	fprintf(out, ", \"level\": \"%s\", \"message\": {\"text\": ",
		severity_name(f->severity));
	/* message.text is required; fall back on the rule's summary. */
	json_write_string(out, f->message ? f->message
				: rule ? rule->summary : f->rule);
	fputc('}', out);
	write_location(out, f);
	write_fingerprint(out, f, seen);
	/* the root cause, as in the JSON report: its id is in the run's
	 * properties.causes, in fix order */
	fputs(", \"properties\": {\"fix\": ", out);
	json_write_string(out, f->fix ? f->fix : "none");
	if (c) {
		fputs(", \"cause\": ", out);
		json_write_string(out, c->id);
	}
	fputc('}', out);
	fputs(last ? "}\n" : "},\n", out);
}

/* The root causes in fix order, as the JSON report lists them. */
static void write_run_causes(FILE *out, const struct report *r)
{
	const struct cause_list *cl = r->causes;
	if (!cl)
		return;
	fputs(", \"causes\": [", out);
	for (size_t i = 0; i < cl->len; i++) {
		fputs(i ? ",\n        " : "\n        ", out);
		cause_write_json(out, &cl->items[i], &r->findings->items[cl->items[i].findings[0]]);
	}
	fputs(cl->len ? "\n      ]" : "]", out);
}

int report_sarif(FILE *out, const struct report *r)
{
	const struct finding_list *list = r->findings;
	size_t n = list ? list->len : 0;

	fprintf(out, "{\n  \"$schema\": \"%s\",\n  \"version\": \"2.1.0\",\n"
		"  \"runs\": [\n    {\n", sarif_schema);
	write_driver(out, r);
	write_root_uri(out, r->root);
	fputs("      \"columnKind\": \"utf16CodeUnits\",\n"
	      "      \"properties\": {\"target\": ", out);
	json_write_string(out, r->target);
	write_run_causes(out, r);
	fputs("},\n      \"results\": [\n", out);
	struct strmap seen = { 0 };
	for (size_t i = 0; i < n; i++)
		write_result(out, &list->items[i], r->causes ? cause_of(r->causes, i) : NULL, &seen, i + 1 == n);
	strmap_free(&seen, NULL);
	fputs("      ]\n    }\n  ]\n}\n", out);
	return ferror(out) ? -1 : 0;
}
