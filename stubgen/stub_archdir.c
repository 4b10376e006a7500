/* Twins for per-architecture directories (analyzer/arch_dirs.c finds
 * them): the target's directory with a twin of each file (stub_twin.c),
 * so the shared code compiles and links and each function traps until it
 * is ported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "textfile.h"
#include "arch_dirs.h"
#include "stub_internal.h"

/* The twin of one file, or NULL for a kind archport cannot twin. */
static char *twin_text(const struct stub_ctx *c, const struct source_file *f, const struct textfile *tf)
{
	if (path_is_header(f->rel))
		return stub_twin_c(c->k, f->rel, tf->data, tf->len, 1);
	if (path_is_c_source(f->rel))
		return stub_twin_c(c->k, f->rel, tf->data, tf->len, 0);
	if (f->kind != FK_ASM_CPP && f->kind != FK_ASM)
		return NULL;
	struct file_patch lines;
	patch_load(&lines, f->rel, tf->data, tf->len);
	char *twin = stub_asm_twin(c->k->target, lines.lines, lines.nlines);
	patch_free(&lines);
	return twin;
}

static void twin_file(struct stub_ctx *c, const char *x86, const char *twin_dir, const struct source_file *f)
{
	char *rel = xasprintf("%s%s", twin_dir, f->rel + strlen(x86));
	struct textfile tf;
	char *why = NULL, *text = NULL;
	if (textfile_read(f->path, &tf, &why) != 0) {
		fprintf(stderr, "archport stub: %s: %s\n", f->rel, why);
	} else {
		text = twin_text(c, f, &tf);
		textfile_free(&tf);
		if (!text)
			fprintf(stderr, "archport stub: %s has no %s twin in the patch: write %s by hand\n", f->rel,
				c->k->target, rel);
	}
	struct file_patch *fp = text ? c->new_file(c, rel) : NULL;
	if (fp)
		patch_insert(fp, 0, text);
	free(text);
	free(why);
	free(rel);
}

/* Is rel inside dir? */
static int under(const char *dir, const char *rel)
{
	size_t n = strlen(dir);
	return strncmp(rel, dir, n) == 0 && rel[n] == '/';
}

void arch_dirs_stub(struct stub_ctx *c, const struct arch_dirs *ad, const struct walk_result *w)
{
	for (size_t i = 0; i < arch_dirs_len(ad); i++) {
		const char *x86 = arch_dirs_x86(ad, i), *twin = arch_dirs_twin(ad, i);
		if (!twin)
			continue;
		for (size_t f = 0; f < w->len; f++)   /* C and assembly: Rust has its own writer */
			if (under(x86, w->files[f].rel) && w->files[f].kind != FK_RUST && w->files[f].kind != FK_CARGO)
				twin_file(c, x86, twin, &w->files[f]);
	}
}

