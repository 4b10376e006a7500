/* The C/C++ patch writer. Findings become gated regions at three sizes:
 * a known asm idiom is replaced statement by statement (rdtsc reads the
 * target's counter, pause becomes its spin hint); otherwise the whole
 * function is gated with a twin of the same signature that traps; an x86
 * header include, a top-level declaration or an #error line is gated as
 * it is. x86 lines stay where they were: #line restores their numbers. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "rules.h"
#include "ruledata.h"
#include "stub_internal.h"

struct toks {
	struct token *v;
	size_t n, cap;
};

/* A top-level construct: a function definition or a declaration. */
struct unit {
	size_t first, last;      /* token indexes */
	size_t open;             /* the body's '{' (functions), else 0 */
	int is_function;
	int first_line, last_line;
};

struct c_file {
	const char *data;
	size_t len;
	struct toks t;
	struct unit *units;
	size_t nunits, cap;
};

/* `_Pragma("...")` from its operand's '(' on: skipped like a directive,
 * so that it is no part of the declaration after it. */
static void skip_pragma_operand(struct lexer *lx)
{
	struct lexer at = *lx;
	struct token t;
	if (lex_next(&at, &t) != T_PUNCT || !tok_punct(&t, '('))
		return;
	int depth = 1;
	while (depth > 0 && lex_next(&at, &t) != T_EOF)
		depth += tok_punct(&t, '(') - tok_punct(&t, ')');
	*lx = at;
}

/* Every token outside directives and _Pragma operators. */
static void lex_code(struct c_file *f)
{
	struct lexer lx;
	struct token t;
	lex_init(&lx, f->data, f->len);
	while (lex_next(&lx, &t) != T_EOF) {
		if (t.kind == T_HASH) {
			lex_skip_directive(&lx);
			continue;
		}
		if (tok_is(&t, "_Pragma")) {
			skip_pragma_operand(&lx);
			continue;
		}
		GROW(f->t.v, f->t.n, f->t.cap);
		f->t.v[f->t.n++] = t;
	}
}

size_t stub_matching(const struct token *v, size_t n, size_t open, char o, char c)
{
	int depth = 0;
	for (size_t i = open; i < n; i++) {
		if (tok_punct(&v[i], o))
			depth++;
		else if (tok_punct(&v[i], c) && --depth == 0)
			return i;
	}
	return n - 1;
}

static size_t matching(const struct toks *t, size_t open, char o, char c)
{
	return stub_matching(t->v, t->n, open, o, c);
}

/* `extern "C" {` (or "C++"): a linkage block is no unit of its own; the
 * declarations inside it are. Gating the block whole would take its
 * `#ifdef __cplusplus` halves apart (simdcomp's headers). */
static int opens_linkage_block(const struct c_file *f, size_t i)
{
	return i >= 2 && tok_punct(&f->t.v[i], '{') && f->t.v[i - 1].kind == T_STRING &&
	       tok_is(&f->t.v[i - 2], "extern");
}

static void find_units(struct c_file *f)
{
	size_t start = 0, linkage_depth = 0;
	for (size_t i = 0; i < f->t.n; i++) {
		const struct token *t = &f->t.v[i];
		int end_unit = 0;
		size_t last = i, open = 0;
		int fn = 0;
		if (opens_linkage_block(f, i)) {
			linkage_depth++;
			start = i + 1;
			continue;
		}
		if (linkage_depth && i == start && tok_punct(t, '}')) {   /* the block's end */
			linkage_depth--;
			start = i + 1;
			continue;
		}
		if (tok_punct(t, '{')) {
			fn = i > start && tok_punct(&f->t.v[i - 1], ')');
			open = i;
			last = matching(&f->t, i, '{', '}');
			/* a struct/initializer goes on to its ';' */
			if (!fn)
				while (last + 1 < f->t.n && !tok_punct(&f->t.v[last], ';'))
					last++;
			end_unit = 1;
		} else if (tok_punct(t, ';')) {
			end_unit = 1;
		} else if (tok_punct(t, '(')) {
			i = matching(&f->t, i, '(', ')');
			continue;
		}
		if (!end_unit)
			continue;
		GROW(f->units, f->nunits, f->cap);
		struct unit *u = &f->units[f->nunits++];
		u->first = start;
		u->last = last;
		u->open = open;
		u->is_function = fn;
		u->first_line = f->t.v[start].line;
		u->last_line = f->t.v[last].line;
		i = last;
		start = last + 1;
	}
}

static const struct unit *unit_at(const struct c_file *f, int line)
{
	for (size_t i = 0; i < f->nunits; i++)
		if (f->units[i].first_line <= line && line <= f->units[i].last_line)
			return &f->units[i];
	return NULL;
}

/* Does the token range own its lines: nothing else before its first token
 * or after its last one? Only then can lines be gated. */
static int owns_lines(const struct c_file *f, size_t first, size_t last)
{
	const struct token *a = &f->t.v[first], *b = &f->t.v[last];
	for (const char *p = a->p; p > f->data && p[-1] != '\n'; p--)
		if (!isspace((unsigned char)p[-1]))
			return 0;
	const char *p = b->p + b->len;
	while (p < f->data + f->len && *p != '\n') {
		if (p + 1 < f->data + f->len && p[0] == '/' && (p[1] == '/' || p[1] == '*'))
			break;
		if (!isspace((unsigned char)*p))
			return 0;
		p++;
	}
	return 1;
}

/* Are lines [first, last] (1-based) whole conditionals: every #if they
 * open closed inside them, no arm or #endif of an #if outside? Gating
 * lines that are not would move code into or out of the surrounding
 * arms and change the x86 build. */
static int conditionals_balanced(const struct file_patch *fp, int first, int last)
{
	int depth = 0;
	for (int l = first; l <= last && l >= 1 && (size_t)l <= fp->nlines; l++) {
		const char *line = fp->lines[l - 1];
		int closes = stub_is_directive(line, "endif");
		int arm = stub_is_directive(line, "else") || stub_is_directive(line, "elif") ||
			  stub_is_directive(line, "elifdef") || stub_is_directive(line, "elifndef");
		if (stub_opens_conditional(line))
			depth++;
		else if ((closes || arm) && depth == 0)
			return 0;
		else if (closes)
			depth--;
	}
	return depth == 0;
}

/* The whole lines of tokens [first, last], without the final newline. */
static const char *lines_of(const struct c_file *f, size_t first, size_t last, size_t *len)
{
	const char *s = f->t.v[first].p, *e = f->t.v[last].p + f->t.v[last].len;
	while (s > f->data && s[-1] != '\n')
		s--;
	while (e < f->data + f->len && *e != '\n')
		e++;
	*len = (size_t)(e - s);
	return s;
}

const char *target_macro(const char *target)
{
	return strcmp(target, "aarch64") == 0 ? "__aarch64__" : strcmp(target, "riscv64") == 0 ? "__riscv" : "__x86_64__";
}

static int code_follows(const struct file_patch *fp, size_t line)
{
	for (; line < fp->nlines; line++)
		for (size_t i = 0; i < fp->lens[line]; i++)
			if (!isspace((unsigned char)fp->lines[line][i]))
				return 1;
	return 0;
}

static int is_later_arm(const char *line)
{
	return stub_is_directive(line, "else") || stub_is_directive(line, "elif") ||
	       stub_is_directive(line, "elifdef") || stub_is_directive(line, "elifndef");
}

/* A gate inside a group that x86 skips (`#if !defined(__x86_64__)` around
 * an #error) leaves its closing #line unread there, and every line after
 * that arm one number off; so each later arm and the #endif of every
 * enclosing group restore the numbering too (where code follows). */
static void renumber_after_enclosing_groups(struct file_patch *fp, size_t last)
{
	int depth = 0;
	for (size_t l = last + 1; l < fp->nlines; l++) {
		const char *text = fp->lines[l];
		if (stub_opens_conditional(text)) {
			depth++;
			continue;
		}
		int closes = stub_is_directive(text, "endif");
		if (depth > 0) {   /* a group after the gate, not around it */
			depth -= closes;
			continue;
		}
		if (!closes && !is_later_arm(text))
			continue;
		if (!code_follows(fp, l + 1))
			return;
		char *line = xasprintf("#line %zu\n", l + 2);
		patch_insert(fp, l + 1, line);
		free(line);
	}
}

void gate_lines(const struct knowledge *k, struct file_patch *fp, size_t first, size_t last, const char *twin)
{
	char *head = k->target_is_x86 ? xasprintf(SOURCE_GUARD_FMT "#line %zu\n", k->source->gate_macro, first + 1)
				       : xasprintf(X86_GUARD "#line %zu\n", first + 1);
	char *tail = xasprintf("%s%s%s#endif\n#line %zu\n", twin ? "#else\n" : "", twin ? twin : "",
			       twin && *twin && twin[strlen(twin) - 1] != '\n' ? "\n" : "", last + 2);
	patch_insert(fp, first, head);
	patch_insert(fp, last + 1, tail);
	renumber_after_enclosing_groups(fp, last);
	free(head);
	free(tail);
}

/* ---- asm idioms (rules/idioms.tsv) ---- */

struct asm_stmt {
	size_t first, last;        /* tokens: the keyword .. ';' */
	size_t tmpl;               /* the template's (first) string token */
	char *text;                /* decoded template, trimmed */
	char *out_constraint[4];
	char *out_expr[4];
	int nout;
	char *in_expr[4];
	int nin;
	int has_operands;
};

static void free_stmt(struct asm_stmt *a)
{
	free(a->text);
	for (int i = 0; i < a->nout; i++) {
		free(a->out_constraint[i]);
		free(a->out_expr[i]);
	}
	for (int i = 0; i < a->nin; i++)
		free(a->in_expr[i]);
}

static int is_asm_kw(const struct token *t)
{
	return tok_is(t, "asm") || tok_is(t, "__asm") || tok_is(t, "__asm__");
}

static char *source_text(const struct c_file *f, size_t a, size_t b)
{
	const char *s = f->t.v[a].p, *e = f->t.v[b].p + f->t.v[b].len;
	return xstrndup(s, (size_t)(e - s));
}

static char *trimmed_lower(const char *s)
{
	while (isspace((unsigned char)*s) || *s == ';')
		s++;
	char *r = xstrdup(s);
	size_t n = strlen(r);
	while (n && (isspace((unsigned char)r[n - 1]) || r[n - 1] == ';'))
		r[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		r[i] = (char)tolower((unsigned char)r[i]);
	return r;
}

/* Parses `asm volatile ("tmpl" : outputs : ...);` starting at token i. */
static int parse_asm_stmt(const struct c_file *f, size_t i, struct asm_stmt *a)
{
	memset(a, 0, sizeof *a);
	a->first = i;
	size_t j = i + 1;
	while (j < f->t.n && f->t.v[j].kind == T_IDENT)
		j++;   /* volatile, goto, inline */
	if (j >= f->t.n || !tok_punct(&f->t.v[j], '('))
		return 0;
	size_t close = matching(&f->t, j, '(', ')');
	if (close + 1 >= f->t.n || !tok_punct(&f->t.v[close + 1], ';'))
		return 0;
	a->last = close + 1;
	struct strbuf sb = {0};
	int section = 0, depth = 0;
	for (size_t k = j + 1; k < close; k++) {
		const struct token *t = &f->t.v[k];
		if (tok_punct(t, '(')) {
			depth++;
		} else if (tok_punct(t, ')')) {
			depth--;
		} else if (depth == 0 && t->kind == T_PUNCT && t->p[0] == ':') {
			section += (int)t->len;
			a->has_operands = 1;
		} else if (section == 0 && t->kind == T_STRING) {
			if (!a->tmpl)
				a->tmpl = k;
			string_literal_value(t, &sb);
		} else if (section == 1 && depth == 0 && t->kind == T_STRING && a->nout < 4 &&
			   k + 1 < close && tok_punct(&f->t.v[k + 1], '(')) {
			size_t e = matching(&f->t, k + 1, '(', ')');
			struct strbuf c = {0};
			string_literal_value(t, &c);
			a->out_constraint[a->nout] = sb_detach(&c);
			a->out_expr[a->nout++] = source_text(f, k + 2, e - 1);
			k = e;
		} else if (section == 2 && depth == 0 && t->kind == T_STRING && a->nin < 4 &&
			   k + 1 < close && tok_punct(&f->t.v[k + 1], '(')) {
			size_t e = matching(&f->t, k + 1, '(', ')');
			a->in_expr[a->nin++] = source_text(f, k + 2, e - 1);
			k = e;
		}
	}
	a->text = trimmed_lower(sb.buf ? sb.buf : "");
	sb_free(&sb);
	return a->tmpl != 0;
}

const char *idiom_column(const char *arch)
{
	return strcmp(arch, "x86_64") ? arch : "x86";
}

const char *idiom_for(const char *from, const char *tmpl, const char *to, const char **kind)
{
	const struct rd_table *t = rd_find("idioms");
	int fc = t ? rd_column(t, idiom_column(from)) : -1, tc = t ? rd_column(t, idiom_column(to)) : -1;
	int kc = t ? rd_column(t, "operands") : -1;
	for (size_t r = 0; t && fc >= 0 && tc >= 0 && kc >= 0 && r < t->nrows; r++)
		if (!strcmp(rd_cell(t, r, (size_t)fc), tmpl)) {
			*kind = rd_cell(t, r, (size_t)kc);
			return rd_cell(t, r, (size_t)tc);
		}
	return NULL;
}

/* The target statement for an x86 asm statement, or NULL if none is known. */
static char *idiom_twin(const struct stub_ctx *c, const struct c_file *f, const struct asm_stmt *a)
{
	const char *kind = NULL;
	const char *tmpl = idiom_for(c->k->source->name, a->text, c->k->target, &kind);
	if (!tmpl || !kind)
		return NULL;
	if (!strcmp(kind, "none")) {   /* same statement, the target's instruction */
		const struct token *s = &f->t.v[a->tmpl];
		char *before = xstrndup(f->t.v[a->first].p, (size_t)(s->p - f->t.v[a->first].p));
		size_t k = a->tmpl;
		while (k + 1 <= a->last && f->t.v[k + 1].kind == T_STRING)
			k++;
		const char *after = f->t.v[k].p + f->t.v[k].len;
		const char *end = f->t.v[a->last].p + 1;
		char *r = xasprintf("%s\"%s\"%.*s /* archport: %s */", before, tmpl, (int)(end - after), after,
				    a->text);
		free(before);
		return r;
	}
	struct strbuf sb = {0};
	if (!strcmp(kind, "counter") && c->k->target_is_x86) {   /* cntvct_el0 into its one output */
		for (int i = 0; i < a->nout; i++)
			sb_addf(&sb, "%s = (__typeof__(%s))__builtin_ia32_rdtsc(); ", a->out_expr[i], a->out_expr[i]);
		sb_adds(&sb, "/* archport: TSC cycles, not counter ticks */");
	} else if (!strcmp(kind, "counter")) {   /* rdtsc: low/high halves of the target's counter */
		sb_addf(&sb, "{ unsigned long long archport_tsc_; __asm__ __volatile__(\"%s\" : \"=r\"(archport_tsc_)); ", tmpl);
		for (int i = 0; i < a->nout; i++) {
			const char *e = a->out_expr[i];
			if (strchr(a->out_constraint[i], 'A'))
				sb_addf(&sb, "%s = (__typeof__(%s))archport_tsc_; ", e, e);
			else if (strchr(a->out_constraint[i], 'd'))
				sb_addf(&sb, "%s = (__typeof__(%s))(archport_tsc_ >> 32); ", e, e);
			else
				sb_addf(&sb, "%s = (__typeof__(%s))archport_tsc_; ", e, e);
		}
		sb_adds(&sb, "} /* archport: counter ticks, not cycles */");
	} else if (!strcmp(kind, "zero")) {   /* cpuid: no such leaves, no features */
		for (int i = 0; i < a->nout; i++)
			sb_addf(&sb, "%s = 0; ", a->out_expr[i]);
		for (int i = 0; i < a->nin; i++)
			sb_addf(&sb, "(void)(%s); ", a->in_expr[i]);
		sb_adds(&sb, "/* archport: no CPUID here; report no x86 features */");
	} else {
		return NULL;
	}
	return sb_detach(&sb);
}

/* ---- functions ---- */

static int finding_lines_covered(const struct stub_ctx *c, const struct unit *u,
				 const struct asm_stmt *stmts, size_t n, const struct c_file *f)
{
	for (size_t i = 0; i < c->nfindings; i++) {
		int line = c->findings[i].line;
		if (line < u->first_line || line > u->last_line)
			continue;
		int covered = 0;
		for (size_t k = 0; k < n && !covered; k++)
			covered = f->t.v[stmts[k].first].line <= line && line <= f->t.v[stmts[k].last].line;
		if (!covered)
			return 0;
	}
	return 1;
}

/* Statement by statement, when every x86 construct of the function is an
 * asm statement with a known idiom on lines of its own. */
static int stub_statements(struct stub_ctx *c, struct file_patch *fp, const struct c_file *f,
			   const struct unit *u)
{
	struct asm_stmt stmts[32];
	char *twins[32];
	size_t n = 0;
	for (size_t i = u->open; i < u->last && n < 32; i++)
		if (is_asm_kw(&f->t.v[i]) && parse_asm_stmt(f, i, &stmts[n])) {
			twins[n] = owns_lines(f, stmts[n].first, stmts[n].last) ? idiom_twin(c, f, &stmts[n]) : NULL;
			if (twins[n]) {   /* the original statement's indentation */
				const char *p = f->t.v[stmts[n].first].p, *bol = p;
				while (bol > f->data && bol[-1] != '\n')
					bol--;
				char *indented = xasprintf("%.*s%s", (int)(p - bol), bol, twins[n]);
				free(twins[n]);
				twins[n] = indented;
			}
			i = stmts[n].last;
			n++;
		}
	int ok = n > 0 && finding_lines_covered(c, u, stmts, n, f);
	for (size_t k = 0; k < n; k++) {
		int x86 = 0;   /* only statements that hold a finding */
		for (size_t j = 0; j < c->nfindings; j++)
			x86 |= c->findings[j].line >= f->t.v[stmts[k].first].line &&
			       c->findings[j].line <= f->t.v[stmts[k].last].line;
		if (x86 && !twins[k])
			ok = 0;
	}
	for (size_t k = 0; ok && k < n; k++) {
		int x86 = 0;
		for (size_t j = 0; j < c->nfindings; j++)
			x86 |= c->findings[j].line >= f->t.v[stmts[k].first].line &&
			       c->findings[j].line <= f->t.v[stmts[k].last].line;
		if (x86)
			gate_lines(c->k, fp, (size_t)f->t.v[stmts[k].first].line - 1,
				   (size_t)f->t.v[stmts[k].last].line - 1, twins[k]);
	}
	for (size_t k = 0; k < n; k++) {
		free(twins[k]);
		free_stmt(&stmts[k]);
	}
	return ok;
}

int stub_is_x86_type(const struct knowledge *k, const struct token *t)
{
	const struct x86_name *x = t->kind == T_IDENT ? knowledge_name(k, t->p, t->len) : NULL;
	return x && (x->kinds & X86_TYPE);
}

static int is_x86_type(const struct stub_ctx *c, const struct token *t)
{
	return stub_is_x86_type(c->k, t);
}

void stub_void_params(const struct token *v, size_t lparen, size_t rparen, struct strbuf *sb)
{
	size_t last_ident = 0;
	int depth = 0;
	for (size_t i = lparen + 1; i <= rparen; i++) {
		const struct token *t = &v[i];
		if (tok_punct(t, '(') || tok_punct(t, '['))
			depth++;
		else if ((tok_punct(t, ')') || tok_punct(t, ']')) && i < rparen)
			depth--;
		if (t->kind == T_IDENT && (depth == 0 || (depth == 1 && tok_punct(&v[i - 1], '*'))))
			last_ident = i;
		if ((tok_punct(t, ',') && depth == 0) || i == rparen) {
			const struct token *id = last_ident ? &v[last_ident] : NULL;
			if (id && !tok_is(id, "void") && !tok_is(id, "const"))
				sb_addf(sb, "\t(void)%.*s;\n", (int)id->len, id->p);
			last_ident = 0;
		}
	}
}

/* `__attribute__((...))`: true, with *close at its last ')'. */
static int attribute_at(const struct token *v, size_t n, size_t i, size_t end, size_t *close)
{
	if (!(tok_is(&v[i], "__attribute__") || tok_is(&v[i], "__attribute")) || i + 1 >= end ||
	    !tok_punct(&v[i + 1], '('))
		return 0;
	*close = stub_matching(v, n, i + 1, '(', ')');
	return 1;
}

size_t stub_function_name(const struct token *v, size_t n, size_t first, size_t open)
{
	for (size_t i = first; i < open; i++) {
		size_t close;
		if (attribute_at(v, n, i, open, &close)) {   /* target("avx2") is no name */
			i = close;
			continue;
		}
		if (i > first && tok_punct(&v[i], '(') && v[i - 1].kind == T_IDENT)
			return i - 1;
	}
	return NO_NAME;
}

void stub_twin_signature(const struct token *v, size_t n, size_t first, size_t open, struct strbuf *sb)
{
	size_t i = first;
	const char *from = v[i].p;
	while (i < open) {
		const struct token *t = &v[i];
		if ((tok_is(t, "__attribute__") || tok_is(t, "__attribute")) && i + 1 < open) {
			size_t e = stub_matching(v, n, i + 1, '(', ')');
			int target = 0;
			for (size_t k = i; k < e; k++)
				target |= tok_is(&v[k], "target") || tok_is(&v[k], "__target__");
			if (target) {
				sb_add(sb, from, (size_t)(t->p - from));
				from = v[e].p + 1;
				i = e + 1;
				continue;
			}
		}
		i++;
	}
	sb_add(sb, from, (size_t)(v[open].p - from));
}

/* Does the function only ask whether the CPU has x86 features
 * (__builtin_cpu_supports/_is/_init)? Then its twin answers "no". */
static int only_feature_checks(const struct stub_ctx *c, const struct unit *u)
{
	int any = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *fd = &c->findings[i];
		if (fd->line < u->first_line || fd->line > u->last_line)
			continue;
		if (!strstr(fd->message, "`__builtin_cpu_"))
			return 0;
		any = 1;
	}
	return any;
}

static int returns_void(const struct c_file *f, const struct unit *u, size_t name)
{
	for (size_t i = u->first; i < name; i++)
		if (tok_is(&f->t.v[i], "void") && !tok_punct(&f->t.v[i + 1], '*'))
			return 1;
	return 0;
}

/* Are all the findings in the unit of the rule `a` or `b` (may be NULL)? */
static int only_rules(const struct stub_ctx *c, const struct unit *u, const char *a, const char *b)
{
	int any = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *fd = &c->findings[i];
		if (fd->line < u->first_line || fd->line > u->last_line)
			continue;
		if (strcmp(fd->rule, a) && (!b || strcmp(fd->rule, b)))
			return 0;
		any = 1;
	}
	return any;
}

static void stub_function(struct stub_ctx *c, struct file_patch *fp, const struct c_file *f,
			  const struct unit *u)
{
	if (stub_statements(c, fp, f, u))
		return;
	if (!owns_lines(f, u->first, u->last))
		return;   /* shares lines with other code: left as reported */
	if (only_rules(c, u, RULE_TARGET_ATTR, NULL)) {   /* portable code built for an x86 ISA */
		size_t len;
		const char *text = lines_of(f, u->first, u->last, &len);
		char *same = stub_declaration_twin(c->k, text, len, 0);
		if (same) {
			gate_lines(c->k, fp, (size_t)u->first_line - 1, (size_t)u->last_line - 1, same);
			free(same);
			return;
		}
	}
	int x86_sig = 0;
	for (size_t i = u->first; i < u->open; i++)
		x86_sig |= is_x86_type(c, &f->t.v[i]);
	size_t name = stub_function_name(f->t.v, f->t.n, u->first, u->open);
	size_t lparen = name != NO_NAME ? name + 1 : 0;
	char *twin = NULL;
	if (!x86_sig && lparen) {
		struct strbuf sb = {0};
		stub_twin_signature(f->t.v, f->t.n, u->first, u->open, &sb);
		sb_adds(&sb, "{\n");
		stub_void_params(f->t.v, lparen, matching(&f->t, lparen, '(', ')'), &sb);
		if (only_feature_checks(c, u))
			sb_addf(&sb, "\t%s/* archport: no x86 features on %s */\n}\n",
				returns_void(f, u, name) ? "" : "return 0;   ", c->k->target);
		else
			sb_addf(&sb, "\t__builtin_trap();   /* TODO(archport): port %.*s to %s */\n}\n",
				(int)f->t.v[name].len, f->t.v[name].p, c->k->target);
		twin = sb_detach(&sb);
	}
	gate_lines(c->k, fp, (size_t)u->first_line - 1, (size_t)u->last_line - 1, twin);
	free(twin);
}

/* ---- declarations ---- */

/* `__asm__("...")` at file scope: its strings, decoded, or NULL. */
static char *toplevel_asm_text(const struct c_file *f, const struct unit *u)
{
	if (!is_asm_kw(&f->t.v[u->first]))
		return NULL;
	struct strbuf sb = {0};
	for (size_t i = u->first + 1; i <= u->last; i++)
		if (f->t.v[i].kind == T_STRING)
			string_literal_value(&f->t.v[i], &sb);
	return sb.buf ? sb_detach(&sb) : NULL;
}

/* A declaration the target still needs keeps a twin: the .globl symbols
 * of top-level asm as traps (the tree links), types and objects with
 * placeholders for x86 vector types (their users stay complete),
 * prototypes without x86 target attributes. */
static void stub_declaration(struct stub_ctx *c, struct file_patch *fp, const struct c_file *f,
			     const struct unit *u)
{
	char *twin = NULL, *asm_text = toplevel_asm_text(f, u);
	if (asm_text) {
		twin = stub_asm_c_twin(c->k->target, asm_text);
	} else if (only_rules(c, u, c->k->source->rule_type, RULE_TARGET_ATTR)) {   /* what a twin can resolve */
		size_t len;
		const char *text = lines_of(f, u->first, u->last, &len);
		int prototype = stub_is_function_declaration(&f->t.v[u->first], u->last - u->first + 1);
		twin = stub_declaration_twin(c->k, text, len, !prototype);
	}
	gate_lines(c->k, fp, (size_t)u->first_line - 1, (size_t)u->last_line - 1, twin);
	free(twin);
	free(asm_text);
}

/* ---- headers, with or without SIMDe ---- */

/* The SIMDe header that implements `hdr` on the target ("x86/sse4.2.h",
 * "arm/neon.h"), or NULL. */
static const char *simde_header(const char *hdr)
{
	static const char *const map[][2] = {
		{ "arm_neon.h", "arm/neon.h" }, { "arm_sve.h", "arm/sve.h" },
		{ "mmintrin.h", "x86/mmx.h" }, { "xmmintrin.h", "x86/sse.h" }, { "emmintrin.h", "x86/sse2.h" },
		{ "pmmintrin.h", "x86/sse3.h" }, { "tmmintrin.h", "x86/ssse3.h" }, { "smmintrin.h", "x86/sse4.1.h" },
		{ "nmmintrin.h", "x86/sse4.2.h" }, { "immintrin.h", "x86/avx2.h" }, { "x86intrin.h", "x86/avx2.h" },
		{ "wmmintrin.h", "x86/clmul.h" }, { "avxintrin.h", "x86/avx.h" }, { "avx2intrin.h", "x86/avx2.h" },
		{ "fmaintrin.h", "x86/fma.h" },
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (!strcmp(hdr, map[i][0]))
			return map[i][1];
	return NULL;
}

static void stub_include(struct stub_ctx *c, struct file_patch *fp, int line)
{
	const char *text = fp->lines[line - 1];
	const char *lt = strpbrk(text, "<\""), *gt = lt ? strpbrk(lt + 1, ">\"") : NULL;
	char *hdr = lt && gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : NULL;
	const char *simde = c->o->simde && hdr ? simde_header(hdr) : NULL;
	char *twin = simde ? xasprintf("#define SIMDE_ENABLE_NATIVE_ALIASES\n#include <simde/%s>\n", simde) : NULL;
	gate_lines(c->k, fp, (size_t)line - 1, (size_t)line - 1, twin);
	free(twin);
	free(hdr);
}

/* Is this line an #include (or #include_next) directive? */
static int is_include_directive(const char *text)
{
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text++ != '#')
		return 0;
	while (*text == ' ' || *text == '\t')
		text++;
	return strncmp(text, "include", 7) == 0;
}

int stub_simde_covers(const struct knowledge *k, const struct stub_options *o, const struct finding *fd)
{
	const struct source_arch *src = k->source;
	return o->simde && (!strcmp(fd->rule, src->rule_intrinsic) || !strcmp(fd->rule, src->rule_type)) &&
	       !strstr(fd->message, "__builtin_");
}

/* ---- the file ---- */

/* "macro `NAME` (defined at FILE:LINE) expands to ...": the name, and
 * where it is defined when the message says (*file NULL otherwise). */
static char *macro_name(const char *message, char **file, int *line)
{
	const char *s = strstr(message, "macro `");
	const char *e = s ? strchr(s + 7, '`') : NULL;
	*file = NULL;
	*line = 0;
	if (!e)
		return NULL;
	const char *at = "` (defined at ";
	if (!strncmp(e, at, strlen(at))) {
		const char *f = e + strlen(at), *close = strchr(f, ')');
		const char *colon = close ? memrchr(f, ':', (size_t)(close - f)) : NULL;
		if (colon) {
			*file = xstrndup(f, (size_t)(colon - f));
			*line = atoi(colon + 1);
		}
	}
	return xstrndup(s + 7, (size_t)(e - s - 7));
}

static void chain_location(struct stub_ctx *c, const char *message)
{
	const char *s = strstr(message, "#if chain at ");
	if (!s)
		return;
	s += 13;
	const char *colon = strrchr(s, ':');
	const char *sp = strchr(s, ',');
	if (!colon || (sp && sp < colon))
		return;
	char *rel = xstrndup(s, (size_t)(colon - s));
	struct file_patch *fp = c->patch_for(c, rel);
	if (fp)
		stub_chain_arm(c, fp, (size_t)atoi(colon + 1) - 1, 0);
	free(rel);
}

/* A line that is only `_Pragma(...)`. */
static int pragma_operator_line(const char *p)
{
	size_t n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == ';'))
		n--;
	return !strncmp(p, "_Pragma", 7) && n && p[n - 1] == ')';
}

/* `#pragma GCC target("avx2")` (or a `_Pragma` line of its own): an error
 * on aarch64, a warning on riscv64; gated as it is (the functions after
 * it are gated for their own x86 code), once however many findings it
 * has. */
static int stub_pragma(const struct stub_ctx *c, struct file_patch *fp, int line)
{
	const char *p = fp->lines[line - 1];
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '#' && !pragma_operator_line(p))
		return 0;
	for (size_t e = 0; e < fp->nedits; e++)
		if (fp->edits[e].line == (size_t)line - 1)
			return 1;
	gate_lines(c->k, fp, (size_t)line - 1, (size_t)line - 1, NULL);
	return 1;
}

static int is_else_error(const struct file_patch *fp, int line)
{
	/* the nearest preceding directive at this nesting is #else */
	int depth = 0;
	for (int l = line - 2; l >= 0; l--) {
		const char *p = fp->lines[l];
		if (stub_is_directive(p, "endif"))
			depth++;
		else if (stub_opens_conditional(p) && depth-- == 0)
			return -1;
		else if (depth == 0 && stub_is_directive(p, "else"))
			return l;
		else if (depth == 0 && stub_is_directive(p, "elif"))
			return -1;
	}
	return -1;
}

void stub_c_file(struct stub_ctx *c, struct file_patch *fp)
{
	struct c_file f = {0};
	struct strbuf all = {0};
	for (size_t i = 0; i < fp->nlines; i++) {
		patch_add_line(&all, fp, i);
		sb_addc(&all, '\n');
	}
	f.data = all.buf ? all.buf : "";
	f.len = all.len;
	lex_code(&f);
	find_units(&f);
	char *done = xcalloc(f.nunits + 1, 1);
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *fd = &c->findings[i];
		/* first: a macro whose body uses a chain's name needs the chain's
		 * target arm, not a gate of its own */
		if (!strcmp(fd->rule, RULE_ARCH_CHAIN)) {
			chain_location(c, fd->message);
			continue;
		}
		char *def_file;
		int def_line;
		char *macro = macro_name(fd->message, &def_file, &def_line);
		if (macro) {
			stub_macro(c, macro, def_file, def_line);
			free(macro);
			free(def_file);
			continue;
		}
		/* a header the target compiler cannot find, as the scan or the
		 * target build (archport port) says */
		if (!strcmp(fd->rule, c->k->source->rule_header) ||
		    (!strcmp(fd->rule, RULE_TARGET_BUILD) && fd->line > 0 && (size_t)fd->line <= fp->nlines &&
		     is_include_directive(fp->lines[fd->line - 1]))) {
			stub_include(c, fp, fd->line);
			continue;
		}
		if (!strcmp(fd->rule, RULE_ERROR_DIRECTIVE)) {
			int else_line = is_else_error(fp, fd->line);
			if (else_line >= 0)
				stub_chain_arm(c, fp, (size_t)else_line, 1);
			else
				gate_lines(c->k, fp, (size_t)fd->line - 1, (size_t)fd->line - 1, NULL);
			continue;
		}
		if (!strcmp(fd->rule, RULE_TARGET_ATTR) && stub_pragma(c, fp, fd->line))
			continue;
		if (stub_simde_covers(c->k, c->o, fd))
			continue;
		if (stub_define_at(c, fp, (size_t)fd->line - 1))
			continue;
		const struct unit *u = unit_at(&f, fd->line);
		if (!u || done[u - f.units] || !conditionals_balanced(fp, u->first_line, u->last_line))
			continue;
		done[u - f.units] = 1;
		if (u->is_function)
			stub_function(c, fp, &f, u);
		else if (owns_lines(&f, u->first, u->last))
			stub_declaration(c, fp, &f, u);
	}
	free(done);
	free(f.t.v);
	free(f.units);
	sb_free(&all);
}
