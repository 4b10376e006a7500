/* Build files: each x86 compiler option becomes a variable that holds the
 * option when the compiler targets x86 and nothing otherwise. The x86
 * build sees the same options; the target build sees none. Make decides
 * with `$(CC) -dumpmachine` (lazily, so a CC set later or on the command
 * line counts), CMake with CMAKE_SYSTEM_PROCESSOR after project(). In the
 * reverse port the same is done for aarch64 options (-march=armv8-a+crc). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "stub_internal.h"

static int option_char(char ch)
{
	return !(isspace((unsigned char)ch) || ch == '"' || ch == '\'' || ch == ')' || ch == '(' || ch == ',' ||
		 ch == ';' || ch == '\0');
}

/* How a build file tells the source arch's compiler: the first word of
 * `gcc -dumpmachine`, CMAKE_SYSTEM_PROCESSOR. */
struct build_arch_test {
	const char *upper, *lower;   /* ARCHPORT_X86_..., archport_x86 */
	const char *make_words, *cmake_regex;
};

static const struct build_arch_test x86_test = {
	"X86", "x86", "x86_64 i386 i486 i586 i686", "^(x86_64|AMD64|amd64|i[3-6]86|x86)$",
};
static const struct build_arch_test aarch64_test = {
	"AARCH64", "aarch64", "aarch64 aarch64_be", "^(aarch64|arm64|ARM64)$",
};

static const struct build_arch_test *source_test(const struct knowledge *k)
{
	return k->target_is_x86 ? &aarch64_test : &x86_test;
}

/* ARCHPORT_X86_msse4_2 for -msse4.2 */
static char *variable_for(const struct build_arch_test *bt, const char *opt, size_t n)
{
	struct strbuf sb = {0};
	sb_addf(&sb, "ARCHPORT_%s_", bt->upper);
	for (size_t i = 1; i < n; i++)
		sb_addc(&sb, isalnum((unsigned char)opt[i]) ? opt[i] : '_');
	return sb_detach(&sb);
}

struct flag_use {
	int line, col;
	char *opt, *var;
};

static void definitions(const struct build_arch_test *bt, struct strbuf *sb, const struct flag_use *u, size_t n,
			int cmake)
{
	sb_addf(sb, "# archport: %s-only compiler options, kept for %s builds only\n", bt->lower, bt->lower);
	if (cmake)
		sb_addf(sb, "if(CMAKE_SYSTEM_PROCESSOR MATCHES \"%s\")\n", bt->cmake_regex);
	else
		sb_addf(sb, "archport_%s = $(filter %s,$(firstword $(subst -, ,$(shell $(CC) -dumpmachine))))\n",
			bt->lower, bt->make_words);
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (size_t k = 0; k < i; k++)
			seen |= !strcmp(u[k].var, u[i].var);
		if (seen)
			continue;
		if (cmake)
			sb_addf(sb, "  set(%s \"%s\")\n", u[i].var, u[i].opt);
		else
			sb_addf(sb, "%s = $(if $(archport_%s),%s)\n", u[i].var, bt->lower, u[i].opt);
	}
	if (cmake) {
		sb_adds(sb, "else()\n");
		for (size_t i = 0; i < n; i++)
			sb_addf(sb, "  set(%s \"\")\n", u[i].var);
		sb_adds(sb, "endif()\n");
	}
}

/* After project(...) in CMake (the processor is known from there on). */
static size_t definitions_line(const struct file_patch *fp, int cmake)
{
	if (!cmake)
		return 0;
	for (size_t l = 0; l < fp->nlines; l++) {
		const char *s = fp->lines[l];
		while (isspace((unsigned char)*s))
			s++;
		if (!strncasecmp(s, "project", 7) && strchr(s, ')'))
			return l + 1;
	}
	return 0;
}

static void rewrite_line(struct file_patch *fp, int line, const struct flag_use *u, size_t n, int cmake)
{
	const char *s = fp->lines[line - 1];
	size_t len = fp->lens[line - 1];
	struct strbuf sb = {0};
	size_t at = 0;
	for (size_t col = 1; col <= len; col++) {
		for (size_t i = 0; i < n; i++) {
			if (u[i].line != line || (size_t)u[i].col != col)
				continue;
			sb_add(&sb, s + at, col - 1 - at);
			sb_addf(&sb, cmake ? "${%s}" : "$(%s)", u[i].var);
			at = col - 1 + strlen(u[i].opt);
		}
	}
	sb_add(&sb, s + at, len - at);
	sb_addc(&sb, '\n');
	patch_replace_bytes(fp, (size_t)line - 1, sb.buf, sb.len);
	sb_free(&sb);
}

void stub_build_file(struct stub_ctx *c, struct file_patch *fp, int cmake)
{
	const struct build_arch_test *bt = source_test(c->k);
	struct flag_use *u = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *fd = &c->findings[i];
		/* the scan's findings, and port's "the target compiler rejects it" */
		if (strcmp(fd->rule, c->k->source->rule_build_flag) && strcmp(fd->rule, c->k->source->rule_build_march) &&
		    strcmp(fd->rule, RULE_BUILD_FLAG))
			continue;
		if (fd->line < 1 || (size_t)fd->line > fp->nlines)
			continue;
		const char *s = fp->lines[fd->line - 1];
		if ((size_t)fd->column > strlen(s))
			continue;
		int seen = 0;   /* two findings at one option (the scan's and the build's) */
		for (size_t k = 0; k < n; k++)
			seen |= u[k].line == fd->line && u[k].col == fd->column;
		if (seen)
			continue;
		const char *opt = s + fd->column - 1;
		size_t len = 0;
		while (option_char(opt[len]))
			len++;
		GROW(u, n, cap);
		u[n].line = fd->line;
		u[n].col = fd->column;
		u[n].opt = xstrndup(opt, len);
		u[n].var = variable_for(bt, opt, len);
		n++;
	}
	if (n) {
		struct strbuf defs = {0};
		definitions(bt, &defs, u, n, cmake);
		patch_insert(fp, definitions_line(fp, cmake), defs.buf);
		sb_free(&defs);
		for (size_t i = 0; i < n; i++) {
			int done = 0;
			for (size_t k = 0; k < i; k++)
				done |= u[k].line == u[i].line;
			if (!done)
				rewrite_line(fp, u[i].line, u, n, cmake);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(u[i].opt);
		free(u[i].var);
	}
	free(u);
}
