/* A small JSON reader: a cursor over a buffer, with a sticky error flag. */
#ifndef ARCHPORT_JSON_IN_H
#define ARCHPORT_JSON_IN_H

struct json {
	const char *p, *end;
	int bad;
};

void json_ws(struct json *j);
/* Skips white space; consumes `c` and returns 1 when it comes next. */
int json_eat(struct json *j, char c);
/* A string value (the caller frees it); non-ASCII \u escapes become '?'. */
char *json_string(struct json *j);
/* Skips one value of any kind (nesting bounded). */
void json_skip(struct json *j, int depth);

#endif
