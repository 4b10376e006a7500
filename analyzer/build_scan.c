/* The build-file front end: Makefiles, CMake, meson and autoconf. It
 * tracks conditionals on the architecture, so that an x86 flag under
 * `ifeq ($(ARCH),x86_64)` is not reported while an unconditional one is,
 * and records which source files the build names under such conditions.
 *
 * Each line is reduced to words; a conditional line opens, switches or
 * closes a region whose "taken on the target" value is TRUE, FALSE or
 * UNKNOWN (a condition that is not about the architecture). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "pp_expr.h"
#include "rules.h"
#include "scan.h"

enum cond_op { C_NONE, C_OPEN, C_ELSE_IF, C_ELSE, C_CLOSE };

struct region {
	enum tri taken;        /* this branch, on the target */
	enum tri any_taken;    /* an earlier branch of the chain */
	int arch;              /* the chain tests the architecture */
};

struct build_scan {
	const struct tree_index *ix;
	struct tree_index *wix;      /* writable in the index pass */
	const struct source_file *file;
	struct emitter em;
	struct region *stack;
	size_t depth, cap;
	int case_depth;              /* autoconf `case` blocks */
	const char *unknown_why;     /* why this line's reach is undecided */
	int in_case_arm;
};

/* ---- architecture words ---- */

enum arch_class { A_NONE, A_X86, A_AARCH64, A_RISCV64, A_ARM, A_OTHER };

static enum arch_class classify_one(const char *w, size_t n);

/* A word, or one of its '_'-separated parts (PROCESSOR_IS_X86, ARCH_ARM64). */
static enum arch_class classify_word(const char *w, size_t n)
{
	enum arch_class c = classify_one(w, n);
	for (size_t i = 0, start = 0; c == A_NONE && i <= n; i++)
		if (i == n || w[i] == '_') {
			if (start > 0 || i < n)
				c = classify_one(w + start, i - start);
			start = i + 1;
		}
	return c;
}

static enum arch_class classify_one(const char *w, size_t n)
{
	char b[48];
	if (n == 0 || n >= sizeof b)
		return A_NONE;
	for (size_t i = 0; i < n; i++)
		b[i] = (char)tolower((unsigned char)w[i]);
	b[n] = '\0';
	static const char *const x86[] = { "x86_64", "x86-64", "amd64", "x64", "x86", "i386",
		"i486", "i586", "i686", "i?86", "ia32", "em64t", "intel64", "i[3456]86" };
	for (size_t i = 0; i < sizeof x86 / sizeof *x86; i++)
		if (strcmp(b, x86[i]) == 0 || (strstr(b, x86[i]) && strlen(x86[i]) >= 4))
			return A_X86;
	if (strstr(b, "aarch64") || strstr(b, "arm64"))
		return A_AARCH64;
	if (strstr(b, "riscv"))
		return A_RISCV64;
	if (strcmp(b, "arm") == 0 || str_starts(b, "armv") || strcmp(b, "armhf") == 0)
		return A_ARM;
	static const char *const other[] = { "ppc", "ppc64", "ppc64le", "powerpc", "powerpc64", "power",
		"s390", "s390x", "mips", "mips64", "loongarch", "loongarch64", "sparc", "sparc64" };
	for (size_t i = 0; i < sizeof other / sizeof *other; i++)
		if (strcmp(b, other[i]) == 0)
			return A_OTHER;
	return A_NONE;
}

static enum arch_class target_class(const struct knowledge *k)
{
	if (k->target_is_x86)
		return A_X86;
	return strcmp(k->target, "aarch64") == 0 ? A_AARCH64 : A_RISCV64;
}

/* Splits a condition into words and tells whether the target is among
 * the architectures it names: TRUE/FALSE, or UNKNOWN if it names none. */
static enum tri names_target(const struct knowledge *k, const char *s, size_t n)
{
	int any = 0, hit = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && !(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' ||
				  s[i] == '?' || s[i] == '['))
			i++;
		size_t j = i;
		while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '-' || s[j] == '?' ||
				 s[j] == '[' || s[j] == ']'))
			j++;
		/* a regex alternation "x86_64|AMD64" splits at '|' above */
		enum arch_class c = classify_word(s + i, j - i);
		if (c != A_NONE) {
			any = 1;
			hit |= c == target_class(k);
		}
		i = j > i ? j : i + 1;
	}
	return any ? (hit ? TRI_TRUE : TRI_FALSE) : TRI_UNKNOWN;
}

/* Negated tests: ifneq with two non-empty sides, NOT, !=, "not in". */
static int negated(const char *kw, const char *s, size_t n)
{
	char *t = xstrndup(s, n);
	int neg = 0;
	if (strcmp(kw, "ifneq") == 0) {
		/* ifneq (,$(filter ...)) or ifneq ($(filter ...),) tests membership */
		char *inner = t;
		while (*inner == ' ' || *inner == '(')
			inner++;
		size_t len = strlen(inner);
		while (len && (inner[len - 1] == ' ' || inner[len - 1] == ')'))
			len--;
		inner[len] = '\0';
		neg = !(inner[0] == ',' || (len && inner[len - 1] == ',') || strstr(t, "\"\""));
	} else if (strstr(t, "!=") || strstr(t, "NOT ") || strstr(t, "not in") || strstr(t, "NOT(")) {
		neg = 1;
	}
	free(t);
	return neg;
}

static enum tri condition_taken(const struct knowledge *k, const char *kw, const char *s, size_t n,
				int *arch)
{
	enum tri r = names_target(k, s, n);
	*arch = r != TRI_UNKNOWN;
	if (r != TRI_UNKNOWN && negated(kw, s, n))
		r = r == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	return r;
}

/* ---- conditional lines per build language ---- */

static int word_is(const char *s, size_t n, const char *w)
{
	size_t m = strlen(w);
	return n >= m && strncasecmp(s, w, m) == 0 && (n == m || !isalnum((unsigned char)s[m]) || s[m] == '(');
}

static enum cond_op make_cond(const char *s, size_t n, const char **kw, size_t *skip)
{
	static const char *const opens[] = { "ifeq", "ifneq", "ifdef", "ifndef" };
	for (size_t i = 0; i < 4; i++)
		if (word_is(s, n, opens[i]) && (n == strlen(opens[i]) || s[strlen(opens[i])] == ' ' ||
						s[strlen(opens[i])] == '(' || s[strlen(opens[i])] == '\t')) {
			*kw = opens[i];
			*skip = strlen(opens[i]);
			return C_OPEN;
		}
	if (word_is(s, n, "else")) {
		const char *rest = s + 4;
		size_t rn = n - 4;
		while (rn && (*rest == ' ' || *rest == '\t')) {
			rest++;
			rn--;
		}
		if (rn && make_cond(rest, rn, kw, skip) == C_OPEN) {
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

static void open_region(struct build_scan *bs, enum tri taken, int arch)
{
	GROW(bs->stack, bs->depth, bs->cap);
	bs->stack[bs->depth].taken = taken;
	bs->stack[bs->depth].any_taken = taken;
	bs->stack[bs->depth].arch = arch;
	bs->depth++;
}

static void else_if_region(struct build_scan *bs, enum tri cond, int arch)
{
	if (!bs->depth)
		return;
	struct region *r = &bs->stack[bs->depth - 1];
	r->arch |= arch;
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
	int arch = 0;
	enum tri cond = TRI_UNKNOWN;
	if (op == C_OPEN || op == C_ELSE_IF)
		cond = condition_taken(bs->ix->k, kw, s, n, &arch);
	switch (op) {
	case C_OPEN:
		/* a `case` subject opens the chain with no arm taken yet */
		open_region(bs, n ? cond : TRI_FALSE, arch);
		break;
	case C_ELSE_IF:
		else_if_region(bs, cond, arch);
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
 * build it; UNKNOWN: under a condition that is not about the arch. */
static enum tri line_reaches_target(const struct build_scan *bs)
{
	enum tri r = TRI_TRUE;
	for (size_t i = 0; i < bs->depth; i++) {
		const struct region *g = &bs->stack[i];
		if (g->taken == TRI_FALSE && g->arch)
			return TRI_FALSE;
		if (g->taken != TRI_TRUE)
			r = TRI_UNKNOWN;
	}
	return r;
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
	if (eq && (str_starts(word, "-march=") || str_starts(word, "-mtune="))) {
		char *key = xasprintf("%.*s=%s", (int)(eq - word - 1), word + 1, eq + 1);
		if (strmap_has(&k->bad_march, key, strlen(key)))
			report(bs, r, RULE_BUILD_MARCH, line, col, (int)n,
			       xasprintf(strcmp(eq + 1, "native") ? "`%s` names an x86 CPU: the %s compiler rejects it"
								   : "`%s`: the %s cross compiler rejects it (it means the build machine)",
					 word, k->target));
		free(key);
	} else {
		size_t keylen = eq ? (size_t)(eq - word) + 1 : n;
		if (strmap_has(&k->bad_mflags, word, keylen))
			report(bs, r, RULE_BUILD_FLAG, line, col, (int)n,
			       xasprintf("x86 compiler option `%s` is unrecognized by the %s compiler", word,
					 k->target));
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

/* The index pass: -D names, -I dirs, and source names with their gating. */
static void index_word(struct build_scan *bs, const char *w, size_t n, const char *prev, size_t pn,
		       enum tri r)
{
	struct tree_index *ix = bs->wix;
	if (n > 2 && w[0] == '-' && w[1] == 'D') {
		size_t e = 2;
		while (e < n && w[e] != '=')
			e++;
		index_add_command_line_define(ix, w + 2, e - 2);
	} else if ((n > 2 && w[0] == '-' && w[1] == 'I') || (pn == 2 && prev[0] == '-' && prev[1] == 'I')) {
		const char *d = n > 2 && w[1] == 'I' && w[0] == '-' ? w + 2 : w;
		size_t dn = n - (size_t)(d - w);
		const char *slash = strrchr(bs->file->rel, '/');
		char *rel = slash ? xasprintf("%.*s/%.*s", (int)(slash - bs->file->rel), bs->file->rel, (int)dn, d)
				  : xstrndup(d, dn);
		index_add_include_dir(ix, rel, strlen(rel));
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

static void process_words(struct build_scan *bs, const char *s, size_t n, int line, int col0,
			  enum tri r, int indexing)
{
	const char *prev = NULL;
	size_t pn = 0;
	for (size_t i = 0; i < n;) {
		if (!is_word_char(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && is_word_char(s[j]))
			j++;
		if (indexing)
			index_word(bs, s + i, j - i, prev, pn, r);
		else
			check_word(bs, s + i, j - i, line, col0 + (int)i, r);
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

/* `prog_avx2: CFLAGS += -mavx2` sets flags for one target only, which the
 * default goal may never make: such findings are warnings. */
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

static void process_line(struct build_scan *bs, const char *s, size_t n, int line, int indexing)
{
	size_t lead = 0;
	while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
		lead++;
	n = code_length(s, n, bs->file->kind);
	if (lead >= n)
		return;
	const char *kw = "";
	size_t skip = 0;
	enum cond_op op = line_cond(bs, s + lead, n - lead, &kw, &skip);
	if (op != C_NONE) {
		apply_cond(bs, op, kw, s + lead + skip, n - lead - skip);
		if (op != C_ELSE_IF || bs->file->kind != FK_AUTOCONF)
			return;
		const char *paren = memchr(s + lead, ')', n - lead);   /* an arm's body may follow */
		lead = paren ? (size_t)(paren - s) + 1 : n;
		if (lead >= n)
			return;
	}
	enum tri r = line_reaches_target(bs);
	bs->unknown_why = " (under a build condition archport cannot decide)";
	if (r == TRI_TRUE && bs->file->kind == FK_MAKE && make_target_variable(s + lead, n - lead)) {
		r = TRI_UNKNOWN;
		bs->unknown_why = " (only for the make target this line names, if it is built)";
	}
	process_words(bs, s + lead, n - lead, line, (int)lead + 1, r, indexing);
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
		process_line(bs, p, cont ? n - 1 : n, line, indexing);
		/* a continuation keeps the conditional state; lines are checked one by one */
		line++;
		p = nl ? nl + 1 : end;
	}
	free(bs->stack);
	bs->stack = NULL;
	bs->depth = bs->cap = 0;
}

void index_build_file(struct tree_index *ix, const struct source_file *f, const char *src, size_t len)
{
	struct build_scan bs = {0};
	bs.ix = ix;
	bs.wix = ix;
	bs.file = f;
	ix->has_build_files = 1;
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
