/* The stub driver: scan the tree for the target, hand each file's errors
 * to its language's patch writer, create the target's twins of x86
 * architecture directories (stub_archdir.c), then print the edits as one
 * unified diff (new files from /dev/null) or write them, all or none
 * (stub_write.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "git.h"
#include "make_goals.h"
#include "rules.h"
#include "rust_scan.h"
#include "scan.h"
#include "stub_internal.h"

struct stub_run {
	const char *root;
	struct tree_scan ts;
	struct file_patch **patches;   /* per walk file, loaded on demand */
	struct tree_edit *read_as;     /* per walk file: what it held when loaded */
	struct file_patch **created;   /* new files, in the order made */
	size_t ncreated, created_cap;
};

static int walk_index(const struct stub_run *run, const char *rel)
{
	void *v = strmap_value(&run->ts.ix.files, rel, strlen(rel));
	return v ? (int)((intptr_t)v - 1) : -1;
}

static struct file_patch *patch_for(struct stub_ctx *c, const char *rel)
{
	struct stub_run *run = c->run;
	int i = walk_index(run, rel);
	if (i < 0)
		return NULL;
	if (!run->patches[i]) {
		struct textfile tf;
		char *why = NULL;
		if (textfile_read(run->ts.walk.files[i].path, &tf, &why) != 0) {
			warn_about("archport stub", rel, why);
			free(why);
			return NULL;
		}
		run->patches[i] = xcalloc(1, sizeof *run->patches[i]);
		patch_load(run->patches[i], rel, tf.data, tf.len);
		run->read_as[i].read_len = tf.len;
		run->read_as[i].read_hash = hash_bytes(tf.data, tf.len);
		textfile_free(&tf);
	}
	return run->patches[i];
}

/* A file the patch creates; NULL when the tree has it already (a patch
 * never replaces a file whole) or it was made before. */
static struct file_patch *new_file(struct stub_ctx *c, const char *rel)
{
	struct stub_run *run = c->run;
	if (walk_index(run, rel) >= 0)
		return NULL;
	for (size_t i = 0; i < run->ncreated; i++)
		if (!strcmp(run->created[i]->rel, rel))
			return NULL;
	GROW(run->created, run->ncreated, run->created_cap);
	struct file_patch *fp = xcalloc(1, sizeof *fp);
	patch_new_file(fp, rel);
	run->created[run->ncreated++] = fp;
	return fp;
}

/* What the patch must fix, in line order (the scan keeps them so): the
 * errors, code that indexes x86 jmp_buf/ucontext layouts (a warning on
 * aarch64, an error on riscv64, wrong everywhere but x86), x86 target
 * attributes and pragmas (an error on aarch64, a warning on riscv64 that
 * -Werror builds stop on), and Rust types
 * of x86 registers shared by every arch (SPEC: the file goes behind a cfg,
 * the target gets a twin with its own register set). A flag in the recipe
 * of a goal the default goal never builds (make_goals.h), or on a target-specific
 * line of such a target, is a warning, but `make that-goal` still breaks
 * on the target: it is gated as before. */
static void file_errors(const struct knowledge *k, const struct file_scan *r, struct finding_list *out)
{
	for (size_t j = 0; j < r->findings.len; j++) {
		const struct finding *f = &r->findings.items[j];
		int unbuilt_goal_flag = (!strcmp(f->rule, k->source->rule_build_flag) ||
					 !strcmp(f->rule, k->source->rule_build_march)) &&
					(strstr(f->message, "(" MAKE_GOALS_UNBUILT) ||
					 strstr(f->message, "(" MAKE_GOALS_UNBUILT_FOR));
		if (f->severity == SEV_ERROR || unbuilt_goal_flag ||
		    (f->severity == SEV_WARNING && (!strcmp(f->rule, RULE_CONTEXT_REG) || !strcmp(f->rule, RULE_RUST_X86_REGISTERS) ||
						    !strcmp(f->rule, RULE_TARGET_ATTR))))
			findings_add(out, f);
	}
}

static void stub_one(struct stub_run *run, struct stub_ctx *c, const struct arch_dirs *ad, size_t i)
{
	const struct source_file *f = &run->ts.walk.files[i];
	struct finding_list errors = {0};
	/* the x86 directory of an arch/$(ARCH) layout: the target build reads
	 * the twin directory instead, so its x86 code needs no gate */
	if (!arch_dirs_contains(ad, f->rel)) {
		file_errors(run->ts.ix.k, &run->ts.results[i], &errors);
		for (size_t j = 0; j < c->o->nextra; j++)
			if (!strcmp(c->o->extra[j].file, f->rel))
				findings_add(&errors, &c->o->extra[j]);
	}
	/* in the reverse port meson.build may list aarch64 .S files, which
	 * it can swap for x86 twins, with no error of its own */
	if (errors.len || (f->kind == FK_MESON && c->k->target_is_x86)) {
		struct file_patch *fp = patch_for(c, f->rel);
		c->findings = errors.items;
		c->nfindings = errors.len;
		if (fp && f->kind == FK_C)
			stub_c_file(c, fp);
		else if (fp && f->kind == FK_ASM_CPP)
			stub_asm_file(c, fp);
		else if (fp && (f->kind == FK_MAKE || f->kind == FK_CMAKE))
			stub_build_file(c, fp, f->kind == FK_CMAKE);
		else if (fp && f->kind == FK_MESON)
			stub_meson_file(c, fp);
		else if (fp && f->kind == FK_RUST)
			stub_rust_file(c, fp);
	}
	findings_free(&errors);
}

static int run_stub(struct stub_run *run, const char *root, const struct stub_options *o,
		    struct knowledge **kp)
{
	memset(run, 0, sizeof *run);
	run->root = root;
	struct knowledge *k = knowledge_load(o->target ? o->target : "aarch64");
	if (!k)
		return -1;
	*kp = k;
	if (tree_scan_run_db(&run->ts, k, root, o->jobs > 0 ? o->jobs : 2, o->compile_commands) != 0)
		return -1;
	for (size_t i = 0; i < run->ts.walk.nproblems; i++)   /* what the patch leaves alone, and why */
		warn_about("archport stub", run->ts.walk.problems[i].path, run->ts.walk.problems[i].why);
	size_t n = run->ts.walk.len;
	run->patches = xcalloc(n ? n : 1, sizeof *run->patches);
	run->read_as = xcalloc(n ? n : 1, sizeof *run->read_as);
	struct stub_ctx c = { .o = o, .k = k, .root = root, .patch_for = patch_for, .run = run,
			      .new_file = new_file, .ts = &run->ts };
	c.c_files = xcalloc(n ? n : 1, sizeof *c.c_files);
	for (size_t i = 0; i < n; i++)
		if (run->ts.walk.files[i].kind == FK_C)
			c.c_files[c.nc_files++] = run->ts.walk.files[i].rel;
	const struct arch_dirs *ad = run->ts.ix.arch;   /* found by the scan */
	for (int meson = 1; meson >= 0; meson--)   /* meson first: it may take .S files (stub_asm.c) */
		for (size_t i = 0; i < n; i++)
			if ((run->ts.walk.files[i].kind == FK_MESON) == meson)
				stub_one(run, &c, ad, i);
	arch_dirs_stub(&c, ad, &run->ts.walk);
	free(c.c_files);
	rust_resolver_free(c.rust);
	for (size_t i = 0; i < c.nmade; i++)
		free(c.made[i]);
	free(c.made);
	return 0;
}

int stub_was_made(const struct stub_ctx *c, const char *key)
{
	for (size_t i = 0; i < c->nmade; i++)
		if (!strcmp(c->made[i], key))
			return 1;
	return 0;
}

int stub_made(struct stub_ctx *c, const char *key)
{
	if (stub_was_made(c, key))
		return 1;
	GROW(c->made, c->nmade, c->made_cap);
	c->made[c->nmade++] = xstrdup(key);
	return 0;
}

static void free_run(struct stub_run *run, struct knowledge *k)
{
	for (size_t i = 0; run->patches && i < run->ts.walk.len; i++)
		if (run->patches[i]) {
			patch_free(run->patches[i]);
			free(run->patches[i]);
		}
	free(run->patches);
	free(run->read_as);
	for (size_t i = 0; i < run->ncreated; i++) {
		patch_free(run->created[i]);
		free(run->created[i]);
	}
	free(run->created);
	tree_scan_free(&run->ts);
	knowledge_free(k);
}

int stub_tree(const char *root, const struct stub_options *o, struct strbuf *patch)
{
	struct stub_run run;
	struct knowledge *k = NULL;
	int rc = run_stub(&run, root, o, &k);
	for (size_t i = 0; rc == 0 && i < run.ts.walk.len; i++)
		if (run.patches[i] && patch_has_edits(run.patches[i]))
			patch_diff(run.patches[i], patch);
	for (size_t i = 0; rc == 0 && i < run.ncreated; i++)
		if (patch_has_edits(run.created[i]))
			patch_diff(run.created[i], patch);
	free_run(&run, k);
	return rc;
}

/* Uncommitted work in the files --write would change: archport's edits
 * would mix with it (`git diff` no longer shows the patch alone, and
 * `git checkout` to undo it would lose that work). Staged changes are
 * safe (the index keeps them), so what counts is a work-tree file that
 * differs from the index, or one git does not track. */
static int refuse_dirty(const char *root, const struct tree_edit *edits, size_t n)
{
	const char **rels = xcalloc(n ? n : 1, sizeof *rels);
	size_t nrels = 0;
	for (size_t i = 0; i < n; i++)
		if (!edits[i].is_new)
			rels[nrels++] = edits[i].rel;
	char *list = NULL;
	int dirty = nrels ? git_uncommitted(root, rels, nrels, &list) : 0;
	if (dirty < 0)
		fprintf(stderr, "archport stub: %s is in a git checkout, but git could not say whether the files to "
			"change have uncommitted changes; nothing was written (--force writes anyway)\n", root);
	else if (dirty > 0)
		fprintf(stderr, "archport stub: %d file%s to change ha%s uncommitted changes; nothing was written:\n%s"
			"commit or stash them first (git stash), or pass --force to write anyway\n", dirty,
			dirty == 1 ? "" : "s", dirty == 1 ? "s" : "ve", list);
	free(list);
	free(rels);
	return dirty != 0;
}

/* The directory the walk's relative names start from: the root, or the
 * directory of a single file given as the root. */
static char *write_base(const char *root, const struct walk_result *w)
{
	struct stat st;
	if (stat(root, &st) == 0 && S_ISDIR(st.st_mode))
		return xstrdup(root);
	char *dir = xstrdup(w->len ? w->files[0].path : root);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	else
		strcpy(dir, ".");
	return dir;
}

int stub_write(const char *root, const struct stub_options *o)
{
	struct stub_run run;
	struct knowledge *k = NULL;
	int rc = run_stub(&run, root, o, &k);
	size_t total = rc == 0 ? run.ts.walk.len + run.ncreated : 0, n = 0;
	struct tree_edit *edits = xcalloc(total + 1, sizeof *edits);
	for (size_t i = 0; i < total; i++) {   /* changed files, then new ones */
		int is_new = i >= run.ts.walk.len;
		struct file_patch *fp = is_new ? run.created[i - run.ts.walk.len] : run.patches[i];
		if (!fp || !patch_has_edits(fp))
			continue;
		edits[n] = is_new ? (struct tree_edit){ .is_new = 1 } : run.read_as[i];
		edits[n].rel = fp->rel;
		edits[n].text = patch_render(fp, &edits[n].len);
		n++;
	}
	char *base = rc == 0 ? write_base(root, &run.ts.walk) : NULL;
	if (rc == 0 && !n)
		fprintf(stderr, "archport stub: nothing to change: no error for %s in %s\n", k->target, root);
	else if (rc == 0 && !o->force && refuse_dirty(base, edits, n))
		rc = -1;
	else if (rc == 0)
		rc = tree_write_all(base, edits, n);
	for (size_t i = 0; i < n; i++) {
		free(edits[i].text);
		sb_free(&edits[i].orig);
	}
	free(edits);
	free(base);
	free_run(&run, k);
	return rc;
}
