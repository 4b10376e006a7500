/* The target's twin of one C file of an x86 architecture directory: the
 * same declarations, so that the code the build shares between the
 * architectures compiles and links against it, and nothing that only x86
 * can run. Headers keep their include guard, macros (marked TODO where the
 * value is an x86 fact), types (x86-typed members become TODO comments)
 * and prototypes; function definitions keep their signature and trap.
 * Comments that precede a kept construct are kept with it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "stub_internal.h"

struct item {
	int directive;
	size_t first, last;         /* tokens, in `code` or `dir` */
	const char *start, *end;    /* source text */
};

struct twin {
	const struct knowledge *k;
	const char *target, *src, *end;
	int header;
	struct token *code, *dir;   /* code tokens; directive tokens (no '#') */
	size_t ncode, ccap, ndir, dcap;
	struct item *items;
	size_t nitems, icap;
	char *keep_static;          /* [code token]: a static function to keep */
	struct strmap x86_typedefs; /* typedefs of x86 types, commented out */
};

static void push_tok(struct token **v, size_t *n, size_t *cap, const struct token *t)
{
	GROW(*v, *n, *cap);
	(*v)[(*n)++] = *t;
}

static void push_item(struct twin *w, int directive, size_t first, size_t last, const char *s, const char *e)
{
	GROW(w->items, w->nitems, w->icap);
	w->items[w->nitems++] = (struct item){ directive, first, last, s, e };
}

/* Directives become items as they come; code tokens are cut into units
 * later (a directive inside a unit is then part of the unit's text). */
static void lex_twin(struct twin *w)
{
	struct lexer lx;
	struct token t;
	lex_init(&lx, w->src, (size_t)(w->end - w->src));
	while (lex_next(&lx, &t) != T_EOF) {
		if (t.kind != T_HASH) {
			push_tok(&w->code, &w->ncode, &w->ccap, &t);
			continue;
		}
		const char *start = t.p, *stop = w->end;
		size_t first = w->ndir;
		while (lex_next(&lx, &t) != T_EOF && t.kind != T_NEWLINE)
			push_tok(&w->dir, &w->ndir, &w->dcap, &t);
		if (t.kind == T_NEWLINE)
			stop = t.p;
		else if (w->ndir > first)
			stop = w->dir[w->ndir - 1].p + w->dir[w->ndir - 1].len;
		push_item(w, 1, first, w->ndir, start, stop);
	}
}

/* Top-level units of the code tokens: a function definition ends at its
 * body's '}', anything else at its ';'. */
static void find_units(struct twin *w)
{
	size_t start = 0;
	for (size_t i = 0; i < w->ncode; i++) {
		const struct token *t = &w->code[i];
		if (tok_punct(t, '(')) {
			i = stub_matching(w->code, w->ncode, i, '(', ')');
			continue;
		}
		if (!tok_punct(t, '{') && !tok_punct(t, ';'))
			continue;
		size_t last = i;
		if (tok_punct(t, '{')) {
			last = stub_matching(w->code, w->ncode, i, '{', '}');
			int fn = i > start && tok_punct(&w->code[i - 1], ')');
			while (!fn && last + 1 < w->ncode && !tok_punct(&w->code[last], ';'))
				last++;   /* a struct or an initializer goes on to its ';' */
		}
		push_item(w, 0, start, last, w->code[start].p, w->code[last].p + w->code[last].len);
		i = last;
		start = last + 1;
	}
}

static int compare_items(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* ---- what an item becomes ---- */

static int is_asm_kw(const struct token *t)
{
	return tok_is(t, "asm") || tok_is(t, "__asm") || tok_is(t, "__asm__");
}

/* x86 code that the target compiler rejects: asm, x86 types, intrinsics
 * (aarch64's in the reverse port). */
static int x86_token(const struct twin *w, const struct token *t)
{
	if (t->kind != T_IDENT)
		return 0;
	const char *bp = w->k->source->builtin_prefix;
	if (is_asm_kw(t) || (t->len > strlen(bp) && !strncmp(t->p, bp, strlen(bp))))
		return 1;
	const struct x86_name *x = knowledge_name(w->k, t->p, t->len);
	return (x && (x->kinds & (X86_TYPE | X86_INTRINSIC | X86_PORT_IO))) ||
	       strmap_has(&w->x86_typedefs, t->p, t->len);
}

/* Source text as one line, safe inside a comment. */
static void add_flat(struct strbuf *sb, const char *s, const char *e)
{
	int space = 0;
	for (; s < e; s++) {
		if (isspace((unsigned char)*s) || *s == '\\') {
			space = 1;
			continue;
		}
		char prev = sb->len ? sb->buf[sb->len - 1] : ' ';
		/* no "*" "/" (the comment's end) and no "/" "*" (-Wcomment) inside */
		if ((space && prev != ' ') || (*s == '/' && prev == '*') || (*s == '*' && prev == '/'))
			sb_addc(sb, ' ');
		space = 0;
		sb_addc(sb, *s);
	}
}

/* why: "%s macro", with the source arch's name ("x86", "aarch64") for %s */
static void todo_comment(const struct twin *w, struct strbuf *out, const char *why, const char *s, const char *e)
{
	sb_adds(out, "/* TODO(archport): ");
	const char *at = strstr(why, "%s");
	if (at)
		sb_addf(out, "%.*s%s%s: ", (int)(at - why), why, w->k->source->name, at + 2);
	else
		sb_addf(out, "%s: ", why);
	add_flat(out, s, e);
	sb_adds(out, " */");
}

static void define_twin(const struct twin *w, const struct item *it, struct strbuf *out)
{
	const struct token *name = it->first + 1 < it->last ? &w->dir[it->first + 1] : NULL;
	size_t body = it->first + 2;
	int fnlike = name && body < it->last && tok_punct(&w->dir[body], '(') &&
		     w->dir[body].p == name->p + name->len;
	if (fnlike)
		body = stub_matching(w->dir, it->last, body, '(', ')') + 1;
	int x86 = 0;
	for (size_t i = body; i < it->last; i++)
		x86 |= x86_token(w, &w->dir[i]);
	if (!name || body >= it->last) {   /* an include guard, a flag */
		sb_add(out, it->start, (size_t)(it->end - it->start));
	} else if (x86 && fnlike) {
		sb_addf(out, "#define %.*s __builtin_trap()   /* TODO(archport): port to %s */",
			(int)(w->dir[body - 1].p + 1 - name->p), name->p, w->target);
	} else if (x86) {
		todo_comment(w, out, "%s macro", it->start, it->end);
	} else {
		sb_add(out, it->start, (size_t)(it->end - it->start));
		if (!fnlike)
			sb_addf(out, "   /* TODO(archport): the %s value; check it on %s */", w->k->source->name, w->target);
	}
}

static void directive_twin(const struct twin *w, const struct item *it, struct strbuf *out)
{
	const struct token *d = it->first < it->last ? &w->dir[it->first] : NULL;
	if (d && tok_is(d, "include") && it->first + 1 < it->last) {
		const struct token *h = &w->dir[it->first + 1];
		const char *e = it->end;
		const char *name = h->p + 1, *close = name;
		while (close < e && *close != '>' && *close != '"')
			close++;
		if (strmap_has(&w->k->headers, name, (size_t)(close - name))) {
			todo_comment(w, out, "%s-only header", it->start, it->end);
			return;
		}
	} else if (d && tok_is(d, "define")) {
		define_twin(w, it, out);
		return;
	} else if (d && (tok_is(d, "error") || (tok_is(d, "pragma") && memmem(it->start, (size_t)(it->end - it->start), "target", 6)))) {
		todo_comment(w, out, "%s directive", it->start, it->end);
		return;
	}
	sb_add(out, it->start, (size_t)(it->end - it->start));
}

static int unit_has(const struct twin *w, const struct item *it, const char *word)
{
	for (size_t i = it->first; i <= it->last; i++)
		if (tok_is(&w->code[i], word))
			return 1;
	return 0;
}

static size_t body_open(const struct twin *w, const struct item *it)
{
	size_t i = it->first;
	while (i < it->last && !tok_punct(&w->code[i], '{'))
		i = tok_punct(&w->code[i], '(') ? stub_matching(w->code, w->ncode, i, '(', ')') + 1 : i + 1;
	return i;
}

static int is_function(const struct twin *w, const struct item *it)
{
	size_t open = body_open(w, it);
	return open < it->last && open > it->first && tok_punct(&w->code[open - 1], ')') &&
	       tok_punct(&w->code[it->last], '}');
}

static void function_twin(const struct twin *w, const struct item *it, struct strbuf *out)
{
	size_t open = body_open(w, it), name = stub_function_name(w->code, w->ncode, it->first, open);
	int x86 = 0;
	for (size_t i = it->first; i < open; i++)
		x86 |= x86_token(w, &w->code[i]);
	if (name == NO_NAME || x86) {
		todo_comment(w, out, "%s types in the signature, no twin", it->start, w->code[open].p);
		return;
	}
	stub_twin_signature(w->code, w->ncode, it->first, open, out);
	sb_adds(out, "{\n");
	stub_void_params(w->code, name + 1, stub_matching(w->code, w->ncode, name + 1, '(', ')'), out);
	sb_addf(out, "\t__builtin_trap();   /* TODO(archport): port %.*s to %s */\n}", (int)w->code[name].len,
		w->code[name].p, w->target);
}

/* Where the member declaration around token i starts and ends: from after
 * the previous ';' or '{' to its ';' (0 from the unit's start: the whole). */
static void member_span(const struct twin *w, const struct item *it, size_t i, size_t *from, size_t *to)
{
	*from = i;
	while (*from > it->first && !tok_punct(&w->code[*from - 1], ';') && !tok_punct(&w->code[*from - 1], '{'))
		(*from)--;
	*to = i;
	while (*to < it->last && !tok_punct(&w->code[*to], ';') && !tok_punct(&w->code[*to], '}'))
		(*to)++;
	if (tok_punct(&w->code[*to], '}') && *to > i)
		(*to)--;
}

/* An x86 target attribute (`__attribute__((target("sse4.2")))`), which the
 * target compiler rejects: true, with *close at its last ')'. */
static int target_attribute(const struct twin *w, size_t i, size_t end, size_t *close)
{
	if (!(tok_is(&w->code[i], "__attribute__") || tok_is(&w->code[i], "__attribute")) || i + 1 > end ||
	    !tok_punct(&w->code[i + 1], '('))
		return 0;
	*close = stub_matching(w->code, w->ncode, i + 1, '(', ')');
	for (size_t k = i; k < *close; k++)
		if (tok_is(&w->code[k], "target") || tok_is(&w->code[k], "__target__"))
			return 1;
	return 0;
}

/* A declaration: as it is, with each x86-typed member as a TODO comment
 * and x86 target attributes left out; x86 at its top level makes the
 * whole of it a comment. */
static void declaration_twin(struct twin *w, const struct item *it, struct strbuf *out)
{
	const char *at = it->start;
	for (size_t i = it->first; i <= it->last; i++) {
		size_t close;
		if (target_attribute(w, i, it->last, &close)) {
			sb_add(out, at, (size_t)(w->code[i].p - at));
			at = w->code[close].p + 1;
			i = close;
			continue;
		}
		if (!x86_token(w, &w->code[i]))
			continue;
		size_t from, to;
		member_span(w, it, i, &from, &to);
		if (from == it->first) {
			todo_comment(w, out, "%s declaration", it->start, it->end);
			if (tok_is(&w->code[it->first], "typedef") && it->last > it->first &&
			    w->code[it->last - 1].kind == T_IDENT)   /* its users are x86 code too */
				strmap_get(&w->x86_typedefs, w->code[it->last - 1].p, w->code[it->last - 1].len, 1);
			return;
		}
		const char *s = w->code[from].p, *e = w->code[to].p + w->code[to].len;
		sb_add(out, at, (size_t)(s - at));
		todo_comment(w, out, "%s member", s, e);
		at = e;
		i = to;
	}
	sb_add(out, at, (size_t)(it->end - at));
}

/* A source's static functions are dropped (their callers trap), except
 * those that a kept declaration names (a table of function pointers). */
static void mark_static_uses(struct twin *w)
{
	w->keep_static = xcalloc(w->ncode + 1, 1);
	for (size_t a = 0; a < w->nitems; a++) {
		const struct item *fn = &w->items[a];
		if (fn->directive || !is_function(w, fn) || !unit_has(w, fn, "static"))
			continue;
		size_t name = stub_function_name(w->code, w->ncode, fn->first, body_open(w, fn));
		for (size_t b = 0; name != NO_NAME && b < w->nitems; b++) {
			const struct item *d = &w->items[b];
			if (d->directive || is_function(w, d) || unit_has(w, d, "static"))
				continue;
			for (size_t i = d->first; i <= d->last; i++)
				if (w->code[i].len == w->code[name].len && !memcmp(w->code[i].p, w->code[name].p, w->code[i].len))
					w->keep_static[fn->first] = 1;
		}
	}
}

/* What a unit becomes; returns 0 when it is dropped. */
static int unit_twin(struct twin *w, const struct item *it, struct strbuf *out)
{
	int is_static = unit_has(w, it, "static");
	if (is_function(w, it)) {
		if (is_static && !w->header && !w->keep_static[it->first])
			return 0;
		function_twin(w, it, out);
		return 1;
	}
	if (is_static && !w->header)
		return 0;   /* file-local data of the x86 code */
	declaration_twin(w, it, out);
	return 1;
}

char *stub_twin_c(const struct knowledge *k, const char *from_rel, const char *data, size_t len, int header)
{
	struct twin w = { .k = k, .target = k->target, .src = data, .end = data + len, .header = header };
	lex_twin(&w);
	find_units(&w);
	if (w.nitems)   /* an empty file has none (and qsort wants an array) */
		qsort(w.items, w.nitems, sizeof *w.items, compare_items);
	mark_static_uses(&w);
	struct strbuf out = {0};
	sb_addf(&out, "/* archport: the %s twin of %s, with the same declarations.\n"
		" * TODO(archport): port to %s; each function traps until then. */\n", k->target, from_rel, k->target);
	const char *at = data;   /* the end of the previous item: comments between belong to the next */
	for (size_t i = 0; i < w.nitems; i++) {
		const struct item *it = &w.items[i];
		if (it->start < at)
			continue;   /* a directive inside a unit: copied with it */
		size_t mark = out.len;
		sb_add(&out, at, (size_t)(it->start - at));
		int kept = 1;
		if (it->directive)
			directive_twin(&w, it, &out);
		else
			kept = unit_twin(&w, it, &out);
		if (!kept) {   /* dropped with the comments before it */
			out.len = mark;
			out.buf[mark] = '\0';
		}
		at = it->end;
	}
	sb_add(&out, at, (size_t)(w.end - at));
	if (!out.len || out.buf[out.len - 1] != '\n')
		sb_addc(&out, '\n');
	free(w.code);
	free(w.dir);
	free(w.items);
	free(w.keep_static);
	strmap_free(&w.x86_typedefs, NULL);
	return sb_detach(&out);
}
