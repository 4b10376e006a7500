/* The vocabulary of build-file conditions: which architectures and
 * operating systems a condition names (`ifeq ($(ARCH),x86_64)`,
 * `ifeq ($(shell uname -s),Linux)`, CMake's `if(UNIX AND NOT APPLE)`,
 * meson's `host_machine.system() == 'windows'`), decided for the target,
 * whose system is Linux (the targets are *-linux-gnu). Text in, verdict
 * out: build_scan.c keeps the regions. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "build_cond.h"
#include "util.h"

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
/* `$(arm_neon)`, `${USE_X86}`: the name of a user's variable, whose value
 * the condition tests, is no architecture or system word itself. */
static int variable_name_at(const char *s, size_t n, size_t i, size_t j)
{
	return i >= 2 && s[i - 2] == '$' && (s[i - 1] == '(' || s[i - 1] == '{') && j < n &&
	       (s[j] == ')' || s[j] == '}');
}

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
		enum arch_class c = variable_name_at(s, n, i, j) ? A_NONE : classify_word(s + i, j - i);
		if (c != A_NONE) {
			any = 1;
			hit |= c == target_class(k);
		}
		i = j > i ? j : i + 1;
	}
	return any ? (hit ? TRI_TRUE : TRI_FALSE) : TRI_UNKNOWN;
}

/* An operating-system word: 1 Linux (the targets are *-linux-gnu; CMake's
 * UNIX holds there too), -1 another system, 0 none. Whole words or
 * '-'-separated parts only: `HAVE_LINUX_AIO` is a user's name, not a test
 * of the system. */
int build_os_word(const char *w, size_t n)
{
	char b[32];
	if (!lower_word(w, n, b, sizeof b))
		return 0;
	if (!strcmp(b, "linux") || !strcmp(b, "unix"))
		return 1;
	static const char *const exact[] = { "apple", "ios", "bsd", "aix", "haiku", "msvc", "win32", "win64",
		"windows", "windows_nt", "android", "emscripten", "wasi", "qnx", "sunos", "solaris", "hpux", "irix",
		"osf1", "tru64", "unixware", "sco", "ultrix", "nextstep", "rhapsody", "beos", "amigaos", "vxworks",
		"zos", "os390", "os2", "minix", "illumos" };
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (!strcmp(b, exact[i]))
			return -1;
	static const char *const prefixes[] = { "darwin", "macos", "osx", "freebsd", "netbsd", "openbsd",
		"dragonfly", "mingw", "cygwin", "msys" };
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (str_starts(b, prefixes[i]))
			return -1;
	return 0;
}

/* Does a condition name the target's system (Linux)? TRUE when it names
 * only Linux, FALSE when only other systems, UNKNOWN otherwise. */
static enum tri names_target_os(const char *s, size_t n)
{
	int linux_seen = 0, other_seen = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && !(isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
		size_t j = i;
		while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
			j++;
		int c = variable_name_at(s, n, i, j) ? 0 : build_os_word(s + i, j - i);
		linux_seen |= c > 0;
		other_seen |= c < 0;
		i = j > i ? j : i + 1;
	}
	if (linux_seen == other_seen)
		return TRI_UNKNOWN;
	return linux_seen ? TRI_TRUE : TRI_FALSE;
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

/* ---- CMake if(): NOT, AND, OR over the platform variables ---- */

struct cmake_expr {
	const char *p, *end;
	int decided;    /* a platform test decided some part */
};

/* The next token: "(", ")", or a word without its quotes. */
static size_t cm_token(struct cmake_expr *e, const char **w)
{
	while (e->p < e->end && isspace((unsigned char)*e->p))
		e->p++;
	if (e->p >= e->end)
		return 0;
	*w = e->p;
	if (*e->p == '(' || *e->p == ')')
		return (size_t)(++e->p - *w);
	if (*e->p == '"') {
		const char *q = memchr(e->p + 1, '"', (size_t)(e->end - e->p - 1));
		*w = e->p + 1;
		e->p = q ? q + 1 : e->end;
		return (size_t)((q ? q : e->end) - *w);
	}
	while (e->p < e->end && !isspace((unsigned char)*e->p) && *e->p != '(' && *e->p != ')')
		e->p++;
	return (size_t)(e->p - *w);
}

static size_t cm_peek(struct cmake_expr *e, const char **w)
{
	const char *save = e->p;
	size_t n = cm_token(e, w);
	e->p = save;
	return n;
}

static enum tri cm_or(struct cmake_expr *e, int depth);

static int is_system_name(const char *w, size_t n)
{
	return mem_eq(w, n, "CMAKE_SYSTEM_NAME") || mem_eq(w, n, "CMAKE_HOST_SYSTEM_NAME") ||
	       mem_eq(w, n, "${CMAKE_SYSTEM_NAME}") || mem_eq(w, n, "${CMAKE_HOST_SYSTEM_NAME}");
}

/* UNIX, APPLE, WIN32, ... or `CMAKE_SYSTEM_NAME STREQUAL "Linux"`. */
static enum tri cm_atom(struct cmake_expr *e, int depth)
{
	const char *w, *op, *rhs;
	size_t n = cm_token(e, &w);
	if (!n || depth > 32)
		return TRI_UNKNOWN;
	if (mem_eq(w, n, "(")) {
		enum tri r = cm_or(e, depth + 1);
		if (cm_peek(e, &op) && *op == ')')
			cm_token(e, &op);
		return r;
	}
	size_t on = cm_peek(e, &op);
	if (on && (mem_eq(op, on, "STREQUAL") || mem_eq(op, on, "MATCHES"))) {
		cm_token(e, &op);
		size_t rn = cm_token(e, &rhs);
		if (!is_system_name(w, n) || !rn)
			return TRI_UNKNOWN;
		e->decided = 1;
		if (mem_eq(op, on, "STREQUAL"))
			return rn == 5 && !strncasecmp(rhs, "Linux", 5) ? TRI_TRUE : TRI_FALSE;
		return names_target_os(rhs, rn);
	}
	int os = build_os_word(w, n);
	if (!os || memchr(w, '$', n))
		return TRI_UNKNOWN;
	e->decided = 1;
	return os > 0 ? TRI_TRUE : TRI_FALSE;
}

static enum tri cm_not(struct cmake_expr *e, int depth)
{
	const char *w;
	size_t n = cm_peek(e, &w);
	if (mem_eq(w, n, "NOT")) {
		cm_token(e, &w);
		if (depth > 32)   /* NOT NOT NOT ...: as deep as parentheses may go */
			return TRI_UNKNOWN;
		enum tri r = cm_not(e, depth + 1);
		return tri_not(r);
	}
	return cm_atom(e, depth);
}

static enum tri cm_and(struct cmake_expr *e, int depth)
{
	enum tri r = cm_not(e, depth);
	const char *w;
	size_t n;
	while ((n = cm_peek(e, &w)) && mem_eq(w, n, "AND")) {
		cm_token(e, &w);
		enum tri b = cm_not(e, depth);
		r = tri_and(r, b);
	}
	return r;
}

static enum tri cm_or(struct cmake_expr *e, int depth)
{
	enum tri r = cm_and(e, depth);
	const char *w;
	size_t n;
	while ((n = cm_peek(e, &w)) && mem_eq(w, n, "OR")) {
		cm_token(e, &w);
		enum tri b = cm_and(e, depth);
		r = tri_or(r, b);
	}
	return r;
}

/* `if(UNIX AND NOT APPLE)`: TRUE on Linux. UNKNOWN unless a platform
 * test decides the whole condition. */
static enum tri cmake_os_condition(const char *s, size_t n)
{
	struct cmake_expr e = { s, s + n, 0 };
	enum tri r = cm_or(&e, 0);
	return e.decided ? r : TRI_UNKNOWN;
}

enum tri build_condition_taken(const struct knowledge *k, enum file_kind kind, const char *kw, const char *s,
			       size_t n, int *arch, int *os)
{
	enum tri r = names_target(k, s, n);
	*arch = r != TRI_UNKNOWN;
	*os = 0;
	if (r == TRI_UNKNOWN && kind == FK_CMAKE) {
		r = cmake_os_condition(s, n);
		*os = r != TRI_UNKNOWN;
		return r;
	}
	if (r == TRI_UNKNOWN && strcmp(kw, "ifdef") && strcmp(kw, "ifndef")) {
		r = names_target_os(s, n);
		*os = r != TRI_UNKNOWN;
	}
	if (r != TRI_UNKNOWN && negated(kw, s, n))
		r = r == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	return r;
}

