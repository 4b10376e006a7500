/* Goal reachability for Make (see make_goals.h).
 *
 * Words are kept as patterns in which '*' stands for text archport cannot
 * know (a $(shell ...), a variable set only from outside, a `%` stem): a
 * rule is reached when a wanted word and one of its targets can be the
 * same string (make_glob_meet). A variable stands for the union of all
 * its definitions, whatever conditional they are under, and for the empty
 * string too when no definition is unconditional: that can only reach
 * more, never less, than make does. One assumption is made: an unknown
 * piece joined to literal text (`$(BUILD_DIR)/zstd`) is one word. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "make_goals.h"
#include "scan.h"
#include "textfile.h"
#include "util.h"

#define MARK_MAKE "\001make"   /* the word $(MAKE) expands to */
#define MAX_NEST 24             /* expansion depth before a word is unknown */
#define MAX_INCLUDE 6           /* include depth */
#define MAX_ALTS 32             /* alternatives of one word before it is unknown */

struct words {
	char **v;
	size_t len, cap;
	int maybe_empty;   /* the text may expand to nothing at all */
	int seq;           /* two words can stand side by side (else they are alternatives) */
	int ordered;       /* a command line: every word in its place (else a set) */
};

enum def_kind { DEF_TEXT, DEF_WORDS, DEF_SHELL };

struct def {
	char *text;
	enum def_kind kind;   /* DEF_WORDS: already expanded (a `$(MAKE) VAR=value`) */
	int sure;             /* an unconditional `=`/`:=`: the variable is set */
	int append;           /* `+=`: its words join the others' */
	int uncond;           /* `=`, `:=` or `+=` outside conditionals, in the file itself */
	int simple;           /* `:=`: its references were expanded where it stands */
	int order;            /* the logical line's place in the reading */
};

struct var {
	struct def *defs;
	size_t n, cap;
	int busy;             /* being expanded: a self-reference adds nothing */
};

/* A recursive make call in a recipe. */
struct request {
	int at_target;        /* the rule's target $@ stood for, or -1 */
	char *dir, *file;     /* -C / cd, -f (as written, expanded), or NULL */
	struct words goals, assigns;
};

struct rule {
	int line;             /* of the header in the graph's own file; 0 in an included one */
	int depth;            /* conditionals around the header */
	char *targets_raw, *prereqs_raw;
	char **recipe;
	size_t nrecipe, recipe_cap;
	struct words targets, prereqs;
	char *target_reached; /* [k]: some wanted word meets target k */
	int reached;
	struct request *reqs;
	size_t nreqs, reqs_cap;
	char *why;
	int order;            /* the header's place in the reading */
};

/* A target-specific variable line `targets: [override] NAME op value`. */
struct target_var {
	int line;             /* in the graph's own file */
	int order;
	char *targets_raw;
	enum make_reach reach;
	char *why;            /* MAKE_REACH_UNBUILT: the reason */
};

struct graph {
	int file;
	char *rel, *dir;
	int named;            /* GNUmakefile, makefile or Makefile: what make reads by itself */
	char *uncertain;      /* why its answers are not sure, or NULL */
	struct strmap vars;   /* name -> struct var * */
	struct rule *rules;
	size_t nrules, rules_cap;
	struct target_var *tvars;
	size_t ntvars, tvars_cap;
	struct words roots;
	struct strmap wanted; /* every word BFS has looked for */
	struct strmap sure;   /* the targets a plain make surely makes (find_sure) */
	char *goal;           /* the default goal, for messages */
	int asked;            /* another recipe asks this Makefile for goals */
	struct words includes; /* what it includes: make remakes those first, by their rules */
	int *included;        /* walk indexes of the tree files it read through include */
	size_t nincluded, included_cap;
	/* which variables reach what: names used outside recipes (or from
	 * $(shell) at parse time), `A = $(B)` edges, and each variable only
	 * unreached recipes use, with the reason */
	struct strmap used_anywhere;
	struct words edge_from, edge_to;
	int vars_uncertain;   /* a computed name, `export` of everything */
	struct strmap var_why;
	/* while reading */
	const struct tree_index *ix;
	int cond_depth, define_depth, cur_rule;
	int order;            /* logical lines read so far */
};

struct make_goals {
	struct graph **g;
	size_t n, cap;
	int finished;         /* make_goals_finish ran: the answers hold */
};

struct xctx {
	struct graph *g;
	const char *at;       /* $@ in a recipe, or NULL (prerequisites: $@ is empty) */
	int recipe;
	int nest;
};

/* ---- word lists and patterns ---- */

static void words_add(struct words *w, const char *s, size_t n)
{
	for (size_t i = 0; !w->ordered && i < w->len; i++)
		if (mem_eq(s, n, w->v[i]))
			return;   /* a set: alternatives multiply otherwise */
	GROW(w->v, w->len, w->cap);
	w->v[w->len++] = xstrndup(s, n);
}

static void words_adds(struct words *w, const char *s)
{
	words_add(w, s, strlen(s));
}

static void words_append(struct words *to, const struct words *from)
{
	for (size_t i = 0; i < from->len; i++)
		words_adds(to, from->v[i]);
}

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->len; i++)
		free(w->v[i]);
	free(w->v);
	memset(w, 0, sizeof *w);
}

static int has_star(const char *s)
{
	return strchr(s, '*') != NULL;
}

/* Two patterns meet when one string matches both ('*': any text, '\001'
 * marks never meet a target). A table over suffix pairs keeps it linear in
 * the product of the lengths. */
/* The literal ends before the first and after the last '*' must agree:
 * rejects most pairs without the table. */
static int ends_agree(const char *a, size_t la, const char *b, size_t lb)
{
	for (size_t i = 0; i < la && i < lb && a[i] != '*' && b[i] != '*'; i++)
		if (a[i] != b[i])
			return 0;
	for (size_t i = 1; i <= la && i <= lb && a[la - i] != '*' && b[lb - i] != '*'; i++)
		if (a[la - i] != b[lb - i])
			return 0;
	return 1;
}

int make_glob_meet(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (!has_star(a) && !has_star(b))
		return la == lb && !memcmp(a, b, la);
	if (!ends_agree(a, la, b, lb))
		return 0;
	if (la > 512 || lb > 512)
		return 1;   /* too long to decide cheaply: assume they meet */
	/* meet[i][j]: a+i and b+j meet */
	unsigned char *meet = xcalloc((la + 1) * (lb + 1), 1);
#define M(i, j) meet[(i) * (lb + 1) + (j)]
	for (size_t i = la + 1; i-- > 0;)
		for (size_t j = lb + 1; j-- > 0;) {
			int v;
			if (i == la && j == lb)
				v = 1;
			else if (i < la && a[i] == '*')
				v = M(i + 1, j) || (j < lb && M(i, j + 1));
			else if (j < lb && b[j] == '*')
				v = M(i, j + 1) || (i < la && M(i + 1, j));
			else
				v = i < la && j < lb && a[i] == b[j] && M(i + 1, j + 1);
			M(i, j) = (unsigned char)v;
		}
	int r = M(0, 0);
#undef M
	free(meet);
	return r;
}

/* `%`, `?` and `[...]` become '*' (make's patterns, the shell's globs). */
static char *to_glob(const char *s)
{
	struct strbuf sb = {0};
	for (const char *p = s; *p; p++) {
		if (*p == '[') {
			const char *e = strchr(p, ']');
			if (e) {
				sb_addc(&sb, '*');
				p = e;
				continue;
			}
		}
		sb_addc(&sb, *p == '%' || *p == '?' ? '*' : *p);
	}
	sb_addc(&sb, 0);
	return sb.buf;
}

/* ---- reading a Makefile's lines ---- */

/* The first ':' or '=' outside $(...) and ${...}: where a rule or an
 * assignment splits. */
static size_t top_level_op(const char *s, size_t n)
{
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '(' || s[i] == '{')
			depth++;
		else if ((s[i] == ')' || s[i] == '}') && depth > 0)
			depth--;
		else if (depth == 0 && (s[i] == ':' || s[i] == '=' || s[i] == ';'))
			return s[i] == ';' ? n : i;
	}
	return n;
}

static const char *trim(const char *s, size_t *n)
{
	while (*n && isspace((unsigned char)*s)) {
		s++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* Does s[0..n) start with the word `w`? */
static int starts_word(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	return n >= m && memcmp(s, w, m) == 0 && (n == m || isspace((unsigned char)s[m]));
}

enum line_kind { LK_NONE, LK_ASSIGN, LK_RULE };

/* An assignment `NAME op value`, or a rule `targets: ...`; *op is where
 * its operator starts, *value where the value or prerequisites do. */
static enum line_kind classify(const char *s, size_t n, size_t *op, size_t *value)
{
	size_t i = top_level_op(s, n);
	if (i >= n)
		return LK_NONE;
	if (s[i] == '=') {
		*op = i > 0 && strchr("+?!", s[i - 1]) ? i - 1 : i;
		*value = i + 1;
		return *op > 0 ? LK_ASSIGN : LK_NONE;
	}
	size_t colons = 1;
	while (i + colons < n && s[i + colons] == ':')
		colons++;
	if (i + colons < n && s[i + colons] == '=') {
		*op = i;
		*value = i + colons + 1;
		return i > 0 ? LK_ASSIGN : LK_NONE;
	}
	*op = i;
	*value = i + (colons >= 2 ? 2 : 1);
	return LK_RULE;
}

static struct var *var_get(struct graph *g, const char *name, size_t n, int create)
{
	struct strmap_entry *e = strmap_get(&g->vars, name, n, create);
	if (!e)
		return NULL;
	if (!e->value)
		e->value = xcalloc(1, sizeof(struct var));
	return e->value;
}

static struct def *var_define(struct graph *g, const char *name, size_t n, const char *text, size_t tn,
			      enum def_kind kind, int sure, int append)
{
	struct var *v = var_get(g, name, n, 1);
	GROW(v->defs, v->n, v->cap);
	v->defs[v->n] = (struct def){ xstrndup(text, tn), kind, sure, append, 0, 0, g->order };
	return &v->defs[v->n++];
}

static void set_uncertain(struct graph *g, char *why)
{
	if (g->uncertain)
		free(why);
	else
		g->uncertain = why;
}

static void expand(struct xctx *x, const char *s, size_t n, struct words *out);
static void read_text(struct graph *g, const char *src, size_t len, int top, int level);
static size_t ref_end(const char *s, size_t n, size_t i, size_t *in, size_t *inlen);

/* dir/name as a path relative to the tree's root ("a/./b/../c" -> "a/c"),
 * or NULL when it climbs out of the tree or is absolute. */
static char *tree_path(const char *dir, const char *name)
{
	if (name[0] == '/')
		return NULL;
	char *joined = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	char *out = xcalloc(strlen(joined) + 1, 1);
	size_t len = 0;
	for (char *p = joined; *p;) {
		char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!len) {
				free(joined);
				free(out);
				return NULL;
			}
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;   /* the slash before the dropped name */
		} else if (n && !(n == 1 && p[0] == '.')) {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		out[len] = 0;
		p = e ? e + 1 : p + n;
	}
	free(joined);
	return out;
}


/* `include a.mk $(wildcard *.d)`: a tree file is read in place, as make
 * does; dependency files (`*.d`, written by -MMD) only add headers. */
static void read_tree_makefile(struct graph *g, int idx, int level)
{
	struct textfile tf;
	char *why = NULL;
	GROW(g->included, g->nincluded, g->included_cap);
	g->included[g->nincluded++] = idx;
	if (textfile_read(g->ix->walk->files[idx].path, &tf, &why) == 0) {
		read_text(g, tf.data, tf.len, 0, level + 1);
		textfile_free(&tf);
	} else {
		set_uncertain(g, xasprintf("it includes `%s`, which archport cannot read", g->ix->walk->files[idx].rel));
	}
	free(why);
}

/* `include $(wildcard pattern)`: in a fresh checkout, the tree's make
 * files that match (generated dependency files only add headers). */
static void read_wildcard_include(struct graph *g, const char *pattern, int level)
{
	if (pattern[0] == '/')
		return;   /* files outside the tree, which a tree's build does not include by a pattern */
	char *pat = tree_path(g->dir, pattern);
	for (size_t i = 0; pat && i < g->ix->walk->len; i++) {
		const struct source_file *f = &g->ix->walk->files[i];
		if (f->kind == FK_MAKE && (int)i != g->file && make_glob_meet(pat, f->rel))
			read_tree_makefile(g, (int)i, level);
	}
	if (!pat)
		set_uncertain(g, xasprintf("it includes `%s`, outside the tree", pattern));
	free(pat);
}

static int is_dependency_file(const char *f)
{
	size_t fl = strlen(f);
	return (fl > 2 && !strcmp(f + fl - 2, ".d")) || (fl > 4 && !strcmp(f + fl - 4, ".dep"));
}

static void read_include(struct graph *g, const char *s, size_t n, int level)
{
	struct words w = {0};
	struct xctx x = { g, NULL, 0, 0 };
	size_t tn = n;
	const char *t = trim(s, &tn);
	int wildcard = tn > 11 && !memcmp(t, "$(wildcard ", 11) && t[tn - 1] == ')' &&
		       ref_end(t, tn, 0, &(size_t){0}, &(size_t){0}) == tn;
	expand(&x, s, n, &w);
	for (size_t i = 0; i < w.len; i++) {
		const char *f = w.v[i];
		char *goal = to_glob(f);
		words_adds(&g->includes, goal);
		free(goal);
		if (is_dependency_file(f))
			continue;
		if (wildcard && has_star(f) && level < MAX_INCLUDE) {
			read_wildcard_include(g, f, level);
			continue;
		}
		char *rel = has_star(f) || level >= MAX_INCLUDE ? NULL : tree_path(g->dir, f);
		if (!rel) {
			set_uncertain(g, xasprintf("it includes `%s`, which archport cannot name in the tree", f));
			continue;
		}
		intptr_t idx = (intptr_t)strmap_value(&g->ix->files, rel, strlen(rel));
		if (idx > 0)
			read_tree_makefile(g, (int)idx - 1, level);
		else
			set_uncertain(g, xasprintf("it includes `%s`, which is not in the tree", f));
		free(rel);
	}
	words_free(&w);
}

static void add_rule(struct graph *g, const char *targets, size_t tn, const char *prereqs, size_t pn, int line)
{
	GROW(g->rules, g->nrules, g->rules_cap);
	struct rule *r = &g->rules[g->nrules];
	memset(r, 0, sizeof *r);
	r->line = line;
	r->depth = g->cond_depth;
	r->targets_raw = xstrndup(targets, tn);
	r->prereqs_raw = xstrndup(prereqs, pn);
	r->order = g->order;
	g->cur_rule = (int)g->nrules++;
}

static void add_recipe(struct graph *g, const char *s, size_t n)
{
	struct rule *r = &g->rules[g->cur_rule];
	GROW(r->recipe, r->nrecipe, r->recipe_cap);
	r->recipe[r->nrecipe++] = xstrndup(s, n);
}

static void add_target_var(struct graph *g, const char *targets, size_t tn, int line)
{
	GROW(g->tvars, g->ntvars, g->tvars_cap);
	g->tvars[g->ntvars++] = (struct target_var){ line, g->order, xstrndup(targets, tn), MAKE_REACH_UNKNOWN, NULL };
}

/* `targets: prerequisites [; recipe]`, `targets: pattern: prerequisites`,
 * or `targets: VAR = value` (a target-specific variable: no rule). */
static void read_rule(struct graph *g, const char *s, size_t n, size_t colon, size_t rest, int line)
{
	const char *p = s + rest;
	size_t pn = n - rest, op, value;
	int depth = 0;
	size_t semi = pn;
	for (size_t i = 0; i < pn && semi == pn; i++) {
		depth += p[i] == '(' || p[i] == '{' ? 1 : (p[i] == ')' || p[i] == '}') && depth > 0 ? -1 : 0;
		if (p[i] == ';' && depth == 0)
			semi = i;
	}
	size_t body = semi;
	const char *b = trim(p, &body);
	static const char *const var_words[] = { "export", "override", "private", "unexport" };
	for (size_t k = 0; k < 4; k++)
		if (starts_word(b, body, var_words[k])) {
			b += strlen(var_words[k]);
			body -= strlen(var_words[k]);
			b = trim(b, &body);
		}
	enum line_kind inner = classify(b, body, &op, &value);
	if (inner == LK_ASSIGN) {   /* a target-specific variable: no rule */
		if (line)
			add_target_var(g, s, colon, line);
		return;
	}
	const char *prereqs = p;
	size_t prn = semi;
	if (inner == LK_RULE) {   /* a static pattern rule: the prerequisites follow the pattern */
		prereqs = b + value;
		prn = body - value;
	}
	add_rule(g, s, colon, prereqs, prn, line);
	if (semi < pn)
		add_recipe(g, p + semi + 1, pn - semi - 1);
	size_t tn = colon;
	const char *t = trim(s, &tn);
	if (starts_word(t, tn, ".SECONDEXPANSION") || (tn == 16 && !memcmp(t, ".SECONDEXPANSION", 16)))
		set_uncertain(g, xstrdup("it uses .SECONDEXPANSION"));
}

static void read_assignment(struct graph *g, const char *s, size_t op, size_t value, size_t n)
{
	size_t nn = op;
	const char *name = trim(s, &nn);
	size_t vn = n - value;
	const char *v = trim(s + value, &vn);
	int shell = s[op] == '!';
	int sure = g->cond_depth == 0 && (s[op] == '=' || s[op] == ':');
	if (memchr(name, '$', nn)) {
		set_uncertain(g, xasprintf("it assigns a computed variable name `%.*s`", (int)nn, name));
		return;
	}
	struct def *d = var_define(g, name, nn, v, vn, shell ? DEF_SHELL : DEF_TEXT, sure, s[op] == '+');
	d->uncond = g->cond_depth == 0 && !strchr("?!", s[op]);
	d->simple = s[op] == ':';
}

static int conditional_line(struct graph *g, const char *s, size_t n)
{
	static const char *const opens[] = { "ifeq", "ifneq", "ifdef", "ifndef" };
	for (size_t i = 0; i < 4; i++)
		if (starts_word(s, n, opens[i]) || (n > strlen(opens[i]) && !memcmp(s, opens[i], strlen(opens[i])) &&
						    s[strlen(opens[i])] == '(')) {
			g->cond_depth++;
			return 1;
		}
	if (starts_word(s, n, "else"))
		return 1;
	if (starts_word(s, n, "endif")) {
		if (g->cond_depth > 0)
			g->cond_depth--;
		return 1;
	}
	return 0;
}

/* `define NAME` ... `endef`: a multi-line value, read as nothing (a rule
 * in one only exists through $(eval), which makes the file uncertain). */
static int define_line(struct graph *g, const char *s, size_t n)
{
	const char *d = s;
	size_t dn = n;
	static const char *const pre[] = { "override", "export", "private" };
	for (size_t k = 0; k < 3; k++)
		if (starts_word(d, dn, pre[k])) {
			d += strlen(pre[k]);
			dn -= strlen(pre[k]);
			d = trim(d, &dn);
		}
	if (starts_word(d, dn, "define")) {
		g->define_depth++;
		return 1;
	}
	if (g->define_depth && starts_word(s, n, "endef")) {
		g->define_depth--;
		return 1;
	}
	return g->define_depth > 0;
}

/* Every variable `$(NAME)`, `${NAME}`, `$(NAME:a=b)`, `$N`, `$(call NAME,...)`
 * of s[0..n) goes to `to` (a computed name makes the graph's variables
 * uncertain). */
static void scan_refs(struct graph *g, const char *s, size_t n, struct words *to)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '$')
			continue;
		if (s[i + 1] == '$') {
			i++;
			continue;
		}
		if (s[i + 1] != '(' && s[i + 1] != '{') {
			if (isalnum((unsigned char)s[i + 1]) || s[i + 1] == '_')
				words_add(to, s + i + 1, 1);
			continue;
		}
		size_t b = i + 2, e = b;
		while (e < n && (isalnum((unsigned char)s[e]) || strchr("_.-", s[e])))
			e++;
		if (e < n && s[e] == '$')
			g->vars_uncertain = 1;   /* $($(X)_FLAGS) */
		if (e < n && s[e] == ' ') {   /* a function: `call`, `value` ... name a variable next */
			if (mem_eq(s + b, e - b, "call") || mem_eq(s + b, e - b, "value") ||
			    mem_eq(s + b, e - b, "origin") || mem_eq(s + b, e - b, "flavor")) {
				size_t a = e + 1, z = a;
				while (z < n && (isalnum((unsigned char)s[z]) || strchr("_.-", s[z])))
					z++;
				if (z < n && s[z] == '$')
					g->vars_uncertain = 1;
				if (z > a)
					words_add(to, s + a, z - a);
			}
			continue;
		}
		if (e > b)
			words_add(to, s + b, e - b);
	}
}

static void use_names(struct graph *g, const struct words *names)
{
	for (size_t i = 0; i < names->len; i++)
		strmap_get(&g->used_anywhere, names->v[i], strlen(names->v[i]), 1)->value = (void *)1;
}

/* The line after the words `export`, `override`, `private`, `unexport`
 * in front of an assignment; *n is updated. */
static const char *strip_modifiers(const char *s, size_t *n)
{
	static const char *const pre[] = { "export", "override", "private", "unexport" };
	for (size_t k = 0; k < sizeof pre / sizeof *pre; k++)
		if (starts_word(s, *n, pre[k])) {
			s += strlen(pre[k]);
			*n -= strlen(pre[k]);
			s = trim(s, n);
		}
	return s;
}

/* Outside recipes: an assignment's references are edges from its
 * variable (unless $(shell) runs them while make reads the file); any
 * other line uses what it names, and `export NAME` uses NAME. */
static void note_line_uses(struct graph *g, const char *s, size_t n)
{
	struct words refs = {0};
	scan_refs(g, s, n, &refs);
	int exported = starts_word(s, n, "export");
	if (exported && n == 6)
		g->vars_uncertain = 1;   /* every variable goes to the sub-makes' environment */
	size_t pn = n;
	const char *p = strip_modifiers(s, &pn);
	size_t op = 0, value = 0;
	if (pn && classify(p, pn, &op, &value) == LK_ASSIGN && p[op] != '!' && !memmem(p, pn, "shell", 5)) {
		size_t nn = op;
		const char *name = trim(p, &nn);
		for (size_t i = 0; i < refs.len; i++) {   /* two lists in step, not sets */
			GROW(g->edge_from.v, g->edge_from.len, g->edge_from.cap);
			g->edge_from.v[g->edge_from.len++] = xstrndup(name, nn);
			GROW(g->edge_to.v, g->edge_to.len, g->edge_to.cap);
			g->edge_to.v[g->edge_to.len++] = xstrdup(refs.v[i]);
		}
		if (exported)
			strmap_get(&g->used_anywhere, name, nn, 1)->value = (void *)1;
	} else {
		use_names(g, &refs);
		if (exported) {   /* export A B */
			struct words names = {0};
			for (const char *q = p, *end = p + pn; q < end;) {
				while (q < end && isspace((unsigned char)*q))
					q++;
				const char *w = q;
				while (q < end && !isspace((unsigned char)*q))
					q++;
				if (q > w)
					words_add(&names, w, (size_t)(q - w));
			}
			use_names(g, &names);
			words_free(&names);
		}
	}
	words_free(&refs);
}

static void read_line(struct graph *g, const char *s, size_t n, int line, int top, int level)
{
	int tab = n && s[0] == '\t';
	g->order++;
	if (g->define_depth || !(tab && g->cur_rule >= 0)) {
		size_t tn = n;
		const char *t = trim(s, &tn);
		if (g->define_depth) {   /* a canned recipe may pass what it names to a compile */
			struct words refs = {0};
			scan_refs(g, t, tn, &refs);
			use_names(g, &refs);
			words_free(&refs);
		} else {
			note_line_uses(g, t, tn);
		}
	}
	if (define_line(g, s, n))
		return;
	if (tab && g->cur_rule >= 0) {
		add_recipe(g, s + 1, n - 1);
		return;
	}
	s = trim(s, &n);
	if (!n || conditional_line(g, s, n))
		return;
	g->cur_rule = -1;
	if (memmem(s, n, "$(eval", 6) || memmem(s, n, "${eval", 6)) {
		set_uncertain(g, xstrdup("it makes rules with $(eval)"));
		return;
	}
	if (starts_word(s, n, "include") || starts_word(s, n, "-include") || starts_word(s, n, "sinclude")) {
		size_t skip = s[0] == 'i' ? 7 : 8;
		read_include(g, s + skip, n - skip, level);
		return;
	}
	s = strip_modifiers(s, &n);
	size_t op = 0, value = 0;
	enum line_kind kind = n ? classify(s, n, &op, &value) : LK_NONE;
	if (kind == LK_ASSIGN)
		read_assignment(g, s, op, value, n);
	else if (kind == LK_RULE)
		read_rule(g, s, n, op, value, top ? line : 0);
	else if (memchr(s, '$', n) && !starts_word(s, n, "vpath") && !str_starts(s, "$(info") &&
		 !str_starts(s, "$(warning") && !str_starts(s, "$(error"))
		set_uncertain(g, xasprintf("line %d (`%.*s`) is not a rule or an assignment archport reads", line,
					   (int)(n < 40 ? n : 40), s));
}

/* A line without its comment ('#' not escaped with a backslash). */
static size_t uncommented(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] != '\\'))
			return i;
	return n;
}

/* Logical lines: backslash-newline joins, as make reads them. */
static void read_text(struct graph *g, const char *src, size_t len, int top, int level)
{
	const char *p = src, *end = src + len;
	int line = 1;
	struct strbuf sb = {0};
	int start = 1, joining = 0;
	g->cur_rule = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		int cont = n && p[n - 1] == '\\';
		if (!joining)
			start = line;
		size_t keep = uncommented(p, cont ? n - 1 : n);
		if (joining)
			sb_addc(&sb, ' ');
		sb_add(&sb, p, keep);
		if (keep < (cont ? n - 1 : n))
			cont = 0;   /* a comment swallows the continuation's text, not the join: keep it simple */
		joining = cont;
		if (!cont) {
			read_line(g, sb.buf ? sb.buf : "", sb.len, start, top, level);
			sb_reset(&sb);
		}
		line++;
		p = nl ? nl + 1 : end;
	}
	if (sb.len)
		read_line(g, sb.buf, sb.len, start, top, level);
	sb_free(&sb);
	g->cur_rule = -1;
}

/* ---- expansion ---- */

static void expand_var(struct xctx *x, const char *name, size_t n, struct words *out);

/* The comma-separated arguments of a function call (the last one takes
 * the rest, commas and all). */
static size_t split_args(const char *s, size_t n, const char **arg, size_t *len, size_t max)
{
	size_t k = 0, start = 0;
	int depth = 0;
	for (size_t i = 0; i <= n && k < max; i++) {
		if (i < n && (s[i] == '(' || s[i] == '{'))
			depth++;
		else if (i < n && (s[i] == ')' || s[i] == '}'))
			depth--;
		if (i == n || (s[i] == ',' && depth == 0 && k + 1 < max)) {
			arg[k] = s + start;
			len[k++] = i - start;
			start = i + 1;
		}
	}
	return k;
}

static void expand_arg(struct xctx *x, const char *s, size_t n, struct words *out)
{
	memset(out, 0, sizeof *out);
	expand(x, s, n, out);
}

/* One word of a prefix/suffix argument: itself, "" or '*' when it is not one word. */
static const char *one_word(const struct words *w)
{
	return w->len == 1 ? w->v[0] : w->len == 0 ? "" : "*";
}

static void notdir_into(const char *w, struct words *out)
{
	const char *slash = strrchr(w, '/');
	const char *base = slash ? slash + 1 : w;
	/* a '*' before the slash may hold more slashes: it is one already */
	const char *star = strchr(base, '*');
	if (star && star != base && slash) {
		char *s = xasprintf("*%s", star + 1);
		words_adds(out, s);
		free(s);
	} else {
		words_adds(out, base);
	}
}

/* make's patsubst on one word pattern: `pat` and `rep` have at most one %. */
static void patsubst_into(const char *pat, const char *rep, const char *w, struct words *out)
{
	const char *pct = strchr(pat, '%');
	size_t pre = pct ? (size_t)(pct - pat) : strlen(pat), suf = pct ? strlen(pct + 1) : 0;
	size_t wl = strlen(w);
	int prefix_ok = wl >= pre && !memchr(w, '*', pre < wl ? pre : wl) && !strncmp(w, pat, pre);
	int suffix_ok = pct && wl >= pre + suf && !memchr(w + wl - suf, '*', suf) && !strcmp(w + wl - suf, pct + 1);
	char *stem = NULL;
	if (!has_star(w)) {
		if (pct ? prefix_ok && suffix_ok : !strcmp(w, pat))
			stem = xstrndup(w + pre, wl - pre - suf);
	} else if (pct && prefix_ok && suffix_ok) {
		stem = xstrndup(w + pre, wl - pre - suf);   /* surely matches: the stem keeps its '*' */
	} else {
		char *pg = to_glob(pat);
		if (make_glob_meet(pg, w))
			stem = xstrdup("*");   /* may match: both outcomes */
		free(pg);
		words_adds(out, w);
		if (!stem)
			return;
	}
	if (!stem) {
		words_adds(out, w);
		return;
	}
	const char *rp = strchr(rep, '%');
	char *r = rp ? xasprintf("%.*s%s%s", (int)(rp - rep), rep, stem, rp + 1) : xstrdup(rep);
	words_adds(out, r);
	free(r);
	free(stem);
}

static void patsubst_words(const char *pat, const char *rep, const struct words *in, struct words *out)
{
	for (size_t i = 0; i < in->len; i++)
		patsubst_into(pat, rep, in->v[i], out);
	out->maybe_empty = in->maybe_empty;
	out->seq = in->seq;
}

/* $(name args): the functions that build file lists, which prerequisite
 * lists use; any other yields an unknown word (and, for a recipe, the
 * words of its arguments, where a $(MAKE) may hide). */
static void expand_function(struct xctx *x, const char *fn, size_t fnl, const char *s, size_t n,
			    struct words *out)
{
	const char *arg[3];
	size_t len[3];
	struct words a = {0}, b = {0}, l = {0};
	if (mem_eq(fn, fnl, "addprefix") || mem_eq(fn, fnl, "addsuffix")) {
		split_args(s, n, arg, len, 2);
		expand_arg(x, arg[0], len[0], &a);
		expand_arg(x, arg[1], len[1], &l);
		/* the prefix's words are alternatives (one per definition), or '*' */
		if (a.len * l.len > MAX_ALTS * 8)
			words_free(&a);   /* too many: one unknown prefix */
		if (!a.len)
			words_adds(&a, a.maybe_empty ? "" : "*");
		for (size_t k = 0; k < a.len; k++)
			for (size_t i = 0; i < l.len; i++) {
				char *w = fn[3] == 'p' ? xasprintf("%s%s", a.v[k], l.v[i]) : xasprintf("%s%s", l.v[i], a.v[k]);
				words_adds(out, w);
				free(w);
			}
		out->maybe_empty = l.maybe_empty;
		out->seq = l.seq;
	} else if (mem_eq(fn, fnl, "sort") || mem_eq(fn, fnl, "strip") || mem_eq(fn, fnl, "firstword") ||
		   mem_eq(fn, fnl, "lastword")) {
		expand_arg(x, s, n, &l);
		words_append(out, &l);
		out->maybe_empty = l.maybe_empty;
		out->seq = l.seq;
	} else if (mem_eq(fn, fnl, "filter") || mem_eq(fn, fnl, "filter-out")) {
		split_args(s, n, arg, len, 2);
		expand_arg(x, arg[1], len[1], &l);
		words_append(out, &l);
		out->maybe_empty = 1;
		out->seq = l.seq;
	} else if (mem_eq(fn, fnl, "notdir")) {
		expand_arg(x, s, n, &l);
		for (size_t i = 0; i < l.len; i++)
			notdir_into(l.v[i], out);
		out->maybe_empty = l.maybe_empty;
		out->seq = l.seq;
	} else if (mem_eq(fn, fnl, "wildcard")) {
		expand_arg(x, s, n, &l);
		for (size_t i = 0; i < l.len; i++) {
			char *g = to_glob(l.v[i]);
			words_adds(out, g);
			free(g);
		}
		out->maybe_empty = 1;
		out->seq = 1;   /* a pattern matches many files */
	} else if (mem_eq(fn, fnl, "patsubst") && split_args(s, n, arg, len, 3) == 3) {
		expand_arg(x, arg[0], len[0], &a);
		expand_arg(x, arg[1], len[1], &b);
		expand_arg(x, arg[2], len[2], &l);
		if (a.len == 1 && b.len <= 1 && !has_star(a.v[0]) && !has_star(one_word(&b)))
			patsubst_words(a.v[0], one_word(&b), &l, out);
		else
			words_adds(out, "*");
		out->maybe_empty = 1;
	} else if (mem_eq(fn, fnl, "if") || mem_eq(fn, fnl, "or") || mem_eq(fn, fnl, "and")) {
		size_t k = split_args(s, n, arg, len, 3);
		for (size_t i = fn[0] == 'i' ? 1 : 0; i < k; i++) {
			expand_arg(x, arg[i], len[i], &l);
			words_append(out, &l);
			out->seq |= l.seq;
			words_free(&l);
		}
		out->maybe_empty = 1;
	} else if (mem_eq(fn, fnl, "info") || mem_eq(fn, fnl, "warning") || mem_eq(fn, fnl, "error")) {
		out->maybe_empty = 1;
	} else {
		words_adds(out, "*");
		out->maybe_empty = 1;
		if (x->recipe && (memmem(s, n, "$(MAKE)", 7) || memmem(s, n, "${MAKE}", 7))) {
			/* $(foreach d,$(DIRS),$(MAKE) -C $(d) $(GOAL);): a make call
			 * whose goals (and directory) are not known */
			words_adds(out, MARK_MAKE);
			if (memmem(s, n, "-C", 2) || memmem(s, n, "cd ", 3) || memmem(s, n, "--directory", 11) ||
			    memmem(s, n, "-f", 2)) {
				words_adds(out, "-C");
				words_adds(out, "*");
			}
			words_adds(out, "*");
			out->seq = 1;
		}
	}
	words_free(&a);
	words_free(&b);
	words_free(&l);
}

/* The inside of $(...) or ${...}: a function, a substitution reference
 * `VAR:a=b`, or a variable. */
static void expand_ref(struct xctx *x, const char *s, size_t n, struct words *out)
{
	if (n == 1 || (n == 2 && (s[1] == 'D' || s[1] == 'F') && strchr("@<^*?+|", s[0]))) {
		if (strchr("@<^*?+|", s[0])) {   /* automatic variables */
			if (s[0] == '@' && n == 1 && x->at)
				words_adds(out, x->at);
			else if (x->recipe)
				words_adds(out, "*");
			out->maybe_empty = 1;
			return;
		}
	}
	size_t fnl = 0;
	while (fnl < n && (isalnum((unsigned char)s[fnl]) || s[fnl] == '-'))
		fnl++;
	if (fnl < n && (s[fnl] == ' ' || s[fnl] == '\t')) {
		expand_function(x, s, fnl, s + fnl + 1, n - fnl - 1, out);
		return;
	}
	size_t colon = 0;
	while (colon < n && s[colon] != ':')
		colon++;
	if (memchr(s, '$', colon)) {   /* $($(X)_FLAGS): a computed name */
		words_adds(out, "*");
		out->maybe_empty = 1;
		return;
	}
	if (colon < n) {   /* $(VAR:.c=.o), $(@:-debug=) */
		const char *eq = memchr(s + colon, '=', n - colon);
		struct words in = {0};
		if (colon == 1 && strchr("@<^*?+|", s[0]))
			expand_ref(x, s, 1, &in);
		else
			expand_var(x, s, colon, &in);
		if (!eq) {
			words_append(out, &in);
		} else {
			char *from = xstrndup(s + colon + 1, (size_t)(eq - s - colon - 1));
			char *to = xstrndup(eq + 1, (size_t)(s + n - eq - 1));
			char *pf = strchr(from, '%') ? xstrdup(from) : xasprintf("%%%s", from);
			char *pt = strchr(from, '%') ? xstrdup(to) : xasprintf("%%%s", to);
			patsubst_words(pf, pt, &in, out);
			free(from);
			free(to);
			free(pf);
			free(pt);
		}
		out->maybe_empty = in.maybe_empty;
		out->seq = in.seq;
		words_free(&in);
		return;
	}
	expand_var(x, s, n, out);
}

static void expand_var(struct xctx *x, const char *name, size_t n, struct words *out)
{
	struct var *v = var_get(x->g, name, n, 0);
	out->maybe_empty = 1;
	if (mem_eq(name, n, "MAKE")) {
		words_adds(out, MARK_MAKE);
		out->maybe_empty = 0;
		return;
	}
	if (mem_eq(name, n, "CURDIR") || mem_eq(name, n, "MAKEFILE_LIST")) {
		words_adds(out, "*");
		out->maybe_empty = 0;
		return;
	}
	if (!v || v->busy)
		return;   /* unset: empty for a plain `make`; a self-reference adds nothing new */
	if (x->nest >= MAX_NEST) {
		words_adds(out, "*");
		return;
	}
	v->busy = 1;
	x->nest++;
	int sure = 0, all_empty = 1, seq = 0, appends = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct def *d = &v->defs[i];
		sure |= d->sure;
		appends |= d->append;
		struct words w = { .ordered = out->ordered };
		if (d->kind == DEF_SHELL) {
			words_adds(&w, "*");
			w.maybe_empty = 1;
		} else if (d->kind == DEF_WORDS) {
			for (char *p = d->text, *e; *p; p = e) {
				while (*p == ' ')
					p++;
				for (e = p; *e && *e != ' '; e++)
					;
				if (e > p)
					words_add(&w, p, (size_t)(e - p));
			}
			w.maybe_empty = w.len == 0;
			w.seq = w.len > 1;
		} else {
			expand(x, d->text, strlen(d->text), &w);
		}
		all_empty &= w.maybe_empty;
		seq |= w.seq;
		words_append(out, &w);
		words_free(&w);
	}
	x->nest--;
	v->busy = 0;
	out->maybe_empty = !sure || all_empty;
	out->seq = seq || (appends && v->n > 1);
}

/* Where the reference starting at s[i] ('$') ends (one past), and its
 * inside. */
static size_t ref_end(const char *s, size_t n, size_t i, size_t *in, size_t *inlen)
{
	if (i + 1 >= n)
		return n;
	char open = s[i + 1];
	if (open != '(' && open != '{') {
		*in = i + 1;
		*inlen = 1;
		return i + 2;
	}
	char close = open == '(' ? ')' : '}';
	int depth = 0;
	for (size_t j = i + 1; j < n; j++) {
		if (s[j] == open)
			depth++;
		else if (s[j] == close && --depth == 0) {
			*in = i + 2;
			*inlen = j - i - 2;
			return j + 1;
		}
	}
	*in = i + 2;
	*inlen = n - i - 2;
	return n;
}

/* Literal text after every alternative so far ("$$" as "$"). */
static void alts_append(struct words *alts, const char *s, size_t n)
{
	for (size_t k = 0; k < alts->len; k++) {
		size_t have = strlen(alts->v[k]);
		alts->v[k] = xrealloc(alts->v[k], have + n + 1);
		char *out = alts->v[k] + have;
		for (size_t i = 0; i < n; i++) {
			*out++ = s[i];
			i += s[i] == '$' && i + 1 < n && s[i + 1] == '$';
		}
		*out = 0;
	}
}

/* Cross product of the alternatives so far with a piece's. */
static void alts_extend(struct words *alts, const struct words *piece, int maybe_empty)
{
	struct words next = {0};
	size_t options = piece->len + (maybe_empty ? 1 : 0);
	if (alts->len * options > MAX_ALTS) {
		for (size_t i = 0; i < alts->len; i++) {
			char *w = xasprintf("%s*", alts->v[i]);
			words_adds(&next, w);
			free(w);
		}
	} else {
		for (size_t i = 0; i < alts->len; i++) {
			for (size_t k = 0; k < piece->len; k++) {
				char *w = xasprintf("%s%s", alts->v[i], piece->v[k]);
				words_adds(&next, w);
				free(w);
			}
			if (maybe_empty)
				words_adds(&next, alts->v[i]);
		}
	}
	words_free(alts);
	*alts = next;
}

/* One whitespace-free word of text: literal bytes and references. */
static void expand_word(struct xctx *x, const char *s, size_t n, struct words *out, int *maybe_empty, int *seq)
{
	struct words alts = {0};
	words_adds(&alts, "");
	int literal = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] != '$' || i + 1 >= n || s[i + 1] == '$') {   /* a run of literal text ($$ is one '$') */
			size_t j = i + (s[i] == '$' ? 2 : 0);
			while (j < n && s[j] != '$')
				j++;
			alts_append(&alts, s + i, j - i);
			literal = 1;
			i = j;
			continue;
		}
		size_t in = 0, inlen = 0, e = ref_end(s, n, i, &in, &inlen);
		struct words piece = { .ordered = out->ordered };
		expand_ref(x, s + in, inlen, &piece);
		if (piece.seq && !(i == 0 && e == n))   /* `pre$(X)` with X = "a b": b stands alone */
			for (size_t k = 0; k < piece.len; k++)
				words_adds(out, piece.v[k]);
		*seq |= piece.seq;
		if (i == 0 && e == n) {   /* the whole word: its words as they are */
			words_append(out, &piece);
			*maybe_empty = piece.maybe_empty;
			words_free(&piece);
			words_free(&alts);
			return;
		}
		alts_extend(&alts, &piece, piece.maybe_empty || !piece.len);
		words_free(&piece);
		i = e;
	}
	for (size_t k = 0; k < alts.len; k++)
		if (*alts.v[k] || literal)
			words_adds(out, alts.v[k]);
	*maybe_empty = !literal;
	words_free(&alts);
}

/* `NAME=value` in a recipe (a sub-make's command line): one word, its
 * value expanded and joined, quotes off. */
static int assignment_word(struct xctx *x, const char *s, size_t n, struct words *out)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	size_t name = i;
	while (i < n && strchr("+:?", s[i]))
		i++;
	if (!name || isdigit((unsigned char)s[0]) || i >= n || s[i] != '=')
		return 0;
	const char *v = s + i + 1;
	size_t vn = n - i - 1;
	if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
		v++;
		vn -= 2;
	}
	struct words w = {0};
	int recipe = x->recipe;
	x->recipe = 0;   /* a value: no command hides in it */
	expand(x, v, vn, &w);
	x->recipe = recipe;
	struct strbuf sb = {0};
	sb_add(&sb, s, name);
	sb_addc(&sb, '=');
	for (size_t k = 0; k < w.len; k++) {
		if (k)
			sb_addc(&sb, ' ');
		sb_adds(&sb, w.v[k]);
	}
	sb_addc(&sb, 0);
	words_adds(out, sb.buf);
	sb_free(&sb);
	words_free(&w);
	return 1;
}

static void expand(struct xctx *x, const char *s, size_t n, struct words *out)
{
	int all_empty = 1, seq = 0, nonempty = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		size_t j = i;
		int depth = 0;   /* inside $(...): a shell's own parentheses do not count */
		while (j < n && (depth > 0 || !isspace((unsigned char)s[j]))) {
			if (s[j] == '$' && j + 1 < n && (s[j + 1] == '(' || s[j + 1] == '{')) {
				depth++;
				j += 2;
				continue;
			}
			if (depth > 0 && (s[j] == '(' || s[j] == '{'))
				depth++;
			else if (depth > 0 && (s[j] == ')' || s[j] == '}'))
				depth--;
			j++;
		}
		if (j == i)
			break;
		int me = 0;
		if (x->recipe && assignment_word(x, s + i, j - i, out)) {
			me = 0;
		} else if ((memmem(s + i, j - i, "$(MAKE)", 7) || memmem(s + i, j - i, "${MAKE}", 7)) &&
			   !memchr(s + i, ' ', j - i)) {   /* `+$(MAKE)`, `$(Q)$(MAKE)`; not inside a $(foreach ...) */
			words_adds(out, MARK_MAKE);
		} else {
			expand_word(x, s + i, j - i, out, &me, &seq);
		}
		all_empty &= me;
		nonempty++;
		i = j;
	}
	out->maybe_empty = all_empty;
	out->seq = seq || nonempty > 1;
}

/* ---- recursive make calls in recipes ---- */

static int is_make_word(const char *w)
{
	size_t n = strlen(w);
	return !strcmp(w, MARK_MAKE) || !strcmp(w, "make") || !strcmp(w, "gmake") ||
	       (n > 5 && !strcmp(w + n - 5, "/make"));
}

static int ends_command(const char *w)
{
	return !strcmp(w, "&&") || !strcmp(w, "||") || !strcmp(w, ";") || !strcmp(w, "|") || w[0] == '>' ||
	       w[0] == '<' || str_starts(w, "2>") || !strcmp(w, ")") || !strcmp(w, "done") || !strcmp(w, "fi");
}

static char *unquoted(const char *w)
{
	size_t n = strlen(w);
	while (n && (*w == '"' || *w == '\'' || *w == '+' || *w == '@' || *w == '(')) {
		w++;
		n--;
	}
	while (n && (w[n - 1] == '"' || w[n - 1] == '\'' || w[n - 1] == ';'))
		n--;
	return xstrndup(w, n);
}

/* The arguments after `make`: -C dir, -f file, VAR=value, goals. */
static void read_make_call(struct rule *r, int at, char **w, size_t n, const char *cd)
{
	GROW(r->reqs, r->nreqs, r->reqs_cap);
	struct request *q = &r->reqs[r->nreqs++];
	memset(q, 0, sizeof *q);
	q->at_target = at;
	q->dir = cd ? xstrdup(cd) : NULL;
	for (size_t i = 0; i < n && !ends_command(w[i]); i++) {
		int last = strlen(w[i]) > 0 && w[i][strlen(w[i]) - 1] == ';';
		char *a = unquoted(w[i]);
		char **slot = NULL;
		const char *val = NULL;
		if (!strcmp(a, "-C") || !strcmp(a, "--directory") || !strcmp(a, "-f") || !strcmp(a, "--file") ||
		    !strcmp(a, "--makefile")) {
			slot = a[1] == 'C' || a[2] == 'd' ? &q->dir : &q->file;
			val = i + 1 < n ? w[++i] : "*";
		} else if (str_starts(a, "-C") || str_starts(a, "--directory=")) {
			slot = &q->dir;
			val = a[1] == 'C' ? a + 2 : a + 12;
		} else if (a[0] == '-') {
			if ((!strcmp(a, "-j") || !strcmp(a, "-l")) && i + 1 < n && isdigit((unsigned char)w[i + 1][0]))
				i++;
			else if (!strcmp(a, "-o") || !strcmp(a, "-W") || !strcmp(a, "-I"))
				i++;
		} else if (strchr(a, '=') && a[0] != '=') {
			words_adds(&q->assigns, a);
		} else if (*a && !strchr(a, ':')) {   /* `|| :` is the shell's no-op, not a goal */
			words_adds(&q->goals, a);
		}
		if (slot) {
			char *v = unquoted(val);
			free(*slot);
			*slot = v;
		}
		free(a);
		if (last)
			break;
	}
}

static void read_recipe_calls(struct graph *g, struct rule *r)
{
	size_t nt = r->targets.len ? r->targets.len : 1;
	for (size_t t = 0; t < nt; t++)
		for (size_t l = 0; l < r->nrecipe; l++) {
			const char *line = r->recipe[l];
			if (!strstr(line, "$") && !strstr(line, "make"))
				continue;
			struct words w = { .ordered = 1 };
			struct xctx x = { g, r->targets.len ? r->targets.v[t] : NULL, 1, 0 };
			expand(&x, line, strlen(line), &w);
			const char *cd = NULL;
			for (size_t i = 0; i < w.len; i++) {
				char *a = unquoted(w.v[i]);
				if (!strcmp(a, "cd") && i + 1 < w.len)
					cd = w.v[i + 1];
				if (is_make_word(a))
					read_make_call(r, r->targets.len ? (int)t : -1, w.v + i + 1, w.len - i - 1, cd);
				free(a);
			}
			words_free(&w);
		}
}

/* ---- graphs ---- */

static const char *const make_names[] = { "GNUmakefile", "makefile", "Makefile" };

struct make_goals *make_goals_new(void)
{
	return xcalloc(1, sizeof(struct make_goals));
}

void make_goals_add(struct make_goals *mg, const struct tree_index *ix, int file, const char *src, size_t len)
{
	struct graph *g = xcalloc(1, sizeof *g);
	g->file = file;
	g->rel = xstrdup(ix->walk->files[file].rel);
	const char *slash = strrchr(g->rel, '/');
	g->dir = slash ? xstrndup(g->rel, (size_t)(slash - g->rel)) : xstrdup("");
	const char *base = slash ? slash + 1 : g->rel;
	for (size_t i = 0; i < 3; i++)
		g->named |= !strcmp(base, make_names[i]);
	g->ix = ix;
	read_text(g, src, len, 1, 0);
	g->ix = NULL;
	if (!g->named)
		set_uncertain(g, xstrdup("make reads it only when another Makefile includes it"));
	GROW(mg->g, mg->n, mg->cap);
	mg->g[mg->n++] = g;
}

static void expand_rule(struct graph *g, struct rule *r)
{
	struct xctx x = { g, NULL, 0, 0 };
	struct words t = {0}, p = {0};
	words_free(&r->targets);
	words_free(&r->prereqs);
	expand(&x, r->targets_raw, strlen(r->targets_raw), &t);
	expand(&x, r->prereqs_raw, strlen(r->prereqs_raw), &p);
	for (size_t i = 0; i < t.len; i++) {
		char *gl = to_glob(t.v[i]);
		words_adds(&r->targets, gl);
		free(gl);
	}
	for (size_t i = 0; i < p.len; i++) {
		if (!strcmp(p.v[i], "|"))
			continue;   /* order-only prerequisites are made too */
		char *gl = to_glob(p.v[i]);
		words_adds(&r->prereqs, gl);
		free(gl);
	}
	words_free(&t);
	words_free(&p);
	free(r->target_reached);
	r->target_reached = xcalloc(r->targets.len + 1, 1);
}

static int add_root(struct graph *g, const char *w)
{
	for (size_t i = 0; i < g->roots.len; i++)
		if (!strcmp(g->roots.v[i], w))
			return 0;
	words_adds(&g->roots, w);
	return 1;
}

/* The first target, of the first rule, that does not start with '.' (a
 * special target; unless it has a '/') and is not a pattern; a rule under
 * a conditional may not be there, so the next one counts too. .DEFAULT_GOAL
 * adds its words. */
static void find_default_goal(struct graph *g)
{
	for (size_t i = 0; i < g->nrules; i++) {
		struct rule *r = &g->rules[i];
		struct words raw = {0};
		struct xctx x = { g, NULL, 0, 0 };
		expand(&x, r->targets_raw, strlen(r->targets_raw), &raw);
		const char *pick = NULL;
		for (size_t k = 0; k < raw.len && !pick; k++)
			if (!strchr(raw.v[k], '%') && (raw.v[k][0] != '.' || strchr(raw.v[k], '/')))
				pick = raw.v[k];
		if (pick) {
			char *gl = to_glob(pick);
			if (!strcmp(gl, "*"))
				set_uncertain(g, xasprintf("its first target `%s` is unknown", r->targets_raw));
			add_root(g, gl);
			if (!g->goal)
				g->goal = xstrdup(pick);
			free(gl);
		}
		words_free(&raw);
		if (pick && r->depth == 0)
			break;
	}
	struct words dg = {0};
	struct xctx x = { g, NULL, 0, 0 };
	expand_var(&x, ".DEFAULT_GOAL", 13, &dg);
	for (size_t i = 0; i < dg.len; i++) {
		if (!strcmp(dg.v[i], "*"))
			set_uncertain(g, xstrdup("its .DEFAULT_GOAL is unknown"));
		add_root(g, dg.v[i]);
		if (i == 0 && !has_star(dg.v[0])) {
			free(g->goal);
			g->goal = xstrdup(dg.v[0]);
		}
	}
	words_free(&dg);
	for (size_t i = 0; i < g->includes.len; i++)
		add_root(g, g->includes.v[i]);   /* a rule that makes an included file runs first */
}

/* A Makefile another one includes is read as part of it too: what its
 * default goal alone builds says nothing then. */
static void mark_included(struct make_goals *mg)
{
	for (size_t i = 0; i < mg->n; i++)
		for (size_t k = 0; k < mg->g[i]->nincluded; k++)
			for (size_t j = 0; j < mg->n; j++)
				if (j != i && mg->g[j]->file == mg->g[i]->included[k])
					set_uncertain(mg->g[j], xasprintf("%s includes it", mg->g[i]->rel));
}

/* Breadth first from the roots: a rule is reached when a wanted word meets
 * one of its targets; its prerequisites are wanted in turn. */
static void reach(struct graph *g)
{
	struct words queue = {0};
	for (size_t i = 0; i < g->roots.len; i++)
		words_adds(&queue, g->roots.v[i]);
	for (size_t i = 0; i < g->nrules; i++)
		for (size_t k = 0; k < g->rules[i].targets.len; k++)
			if (!strcmp(g->rules[i].targets.v[k], "*"))
				words_adds(&queue, "*");   /* a rule for unknown targets: they may be anything */
	for (size_t q = 0; q < queue.len; q++) {
		const char *w = queue.v[q];
		struct strmap_entry *e = strmap_get(&g->wanted, w, strlen(w), 1);
		if (e->value)
			continue;
		e->value = (void *)1;
		for (size_t i = 0; i < g->nrules; i++) {
			struct rule *r = &g->rules[i];
			int met = 0;
			for (size_t k = 0; k < r->targets.len; k++)
				if (!r->target_reached[k] && make_glob_meet(w, r->targets.v[k])) {
					r->target_reached[k] = 1;
					met = 1;
				}
			if (met && !r->reached) {
				r->reached = 1;
				for (size_t k = 0; k < r->prereqs.len; k++)
					words_adds(&queue, r->prereqs.v[k]);
			}
		}
	}
	words_free(&queue);
}

/* ---- what a plain make surely makes ----
 *
 * reach() errs on the side of more: every definition of a variable counts.
 * For a target-specific line to be an error its target must be made for
 * sure, so this side errs the other way: only text whose words are the
 * same in every plain `make` is followed. */

static int text_sure(struct graph *g, const char *s, size_t n, int before, int nest);

/* A variable whose value is known where it is used (at `before`, a line's
 * place in the reading): set by one unconditional `=` or `:=`, then
 * `+=`s, all read before that line, of sure text. An unset variable is
 * not: the environment may give it a value. */
static int var_sure(struct graph *g, const char *name, size_t n, int before, int nest)
{
	struct var *v = var_get(g, name, n, 0);
	if (!v || !v->n || v->busy || nest >= MAX_NEST)
		return 0;
	int ok = 1;
	v->busy = 1;
	for (size_t i = 0; i < v->n && ok; i++) {
		const struct def *d = &v->defs[i];
		ok = d->uncond && d->kind == DEF_TEXT && d->order < before && (i == 0 || d->append) &&
		     text_sure(g, d->text, strlen(d->text), d->simple ? d->order : before, nest + 1);
	}
	v->busy = 0;
	return ok;
}

/* The inside of $(...): a plain variable or a substitution reference
 * `$(VAR:.c=.o)` of one; functions, automatic and computed names are not
 * sure. */
static int ref_sure(struct graph *g, const char *s, size_t n, int before, int nest)
{
	size_t k = 0;
	while (k < n && (isalnum((unsigned char)s[k]) || strchr("_.-", s[k])))
		k++;
	if (!k || (k < n && (s[k] != ':' || !memchr(s + k, '=', n - k))) || mem_eq(s, k, "MAKE") ||
	    mem_eq(s, k, "CURDIR") || mem_eq(s, k, "MAKEFILE_LIST"))
		return 0;
	return var_sure(g, s, k, before, nest) && (k == n || text_sure(g, s + k + 1, n - k - 1, before, nest + 1));
}

static int text_sure(struct graph *g, const char *s, size_t n, int before, int nest)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '$')
			continue;
		if (i + 1 < n && s[i + 1] == '$') {
			i++;
			continue;
		}
		size_t in = 0, inlen = 0, e = ref_end(s, n, i, &in, &inlen);
		if (!ref_sure(g, s + in, inlen, before, nest))
			return 0;
		i = e - 1;
	}
	return 1;
}

/* The default goal when nothing conditional or unknown picks it. */
static void sure_roots(struct graph *g, struct words *out)
{
	struct xctx x = { g, NULL, 0, 0 };
	struct var *dg = var_get(g, ".DEFAULT_GOAL", 13, 0);
	if (dg) {
		if (var_sure(g, ".DEFAULT_GOAL", 13, g->order + 1, 0))
			expand_var(&x, ".DEFAULT_GOAL", 13, out);
		return;
	}
	for (size_t i = 0; i < g->nrules; i++) {
		const struct rule *r = &g->rules[i];
		struct words raw = {0};
		expand(&x, r->targets_raw, strlen(r->targets_raw), &raw);
		const char *pick = NULL;
		for (size_t k = 0; k < raw.len && !pick; k++)
			if (!strchr(raw.v[k], '%') && (raw.v[k][0] != '.' || strchr(raw.v[k], '/')))
				pick = raw.v[k];
		if (pick && r->depth == 0 && text_sure(g, r->targets_raw, strlen(r->targets_raw), r->order, 0))
			words_adds(out, pick);
		words_free(&raw);
		if (pick)
			return;   /* the first rule with a goal decides, sure or not */
	}
}

/* Does an explicit rule outside conditionals, whose targets and
 * prerequisites are sure, make `w`? Then its prerequisites are made too. */
static void sure_prereqs(struct graph *g, const char *w, struct words *queue)
{
	for (size_t i = 0; i < g->nrules; i++) {
		const struct rule *r = &g->rules[i];
		int names = 0;
		for (size_t k = 0; k < r->targets.len && !names; k++)
			names = !strcmp(r->targets.v[k], w);
		if (!names || r->depth || !text_sure(g, r->targets_raw, strlen(r->targets_raw), r->order, 0) ||
		    !text_sure(g, r->prereqs_raw, strlen(r->prereqs_raw), r->order, 0))
			continue;
		for (size_t k = 0; k < r->prereqs.len; k++)
			if (!has_star(r->prereqs.v[k]))
				words_adds(queue, r->prereqs.v[k]);
	}
}

static void find_sure(struct graph *g)
{
	struct words queue = {0};
	sure_roots(g, &queue);
	for (size_t q = 0; q < queue.len; q++) {
		const char *w = queue.v[q];
		if (has_star(w) || strmap_has(&g->sure, w, strlen(w)))
			continue;
		strmap_get(&g->sure, w, strlen(w), 1)->value = (void *)1;
		sure_prereqs(g, w, &queue);
	}
	words_free(&queue);
}

static int meets_any(const char *w, const struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && make_glob_meet(w, m->slots[i].key))
			return 1;
	return 0;
}

/* A target-specific line is in effect while its target is made: for sure
 * when the default goal surely makes a target it names (or its pattern
 * matches), never when no word the default goal may want meets it. */
static void decide_target_var(struct graph *g, struct target_var *tv)
{
	struct xctx x = { g, NULL, 0, 0 };
	struct words raw = {0}, targets = {0};
	expand(&x, tv->targets_raw, strlen(tv->targets_raw), &raw);
	for (size_t i = 0; i < raw.len; i++) {
		char *gl = to_glob(raw.v[i]);
		words_adds(&targets, gl);
		free(gl);
	}
	int sure = 0, wanted = 0;
	for (size_t i = 0; i < targets.len; i++) {
		sure |= meets_any(targets.v[i], &g->sure);
		wanted |= meets_any(targets.v[i], &g->wanted);
	}
	size_t tn = strlen(tv->targets_raw);
	const char *t = trim(tv->targets_raw, &tn);
	if (sure && text_sure(g, tv->targets_raw, strlen(tv->targets_raw), tv->order, 0)) {
		tv->reach = MAKE_REACH_BUILT;
	} else if (targets.len && !wanted) {
		tv->reach = MAKE_REACH_UNBUILT;
		int one = targets.len == 1 && !has_star(targets.v[0]);
		const char *name = one ? targets.v[0] : t;
		int nn = one ? (int)strlen(name) : (int)tn;
		if (one)
			tv->why = g->asked ? xasprintf(MAKE_GOALS_UNBUILT_FOR "%.*s`, which neither the default goal `%s` nor "
						       "the other Makefiles' $(MAKE) calls build", nn, name, g->goal)
					   : xasprintf(MAKE_GOALS_UNBUILT_FOR "%.*s`, which the default goal `%s` does not build",
						       nn, name, g->goal);
		else
			tv->why = g->asked ? xasprintf(MAKE_GOALS_UNBUILT_FOR "%.*s`, none of which the default goal `%s` or "
						       "the other Makefiles' $(MAKE) calls build", nn, name, g->goal)
					   : xasprintf(MAKE_GOALS_UNBUILT_FOR "%.*s`, none of which the default goal `%s` builds",
						       nn, name, g->goal);
	}
	words_free(&raw);
	words_free(&targets);
}

static struct graph *graph_at(struct make_goals *mg, const char *rel)
{
	for (size_t i = 0; i < mg->n; i++)
		if (!strcmp(mg->g[i]->rel, rel))
			return mg->g[i];
	return NULL;
}

/* The Makefile `make` reads in directory `dir`. */
static struct graph *graph_in(struct make_goals *mg, const char *dir)
{
	for (size_t k = 0; k < 3; k++) {
		char *rel = *dir ? xasprintf("%s/%s", dir, make_names[k]) : xstrdup(make_names[k]);
		struct graph *g = graph_at(mg, rel);
		free(rel);
		if (g)
			return g;
	}
	return NULL;
}

/* The Makefiles a call reaches: one, none (outside the tree), or every one
 * when its directory or file is unknown. */
static size_t call_targets(struct make_goals *mg, struct graph *from, const struct request *q, struct graph **out)
{
	const char *dir = q->dir ? q->dir : ".";
	if ((q->dir && (has_star(q->dir) || strchr(q->dir, '$'))) || (q->file && (has_star(q->file) || strchr(q->file, '$')))) {
		for (size_t i = 0; i < mg->n; i++)
			out[i] = mg->g[i];
		return mg->n;
	}
	char *d = tree_path(from->dir, dir);
	if (!d)
		return 0;   /* outside the tree */
	struct graph *g = NULL;
	if (q->file) {
		char *rel = tree_path(d, q->file);
		g = rel ? graph_at(mg, rel) : NULL;
		free(rel);
	} else {
		g = graph_in(mg, d);
		if (!g && !q->dir)
			g = from;
	}
	free(d);
	if (!g)
		return 0;
	out[0] = g;
	return 1;
}

/* Command-line assignments of every call, before the rules are expanded:
 * `$(MAKE) $@ BUILD_DIR=obj/...` gives BUILD_DIR a value there. */
static void apply_assigns(struct make_goals *mg, struct graph **to)
{
	for (size_t i = 0; i < mg->n; i++)
		for (size_t r = 0; r < mg->g[i]->nrules; r++) {
			struct rule *ru = &mg->g[i]->rules[r];
			for (size_t k = 0; k < ru->nreqs; k++) {
				size_t nt = call_targets(mg, mg->g[i], &ru->reqs[k], to);
				const struct words *as = &ru->reqs[k].assigns;
				for (size_t a = 0; a < as->len; a++) {
					const char *eq = strchr(as->v[a], '=');
					size_t nl = (size_t)(eq - as->v[a]);
					while (nl && strchr("+:?", as->v[a][nl - 1]))
						nl--;
					for (size_t t = 0; t < nt; t++)
						var_define(to[t], as->v[a], nl, eq + 1, strlen(eq + 1), DEF_WORDS, 0, 0);
				}
			}
		}
}

/* Goals that reached recipes ask of Makefiles; 1 when one is new. */
static int apply_goals(struct make_goals *mg, struct graph **to)
{
	int changed = 0;
	for (size_t i = 0; i < mg->n; i++) {
		struct graph *g = mg->g[i];
		for (size_t r = 0; r < g->nrules; r++) {
			struct rule *ru = &g->rules[r];
			int all = g->uncertain != NULL;   /* what an uncertain file reaches is not known */
			for (size_t k = 0; k < ru->nreqs; k++) {
				const struct request *q = &ru->reqs[k];
				int live = all || (q->at_target >= 0 && (size_t)q->at_target < ru->targets.len
							   ? ru->target_reached[q->at_target] : ru->reached);
				if (!live)
					continue;
				size_t nt = call_targets(mg, g, q, to);
				for (size_t t = 0; t < nt; t++)
					for (size_t w = 0; w < q->goals.len; w++) {
						char *gl = to_glob(q->goals.v[w]);
						if (add_root(to[t], gl)) {
							changed = 1;
							to[t]->asked |= to[t] != g;
						}
						free(gl);
					}
			}
		}
	}
	return changed;
}

static void free_requests(struct rule *r)
{
	for (size_t i = 0; i < r->nreqs; i++) {
		free(r->reqs[i].dir);
		free(r->reqs[i].file);
		words_free(&r->reqs[i].goals);
		words_free(&r->reqs[i].assigns);
	}
	free(r->reqs);
	r->reqs = NULL;
	r->nreqs = r->reqs_cap = 0;
}

static void explain_unreached(struct graph *g)
{
	for (size_t i = 0; i < g->nrules; i++) {
		struct rule *r = &g->rules[i];
		if (r->reached || !r->line || !g->goal)
			continue;
		const char *name = r->targets.len == 1 && !has_star(r->targets.v[0]) ? r->targets.v[0] : r->targets_raw;
		size_t nn = strlen(name);
		const char *t = trim(name, &nn);
		r->why = g->asked ? xasprintf(MAKE_GOALS_UNBUILT "%.*s`, which neither the default goal `%s` nor the "
					      "other Makefiles' $(MAKE) calls build", (int)nn, t, g->goal)
				  : xasprintf(MAKE_GOALS_UNBUILT "%.*s`, which the default goal `%s` does not build",
					      (int)nn, t, g->goal);
	}
}

/* What make's built-in rules pass to compiles, and what frameworks that
 * include a Makefile read: never "only in one recipe". */
static const char *const builtin_vars[] = {
	"CC", "CXX", "CPP", "AS", "LD", "AR", "ARFLAGS", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "ASFLAGS",
	"LDFLAGS", "LDLIBS", "LOADLIBES", "TARGET_ARCH", "TARGET_MACH", "OUTPUT_OPTION", "MAKEFLAGS",
	"AM_CFLAGS", "AM_CPPFLAGS", "AM_CCASFLAGS", "EXTRA_CFLAGS", "ccflags-y", "asflags-y",
	"KBUILD_CFLAGS", "KBUILD_CPPFLAGS", "KBUILD_AFLAGS", ".DEFAULT_GOAL" };

static int builtin_var(const char *name)
{
	for (size_t i = 0; i < sizeof builtin_vars / sizeof *builtin_vars; i++)
		if (!strcmp(name, builtin_vars[i]))
			return 1;
	return 0;
}

/* `start` and every variable their values name, into `into`. */
static void close_uses(const struct graph *g, struct strmap *into, const struct words *start)
{
	struct words queue = { .ordered = 1 };
	words_append(&queue, start);
	for (size_t q = 0; q < queue.len; q++) {
		struct strmap_entry *e = strmap_get(into, queue.v[q], strlen(queue.v[q]), 1);
		if (e->value)
			continue;
		e->value = (void *)1;
		for (size_t k = 0; k < g->edge_from.len; k++)
			if (!strcmp(g->edge_from.v[k], queue.v[q]))
				words_adds(&queue, g->edge_to.v[k]);
	}
	words_free(&queue);
}

static void recipe_refs(struct graph *g, const struct rule *r, struct words *out)
{
	for (size_t l = 0; l < r->nrecipe; l++)
		scan_refs(g, r->recipe[l], strlen(r->recipe[l]), out);
}

/* A variable that only the recipes of unreached rules name (directly or
 * through other variables) reaches no compile of the default build. */
static void explain_unreached_vars(struct graph *g)
{
	struct strmap used = {0};
	struct words start = {0};
	for (size_t i = 0; i < g->used_anywhere.cap; i++)
		if (g->used_anywhere.slots[i].key)
			words_adds(&start, g->used_anywhere.slots[i].key);
	/* the built-in rules pass these (`CFLAGS = $(X86_FLAGS)` reaches main.o
	 * with no recipe naming CFLAGS), and so what their values name */
	for (size_t i = 0; i < sizeof builtin_vars / sizeof *builtin_vars; i++)
		words_adds(&start, builtin_vars[i]);
	for (size_t i = 0; i < g->nrules; i++)
		if (g->rules[i].reached)
			recipe_refs(g, &g->rules[i], &start);
	close_uses(g, &used, &start);
	for (size_t i = 0; i < g->nrules && !g->vars_uncertain; i++) {
		const struct rule *r = &g->rules[i];
		if (r->reached)
			continue;
		struct strmap mine = {0};
		struct words refs = {0};
		recipe_refs(g, r, &refs);
		close_uses(g, &mine, &refs);
		size_t tn = strlen(r->targets_raw);
		const char *t = trim(r->targets_raw, &tn);
		for (size_t k = 0; k < mine.cap; k++) {
			const char *v = mine.slots[k].key;
			if (!v || strmap_has(&used, v, strlen(v)) || builtin_var(v) || !strmap_has(&g->vars, v, strlen(v)) ||
			    strmap_has(&g->var_why, v, strlen(v)))
				continue;
			strmap_get(&g->var_why, v, strlen(v), 1)->value =
				xasprintf(MAKE_GOALS_UNBUILT "%.*s`, which the default goal `%s` does not build, through `%s`",
					  (int)tn, t, g->goal, v);
		}
		strmap_free(&mine, NULL);
		words_free(&refs);
	}
	strmap_free(&used, NULL);
	words_free(&start);
}

void make_goals_finish(struct make_goals *mg)
{
	struct graph **to = xcalloc(mg->n + 1, sizeof *to);
	mark_included(mg);
	for (size_t i = 0; i < mg->n; i++)
		for (size_t r = 0; r < mg->g[i]->nrules; r++) {
			expand_rule(mg->g[i], &mg->g[i]->rules[r]);
			read_recipe_calls(mg->g[i], &mg->g[i]->rules[r]);
		}
	apply_assigns(mg, to);
	/* again, with the values those calls give: the targets and $@ change */
	for (size_t i = 0; i < mg->n; i++) {
		for (size_t r = 0; r < mg->g[i]->nrules; r++) {
			struct rule *ru = &mg->g[i]->rules[r];
			free_requests(ru);
			expand_rule(mg->g[i], ru);
			read_recipe_calls(mg->g[i], ru);
		}
		find_default_goal(mg->g[i]);
	}
	int changed = 1;
	for (int round = 0; changed && round < 32; round++) {
		for (size_t i = 0; i < mg->n; i++)
			reach(mg->g[i]);
		changed = apply_goals(mg, to);
	}
	if (changed)
		for (size_t i = 0; i < mg->n; i++)
			set_uncertain(mg->g[i], xstrdup("its recursive make calls did not settle"));
	for (size_t i = 0; i < mg->n; i++)
		if (!mg->g[i]->uncertain && mg->g[i]->goal) {
			explain_unreached(mg->g[i]);
			explain_unreached_vars(mg->g[i]);
			find_sure(mg->g[i]);
			for (size_t t = 0; t < mg->g[i]->ntvars; t++)
				decide_target_var(mg->g[i], &mg->g[i]->tvars[t]);
		}
	mg->finished = 1;
	free(to);
}

enum make_reach make_goals_target_var(const struct make_goals *mg, int file, int line, const char **why)
{
	*why = NULL;
	for (size_t i = 0; mg && mg->finished && i < mg->n; i++) {
		const struct graph *g = mg->g[i];
		if (g->file != file || g->uncertain)
			continue;
		for (size_t t = 0; t < g->ntvars; t++)
			if (g->tvars[t].line == line) {
				*why = g->tvars[t].why;
				return g->tvars[t].reach;
			}
	}
	return MAKE_REACH_UNKNOWN;
}

const char *make_goals_unbuilt(const struct make_goals *mg, int file, int line)
{
	for (size_t i = 0; mg && i < mg->n; i++) {
		const struct graph *g = mg->g[i];
		if (g->file != file || g->uncertain)
			continue;
		for (size_t r = 0; r < g->nrules; r++)
			if (g->rules[r].line == line)
				return g->rules[r].why;
	}
	return NULL;
}

const char *make_goals_var_unbuilt(const struct make_goals *mg, int file, const char *name)
{
	for (size_t i = 0; mg && i < mg->n; i++) {
		const struct graph *g = mg->g[i];
		if (g->file == file && !g->uncertain && !g->vars_uncertain)
			return strmap_value(&g->var_why, name, strlen(name));
	}
	return NULL;
}

static void free_var(void *p)
{
	struct var *v = p;
	for (size_t i = 0; v && i < v->n; i++)
		free(v->defs[i].text);
	if (v)
		free(v->defs);
	free(v);
}

static void free_rule(struct rule *r)
{
	free_requests(r);
	free(r->targets_raw);
	free(r->prereqs_raw);
	for (size_t i = 0; i < r->nrecipe; i++)
		free(r->recipe[i]);
	free(r->recipe);
	words_free(&r->targets);
	words_free(&r->prereqs);
	free(r->target_reached);
	free(r->why);
}

void make_goals_free(struct make_goals *mg)
{
	for (size_t i = 0; mg && i < mg->n; i++) {
		struct graph *g = mg->g[i];
		for (size_t r = 0; r < g->nrules; r++)
			free_rule(&g->rules[r]);
		free(g->rules);
		for (size_t t = 0; t < g->ntvars; t++) {
			free(g->tvars[t].targets_raw);
			free(g->tvars[t].why);
		}
		free(g->tvars);
		strmap_free(&g->vars, free_var);
		strmap_free(&g->wanted, NULL);
		strmap_free(&g->sure, NULL);
		words_free(&g->roots);
		words_free(&g->includes);
		free(g->included);
		strmap_free(&g->used_anywhere, NULL);
		strmap_free(&g->var_why, free);
		words_free(&g->edge_from);
		words_free(&g->edge_to);
		free(g->rel);
		free(g->dir);
		free(g->goal);
		free(g->uncertain);
		free(g);
	}
	if (mg)
		free(mg->g);
	free(mg);
}
