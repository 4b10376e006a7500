/* Assembly sources the build assembles for every target: the x86 body is
 * gated in the file itself, and the #else arm defines each global symbol
 * for the target as a trap, so the tree links and a call that reaches it
 * stops at once instead of running x86 bytes. Only .S files can do this
 * (they go through the preprocessor); .s files are left for the build. */
#include <stdlib.h>
#include <string.h>
#include "asm_check.h"
#include "scan.h"
#include "stub_internal.h"

static const char *trap_instruction(const char *target)
{
	if (strcmp(target, "x86_64") == 0)
		return "ud2";   /* the reverse port's twins */
	return strcmp(target, "aarch64") == 0 ? "brk #0" : "ebreak";
}

/* The `.globl` symbol of a line into name (size bytes); 0 when none or
 * too long. */
static int global_symbol(const char *line, char *name, size_t size)
{
	const char *s;
	size_t n = asm_global_symbol(line, &s);
	if (!n || n + 1 > size)
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	return 1;
}

/* Does a line of the file define `name` with a label ("name:")? A .globl
 * name without one is a symbol the file uses from elsewhere (abort, a C
 * function), which the twin must not define a second time. */
static int defines_label(char *const *lines, size_t nlines, const char *name)
{
	for (size_t l = 0; l < nlines; l++)
		if (asm_defines_label(lines[l], name, strlen(name)))
			return 1;
	return 0;
}

/* Each .globl symbol of `lines` defined as a trap, one directive a line. */
static void trap_symbols(struct strbuf *sb, const char *target, char *const *lines, size_t nlines)
{
	char name[128];
	for (size_t l = 0; l < nlines; l++)
		if (global_symbol(lines[l], name, sizeof name) && defines_label(lines, nlines, name))
			sb_addf(sb, "\t.globl %s\n\t.type %s, %%function\n%s:\n\t%s\n", name, name, name,
				trap_instruction(target));
}

char *stub_asm_twin(const char *target, char *const *lines, size_t nlines)
{
	struct strbuf twin = {0};
	sb_addf(&twin, "/* TODO(archport): port to %s; every entry point traps until then */\n", target);
	sb_adds(&twin, "\t.text\n");
	trap_symbols(&twin, target, lines, nlines);
	sb_adds(&twin, "\t.section .note.GNU-stack,\"\",%progbits\n");
	return sb_detach(&twin);
}

/* The assembler statements of a template: split at newlines and ';'. */
static size_t split_statements(char *text, char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL, *save = NULL;
	for (char *st = strtok_r(text, "\n;", &save); st; st = strtok_r(NULL, "\n;", &save)) {
		GROW(v, n, cap);
		v[n++] = st;
	}
	*out = v;
	return n;
}

char *stub_asm_c_twin(const char *target, const char *asm_text)
{
	char *copy = xstrdup(asm_text), **stmts;
	size_t n = split_statements(copy, &stmts);
	struct strbuf traps = {0};
	trap_symbols(&traps, target, stmts, n);
	free(stmts);
	free(copy);
	if (!traps.len) {
		sb_free(&traps);
		return NULL;   /* nothing global: nothing else links against it */
	}
	/* in a section of its own, so the compiler's idea of the current
	 * section after the statement stays right */
	struct strbuf twin = {0};
	sb_addf(&twin, "/* TODO(archport): port to %s; every entry point traps until then */\n", target);
	sb_adds(&twin, "__asm__(\"\\t.pushsection .text\\n\"\n");
	for (char *line = traps.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		sb_adds(&twin, "        \"");
		for (const char *p = line; p < nl; p++)   /* symbol names need no other escape */
			sb_adds(&twin, *p == '\t' ? "\\t" : (char[2]){ *p, 0 });
		sb_adds(&twin, "\\n\"\n");
	}
	sb_adds(&twin, "        \"\\t.popsection\\n\");\n");
	sb_free(&traps);
	return sb_detach(&twin);
}

/* Does a build system other than meson build the tree (Make, CMake,
 * autoconf)? It may assemble the file whatever meson.build says. */
static int other_build_system(const struct stub_ctx *c)
{
	for (size_t i = 0; i < c->ts->walk.len; i++) {
		enum file_kind k = c->ts->walk.files[i].kind;
		if (k == FK_MAKE || k == FK_CMAKE || k == FK_AUTOCONF)
			return 1;
	}
	return 0;
}

void stub_asm_file(struct stub_ctx *c, struct file_patch *fp)
{
	const char *rel = fp->rel;
	size_t n = strlen(rel);
	if (n < 2 || strcmp(rel + n - 2, ".S") != 0 || fp->nlines == 0)
		return;
	char *key = xasprintf("meson-source:%s", rel);
	int meson_only = stub_was_made(c, key) && !other_build_system(c);
	free(key);
	if (meson_only)
		return;   /* meson assembles it on aarch64 only, with a twin elsewhere (stub_meson.c) */
	char *twin = stub_asm_twin(c->k->target, fp->lines, fp->nlines);
	gate_lines(c->k, fp, 0, fp->nlines - 1, twin);
	free(twin);
}
