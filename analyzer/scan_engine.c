/* The scan engine: the index pass, the per-file front ends run in
 * parallel, and the post-pass that finds files the target build never
 * reads. cmd_scan.c drives it; the tests call it directly. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "arch_dirs.h"
#include "compile_db.h"
#include "deep_clang.h"
#include "rules.h"
#include "scan.h"

struct job {
	const struct tree_index *ix;
	struct file_scan *results;
	const size_t *order;
	atomic_size_t next;
};


void report_unreadable(struct finding_list *out, const char *rel, const char *why)
{
	warn_about("archport", rel, why);
	struct finding f = { RULE_INPUT, SEV_WARNING, (char *)rel, 1, 1, 1, 1, (char *)why, "none", NULL, NULL, NULL };
	findings_add(out, &f);
}

void scan_file(const struct tree_index *ix, size_t i, struct file_scan *r)
{
	const struct source_file *f = &ix->walk->files[i];
	struct textfile tf;
	char *why = NULL;
	if (textfile_read(f->path, &tf, &why) != 0) {
		report_unreadable(&r->findings, f->rel, why);
		free(why);
		return;
	}
	if (tf.has_nul)
		warn_about("archport", f->rel, "NUL bytes in a text file; read as spaces (stub keeps them)");
	for (size_t j = 0; tf.has_nul && j < tf.len; j++)
		if (tf.data[j] == '\0')
			tf.data[j] = ' ';
	r->lines = count_lines(tf.data, tf.len);
	r->scanned = 1;
	switch (f->kind) {
	case FK_C: scan_c(ix, (int)i, &tf, r); break;
	case FK_ASM_CPP: case FK_ASM: case FK_NASM: scan_asm(ix, (int)i, &tf, r); break;
	case FK_RUST: scan_rust(ix, (int)i, &tf, r); break;
	case FK_CARGO: break;   /* read by the Rust front end */
	default: scan_build(ix, (int)i, &tf, &r->findings); break;
	}
	textfile_free(&tf);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	struct job *job = arg;
	size_t n = job->ix->walk->len;
	for (size_t k; (k = atomic_fetch_add(&job->next, 1)) < n;)
		scan_file(job->ix, job->order[k], &job->results[job->order[k]]);
	return NULL;
}

/* The main thread's share of the work, with a progress line on a
 * terminal's stderr once the scan has taken a second (never in a pipe or
 * a CI log, where it would only be noise). */
static void main_worker(struct job *job)
{
	size_t n = job->ix->walk->len;
	int shown = 0;
	double start = now_seconds(), last = start;
	int tty = isatty(2) && !getenv("CI");
	for (size_t k; (k = atomic_fetch_add(&job->next, 1)) < n;) {
		scan_file(job->ix, job->order[k], &job->results[job->order[k]]);
		double t = tty ? now_seconds() : 0;
		if (tty && t - start > 1.0 && t - last > 0.2) {
			fprintf(stderr, "\rarchport: scanned %zu of %zu files", k + 1, n);
			shown = 1;
			last = t;
		}
	}
	if (shown)
		fputs("\r\033[K", stderr);
}

void scan_files(const struct tree_index *ix, struct file_scan *results, int jobs)
{
	/* Headers first: their own scans leave the summaries their includers use. */
	size_t n = ix->walk->len, k = 0;
	size_t *order = xcalloc(n ? n : 1, sizeof *order);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++)
			if (path_is_header(ix->walk->files[i].rel) == !pass)
				order[k++] = i;
	struct job job_data = { ix, results, order, 0 };
	struct job *job = &job_data;
	pthread_t *threads = xcalloc((size_t)jobs, sizeof *threads);
	int started = 0;
	for (int t = 1; t < jobs; t++)
		if (pthread_create(&threads[t], NULL, worker, job) == 0)
			started = t;
		else
			break;
	main_worker(job);   /* the main thread works too */
	for (int t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	free(order);
}

/* First pass, sequential: macro definitions and the build files. */
/* Build files first: their -I directories resolve the sources' includes. */
void scan_index_tree(struct tree_index *ix, const struct walk_result *w)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < w->len; i++) {
			const struct source_file *f = &w->files[i];
			int build = f->kind >= FK_MAKE;
			int c = f->kind == FK_C || f->kind == FK_ASM_CPP;
			if ((pass == 0 && !build) || (pass == 1 && !c))
				continue;
			struct textfile tf;
			char *why = NULL;
			if (textfile_read(f->path, &tf, &why) != 0) {
				free(why);
				continue;
			}
			if (build)
				index_build_file(ix, f, tf.data, tf.len);
			else
				index_defines(ix, (int)i, tf.data, tf.len);
			textfile_free(&tf);
		}
	index_finish(ix);
}

static void downgrade_to_notes(const struct knowledge *k, struct file_scan *r, const char *why)
{
	for (size_t j = 0; j < r->findings.len; j++) {
		struct finding *fd = &r->findings.items[j];
		if (fd->severity == SEV_NOTE || rule_is_input(fd->rule))   /* about the scan, not the port */
			continue;
		char *m = xasprintf("%s (%s)", fd->message, why);
		free(fd->message);
		fd->message = m;
		fd->severity = SEV_NOTE;
		fd->rule = k->source->rule_gated;
	}
}

/* A .c or .cpp file that another tree file #includes (the parts of a
 * unity build: `#ifdef HAVE_AVX2 #include "avx2-strstr.cpp"`), and that
 * the compile database, when there is one, does not compile on its own:
 * a header in all but its name, so the target build reads it only
 * through a live #include. Without a database, a file that is both
 * included and compiled alone is taken as included only (rare; a
 * database settles it). */
static int is_fragment(const struct tree_index *ix, const char *included, size_t i)
{
	return included[i] && !path_is_header(ix->walk->files[i].rel) && !compile_db_lists(ix->db, (int)i);
}

/* Spreads liveness from the files queued in `queue` (live[i] == mark)
 * along the include refs that `follow` admits; what it reaches gets
 * `mark`, and from_ref[i] the ref it came by. */
static size_t spread_live(const struct file_scan *results, char *live, char mark, size_t *queue, size_t tail,
			  int follow_unknown, const struct include_ref **from_ref, size_t *from_file)
{
	for (size_t head = 0; head < tail;) {
		size_t i = queue[head++];
		for (size_t j = 0; j < results[i].nrefs; j++) {
			const struct include_ref *ref = &results[i].refs[j];
			int follow = ref->reachable == TRI_TRUE || (follow_unknown && ref->reachable == TRI_UNKNOWN);
			if (!follow || live[ref->file])
				continue;
			live[ref->file] = mark;
			from_ref[ref->file] = ref;
			from_file[ref->file] = i;
			queue[tail++] = (size_t)ref->file;
		}
	}
	return tail;
}

/* Which files the target build really reads: sources the build does not
 * gate to other architectures, headers nothing includes (public API), and
 * whatever those include from code the target compiles. A header that is
 * included, but only from gated code or from gated files (a template
 * header behind an x86-only header, an x86 test the build makes only on
 * x86), is not read by the target build: gated[i] is set for it. One
 * that only #includes under a condition archport cannot decide reach
 * (`#ifdef HAVE_SSE` with HAVE_SSE in a Makefile variable of x86 goals)
 * may be read: GATED_MAYBE, and maybe_from[i] names the first such
 * #include (the caller frees it). */
void scan_find_gated(const struct tree_index *ix, const struct file_scan *results, char *gated,
		     char **maybe_from)
{
	size_t n = ix->walk->len, tail = 0;
	char *included = xcalloc(n ? n : 1, 1), *live = xcalloc(n ? n : 1, 1);
	size_t *queue = xcalloc(n ? n : 1, sizeof *queue), *from_file = xcalloc(n ? n : 1, sizeof *from_file);
	const struct include_ref **from_ref = xcalloc(n ? n : 1, sizeof *from_ref);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < results[i].nrefs; j++)
			if (results[i].refs[j].file != (int)i)
				included[results[i].refs[j].file] = 1;
	for (size_t i = 0; i < n; i++) {
		const struct source_file *f = &ix->walk->files[i];
		int source = (f->kind == FK_C || f->kind == FK_ASM_CPP) && !path_is_header(f->rel);
		if (arch_dirs_contains(ix->arch, f->rel))
			continue;   /* arch/x86_64/ of arch/$(ARCH): read only if something includes it */
		if (source && is_fragment(ix, included, i))
			continue;   /* read only through the files that include it */
		if ((source && !index_build_gated(ix, f->rel)) || (!source && !included[i])) {
			live[i] = 2;
			queue[tail++] = i;
		}
	}
	/* first what certain #includes reach, then what uncertain ones add */
	tail = spread_live(results, live, 2, queue, tail, 0, from_ref, from_file);
	spread_live(results, live, 1, queue, tail, 1, from_ref, from_file);
	for (size_t i = 0; i < n; i++) {
		int c = ix->walk->files[i].kind == FK_C;
		gated[i] = !c || live[i] == 2 ? 0
			 : live[i] == 1 ? GATED_MAYBE
			 : is_fragment(ix, included, i) ? GATED_FRAGMENT : GATED_FILE;
		if (gated[i] == GATED_MAYBE && maybe_from && from_ref[i] && from_ref[i]->line > 0)
			maybe_from[i] = xasprintf("%s:%d", ix->walk->files[from_file[i]].rel, from_ref[i]->line);
	}
	free(included);
	free(live);
	free(queue);
	free(from_ref);
	free(from_file);
}

/* Errors of a file the target build reads only if an undecided #include
 * holds: what breaks there breaks only then, as in an #if arm that
 * archport cannot decide. */
static void downgrade_to_warnings(struct file_scan *r, const char *target, const char *from)
{
	for (size_t j = 0; j < r->findings.len; j++) {
		struct finding *fd = &r->findings.items[j];
		if (fd->severity != SEV_ERROR || rule_is_input(fd->rule))
			continue;
		char *m = from ? xasprintf("%s (only if the #include at %s holds on %s, which archport cannot decide)",
					   fd->message, from, target)
			       : xasprintf("%s (only if an #include of this file under a condition archport cannot "
					   "decide holds on %s)", fd->message, target);
		free(fd->message);
		fd->message = m;
		fd->severity = SEV_WARNING;
	}
}

/* A file the target build does not read (see scan_find_gated): its x86
 * code is already handled, so its findings become notes. */
void scan_apply_gating(const struct tree_index *ix, size_t i, struct file_scan *r, int gated,
		       const char *maybe_from)
{
	if (!gated)
		return;
	if (gated == GATED_MAYBE) {
		downgrade_to_warnings(r, ix->k->target, maybe_from);
		return;
	}
	if (arch_dirs_contains(ix->arch, ix->walk->files[i].rel)) {
		downgrade_to_notes(ix->k, r, "the build picks this directory by architecture, on x86 only");
		return;
	}
	downgrade_to_notes(ix->k, r, gated == GATED_FRAGMENT
			      ? "only code gated out for this target includes this file"
			      : path_is_header(ix->walk->files[i].rel)
			      ? "only code gated out for this target includes this header"
			      : "the build compiles this file only for other architectures or systems");
}



int tree_scan_run(struct tree_scan *ts, const struct knowledge *k, const char *root, int jobs)
{
	return tree_scan_run_db(ts, k, root, jobs, NULL);
}

int tree_scan_run_db(struct tree_scan *ts, const struct knowledge *k, const char *root, int jobs,
		     const char *compile_commands)
{
	memset(ts, 0, sizeof *ts);
	if (walk_tree(root, &ts->walk) != 0)
		return -1;
	struct walk_result *w = &ts->walk;
	index_init(&ts->ix, k, w);
	ts->ix.arch = ts->arch = arch_dirs_find(w, k->target);
	double t0 = now_seconds();
	scan_index_tree(&ts->ix, w);
	char *db_path = deep_find_database(root, compile_commands);
	if (db_path)
		ts->ix.db = compile_db_load(db_path, root, &ts->ix);
	free(db_path);
	double t1 = now_seconds();
	ts->ix.includes = include_cache_new(w->len);
	ts->results = xcalloc(w->len ? w->len : 1, sizeof *ts->results);
	cargo_manifests_load(&ts->ix.cargo, &ts->ix);
	scan_files(&ts->ix, ts->results, jobs);
	if (getenv("ARCHPORT_TIMING"))
		fprintf(stderr, "archport: %s: index %.3f s, scan %.3f s (%zu files, %d jobs)\n", root, t1 - t0,
			now_seconds() - t1, w->len, jobs);
	char *gated = xcalloc(w->len ? w->len : 1, 1);
	char **maybe_from = xcalloc(w->len ? w->len : 1, sizeof *maybe_from);
	scan_find_gated(&ts->ix, ts->results, gated, maybe_from);
	for (size_t i = 0; i < w->len; i++) {
		scan_apply_gating(&ts->ix, i, &ts->results[i], gated[i], maybe_from[i]);
		free(maybe_from[i]);
	}
	free(maybe_from);
	free(gated);
	char *rust_state = rust_apply_gating(&ts->ix, ts->results);
	rust_check_uses(&ts->ix, ts->results, rust_state);
	free(rust_state);
	return 0;
}

void tree_scan_free(struct tree_scan *ts)
{
	for (size_t i = 0; i < ts->walk.len && ts->results; i++) {
		findings_free(&ts->results[i].findings);
		free(ts->results[i].refs);
		rust_facts_free(ts->results[i].rust);
	}
	free(ts->results);
	include_cache_free(ts->ix.includes);
	arch_dirs_free(ts->arch);
	index_free(&ts->ix);
	walk_free(&ts->walk);
	memset(ts, 0, sizeof *ts);
}
