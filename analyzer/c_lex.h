/* A C/C++ lexer that knows comments, strings, character literals, raw
 * strings and line splices. Tokens point into the source; nothing is
 * copied. It never fails: malformed input ends a token early and is
 * recorded in `problem` so the caller can tell the user. */
#ifndef ARCHPORT_C_LEX_H
#define ARCHPORT_C_LEX_H

#include <stddef.h>

enum tok_kind {
	T_EOF,
	T_IDENT,
	T_NUMBER,
	T_STRING,    /* including prefix: L"", u8"", R"x()x" */
	T_CHAR,
	T_PUNCT,
	T_HASH,      /* '#' that starts a directive line */
	T_NEWLINE,   /* end of a directive line (only inside directives) */
};

struct token {
	enum tok_kind kind;
	const char *p;
	size_t len;
	int line, col;
};

struct lexer {
	const char *src, *p, *end;
	int line;
	const char *line_start;
	int bol;            /* only whitespace/comments since the last newline */
	int in_directive;
	const char *problem;     /* first malformed construct, static text */
	int problem_line;
};

void lex_init(struct lexer *lx, const char *src, size_t len);
/* Returns the kind of the token stored in *t. */
enum tok_kind lex_next(struct lexer *lx, struct token *t);
/* Skips to the end of the current directive line (after T_HASH). */
void lex_skip_directive(struct lexer *lx);
/* The current line's text bounds for the line containing `at`. */
void lex_line_bounds(const char *src, const char *end, const char *at,
		     const char **start, size_t *len);

#include "util.h"
static inline int tok_is(const struct token *t, const char *s)
{
	return mem_eq(t->p, t->len, s);
}

static inline int tok_punct(const struct token *t, char c)
{
	return t->kind == T_PUNCT && t->len == 1 && t->p[0] == c;
}

/* Decodes a string literal token (with adjacent escapes) and appends the
 * bytes to `out`. Handles prefixes and raw strings. */
struct strbuf;
void string_literal_value(const struct token *t, struct strbuf *out);
/* Decodes the escape after a backslash (\n, \101, \x41, ...) into *value;
 * returns the bytes it takes. */
size_t c_decode_escape(const char *p, const char *end, unsigned *value);

#endif
