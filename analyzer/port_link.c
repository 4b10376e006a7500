/* Link errors traced to gated definitions (see port_link.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "asm_check.h"
#include "build_run.h"
#include "port_link.h"
#include "util.h"

/* Files larger than any real source are not read. */
#define MAX_SOURCE_BYTES (8 << 20)

/* The function name of a linker symbol: `ns::f(int)` -> `f`. */
static char *symbol_name(const char *sym)
{
	size_t end = strcspn(sym, "(");
	while (end && sym[end - 1] == ' ')
		end--;
	size_t start = end;
	while (start && (isalnum((unsigned char)sym[start - 1]) || sym[start - 1] == '_'))
		start--;
	return end > start ? xstrndup(sym + start, end - start) : NULL;
}

static int is_ident(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Does `word` occur in s[0..n) as a whole identifier? */
static int has_word(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (!memcmp(s + i, word, w) && (i == 0 || !is_ident(s[i - 1])) && (i + w == n || !is_ident(s[i + w])))
			return 1;
	return 0;
}

/* The macros that select the source architecture in a condition. */
static int tests_source(const char *s, size_t n, const char *source)
{
	static const char *const x86[] = { "__x86_64__", "__x86_64", "__i386__", "__i386", "__amd64__",
					   "__amd64", "_M_X64", "_M_IX86", "_M_AMD64" };
	static const char *const a64[] = { "__aarch64__", "__arm64__", "__arm64", "_M_ARM64" };
	int is_x86 = !strcmp(source, "x86_64");
	const char *const *words = is_x86 ? x86 : a64;
	size_t count = is_x86 ? sizeof x86 / sizeof *x86 : sizeof a64 / sizeof *a64;
	for (size_t i = 0; i < count; i++)
		if (has_word(s, n, words[i]))
			return 1;
	return 0;
}

/* One open conditional while reading a file. */
struct chain {
	int if_line;
	int source_arm;   /* an #if/#elif of it tests the source architecture */
	int has_else;
};

#define MAX_NESTING 64

/* Reads the rest of a chain (`text` starts on the line after the
 * definition) on to its #endif: does it have an #else? */
static int chain_has_else(const char *text)
{
	int depth = 0;
	for (const char *p = text; *p;) {
		size_t k;
		const char *kw = directive_word(p, &k);
		if (kw && k >= 2 && !strncmp(kw, "if", 2))
			depth++;
		else if (kw && mem_eq(kw, k, "endif") && depth-- == 0)
			return 0;
		else if (kw && mem_eq(kw, k, "else") && depth == 0)
			return 1;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

/* Is the line a definition of `name` at file scope: `name(` not after
 * `.`, `->` or an operator, the line not a statement (no `;` after the
 * parenthesis), braces balanced so far? */
static int defines_function(const char *p, size_t n, const char *name, int braces)
{
	size_t w = strlen(name);
	if (braces != 0)
		return 0;
	for (size_t i = 0; i + w < n; i++) {
		if (memcmp(p + i, name, w) || (i && (is_ident(p[i - 1]) || p[i - 1] == '.' || p[i - 1] == '>')))
			continue;
		size_t j = i + w;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (j == n || p[j] != '(')
			continue;
		size_t k = n;
		while (k > j && (p[k - 1] == ' ' || p[k - 1] == '\t' || p[k - 1] == '\r'))
			k--;
		return k > j && p[k - 1] != ';' && p[k - 1] != ',';
	}
	return 0;
}

static int brace_delta(const char *p, size_t n)
{
	int d = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/' && i + 1 < n && p[i + 1] == '/')
			break;
		d += (p[i] == '{') - (p[i] == '}');
	}
	return d;
}

/* The C definition of `name` in `text` inside a source-only chain. */
static int find_in_c(const char *text, const char *name, const char *source, int *def_line, int *if_line)
{
	struct chain stack[MAX_NESTING];
	int depth = 0, braces = 0, line = 1;
	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t k;
		const char *kw = directive_word(p, &k);
		if (kw) {
			if (k >= 2 && !strncmp(kw, "if", 2) && depth < MAX_NESTING)
				stack[depth++] = (struct chain){ line, tests_source(p, n, source), 0 };
			else if (mem_eq(kw, k, "elif") && depth)
				stack[depth - 1].source_arm |= tests_source(p, n, source);
			else if (mem_eq(kw, k, "else") && depth)
				stack[depth - 1].has_else = 1;
			else if (mem_eq(kw, k, "endif") && depth)
				depth--;
		} else if (depth && stack[depth - 1].source_arm && !stack[depth - 1].has_else &&
			   defines_function(p, n, name, braces) && nl && !chain_has_else(nl + 1)) {
			*def_line = line;
			*if_line = stack[depth - 1].if_line;
			return 1;
		} else {
			braces += brace_delta(p, n);
			if (braces < 0)
				braces = 0;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

/* The `.globl name` line of an assembly text that also has `name:`. */
static int find_in_asm(const char *text, const char *name)
{
	size_t w = strlen(name);
	int line = 1, globl = 0, label = 0;
	for (const char *p = text; *p; line++) {
		const char *sym;
		size_t n = asm_global_symbol(p, &sym);
		if (n == w && !globl && !strncmp(sym, name, w))
			globl = line;
		else if (!n && asm_defines_label(p, name, w))
			label = 1;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return label ? globl : 0;
}

static int is_candidate(const void *ctx, const char *rel, const char *full, const struct stat *st)
{
	(void)ctx, (void)full;
	static const char *const exts[] = { ".S", ".c", ".cc", ".cpp", ".cxx", ".C" };
	if (st->st_size > MAX_SOURCE_BYTES)
		return 0;
	for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
		if (str_ends(rel, exts[i]))
			return 1;
	return 0;
}

int find_gated_definition(const char *root, const char *source, const char *sym,
			  int (*skip)(const void *ctx, const char *rel, int line), const void *ctx,
			  struct gated_definition *out)
{
	char *name = symbol_name(sym);
	struct strvec files = {0};
	int found = 0;
	if (name)
		collect_files(root, "", is_candidate, NULL, 1, &files);
	for (size_t i = 0; i < files.len && !found; i++) {
		char *full = xasprintf("%s/%s", root, files.v[i]);
		char *text = read_all(full);
		int line = 0, if_line = 0;
		if (text && str_ends(files.v[i], ".S"))
			line = find_in_asm(text, name);
		else if (text)
			find_in_c(text, name, source, &line, &if_line);
		if (line && !skip(ctx, files.v[i], line)) {
			*out = (struct gated_definition){ xstrdup(files.v[i]), line, if_line };
			found = 1;
		}
		free(text);
		free(full);
	}
	sv_free(&files);
	free(name);
	return found;
}

void gated_definition_free(struct gated_definition *d)
{
	free(d->rel);
	d->rel = NULL;
}
