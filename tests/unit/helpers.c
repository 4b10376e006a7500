/* Temporary trees and an in-process `archport scan` for the end-to-end
 * suites. The scan goes through cmd_scan(), the function bin/archport runs
 * for `scan`, so the walk, the index pass, the front ends, the gating
 * post-pass and the JSON writer are all exercised (under ASan/UBSan). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"
#include "unit.h"

char unit_tmp_base[256];

void tree_init(struct tmptree *t)
{
	ck_assert_msg(unit_tmp_base[0], "unit_tmp_base is not set");
	snprintf(t->root, sizeof t->root, "%s/tree-XXXXXX", unit_tmp_base);
	ck_assert_msg(mkdtemp(t->root) != NULL, "mkdtemp %s: %s", t->root, strerror(errno));
}

static void make_parents(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			ck_abort_msg("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
}

void tree_bytes(struct tmptree *t, const char *rel, const void *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", t->root, rel);
	make_parents(path);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_msg(fwrite(data, 1, len, f) == len, "short write to %s", path);
	ck_assert_msg(fclose(f) == 0, "cannot close %s", path);
}

void tree_file(struct tmptree *t, const char *rel, const char *content)
{
	tree_bytes(t, rel, content, strlen(content));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tree_cleanup(struct tmptree *t)
{
	if (t->root[0])
		nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	char json[600];
	snprintf(json, sizeof json, "%s.json", t->root);
	remove(json);
	t->root[0] = '\0';
}

/* ---- a small reader for the flat JSON objects of the report ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* Reads a JSON string at p (at the opening quote) into out; returns the
 * position after the closing quote, or NULL. */
static const char *read_string(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				c = '?';
				for (int i = 0; i < 4 && p[1]; i++)
					p++;
				break;
			case '\0': return NULL;
			default: c = *p; break;
			}
		}
		if (n + 1 < cap)
			out[n++] = c;
	}
	if (cap)
		out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

static const char *read_finding(const char *p, struct rfinding *f)
{
	memset(f, 0, sizeof *f);
	if (*p != '{')
		return NULL;
	p = skip_ws(p + 1);
	while (*p == '"') {
		char key[32];
		p = read_string(p, key, sizeof key);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if (*p == '"') {
			char *dst = NULL;
			size_t cap = 0;
			char scratch[8];
			if (!strcmp(key, "rule")) dst = f->rule, cap = sizeof f->rule;
			else if (!strcmp(key, "severity")) dst = f->severity, cap = sizeof f->severity;
			else if (!strcmp(key, "file")) dst = f->file, cap = sizeof f->file;
			else if (!strcmp(key, "message")) dst = f->message, cap = sizeof f->message;
			else if (!strcmp(key, "fix")) dst = f->fix, cap = sizeof f->fix;
			else dst = scratch, cap = sizeof scratch;
			p = read_string(p, dst, cap);
			if (!p)
				return NULL;
		} else {
			char *end;
			long v = strtol(p, &end, 10);
			if (end == p)
				return NULL;
			p = end;
			if (!strcmp(key, "line")) f->line = (int)v;
			else if (!strcmp(key, "column")) f->column = (int)v;
			else if (!strcmp(key, "end_line")) f->end_line = (int)v;
			else if (!strcmp(key, "end_column")) f->end_column = (int)v;
		}
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	return *p == '}' ? p + 1 : NULL;
}

static int summary_number(const char *json, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\": ", key);
	const char *s = strstr(json, "\"summary\"");
	s = s ? strstr(s, pat) : NULL;
	return s ? atoi(s + strlen(pat)) : -1;
}

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void parse_report(const char *json, struct scan_result *r)
{
	const char *p = strstr(json, "\"findings\": [");
	ck_assert_msg(p != NULL, "no findings array in the report:\n%s", json);
	p = skip_ws(p + strlen("\"findings\": ["));
	size_t cap = 0;
	struct strbuf_lite { char *s; size_t len, cap; } lst = { NULL, 0, 0 };
	while (*p == '{') {
		if (r->len == cap) {
			cap = cap ? cap * 2 : 16;
			r->items = realloc(r->items, cap * sizeof *r->items);
		}
		struct rfinding *f = &r->items[r->len];
		p = read_finding(p, f);
		ck_assert_msg(p != NULL, "cannot parse finding %zu of the report:\n%s", r->len, json);
		r->len++;
		char line[1024];
		int n = snprintf(line, sizeof line, "  %s %s %s:%d:%d %s\n", f->rule, f->severity, f->file,
				 f->line, f->column, f->message);
		if (n < 0)
			n = 0;
		if ((size_t)n >= sizeof line)
			n = sizeof line - 1;
		if (lst.len + (size_t)n + 1 > lst.cap) {
			lst.cap = (lst.len + (size_t)n + 1) * 2;
			lst.s = realloc(lst.s, lst.cap);
		}
		memcpy(lst.s + lst.len, line, (size_t)n);
		lst.len += (size_t)n;
		lst.s[lst.len] = '\0';
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	ck_assert_msg(*p == ']', "the findings array does not end with ']':\n%s", json);
	r->listing = lst.s ? lst.s : strdup("  (no findings)\n");
	r->errors = summary_number(json, "errors");
	r->warnings = summary_number(json, "warnings");
	r->notes = summary_number(json, "notes");
}

void scan_tree_args(struct tmptree *t, const char *target, struct scan_result *r, const char *const *extra)
{
	memset(r, 0, sizeof *r);
	char out[600];
	snprintf(out, sizeof out, "%s.json", t->root);
	remove(out);
	const char *argv[32] = { "scan", t->root, "--target", target, "--format", "json", "-j", "1", "-o", out };
	int argc = 10;
	for (size_t i = 0; extra && extra[i] && argc < 31; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	r->rc = cmd_scan(argc, (char **)argv);
	char *json = read_whole(out);
	ck_assert_msg(json != NULL, "archport scan (rc %d) wrote no report to %s", r->rc, out);
	parse_report(json, r);
	free(json);
	remove(out);
}

void scan_tree(struct tmptree *t, const char *target, struct scan_result *r)
{
	scan_tree_args(t, target, r, NULL);
}

void scan_result_free(struct scan_result *r)
{
	free(r->items);
	free(r->listing);
	memset(r, 0, sizeof *r);
}

static int matches(const struct rfinding *f, const char *rule, const char *severity, const char *file,
		   int line)
{
	return (!rule || !strcmp(f->rule, rule)) && (!severity || !strcmp(f->severity, severity)) &&
	       (!file || !strcmp(f->file, file)) && (line == 0 || f->line == line);
}

const struct rfinding *find_finding(const struct scan_result *r, const char *rule, const char *severity,
				    const char *file, int line)
{
	for (size_t i = 0; i < r->len; i++)
		if (matches(&r->items[i], rule, severity, file, line))
			return &r->items[i];
	return NULL;
}

size_t count_findings(const struct scan_result *r, const char *rule, const char *severity, const char *file)
{
	size_t n = 0;
	for (size_t i = 0; i < r->len; i++)
		n += matches(&r->items[i], rule, severity, file, 0);
	return n;
}
