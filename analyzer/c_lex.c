#include <string.h>
#include "c_lex.h"
#include "util.h"

void lex_init(struct lexer *lx, const char *src, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->src = lx->p = lx->line_start = src;
	lx->end = src + len;
	lx->line = 1;
	lx->bol = 1;
}

static void note_problem(struct lexer *lx, const char *what, int line)
{
	if (!lx->problem) {
		lx->problem = what;
		lx->problem_line = line;
	}
}

static void newline_at(struct lexer *lx, const char *nl)
{
	lx->line++;
	lx->line_start = nl + 1;
}

/* Backslash-newline (or backslash-CR-LF) at p: returns its length, else 0. */
static size_t splice_len(const struct lexer *lx, const char *p)
{
	if (p >= lx->end || *p != '\\')
		return 0;
	if (p + 1 < lx->end && p[1] == '\n')
		return 2;
	if (p + 2 < lx->end && p[1] == '\r' && p[2] == '\n')
		return 3;
	return 0;
}

static void skip_block_comment(struct lexer *lx)
{
	int start_line = lx->line;
	const char *p = lx->p + 2;
	while (p < lx->end) {
		if (*p == '*' && p + 1 < lx->end && p[1] == '/') {
			lx->p = p + 2;
			return;
		}
		if (*p == '\n')
			newline_at(lx, p);
		p++;
	}
	note_problem(lx, "unterminated comment", start_line);
	lx->p = lx->end;
}

/* A line comment ends at a newline that is not spliced. */
static void skip_line_comment(struct lexer *lx)
{
	const char *p = lx->p + 2;
	while (p < lx->end && *p != '\n') {
		size_t s = splice_len(lx, p);
		if (s) {
			newline_at(lx, p + s - 1);
			p += s;
			continue;
		}
		p++;
	}
	lx->p = p;
}

/* Skips whitespace, comments and splices. Returns 1 when it stopped at a
 * newline that ends a directive (not consumed). */
static int skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		size_t s;
		if (c == '\n') {
			if (lx->in_directive)
				return 1;
			newline_at(lx, lx->p);
			lx->p++;
			lx->bol = 1;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if ((s = splice_len(lx, lx->p)) != 0) {
			newline_at(lx, lx->p + s - 1);
			lx->p += s;
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			skip_block_comment(lx);
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			skip_line_comment(lx);
		} else {
			return 0;
		}
	}
	return 0;
}

/* Inline: the lexer asks this for every byte of a tree. */
static inline int is_ident_start(unsigned char c)
{
	return (unsigned)((c | 32) - 'a') < 26 || c == '_' || c == '$' || c >= 0x80;
}

static inline int is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (unsigned)(c - '0') < 10;
}

/* Quoted literal body after the opening quote; stops at the closing quote
 * or, unterminated, at an unspliced newline. */
static const char *scan_quoted(struct lexer *lx, const char *p, char quote)
{
	int start_line = lx->line;
	while (p < lx->end) {
		if (*p == quote)
			return p + 1;
		if (*p == '\\' && p + 1 < lx->end) {
			size_t s = splice_len(lx, p);
			if (s)
				newline_at(lx, p + s - 1);
			p += s ? s : 2;
			continue;
		}
		if (*p == '\n')
			break;
		p++;
	}
	note_problem(lx, quote == '"' ? "unterminated string" : "unterminated character literal",
		     start_line);
	return p;
}

/* R"delim( ... )delim"; p points at the opening quote. */
static const char *scan_raw_string(struct lexer *lx, const char *p)
{
	const char *d = p + 1;
	const char *paren = d;
	while (paren < lx->end && *paren != '(' && paren - d < 16 && *paren != '\n')
		paren++;
	if (paren >= lx->end || *paren != '(')
		return scan_quoted(lx, p + 1, '"');
	size_t dlen = (size_t)(paren - d);
	int start_line = lx->line;
	for (const char *q = paren + 1; q < lx->end; q++) {
		if (*q == '\n')
			newline_at(lx, q);
		else if (*q == ')' && (size_t)(lx->end - q) > dlen + 1 &&
			 memcmp(q + 1, d, dlen) == 0 && q[1 + dlen] == '"')
			return q + 2 + dlen;
	}
	note_problem(lx, "unterminated raw string", start_line);
	return lx->end;
}

/* String/char prefixes: L u U u8, optionally followed by R for raw. */
static int literal_prefix(const char *p, const char *end, size_t *plen, int *raw)
{
	size_t n = 0;
	if (p < end && (*p == 'L' || *p == 'U'))
		n = 1;
	else if (p < end && *p == 'u')
		n = (p + 1 < end && p[1] == '8') ? 2 : 1;
	*raw = 0;
	if (p + n < end && p[n] == 'R') {
		*raw = 1;
		n++;
	}
	if (p + n < end && (p[n] == '"' || (p[n] == '\'' && !*raw))) {
		*plen = n;
		return 1;
	}
	return 0;
}

static const char *scan_number(const struct lexer *lx, const char *p)
{
	while (p < lx->end) {
		char c = *p;
		if ((c == '+' || c == '-') && (p[-1] == 'e' || p[-1] == 'E' || p[-1] == 'p' || p[-1] == 'P'))
			p++;
		else if (is_ident_char((unsigned char)c) || c == '.' || c == '\'')
			p++;
		else
			break;
	}
	return p;
}

static const char *scan_punct(const struct lexer *lx, const char *p)
{
	static const char *three[] = { "<<=", ">>=", "...", "->*", "<=>" };
	static const char *two[] = { "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
		"&&", "||", "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", "::", ".*" };
	size_t left = (size_t)(lx->end - p);
	for (size_t i = 0; left >= 3 && i < sizeof three / sizeof *three; i++)
		if (memcmp(p, three[i], 3) == 0)
			return p + 3;
	for (size_t i = 0; left >= 2 && i < sizeof two / sizeof *two; i++)
		if (memcmp(p, two[i], 2) == 0)
			return p + 2;
	return p + 1;
}

static enum tok_kind finish(struct lexer *lx, struct token *t, enum tok_kind kind,
			    const char *start, const char *end, int line, int col)
{
	t->kind = kind;
	t->p = start;
	t->len = (size_t)(end - start);
	t->line = line;
	t->col = col;
	lx->p = end;
	return kind;
}

enum tok_kind lex_next(struct lexer *lx, struct token *t)
{
	if (skip_space(lx)) {
		int col = (int)(lx->p - lx->line_start) + 1;
		const char *nl = lx->p;
		lx->in_directive = 0;
		newline_at(lx, nl);
		lx->bol = 1;
		finish(lx, t, T_NEWLINE, nl, nl + 1, lx->line - 1, col);
		return T_NEWLINE;
	}
	const char *p = lx->p;
	int line = lx->line, col = (int)(p - lx->line_start) + 1;
	if (p >= lx->end) {
		if (lx->in_directive) {   /* a directive at EOF without newline */
			lx->in_directive = 0;
			return finish(lx, t, T_NEWLINE, p, p, line, col);
		}
		return finish(lx, t, T_EOF, p, p, line, col);
	}
	int bol = lx->bol;
	lx->bol = 0;
	unsigned char c = (unsigned char)*p;
	size_t plen;
	int raw;
	if (c == '#' && bol && !lx->in_directive) {
		lx->in_directive = 1;
		return finish(lx, t, T_HASH, p, p + 1, line, col);
	}
	if (literal_prefix(p, lx->end, &plen, &raw)) {
		const char *q = p + plen;
		const char *e = raw ? scan_raw_string(lx, q)
				    : scan_quoted(lx, q + 1, *q);
		return finish(lx, t, *q == '"' ? T_STRING : T_CHAR, p, e, line, col);
	}
	if (is_ident_start(c)) {
		const char *q = p + 1;
		for (;;) {
			size_t sp;
			if (q < lx->end && is_ident_char((unsigned char)*q)) {
				q++;
			} else if ((sp = splice_len(lx, q)) != 0 && q + sp < lx->end &&
				   is_ident_char((unsigned char)q[sp])) {
				newline_at(lx, q + sp - 1);   /* phase 2 joins the lines */
				q += sp;
			} else {
				break;
			}
		}
		return finish(lx, t, T_IDENT, p, q, line, col);
	}
	if ((c >= '0' && c <= '9') || (c == '.' && p + 1 < lx->end && p[1] >= '0' && p[1] <= '9'))
		return finish(lx, t, T_NUMBER, p, scan_number(lx, p + 1), line, col);
	if (c == '"' || c == '\'')
		return finish(lx, t, c == '"' ? T_STRING : T_CHAR, p,
			      scan_quoted(lx, p + 1, (char)c), line, col);
	return finish(lx, t, T_PUNCT, p, scan_punct(lx, p), line, col);
}

void lex_skip_directive(struct lexer *lx)
{
	struct token t;
	while (lx->in_directive && lex_next(lx, &t) != T_NEWLINE && t.kind != T_EOF)
		;
}

void lex_line_bounds(const char *src, const char *end, const char *at,
		     const char **start, size_t *len)
{
	const char *s = at, *e = at;
	while (s > src && s[-1] != '\n')
		s--;
	while (e < end && *e != '\n')
		e++;
	if (e > s && e[-1] == '\r')
		e--;
	*start = s;
	*len = (size_t)(e - s);
}

size_t c_decode_escape(const char *p, const char *end, unsigned *value)
{
	/* p points after the backslash; returns the bytes consumed */
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v";
	if (p >= end)
		return 0;
	for (size_t i = 0; simple[i]; i += 2)
		if (*p == simple[i]) {
			*value = (unsigned char)simple[i + 1];
			return 1;
		}
	if (*p >= '0' && *p <= '7') {
		unsigned v = 0;
		size_t n = 0;
		while (n < 3 && p + n < end && p[n] >= '0' && p[n] <= '7')
			v = v * 8 + (unsigned)(p[n++] - '0');
		*value = v & 0xff;
		return n;
	}
	if (*p == 'x') {
		unsigned v = 0;
		size_t n = 1;
		for (; p + n < end; n++) {
			char c = p[n];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			v = v * 16 + (unsigned)d;
		}
		*value = v & 0xff;
		return n;
	}
	*value = (unsigned char)*p;   /* \\ \' \" \? and unknown escapes */
	return 1;
}

static size_t decode_escape(const char *p, const char *end, struct strbuf *out)
{
	if (p < end && *p == '\n')
		return 1;   /* a splice inside a string */
	if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
		return 2;
	unsigned v;
	size_t n = c_decode_escape(p, end, &v);
	if (n)
		sb_addc(out, (char)v);
	return n;
}

void string_literal_value(const struct token *t, struct strbuf *out)
{
	const char *p = t->p, *end = t->p + t->len;
	size_t plen = 0;
	int raw = 0;
	literal_prefix(p, end, &plen, &raw);
	p += plen;
	if (p >= end || *p != '"')
		return;
	p++;
	if (raw) {
		const char *paren = memchr(p, '(', (size_t)(end - p));
		if (!paren)
			return;
		size_t dlen = (size_t)(paren - p);
		const char *stop = end - 1 - dlen - 1;   /* the closing ')' */
		if (stop > paren)
			sb_add(out, paren + 1, (size_t)(stop - paren - 1));
		return;
	}
	if (end > p && end[-1] == '"')
		end--;
	while (p < end) {
		if (*p == '\\') {
			size_t n = decode_escape(p + 1, end, out);
			p += 1 + n;
		} else {
			sb_addc(out, *p++);
		}
	}
}
