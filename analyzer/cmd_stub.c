/* `archport stub [PATH] [--target T] [-o PATCH | --write [--force]] [--simde]` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build_run.h"
#include "commands.h"
#include "knowledge.h"
#include "scan.h"
#include "stub.h"

static void usage_stub(FILE *out)
{
	fputs("usage: archport stub [PATH] [--target aarch64|riscv64|x86_64] [-o PATCH | --write [--force]] [--simde]\n", out);
}

/* The errors a scan still finds in the tree as the patch leaves it: what
 * no rule could fix. `patch` NULL: the tree was written (--write); else a
 * copy of it gets the patch in a temporary directory. */
static void list_left(const char *root, const struct stub_options *o, const struct strbuf *patch)
{
	struct build_job job = {0};
	char *copy = NULL, *file = NULL;
	const char *scanned = root;
	if (patch && patch->len) {
		if (build_scratch(&job, "stub") != 0)
			return;
		copy = job.tree;
		file = xasprintf("%s/stub.patch", job.scratch);
		char *log = xasprintf("%s/patch.log", job.scratch);
		int ok = mkdir(copy, 0755) == 0 && copy_tree(root, copy, 1, 0) == 0 &&
			 write_output(file, patch->buf, patch->len) == 0 && apply_patch_file(copy, file, log) == 0;
		free(log);
		scanned = ok ? copy : NULL;
	}
	struct knowledge *k = scanned ? knowledge_load(o->target) : NULL;
	struct tree_scan ts;
	if (k && tree_scan_run_db(&ts, k, scanned, o->jobs > 0 ? o->jobs : 2, o->compile_commands) == 0) {
		struct finding_list left = {0};
		for (size_t i = 0; i < ts.walk.len; i++)
			for (size_t j = 0; j < ts.results[i].findings.len; j++)
				if (ts.results[i].findings.items[j].severity == SEV_ERROR &&
				    !stub_simde_covers(k, o, &ts.results[i].findings.items[j]))
					findings_add(&left, &ts.results[i].findings.items[j]);
		findings_sort(&left);
		if (left.len)
			fprintf(stderr, "archport stub: %zu error%s left that no rule fixes (lines of the patched files):\n",
				left.len, left.len == 1 ? "" : "s");
		for (size_t i = 0; i < left.len; i++) {
			const struct finding *f = &left.items[i];
			fputs("  ", stderr);
			fput_escaped(stderr, f->file, strlen(f->file), 0);
			fprintf(stderr, ":%d:%d: ", f->line, f->column);
			fput_escaped(stderr, f->message, strlen(f->message), 0);
			fprintf(stderr, " [%s]\n", f->rule);
		}
		findings_free(&left);
		tree_scan_free(&ts);
	}
	knowledge_free(k);
	if (job.scratch)
		rm_rf(job.scratch);
	free(file);
	build_job_release(&job);
}

int cmd_stub(int argc, char **argv)
{
	struct stub_options o = { .target = "aarch64" };
	const char *path = ".", *out = NULL;
	int write = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--target") && v)
			o.target = argv[++i];
		else if (!strcmp(a, "-o") && v)
			out = argv[++i];
		else if (!strcmp(a, "--write"))
			write = 1;
		else if (!strcmp(a, "--simde"))
			o.simde = 1;
		else if (!strcmp(a, "--force"))
			o.force = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_stub(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "archport stub: unknown option or missing value: %s\n", a);
			usage_stub(stderr);
			return 2;
		} else {
			path = a;
		}
	}
	if (write && out) {
		fprintf(stderr, "archport stub: -o and --write exclude each other\n");
		return 2;
	}
	if (write) {
		int rc = stub_write(path, &o) == 0 ? 0 : 2;
		if (rc == 0)
			list_left(path, &o, NULL);
		return rc;
	}
	struct strbuf patch = {0};
	int rc = stub_tree(path, &o, &patch) == 0 && write_output(out, patch.buf, patch.len) == 0 ? 0 : 2;
	if (rc == 0 && !patch.len)   /* the empty patch on stdout says nothing to a person */
		fprintf(stderr, "archport stub: nothing to change: no error for %s in %s\n", o.target, path);
	else if (rc == 0)
		list_left(path, &o, &patch);
	sb_free(&patch);
	return rc;
}
