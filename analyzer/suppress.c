/* Inline suppression: `archport: ignore[rule,...]` in a comment on a
 * finding's line, or alone on the line before it, drops that finding from
 * the report (and from the exit status), the way linters' disable comments
 * do. `archport: ignore` with no list drops every rule there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_in.h"
#include "suppress.h"
#include "textfile.h"
#include "util.h"

#define MARKER "archport: ignore"

/* Line `n` (1-based) of the text, or NULL. */
static const char *line_at(const struct textfile *tf, int n, size_t *len)
{
	const char *p = tf->data, *end = tf->data + tf->len;
	for (int i = 1; i < n && p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
	}
	if (n < 1 || p >= end)
		return NULL;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

static const char *find_marker(const char *s, size_t n)
{
	size_t m = strlen(MARKER);
	for (size_t i = 0; i + m <= n; i++)
		if (s[i] == 'a' && memcmp(s + i, MARKER, m) == 0)
			return s + i;
	return NULL;
}

/* Does the marker at `at` (inside s[0..n)) name `rule`? */
static int marker_names(const char *s, size_t n, const char *at, const char *rule)
{
	const char *p = at + strlen(MARKER), *end = s + n;
	if (p >= end || *p != '[')
		return 1;   /* no list: every rule */
	size_t rl = strlen(rule);
	for (p++; p < end && *p != ']';) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *w = p;
		while (p < end && *p != ',' && *p != ']' && *p != ' ')
			p++;
		if ((size_t)(p - w) == rl && memcmp(w, rule, rl) == 0)
			return 1;
	}
	return 0;
}

/* A line that holds only a comment: what precedes the marker is blank or
 * comment punctuation (`//`, `/ *`, `#`, `;`, `--`). */
static int comment_only(const char *s, const char *at)
{
	for (; s < at; s++)
		if (!strchr(" \t/*#;-!", *s))
			return 0;
	return 1;
}

static int suppressed_here(const struct textfile *tf, const struct finding *f)
{
	size_t n;
	const char *s = line_at(tf, f->line, &n);
	const char *at = s ? find_marker(s, n) : NULL;
	if (at && marker_names(s, n, at, f->rule))
		return 1;
	s = line_at(tf, f->line - 1, &n);
	at = s ? find_marker(s, n) : NULL;
	return at && comment_only(s, at) && marker_names(s, n, at, f->rule);
}

size_t suppress_inline(const char *root, struct finding_list *list)
{
	size_t kept = 0, dropped = 0;
	struct textfile tf = { 0 };
	const char *loaded = NULL;   /* the file in tf */
	int readable = 0;
	for (size_t i = 0; i < list->len; i++) {
		struct finding *f = &list->items[i];
		if (!loaded || strcmp(loaded, f->file) != 0) {
			textfile_free(&tf);
			char *path = xasprintf("%s/%s", root, f->file), *why = NULL;
			readable = textfile_read(path, &tf, &why) == 0;
			free(why);
			free(path);
			loaded = f->file;
		}
		if (readable && f->line > 0 && suppressed_here(&tf, f)) {
			dropped++;
			finding_free(f);
			loaded = NULL;   /* its name is gone */
			continue;
		}
		list->items[kept++] = *f;
	}
	textfile_free(&tf);
	list->len = kept;
	return dropped;
}

/* ---- baselines ---- */

char *finding_identity(const char *rule, const char *file, const char *message)
{
	struct strbuf sb = { 0 };
	sb_adds(&sb, rule);
	sb_addc(&sb, '\x1f');
	sb_adds(&sb, file);
	sb_addc(&sb, '\x1f');
	for (const char *m = message; *m; m++) {
		if (*m >= '0' && *m <= '9') {
			while (m[1] >= '0' && m[1] <= '9')
				m++;
			sb_addc(&sb, '#');
		} else {
			sb_addc(&sb, *m);
		}
	}
	return sb_detach(&sb);
}

static void count_key(struct strmap *keys, char *key)
{
	struct strmap_entry *e = strmap_get(keys, key, strlen(key), 1);
	e->value = (void *)((uintptr_t)e->value + 1);
	free(key);
}

/* One object of the "findings" array: its rule, file and message. */
static void read_baseline_finding(struct json *j, struct strmap *keys)
{
	char *rule = NULL, *file = NULL, *message = NULL;
	if (!json_eat(j, '{')) {
		j->bad = 1;
		return;
	}
	if (!json_eat(j, '}')) {
		do {
			char *name = json_string(j);
			if (!name || !json_eat(j, ':')) {
				free(name);
				j->bad = 1;
				break;
			}
			char **slot = !strcmp(name, "rule") ? &rule : !strcmp(name, "file") ? &file
				      : !strcmp(name, "message") ? &message : NULL;
			if (slot && !*slot)
				*slot = json_string(j);
			else
				json_skip(j, 2);
			free(name);
		} while (!j->bad && json_eat(j, ','));
		if (!j->bad && !json_eat(j, '}'))
			j->bad = 1;
	}
	if (!j->bad && rule && file && message)
		count_key(keys, finding_identity(rule, file, message));
	free(rule);
	free(file);
	free(message);
}

static void read_baseline_report(struct json *j, struct baseline *b)
{
	if (!json_eat(j, '{')) {
		j->bad = 1;
		return;
	}
	do {
		char *name = json_string(j);
		if (!name || !json_eat(j, ':')) {
			free(name);
			j->bad = 1;
			return;
		}
		if (!strcmp(name, "findings") && json_eat(j, '[')) {
			b->seen_findings = 1;
			if (!json_eat(j, ']')) {
				do
					read_baseline_finding(j, &b->keys);
				while (!j->bad && json_eat(j, ','));
				if (!j->bad && !json_eat(j, ']'))
					j->bad = 1;
			}
		} else {
			json_skip(j, 1);
		}
		free(name);
	} while (!j->bad && json_eat(j, ','));
}

int baseline_load(const char *path, struct baseline *b)
{
	struct textfile tf = { 0 };
	char *why = NULL;
	memset(b, 0, sizeof *b);
	if (textfile_read(path, &tf, &why) != 0) {
		fprintf(stderr, "archport scan: --baseline %s: %s\n", path, why ? why : "cannot read it");
		free(why);
		return -1;
	}
	struct json j = { tf.data, tf.data + tf.len, 0 };
	read_baseline_report(&j, b);
	textfile_free(&tf);
	if (j.bad || !b->seen_findings) {
		fprintf(stderr, "archport scan: --baseline %s: not an archport JSON report (`archport scan --format json`)\n",
			path);
		strmap_free(&b->keys, NULL);
		return -1;
	}
	return 0;
}

size_t baseline_filter(struct baseline *b, struct finding_list *list)
{
	size_t kept = 0, known = 0;
	for (size_t i = 0; i < list->len; i++) {
		struct finding *f = &list->items[i];
		char *key = finding_identity(f->rule, f->file, f->message);
		struct strmap_entry *e = strmap_get(&b->keys, key, strlen(key), 0);
		free(key);
		if (e && (uintptr_t)e->value > 0) {
			e->value = (void *)((uintptr_t)e->value - 1);
			known++;
			finding_free(f);
			continue;
		}
		list->items[kept++] = *f;
	}
	list->len = kept;
	return known;
}

void baseline_free(struct baseline *b)
{
	strmap_free(&b->keys, NULL);
}
