/* SARIF 2.1.0 report (--format sarif), for GitHub code scanning and other
 * SARIF viewers. One run; every rule in the registry is listed so that a
 * viewer can show a rule's help even for a run without results. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "finding.h"
#include "json_out.h"
#include "rules.h"

static const char sarif_schema[] =
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
	"sarif-schema-2.1.0.json";

/* RFC 3986: everything but unreserved characters and the '/' separator is
 * percent-encoded, so a file name with spaces, '#', '%' or non-ASCII bytes
 * still makes a valid URI. The result needs no JSON escaping. */
static void write_uri_path(FILE *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
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

static void write_rule(FILE *out, const struct rule_info *rule, int last)
{
	const char *doc = rule_doc(rule->id);

	fputs("          {\"id\": ", out);
	json_write_string(out, rule->id);
	fputs(", \"shortDescription\": {\"text\": ", out);
	json_write_string(out, rule->summary);
	fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}",
		severity_name(rule->severity));
	if (doc) {
		/* The pages are plain markdown that also reads as text. */
		fputs(", \"help\": {\"text\": ", out);
		json_write_string(out, doc);
		fputs(", \"markdown\": ", out);
		json_write_string(out, doc);
		fputc('}', out);
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
		write_rule(out, &rules[i], i + 1 == count);
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

static void write_result(FILE *out, const struct finding *f, int last)
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
	if (f->fix) {
		fputs(", \"properties\": {\"fix\": ", out);
		json_write_string(out, f->fix);
		fputc('}', out);
	}
	fputs(last ? "}\n" : "},\n", out);
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
	fputs("},\n      \"results\": [\n", out);
	for (size_t i = 0; i < n; i++)
		write_result(out, &list->items[i], i + 1 == n);
	fputs("      ]\n    }\n  ]\n}\n", out);
	return ferror(out) ? -1 : 0;
}
