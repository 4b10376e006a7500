/* Build log parsing: one pass over the lines, each classified by the shape
 * its tool prints (see build_diag.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "build_diag.h"
#include "util.h"

#define MAX_DIRS 16

struct log_state {
	struct diag_list *out;
	const char *dirs[MAX_DIRS];  /* make's directory stack, into the log text copy */
	int ndirs;
	const char *cwd;
	struct diag *rust;           /* a rustc error waiting for its "-->" line */
};

static const char *current_dir(const struct log_state *st)
{
	return st->ndirs ? st->dirs[st->ndirs - 1] : st->cwd;
}

static char *absolute(const struct log_state *st, const char *path, size_t n)
{
	const char *dir = current_dir(st);
	char *joined = path[0] == '/' || !dir ? xstrndup(path, n) : xasprintf("%s/%.*s", dir, (int)n, path);
	path_fold(joined);
	return joined;
}

static int same_diag(const struct diag *a, const struct diag *b)
{
	return a->kind == b->kind && a->line == b->line && !strcmp(a->message, b->message) &&
	       !strcmp(a->file ? a->file : "", b->file ? b->file : "") &&
	       !strcmp(a->symbol ? a->symbol : "", b->symbol ? b->symbol : "");
}

/* Takes ownership of the strings; drops a repeat (make -k prints a header
 * error once per includer). Returns the stored record or NULL. */
static struct diag *add(struct log_state *st, enum diag_kind kind, char *file, int line, int col, char *msg,
			char *symbol)
{
	struct diag d = { kind, file, line, col, msg, symbol };
	for (size_t i = 0; i < st->out->len; i++)
		if (same_diag(&st->out->v[i], &d)) {
			free(file), free(msg), free(symbol);
			return NULL;
		}
	GROW(st->out->v, st->out->len, st->out->cap);
	st->out->v[st->out->len] = d;
	return &st->out->v[st->out->len++];
}

/* "path:12:5" or "path:12" ending at `end`: the path's length and the
 * numbers, or 0 when the text has no such shape. */
static size_t split_location(const char *s, const char *end, int *line, int *col)
{
	const char *p = end;
	int nums[2] = { 0, 0 }, k = 0;
	while (k < 2 && p > s) {
		const char *q = p;
		while (q > s && isdigit((unsigned char)q[-1]))
			q--;
		if (q == p || q == s || q[-1] != ':')
			break;
		nums[k++] = atoi(q);
		p = q - 1;
	}
	if (!k || p == s)
		return 0;
	*line = k == 2 ? nums[1] : nums[0];
	*col = k == 2 ? nums[0] : 0;
	return (size_t)(p - s);
}

static char *rest_of(const char *s, const char *end)
{
	while (s < end && *s == ' ')
		s++;
	return xstrndup(s, (size_t)(end - s));
}

/* "file:line:col: error: msg", "file:line: Error: msg" (GNU as), and a
 * driver's "gcc: error: msg" without a position. */
static int parse_error_line(struct log_state *st, const char *s, const char *end)
{
	static const struct { const char *mark; enum diag_kind kind; } marks[] = {
		{ ": fatal error: ", DIAG_COMPILE }, { ": error: ", DIAG_COMPILE }, { ": Error: ", DIAG_ASSEMBLER },
	};
	for (size_t m = 0; m < sizeof marks / sizeof *marks; m++) {
		const char *hit = memmem(s, (size_t)(end - s), marks[m].mark, strlen(marks[m].mark));
		if (!hit)
			continue;
		int line = 0, col = 0;
		size_t plen = split_location(s, hit, &line, &col);
		char *msg = rest_of(hit + strlen(marks[m].mark), end);
		if (strstr(msg, "ld returned ")) {   /* collect2's echo of the linker's errors */
			free(msg);
			return 1;
		}
		char *file = plen ? absolute(st, s, plen) : NULL;
		add(st, marks[m].kind, file, line, col, msg, NULL);
		return 1;
	}
	return 0;
}

/* ld: "[path:line: ]undefined reference to `sym'" (the position when the
 * object has debug info; else "obj.o:(.text+0x1c)"). */
static int parse_link_line(struct log_state *st, const char *s, const char *end)
{
	static const char mark[] = "undefined reference to `";
	const char *hit = memmem(s, (size_t)(end - s), mark, sizeof mark - 1);
	const char *lib = memmem(s, (size_t)(end - s), "ld: cannot find ", 16);
	if (lib) {   /* a library the target's sysroot lacks */
		add(st, DIAG_LINK, NULL, 0, 0, rest_of(lib + 4, end), NULL);
		return 1;
	}
	if (!hit)
		return 0;
	const char *sym = hit + sizeof mark - 1;
	const char *q = memchr(sym, '\'', (size_t)(end - sym));
	int line = 0, col = 0;
	const char *colon = hit;
	while (colon > s && colon[-1] == ' ')
		colon--;
	size_t plen = colon > s && colon[-1] == ':' ? split_location(s, colon - 1, &line, &col) : 0;
	add(st, DIAG_LINK, plen ? absolute(st, s, plen) : NULL, line, 0, rest_of(hit, end),
	    xstrndup(sym, q ? (size_t)(q - sym) : (size_t)(end - sym)));
	return 1;
}

/* rustc: "error[E0432]: msg" then "  --> src/lib.rs:4:5". */
static int parse_rust_lines(struct log_state *st, const char *s, const char *end)
{
	const char *p = s;
	while (p < end && *p == ' ')
		p++;
	if (st->rust && end - p > 4 && !strncmp(p, "--> ", 4)) {
		int line = 0, col = 0;
		size_t plen = split_location(p + 4, end, &line, &col);
		if (plen) {
			st->rust->file = absolute(st, p + 4, plen);
			st->rust->line = line;
			st->rust->column = col;
		}
		st->rust = NULL;
		return 1;
	}
	if (strncmp(s, "error", 5) || (s[5] != '[' && s[5] != ':'))
		return 0;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	char *msg = rest_of(colon + 1, end);
	if (strstr(msg, "could not compile") || strstr(msg, "aborting due to")) {
		free(msg);
		return 1;
	}
	st->rust = add(st, DIAG_RUST, NULL, 0, 0, msg, NULL);
	return 1;
}

/* make: "make[1]: Entering directory '/x'", "make: *** [Makefile:5: a.o] Error 1". */
static int parse_make_line(struct log_state *st, const char *s, const char *end)
{
	if (strncmp(s, "make", 4) || !(s[4] == ':' || s[4] == '['))
		return 0;
	const char *enter = memmem(s, (size_t)(end - s), "Entering directory ", 19);
	const char *leave = memmem(s, (size_t)(end - s), "Leaving directory ", 18);
	const char *fail = memmem(s, (size_t)(end - s), "*** [", 5);
	if (enter && st->ndirs < MAX_DIRS) {
		const char *d = enter + 20;   /* past the opening quote */
		st->dirs[st->ndirs++] = xstrndup(d, end > d && (end[-1] == '\'' || end[-1] == '`') ? (size_t)(end - 1 - d) : (size_t)(end - d));
	} else if (leave && st->ndirs) {
		free((char *)st->dirs[--st->ndirs]);
	} else if (!fail && (memmem(s, (size_t)(end - s), ": No such file or directory", 27) ||
			     memmem(s, (size_t)(end - s), ": Command not found", 19))) {
		/* "make: aarch64-linux-gnu-g++: No such file or directory": a tool is missing */
		const char *what = memchr(s, ':', (size_t)(end - s));
		add(st, DIAG_COMPILE, NULL, 0, 0, rest_of(what + 1, end), NULL);
	} else if (fail) {
		const char *b = fail + 5, *e = memchr(b, ']', (size_t)(end - b));
		if (!e)
			return 1;
		const char *t = b;   /* "Makefile:5: a.o" or just "a.o" */
		for (const char *q = b; q + 1 < e; q++)
			if (q[0] == ':' && q[1] == ' ')
				t = q + 2;
		add(st, DIAG_FAILED, NULL, 0, 0, rest_of(fail, end), absolute(st, t, (size_t)(e - t)));
	}
	return 1;
}

void diag_parse(const char *log, const char *cwd, struct diag_list *out)
{
	struct log_state st = { .out = out, .cwd = cwd };
	for (const char *s = log; s && *s;) {
		const char *end = s + strcspn(s, "\n");
		const char *e = end > s && end[-1] == '\r' ? end - 1 : end;
		int is_command = s[0] == '$' && s[1] == ' ';   /* a log's command line */
		if (!is_command && !parse_make_line(&st, s, e) && !parse_rust_lines(&st, s, e) &&
		    !parse_link_line(&st, s, e))
			parse_error_line(&st, s, e);
		s = *end ? end + 1 : end;
	}
	while (st.ndirs)
		free((char *)st.dirs[--st.ndirs]);
}

void diag_free(struct diag_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->v[i].file);
		free(l->v[i].message);
		free(l->v[i].symbol);
	}
	free(l->v);
	l->v = NULL;
	l->len = l->cap = 0;
}

/* ".file 1 "src/a.c"" (DWARF 5 also has ".file 0 "dir" "a.c""): the name
 * of file number `n`, the last quoted string of its directive. */
static char *file_name(const char *s_text, int n)
{
	char *found = NULL;
	for (const char *l = s_text; *l; l += strcspn(l, "\n"), l += *l == '\n') {
		const char *p = l + strspn(l, " \t");
		if (strncmp(p, ".file", 5) || (p[5] != ' ' && p[5] != '\t'))
			continue;
		char *e;
		long num = strtol(p + 6, &e, 10);
		if (e == p + 6 || num != n)
			continue;
		const char *end = l + strcspn(l, "\n");
		const char *q2 = end;
		while (q2 > e && *q2 != '"')
			q2--;
		const char *q1 = q2 > e ? q2 - 1 : e;
		while (q1 > e && *q1 != '"')
			q1--;
		if (q2 > q1 && *q1 == '"') {
			free(found);
			found = xstrndup(q1 + 1, (size_t)(q2 - q1 - 1));
		}
	}
	return found;
}

int diag_asm_source(const char *s_text, int s_line, char **file, int *line)
{
	int fileno = -1, srcline = 0, n = 1;
	for (const char *l = s_text; *l && n < s_line; l += strcspn(l, "\n"), l += *l == '\n', n++) {
		const char *p = l + strspn(l, " \t");
		if (strncmp(p, ".loc", 4) || (p[4] != ' ' && p[4] != '\t'))
			continue;
		char *e;
		long f = strtol(p + 5, &e, 10);
		long ln = strtol(e, NULL, 10);
		if (f > 0 && ln > 0)
			fileno = (int)f, srcline = (int)ln;
	}
	if (fileno < 0)
		return -1;
	*file = file_name(s_text, fileno);
	*line = srcline;
	return *file ? 0 : -1;
}
