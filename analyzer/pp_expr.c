#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "pp_expr.h"
#include "util.h"

/* Expansion turns the directive text into a flat list of values and
 * operators; a recursive-descent parser then folds it. */
enum item_kind { I_NUM, I_UNKNOWN, I_OP, I_END };

struct item {
	enum item_kind kind;
	long long v;
	int uns;            /* unsigned: a `u` suffix or too big for intmax */
	char op[4];
};

struct items {
	struct item *v;
	size_t len, cap;
	size_t pos;
};

struct value {
	int known;
	long long v;
	int uns;
};

#define MAX_EXPANSION_DEPTH 32
#define MAX_ITEMS 100000

static void push_item(struct items *it, enum item_kind kind, long long v, const char *op, size_t oplen)
{
	if (it->len >= MAX_ITEMS)
		return;
	GROW(it->v, it->len, it->cap);
	struct item *i = &it->v[it->len++];
	i->kind = kind;
	i->v = v;
	i->uns = 0;
	i->op[0] = '\0';
	if (op) {
		size_t n = oplen < 3 ? oplen : 3;
		memcpy(i->op, op, n);
		i->op[n] = '\0';
	}
}

static long long parse_number(const struct token *t, int *ok, int *uns)
{
	char buf[64];
	size_t n = t->len < sizeof buf - 1 ? t->len : sizeof buf - 1, j = 0;
	for (size_t i = 0; i < n; i++)
		if (t->p[i] != '\'')
			buf[j++] = t->p[i];
	buf[j] = '\0';
	char *end;
	int base = 10;
	const char *s = buf;
	if (buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B')) {
		base = 2;
		s = buf + 2;
	}
	unsigned long long v = strtoull(s, &end, base == 2 ? 2 : 0);
	*uns = v > (unsigned long long)INT64_MAX;
	for (; *end == 'u' || *end == 'U' || *end == 'l' || *end == 'L'; end++)
		if (*end == 'u' || *end == 'U')
			*uns = 1;
	*ok = *end == '\0' && end != s;
	return (long long)v;
}

/* The value of a character constant such as 'a', '\n', '\101', '\x41'. */
static long long char_value(const struct token *t)
{
	const char *p = memchr(t->p, '\'', t->len), *end = t->p + t->len;
	if (!p || p + 1 >= end)
		return 0;
	if (p[1] != '\\')
		return (unsigned char)p[1];
	unsigned v = 0;
	c_decode_escape(p + 2, end, &v);
	return v;
}

struct expander {
	struct pp_env *env;
	struct items *out;
	struct token active[MAX_EXPANSION_DEPTH];   /* macros being expanded */
	int nactive;
	long budget;                                /* items left to produce */
};

static void expand_text(struct expander *x, const char *text, size_t len, int depth);

/* `defined X` or `defined ( X )` */
static void expand_defined(struct expander *x, struct lexer *lx)
{
	struct token t;
	lex_next(lx, &t);
	int paren = tok_punct(&t, '(');
	if (paren)
		lex_next(lx, &t);
	if (t.kind != T_IDENT) {
		push_item(x->out, I_UNKNOWN, 0, NULL, 0);
		return;
	}
	if (x->env->is_arch_name && x->env->is_arch_name(x->env->self, t.p, t.len))
		x->env->touched_arch = 1;
	enum tri d = x->env->defined(x->env->self, t.p, t.len);
	push_item(x->out, d == TRI_UNKNOWN ? I_UNKNOWN : I_NUM, d == TRI_TRUE, NULL, 0);
	if (paren)
		lex_next(lx, &t);   /* the ')' */
}

/* Skips a balanced parenthesised argument list; returns its inner text. */
static int skip_parens(struct lexer *lx, const char **start, size_t *len)
{
	struct token t;
	if (lex_next(lx, &t) != T_PUNCT || !tok_punct(&t, '('))
		return 0;
	const char *s = lx->p;
	int depth = 1;
	const char *e = s;
	while (depth > 0 && lex_next(lx, &t) != T_EOF) {
		if (tok_punct(&t, '('))
			depth++;
		else if (tok_punct(&t, ')'))
			depth--;
		e = t.p;
	}
	*start = s;
	*len = (size_t)(e - s);
	return depth == 0;
}

static void expand_has_include(struct expander *x, struct lexer *lx)
{
	const char *s;
	size_t n;
	if (!skip_parens(lx, &s, &n) || !x->env->has_include) {
		push_item(x->out, I_UNKNOWN, 0, NULL, 0);
		return;
	}
	while (n && (*s == ' ' || *s == '<' || *s == '"')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '>' || s[n - 1] == '"'))
		n--;
	enum tri r = x->env->has_include(x->env->self, s, n);
	push_item(x->out, r == TRI_UNKNOWN ? I_UNKNOWN : I_NUM, r == TRI_TRUE, NULL, 0);
}

/* __has_builtin(__builtin_ia32_*) is false off x86; everything else the
 * compiler answers is unknown to us. */
static void expand_has_feature(struct expander *x, struct lexer *lx, const struct token *name)
{
	const char *s;
	size_t n;
	int ok = skip_parens(lx, &s, &n);
	if (ok && tok_is(name, "__has_builtin") && n > 15 && memcmp(s, "__builtin_ia32_", 15) == 0 &&
	    x->env->defined(x->env->self, "__x86_64__", 10) == TRI_FALSE &&
	    x->env->defined(x->env->self, "__i386__", 8) == TRI_FALSE) {
		push_item(x->out, I_NUM, 0, NULL, 0);
		return;
	}
	push_item(x->out, I_UNKNOWN, 0, NULL, 0);
}

/* Is the body one identifier? `#define XXH_HAS_INCLUDE __has_include` or
 * `#define F G` with G function-like: the name stands for that identifier
 * where it is used, so `XXH_HAS_INCLUDE(<arm_neon.h>)` takes its
 * parenthesised arguments from the text that follows the use. */
static int single_identifier(const char *body, struct token *out)
{
	struct lexer bl;
	struct token end;
	lex_init(&bl, body, strlen(body));
	return lex_next(&bl, out) == T_IDENT && lex_next(&bl, &end) == T_EOF;
}

static void expand_ident(struct expander *x, struct lexer *lx, const struct token *t, int depth)
{
	if (tok_is(t, "defined")) {
		expand_defined(x, lx);
		return;
	}
	if (tok_is(t, "__has_include") || tok_is(t, "__has_include_next")) {
		expand_has_include(x, lx);
		return;
	}
	if (t->len > 6 && memcmp(t->p, "__has_", 6) == 0) {
		expand_has_feature(x, lx, t);
		return;
	}
	if (x->env->is_arch_name && x->env->is_arch_name(x->env->self, t->p, t->len))
		x->env->touched_arch = 1;
	enum tri d = x->env->defined(x->env->self, t->p, t->len);
	if (d == TRI_FALSE) {
		push_item(x->out, I_NUM, 0, NULL, 0);
		return;
	}
	int function_like = 0;
	const char *body = d == TRI_TRUE ? x->env->body(x->env->self, t->p, t->len, &function_like) : NULL;
	if (d == TRI_TRUE && function_like) {
		const char *s;
		size_t n;
		struct lexer save = *lx;
		if (!skip_parens(lx, &s, &n))
			*lx = save;
		push_item(x->out, I_UNKNOWN, 0, NULL, 0);
		return;
	}
	for (int i = 0; i < x->nactive; i++)
		if (x->active[i].len == t->len && memcmp(x->active[i].p, t->p, t->len) == 0) {
			push_item(x->out, I_NUM, 0, NULL, 0);   /* not re-expanded: an identifier, 0 */
			return;
		}
	if (!body || depth >= MAX_EXPANSION_DEPTH || x->budget <= 0) {
		push_item(x->out, I_UNKNOWN, 0, NULL, 0);
		return;
	}
	size_t before = x->out->len;
	x->active[x->nactive++] = *t;
	struct token alias;
	if (single_identifier(body, &alias))
		expand_ident(x, lx, &alias, depth + 1);   /* its arguments follow here */
	else
		expand_text(x, body, strlen(body), depth + 1);
	x->nactive--;
	if (x->out->len == before)   /* defined as nothing: an empty operand */
		push_item(x->out, I_UNKNOWN, 0, NULL, 0);
}

static void expand_text(struct expander *x, const char *text, size_t len, int depth)
{
	struct lexer lx;
	struct token t;
	lex_init(&lx, text, len);
	while (lex_next(&lx, &t) != T_EOF && x->budget-- > 0) {
		int ok;
		switch (t.kind) {
		case T_IDENT:
			expand_ident(x, &lx, &t, depth);
			break;
		case T_NUMBER: {
			int uns;
			long long v = parse_number(&t, &ok, &uns);
			push_item(x->out, ok ? I_NUM : I_UNKNOWN, v, NULL, 0);
			x->out->v[x->out->len - 1].uns = uns;
			break;
		}
		case T_CHAR:
			push_item(x->out, I_NUM, char_value(&t), NULL, 0);
			break;
		case T_PUNCT:
			push_item(x->out, I_OP, 0, t.p, t.len);
			break;
		default:
			push_item(x->out, I_UNKNOWN, 0, NULL, 0);
			break;
		}
	}
}

/* ---- the parser ---- */

struct parser {
	struct items *it;
	int error;
	int depth, too_deep;
};

/* One nesting level more; past PP_MAX_DEPTH the rest of the expression is
 * skipped (pos to the end) so that no caller recurses any further. */
static int enter(struct parser *p)
{
	if (++p->depth <= PP_MAX_DEPTH)
		return 1;
	p->too_deep = p->error = 1;
	p->it->pos = p->it->len;
	return 0;
}

static const struct item *peek(struct parser *p)
{
	static const struct item end = { I_END, 0, 0, "" };
	return p->it->pos < p->it->len ? &p->it->v[p->it->pos] : &end;
}

static int peek_op(struct parser *p, const char *op)
{
	const struct item *i = peek(p);
	return i->kind == I_OP && strcmp(i->op, op) == 0;
}

static struct value known(long long v)
{
	struct value r = { 1, v, 0 };
	return r;
}

static struct value known_uns(unsigned long long v)
{
	struct value r = { 1, (long long)v, 1 };
	return r;
}

static struct value unknown(void)
{
	struct value r = { 0, 0, 0 };
	return r;
}

static struct value parse_cond(struct parser *p);

static struct value parse_primary(struct parser *p)
{
	const struct item *i = peek(p);
	if (i->kind == I_NUM || i->kind == I_UNKNOWN) {
		p->it->pos++;
		if (i->kind == I_UNKNOWN)
			return unknown();
		return i->uns ? known_uns((unsigned long long)i->v) : known(i->v);
	}
	if (peek_op(p, "(")) {
		p->it->pos++;
		if (!enter(p))
			return unknown();
		struct value v = parse_cond(p);
		p->depth--;
		if (peek_op(p, ")"))
			p->it->pos++;
		else
			p->error = 1;
		return v;
	}
	p->error = 1;
	p->it->pos++;
	return unknown();
}

static struct value parse_unary(struct parser *p)
{
	static const char *ops[] = { "!", "~", "-", "+" };
	for (int k = 0; k < 4; k++) {
		if (!peek_op(p, ops[k]))
			continue;
		p->it->pos++;
		if (!enter(p))
			return unknown();
		struct value v = parse_unary(p);
		p->depth--;
		if (!v.known)
			return v;
		struct value r = v;
		switch (k) {
		case 0: return known(!v.v);
		case 1: r.v = ~v.v; return r;
		case 2: r.v = (long long)(0ULL - (unsigned long long)v.v); return r;
		default: return v;
		}
	}
	return parse_primary(p);
}

/* Binary operators by precedence level, lowest first (below && and ||). */
static const char *const levels[][5] = {
	{ "|", NULL }, { "^", NULL }, { "&", NULL }, { "==", "!=", NULL },
	{ "<", ">", "<=", ">=", NULL }, { "<<", ">>", NULL }, { "+", "-", NULL },
	{ "*", "/", "%", NULL },
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

/* The usual arithmetic conversions of #if: intmax_t, or uintmax_t as soon
 * as one operand is unsigned. */
static struct value apply(const char *op, struct value a, struct value b)
{
	if (!a.known || !b.known)
		return unknown();
	int uns = a.uns || b.uns;
	unsigned long long ua = (unsigned long long)a.v, ub = (unsigned long long)b.v;
	struct value r = { 1, 0, uns };
	switch (op[0]) {
	case '|': r.v = a.v | b.v; return r;
	case '^': r.v = a.v ^ b.v; return r;
	case '&': r.v = a.v & b.v; return r;
	case '=': return known(a.v == b.v);
	case '!': return known(a.v != b.v);
	case '+': r.v = (long long)(ua + ub); return r;
	case '-': r.v = (long long)(ua - ub); return r;
	case '*': r.v = (long long)(ua * ub); return r;
	case '/':
	case '%':
		if (b.v == 0 || (!uns && b.v == -1))
			return unknown();
		if (uns)
			r.v = (long long)(op[0] == '/' ? ua / ub : ua % ub);
		else
			r.v = op[0] == '/' ? a.v / b.v : a.v % b.v;
		return r;
	case '<':
		if (op[1] == '<') {   /* the result has the left operand's type */
			r.uns = a.uns;
			r.v = ub >= 64 ? 0 : (long long)(ua << ub);
			return r;
		}
		if (uns)
			return known(op[1] == '=' ? ua <= ub : ua < ub);
		return known(op[1] == '=' ? a.v <= b.v : a.v < b.v);
	case '>':
		if (op[1] == '>') {
			r.uns = a.uns;
			r.v = a.uns ? (long long)(ub >= 64 ? 0 : ua >> ub) : (ub >= 64 ? (a.v < 0 ? -1 : 0) : a.v >> ub);
			return r;
		}
		if (uns)
			return known(op[1] == '=' ? ua >= ub : ua > ub);
		return known(op[1] == '=' ? a.v >= b.v : a.v > b.v);
	}
	return unknown();
}

static struct value parse_level(struct parser *p, int level)
{
	if (level >= NLEVELS)
		return parse_unary(p);
	struct value v = parse_level(p, level + 1);
	for (;;) {
		const char *op = NULL;
		for (int k = 0; levels[level][k]; k++)
			if (peek_op(p, levels[level][k]))
				op = levels[level][k];
		if (!op)
			return v;
		p->it->pos++;
		v = apply(op, v, parse_level(p, level + 1));
	}
}

static struct value parse_and(struct parser *p)
{
	struct value v = parse_level(p, 0);
	while (peek_op(p, "&&")) {
		p->it->pos++;
		struct value r = parse_level(p, 0);
		if ((v.known && !v.v) || (r.known && !r.v))
			v = known(0);
		else if (v.known && r.known)
			v = known(1);
		else
			v = unknown();
	}
	return v;
}

static struct value parse_or(struct parser *p)
{
	struct value v = parse_and(p);
	while (peek_op(p, "||")) {
		p->it->pos++;
		struct value r = parse_and(p);
		if ((v.known && v.v) || (r.known && r.v))
			v = known(1);
		else if (v.known && r.known)
			v = known(0);
		else
			v = unknown();
	}
	return v;
}

static struct value parse_cond(struct parser *p)
{
	struct value c = parse_or(p);
	if (!peek_op(p, "?"))
		return c;
	p->it->pos++;
	if (!enter(p))
		return unknown();
	struct value a = parse_cond(p);
	if (peek_op(p, ":"))
		p->it->pos++;
	else
		p->error = 1;
	struct value b = parse_cond(p);
	p->depth--;
	if (c.known)
		return c.v ? a : b;
	if (a.known && b.known && a.v == b.v)
		return a;
	return unknown();
}

enum tri pp_eval(struct pp_env *env, const char *expr, size_t len)
{
	struct items it = {0};
	struct expander x = { env, &it, {{0}}, 0, MAX_ITEMS };
	env->touched_arch = 0;
	expand_text(&x, expr, len, 0);
	struct parser p = { &it, 0, 0, 0 };
	struct value v = parse_cond(&p);
	if (it.pos != it.len)
		p.error = 1;
	env->too_deep = p.too_deep;
	free(it.v);
	if (p.error || !v.known)
		return TRI_UNKNOWN;
	return v.v ? TRI_TRUE : TRI_FALSE;
}

enum tri tri_and(enum tri a, enum tri b)
{
	if (a == TRI_FALSE || b == TRI_FALSE)
		return TRI_FALSE;
	return a == TRI_TRUE && b == TRI_TRUE ? TRI_TRUE : TRI_UNKNOWN;
}

enum tri tri_or(enum tri a, enum tri b)
{
	if (a == TRI_TRUE || b == TRI_TRUE)
		return TRI_TRUE;
	return a == TRI_FALSE && b == TRI_FALSE ? TRI_FALSE : TRI_UNKNOWN;
}

enum tri tri_not(enum tri a)
{
	return a == TRI_UNKNOWN ? a : a == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
}
