/* A small JSON reader for the files archport reads back: compile
 * databases and its own reports (--baseline). */
#include <stdlib.h>
#include <string.h>
#include "json_in.h"
#include "util.h"


void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

int json_eat(struct json *j, char c)
{
	json_ws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return 1;
	}
	return 0;
}

/* A string value (the caller frees it); non-ASCII \u escapes become '?'. */
char *json_string(struct json *j)
{
	json_ws(j);
	if (j->p >= j->end || *j->p != '"') {
		j->bad = 1;
		return NULL;
	}
	struct strbuf sb = {0};
	sb_add(&sb, "", 0);
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		if (*j->p != '\\') {
			sb_addc(&sb, *j->p);
			continue;
		}
		if (++j->p >= j->end)
			break;
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = strchr(from, *j->p);
		if (*j->p == 'u' && j->end - j->p > 4) {
			unsigned v = (unsigned)strtoul((char[5]){ j->p[1], j->p[2], j->p[3], j->p[4], 0 }, NULL, 16);
			sb_addc(&sb, v < 0x80 ? (char)v : '?');
			j->p += 4;
		} else if (k && *j->p) {
			sb_addc(&sb, to[k - from]);
		}
	}
	if (j->p >= j->end) {
		j->bad = 1;
		sb_free(&sb);
		return NULL;
	}
	j->p++;
	return sb_detach(&sb);
}

void json_skip(struct json *j, int depth)
{
	json_ws(j);
	if (j->p >= j->end || depth > 64) {
		j->bad = 1;
		return;
	}
	char c = *j->p;
	if (c == '"') {
		free(json_string(j));
	} else if (c == '[' || c == '{') {
		j->p++;
		char close = c == '[' ? ']' : '}';
		if (json_eat(j, close))
			return;
		do {
			if (c == '{') {
				free(json_string(j));
				if (!json_eat(j, ':'))
					j->bad = 1;
			}
			json_skip(j, depth + 1);
		} while (!j->bad && json_eat(j, ','));
		if (!json_eat(j, close))
			j->bad = 1;
	} else {
		while (j->p < j->end && !strchr(",]} \n\t\r", *j->p))
			j->p++;
	}
}
