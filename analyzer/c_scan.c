/* The C/C++ front end: a preprocessor that evaluates conditionals for the
 * target (three-valued), follows in-tree includes for their macros, and a
 * token pass that reports x86 constructs in code the target compiles.
 *
 * Reachability of a region is TRUE (compiled on the target), FALSE (not
 * compiled: an x86 arm, #if 0) or UNKNOWN (depends on a macro archport
 * cannot decide). Errors in UNKNOWN regions are reported as warnings;
 * x86 code in FALSE regions becomes one c/gated-x86 note per arm. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_check.h"
#include "c_lex.h"
#include "c_scan.h"
#include "c_scan_internal.h"
#include "compile_db.h"
#include "pp_expr.h"
#include "arch_dirs.h"
#include "rules.h"

#define MAX_COND_TEXT 60

struct frame {
	enum tri branch, taken, parent;
	int line;
	int arch_related;       /* some arm's condition selects an architecture */
	int arch_only;          /* every arm so far: known false, arch-related */
	int has_else;
	int else_errors;        /* the #else arm only stops the build */
	int noted;
	char *cond;             /* the arm's condition, for messages */
	char *why;              /* what the build says about a macro it tests */
	char **defines;         /* names the arms #define */
	size_t ndefines, cap;
	unsigned long arm_id;   /* this arm, unique in the whole scan (see arm_is_open) */
};

/* One token stream: a file (with its conditional stack) or a macro body. */
/* A typedef in an arm the target skips: `typedef ... name;` at file
 * scope, followed with a nesting count of its own (the skipped arm's
 * braces need not balance with the live code's). */
struct skipped_typedef {
	int in_typedef, braces, parens;
	struct token name;      /* the last identifier outside parentheses */
	struct token fn_name;   /* `(*name)`: a function pointer type */
};

/* The arguments of an in-tree function-like macro being read: an argument
 * whose parameter the body never uses never becomes code, so an x86 name
 * in it is no x86 code (CRoaring passes `_mm256_or_si256` and `vorrq_u64`
 * to a macro whose NEON arm uses only the second). */
enum arg_use { ARG_UNUSED, ARG_USED, ARG_USED_MAYBE /* by an undecided earlier definition only */ };
struct macro_call {
	const struct macro *m;  /* NULL: not inside a call */
	int depth;              /* parentheses open inside the call */
	int arg;                /* index of the argument being read */
	enum arg_use arg_used;
};

struct source {
	struct lexer lx;
	struct token pushed;
	int has_pushed;
	struct frame *stack;
	size_t depth, cap;
	const char *rel;
	struct macro *body_of;  /* scanning this macro's body */
	int brace_depth, paren_depth;
	int in_typedef, enum_pending, enum_brace;
	struct token last_ident;
	struct token prev;
	struct skipped_typedef skipped;
	struct macro_call call;
};

static void scan_tokens(struct c_scan *cs, struct source *s);


static int src_next(struct c_scan *cs, struct source *s, struct token *t);

/* ---- reachability ---- */

static enum tri reach(const struct source *s)
{
	if (s->body_of)
		return TRI_TRUE;
	if (!s->depth)
		return TRI_TRUE;
	const struct frame *f = &s->stack[s->depth - 1];
	return tri_and(f->parent, f->branch);
}

/* The innermost condition that makes the region unknown, for messages. */
static const struct frame *unknown_frame(const struct source *s)
{
	for (size_t i = s->depth; i-- > 0;)
		if (s->stack[i].branch == TRI_UNKNOWN)
			return &s->stack[i];
	return NULL;
}

/* The innermost arm of this branch value decided by what the build
 * defines: its sentence ("LINUX is defined by Makefile:12 (-DLINUX)"). */
static const char *build_reason(const struct source *s, enum tri branch)
{
	for (size_t i = s->depth; i-- > 0;)
		if (s->stack[i].branch == branch && s->stack[i].why)
			return s->stack[i].why;
	return NULL;
}

/* ---- macros ---- */

struct evidence *evidence_copy(const struct evidence *ev)
{
	struct evidence *copy = xmalloc(sizeof *copy);
	*copy = *ev;
	copy->what = xstrdup(ev->what);
	copy->via = ev->via ? xstrdup(ev->via) : NULL;
	copy->cause = ev->cause ? xstrdup(ev->cause) : NULL;
	copy->cause_file = ev->cause_file ? xstrdup(ev->cause_file) : NULL;
	return copy;
}

void evidence_free(struct evidence *e)
{
	if (e) {
		free(e->what);
		free(e->via);
		free(e->cause);
		free(e->cause_file);
		free(e);
	}
}

void free_macro(void *p)
{
	struct macro *m = p;
	if (!m)
		return;
	free(m->body);
	evidence_free(m->x86);
	free(m->x86_name);
	free(m->params);
	free(m);
}

void free_missing(void *p)
{
	struct missing_def *md = p;
	if (md)
		free(md->file);
	free(md);
}

static struct macro *local_macro(const struct c_scan *cs, const char *name, size_t n)
{
	return strmap_value(&cs->macros, name, n);
}

static int arm_is_open(const struct source *s, unsigned long id)
{
	for (size_t i = s ? s->depth : 0; i-- > 0;)
		if (s->stack[i].arm_id == id)
			return 1;
	return 0;
}

/* Whether m is defined where the condition being read is (see
 * struct macro's certain_in_arm). */
static enum tri macro_defined_here(const struct c_scan *cs, const struct macro *m)
{
	if (m->defined == TRI_UNKNOWN && m->certain_in_arm && arm_is_open(cs->cond_source, m->certain_in_arm))
		return m->certain;
	return m->defined;
}

/* The innermost undecided arm around the current line, when every arm
 * inside it is taken (0 when there is none). */
static unsigned long certainty_arm(const struct source *s)
{
	for (size_t i = s->depth; i-- > 0;) {
		if (s->stack[i].branch == TRI_TRUE)
			continue;
		return s->stack[i].branch == TRI_UNKNOWN ? s->stack[i].arm_id : 0;
	}
	return 0;
}

/* Is a macro not defined in this translation unit defined elsewhere in
 * the tree? Then its value is unknown here. Names only this TU's files
 * define are decided by the sequence. */
static int defined_elsewhere(const struct c_scan *cs, const char *name, size_t n)
{
	const struct def_sites *d = strmap_value(&cs->ix->defs, name, n);
	if (!d || !d->nfiles)
		return 0;
	if (d->nfiles > MAX_DEF_FILES)
		return 1;
	for (int i = 0; i < d->nfiles; i++)
		if (!strmap_value(&cs->in_tu, (const char *)&d->files[i], sizeof d->files[i]))
			return 1;
	return 0;
}

static int env_is_arch_name(void *self, const char *name, size_t n);

/* __cplusplus by the language of the translation unit: gcc 12's default
 * C++ dialect is gnu++17; a .h file could be either. */
static enum tri cplusplus_defined(const struct c_scan *cs)
{
	int lang = path_language(cs->ix->walk->files[cs->file_index].rel);
	return lang < 0 ? TRI_UNKNOWN : lang ? TRI_TRUE : TRI_FALSE;
}

/* What the build passes for a name nothing in this TU has defined yet:
 * the compile database's flags for this file, or the build files' -D. A
 * decision is remembered in words for the messages of the arm it decides. */
static int build_decides(struct c_scan *cs, const char *name, size_t n, struct macro_decision *d)
{
	if (!index_build_macro(cs->ix, cs->file_index, name, n, d))
		return 0;
	int absent = d->from_database && d->state == TRI_FALSE && !d->by_undef;   /* says nothing new */
	if (!cs->arch_blind && !cs->why_pending && !absent)
		cs->why_pending = macro_decision_text(name, n, d);
	return 1;
}

static enum tri env_defined(void *self, const char *name, size_t n)
{
	struct c_scan *cs = self;
	if (cs->arch_blind && env_is_arch_name(cs, name, n))
		return TRI_UNKNOWN;
	if (mem_eq(name, n, "__cplusplus"))
		return cplusplus_defined(cs);
	struct macro *m = local_macro(cs, name, n);
	if (m)
		return macro_defined_here(cs, m);
	if (strmap_has(&cs->k->macros, name, n))
		return TRI_TRUE;
	struct macro_decision d;
	if (build_decides(cs, name, n, &d) && (d.state != TRI_FALSE || !defined_elsewhere(cs, name, n)))
		return d.state;
	return defined_elsewhere(cs, name, n) ? TRI_UNKNOWN : TRI_FALSE;
}

static const char *env_body(void *self, const char *name, size_t n, int *function_like)
{
	struct c_scan *cs = self;
	if (cs->arch_blind && env_is_arch_name(cs, name, n))
		return NULL;
	if (mem_eq(name, n, "__cplusplus")) {
		*function_like = 0;
		return cplusplus_defined(cs) == TRI_TRUE ? "201703L" : NULL;
	}
	struct macro *m = local_macro(cs, name, n);
	if (m) {
		*function_like = m->function_like;
		return macro_defined_here(cs, m) == TRI_TRUE ? (m->body ? m->body : "") : NULL;
	}
	*function_like = 0;
	const char *body = strmap_value(&cs->k->macros, name, n);
	struct macro_decision d;
	if (!body && build_decides(cs, name, n, &d) && d.state == TRI_TRUE)
		return d.body;
	return body;
}

static enum tri env_has_include(void *self, const char *hdr, size_t n)
{
	struct c_scan *cs = self;
	return strmap_has(&cs->k->headers, hdr, n) ? TRI_FALSE : TRI_UNKNOWN;
}

/* Architecture selectors of every arch, so that `#elif defined(__aarch64__)`
 * counts as an arch arm too. */
static int env_is_arch_name(void *self, const char *name, size_t n)
{
	static const char *const others[] = { "__aarch64__", "__arm__", "__ARM_ARCH", "_M_ARM64",
		"_M_ARM", "__arm64__", "__riscv", "__riscv_xlen", "__powerpc__", "__powerpc64__",
		"__PPC64__", "__ppc64__", "__s390x__", "__s390__", "__mips__", "__loongarch__",
		"__loongarch64", "__sparc__", "__ia64__", "__alpha__", "__hppa__", "__m68k__",
		"__sh__", "__wasm__", "__e2k__", "__ARM_NEON", "__ARM_NEON__", "__ARM_FEATURE_CRC32" };
	struct c_scan *cs = self;
	const struct x86_name *x = knowledge_name(cs->k, name, n);
	if (x && (x->kinds & X86_ARCH_MACRO))
		return 1;
	if (mem_eq(name, n, "__x86_64__") || mem_eq(name, n, "__i386__"))
		return 1;
	for (size_t i = 0; i < sizeof others / sizeof *others; i++)
		if (mem_eq(name, n, others[i]))
			return 1;
	struct macro *m = local_macro(cs, name, n);
	if (m)
		return m->arch_dependent;
	/* a macro the build sets by architecture (-DHAVE_X86_ASM under
	 * ifeq ($(ARCH),x86_64)) selects code by architecture too */
	struct macro_decision d;
	return !strmap_has(&cs->k->macros, name, n) && index_build_macro(cs->ix, cs->file_index, name, n, &d) &&
	       d.arch && d.state != TRI_UNKNOWN;
}

/* *arch tells whether the architecture decides the condition: it does when
 * the value becomes undecidable once every arch name is taken as unknown.
 * (`defined(__clang__) && defined(__ARM_FEATURE_CRC32)` is false under gcc
 * on every architecture.) */
static enum tri eval_condition(struct c_scan *cs, const char *text, size_t len, int line, int *arch)
{
	struct pp_env env = { env_defined, env_body, env_has_include, env_is_arch_name, cs, 0, 0 };
	enum tri r = pp_eval(&env, text, len);
	*arch = env.touched_arch;
	if (env.too_deep && !cs->silent && cs->em.out)   /* a header's own scan reports its lines */
		emit(&cs->em, RULE_LIMIT, SEV_WARNING, line, 1, line, 1, "none",
		     "#if expression nested deeper than %d levels: left undecided, both arms are scanned",
		     PP_MAX_DEPTH);
	if (*arch && r != TRI_UNKNOWN) {
		cs->arch_blind = 1;
		*arch = pp_eval(&env, text, len) == TRI_UNKNOWN;
		cs->arch_blind = 0;
	}
	return r;
}

/* ---- findings ---- */

static void fill_location(struct evidence *e, const struct token *t)
{
	e->line = e->end_line = t->line;
	e->col = t->col;
	e->end_col = t->col + (int)t->len;
}

/* The one place evidence becomes a finding, a macro property, or a note. */
static void report(struct c_scan *cs, struct source *s, const struct evidence *ev)
{
	if (s->body_of) {
		if (s->body_of->x86)
			return;
		struct evidence *x = s->body_of->x86 = evidence_copy(ev);
		if (!x->cause && cs->em.cause) {   /* a root below the macro: its uses share it */
			x->cause = xstrdup(cs->em.cause);
			x->cause_file = xstrdup(cs->em.cause_file);
		}
		return;
	}
	if (cs->silent || !cs->em.out)
		return;
	enum tri r = reach(s);
	if (r == TRI_FALSE) {
		struct frame *f = &s->stack[s->depth - 1];
		if (f->noted || !cs->notes)
			return;
		f->noted = 1;
		const char *why = build_reason(s, TRI_FALSE);
		emit(&cs->em, cs->k->source->rule_gated, SEV_NOTE, ev->line, ev->col, ev->end_line, ev->end_col,
		     "none", "%s; not compiled for %s (the #if at line %d%s%s)", ev->what, cs->k->target, f->line,
		     why ? "; " : "", why ? why : "");
		return;
	}
	enum severity sev = ev->severity;
	if (s->call.m && s->call.arg_used == ARG_USED_MAYBE && sev == SEV_ERROR) {
		emit(&cs->em, ev->rule, SEV_WARNING, ev->line, ev->col, ev->end_line, ev->end_col, ev->fix,
		     "%s (only if a definition of the macro around it that uses this argument holds on %s, "
		     "which archport cannot decide; the one at %s:%d does not use it)",
		     ev->what, cs->k->target, s->call.m->def_file, s->call.m->def_line);
		return;
	}
	if (r == TRI_UNKNOWN && sev == SEV_ERROR) {
		const struct frame *u = unknown_frame(s);
		emit(&cs->em, ev->rule, SEV_WARNING, ev->line, ev->col, ev->end_line, ev->end_col,
		     ev->fix, "%s (only if `%s` holds on %s, which archport cannot decide%s%s)",
		     ev->what, u && u->cond ? u->cond : "?", cs->k->target, u && u->why ? ": " : "",
		     u && u->why ? u->why : "");
		return;
	}
	const char *why = sev == SEV_ERROR ? build_reason(s, TRI_TRUE) : NULL;
	emit(&cs->em, ev->rule, sev, ev->line, ev->col, ev->end_line, ev->end_col, ev->fix, "%s%s%s%s", ev->what,
	     why ? " (" : "", why ? why : "", why ? ")" : "");
}

static void report_at(struct c_scan *cs, struct source *s, const struct token *at, const char *rule,
		      enum severity sev, const char *fix, char *what)
{
	struct evidence ev = { rule, sev, fix, what, 0, 0, 0, 0, NULL, 0, NULL, NULL };
	fill_location(&ev, at);
	report(cs, s, &ev);
	free(what);
}

/* report_at for a finding whose root cause is known (struct finding's
 * cause): `cause` names it, `cause_file` is the tree file it is in. */
static void report_caused(struct c_scan *cs, struct source *s, const struct token *at, const char *rule,
			  enum severity sev, const char *fix, char *what, const char *cause,
			  const char *cause_file)
{
	cs->em.cause = cause;
	cs->em.cause_file = cause_file;
	report_at(cs, s, at, rule, sev, fix, what);
	cs->em.cause = cs->em.cause_file = NULL;
}

/* ---- inline asm ---- */

struct asm_part {
	struct token tok;
	size_t offset;   /* of this literal's text in the joined template */
};

static int is_asm_keyword(const struct token *t)
{
	return tok_is(t, "asm") || tok_is(t, "__asm") || tok_is(t, "__asm__");
}

static int is_asm_qualifier(const struct token *t)
{
	return tok_is(t, "volatile") || tok_is(t, "__volatile__") || tok_is(t, "__volatile") ||
	       tok_is(t, "goto") || tok_is(t, "inline") || tok_is(t, "__inline__") || tok_is(t, "__inline");
}

static void check_template(struct c_scan *cs, struct source *s, struct strbuf *text,
			   const struct asm_part *parts, size_t nparts, int source)
{
	struct asm_issue issue;
	if (!nparts || !asm_check_text(cs->k, text->buf ? text->buf : "", text->len,
				       source ? ASM_SOURCE : ASM_TEMPLATE, &issue))
		return;
	size_t i = nparts - 1;
	while (i > 0 && parts[i].offset > issue.offset)
		i--;
	report_at(cs, s, &parts[i].tok, cs->k->source->rule_asm, SEV_ERROR, "gate",
		  xasprintf("%s in %sasm is not valid on %s", issue.what,
			    s->brace_depth == 0 && !s->body_of ? "top-level " : "inline ", cs->k->target));
}

static void check_constraint(struct c_scan *cs, struct source *s, const struct token *t, int *done)
{
	struct strbuf v = {0};
	string_literal_value(t, &v);
	int aarch64 = strcmp(cs->k->target, "aarch64") == 0, from_aarch64 = cs->k->target_is_x86;
	for (size_t i = 0; i < v.len && !*done; i++) {
		if (v.buf[i] == '@')
			break;   /* "=@cceq": a flag output, on x86 and aarch64 alike */
		if (aarch64 && (v.buf[i] == 'U' || v.buf[i] == 'D')) {
			i += v.buf[i] == 'U' ? 2 : 1;   /* aarch64's Ump, Uaa, Dz ... */
			continue;
		}
		char key[4] = { v.buf[i], 0, 0, 0 };
		if (v.buf[i] == 'Y' && i + 1 < v.len && !from_aarch64)
			key[1] = v.buf[i + 1];
		if (v.buf[i] == 'U' && i + 2 < v.len && from_aarch64) {   /* aarch64's Upa, Ump */
			memcpy(key + 1, v.buf + i + 1, 2);
			i += 2;
		}
		if (strmap_has(&cs->k->bad_constraints, key, strlen(key))) {
			report_at(cs, s, t, RULE_ASM_CONSTRAINT, SEV_ERROR, "gate",
				  xasprintf("%s register constraint \"%s\" in inline asm: %s has no such register class",
					    cs->k->source->name, key, cs->k->target));
			*done = 1;
		}
	}
	sb_free(&v);
}

static void check_clobber(struct c_scan *cs, struct source *s, const struct token *t, int *done)
{
	struct strbuf v = {0};
	string_literal_value(t, &v);
	const char *name = v.buf ? v.buf : "";
	if (*name == '%')
		name++;
	if (!*done && strmap_has(&cs->k->bad_registers, name, strlen(name))) {
		report_at(cs, s, t, RULE_ASM_CLOBBER, SEV_ERROR, "gate",
			  xasprintf("%s register `%s` in an asm clobber list: unknown register name on %s",
				    cs->k->source->name, name, cs->k->target));
		*done = 1;
	}
	sb_free(&v);
}

/* A string-literal macro inside a template (LOCK_PREFIX "xadd ..."). */
static void append_template_macro(struct c_scan *cs, const struct token *t, struct strbuf *text)
{
	struct macro *m = local_macro(cs, t->p, t->len);
	if (!m || !m->body || m->function_like)
		return;
	struct lexer lx;
	struct token bt;
	lex_init(&lx, m->body, strlen(m->body));
	while (lex_next(&lx, &bt) == T_STRING)
		string_literal_value(&bt, text);
}

/* asm [qualifiers] ( template : outputs : inputs : clobbers : labels ) */
static void parse_asm(struct c_scan *cs, struct source *s)
{
	int toplevel = s->brace_depth == 0 && !s->body_of && reach(s) != TRI_FALSE;
	struct token t;
	while (src_next(cs, s, &t) && is_asm_qualifier(&t))
		;
	if (!tok_punct(&t, '(')) {
		s->pushed = t;
		s->has_pushed = 1;
		return;
	}
	/* its instruction, constraint and clobber findings are one thing to fix */
	char *cause = s->body_of || cs->em.cause ? NULL
		      : xasprintf("%sasm statement at %s:%d", toplevel ? "top-level " : "inline ", s->rel, t.line);
	if (cause) {
		cs->em.cause = cause;
		cs->em.cause_file = s->rel;
	}
	struct strbuf text = {0};
	struct asm_part *parts = NULL;
	size_t nparts = 0, cap = 0;
	int depth = 1, section = 0, constraint_done = 0, clobber_done = 0;
	struct token prev = t;
	while (depth > 0 && src_next(cs, s, &t)) {
		if (tok_punct(&t, '('))
			depth++;
		else if (tok_punct(&t, ')'))
			depth--;
		else if (depth == 1 && t.kind == T_PUNCT && t.p[0] == ':')
			section += (int)t.len;   /* "::" is two section breaks */
		else if (depth == 1 && section == 0 && t.kind == T_STRING) {
			GROW(parts, nparts, cap);
			parts[nparts].tok = t;
			parts[nparts++].offset = text.len;
			string_literal_value(&t, &text);
		} else if (depth == 1 && section == 0 && t.kind == T_IDENT) {
			append_template_macro(cs, &t, &text);
		} else if (depth == 1 && (section == 1 || section == 2) && t.kind == T_STRING &&
			   (tok_punct(&prev, ',') || tok_punct(&prev, ']') || prev.p[0] == ':')) {
			check_constraint(cs, s, &t, &constraint_done);
		} else if (depth == 1 && section == 3 && t.kind == T_STRING) {
			check_clobber(cs, s, &t, &clobber_done);
		}
		prev = t;
	}
	/* basic asm (no operands) is assembler text: %rax is a register there */
	check_template(cs, s, &text, parts, nparts, toplevel || section == 0);
	if (cause) {
		cs->em.cause = cs->em.cause_file = NULL;
		free(cause);
	}
	sb_free(&text);
	free(parts);
}

/* `int x asm("name")` names a symbol; `register long r asm("rax")` names a
 * register, which must exist on the target. */
static void parse_asm_label(struct c_scan *cs, struct source *s)
{
	struct token t;
	if (!src_next(cs, s, &t) || !tok_punct(&t, '(')) {
		s->pushed = t;
		s->has_pushed = 1;
		return;
	}
	int clobber_done = 0;
	while (src_next(cs, s, &t) && !tok_punct(&t, ')'))
		if (t.kind == T_STRING && s->brace_depth > 0)
			check_clobber(cs, s, &t, &clobber_done);
}

/* ---- __attribute__((target(...))) and #pragma GCC target ---- */

/* Returns the first source-arch item of a target("a,b") string, or NULL:
 * an x86 feature, or (the reverse port) an aarch64 "+crc" extension or
 * "arch=armv8-a+crc", looked up by the value before its extensions. */
static char *x86_target_item(const struct knowledge *k, const char *spec)
{
	char *copy = xstrdup(spec), *save = NULL, *found = NULL;
	for (char *item = strtok_r(copy, ",", &save); item && !found; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (k->target_is_x86 && item[0] == '+') {
			found = xstrdup(item);
			break;
		}
		char *key;
		if (str_starts(item, "arch=") || str_starts(item, "tune=") || (k->target_is_x86 && str_starts(item, "cpu=")))
			key = xasprintf("m%.*s", (int)strcspn(item, "+"), item);
		else
			key = xasprintf("-m%s", str_starts(item, "no-") ? item + 3 : item);
		struct strmap_entry *e = strmap_get(key[0] == '-' ? (struct strmap *)&k->bad_mflags
						      : (struct strmap *)&k->bad_march, key, strlen(key), 0);
		if (e)
			found = xstrdup(item);
		free(key);
	}
	free(copy);
	return found;
}

static enum severity attr_severity(enum attr_verdict v)
{
	return v == ATTR_ERROR ? SEV_ERROR : v == ATTR_IGNORED ? SEV_WARNING : SEV_NEVER;
}

static void relocate(const struct token *hash, struct token *t);

/* `spec` is the text of a target("...") string; `at` is where to report. */
static void check_target_spec(struct c_scan *cs, struct source *s, const struct token *at, const char *spec,
			      enum attr_verdict verdict, const char *construct)
{
	char *item = x86_target_item(cs->k, spec);
	enum severity sev = attr_severity(verdict);
	if (item && sev != SEV_NEVER)
		report_at(cs, s, at, RULE_TARGET_ATTR, sev, "gate",
			  xasprintf("%s with %s feature \"%s\": %s", construct, cs->k->source->name, item,
				    sev == SEV_ERROR ? "rejected by the target compiler"
						     : "ignored by the target compiler"));
	free(item);
}

static void check_target_string(struct c_scan *cs, struct source *s, const struct token *t,
				enum attr_verdict verdict, const char *construct)
{
	struct strbuf v = {0};
	string_literal_value(t, &v);
	check_target_spec(cs, s, t, v.buf ? v.buf : "", verdict, construct);
	sb_free(&v);
}

/* The strings of a `GCC target("a", "b")` or `GCC target "a"` pragma text,
 * each checked; `at` (NULL: the string itself) is where to report. */
static void check_pragma_text(struct c_scan *cs, struct source *s, const char *text, size_t len,
			      const struct token *hash, const struct token *at)
{
	struct lexer lx;
	struct token t[2], str;
	lex_init(&lx, text, len);
	for (int i = 0; i < 2; i++)
		lex_next(&lx, &t[i]);
	if (!tok_is(&t[0], "GCC") || !tok_is(&t[1], "target"))
		return;
	while (lex_next(&lx, &str) != T_EOF) {
		if (str.kind != T_STRING)
			continue;
		if (at) {
			struct strbuf v = {0};
			string_literal_value(&str, &v);
			check_target_spec(cs, s, at, v.buf ? v.buf : "", cs->k->x86_pragma_target, "_Pragma(\"GCC target\")");
			sb_free(&v);
		} else {
			relocate(hash, &str);
			check_target_string(cs, s, &str, cs->k->x86_pragma_target, "#pragma GCC target");
		}
	}
}

/* `_Pragma("GCC target(\"avx2\")")`: the same as the directive. */
static void parse_pragma_operator(struct c_scan *cs, struct source *s)
{
	struct token open, str;
	if (!src_next(cs, s, &open) || !tok_punct(&open, '(')) {
		s->pushed = open;
		s->has_pushed = 1;
		return;
	}
	if (!src_next(cs, s, &str) || str.kind != T_STRING) {
		s->pushed = str;
		s->has_pushed = 1;
		return;
	}
	struct strbuf v = {0};
	string_literal_value(&str, &v);
	check_pragma_text(cs, s, v.buf ? v.buf : "", v.len, NULL, &str);
	sb_free(&v);
}

static void parse_attribute(struct c_scan *cs, struct source *s)
{
	struct token t;
	int depth = 0, in_target = 0;
	while (src_next(cs, s, &t)) {
		if (tok_punct(&t, '('))
			depth++;
		else if (tok_punct(&t, ')')) {
			if (--depth <= 0)
				return;
			in_target = 0;
		} else if (t.kind == T_IDENT)
			in_target = tok_is(&t, "target") || tok_is(&t, "__target__") ||
				    tok_is(&t, "target_clones") || tok_is(&t, "__target_clones__");
		else if (t.kind == T_STRING && in_target)
			check_target_string(cs, s, &t, cs->k->x86_target_attr, "__attribute__((target))");
		if (depth == 0)
			return;
	}
}

/* ---- identifiers ---- */

static int is_declared(const struct c_scan *cs, const struct token *t)
{
	struct macro *m = local_macro(cs, t->p, t->len);
	return (m && m->defined != TRI_FALSE) || strmap_value(&cs->declared, t->p, t->len);
}

static void declare(struct c_scan *cs, struct source *s, const struct token *t)
{
	if (reach(s) == TRI_FALSE)
		return;
	strmap_get(&cs->declared, t->p, t->len, 1)->value = (void *)1;
	record_op(cs, OP_DECLARE, t->p, t->len, NULL, NULL, 0);
}

static void check_missing(struct c_scan *cs, struct source *s, const struct token *t)
{
	struct missing_def *md = strmap_value(&cs->missing, t->p, t->len);
	if (!md || md->reported || is_declared(cs, t))
		return;
	if (!s->body_of && reach(s) != TRI_FALSE)
		md->reported = 1;
	char *cause = xasprintf("#if chain at %s:%d with no arm for %s", md->file, md->line, cs->k->target);
	report_caused(cs, s, t, RULE_ARCH_CHAIN, SEV_ERROR, "port",
		      xasprintf("`%.*s` is defined only in the #if chain at %s:%d, which has no arm for %s",
				(int)t->len, t->p, md->file, md->line, cs->k->target), cause, md->file);
	free(cause);
}

/* "`M2` (defined at f.h:3)", and how the chain is told at a use. */
static char *macro_site(const struct token *t, const struct macro *m)
{
	return xasprintf("`%.*s` (defined at %s:%d)", (int)t->len, t->p, m->def_file, m->def_line);
}

static char *chain_words(const struct evidence *x86)
{
	if (!x86->links)
		return xstrdup("");
	if (x86->links == 1)
		return xasprintf(" through macro %s", x86->via);
	return xasprintf(" through macro %s and %d more", x86->via, x86->links - 1);
}

static void check_x86_macro_use(struct c_scan *cs, struct source *s, const struct token *t,
				const struct macro *m)
{
	if (m->function_like) {
		struct token next;
		if (!src_next(cs, s, &next))
			return;
		s->pushed = next;
		s->has_pushed = 1;
		if (!tok_punct(&next, '('))
			return;
	}
	const struct evidence *x = m->x86;
	if (s->body_of) {   /* one more link: the root cause and its first macro, not a nested message */
		struct evidence ev = { x->rule, x->severity, x->fix, x->what, 0, 0, 0, 0, macro_site(t, m), x->links + 1,
				       x->cause, x->cause_file };
		fill_location(&ev, t);
		report(cs, s, &ev);
		free(ev.via);
		return;
	}
	char *site = macro_site(t, m), *chain = chain_words(x);
	char *cause = x->cause ? xstrdup(x->cause)
		      : xasprintf("macro `%.*s` defined at %s:%d", (int)t->len, t->p, m->def_file, m->def_line);
	report_caused(cs, s, t, x->rule, x->severity, x->fix,
		      xasprintf("macro %s expands to %s code%s: %s", site, cs->k->source->name, chain, x->what), cause,
		      x->cause ? x->cause_file : m->def_file);
	free(cause);
	free(site);
	free(chain);
}

static int next_is_paren(struct c_scan *cs, struct source *s)
{
	struct token next;
	if (!src_next(cs, s, &next))
		return 0;
	s->pushed = next;
	s->has_pushed = 1;
	return tok_punct(&next, '(');
}

static void report_x86_name(struct c_scan *cs, struct source *s, const struct token *t,
			    const struct x86_name *x, int builtin);

/* ---- SIMDe's native aliases ---- */

/* Header h becomes active at `level` through the #include of `top`. */
static void simde_mark(struct c_scan *cs, const char *h, size_t n, int level, const char *top)
{
	struct strmap_entry *e = strmap_get(&cs->simde_active, h, n, 1);
	if (e->value && (uintptr_t)e->value <= (uintptr_t)level)
		return;
	e->value = (void *)(uintptr_t)level;
	strmap_get(&cs->simde_via, h, n, 1)->value = (void *)top;
}

void simde_activate(struct c_scan *cs, const char *name, int level)
{
	struct strmap_entry *e = strmap_get((struct strmap *)&cs->k->simde_reads, name, strlen(name), 0);
	if (!e)
		return;
	const char *top = e->key, *reads = e->value;   /* the knowledge's strings: they outlive the scan */
	record_op(cs, OP_SIMDE, top, strlen(top), NULL, NULL, level);
	simde_mark(cs, top, strlen(top), level, top);
	for (const char *p = reads; *p && strcmp(reads, "-");) {
		size_t n = strcspn(p, " ");
		simde_mark(cs, p, n, level, top);
		p += n;
		p += *p == ' ';
	}
}

/* An #include of a SIMDe header of the source arch's family: with
 * SIMDE_ENABLE_NATIVE_ALIASES defined, the names it covers are no longer
 * x86 code (a tree ported with SIMDe, or by `archport stub --simde`). */
static void check_simde_include(struct c_scan *cs, struct source *s, const char *name)
{
	if (!cs->k->simde_reads.len || reach(s) == TRI_FALSE || s->body_of ||
	    !strmap_has(&cs->k->simde_reads, name, strlen(name)))
		return;
	static const char alias[] = "SIMDE_ENABLE_NATIVE_ALIASES";
	enum tri defined = env_defined(cs, alias, sizeof alias - 1);
	if (defined == TRI_FALSE)
		return;
	simde_activate(cs, name, defined == TRI_TRUE && reach(s) == TRI_TRUE ? SIMDE_CERTAIN : SIMDE_MAYBE);
}

/* How sure it is that an active SIMDe header defines `t` (0: none does);
 * *header: the #include'd SIMDe header that brings it. */
static int simde_level(const struct c_scan *cs, const struct token *t, const char **header)
{
	if (!cs->simde_active.len)
		return 0;
	const char *h = strmap_value(&cs->k->simde_names, t->p, t->len);
	uintptr_t level = h ? (uintptr_t)strmap_value(&cs->simde_active, h, strlen(h)) : 0;
	*header = level ? strmap_value(&cs->simde_via, h, strlen(h)) : NULL;
	return (int)level;
}

/* The first use in a file of a name a SIMDe header defines for certain is
 * a note (x86 code handled for the target); the rest say nothing more. */
static void note_simde_use(struct c_scan *cs, struct source *s, const struct token *t, const char *header)
{
	if (s->body_of || cs->silent || !cs->em.out || !cs->notes ||
	    strmap_has(&cs->simde_noted, header, strlen(header)))
		return;
	strmap_get(&cs->simde_noted, header, strlen(header), 1)->value = (void *)1;
	emit(&cs->em, cs->k->source->rule_gated, SEV_NOTE, t->line, t->col, t->line, t->col + (int)t->len, "none",
	     "%s `%.*s`, and every %s name <%s> covers in this file, is SIMDe's native alias on %s "
	     "(SIMDE_ENABLE_NATIVE_ALIASES is defined before the #include)", cs->k->source->name, (int)t->len, t->p,
	     cs->k->source->name, header, cs->k->target);
}

static void check_knowledge(struct c_scan *cs, struct source *s, const struct token *t)
{
	const struct x86_name *x = knowledge_name(cs->k, t->p, t->len);
	const char *prefix = cs->k->source->builtin_prefix;
	int builtin = t->len > strlen(prefix) && memcmp(t->p, prefix, strlen(prefix)) == 0;
	int cpu_builtin = !cs->k->target_is_x86 &&   /* x86's CPU builtins; x86_64 has them itself */
			  (tok_is(t, "__builtin_cpu_supports") || tok_is(t, "__builtin_cpu_is") ||
			   tok_is(t, "__builtin_cpu_init"));
	if (!x && !builtin && !cpu_builtin)
		return;
	int local = is_declared(cs, t);
	int n = (int)t->len;
	if (x && (x->kinds & X86_CONTEXT_REG)) {
		if (local)
			report_at(cs, s, t, RULE_CONTEXT_REG, SEV_WARNING, "port",
				  xasprintf("`%.*s` indexes the x86 register layout of jmp_buf/ucontext; on %s that slot holds something else",
					    n, t->p, cs->k->target));
		else
			report_at(cs, s, t, RULE_CONTEXT_REG, SEV_ERROR, "port",
				  xasprintf("`%.*s` (x86 ucontext register index) is not defined on %s", n, t->p,
					    cs->k->target));
		return;
	}
	if (local)
		return;
	const char *simde = NULL;
	int level = simde_level(cs, t, &simde);
	if (level == SIMDE_CERTAIN && reach(s) != TRI_FALSE) {
		note_simde_use(cs, s, t, simde);
		return;
	}
	int first_in_body = s->body_of && !s->body_of->x86;
	cs->simde_maybe = level == SIMDE_MAYBE ? simde : NULL;
	report_x86_name(cs, s, t, x, builtin || cpu_builtin);
	cs->simde_maybe = NULL;
	if (first_in_body && s->body_of->x86)
		s->body_of->x86_name = xstrndup(t->p, t->len);
}

/* The x86 header #include this file's use of an x86 name comes from: the
 * one that declares it, else the first (it may include the other). When
 * the file includes none itself (a tree header brings it, as in simdcomp:
 * 16,000 uses of 40 SSE names in one file), the file's x86 code is one
 * cause: it is ported as a whole, not name by name. */
static const char *header_cause(struct c_scan *cs, const struct source *s, const struct x86_name *x)
{
	if (s->body_of)
		return NULL;
	const char *c = x && x->header ? strmap_value(&cs->x86_headers, x->header, strlen(x->header)) : NULL;
	if (c || cs->first_x86_header)
		return c ? c : cs->first_x86_header;
	if (!cs->file_x86_cause)
		cs->file_x86_cause = xasprintf("%s intrinsics and vector types used in %s", cs->k->source->name, cs->em.rel);
	return cs->file_x86_cause;
}

/* The message of a name a SIMDe header may define: a warning, and why. */
static char *simde_words(const struct c_scan *cs, char *what)
{
	if (!cs->simde_maybe)
		return what;
	char *w = xasprintf("%s, unless <%s> defines it: SIMDE_ENABLE_NATIVE_ALIASES or the #include is under a "
			    "condition archport cannot decide", what, cs->simde_maybe);
	free(what);
	return w;
}

static void report_x86_name(struct c_scan *cs, struct source *s, const struct token *t,
			    const struct x86_name *x, int builtin)
{
	int n = (int)t->len;
	enum severity sev = cs->simde_maybe ? SEV_WARNING : SEV_ERROR;
	cs->em.cause = header_cause(cs, s, x);
	cs->em.cause_file = cs->em.cause ? cs->em.rel : NULL;
	if (x && (x->kinds & X86_TYPE))
		report_at(cs, s, t, cs->k->source->rule_type, sev, "gate",
			  simde_words(cs, xasprintf("%s-only type `%.*s` (%s) does not exist on %s", cs->k->source->name,
						    n, t->p, x->header ? x->header : "x86 headers", cs->k->target)));
	else if ((x && (x->kinds & X86_INTRINSIC)) || builtin)
		report_at(cs, s, t, cs->k->source->rule_intrinsic, sev, "gate",
			  simde_words(cs, xasprintf("%s intrinsic `%.*s`%s%s%s is not available on %s",
						    cs->k->source->name, n, t->p, x && x->header ? " (" : "",
						    x && x->header ? x->header : "", x && x->header ? ")" : "",
						    cs->k->target)));
	else if (x && (x->kinds & X86_PORT_IO) && next_is_paren(cs, s))
		report_at(cs, s, t, RULE_PORT_IO, SEV_ERROR, "gate",
			  xasprintf("x86 port I/O `%.*s` (sys/io.h) does not exist on %s", n, t->p, cs->k->target));
	cs->em.cause = cs->em.cause_file = NULL;
}

static int maybe_builtin(const struct token *t)
{
	return t->len > 15 && t->p[0] == '_' && t->p[2] == 'b' && memcmp(t->p, "__builtin_", 10) == 0;
}

static int peek_is(struct c_scan *cs, struct source *s, char c)
{
	struct token next;
	if (!src_next(cs, s, &next))
		return 0;
	s->pushed = next;
	s->has_pushed = 1;
	return tok_punct(&next, c);
}

/* Is t the name being declared here: `type name(` at file scope, or the
 * name of a typedef? A shim that defines _mm_add_ps or __m128 for the
 * target is not a use of the x86 one. */
static int declares_here(struct c_scan *cs, struct source *s, const struct token *t)
{
	if (s->body_of || reach(s) == TRI_FALSE || s->brace_depth != 0 || s->paren_depth != 0)
		return 0;
	int after_type = s->prev.kind == T_IDENT || tok_punct(&s->prev, '*');
	if ((after_type && peek_is(cs, s, '(')) || (s->in_typedef && (peek_is(cs, s, ';') || peek_is(cs, s, '[')))) {
		declare(cs, s, t);
		return 1;
	}
	return 0;
}

/* Runs for every identifier: the maps are consulted only when they can hit. */
static void check_identifier(struct c_scan *cs, struct source *s, const struct token *t)
{
	if (cs->x86_macros.len && strmap_has(&cs->x86_macros, t->p, t->len)) {
		struct macro *m = local_macro(cs, t->p, t->len);
		if (m && m->x86 && m->defined != TRI_FALSE && m != s->body_of &&
		    !(m->x86_name && strmap_value(&cs->declared, m->x86_name, strlen(m->x86_name)))) {
			check_x86_macro_use(cs, s, t, m);
			return;
		}
	}
	int missing = cs->missing.len && reach(s) != TRI_FALSE && strmap_has(&cs->missing, t->p, t->len);
	int x86 = knowledge_maybe_name(cs->k, t->p, t->len) || maybe_builtin(t);
	if ((!missing && !x86) || declares_here(cs, s, t))
		return;
	if (missing)
		check_missing(cs, s, t);
	if (x86)
		check_knowledge(cs, s, t);
}

/* ---- declarations the code makes itself (shims, enums, typedefs) ---- */

static void track_declarations(struct c_scan *cs, struct source *s, const struct token *t)
{
	if (s->body_of)
		return;
	if (t->kind == T_IDENT) {
		if (s->brace_depth == 0 && tok_is(t, "typedef"))
			s->in_typedef = 1;
		else if (tok_is(t, "enum"))
			s->enum_pending = 1;
		else if (s->enum_brace && s->brace_depth == s->enum_brace &&
			 (tok_punct(&s->prev, '{') || tok_punct(&s->prev, ',')))
			declare(cs, s, t);
		if (s->paren_depth == 0 && !tok_is(t, "__attribute__") && !tok_is(t, "__attribute"))
			s->last_ident = *t;
		return;
	}
	if (tok_punct(t, '(') && s->brace_depth == 0 && s->prev.kind == T_IDENT && s->paren_depth == 1) {
		/* `type name(` at file scope declares name */
		declare(cs, s, &s->prev);
	} else if (tok_punct(t, ';') && s->in_typedef && s->brace_depth == 0) {
		if (s->last_ident.kind == T_IDENT)
			declare(cs, s, &s->last_ident);
		s->in_typedef = 0;
	} else if (tok_punct(t, '{') && s->enum_pending) {
		s->enum_brace = s->brace_depth;
		s->enum_pending = 0;
	} else if (tok_punct(t, ';')) {
		s->enum_pending = 0;
	}
}

static void track_nesting(struct source *s, const struct token *t)
{
	if (t->kind != T_PUNCT || t->len != 1)
		return;
	switch (t->p[0]) {
	case '{': s->brace_depth++; break;
	case '}':
		if (s->enum_brace == s->brace_depth)
			s->enum_brace = 0;
		if (s->brace_depth > 0)
			s->brace_depth--;
		break;
	case '(': s->paren_depth++; break;
	case ')': if (s->paren_depth > 0) s->paren_depth--; break;
	}
}

static void collect_define(struct source *s, const char *name, size_t n);

/* Names typedef'd in a skipped arm count as what the chain defines, as
 * its macros do: `#if defined(__x86_64__) typedef unsigned long word_t;
 * #elif defined(__i386__) ... #endif` leaves no word_t on the target. */
static void track_skipped_typedef(struct source *s, const struct token *t)
{
	struct skipped_typedef *d = &s->skipped;
	if (s->body_of || s->brace_depth != 0)
		return;
	if (t->kind == T_IDENT) {
		if (tok_is(t, "typedef") && d->braces == 0)
			*d = (struct skipped_typedef){ .in_typedef = 1 };
		else if (d->in_typedef && d->braces == 0 && d->parens == 0 && !tok_is(t, "__attribute__") &&
			 !tok_is(t, "__attribute"))
			d->name = *t;
		else if (d->in_typedef && d->parens == 1 && tok_punct(&s->prev, '*') && !d->fn_name.len)
			d->fn_name = *t;
	} else if (tok_punct(t, '{')) {
		d->braces++;
	} else if (tok_punct(t, '}')) {
		d->braces -= d->braces > 0;
	} else if (tok_punct(t, '(')) {
		d->parens++;
	} else if (tok_punct(t, ')')) {
		d->parens -= d->parens > 0;
	} else if (tok_punct(t, ';') && d->braces == 0 && d->in_typedef) {
		const struct token *name = d->fn_name.len ? &d->fn_name : &d->name;
		if (name->len)
			collect_define(s, name->p, name->len);
		memset(d, 0, sizeof *d);
	}
}

/* Does the body of `m` use its argument number `arg` (0-based)? */
static int body_uses_arg(const struct macro *m, int arg);

/* An argument counts as used when this definition uses it or when an
 * earlier one that may still be the live one did (`#elif` and `#else`
 * arms under conditions archport cannot decide). */
static enum arg_use macro_uses_arg(const struct macro *m, int arg)
{
	if (body_uses_arg(m, arg))
		return ARG_USED;
	return arg < 64 && (m->args_used_elsewhere >> arg) & 1 ? ARG_USED_MAYBE : ARG_UNUSED;
}

/* The arguments a definition that a new one may not replace uses. */
static unsigned long long args_still_used(const struct macro *prev)
{
	if (!prev || !prev->function_like || prev->defined == TRI_FALSE)
		return 0;
	unsigned long long mask = prev->args_used_elsewhere;
	for (int i = 0; i < 64; i++)
		if (body_uses_arg(prev, i))
			mask |= 1ULL << i;
	return mask;
}

static int body_uses_arg(const struct macro *m, int arg)
{
	struct lexer lx;
	struct token t, name = {0};
	int i = 0, variadic = 0;
	lex_init(&lx, m->params ? m->params : "", m->params ? strlen(m->params) : 0);
	while (lex_next(&lx, &t) != T_EOF) {
		if (t.kind == T_IDENT && i == arg)
			name = t;
		else if (tok_punct(&t, ','))
			i++;
		else if (t.kind == T_PUNCT && t.p[0] == '.')
			variadic = 1;
	}
	if (!name.len && !variadic)
		return arg > i;   /* more arguments than parameters: a mistake; keep checking */
	const char *want = name.len ? name.p : "__VA_ARGS__";
	size_t n = name.len ? name.len : 11;
	lex_init(&lx, m->body, strlen(m->body));
	while (lex_next(&lx, &t) != T_EOF)
		if (t.kind == T_IDENT && t.len == n && memcmp(t.p, want, n) == 0)
			return 1;
	return 0;
}

/* Follows the argument list of an in-tree function-like macro defined on
 * the target; returns 1 when `t` is in an argument its body never uses. */
static int in_unused_macro_arg(struct c_scan *cs, struct source *s, const struct token *t)
{
	struct macro_call *c = &s->call;
	if (!c->m) {
		if (t->kind != T_IDENT || s->body_of || !cs->macros.len)
			return 0;
		const struct macro *m = local_macro(cs, t->p, t->len);
		if (!m || !m->function_like || m->defined == TRI_FALSE || !m->params || !next_is_paren(cs, s))
			return 0;
		*c = (struct macro_call){ .m = m, .depth = 0, .arg = 0, .arg_used = macro_uses_arg(m, 0) };
		return 0;
	}
	if (tok_punct(t, '(') && c->depth++ == 0)
		return 0;   /* the call's own parenthesis */
	if (tok_punct(t, ')') && --c->depth == 0) {
		c->m = NULL;
		return 0;
	}
	if (tok_punct(t, ',') && c->depth == 1) {
		c->arg++;
		c->arg_used = macro_uses_arg(c->m, c->arg);
		return 0;
	}
	return c->arg_used == ARG_UNUSED;
}

static void handle_code_token(struct c_scan *cs, struct source *s, const struct token *t)
{
	if (in_unused_macro_arg(cs, s, t)) {
		s->prev = *t;
		return;
	}
	enum tri r = reach(s);
	if (r != TRI_FALSE) {
		track_nesting(s, t);
		track_declarations(cs, s, t);
	} else {
		track_skipped_typedef(s, t);
	}
	if (t->kind == T_IDENT) {
		if (is_asm_keyword(t)) {
			int label = s->prev.kind == T_IDENT || (s->brace_depth == 0 && tok_punct(&s->prev, ')'));
			if (label && !s->body_of)
				parse_asm_label(cs, s);
			else
				parse_asm(cs, s);
		} else if (tok_is(t, "__attribute__") || tok_is(t, "__attribute")) {
			parse_attribute(cs, s);
		} else if (tok_is(t, "_Pragma")) {
			parse_pragma_operator(cs, s);
		} else {
			check_identifier(cs, s, t);
		}
	}
	s->prev = *t;
}

/* ---- directives ---- */

/* Arm ids are unique across every scan of the run (threads, headers'
 * summaries replayed into other files), so that an id kept in a macro
 * never matches an arm of another file. */
static unsigned long new_arm_id(void)
{
	static atomic_ulong next = 1;
	return atomic_fetch_add(&next, 1);
}

static void push_frame(struct source *s, enum tri branch, int line)
{
	memset(&s->skipped, 0, sizeof s->skipped);
	GROW(s->stack, s->depth, s->cap);
	struct frame *f = &s->stack[s->depth];
	memset(f, 0, sizeof *f);
	f->parent = reach(s);
	f->branch = branch;
	f->taken = branch;
	f->line = line;
	f->arm_id = new_arm_id();
	s->depth++;
}

static void set_cond_text(struct frame *f, const char *kw, const char *text, size_t len)
{
	free(f->cond);
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r'))
		len--;
	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	f->cond = xasprintf("#%s %.*s%s", kw, (int)(len > MAX_COND_TEXT ? MAX_COND_TEXT : len), text,
			    len > MAX_COND_TEXT ? "..." : "");
}

static void frame_add_define(struct frame *f, const char *name, size_t n)
{
	for (size_t i = 0; i < f->ndefines; i++)
		if (mem_eq(name, n, f->defines[i]))
			return;
	GROW(f->defines, f->ndefines, f->cap);
	f->defines[f->ndefines++] = xstrndup(name, n);
}

/* Names an arch chain defines: kept by the innermost chain that may still
 * turn out to have no arm for the target (not by include guards). */
static void collect_define(struct source *s, const char *name, size_t n)
{
	for (size_t i = s->depth; i-- > 0;) {
		struct frame *f = &s->stack[i];
		if (f->arch_related && f->arch_only) {
			frame_add_define(f, name, n);
			return;
		}
	}
}

static void note_arm(struct frame *f, enum tri cond, int arch)
{
	f->arch_related |= arch;
	if (cond != TRI_FALSE || !arch)
		f->arch_only = 0;
}

static void do_if(struct c_scan *cs, struct source *s, const char *kw, const char *text, size_t len, int line)
{
	if (reach(s) == TRI_FALSE) {   /* only nesting matters in dead code */
		push_frame(s, TRI_FALSE, line);
		return;
	}
	enum tri cond;
	int arch = 0;
	free(cs->why_pending);
	cs->why_pending = NULL;
	cs->cond_source = s;
	if (strcmp(kw, "if") == 0) {
		cond = eval_condition(cs, text, len, line, &arch);
	} else {
		struct lexer lx;
		struct token t;
		lex_init(&lx, text, len);
		if (lex_next(&lx, &t) != T_IDENT) {
			cond = TRI_UNKNOWN;
		} else {
			arch = env_is_arch_name(cs, t.p, t.len);
			cond = env_defined(cs, t.p, t.len);
			if (strcmp(kw, "ifndef") == 0)
				cond = tri_not(cond);
		}
	}
	cs->cond_source = NULL;
	push_frame(s, cond, line);
	struct frame *f = &s->stack[s->depth - 1];
	f->arch_only = 1;
	note_arm(f, cond, arch);
	set_cond_text(f, kw, text, len);
	f->why = cs->why_pending;
	cs->why_pending = NULL;
}

static void do_elif(struct c_scan *cs, struct source *s, const char *text, size_t len, int line)
{
	struct frame *f = &s->stack[s->depth - 1];
	memset(&s->skipped, 0, sizeof s->skipped);
	f->noted = 0;
	if (f->parent == TRI_FALSE || f->taken == TRI_TRUE) {
		f->branch = TRI_FALSE;
		return;
	}
	int arch;
	free(cs->why_pending);
	cs->why_pending = NULL;
	cs->cond_source = s;
	enum tri cond = eval_condition(cs, text, len, line, &arch);
	cs->cond_source = NULL;
	if (cs->why_pending) {
		free(f->why);
		f->why = cs->why_pending;
		cs->why_pending = NULL;
	}
	note_arm(f, cond, arch);
	f->branch = tri_and(cond, tri_not(f->taken));
	f->arm_id = new_arm_id();
	if (cond == TRI_TRUE)
		f->taken = f->taken == TRI_FALSE ? TRI_TRUE : TRI_UNKNOWN;
	else if (cond == TRI_UNKNOWN && f->taken == TRI_FALSE)
		f->taken = TRI_UNKNOWN;
	if (f->taken == TRI_UNKNOWN && cond == TRI_TRUE)
		f->taken = TRI_TRUE;
	set_cond_text(f, "elif", text, len);
}

static void do_else(struct source *s)
{
	struct frame *f = &s->stack[s->depth - 1];
	memset(&s->skipped, 0, sizeof s->skipped);
	f->noted = 0;
	f->has_else = 1;
	f->branch = f->parent == TRI_FALSE ? TRI_FALSE : tri_not(f->taken);
	f->arm_id = new_arm_id();
	free(f->cond);
	f->cond = xstrdup("#else");
}

/* An #if chain whose arms all select other architectures, without #else
 * or with an #else that is an #error: what it defines does not exist on
 * the target (and gcc goes on past #error to report every use). */
static void record_missing(struct c_scan *cs, struct source *s, struct frame *f)
{
	if (!f->arch_only || !f->arch_related || (f->has_else && !f->else_errors) ||
	    f->parent == TRI_FALSE)
		return;
	for (size_t i = 0; i < f->ndefines; i++) {
		const char *n = f->defines[i];
		if (env_defined(cs, n, strlen(n)) == TRI_TRUE)
			continue;
		struct strmap_entry *e = strmap_get(&cs->missing, n, strlen(n), 1);
		if (e->value)
			continue;
		struct missing_def *md = xcalloc(1, sizeof *md);
		md->file = xstrdup(s->rel);
		md->line = f->line;
		e->value = md;
		record_op(cs, OP_MISSING, n, strlen(n), NULL, md, 0);
	}
}

static void free_frame(struct frame *f)
{
	for (size_t i = 0; i < f->ndefines; i++)
		free(f->defines[i]);
	free(f->defines);
	free(f->cond);
	free(f->why);
}

static void do_endif(struct c_scan *cs, struct source *s)
{
	struct frame *f = &s->stack[s->depth - 1];
	memset(&s->skipped, 0, sizeof s->skipped);
	record_missing(cs, s, f);
	free_frame(f);
	s->depth--;
}

static int is_arch_context(const struct source *s)
{
	for (size_t i = 0; i < s->depth; i++)
		if (s->stack[i].arch_related)
			return 1;
	return 0;
}

static int include_name(struct c_scan *cs, const char *text, size_t len, char *out, size_t size,
			int *angled, int depth);

static void add_include_ref(struct c_scan *cs, int file, enum tri reachable, int line)
{
	struct file_scan *r = cs->result;
	if (!r || file < 0 || cs->silent)
		return;
	for (size_t i = 0; i < r->nrefs; i++)
		if (r->refs[i].file == file && r->refs[i].reachable == (int)reachable)
			return;
	GROW(r->refs, r->nrefs, r->refs_cap);
	r->refs[r->nrefs].file = file;
	r->refs[r->nrefs].line = line;
	r->refs[r->nrefs++].reachable = (int)reachable;
}

static void scan_macro_body(struct c_scan *cs, struct macro *m)
{
	if (!m->body || !*m->body)
		return;
	struct source body = {0};
	lex_init(&body.lx, m->body, strlen(m->body));
	body.lx.bol = 0;
	body.body_of = m;
	body.brace_depth = 1;
	body.rel = "";
	scan_tokens(cs, &body);
}

static void do_define(struct c_scan *cs, struct source *s, const char *text, size_t len, int line)
{
	struct lexer lx;
	struct token name;
	lex_init(&lx, text, len);
	if (lex_next(&lx, &name) != T_IDENT)
		return;
	collect_define(s, name.p, name.len);
	enum tri r = reach(s);
	if (r == TRI_FALSE) {   /* `#define ARCH_HEADER "arch/x86.h"` in an x86 arm */
		char hdr[512];
		int angled;
		const char *body = name.p + name.len;
		if (include_name(cs, body, (size_t)(text + len - body), hdr, sizeof hdr, &angled, 9))
			add_include_ref(cs, index_resolve_include(cs->ix, s->rel, hdr, strlen(hdr), angled), TRI_FALSE,
					line);
		return;
	}
	struct strmap_entry *e = strmap_get(&cs->macros, name.p, name.len, 1);
	unsigned long long still_used = r == TRI_UNKNOWN ? args_still_used(e->value) : 0;
	free_macro(e->value);
	struct macro *m = xcalloc(1, sizeof *m);
	e->value = m;
	m->defined = r;
	if (r == TRI_UNKNOWN) {
		m->certain_in_arm = certainty_arm(s);
		m->certain = TRI_TRUE;
	}
	m->arch_dependent = is_arch_context(s);
	m->def_file = s->rel;
	m->def_line = line;
	const char *body = name.p + name.len;
	if (body < text + len && *body == '(') {
		m->function_like = 1;
		const char *close = memchr(body, ')', (size_t)(text + len - body));
		if (close)
			m->params = xstrndup(body + 1, (size_t)(close - body - 1));
		m->args_used_elsewhere = still_used;
		body = close ? close + 1 : text + len;
	}
	while (body < text + len && (*body == ' ' || *body == '\t'))
		body++;
	m->body = xstrndup(body, (size_t)(text + len - body));
	scan_macro_body(cs, m);
	if (m->x86)
		strmap_get(&cs->x86_macros, name.p, name.len, 1)->value = (void *)1;
	record_op(cs, OP_DEFINE, name.p, name.len, m, NULL, 0);
}

static void do_undef(struct c_scan *cs, struct source *s, const char *text, size_t len)
{
	struct lexer lx;
	struct token name;
	lex_init(&lx, text, len);
	enum tri r = reach(s);
	if (lex_next(&lx, &name) != T_IDENT || r == TRI_FALSE)
		return;
	struct strmap_entry *e = strmap_get(&cs->macros, name.p, name.len, 1);
	free_macro(e->value);
	struct macro *m = xcalloc(1, sizeof *m);
	m->defined = r == TRI_TRUE ? TRI_FALSE : TRI_UNKNOWN;
	if (r == TRI_UNKNOWN) {
		m->certain_in_arm = certainty_arm(s);
		m->certain = TRI_FALSE;
	}
	e->value = m;
	record_op(cs, OP_UNDEF, name.p, name.len, m, NULL, 0);
}

/* The header name of an #include line, expanding one macro if needed. */
static int include_name(struct c_scan *cs, const char *text, size_t len, char *out, size_t size,
			int *angled, int depth)
{
	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	if (len && (*text == '<' || *text == '"')) {
		char close = *text == '<' ? '>' : '"';
		const char *e = memchr(text + 1, close, len - 1);
		if (!e || (size_t)(e - text - 1) >= size)
			return 0;
		memcpy(out, text + 1, (size_t)(e - text - 1));
		out[e - text - 1] = '\0';
		*angled = close == '>';
		return 1;
	}
	struct lexer lx;
	struct token t;
	lex_init(&lx, text, len);
	if (depth > 8 || lex_next(&lx, &t) != T_IDENT)
		return 0;
	int fl;
	const char *body = env_body(cs, t.p, t.len, &fl);
	return body && !fl && include_name(cs, body, strlen(body), out, size, angled, depth + 1);
}



/* An include that nothing resolves, but that an x86 directory of an
 * arch/$(ARCH) layout holds: the target's directory, which the build
 * searches instead, is missing (the compiler stops here). */
static void check_arch_dir_include(struct c_scan *cs, struct source *s, const char *name,
				   const struct token *at)
{
	const struct arch_dirs *ad = cs->ix->arch;
	for (size_t i = 0; i < arch_dirs_len(ad); i++) {
		if (!arch_dirs_twin(ad, i) || !arch_dirs_by_variable(ad, i))
			continue;
		char *path = xasprintf("%s/%s", arch_dirs_x86(ad, i), name);
		int found = strmap_has(&cs->ix->files, path, strlen(path));
		free(path);
		if (!found)
			continue;
		report_at(cs, s, at, RULE_ARCH_DIR, SEV_ERROR, "stub",
			  xasprintf("\"%s\" is only in %s/, which the build picks for %s; the tree has no %s/ for %s",
				    name, arch_dirs_x86(ad, i), cs->k->source->name, arch_dirs_twin(ad, i), cs->k->target));
		return;
	}
}

/* An x86 header included by the file being scanned is the root cause of
 * the x86 names it declares there. */
static void report_x86_header(struct c_scan *cs, struct source *s, const char *name, const struct token *at)
{
	const char *arch = cs->k->source->name;
	char *cause = xasprintf("%s header <%s> included at %s:%d", arch, name, s->rel, at->line);
	report_caused(cs, s, at, cs->k->source->rule_header, SEV_ERROR, "gate",
		      xasprintf("%s-only header <%s> does not exist on %s", arch, name, cs->k->target), cause, s->rel);
	struct strmap_entry *e = cs->silent || s->body_of || reach(s) == TRI_FALSE ? NULL
				 : strmap_get(&cs->x86_headers, name, strlen(name), 1);
	if (!e || e->value) {
		free(cause);
		return;
	}
	e->value = cause;
	if (!cs->first_x86_header)
		cs->first_x86_header = cause;
}

static void do_include(struct c_scan *cs, struct source *s, const char *text, size_t len,
		       const struct token *at)
{
	char name[512];
	int angled = 0;
	if (!include_name(cs, text, len, name, sizeof name, &angled, 0))
		return;
	const char *origin = strmap_value(&cs->k->headers, name, strlen(name));
	if (origin)
		report_x86_header(cs, s, name, at);
	check_simde_include(cs, s, name);
	int idx = index_resolve_include(cs->ix, s->rel, name, strlen(name), angled);
	if (idx < 0 && !angled && reach(s) != TRI_FALSE)
		check_arch_dir_include(cs, s, name, at);
	add_include_ref(cs, idx, reach(s), at->line);
	if (idx >= 0 && reach(s) != TRI_FALSE)
		process_include(cs, idx);
}

static void do_error(struct c_scan *cs, struct source *s, const char *text, size_t len,
		     const struct token *at)
{
	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (s->depth && s->stack[s->depth - 1].has_else)
		s->stack[s->depth - 1].else_errors = 1;
	/* one item, however many files reach it through the header it is in */
	char *cause = xasprintf("#error reached on %s at %s:%d", cs->k->target, s->rel, at->line);
	report_caused(cs, s, at, RULE_ERROR_DIRECTIVE, SEV_ERROR, "port",
		      xasprintf("#error %.*s is reached on %s", (int)(len > 120 ? 120 : len), text, cs->k->target),
		      cause, s->rel);
	free(cause);
}

/* A token lexed from a directive's own text gets its place in the file. */
static void relocate(const struct token *hash, struct token *t)
{
	int line = hash->line;
	const char *line_start = hash->p - (hash->col - 1);
	for (const char *q = hash->p; q < t->p; q++)
		if (*q == '\n') {
			line++;
			line_start = q + 1;
		}
	t->line = line;
	t->col = (int)(t->p - line_start) + 1;
}

static void do_pragma(struct c_scan *cs, struct source *s, const char *text, size_t len,
		      const struct token *hash)
{
	check_pragma_text(cs, s, text, len, hash, NULL);
}

/* Reads the directive after '#': its name and the rest of the line. */
static void handle_directive(struct c_scan *cs, struct source *s, const struct token *hash)
{
	struct token name;
	if (lex_next(&s->lx, &name) == T_NEWLINE || name.kind == T_EOF)
		return;
	const char *text = s->lx.p, *end = text;
	struct token t;
	while (lex_next(&s->lx, &t) != T_NEWLINE && t.kind != T_EOF)
		end = t.p + t.len;
	size_t len = end > text ? (size_t)(end - text) : 0;
	char kw[16];
	snprintf(kw, sizeof kw, "%.*s", (int)(name.len < 15 ? name.len : 15), name.p);
	if (!strcmp(kw, "if") || !strcmp(kw, "ifdef") || !strcmp(kw, "ifndef")) {
		do_if(cs, s, kw, text, len, name.line);
		return;
	}
	if (!strcmp(kw, "elif") || !strcmp(kw, "else") || !strcmp(kw, "endif") ||
	    !strcmp(kw, "elifdef") || !strcmp(kw, "elifndef")) {
		if (!s->depth) {
			cs->unbalanced_line = cs->unbalanced_line ? cs->unbalanced_line : name.line;
			return;
		}
		if (!strcmp(kw, "elif"))
			do_elif(cs, s, text, len, name.line);
		else if (!strcmp(kw, "else"))
			do_else(s);
		else if (!strcmp(kw, "endif"))
			do_endif(cs, s);
		else {   /* #elifdef: C23, treat the arm as undecidable */
			s->stack[s->depth - 1].branch = tri_and(TRI_UNKNOWN, tri_not(s->stack[s->depth - 1].taken));
			s->stack[s->depth - 1].arm_id = new_arm_id();
		}
		return;
	}
	if (!strcmp(kw, "define"))
		do_define(cs, s, text, len, name.line);
	else if (reach(s) == TRI_FALSE && strcmp(kw, "include") && strcmp(kw, "include_next"))
		return;
	else if (!strcmp(kw, "undef"))
		do_undef(cs, s, text, len);
	else if (!strcmp(kw, "include") || !strcmp(kw, "include_next"))
		do_include(cs, s, text, len, hash);
	else if (!strcmp(kw, "error"))
		do_error(cs, s, text, len, hash);
	else if (!strcmp(kw, "pragma"))
		do_pragma(cs, s, text, len, hash);
}

/* ---- driving ---- */

static int src_next(struct c_scan *cs, struct source *s, struct token *t)
{
	if (s->has_pushed) {
		*t = s->pushed;
		s->has_pushed = 0;
		return t->kind != T_EOF;
	}
	for (;;) {
		enum tok_kind k = lex_next(&s->lx, t);
		if (k == T_HASH && !s->body_of) {
			handle_directive(cs, s, t);
			continue;
		}
		if (k == T_HASH || k == T_NEWLINE)
			continue;
		return k != T_EOF;
	}
}

static void scan_tokens(struct c_scan *cs, struct source *s)
{
	struct token t;
	while (src_next(cs, s, &t))
		handle_code_token(cs, s, &t);
}

static void free_source(struct source *s)
{
	for (size_t i = 0; i < s->depth; i++)
		free_frame(&s->stack[i]);
	free(s->stack);
}

void c_scan_source(struct c_scan *cs, const char *src, size_t len, const char *rel)
{
	struct source s = {0};
	lex_init(&s.lx, src, len);
	s.rel = rel;
	scan_tokens(cs, &s);
	if (s.depth && !cs->unclosed_line)
		cs->unclosed_line = s.stack[s.depth - 1].line;
	if (s.lx.problem && !cs->lex_problem) {
		cs->lex_problem = s.lx.problem;
		cs->lex_problem_line = s.lx.problem_line;
	}
	free_source(&s);
}

void c_scan_init(struct c_scan *cs, const struct tree_index *ix, int file_index, struct finding_list *out)
{
	memset(cs, 0, sizeof *cs);
	cs->ix = ix;
	cs->k = ix->k;
	cs->file_index = file_index;
	cs->notes = 1;
	const struct source_file *f = &ix->walk->files[file_index];
	cs->em.out = out;
	cs->em.rel = f->rel;
	strmap_get(&cs->in_tu, (const char *)&file_index, sizeof file_index, 1)->value = (void *)1;
}

void c_scan_free(struct c_scan *cs)
{
	strmap_free(&cs->macros, free_macro);
	strmap_free(&cs->x86_macros, NULL);
	strmap_free(&cs->declared, NULL);
	strmap_free(&cs->missing, free_missing);
	strmap_free(&cs->in_tu, NULL);
	strmap_free(&cs->x86_headers, free);
	strmap_free(&cs->simde_active, NULL);
	strmap_free(&cs->simde_noted, NULL);
	strmap_free(&cs->simde_via, NULL);
	free(cs->why_pending);
	free(cs->file_x86_cause);
}

/* Tells the user about malformed input; the scan itself went on. */
static void warn_malformed(const struct c_scan *cs, const char *rel)
{
	if (cs->lex_problem)
		fprintf(stderr, "archport: %s:%d: %s; scanned to the end of the file\n", rel,
			cs->lex_problem_line, cs->lex_problem);
	if (cs->unclosed_line)
		fprintf(stderr, "archport: %s:%d: #if without #endif\n", rel, cs->unclosed_line);
	if (cs->unbalanced_line)
		fprintf(stderr, "archport: %s:%d: #else/#elif/#endif without #if; ignored\n", rel,
			cs->unbalanced_line);
}

void scan_c(const struct tree_index *ix, int file_index, const struct textfile *tf,
	    struct file_scan *out)
{
	struct c_scan cs;
	c_scan_init(&cs, ix, file_index, &out->findings);
	cs.result = out;
	cs.em.src = tf->data;
	cs.em.end = tf->data + tf->len;
	const char *rel = ix->walk->files[file_index].rel;
	if (ix->includes && ix->included && ix->included[file_index])
		cs.recording = summary_new();
	const int *forced = NULL;
	size_t nforced = ix->db ? compile_db_forced_includes(ix->db, file_index, &forced) : 0;
	for (size_t i = 0; i < nforced; i++)   /* -include config.h comes before the first line */
		process_include(&cs, forced[i]);
	c_scan_source(&cs, tf->data, tf->len, rel);
	if (cs.recording)
		publish_summary(&cs, file_index);
	warn_malformed(&cs, rel);
	c_scan_free(&cs);
}

/* .S files: the preprocessor decides which lines the target assembles;
 * each other line goes to `fn` with its reachability. */
void c_scan_asm_lines(struct c_scan *cs, const char *src, size_t len, const char *rel,
		      asm_line_fn fn, void *ctx)
{
	struct source s = {0};
	struct token t;
	const char *end = src + len;
	lex_init(&s.lx, src, len);
	s.rel = rel;
	for (;;) {
		enum tok_kind k = lex_next(&s.lx, &t);
		if (k == T_EOF)
			break;
		if (k == T_HASH) {
			handle_directive(cs, &s, &t);
			continue;
		}
		const char *e = memchr(t.p, '\n', (size_t)(end - t.p));
		e = e ? e : end;
		fn(ctx, t.p, (size_t)(e - t.p), t.line, t.col, reach(&s));
		/* a block comment opened on this line continues below: let the lexer skip it */
		const char *open = NULL;
		for (const char *q = t.p; q + 1 < e; q++)
			if (q[0] == '/' && q[1] == '*')
				open = q;
			else if (open && q[0] == '*' && q[1] == '/')
				open = NULL;
		s.lx.p = open ? open : e;
	}
	if (s.depth && !cs->unclosed_line)
		cs->unclosed_line = s.stack[s.depth - 1].line;
	free_source(&s);
	warn_malformed(cs, rel);
}
