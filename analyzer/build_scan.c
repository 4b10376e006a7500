/* The build-file front end: Makefiles, CMake, meson and autoconf. It
 * tracks conditionals on the architecture and the system (build_cond.c),
 * so that an x86 flag under `ifeq ($(ARCH),x86_64)` is not reported while
 * an unconditional one is, and records which source files the build names
 * under such conditions.
 *
 * Each line is reduced to words; a conditional line opens, switches or
 * closes a region whose "taken on the target" value is TRUE, FALSE or
 * UNKNOWN (a condition that is about neither).
 *
 * The index pass also records every -D/-U with the reach of its line
 * (build_macros.h): directly for compile lines (pattern-rule recipes,
 * add_definitions), through make variables for assignments (a variable
 * reaches the compiler when CFLAGS, CPPFLAGS, ... or a compile recipe
 * names it with $(VAR)), and scoped to one source for a `x.o: x.c`
 * recipe or to a CMake target's sources. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "build_cond.h"
#include "make_goals.h"
#include "pp_expr.h"
#include "rules.h"
#include "scan.h"

enum cond_op { C_NONE, C_OPEN, C_ELSE_IF, C_ELSE, C_CLOSE };

struct region {
	enum tri taken;        /* this branch, on the target */
	enum tri any_taken;    /* an earlier branch of the chain */
	int arch;              /* the chain tests the architecture */
	int os;                /* the chain tests the operating system */
};

/* The rule whose recipe lines follow (Make). */
enum rule_kind { RK_NONE, RK_PATTERN, RK_OS, RK_OTHER };

/* A -D/-U on a variable's assignment line: its final reach is known only
 * once the whole file says where the variable goes. */
struct carried_define {
	size_t rec;            /* in tree_index.build_defines */
	int var;               /* index in build_scan.vars */
	enum tri when;         /* the line's own reach */
};

/* `$(FROM)` in the value of TO (to < 0: in a compile recipe). */
struct var_ref {
	int from, to;
	enum tri when;
	int lang;              /* for a recipe */
};

/* A CMake target and the tree files of its sources. */
struct cmake_target {
	char *name;
	struct file_list files;
};

/* A target_compile_definitions record, scoped once the file is read. */
struct target_define {
	size_t rec;
	char *target;
	int leaks;
};

struct make_var {
	char *name;
	int reached;           /* some compile gets its value */
	enum tri reach;        /* under which conditions */
	int lang;              /* BM_LANG_* of those compiles */
};

/* How a line's -D flags reach the compiler. */
enum carrier { CK_NONE, CK_VAR, CK_COMPILE, CK_TARGET_VAR, CK_RECIPE_OTHER, CK_CMAKE_TARGET, CK_TARGET_SOURCES,
	       CK_INCLUDE_DIRS };

struct line_ctx {
	enum carrier kind;
	int var;          /* CK_VAR */
	int lang;         /* CK_COMPILE */
	int bare_defs;    /* CMake *_compile_definitions: bare words are macro names */
	int first_arg;    /* ... from this argument on (the target name comes first) */
	int line;
	enum tri reach;
};

/* -D$(VAR): a macro named by a variable's value. */
struct var_define {
	enum carrier kind;     /* of its line */
	int carrier_var;       /* CK_VAR: the variable the line assigns */
	int value_var;         /* VAR */
	enum tri when;
	int line;
	int lang;
};

/* `VAR = LINUX`, or `$(MAKE) VAR="LINUX"` in a recipe. */
struct var_value {
	int var;
	char *value;
	enum tri when;
	int line;
};

struct build_scan {
	const struct tree_index *ix;
	struct strmap x86_preds;     /* Make variables that are `$(filter x86_64 i386 ...,...)` (or of
				      * aarch64 words): the arch's name as value */
	struct tree_index *wix;      /* writable in the index pass */
	const struct source_file *file;
	struct emitter em;
	struct region *stack;
	size_t depth, cap;
	int case_depth;              /* autoconf `case` blocks */
	const char *unknown_why;     /* why this line's reach is undecided */
	int in_case_arm;
	/* Make: the rule whose recipe this is */
	enum rule_kind rule;
	enum tri rule_when;          /* RK_OS: is the rule's system the target's? */
	int rule_lang;
	int rule_source;             /* RK_OTHER: the tree source it compiles, or -1 */
	char rule_target[128];       /* RK_OTHER: its first target (`x.o`) */
	char *rule_unbuilt;          /* " (only in the recipe of ...)": the default goal never builds it */
	char *var_unbuilt;           /* the same for the variable the line assigns */
	int rule_line;               /* the header line of that rule */
	int tv_line;                 /* a target-specific line (`t: CFLAGS += ...`) starts here */
	char tv_var[64];             /* ... and sets this variable */
	int tv_os;                   /* ... for a target named for a system (`linux:`) */
	char *tv_unbuilt;            /* " (only for `t`, ...)": no plain make makes t */
	int line_no;                 /* of the line being read */
	int in_recipe;               /* the line (or the one it continues) is a recipe line */
	struct strmap built;         /* object names the build lists -> enum tri + 1 */
	struct target_define *rdefs; /* defines of one rule's recipe, by its target */
	size_t nrdefs, rdefs_cap;
	/* CMake: the command whose arguments continue on this line */
	char cmake_cmd[40];
	int cmake_depth, cmake_args;
	struct line_ctx cmake_ctx;   /* of the command still open */
	char cmake_target[128];      /* its target (target_*, add_library, ...) */
	int cmake_leaks;             /* a PUBLIC or INTERFACE keyword came before */
	struct cmake_target *targets;
	size_t ntargets, targets_cap;
	struct target_define *tdefs;
	size_t ntdefs, tdefs_cap;
	struct line_ctx line;        /* of the last line, for its continuations */
	int continues;               /* the last line ended with a backslash */
	/* the index pass: defines whose reach waits for the variable flow */
	struct carried_define *carried;
	size_t ncarried, carried_cap;
	struct var_ref *refs;
	size_t nrefs, refs_cap;
	struct make_var *vars;
	size_t nvars, vars_cap;
	struct var_define *vardefs;
	size_t nvardefs, vardefs_cap;
	struct var_value *values;
	size_t nvalues, values_cap;
};

/* ---- conditional lines per build language ---- */

static int word_is(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	return n >= m && strncasecmp(s, w, m) == 0 && (n == m || !isalnum((unsigned char)s[m]) || s[m] == '(');
}

/* ifeq/ifneq/ifdef/ifndef opening a Make conditional. */
static int make_open(const char *s, size_t n, const char **kw, size_t *skip)
{
	static const char *const opens[] = { "ifeq", "ifneq", "ifdef", "ifndef" };
	for (size_t i = 0; i < 4; i++)
		if (word_is(s, n, opens[i]) && (n == strlen(opens[i]) || s[strlen(opens[i])] == ' ' ||
						s[strlen(opens[i])] == '(' || s[strlen(opens[i])] == '\t')) {
			*kw = opens[i];
			*skip = strlen(opens[i]);
			return 1;
		}
	return 0;
}

static enum cond_op make_cond(const char *s, size_t n, const char **kw, size_t *skip)
{
	if (make_open(s, n, kw, skip))
		return C_OPEN;
	if (word_is(s, n, "else")) {
		const char *rest = s + 4;
		size_t rn = n - 4;
		while (rn && (*rest == ' ' || *rest == '\t')) {
			rest++;
			rn--;
		}
		if (rn && make_open(rest, rn, kw, skip)) {   /* `else ifeq`: one level, never `else else ...` */
			*skip += (size_t)(rest - s);
			return C_ELSE_IF;
		}
		return C_ELSE;
	}
	return word_is(s, n, "endif") ? C_CLOSE : C_NONE;
}

static enum cond_op cmake_cond(const char *s, size_t n, const char **kw, size_t *skip)
{
	*kw = "if";
	if (word_is(s, n, "if") && memchr(s, '(', n)) {
		*skip = 2;
		return C_OPEN;
	}
	if (word_is(s, n, "elseif")) {
		*skip = 6;
		return C_ELSE_IF;
	}
	if (word_is(s, n, "else"))
		return C_ELSE;
	return word_is(s, n, "endif") ? C_CLOSE : C_NONE;
}

static enum cond_op meson_cond(const char *s, size_t n, const char **kw, size_t *skip)
{
	*kw = "if";
	if (n > 3 && strncmp(s, "if ", 3) == 0) {
		*skip = 3;
		return C_OPEN;
	}
	if (n > 5 && strncmp(s, "elif ", 5) == 0) {
		*skip = 5;
		return C_ELSE_IF;
	}
	if (word_is(s, n, "else"))
		return C_ELSE;
	return word_is(s, n, "endif") ? C_CLOSE : C_NONE;
}

/* autoconf: `if test ...; then`, `elif`, `else`, `fi`; `case` arms are
 * handled as chains whose branches are the arms. */
static enum cond_op autoconf_cond(struct build_scan *bs, const char *s, size_t n, const char **kw,
				  size_t *skip)
{
	*kw = "if";
	if (word_is(s, n, "if") || word_is(s, n, "AS_IF")) {
		*skip = 2;
		return C_OPEN;
	}
	if (word_is(s, n, "elif")) {
		*skip = 4;
		return C_ELSE_IF;
	}
	if (word_is(s, n, "else"))
		return C_ELSE;
	if (word_is(s, n, "fi"))
		return C_CLOSE;
	if (word_is(s, n, "case") || word_is(s, n, "AS_CASE")) {
		bs->case_depth++;
		*skip = n;   /* the subject is not a condition: arms are */
		return C_OPEN;
	}
	if (word_is(s, n, "esac")) {
		if (bs->case_depth)
			bs->case_depth--;
		return C_CLOSE;
	}
	const char *paren = memchr(s, ')', n);
	if (bs->case_depth && paren && !memchr(s, '(', (size_t)(paren - s)) && !memchr(s, '$', (size_t)(paren - s))) {
		*skip = 0;
		return C_ELSE_IF;   /* an arm pattern "x86_64|i?86)" */
	}
	return C_NONE;
}

static void open_region(struct build_scan *bs, enum tri taken, int arch, int os)
{
	GROW(bs->stack, bs->depth, bs->cap);
	bs->stack[bs->depth].taken = taken;
	bs->stack[bs->depth].any_taken = taken;
	bs->stack[bs->depth].arch = arch;
	bs->stack[bs->depth].os = os;
	bs->depth++;
}

static void else_if_region(struct build_scan *bs, enum tri cond, int arch, int os)
{
	if (!bs->depth)
		return;
	struct region *r = &bs->stack[bs->depth - 1];
	r->arch |= arch;
	r->os |= os;
	if (r->any_taken == TRI_TRUE)
		r->taken = TRI_FALSE;
	else if (r->any_taken == TRI_FALSE)
		r->taken = cond;
	else
		r->taken = cond == TRI_FALSE ? TRI_FALSE : TRI_UNKNOWN;
	if (cond == TRI_TRUE)
		r->any_taken = TRI_TRUE;
	else if (cond == TRI_UNKNOWN && r->any_taken == TRI_FALSE)
		r->any_taken = TRI_UNKNOWN;
}

static void apply_cond(struct build_scan *bs, enum cond_op op, const char *kw, const char *s, size_t n)
{
	int arch = 0, os = 0;
	enum tri cond = TRI_UNKNOWN;
	if (op == C_OPEN || op == C_ELSE_IF)
		cond = build_condition_taken(bs->ix->k, bs->file->kind, kw, s, n, &arch, &os);
	switch (op) {
	case C_OPEN:
		/* a `case` subject opens the chain with no arm taken yet */
		open_region(bs, n ? cond : TRI_FALSE, arch, os);
		break;
	case C_ELSE_IF:
		else_if_region(bs, cond, arch, os);
		break;
	case C_ELSE:
		if (bs->depth) {
			struct region *r = &bs->stack[bs->depth - 1];
			r->taken = r->any_taken == TRI_UNKNOWN ? TRI_UNKNOWN
				 : (r->any_taken == TRI_TRUE ? TRI_FALSE : TRI_TRUE);
		}
		break;
	case C_CLOSE:
		if (bs->depth)
			bs->depth--;
		break;
	default:
		break;
	}
}

/* Does the current line reach the target build? FALSE: only other arches
 * or systems build it (or the recipe of a make target for another
 * system); UNKNOWN: under a condition that is about neither. */
static enum tri line_reaches_target(const struct build_scan *bs)
{
	enum tri r = TRI_TRUE;
	for (size_t i = 0; i < bs->depth; i++) {
		const struct region *g = &bs->stack[i];
		if (g->taken == TRI_FALSE && (g->arch || g->os))
			return TRI_FALSE;
		if (g->taken != TRI_TRUE)
			r = TRI_UNKNOWN;
	}
	if (bs->rule == RK_OS && bs->rule_when != TRI_TRUE)
		return bs->rule_when == TRI_FALSE ? TRI_FALSE : TRI_UNKNOWN;
	return r;
}

/* Is an architecture test among the conditions around this line? */
static int line_under_arch(const struct build_scan *bs)
{
	for (size_t i = 0; i < bs->depth; i++)
		if (bs->stack[i].arch)
			return 1;
	return 0;
}

/* ---- words on a line ---- */

static int is_word_char(char c)
{
	return !(isspace((unsigned char)c) || c == '"' || c == '\'' || c == '(' || c == ')' ||
		 c == ',' || c == '[' || c == ']' || c == ';' || c == '{' || c == '}');
}

static void report(struct build_scan *bs, enum tri r, const char *rule, int line, int col, int len,
		   char *msg)
{
	if (r == TRI_FALSE) {
		free(msg);
		return;
	}
	emit(&bs->em, rule, r == TRI_TRUE ? SEV_ERROR : SEV_WARNING, line, col, line, col + len, "gate",
	     "%s%s", msg, r == TRI_TRUE ? "" : bs->unknown_why);
	free(msg);
}

static void check_flag(struct build_scan *bs, const char *w, size_t n, int line, int col, enum tri r)
{
	const struct knowledge *k = bs->ix->k;
	char *word = xstrndup(w, n);
	const char *eq = strchr(word, '=');
	/* aarch64's -mcpu= names a CPU as -march= does (x86 gcc: a deprecated -mtune=) */
	int cpu_option = str_starts(word, "-march=") || str_starts(word, "-mtune=") ||
			 (k->target_is_x86 && str_starts(word, "-mcpu="));
	if (eq && cpu_option) {
		size_t base = strcspn(eq + 1, "+");   /* armv8-a+crc: the value before its extensions */
		char *key = xasprintf("%.*s=%.*s", (int)(eq - word - 1), word + 1, (int)base, eq + 1);
		if (strmap_has(&k->bad_march, key, strlen(key)))
			report(bs, r, k->source->rule_build_march, line, col, (int)n,
			       strcmp(eq + 1, "native")
				       ? xasprintf("`%s` names an %s CPU: the %s compiler rejects it", word,
						   k->source->name, k->target)
				       : xasprintf("`%s`: the %s cross compiler rejects it (it means the build machine)",
						   word, k->target));
		free(key);
	} else {
		size_t keylen = eq ? (size_t)(eq - word) + 1 : n;
		if (strmap_has(&k->bad_mflags, word, keylen))
			report(bs, r, k->source->rule_build_flag, line, col, (int)n,
			       xasprintf("%s compiler option `%s` is unrecognized by the %s compiler", k->source->name,
					 word, k->target));
	}
	free(word);
}

static int is_source_name(const char *w, size_t n)
{
	static const char *const ext[] = { ".S", ".s", ".c", ".cc", ".cpp", ".asm", ".sx" };
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
		size_t m = strlen(ext[i]);
		if (n > m && memcmp(w + n - m, ext[i], m) == 0 && !memchr(w, '*', n) && !memchr(w, '%', n))
			return 1;
	}
	return 0;
}

static const char *base_of(const char *w, size_t n, size_t *bn)
{
	const char *b = w + n;
	while (b > w && b[-1] != '/')
		b--;
	*bn = (size_t)(w + n - b);
	return b;
}

/* ---- the index pass: what the build defines ---- */

static int is_ident(const char *w, size_t n)
{
	if (!n || isdigit((unsigned char)w[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)w[i]) || w[i] == '_'))
			return 0;
	return 1;
}

static int var_id(struct build_scan *bs, const char *name, size_t n)
{
	for (size_t i = 0; i < bs->nvars; i++)
		if (mem_eq(name, n, bs->vars[i].name))
			return (int)i;
	GROW(bs->vars, bs->nvars, bs->vars_cap);
	struct make_var *v = &bs->vars[bs->nvars];
	memset(v, 0, sizeof *v);
	v->name = xstrndup(name, n);
	/* the flags make's built-in rules, automake's and Kbuild's rules and
	 * CMake's compile lines pass */
	static const struct { const char *name; int lang; } compile_vars[] = {
		{ "CFLAGS", BM_LANG_C }, { "CXXFLAGS", BM_LANG_C }, { "CPPFLAGS", BM_LANG_ALL },
		{ "ASFLAGS", BM_LANG_ASM }, { "AM_CFLAGS", BM_LANG_C }, { "AM_CXXFLAGS", BM_LANG_C },
		{ "AM_CPPFLAGS", BM_LANG_ALL }, { "AM_CCASFLAGS", BM_LANG_ASM }, { "DEFS", BM_LANG_ALL },
		{ "ccflags-y", BM_LANG_C }, { "asflags-y", BM_LANG_ASM }, { "EXTRA_CFLAGS", BM_LANG_C },
		{ "KBUILD_CPPFLAGS", BM_LANG_ALL }, { "KBUILD_CFLAGS", BM_LANG_C },
		{ "CMAKE_C_FLAGS", BM_LANG_C }, { "CMAKE_CXX_FLAGS", BM_LANG_C }, { "CMAKE_ASM_FLAGS", BM_LANG_ASM } };
	for (size_t i = 0; i < sizeof compile_vars / sizeof *compile_vars; i++)
		if (mem_eq(name, n, compile_vars[i].name)) {
			v->reached = 1;
			v->reach = TRI_TRUE;
			v->lang = compile_vars[i].lang;
		}
	return (int)bs->nvars++;
}

/* Every `$(NAME)` / `${NAME}` of the line, as a reference into the
 * line's variable or compile recipe. */
static void note_refs(struct build_scan *bs, const struct line_ctx *lc, const char *s, size_t n)
{
	if (lc->kind != CK_VAR && lc->kind != CK_COMPILE)
		return;
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != '$' || (s[i + 1] != '(' && s[i + 1] != '{'))
			continue;
		size_t j = i + 2;
		while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
			j++;
		if (j == i + 2 || j >= n || (s[j] != ')' && s[j] != '}'))
			continue;
		GROW(bs->refs, bs->nrefs, bs->refs_cap);
		struct var_ref *r = &bs->refs[bs->nrefs++];
		r->from = var_id(bs, s + i + 2, j - i - 2);
		r->to = lc->kind == CK_VAR ? lc->var : -1;
		r->when = lc->reach;
		r->lang = lc->lang;
	}
}

static const char *carrier_unknown(enum carrier kind)
{
	switch (kind) {
	case CK_TARGET_VAR: return "only for the make target that line names";
	case CK_RECIPE_OTHER: return "in the recipe of one make target";
	case CK_CMAKE_TARGET: return "for one CMake target";
	default: return "on a build line archport does not see reach the compiler";
	}
}

/* Where the goals decide a Makefile define's reach (build_macros.h): once
 * every Makefile is read, one that only a rule the default goal never
 * builds passes (its recipe, a target-specific line, a variable only
 * such recipes name) is not defined (tree_index.c). The recipe or
 * target-specific line of a target named for a system (`linux-debug:`)
 * is left as it was: that target is the build a Linux user runs,
 * whatever the default goal is (often a usage message). */
static void note_define_goal(struct build_scan *bs, const struct line_ctx *lc, size_t rec)
{
	struct build_define *r = &bs->wix->build_defines.items[rec];
	r->goal_file = (int)(bs->file - bs->ix->walk->files);
	if ((lc->kind == CK_RECIPE_OTHER || lc->kind == CK_COMPILE) && bs->rule != RK_OS) {
		r->goal_kind = BM_GOAL_RECIPE;
		r->goal_line = bs->rule_line;
	} else if (lc->kind == CK_TARGET_VAR && !bs->tv_os) {
		r->goal_kind = BM_GOAL_TARGET_VAR;
		r->goal_line = bs->tv_line;
	} else if (lc->kind == CK_VAR) {
		r->goal_kind = BM_GOAL_VAR;
		r->goal_var = xstrdup(bs->vars[lc->var].name);
	}
}

/* One -DNAME[=VALUE] / -UNAME (or a bare CMake definition). */
static void note_define(struct build_scan *bs, const struct line_ctx *lc, const char *def, size_t n,
			int undef, const char *word, size_t wn)
{
	size_t e = 0;
	while (e < n && def[e] != '=')
		e++;
	if (!is_ident(def, e))
		return;
	const char *value = "1";
	size_t vn = 1;
	if (e < n) {
		value = def + e + 1;
		vn = n - e - 1;
		while (vn && (value[0] == '\'' || value[0] == '"' || value[0] == '\\')) {
			value++;
			vn--;
		}
		while (vn && (value[vn - 1] == '\'' || value[vn - 1] == '"' || value[vn - 1] == '\\'))
			vn--;
		if (memchr(value, '$', vn) || memchr(value, '@', vn))
			value = NULL;   /* $(VERSION), @VERSION@: not known here */
	}
	char *origin = xasprintf("%s:%d (%.*s)", bs->file->rel, lc->line, (int)wn, word);
	enum tri when = lc->reach;
	const char *why = lc->reach == TRI_UNKNOWN ? "under a build condition archport cannot decide" : NULL;
	/* the recipe of `x.o: x.c` compiles x.c alone */
	int one_source = lc->kind == CK_RECIPE_OTHER && bs->rule_source >= 0;
	int decidable = lc->kind == CK_VAR || lc->kind == CK_COMPILE || lc->kind == CK_CMAKE_TARGET || one_source;
	if (!decidable && when != TRI_FALSE) {
		when = TRI_UNKNOWN;
		why = carrier_unknown(lc->kind);
	}
	int lang = lc->kind == CK_COMPILE ? lc->lang : BM_LANG_ALL;
	size_t rec = index_add_build_define(bs->wix, def, e, undef ? NULL : value, value ? vn : 0, undef, when,
					    line_under_arch(bs), lang, origin, why);
	free(origin);
	if (bs->file->kind == FK_MAKE)
		note_define_goal(bs, lc, rec);
	if (one_source) {
		build_define_scope(&bs->wix->build_defines.items[rec], bs->rule_source);
		GROW(bs->rdefs, bs->nrdefs, bs->rdefs_cap);
		bs->rdefs[bs->nrdefs++] = (struct target_define){ rec, xstrdup(bs->rule_target), 0 };
	}
	if (lc->kind == CK_VAR) {
		GROW(bs->carried, bs->ncarried, bs->carried_cap);
		bs->carried[bs->ncarried++] = (struct carried_define){ rec, lc->var, lc->reach };
	} else if (lc->kind == CK_CMAKE_TARGET) {
		GROW(bs->tdefs, bs->ntdefs, bs->tdefs_cap);
		bs->tdefs[bs->ntdefs++] = (struct target_define){ rec, xstrdup(bs->cmake_target), bs->cmake_leaks };
	}
}

/* The tree file a build file names (relative to its directory), or -1. */
static int build_file_source(const struct build_scan *bs, const char *w, size_t n)
{
	return is_source_name(w, n) && !memchr(w, '$', n) ? index_resolve_include(bs->ix, bs->file->rel, w, n, 0)
							     : -1;
}

static struct cmake_target *cmake_target_named(struct build_scan *bs, const char *name, int create)
{
	for (size_t i = 0; i < bs->ntargets; i++)
		if (!strcmp(bs->targets[i].name, name))
			return &bs->targets[i];
	if (!create)
		return NULL;
	GROW(bs->targets, bs->ntargets, bs->targets_cap);
	struct cmake_target *t = &bs->targets[bs->ntargets++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	return t;
}

static void add_target_source(struct build_scan *bs, int file)
{
	struct cmake_target *t = cmake_target_named(bs, bs->cmake_target, 1);
	GROW(t->files.v, t->files.len, t->files.cap);
	t->files.v[t->files.len++] = file;
}

/* target_compile_definitions(t ...) reaches the sources of t (and, when
 * PUBLIC, what links t: unknown there). */
static void scope_target_defines(struct build_scan *bs)
{
	for (size_t i = 0; i < bs->ntdefs; i++) {
		const struct target_define *td = &bs->tdefs[i];
		struct build_define *r = &bs->wix->build_defines.items[td->rec];
		const struct cmake_target *t = cmake_target_named(bs, td->target, 0);
		if (r->when != TRI_FALSE && (!t || !t->files.len)) {
			r->when = TRI_UNKNOWN;
			free(r->why_unknown);
			r->why_unknown = xasprintf("for CMake target `%s`, whose sources archport does not see", td->target);
			continue;
		}
		for (size_t k = 0; t && k < t->files.len; k++)
			build_define_scope(r, t->files.v[k]);
		r->scope_leaks = td->leaks;
	}
}

/* Follows `$(VAR)` references to the compile lines: a variable reaches the
 * compiler when a compile variable or recipe names it, under the
 * conditions of the naming lines. */
static void propagate_reach(struct build_scan *bs)
{
	for (int round = 0, changed = 1; changed && round < 16; round++) {
		changed = 0;
		for (size_t i = 0; i < bs->nrefs; i++) {
			const struct var_ref *r = &bs->refs[i];
			struct make_var *from = &bs->vars[r->from];
			const struct make_var *to = r->to >= 0 ? &bs->vars[r->to] : NULL;
			if (to && !to->reached)
				continue;
			enum tri reach = tri_and(r->when, to ? to->reach : TRI_TRUE);
			int lang = to ? to->lang : r->lang;
			enum tri merged = from->reached ? tri_or(from->reach, reach) : reach;
			if (!from->reached || merged != from->reach || (from->lang | lang) != from->lang) {
				from->reached = 1;
				from->reach = merged;
				from->lang |= lang;
				changed = 1;
			}
		}
	}
}

static void add_value(struct build_scan *bs, int var, const char *v, size_t n, enum tri when, int line)
{
	if (!is_ident(v, n))
		return;
	GROW(bs->values, bs->nvalues, bs->values_cap);
	bs->values[bs->nvalues++] = (struct var_value){ var, xstrndup(v, n), when, line };
}

/* The literal values a line gives variables: `OS = LINUX` (not +=), and
 * `$(MAKE) OS="LINUX" all` in a recipe (a sub-make's command line). */
static void note_values(struct build_scan *bs, const struct line_ctx *lc, const char *s, size_t n)
{
	const char *eq = memchr(s, '=', n);
	if (lc->kind == CK_VAR && eq && eq > s && eq[-1] != '+') {
		const char *v = eq + 1, *end = s + n;
		while (v < end && isspace((unsigned char)*v))
			v++;
		while (end > v && isspace((unsigned char)end[-1]))
			end--;
		add_value(bs, lc->var, v, (size_t)(end - v), lc->reach, lc->line);
		return;
	}
	if ((lc->kind != CK_COMPILE && lc->kind != CK_RECIPE_OTHER) ||
	    !(memmem(s, n, "$(MAKE)", 7) || memmem(s, n, "${MAKE}", 7)))
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=' || i == 0)
			continue;
		size_t a = i;
		while (a > 0 && (isalnum((unsigned char)s[a - 1]) || s[a - 1] == '_'))
			a--;
		size_t v = i + 1 + (i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\''));
		size_t e = v;
		while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_'))
			e++;
		if (a < i && (a == 0 || isspace((unsigned char)s[a - 1])))
			add_value(bs, var_id(bs, s + a, i - a), s + v, e - v, lc->reach, lc->line);
	}
}

static const char *base_name_of(const char *w, size_t n, size_t *bn)
{
	const char *b = w + n;
	while (b > w && b[-1] != '/' && b[-1] != ')')
		b--;
	*bn = (size_t)(w + n - b);
	return b;
}

/* Object names (`x.o`) in assignments and prerequisites: which make
 * targets the build makes, under which conditions. */
static void note_built(struct build_scan *bs, const struct line_ctx *lc, const char *s, size_t n, int recipe)
{
	const char *from = s;
	if (lc->kind != CK_VAR) {
		const char *colon = memchr(s, ':', n);
		if (recipe || !colon)
			return;
		from = colon + 1;   /* the prerequisites, not the rule's own target */
	}
	for (const char *p = from; p < s + n;) {
		while (p < s + n && (isspace((unsigned char)*p) || *p == '='))
			p++;
		const char *w = p;
		while (p < s + n && !isspace((unsigned char)*p))
			p++;
		size_t wn = (size_t)(p - w), bn;
		if (wn < 3 || memcmp(p - 2, ".o", 2) != 0 || memchr(w, '%', wn))
			continue;
		const char *b = base_name_of(w, wn, &bn);
		struct strmap_entry *e = strmap_get(&bs->built, b, bn, 1);
		enum tri old = e->value ? (enum tri)((intptr_t)e->value - 1) : TRI_FALSE;
		e->value = (void *)(intptr_t)(tri_or(old, lc->reach) + 1);
	}
}

/* A rule's -D reaches its source when the build makes the rule's target. */
static void reach_rule_defines(struct build_scan *bs)
{
	for (size_t i = 0; i < bs->nrdefs; i++) {
		struct build_define *r = &bs->wix->build_defines.items[bs->rdefs[i].rec];
		size_t bn;
		const char *b = base_name_of(bs->rdefs[i].target, strlen(bs->rdefs[i].target), &bn);
		void *v = strmap_value(&bs->built, b, bn);
		enum tri built = v ? (enum tri)((intptr_t)v - 1) : TRI_UNKNOWN;
		if (r->when == TRI_FALSE)
			continue;
		r->when = tri_and(r->when, built);
		if (r->when == TRI_UNKNOWN && !r->why_unknown)
			r->why_unknown = xasprintf("for %s, which the build makes under a condition archport cannot decide",
						   bs->rdefs[i].target);
	}
}

/* `-D$(OS)` on the line (the word splitter stops at the parenthesis). */
static void note_var_defines(struct build_scan *bs, const struct line_ctx *lc, const char *s, size_t n)
{
	for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), "-D$", 3)) != NULL; p += 3) {
		const char *name = p + 4, *e = name;
		if (name >= s + n || (p[3] != '(' && p[3] != '{'))
			continue;
		while (e < s + n && (isalnum((unsigned char)*e) || *e == '_'))
			e++;
		if (e == name || e >= s + n || (*e != ')' && *e != '}'))
			continue;
		GROW(bs->vardefs, bs->nvardefs, bs->vardefs_cap);
		bs->vardefs[bs->nvardefs++] = (struct var_define){ lc->kind, lc->var, var_id(bs, name, (size_t)(e - name)),
								   lc->reach, lc->line, lc->lang };
	}
}

/* -D$(OS): one define per literal value of OS, under both conditions. */
static void expand_var_defines(struct build_scan *bs)
{
	for (size_t i = 0; i < bs->nvardefs; i++) {
		const struct var_define *vd = &bs->vardefs[i];
		enum tri base = vd->when;
		int lang = vd->kind == CK_COMPILE ? vd->lang : BM_LANG_ALL;
		if (vd->kind == CK_VAR) {
			const struct make_var *carrier = &bs->vars[vd->carrier_var];
			base = !carrier->reached ? (base == TRI_FALSE ? TRI_FALSE : TRI_UNKNOWN)
						 : tri_and(base, carrier->reach);
			lang = carrier->lang ? carrier->lang : BM_LANG_ALL;
		} else if (vd->kind != CK_COMPILE && base != TRI_FALSE) {
			base = TRI_UNKNOWN;
		}
		const char *var = bs->vars[vd->value_var].name;
		for (size_t k = 0; k < bs->nvalues; k++) {
			const struct var_value *v = &bs->values[k];
			if (v->var != vd->value_var)
				continue;
			char *origin = xasprintf("%s:%d (-D$(%s) with %s=%s at line %d)", bs->file->rel, vd->line, var, var,
						 v->value, v->line);
			enum tri when = tri_and(base, v->when);
			index_add_build_define(bs->wix, v->value, strlen(v->value), "1", 1, 0, when, line_under_arch(bs),
					       lang, origin,
					       when == TRI_UNKNOWN ? "under a build condition archport cannot decide" : NULL);
			free(origin);
		}
	}
}

/* The end of a build file's index pass: defines carried by variables get
 * the reach of their variable. */
static void finish_defines(struct build_scan *bs)
{
	propagate_reach(bs);
	scope_target_defines(bs);
	reach_rule_defines(bs);
	expand_var_defines(bs);
	for (size_t i = 0; i < bs->ncarried; i++) {
		const struct carried_define *c = &bs->carried[i];
		const struct make_var *v = &bs->vars[c->var];
		struct build_define *r = &bs->wix->build_defines.items[c->rec];
		if (c->when == TRI_FALSE)
			continue;
		if (!v->reached) {
			r->when = TRI_UNKNOWN;
			free(r->why_unknown);
			r->why_unknown = xasprintf("in %s, which archport does not see passed to the compiler", v->name);
			continue;
		}
		r->when = tri_and(c->when, v->reach);
		r->lang = v->lang ? v->lang : BM_LANG_ALL;
		if (r->when == TRI_UNKNOWN && !r->why_unknown)
			r->why_unknown = xasprintf("in %s, which reaches the compiler under a build condition archport cannot decide",
						   v->name);
	}
}

static void free_flow(struct build_scan *bs)
{
	for (size_t i = 0; i < bs->nrdefs; i++)
		free(bs->rdefs[i].target);
	free(bs->rdefs);
	bs->rdefs = NULL;
	bs->nrdefs = 0;
	strmap_free(&bs->built, NULL);
	memset(&bs->built, 0, sizeof bs->built);
	for (size_t i = 0; i < bs->nvalues; i++)
		free(bs->values[i].value);
	free(bs->values);
	free(bs->vardefs);
	bs->values = NULL;
	bs->vardefs = NULL;
	bs->nvalues = bs->nvardefs = 0;
	for (size_t i = 0; i < bs->ntargets; i++) {
		free(bs->targets[i].name);
		free(bs->targets[i].files.v);
	}
	free(bs->targets);
	for (size_t i = 0; i < bs->ntdefs; i++)
		free(bs->tdefs[i].target);
	free(bs->tdefs);
	bs->targets = NULL;
	bs->tdefs = NULL;
	bs->ntargets = bs->ntdefs = 0;
	for (size_t i = 0; i < bs->nvars; i++)
		free(bs->vars[i].name);
	free(bs->vars);
	free(bs->refs);
	free(bs->carried);
	bs->vars = NULL;
	bs->refs = NULL;
	bs->carried = NULL;
	bs->nvars = bs->nrefs = bs->ncarried = 0;
}

/* The index pass: -D/-U flags, -I dirs, and source names with their gating. */
static void index_word(struct build_scan *bs, const struct line_ctx *lc, int arg, const char *w, size_t n,
		       const char *prev, size_t pn, enum tri r)
{
	struct tree_index *ix = bs->wix;
	if (word_is(w, n, "PUBLIC") || word_is(w, n, "INTERFACE") || word_is(w, n, "PRIVATE"))
		bs->cmake_leaks = !word_is(w, n, "PRIVATE");
	int source;
	if (lc->kind == CK_TARGET_SOURCES && arg >= 2 && (source = build_file_source(bs, w, n)) >= 0)
		add_target_source(bs, source);
	int flag_d = n > 2 && w[0] == '-' && (w[1] == 'D' || w[1] == 'U');
	int after_d = pn == 2 && prev[0] == '-' && (prev[1] == 'D' || prev[1] == 'U');
	if (flag_d || after_d) {
		int undef = flag_d ? w[1] == 'U' : prev[1] == 'U';
		note_define(bs, lc, flag_d ? w + 2 : w, flag_d ? n - 2 : n, undef, flag_d ? w : prev,
			    flag_d ? n : (size_t)(w + n - prev));
	} else if (lc->bare_defs && arg >= lc->first_arg && w[0] != '-' && !memchr(w, '$', n) &&
		   !word_is(w, n, "PUBLIC") && !word_is(w, n, "PRIVATE") && !word_is(w, n, "INTERFACE")) {
		note_define(bs, lc, w, n, 0, w, n);
	} else if ((n > 2 && w[0] == '-' && w[1] == 'I') || (pn == 2 && prev[0] == '-' && prev[1] == 'I')) {
		const char *d = n > 2 && w[1] == 'I' && w[0] == '-' ? w + 2 : w;
		size_t dn = n - (size_t)(d - w);
		const char *slash = strrchr(bs->file->rel, '/');
		char *rel = slash ? xasprintf("%.*s/%.*s", (int)(slash - bs->file->rel), bs->file->rel, (int)dn, d)
				  : xstrndup(d, dn);
		index_add_scoped_include_dir(ix, bs->file->rel, slash ? (size_t)(slash - bs->file->rel) : 0, rel,
					     strlen(rel));
		free(rel);
	} else if (is_source_name(w, n)) {
		size_t bn;
		const char *b = base_of(w, n, &bn);
		struct strmap_entry *e = strmap_get(&ix->build_refs, b, bn, 1);
		e->value = (void *)((intptr_t)e->value | (r == TRI_FALSE ? REF_GATED : REF_UNGATED));
	}
}

static void check_word(struct build_scan *bs, const char *w, size_t n, int line, int col, enum tri r)
{
	if (n > 2 && w[0] == '-' && w[1] == 'm')
		check_flag(bs, w, n, line, col, r);
	else if (word_is(w, n, "nasm") || word_is(w, n, "yasm") || memmem(w, n, "ASM_NASM", 8))
		report(bs, r, RULE_BUILD_NASM, line, col, (int)n,
		       xasprintf("`%.*s` assembles x86 code; the %s build must not run it", (int)n, w,
				 bs->ix->k->target));
}

/* Which arch a word of `$(CC) -dumpmachine` names (x86_64 for i686 too),
 * or NULL. */
static const char *machine_word_arch(const char *w, size_t n)
{
	static const char *const x86[] = { "x86_64", "i386", "i486", "i586", "i686", "amd64", "x86", NULL };
	static const char *const aarch64[] = { "aarch64", "aarch64_be", "arm64", NULL };
	for (int k = 0; x86[k]; k++)
		if (word_is(w, n, x86[k]))
			return "x86_64";
	for (int k = 0; aarch64[k]; k++)
		if (word_is(w, n, aarch64[k]))
			return "aarch64";
	return NULL;
}

/* `NAME = $(filter x86_64 i386 ...,...)` with only x86 words (or only
 * aarch64 words) before the comma: NAME is non-empty exactly when the
 * build is for that arch (the stub's archport_x86 and archport_aarch64). */
static void note_x86_predicate(struct build_scan *bs, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	size_t name = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '?'))
		i++;
	if (!name || i >= n || s[i] != '=' || n - i < 10)
		return;
	const char *p = s + i + 1, *end = s + n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 9 || strncmp(p, "$(filter ", 9))
		return;
	p += 9;
	const char *comma = memchr(p, ',', (size_t)(end - p));
	int words = 0;
	const char *arch = NULL;
	for (const char *w = p; comma && w < comma;) {
		while (w < comma && *w == ' ')
			w++;
		const char *e = w;
		while (e < comma && *e != ' ')
			e++;
		const char *a = e > w ? machine_word_arch(w, (size_t)(e - w)) : NULL;
		if (e > w && (!a || (arch && strcmp(a, arch))))
			return;
		arch = a ? a : arch;
		words += e > w;
		w = e;
	}
	if (comma && words)
		strmap_get(&bs->x86_preds, s, name, 1)->value = (void *)arch;
}

/* Where `$(if $(PRED),THEN)` of an arch predicate starts at s[i]: the
 * length of the prefix up to THEN (*arch: the predicate's), else 0. */
static size_t x86_if_at(const struct build_scan *bs, const char *s, size_t n, size_t i, const char **arch)
{
	if (n - i < 9 || strncmp(s + i, "$(if $(", 7))
		return 0;
	size_t j = i + 7, k = j;
	while (k < n && s[k] != ')')
		k++;
	if (k + 1 >= n || s[k + 1] != ',' || !strmap_has(&bs->x86_preds, s + j, k - j))
		return 0;
	*arch = strmap_value(&bs->x86_preds, s + j, k - j);
	return k + 2 - i;
}

/* The reach of words inside the THEN of an `$(if ...)` of `arch`: only a
 * build for that arch gets them. */
static enum tri arch_only(const struct build_scan *bs, const char *arch, enum tri r)
{
	return bs->ix->k && arch && !strcmp(bs->ix->k->target, arch) ? r : TRI_FALSE;
}

/* The directory a word of include_directories() or
 * target_include_directories() names, relative to the CMake file's
 * directory (s[i..j) is the word; `${CMAKE_CURRENT_SOURCE_DIR}/inc` comes
 * as the words `$`, the variable, `/inc`), or 0 when it names none the
 * scan can place: a keyword, another variable, an absolute path. */
static size_t include_dir_word(const char *s, size_t i, size_t j, const char **dir)
{
	static const char *const keywords[] = { "SYSTEM", "BEFORE", "AFTER", "PUBLIC", "PRIVATE", "INTERFACE" };
	static const char *const here[] = { "CMAKE_CURRENT_SOURCE_DIR", "CMAKE_CURRENT_LIST_DIR", "PROJECT_SOURCE_DIR" };
	for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
		if (mem_eq(s + i, j - i, keywords[k]))
			return 0;
	if (s[i] == '$' || (i > 0 && s[i - 1] == '{'))
		return 0;   /* `$` or the name of `${NAME}` */
	*dir = s + i;
	if (s[i] != '/')
		return i > 0 && s[i - 1] == '}' ? 0 : j - i;
	if (i < 3 || s[i - 1] != '}')
		return 0;   /* an absolute path */
	size_t open = i - 1;
	while (open > 0 && s[open] != '{')
		open--;
	for (size_t k = 0; k < sizeof here / sizeof *here; k++)
		if (mem_eq(s + open + 1, i - 1 - open - 1, here[k])) {
			*dir = s + i + 1;
			return j - i - 1;
		}
	return 0;
}

/* include_directories(headers): the -I of every compile under the CMake
 * file's directory (target_include_directories: of one target's, taken
 * the same way, as the Make -I of one recipe is). */
static void note_include_dir(struct build_scan *bs, const char *s, size_t i, size_t j)
{
	const char *d;
	size_t dn = include_dir_word(s, i, j, &d);
	if (!dn)
		return;
	while (dn > 2 && d[0] == '.' && d[1] == '/') {
		d += 2;
		dn -= 2;
	}
	const char *slash = strrchr(bs->file->rel, '/');
	char *rel = slash ? xasprintf("%.*s/%.*s", (int)(slash - bs->file->rel), bs->file->rel, (int)dn, d)
			  : xstrndup(d, dn);
	index_add_scoped_include_dir(bs->wix, bs->file->rel, slash ? (size_t)(slash - bs->file->rel) : 0, rel,
				     strlen(rel));
	free(rel);
}

/* CMake's CMAKE_REQUIRED_* variables hold the flags of check_*_compiles
 * probes (`-march=native -msse4.2` to test for SSE4.2): an option the
 * target compiler rejects makes the probe fail, so the check answers no
 * and the build takes its portable branch; no target is compiled with them. */
static int is_probe_var(const char *name)
{
	static const char *const probe[] = { "CMAKE_REQUIRED_FLAGS", "CMAKE_REQUIRED_DEFINITIONS",
					      "CMAKE_REQUIRED_OPTIONS", "CMAKE_REQUIRED_LINK_OPTIONS" };
	for (size_t i = 0; i < sizeof probe / sizeof *probe; i++)
		if (!strcmp(name, probe[i]))
			return 1;
	return 0;
}

/* `CFLAGS=-msse4.2 -O2`: with no space after the `=`, the assignment's
 * first word holds the name and the first flag; the flag starts after
 * the `=` (or returns i when the word has none). */
static size_t assigned_value_start(const char *s, size_t i, size_t j)
{
	const char *eq = memchr(s + i, '=', j - i);
	return eq ? (size_t)(eq - s) + 1 : i;
}

static void process_words(struct build_scan *bs, const struct line_ctx *lc, const char *s, size_t n,
			  int line, int col0, enum tri r, int indexing)
{
	const char *prev = NULL;
	size_t pn = 0;
	int depth = 0, gated_at = -1;   /* paren depth, and that of an open arch $(if */
	const char *gated_arch = NULL;
	for (size_t i = 0; i < n;) {
		size_t skip = bs->x86_preds.len && gated_at < 0 ? x86_if_at(bs, s, n, i, &gated_arch) : 0;
		if (skip) {
			gated_at = ++depth;
			i += skip;
			continue;
		}
		if (s[i] == '(' || s[i] == ')' || (s[i] == ',' && depth == gated_at)) {
			if (s[i] == '(')
				depth++;
			else if (depth == gated_at)
				gated_at = -1;   /* its THEN ends: the ELSE is every build's */
			if (s[i] == ')')
				depth--;
			i++;
			continue;
		}
		if (!is_word_char(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && is_word_char(s[j]))
			j++;
		if (!prev && lc->kind == CK_VAR && bs->file->kind == FK_MAKE)
			i = assigned_value_start(s, i, j);
		if (i == j)
			continue;
		enum tri wr = gated_at >= 0 ? arch_only(bs, gated_arch, r) : r;
		if (indexing && lc->kind == CK_INCLUDE_DIRS && bs->cmake_args >= lc->first_arg)
			note_include_dir(bs, s, i, j);
		if (indexing)
			index_word(bs, lc, bs->cmake_args, s + i, j - i, prev, pn, wr);
		else
			check_word(bs, s + i, j - i, line, col0 + (int)i, wr);
		bs->cmake_args++;
		prev = s + i;
		pn = j - i;
		i = j;
	}
}

/* Strips a comment: '#' in Make/CMake/meson/shell (not inside $(...)). */
static size_t code_length(const char *s, size_t n, enum file_kind kind)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '#' && (i == 0 || s[i - 1] != '\\'))
			return kind == FK_AUTOCONF && i > 0 && s[i - 1] == '$' ? n : i;
		if (kind == FK_AUTOCONF && s[i] == 'd' && i + 3 <= n && memcmp(s + i, "dnl", 3) == 0 &&
		    (i == 0 || isspace((unsigned char)s[i - 1])))
			return i;
	}
	return n;
}

static enum cond_op line_cond(struct build_scan *bs, const char *s, size_t n, const char **kw, size_t *skip)
{
	switch (bs->file->kind) {
	case FK_MAKE: return make_cond(s, n, kw, skip);
	case FK_CMAKE: return cmake_cond(s, n, kw, skip);
	case FK_MESON: return meson_cond(s, n, kw, skip);
	case FK_AUTOCONF: return autoconf_cond(bs, s, n, kw, skip);
	default: return C_NONE;
	}
}

/* `prog_avx2: CFLAGS += -mavx2` sets flags for one target only: such a
 * line counts when the default goal surely makes that target (see
 * target_var_reach). */
static int make_target_variable(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s || (colon + 1 < s + n && colon[1] == '='))
		return 0;
	const char *eq = memchr(colon, '=', (size_t)(s + n - colon));
	if (!eq)
		return 0;
	for (const char *q = s; q < colon; q++)
		if (*q == '=' || *q == '$' || *q == '\t')
			return 0;
	for (const char *q = colon + 1; q < eq - 1; q++)
		if (!(isalnum((unsigned char)*q) || *q == '_' || *q == ' ' || *q == '\t'))
			return 0;
	return 1;
}

/* The variable a target-specific line sets: the last word before its
 * operator (`t: override CFLAGS += ...`). */
static void target_var_name(const char *s, size_t n, char *out, size_t cap)
{
	const char *colon = memchr(s, ':', n);
	const char *eq = colon ? memchr(colon, '=', (size_t)(s + n - colon)) : NULL;
	const char *e = eq ? eq : s;
	while (e > colon + 1 && !(isalnum((unsigned char)e[-1]) || e[-1] == '_'))
		e--;
	const char *b = e;
	while (b > colon + 1 && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
		b--;
	snprintf(out, cap, "%.*s", (int)(e - b), b);
}

static void note_unbuilt_var(struct build_scan *bs, const char *name);

/* A target-specific line holds while its target is made: for a target the
 * default goal surely makes, as any line (and as its variable: one only
 * the recipes of unbuilt goals name is a warning); for one no plain make
 * makes, a warning naming the goal; else undecided, as before. */
static enum tri target_var_reach(struct build_scan *bs, enum tri r)
{
	const char *why = NULL;
	enum make_reach mr =
		make_goals_target_var(bs->ix->make_goals, (int)(bs->file - bs->ix->walk->files), bs->tv_line, &why);
	if (mr == MAKE_REACH_BUILT) {
		note_unbuilt_var(bs, bs->tv_var);
		if (!bs->var_unbuilt)
			return r;
		bs->unknown_why = bs->var_unbuilt;
		return TRI_UNKNOWN;
	}
	if (mr == MAKE_REACH_UNBUILT) {
		free(bs->tv_unbuilt);
		bs->tv_unbuilt = xasprintf(" (%s)", why);
		bs->unknown_why = bs->tv_unbuilt;
		return TRI_UNKNOWN;
	}
	bs->unknown_why = " (only for the make target this line names, if it is built)";
	return TRI_UNKNOWN;
}

/* ---- what kind of line it is ---- */

static int source_lang(const char *ext, size_t n)
{
	static const char *const c[] = { "c", "cc", "cpp", "cxx", "c++", "C", "m" };
	static const char *const as[] = { "S", "s", "sx", "asm" };
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		if (mem_eq(ext, n, c[i]))
			return BM_LANG_C;
	for (size_t i = 0; i < sizeof as / sizeof *as; i++)
		if (mem_eq(ext, n, as[i]))
			return BM_LANG_ASM;
	return BM_LANG_ALL;
}

/* The system a make target is named for (`linux-debug`, `darwin`): 1
 * Linux, -1 another, 0 none. */
static int target_os(const char *w, size_t n)
{
	size_t e = 0;
	while (e < n && w[e] != '-' && w[e] != '_' && w[e] != '.')
		e++;
	return build_os_word(w, e);
}

/* `targets: prerequisites`: a pattern rule (`%.o: %.c`, `.c.o:`) compiles
 * every source of its kind; a rule for `linux` or `darwin-debug` builds
 * for that system; any other rule makes one target. */
/* A rule that no goal of a plain `make` reaches (make_goals.h): its
 * recipe runs only when the user names its target. */
static void note_unbuilt_rule(struct build_scan *bs)
{
	free(bs->rule_unbuilt);
	bs->rule_unbuilt = NULL;
	const char *why = make_goals_unbuilt(bs->ix->make_goals, (int)(bs->file - bs->ix->walk->files), bs->line_no);
	if (why)
		bs->rule_unbuilt = xasprintf(" (%s)", why);
}

/* A variable only such recipes name. */
static void note_unbuilt_var(struct build_scan *bs, const char *name)
{
	free(bs->var_unbuilt);
	bs->var_unbuilt = NULL;
	const char *why = make_goals_var_unbuilt(bs->ix->make_goals, (int)(bs->file - bs->ix->walk->files), name);
	if (why)
		bs->var_unbuilt = xasprintf(" (%s)", why);
}

static void make_rule_header(struct build_scan *bs, const char *s, size_t n, const char *colon)
{
	const char *pct = NULL;
	bs->rule_source = -1;
	bs->rule_line = bs->line_no;
	note_unbuilt_rule(bs);
	for (const char *q = s; q + 1 < s + n; q++)
		if (q[0] == '%' && q[1] == '.' && q > colon)
			pct = q + 2;
	int suffix_rule = s[0] == '.' && colon - s > 2 && memchr(s + 1, '.', (size_t)(colon - s - 1)) &&
			  !memchr(s, ' ', (size_t)(colon - s));   /* .c.o: */
	if (pct || suffix_rule) {
		const char *ext = pct ? pct : s + 1;
		size_t en = 0;
		while (ext + en < s + n && (isalnum((unsigned char)ext[en]) || ext[en] == '+'))
			en++;
		bs->rule = RK_PATTERN;
		bs->rule_lang = source_lang(ext, en);
		return;
	}
	int linux_seen = 0, other_seen = 0, plain = 0;
	for (const char *q = s; q < colon;) {
		while (q < colon && isspace((unsigned char)*q))
			q++;
		const char *w = q;
		while (q < colon && !isspace((unsigned char)*q))
			q++;
		if (q == w)
			continue;
		int os = target_os(w, (size_t)(q - w));
		linux_seen |= os > 0;
		other_seen |= os < 0;
		plain |= os == 0;
	}
	bs->rule = plain || !(linux_seen || other_seen) ? RK_OTHER : RK_OS;
	bs->rule_source = -1;
	size_t tn = 0;
	while (s + tn < colon && !isspace((unsigned char)s[tn]))
		tn++;
	snprintf(bs->rule_target, sizeof bs->rule_target, "%.*s", (int)(tn < 127 ? tn : 127), s);
	for (const char *q = colon + 1; bs->rule == RK_OTHER && q < s + n && bs->rule_source < 0;) {
		while (q < s + n && isspace((unsigned char)*q))
			q++;
		const char *w = q;
		while (q < s + n && !isspace((unsigned char)*q))
			q++;
		bs->rule_source = build_file_source(bs, w, (size_t)(q - w));
	}
	bs->rule_when = linux_seen && other_seen ? TRI_UNKNOWN : linux_seen ? TRI_TRUE : TRI_FALSE;
}

/* `[override|export] NAME op value`: the variable's id, or -1. */
static int make_assignment(struct build_scan *bs, const char *s, size_t n)
{
	size_t i = 0;
	for (int kw = 0; kw < 2; kw++) {
		const char *words[] = { "override", "export" };
		size_t m = strlen(words[kw]);
		if (n > m && memcmp(s + i, words[kw], m) == 0 && (s[i + m] == ' ' || s[i + m] == '\t'))
			for (i += m; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
				;
	}
	size_t name = i;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
		i++;
	size_t name_end = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (name_end == name || i >= n)
		return -1;
	int op = s[i] == '=' || (i + 1 < n && s[i + 1] == '=' && strchr("+?:!", s[i])) ||
		 (i + 2 < n && s[i] == ':' && s[i + 1] == ':' && s[i + 2] == '=');
	return op ? var_id(bs, s + name, name_end - name) : -1;
}

static void make_line_ctx(struct build_scan *bs, const char *s, size_t n, int recipe, struct line_ctx *lc)
{
	if (recipe && bs->rule != RK_NONE) {
		lc->kind = bs->rule == RK_OTHER ? CK_RECIPE_OTHER : CK_COMPILE;
		lc->lang = bs->rule == RK_PATTERN ? bs->rule_lang : BM_LANG_ALL;
		return;
	}
	bs->rule = RK_NONE;
	if ((lc->var = make_assignment(bs, s, n)) >= 0) {
		lc->kind = CK_VAR;
		return;
	}
	if (make_target_variable(s, n)) {
		lc->kind = CK_TARGET_VAR;
		return;
	}
	const char *colon = memchr(s, ':', n);
	if (colon && !(colon + 1 < s + n && colon[1] == '='))
		make_rule_header(bs, s, n, colon);
}

/* The n-th argument of a CMake command line (after its '('). */
static size_t cmake_arg(const char *s, size_t n, int which, const char **arg)
{
	const char *p = memchr(s, '(', n), *end = s + n;
	for (int k = 0; p && k <= which; k++) {
		p++;
		while (p < end && (isspace((unsigned char)*p) || *p == '"'))
			p++;
		const char *a = p;
		while (p < end && !isspace((unsigned char)*p) && *p != ')' && *p != '"')
			p++;
		if (k == which) {
			*arg = a;
			return (size_t)(p - a);
		}
	}
	return 0;
}

static void cmake_command_ctx(struct build_scan *bs, const char *s, size_t n, struct line_ctx *lc)
{
	size_t c = 0;
	while (c < n && (isalnum((unsigned char)s[c]) || s[c] == '_'))
		c++;
	snprintf(bs->cmake_cmd, sizeof bs->cmake_cmd, "%.*s", (int)(c < 39 ? c : 39), s);
	bs->cmake_args = 0;
	const char *cmd = bs->cmake_cmd, *a;
	size_t an;
	memset(lc, 0, sizeof *lc);
	bs->cmake_leaks = 0;
	an = cmake_arg(s, n, 0, &a);
	snprintf(bs->cmake_target, sizeof bs->cmake_target, "%.*s", (int)(an < 127 ? an : 127), an ? a : "");
	if (!strcasecmp(cmd, "add_definitions") || !strcasecmp(cmd, "add_compile_options") ||
	    !strcmp(cmd, "add_project_arguments") || !strcmp(cmd, "add_global_arguments")) {
		lc->kind = CK_COMPILE;
	} else if (!strcasecmp(cmd, "add_compile_definitions")) {
		lc->kind = CK_COMPILE;
		lc->bare_defs = 1;
		lc->first_arg = 1;
	} else if (!strcasecmp(cmd, "target_compile_definitions") || !strcasecmp(cmd, "target_compile_options")) {
		lc->kind = CK_CMAKE_TARGET;
		lc->bare_defs = !strcasecmp(cmd, "target_compile_definitions");
		lc->first_arg = 2;
	} else if (!strcasecmp(cmd, "include_directories") || !strcasecmp(cmd, "target_include_directories")) {
		lc->kind = CK_INCLUDE_DIRS;
		lc->first_arg = !strcasecmp(cmd, "include_directories") ? 1 : 2;
	} else if (!strcasecmp(cmd, "add_library") || !strcasecmp(cmd, "add_executable") ||
		   !strcasecmp(cmd, "target_sources")) {
		lc->kind = CK_TARGET_SOURCES;
	} else if (!strcasecmp(cmd, "set") && (an = cmake_arg(s, n, 0, &a)) > 0) {
		lc->kind = CK_VAR;
		lc->var = var_id(bs, a, an);
	} else if ((!strcasecmp(cmd, "string") || !strcasecmp(cmd, "list")) && (an = cmake_arg(s, n, 0, &a)) > 0 &&
		   (mem_eq(a, an, "APPEND") || mem_eq(a, an, "PREPEND")) && (an = cmake_arg(s, n, 1, &a)) > 0) {
		lc->kind = CK_VAR;
		lc->var = var_id(bs, a, an);
	}
	lc->lang = BM_LANG_ALL;
}

/* CMake commands run over lines until their ')': the command decides. */
static void cmake_line_ctx(struct build_scan *bs, const char *s, size_t n, struct line_ctx *lc)
{
	if (bs->cmake_depth > 0)
		*lc = bs->cmake_ctx;
	else
		cmake_command_ctx(bs, s, n, lc);
	for (size_t i = 0; i < n; i++)
		bs->cmake_depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
	if (bs->cmake_depth < 0)
		bs->cmake_depth = 0;
	bs->cmake_ctx = *lc;
}

/* A target-specific line starts: where, the variable it sets, and whether
 * its target is named for a system. */
static void note_target_var_line(struct build_scan *bs, const char *s, size_t n, int line)
{
	if (!make_target_variable(s, n))
		return;
	bs->tv_line = line;
	target_var_name(s, n, bs->tv_var, sizeof bs->tv_var);
	size_t tn = 0;
	while (tn < n && !isspace((unsigned char)s[tn]) && s[tn] != ':')
		tn++;
	bs->tv_os = target_os(s, tn) != 0;
}

static void process_line(struct build_scan *bs, const char *s, size_t n, int line, int indexing, int continued)
{
	size_t lead = 0;
	int recipe = n && s[0] == '\t';
	while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
		lead++;
	n = code_length(s, n, bs->file->kind);
	if (lead >= n)
		return;
	const char *kw = "";
	size_t skip = 0;
	enum cond_op op = continued ? C_NONE : line_cond(bs, s + lead, n - lead, &kw, &skip);
	if (op != C_NONE) {
		apply_cond(bs, op, kw, s + lead + skip, n - lead - skip);
		if (op != C_ELSE_IF || bs->file->kind != FK_AUTOCONF)
			return;
		const char *paren = memchr(s + lead, ')', n - lead);   /* an arm's body may follow */
		lead = paren ? (size_t)(paren - s) + 1 : n;
		if (lead >= n)
			return;
	}
	struct line_ctx lc = {0};
	bs->line_no = line;
	if (!continued && bs->file->kind == FK_MAKE && !recipe)
		note_target_var_line(bs, s + lead, n - lead, line);
	if (continued)
		lc = bs->line;
	else if (bs->file->kind == FK_MAKE)
		make_line_ctx(bs, s + lead, n - lead, recipe, &lc);
	else if (bs->file->kind == FK_CMAKE || bs->file->kind == FK_MESON)
		cmake_line_ctx(bs, s + lead, n - lead, &lc);
	enum tri r = line_reaches_target(bs);
	bs->unknown_why = " (under a build condition archport cannot decide)";
	if (!continued)
		bs->in_recipe = recipe && bs->rule != RK_NONE;
	if (r == TRI_TRUE && bs->file->kind == FK_MAKE && bs->in_recipe && bs->rule_unbuilt) {
		r = TRI_UNKNOWN;
		bs->unknown_why = bs->rule_unbuilt;
	} else if (r == TRI_TRUE && bs->file->kind == FK_MAKE && lc.kind == CK_VAR && !indexing) {
		note_unbuilt_var(bs, bs->vars[lc.var].name);
		if (bs->var_unbuilt) {
			r = TRI_UNKNOWN;
			bs->unknown_why = bs->var_unbuilt;
		}
	}
	if (bs->file->kind == FK_CMAKE && lc.kind == CK_VAR && is_probe_var(bs->vars[lc.var].name))
		r = TRI_FALSE;   /* a configure check's flags: on the target the check fails, the build goes on */
	if (r == TRI_TRUE && bs->file->kind == FK_MAKE && (continued ? lc.kind == CK_TARGET_VAR
							    : make_target_variable(s + lead, n - lead)))
		r = target_var_reach(bs, r);
	lc.line = line;
	lc.reach = r;
	bs->line = lc;
	if (indexing) {
		note_refs(bs, &lc, s + lead, n - lead);
		note_values(bs, &lc, s + lead, n - lead);
		note_var_defines(bs, &lc, s + lead, n - lead);
		if (bs->file->kind == FK_MAKE)
			note_built(bs, &lc, s + lead, n - lead, recipe && bs->rule != RK_NONE);
	}
	if (!continued && bs->file->kind != FK_CMAKE && bs->file->kind != FK_MESON)
		bs->cmake_args = 0;
	if (bs->file->kind == FK_MAKE && !continued)
		note_x86_predicate(bs, s + lead, n - lead);
	process_words(bs, &lc, s + lead, n - lead, line, (int)lead + 1, r, indexing);
}

/* Walks the file a logical line at a time (backslash continuations join). */
static void walk_lines(struct build_scan *bs, const char *src, size_t len, int indexing)
{
	const char *p = src, *end = src + len;
	int line = 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		if (n && p[n - 1] == '\r')
			n--;
		int cont = n && p[n - 1] == '\\';
		process_line(bs, p, cont ? n - 1 : n, line, indexing, bs->continues);
		bs->continues = cont;
		/* a continuation keeps the conditional state; lines are checked one by one */
		line++;
		p = nl ? nl + 1 : end;
	}
	free(bs->stack);
	bs->stack = NULL;
	bs->depth = bs->cap = 0;
	free(bs->rule_unbuilt);
	free(bs->var_unbuilt);
	free(bs->tv_unbuilt);
	bs->rule_unbuilt = bs->var_unbuilt = bs->tv_unbuilt = NULL;
	if (indexing)
		finish_defines(bs);
	free_flow(bs);
	strmap_free(&bs->x86_preds, NULL);
}

void index_build_file(struct tree_index *ix, const struct source_file *f, const char *src, size_t len)
{
	struct build_scan bs = {0};
	bs.ix = ix;
	bs.wix = ix;
	bs.file = f;
	ix->has_build_files = 1;
	if (f->kind == FK_MAKE) {
		if (!ix->make_goals)
			ix->make_goals = make_goals_new();
		make_goals_add(ix->make_goals, ix, (int)(f - ix->walk->files), src, len);
	}
	walk_lines(&bs, src, len, 1);
}

void scan_build(const struct tree_index *ix, int file_index, const struct textfile *tf,
		struct finding_list *out)
{
	struct build_scan bs = {0};
	bs.ix = ix;
	bs.file = &ix->walk->files[file_index];
	bs.em.out = out;
	bs.em.rel = bs.file->rel;
	bs.em.src = tf->data;
	bs.em.end = tf->data + tf->len;
	walk_lines(&bs, tf->data, tf->len, 0);
}
