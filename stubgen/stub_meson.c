/* meson.build: each x86 option string becomes a variable that holds the
 * option (a one-element array) when the host machine is x86 and nothing
 * otherwise, the meson counterpart of the Make/CMake variables of
 * stub_build.c. Meson flattens arrays in arguments, so a string argument
 * can become the variable as it is; inside an array literal the element is
 * cut out and the array becomes a concatenation (`['-O2'] + var`), which
 * keeps the options in their order, so the x86 build sees the same command
 * lines. The variables are set in an `if host_machine.cpu_family() in
 * [...]` block, which the scanner reads as an x86-only region.
 *
 * The reverse port (--target x86_64) does the same for aarch64 options
 * under `== 'aarch64'`, and for aarch64 assembly sources too: a source
 * string naming a .S/.s file with aarch64 code becomes a variable that
 * holds it on aarch64 and, on x86, a new file beside it that defines the
 * same global symbols as traps (the fix asm/aarch64-file asks for). Meson
 * can do what Make's pattern rules cannot, pick the file per machine, so
 * the aarch64 file itself can stay as it is (stub_asm.c then leaves it
 * alone unless another build system of the tree assembles it too). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "scan.h"
#include "stub_internal.h"

#define NONE ((size_t)-1)

struct mtok {
	char kind;         /* 's' string, 'i' identifier, 'n' number, else the punctuation */
	size_t line, col, end;   /* [col, end) on `line`; a ''' string ends on end_line */
	size_t end_line;
	size_t parent;     /* the enclosing ( [ {, or NONE */
	size_t match;      /* an opening bracket's closing one, else NONE */
	int x86;           /* index + 1 of the option use it carries */
};

struct mlex {
	const struct file_patch *fp;
	struct mtok *t;
	size_t n, cap;
};

/* A ''' string: its end on this or a later line. */
static void long_string(struct mlex *m, struct mtok *t, size_t l, size_t from)
{
	for (; l < m->fp->nlines; l++, from = 0) {
		const char *e = strstr(m->fp->lines[l] + from, "'''");
		if (e) {
			t->end_line = l;
			t->end = (size_t)(e - m->fp->lines[l]) + 3;
			return;
		}
	}
	t->end_line = m->fp->nlines - 1;
	t->end = strlen(m->fp->lines[t->end_line]);
}

/* One token at lines[l][i]; returns its kind ('\0' at the end of the line). */
static char lex_token(struct mlex *m, struct mtok *t, size_t l, size_t i)
{
	const char *s = m->fp->lines[l];
	*t = (struct mtok){ .line = l, .col = i, .end_line = l, .parent = NONE, .match = NONE };
	if (!s[i] || s[i] == '#')
		return '\0';
	size_t j = i + 1;
	if (!strncmp(s + i, "'''", 3)) {
		t->kind = 's';
		long_string(m, t, l, i + 3);
		return 's';
	}
	if (s[i] == '\'') {
		while (s[j] && s[j] != '\'')
			j += s[j] == '\\' && s[j + 1] ? 2 : 1;
		j += s[j] == '\'';
		t->kind = 's';
	} else if (isalpha((unsigned char)s[i]) || s[i] == '_') {
		while (isalnum((unsigned char)s[j]) || s[j] == '_')
			j++;
		t->kind = 'i';
	} else if (isdigit((unsigned char)s[i])) {
		while (isalnum((unsigned char)s[j]))
			j++;
		t->kind = 'n';
	} else {
		t->kind = s[i];
	}
	t->end = j;
	return t->kind;
}

/* Tokens of the file, with each bracket's match and each token's parent. */
static void mlex_file(struct mlex *m)
{
	size_t *stack = NULL, depth = 0, scap = 0;
	for (size_t l = 0; l < m->fp->nlines; l++) {
		size_t i = 0;
		for (;;) {
			while (m->fp->lines[l][i] && strchr(" \t\r", m->fp->lines[l][i]))
				i++;
			struct mtok t;
			char k = lex_token(m, &t, l, i);
			if (!k)
				break;
			t.parent = depth ? stack[depth - 1] : NONE;
			if ((k == ')' || k == ']' || k == '}') && depth) {
				m->t[stack[--depth]].match = m->n;
				t.parent = depth ? stack[depth - 1] : NONE;
			}
			GROW(m->t, m->n, m->cap);
			m->t[m->n++] = t;
			if (k == '(' || k == '[' || k == '{') {
				GROW(stack, depth, scap);
				stack[depth++] = m->n - 1;
			}
			if (t.end_line != l) {   /* a ''' string: go on after it */
				l = t.end_line;
				i = t.end;
				continue;
			}
			i = t.end;
		}
	}
	free(stack);
}

/* An option, or in the reverse port an assembly source, that the source
 * arch's host keeps and other hosts lose or swap. */
struct opt_use {
	char *opt, *var;
	char *twin;   /* a source: the x86 twin's name as meson.build spells it; NULL for an option */
	char *rel, *twin_rel;   /* a source and its twin, relative to the root */
};

/* archport_x86_msse4_2 for -msse4.2, archport_aarch64_asm_src_vectors_S for
 * the source src/vectors.S */
static char *variable_for(const struct knowledge *k, const char *opt, int source)
{
	struct strbuf sb = {0};
	sb_addf(&sb, "archport_%s_%s", k->source->name, source ? "asm_" : "");
	for (const char *p = opt + !source; *p; p++)
		sb_addc(&sb, isalnum((unsigned char)*p) ? *p : '_');
	return sb_detach(&sb);
}

/* The string token that is exactly the option at the finding (1-based
 * line and column of the option, inside the quotes), or NONE. */
static size_t option_token(const struct mlex *m, const struct finding *fd, char **opt)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mtok *t = &m->t[i];
		if (t->kind != 's' || t->line + 1 != (size_t)fd->line || t->col + 2 != (size_t)fd->column ||
		    t->end_line != t->line)
			continue;
		const char *s = m->fp->lines[t->line];
		if (s[t->col] != '\'' || s[t->end - 1] != '\'' || t->end - t->col < 4 || memchr(s + t->col + 1, '\\', t->end - t->col - 2))
			return NONE;   /* escapes or not one whole option: left as reported */
		*opt = xstrndup(s + t->col + 1, t->end - t->col - 2);
		return i;
	}
	return NONE;
}

/* Inside `cc.has_argument(...)` and the other yes/no probes: meson asks the
 * compiler and the answer is "no" on the target, which breaks nothing,
 * while an empty argument list would change the question. */
static int in_probe(const struct mlex *m, size_t i)
{
	static const char *const probes[] = { "has_argument", "has_link_argument", "has_multi_arguments",
		"has_multi_link_arguments" };
	for (size_t p = m->t[i].parent; p != NONE; p = m->t[p].parent) {
		if (m->t[p].kind != '(' || p == 0 || m->t[p - 1].kind != 'i')
			continue;
		const struct mtok *f = &m->t[p - 1];
		for (size_t k = 0; k < sizeof probes / sizeof *probes; k++)
			if (mem_eq(m->fp->lines[f->line] + f->col, f->end - f->col, probes[k]))
				return 1;
	}
	return 0;
}

struct medit {
	size_t line, from, to;   /* bytes [from, to) of `line` */
	char *text;
};

struct medits {
	struct medit *v;
	size_t n, cap;
};

static void add_edit(struct medits *e, size_t line, size_t from, size_t to, char *text)
{
	GROW(e->v, e->n, e->cap);
	e->v[e->n++] = (struct medit){ line, from, to, text };
}

/* After the array, `.method()` or `[index]` binds tighter than `+`. */
static int needs_parens(const struct mlex *m, size_t close)
{
	return close + 1 < m->n && (m->t[close + 1].kind == '.' || m->t[close + 1].kind == '[');
}

/* Adds the other elements [from, to) of a line as one array term. */
static void add_run(struct strbuf *sb, int *terms, const char *s, size_t from, size_t to)
{
	if (from < to)
		sb_addf(sb, "%s[%.*s]", (*terms)++ ? " + " : "", (int)(to - from), s + from);
}

/* An array on one line: rewritten whole as runs of its other elements
 * and the option variables, joined by `+`. */
static void rewrite_array_line(const struct mlex *m, size_t open, const struct opt_use *u, struct medits *e)
{
	const struct mtok *o = &m->t[open];
	const char *s = m->fp->lines[o->line];
	struct strbuf sb = {0};
	int terms = 0;
	size_t run_from = NONE, run_to = 0, first = open + 1;
	for (size_t i = open + 1; i <= o->match; i++) {
		if (i < o->match && !(m->t[i].kind == ',' && m->t[i].parent == open))
			continue;
		if (first < i && first + 1 == i && m->t[first].x86) {   /* an option element */
			if (run_from != NONE)
				add_run(&sb, &terms, s, run_from, run_to);
			run_from = NONE;
			sb_addf(&sb, "%s%s", terms++ ? " + " : "", u[m->t[first].x86 - 1].var);
		} else if (first < i) {   /* another element: extends the run */
			if (run_from == NONE)
				run_from = m->t[first].col;
			run_to = m->t[i - 1].end;
		}
		first = i + 1;
	}
	if (run_from != NONE)
		add_run(&sb, &terms, s, run_from, run_to);
	char *text = terms > 1 && needs_parens(m, o->match) ? xasprintf("(%s)", sb.buf) : sb_detach(&sb);
	sb_free(&sb);
	add_edit(e, o->line, o->col, m->t[o->match].end, text);
}

/* An array over several lines: each option element (and its comma) is
 * cut out as `] + var + [`, which leaves valid arrays on both sides. */
static void split_array_lines(const struct mlex *m, size_t open, const struct opt_use *u, struct medits *e)
{
	const struct mtok *o = &m->t[open];
	for (size_t i = open + 1; i < o->match; i++) {
		const struct mtok *t = &m->t[i];
		if (t->parent != open || !t->x86)
			continue;
		const struct mtok *comma = i + 1 < o->match && m->t[i + 1].kind == ',' ? &m->t[i + 1] : NULL;
		size_t to = comma && comma->line == t->line ? comma->end : t->end;
		add_edit(e, t->line, t->col, to, xasprintf("] + %s + [", u[t->x86 - 1].var));
		if (comma && comma->line != t->line)
			add_edit(e, comma->line, comma->col, comma->end, xstrdup(""));
	}
	if (needs_parens(m, o->match)) {
		add_edit(e, o->line, o->col, o->col, xstrdup("("));
		add_edit(e, m->t[o->match].line, m->t[o->match].end, m->t[o->match].end, xstrdup(")"));
	}
}

static int one_line(const struct mlex *m, size_t open)
{
	const struct mtok *o = &m->t[open];
	for (size_t i = open; i <= o->match; i++)
		if (m->t[i].line != o->line || m->t[i].end_line != o->line)
			return 0;
	return 1;
}

/* Is token i an element of its array on its own (not `'-m' + x`)? */
static int whole_element(const struct mlex *m, size_t i)
{
	size_t p = m->t[i].parent;
	char before = m->t[i - 1].kind, after = i + 1 < m->n ? m->t[i + 1].kind : ']';
	return (i - 1 == p || before == ',') && (after == ',' || i + 1 == m->t[p].match);
}

/* A string where a list of options can stand: an argument, a keyword
 * argument's value, the right side of `=` or `+=`. Not a dictionary value
 * and not an operand of string `+`; nothing in an unbalanced file. */
static int list_can_stand(const struct mlex *m, size_t i)
{
	size_t p = m->t[i].parent;
	if (p != NONE && (m->t[p].kind != '(' || m->t[p].match == NONE))
		return 0;
	return !(i > 0 && m->t[i - 1].kind == '+') && !(i + 1 < m->n && m->t[i + 1].kind == '+');
}

/* Is another array with options nested in p, or p in it? The one-line
 * rewrite copies a run's text as it is, so nesting takes the split form. */
static int nests_marked(const struct mlex *m, const char *arrays, size_t p)
{
	for (size_t q = 0; q < m->n; q++)
		if (q != p && arrays[q] && ((q > p && q < m->t[p].match) || (p > q && p < m->t[q].match)))
			return 1;
	return 0;
}

static void plan_edits(struct mlex *m, const struct opt_use *u, struct medits *e)
{
	char *arrays = xcalloc(m->n, 1);
	for (size_t i = 0; i < m->n; i++) {
		struct mtok *t = &m->t[i];
		if (!t->x86)
			continue;
		size_t p = t->parent;
		if (p != NONE && m->t[p].kind == '[' && m->t[p].match != NONE && whole_element(m, i))
			arrays[p] = 1;
		else if (p == NONE || m->t[p].kind != '[') {
			if (list_can_stand(m, i))
				add_edit(e, t->line, t->col, t->end, xstrdup(u[t->x86 - 1].var));
			else
				t->x86 = 0;   /* left as reported */
		} else {
			t->x86 = 0;   /* part of an expression in an array */
		}
	}
	for (size_t p = 0; p < m->n; p++)
		if (arrays[p]) {
			if (one_line(m, p) && !nests_marked(m, arrays, p))
				rewrite_array_line(m, p, u, e);
			else
				split_array_lines(m, p, u, e);
		}
	free(arrays);
}

static int compare_medits(const void *pa, const void *pb)
{
	const struct medit *a = pa, *b = pb;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->from < b->from ? -1 : a->from > b->from;
}

/* Each edited line is replaced once, with all of its edits. */
static void apply_edits(struct file_patch *fp, struct medits *e)
{
	qsort(e->v, e->n, sizeof *e->v, compare_medits);
	for (size_t i = 0; i < e->n;) {
		size_t line = e->v[i].line, at = 0;
		const char *s = fp->lines[line];
		struct strbuf sb = {0};
		for (; i < e->n && e->v[i].line == line; i++) {
			if (e->v[i].from < at)
				continue;   /* overlaps the previous edit */
			sb_add(&sb, s + at, e->v[i].from - at);
			sb_adds(&sb, e->v[i].text);
			at = e->v[i].to;
		}
		sb_add(&sb, s + at, fp->lens[line] - at);
		sb_addc(&sb, '\n');
		patch_replace_bytes(fp, line, sb.buf, sb.len);
		sb_free(&sb);
	}
}

/* After project(...): the host machine is known from there on. */
static size_t definitions_line(const struct mlex *m)
{
	for (size_t i = 0; i + 1 < m->n; i++) {
		const struct mtok *t = &m->t[i];
		if (t->kind == 'i' && t->parent == NONE && m->t[i + 1].kind == '(' && m->t[i + 1].match != NONE &&
		    mem_eq(m->fp->lines[t->line] + t->col, t->end - t->col, "project"))
			return m->t[m->t[i + 1].match].line + 1;
	}
	return 0;
}

/* How meson.build tells the source arch's host machine. */
static const char *host_test(const struct knowledge *k)
{
	return k->target_is_x86 ? "host_machine.cpu_family() == 'aarch64'"
				 : "host_machine.cpu_family() in ['x86', 'x86_64']";
}

static void definitions(const struct knowledge *k, struct file_patch *fp, size_t line, const struct opt_use *u,
			size_t n, const char *used)
{
	struct strbuf sb = {0};
	int twins = 0;
	for (size_t i = 0; i < n; i++)
		twins |= used[i] && u[i].twin;
	sb_addf(&sb, "# archport: %s-only compiler options%s, kept for %s hosts only\n", k->source->name,
		twins ? " and assembly sources" : "", k->source->name);
	for (size_t i = 0; i < n; i++)
		if (used[i])
			sb_addf(&sb, "%s = []\n", u[i].var);
	sb_addf(&sb, "if %s\n", host_test(k));
	for (size_t i = 0; i < n; i++)
		if (used[i])
			sb_addf(&sb, "  %s = ['%s']\n", u[i].var, u[i].opt);
	if (twins) {   /* the target's host takes the twins (traps until ported) */
		sb_addf(&sb, "elif host_machine.cpu_family() in ['x86', 'x86_64']\n");
		for (size_t i = 0; i < n; i++)
			if (used[i] && u[i].twin)
				sb_addf(&sb, "  %s = ['%s']\n", u[i].var, u[i].twin);
	}
	sb_adds(&sb, "endif\n");
	patch_insert(fp, line, sb.buf);
	sb_free(&sb);
}

static void free_use(struct opt_use *u)
{
	free(u->opt);
	free(u->var);
	free(u->twin);
	free(u->rel);
	free(u->twin_rel);
}

/* The use u (an option, or a source when u.twin is set), merged with an
 * equal one; returns its index in v plus one. */
static int add_use(const struct knowledge *k, struct opt_use **v, size_t *n, size_t *cap, struct opt_use u)
{
	size_t i = 0;
	while (i < *n && strcmp((*v)[i].opt, u.opt))
		i++;
	if (i == *n) {
		u.var = variable_for(k, u.opt, u.twin != NULL);
		GROW(*v, *n, *cap);
		(*v)[(*n)++] = u;
	} else {
		free_use(&u);
	}
	return (int)i + 1;
}

/* Marks the option tokens of the findings; returns the distinct options. */
static size_t mark_options(const struct stub_ctx *c, struct mlex *m, struct opt_use **up, size_t *cap)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *fd = &c->findings[i];
		char *opt = NULL;
		/* the scan's findings, and port's "the target compiler rejects it" */
		if (strcmp(fd->rule, c->k->source->rule_build_flag) && strcmp(fd->rule, c->k->source->rule_build_march) &&
		    strcmp(fd->rule, RULE_BUILD_FLAG))
			continue;
		size_t t = option_token(m, fd, &opt);
		if (t == NONE || in_probe(m, t)) {
			free(opt);
			continue;
		}
		m->t[t].x86 = add_use(c->k, up, &n, cap, (struct opt_use){ .opt = opt });
	}
	return n;
}

/* The tree file a source string of meson.build names (relative to the
 * meson.build's directory), or NULL for names meson would resolve
 * elsewhere (absolute, `..`, escapes). */
static char *source_rel(const char *build_rel, const char *name, size_t n)
{
	if (!n || name[0] == '/' || memchr(name, '\\', n) || memmem(name, n, "..", 2))
		return NULL;
	while (n > 2 && name[0] == '.' && name[1] == '/') {
		name += 2;
		n -= 2;
	}
	const char *slash = strrchr(build_rel, '/');
	return slash ? xasprintf("%.*s/%.*s", (int)(slash - build_rel), build_rel, (int)n, name)
		     : xstrndup(name, n);
}

/* Does the scan report the file as source-arch assembly the target build
 * assembles (asm/aarch64-file, an error)? */
static int is_source_arch_asm(const struct stub_ctx *c, const char *rel)
{
	void *v = strmap_value(&c->ts->ix.files, rel, strlen(rel));
	if (!v)
		return 0;
	const struct file_scan *r = &c->ts->results[(intptr_t)v - 1];
	for (size_t j = 0; j < r->findings.len; j++)
		if (r->findings.items[j].severity == SEV_ERROR &&
		    !strcmp(r->findings.items[j].rule, c->k->source->rule_asm_file))
			return 1;
	return 0;
}

/* src/vectors.S -> src/vectors_x86_64.S */
static char *twin_name(const char *name, size_t n, const char *target)
{
	const char *dot = name + n;
	while (dot > name && dot[-1] != '.' && dot[-1] != '/')
		dot--;
	size_t stem = dot > name && dot[-1] == '.' ? (size_t)(dot - 1 - name) : n;
	return xasprintf("%.*s_%s%.*s", (int)stem, name, target, (int)(n - stem), name + stem);
}

/* Writes the twin of an assembly source, once however many meson.build
 * files list it: its global symbols as traps. The key tells stub_asm.c
 * that meson assembles the file on aarch64 only. */
static void write_asm_twin(struct stub_ctx *c, const struct opt_use *u)
{
	char *key = xasprintf("meson-source:%s", u->rel);
	struct file_patch *orig = stub_was_made(c, key) ? NULL : c->patch_for(c, u->rel);
	struct file_patch *nf = orig && orig->nlines ? c->new_file(c, u->twin_rel) : NULL;
	if (nf) {
		char *twin = stub_asm_twin(c->k->target, orig->lines, orig->nlines);
		patch_insert(nf, 0, twin);
		free(twin);
		stub_made(c, key);
	}
	free(key);
}

static int tree_has(const struct stub_ctx *c, const char *rel)
{
	return strmap_value(&c->ts->ix.files, rel, strlen(rel)) != NULL;
}

/* Reverse port: the string tokens that name a source-arch assembly file,
 * each marked as a use whose variable swaps it for its twin (a new file,
 * so never one the tree has). */
static size_t mark_sources(struct stub_ctx *c, struct mlex *m, struct opt_use **up, size_t n, size_t *cap)
{
	for (size_t i = 0; c->k->target_is_x86 && i < m->n; i++) {
		const struct mtok *t = &m->t[i];
		const char *s = m->fp->lines[t->line];
		size_t len = t->end - t->col;
		if (t->kind != 's' || t->end_line != t->line || len < 5 || s[t->col] != '\'' || s[t->end - 1] != '\'')
			continue;
		const char *name = s + t->col + 1;
		size_t nn = len - 2;
		if (!(name[nn - 2] == '.' && (name[nn - 1] == 'S' || name[nn - 1] == 's')) || in_probe(m, i))
			continue;
		struct opt_use u = { .rel = source_rel(m->fp->rel, name, nn) };
		if (u.rel && is_source_arch_asm(c, u.rel)) {
			u.twin = twin_name(name, nn, c->k->target);
			u.twin_rel = source_rel(m->fp->rel, u.twin, strlen(u.twin));
		}
		if (u.twin_rel && !tree_has(c, u.twin_rel)) {
			u.opt = xstrndup(name, nn);
			m->t[i].x86 = add_use(c->k, up, &n, cap, u);
		} else {
			free_use(&u);
		}
	}
	return n;
}

void stub_meson_file(struct stub_ctx *c, struct file_patch *fp)
{
	struct mlex m = { fp, NULL, 0, 0 };
	mlex_file(&m);
	struct opt_use *u = NULL;
	size_t cap = 0, n = mark_options(c, &m, &u, &cap);
	n = mark_sources(c, &m, &u, n, &cap);
	struct medits e = {0};
	if (n)
		plan_edits(&m, u, &e);
	char *used = xcalloc(n + 1, 1);
	for (size_t i = 0; i < m.n; i++)   /* options whose every use was left out need no variable */
		if (m.t[i].x86)
			used[m.t[i].x86 - 1] = 1;
	if (e.n) {
		definitions(c->k, fp, definitions_line(&m), u, n, used);
		apply_edits(fp, &e);
	}
	for (size_t i = 0; i < n; i++)   /* the sources whose uses were rewritten */
		if (used[i] && u[i].twin)
			write_asm_twin(c, &u[i]);
	for (size_t i = 0; i < e.n; i++)
		free(e.v[i].text);
	for (size_t i = 0; i < n; i++)
		free_use(&u[i]);
	free(used);
	free(e.v);
	free(u);
	free(m.t);
}
