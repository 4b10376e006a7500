/* `archport verify`: proves a stub patch on a scratch copy of the tree.
 *
 * Steps, one table line each:
 *   patch           `archport stub` on a pristine copy (or --patch FILE)
 *   source before   build the unpatched copy for the source of the port
 *   source after    build a patched copy for the source
 *   source objects  every object of the two source builds, byte for byte
 *   target build    build a patched copy for the target
 *   tests           run the target's tests (under qemu-user when cross)
 *
 * The source is the host, x86_64, and the target a cross compiler; in the
 * reverse port (--target x86_64) the roles swap: the source is the aarch64
 * cross build and the target builds and runs its tests natively.
 *
 * Every build happens in the same directory, <scratch>/tree (and
 * <scratch>/build for CMake and Cargo), because the compiler writes the
 * build directory and source paths into the debug info: two copies at
 * different paths never give identical `-g` objects. A finished build is
 * renamed aside (before/, after/) and the next copy takes its place.
 *
 * The patch comes from running this same program's `stub` command, so
 * verify does not depend on the patch writers being linked in. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "build_run.h"
#include "commands.h"

/* A test that runs longer than this (seconds, --test-timeout) under QEMU
 * is reported as hung. */
#define TEST_TIMEOUT 300

enum result { SKIPPED, OK, FAIL };
enum step_id { ST_PATCH, ST_SOURCE_BEFORE, ST_SOURCE_AFTER, ST_OBJECTS, ST_TARGET, ST_TESTS, NSTEPS };

struct step {
	enum result res;
	char *detail;
	char *log;           /* shown when the step failed */
};

struct verify {
	const char *path, *test_cmd, *patch_in, *system;
	struct build_job job;
	int simde, keep, test_timeout;
	char *logs, *patch;
	int patch_files;     /* 0: empty patch, nothing to apply */
	struct step steps[NSTEPS];
};

static void step_set(struct verify *v, enum step_id id, enum result res, char *detail)
{
	free(v->steps[id].detail);
	v->steps[id].res = res;
	v->steps[id].detail = detail;
}

static char *log_path(const struct verify *v, const char *name)
{
	return xasprintf("%s/%s.log", v->logs, name);
}

/* ---- the patch ---- */

/* Writes <scratch>/stub.patch: the given file, or `archport stub` run on
 * the pristine copy in <scratch>/tree. */
static void get_patch(struct verify *v)
{
	struct step *s = &v->steps[ST_PATCH];
	s->log = log_path(v, "patch");
	int rc;
	if (v->patch_in) {
		rc = copy_file(v->patch_in, v->patch, 0644);
	} else {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n < 0) {
			step_set(v, ST_PATCH, FAIL, xasprintf("cannot find this program: /proc/self/exe: %s",
							      strerror(errno)));
			return;
		}
		self[n] = '\0';
		struct cmd c = { .cwd = v->job.scratch, .log = s->log };
		const char *args[] = { self, "stub", "--target", v->job.target->name, v->job.tree, "-o", v->patch };
		for (size_t i = 0; i < sizeof args / sizeof *args; i++)
			sv_push(&c.argv, args[i]);
		if (v->simde)
			sv_push(&c.argv, "--simde");
		rc = run_cmd(&c);
		cmd_free(&c);
	}
	if (rc != 0) {
		char *why = first_error(s->log);
		step_set(v, ST_PATCH, FAIL, xasprintf("archport stub failed: %s", why));
		free(why);
		return;
	}
	struct patch_stats ps;
	patch_stats(v->patch, &ps);
	v->patch_files = ps.files;
	const char *from = v->patch_in ? v->patch_in : "archport stub";
	if (!ps.files && ps.text)
		step_set(v, ST_PATCH, FAIL, xasprintf("%s: not a unified diff", from));
	else if (!ps.files)
		step_set(v, ST_PATCH, OK, xasprintf("empty patch (%s)", from));
	else
		step_set(v, ST_PATCH, OK, xasprintf("%d file%s, +%d -%d (%s)", ps.files, ps.files == 1 ? "" : "s",
						    ps.added, ps.removed, from));
}

/* Applies the patch to <scratch>/tree. --forward: a patch that looks
 * reversed is an error, never silently un-applied; rejects are discarded
 * so that the tree holds no .rej files. */
static int apply_patch(struct verify *v)
{
	if (!v->patch_files)
		return 0;
	int rc = apply_patch_file(v->job.tree, v->patch, v->steps[ST_PATCH].log);
	if (rc != 0) {
		char *why = first_error(v->steps[ST_PATCH].log);
		step_set(v, ST_PATCH, FAIL, xasprintf("does not apply: %s", why));
		free(why);
	}
	return rc ? -1 : 0;
}

static void build_step(struct verify *v, enum step_id id, int target, const char *logname)
{
	struct step *s = &v->steps[id];
	s->log = log_path(v, logname);
	int rc = build_run(&v->job, target, s->log);
	if (rc == 0) {
		step_set(v, id, OK, build_summary(&v->job, target));
	} else {
		char *why = first_error(s->log);
		step_set(v, id, FAIL, xasprintf("build failed: %s", why));
		free(why);
	}
}

/* An object that changed, or that the patched source build no longer
 * makes, fails; a new object (a stub file compiled to nothing on the
 * source) is reported but allowed: the objects that existed stay identical. */
static void compare_step(struct verify *v, const char *before, const char *after)
{
	struct comparison cmp = {0};
	compare_objects(before, after, &cmp);
	v->steps[ST_OBJECTS].log = log_path(v, "objects");
	write_comparison(v->steps[ST_OBJECTS].log, &cmp);
	size_t total = cmp.identical.len + cmp.differ.len + cmp.missing.len;
	char *added = cmp.added.len ? xasprintf(", %zu new", cmp.added.len) : xstrdup("");
	if (cmp.differ.len || cmp.missing.len) {
		const struct strvec *bad = cmp.differ.len ? &cmp.differ : &cmp.missing;
		char *names = some_names(bad);
		step_set(v, ST_OBJECTS, FAIL, xasprintf("%zu of %zu %s %s: %s", bad->len, total, comparison_kind(&cmp),
							cmp.differ.len ? "differ" : "missing after", names));
		free(names);
	} else if (!total) {
		step_set(v, ST_OBJECTS, SKIPPED, xasprintf("no object, executable or library found%s", added));
	} else if (cmp.linked) {
		step_set(v, ST_OBJECTS, OK, xasprintf("%zu linked file%s identical (the build leaves no object)%s",
						      total, total == 1 ? "" : "s", added));
	} else {
		step_set(v, ST_OBJECTS, OK, xasprintf("%zu object%s identical%s", total, total == 1 ? "" : "s", added));
	}
	free(added);
	comparison_free(&cmp);
}

/* ---- tests ---- */

/* Test programs by the usual names: test_x, x_test, tests/x, check_x. */
static int looks_like_test(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;
	if (strstr(base, ".so"))
		return 0;
	if (str_starts(base, "test") || str_starts(base, "check"))
		return 1;
	static const char *const tails[] = { "_test", "-test", "_tests", "-tests", "_check", "_unittest" };
	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++)
		if (str_ends(base, tails[i]))
			return 1;
	if (!slash)
		return 0;
	size_t dirlen = (size_t)(slash - rel);
	const char *dir = memrchr(rel, '/', dirlen);
	dir = dir ? dir + 1 : rel;
	size_t n = (size_t)(slash - dir);
	return (n == 4 && !strncmp(dir, "test", 4)) || (n == 5 && !strncmp(dir, "tests", 5));
}

/* An ELF executable (or PIE) for the target: the header's type and machine.
 * All three targets are little-endian. */
static int target_executable(const char *path, int machine)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, h, sizeof h);
	close(fd);
	if (n != (ssize_t)sizeof h || memcmp(h, "\177ELF", 4) || h[5] != 1)
		return 0;
	int type = h[16] | h[17] << 8, mach = h[18] | h[19] << 8;
	return (type == 2 || type == 3) && mach == machine;
}

static int is_target_test(const void *ctx, const char *rel, const char *full, const struct stat *st)
{
	const struct verify *v = ctx;
	return (st->st_mode & S_IXUSR) && looks_like_test(rel) && target_executable(full, v->job.target->elf_machine);
}

static void find_tests(const struct verify *v, const char *rel, struct strvec *out)
{
	collect_files(v->job.tree, rel, is_target_test, v, 1, out);
}

/* Whether a Makefile has a rule for `name` ("name:" but not "name :="). */
static int makefile_has_target(const struct verify *v, const char *name)
{
	static const char *const files[] = { "GNUmakefile", "makefile", "Makefile" };
	int found = 0;
	for (size_t i = 0; i < 3 && !found; i++) {
		char *path = xasprintf("%s/%s", v->job.tree, files[i]);
		char *text = read_all(path);
		free(path);
		if (!text)
			continue;
		size_t n = strlen(name);
		for (const char *line = text; *line && !found; line += strcspn(line, "\n"), line += *line == '\n') {
			const char *p = line + n;
			if (strncmp(line, name, n) || (*p != ':' && *p != ' ' && *p != '\t'))
				continue;
			p += strspn(p, " \t");
			found = p[0] == ':' && p[1] != '=';
		}
		free(text);
	}
	return found;
}

static char *status_words(const struct verify *v, int rc)
{
	if (rc == RUN_TIMEOUT)
		return xasprintf("hung, killed after %d s", v->test_timeout);
	if (rc == RUN_FAILED)
		return xstrdup("could not run");
	if (rc > 128)
		return xasprintf("killed by signal %d", rc - 128);
	return xasprintf("exit %d", rc);
}

static int run_one_test(const struct verify *v, const char *rel, const char *log)
{
	struct cmd c = { .cwd = v->job.tree, .log = log, .timeout = v->test_timeout };
	build_env(&v->job, &c, 1, 1);
	if (build_is_cross(&v->job, 1)) {
		sv_add(&c.argv, xasprintf("qemu-%s", v->job.target->name));
		sv_push(&c.argv, "-L");
		sv_add(&c.argv, xasprintf("/usr/%s", v->job.target->triple));
	}
	sv_add(&c.argv, xasprintf("./%s", rel));
	int rc = run_cmd(&c);
	cmd_free(&c);
	return rc;
}

/* Make (and --build) trees: the target's test executables the build made,
 * each run from the tree's top directory as `make test` would. A Makefile
 * whose default goal does not build them gets `make test` (or `check`)
 * first: it builds them, and its attempt to run them natively fails, which
 * is expected and only in the log. */
static void run_found_tests(struct verify *v, const char *log)
{
	struct strvec tests = {0};
	find_tests(v, "", &tests);
	const char *goal = makefile_has_target(v, "test") ? "test" : makefile_has_target(v, "check") ? "check" : NULL;
	if (!tests.len && goal && v->job.bs == BS_MAKE) {
		struct cmd c = { .cwd = v->job.tree, .log = log };
		build_env(&v->job, &c, 1, 1);
		make_argv(&v->job, 1, &c.argv);
		sv_push(&c.argv, goal);
		run_cmd(&c);
		cmd_free(&c);
		find_tests(v, "", &tests);
	}
	if (tests.len)
		qsort(tests.v, tests.len, sizeof *tests.v, cmp_str);
	size_t passed = 0;
	struct strbuf bad = {0};
	for (size_t i = 0; i < tests.len; i++) {
		int rc = run_one_test(v, tests.v[i], log);
		if (rc == 0) {
			passed++;
			continue;
		}
		char *words = status_words(v, rc);
		sb_addf(&bad, "%s%s (%s)", bad.len ? ", " : "", tests.v[i], words);
		free(words);
	}
	if (!tests.len)
		step_set(v, ST_TESTS, SKIPPED, xstrdup("no test executables found (test_*, *_test, tests/*)"));
	else if (passed == tests.len)
		step_set(v, ST_TESTS, OK, xasprintf("%zu/%zu passed", passed, tests.len));
	else
		step_set(v, ST_TESTS, FAIL, xasprintf("%zu/%zu passed; failed: %s", passed, tests.len, bad.buf));
	sb_free(&bad);
	sv_free(&tests);
}

/* ctest, with the emulator CMake was configured with. */
static void run_ctest(struct verify *v, const char *log)
{
	struct cmd c = { .cwd = v->job.build, .log = log };
	build_env(&v->job, &c, 1, 1);
	const char *args[] = { "ctest", "--output-on-failure", "--timeout" };
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&c.argv, args[i]);
	sv_add(&c.argv, xasprintf("%d", v->test_timeout));
	sv_add(&c.argv, xasprintf("-j%d", v->job.jobs));
	int rc = run_cmd(&c);
	cmd_free(&c);
	char *text = read_all(log);
	const char *summary = text ? strstr(text, "% tests passed, ") : NULL;
	int pct, failed = 0, total = 0;
	while (summary && summary > text && summary[-1] != '\n')
		summary--;
	if (text && strstr(text, "No tests were found"))
		step_set(v, ST_TESTS, SKIPPED, xstrdup("ctest: no tests"));
	else if (summary && sscanf(summary, "%d%% tests passed, %d tests failed out of %d", &pct, &failed, &total) == 3)
		step_set(v, ST_TESTS, rc == 0 && !failed ? OK : FAIL,
			 xasprintf("ctest: %d/%d passed", total - failed, total));
	else
		step_set(v, ST_TESTS, rc == 0 ? OK : FAIL, xasprintf("ctest: exit %d", rc));
	free(text);
}

/* --test CMD, or cargo test with QEMU as the runner: the exit status. */
static void run_test_command(struct verify *v, const char *log)
{
	struct cmd c = { .cwd = v->job.tree, .log = log };
	build_env(&v->job, &c, 1, !v->test_cmd);
	if (v->test_cmd) {
		shell_argv(v->test_cmd, &c.argv);
	} else {
		cargo_env(&v->job, 1, &c);
		cargo_argv(&v->job, 1, "test", &c.argv);
	}
	int rc = run_cmd(&c);
	cmd_free(&c);
	char *words = status_words(v, rc);
	const char *what = v->test_cmd ? "--test" : "cargo test";
	if (rc == 0) {
		step_set(v, ST_TESTS, OK, xasprintf("%s passed", what));
	} else {
		char *why = first_error(log);
		step_set(v, ST_TESTS, FAIL, xasprintf("%s: %s: %s", what, words, why));
		free(why);
	}
	free(words);
}

static void test_step(struct verify *v)
{
	struct step *s = &v->steps[ST_TESTS];
	s->log = log_path(v, "tests");
	if (v->test_cmd || v->job.bs == BS_CARGO)
		run_test_command(v, s->log);
	else if (v->job.bs == BS_CMAKE)
		run_ctest(v, s->log);
	else
		run_found_tests(v, s->log);
}

/* ---- the whole run ---- */

/* A fresh copy of PATH at <scratch>/tree, and no build directory. */
static int fresh_tree(struct verify *v)
{
	return build_fresh_copy(&v->job, v->path);
}

/* Moves the finished build to <scratch>/<name> (and <name>-build). */
static int stash(struct verify *v, const char *name)
{
	char *t = xasprintf("%s/%s", v->job.scratch, name);
	char *b = xasprintf("%s/%s-build", v->job.scratch, name);
	int rc = rename(v->job.tree, t);
	if (rc == 0 && path_exists(v->job.build))
		rc = rename(v->job.build, b);
	if (rc)
		fprintf(stderr, "archport verify: cannot move %s aside: %s\n", v->job.tree, strerror(errno));
	free(t);
	free(b);
	return rc;
}

static void skip_rest(struct verify *v, enum step_id from, const char *why)
{
	for (int i = from; i < NSTEPS; i++)
		if (!v->steps[i].detail)
			step_set(v, (enum step_id)i, SKIPPED, xstrdup(why));
}

/* Where the objects of a stashed source build are. */
static char *objects_dir(const struct verify *v, const char *name)
{
	if (v->job.bs == BS_CMAKE || v->job.bs == BS_CARGO)
		return xasprintf("%s/%s-build", v->job.scratch, name);
	return xasprintf("%s/%s", v->job.scratch, name);
}

static void source_builds(struct verify *v)
{
	build_step(v, ST_SOURCE_AFTER, 0, "source-after");
	if (stash(v, "after") != 0)
		return;
	if (v->steps[ST_SOURCE_BEFORE].res != OK || v->steps[ST_SOURCE_AFTER].res != OK)
		step_set(v, ST_OBJECTS, SKIPPED, xasprintf("one of the %s builds failed", v->job.source->name));
	else {
		char *before = objects_dir(v, "before"), *after = objects_dir(v, "after");
		compare_step(v, before, after);
		free(before);
		free(after);
	}
}

/* The toolchain on PATH (rustup's, say) may lack the standard library of
 * a cross side that Debian's /usr/bin/rustc has (libstd-rust-dev:arm64):
 * then Debian's cargo, rustc and rustdoc build both sides. */
static void choose_rust(struct verify *v)
{
	char *log = log_path(v, "rustc");
	rust_choose_bin(&v->job, log);
	free(log);
}

/* A cross side without its Rust standard library would fail on `core`,
 * which says nothing about the tree: the steps from `from` on are skipped
 * with the reason. Returns 1 then. */
static int rust_missing(struct verify *v, int target, enum step_id from)
{
	if (v->job.bs != BS_CARGO || !build_is_cross(&v->job, target))
		return 0;
	char *log = log_path(v, "rustc");
	int yes = rust_target_installed(&v->job, target, v->job.rust_bin, log);
	free(log);
	if (yes)
		return 0;
	const char *rust = build_arch(&v->job, target)->rust;
	char *why = xasprintf("Rust target %s is not installed (rustup target add %s)", rust, rust);
	skip_rest(v, from, why);
	free(why);
	return 1;
}

/* Returns -1 on an I/O error that stops the run (already reported). */
static int run_steps(struct verify *v)
{
	if (fresh_tree(v))
		return -1;
	get_patch(v);
	if (v->steps[ST_PATCH].res != OK) {
		skip_rest(v, ST_SOURCE_BEFORE, "no patch");
		return 0;
	}
	if (v->job.bs == BS_CARGO)
		choose_rust(v);
	if (rust_missing(v, 0, ST_SOURCE_BEFORE))
		return 0;
	build_step(v, ST_SOURCE_BEFORE, 0, "source-before");
	if (stash(v, "before") || fresh_tree(v))
		return -1;
	if (apply_patch(v)) {
		skip_rest(v, ST_SOURCE_BEFORE + 1, "the patch does not apply");
		return 0;
	}
	source_builds(v);
	if (fresh_tree(v) || apply_patch(v))
		return -1;
	if (rust_missing(v, 1, ST_TARGET))
		return 0;
	build_step(v, ST_TARGET, 1, "target");
	if (v->steps[ST_TARGET].res != OK)
		skip_rest(v, ST_TESTS, "the target build failed");
	else
		test_step(v);
	return 0;
}

/* ---- options and output ---- */

static void usage_verify(FILE *out)
{
	fputs("usage: archport verify [PATH] [--target aarch64|riscv64|x86_64] [--build CMD] [--test CMD]\n"
	      "                       [--patch FILE] [--system make|cmake|cargo] [--simde] [--keep] [-j N]\n"
	      "                       [--test-timeout SECONDS]\n"
	      "Builds scratch copies of PATH for the source before and after `archport stub`'s patch\n"
	      "(or --patch FILE), compares the objects byte for byte, builds for the target and runs\n"
	      "the tests (under qemu-user when cross). The source is the host, x86_64; with --target\n"
	      "x86_64 it is aarch64, built with the cross compiler, and the tests run natively.\n"
	      "It runs the tree's build and tests, in its scratch copy only: use it on trees whose\n"
	      "build you would run yourself.\n"
	      "Exit status: 0 all steps passed, 1 a step failed, 2 usage.\n", out);
}

/* Returns -1 when an option is unknown or lacks its value; `*i` moves
 * past a consumed value. */
static int parse_option(struct verify *v, int argc, char **argv, int *i, const char **target)
{
	const char *a = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	const char **slot = !strcmp(a, "--target") ? target : !strcmp(a, "--build") ? &v->job.build_cmd
			  : !strcmp(a, "--test") ? &v->test_cmd : !strcmp(a, "--patch") ? &v->patch_in
			  : !strcmp(a, "--system") ? &v->system : NULL;
	int *num = !strcmp(a, "-j") ? &v->job.jobs : !strcmp(a, "--test-timeout") ? &v->test_timeout : NULL;
	if (slot || num) {
		if (!val)
			return -1;
		++*i;
		if (slot)
			*slot = val;
		else if ((*num = atoi(val)) < 1 || *num > 86400)
			return -1;
	} else if (!strcmp(a, "--simde")) {
		v->simde = 1;
	} else if (!strcmp(a, "--keep")) {
		v->keep = 1;
	} else {
		return -1;
	}
	return 0;
}

static int usage_error(const char *fmt, const char *what)
{
	fputs("archport verify: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return 2;
}

static int parse_args(int argc, char **argv, struct verify *v)
{
	const char *target = "aarch64";
	v->job.jobs = 2;
	v->test_timeout = TEST_TIMEOUT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage_verify(stdout);
			exit(0);
		}
		if (argv[i][0] != '-' || !argv[i][1]) {
			if (v->path)
				return usage_error("one PATH only (got '%s' too)", argv[i]);
			v->path = argv[i];
		} else if (parse_option(v, argc, argv, &i, &target)) {
			usage_error("unknown option or missing value: %s", argv[i]);
			usage_verify(stderr);
			return 2;
		}
	}
	if (!v->path)
		v->path = ".";
	if (!(v->job.target = arch_named(target)))
		return usage_error("unknown target '%s' (aarch64, riscv64, x86_64)", target);
	v->job.source = arch_source_of(v->job.target);
	struct stat st;
	if (stat(v->path, &st) != 0 || !S_ISDIR(st.st_mode))
		return usage_error("%s: no such directory", v->path);
	if (v->patch_in && access(v->patch_in, R_OK) != 0)
		return usage_error("--patch %s: cannot read it", v->patch_in);
	return build_detect(&v->job, v->path, v->system, "verify") ? 2 : 0;
}

static int make_scratch(struct verify *v)
{
	if (build_scratch(&v->job, "verify") != 0)
		return -1;
	v->logs = xasprintf("%s/logs", v->job.scratch);
	v->patch = xasprintf("%s/stub.patch", v->job.scratch);
	if (mkdir(v->logs, 0755) != 0) {
		fprintf(stderr, "archport verify: %s: %s\n", v->logs, strerror(errno));
		return -1;
	}
	return 0;
}

/* "host" for a native source build, else its arch ("aarch64 build, before"). */
static const char *source_title(const struct verify *v)
{
	return build_is_cross(&v->job, 0) ? v->job.source->name : "host";
}

static const char *step_title(const struct verify *v, int id, char *buf, size_t n)
{
	switch (id) {
	case ST_PATCH: return "patch";
	case ST_SOURCE_BEFORE: snprintf(buf, n, "%s build, before", source_title(v)); return buf;
	case ST_SOURCE_AFTER: snprintf(buf, n, "%s build, after", source_title(v)); return buf;
	case ST_OBJECTS: snprintf(buf, n, "%s objects", v->job.source->name); return buf;
	case ST_TARGET: snprintf(buf, n, "%s build", v->job.target->name); return buf;
	default:
		snprintf(buf, n, build_is_cross(&v->job, 1) ? "tests under qemu-%s" : "tests (native, %s)",
			 v->job.target->name);
		return buf;
	}
}

/* Prints the table; returns 1 when a step failed. */
static int print_table(const struct verify *v)
{
	static const char *const words[] = { "skipped", "ok", "FAIL" };
	printf("archport verify %s --target %s (%s)\n", v->path, v->job.target->name, buildsys_names[v->job.bs]);
	printf("  %-26s %-8s %s\n", "step", "result", "detail");
	int failed = 0;
	for (int i = 0; i < NSTEPS; i++) {
		char buf[64];
		const struct step *s = &v->steps[i];
		printf("  %-26s %-8s %s\n", step_title(v, i, buf, sizeof buf), words[s->res], s->detail ? s->detail : "");
		failed |= s->res == FAIL;
	}
	for (int i = 0; i < NSTEPS; i++) {
		char buf[64];
		if (v->steps[i].res == FAIL && v->steps[i].log && path_exists(v->steps[i].log))
			printf("  log of %s: %s\n", step_title(v, i, buf, sizeof buf), v->steps[i].log);
	}
	return failed;
}

/* Removes the scratch directory; after a failure its logs stay, since the
 * table points at them. */
static void clean_up(const struct verify *v, int failed)
{
	if (v->keep) {
		fprintf(stderr, "archport verify: kept %s (before/, after/: %s builds; tree/: target build; logs/)\n",
			v->job.scratch, v->job.source->name);
		return;
	}
	if (!failed) {
		rm_rf(v->job.scratch);
		return;
	}
	static const char *const trees[] = { "tree", "build", "before", "before-build", "after", "after-build" };
	for (size_t i = 0; i < sizeof trees / sizeof *trees; i++) {
		char *p = xasprintf("%s/%s", v->job.scratch, trees[i]);
		rm_rf(p);
		free(p);
	}
}

static void verify_free(struct verify *v)
{
	for (int i = 0; i < NSTEPS; i++) {
		free(v->steps[i].detail);
		free(v->steps[i].log);
	}
	build_job_release(&v->job);
	free(v->logs);
	free(v->patch);
}

int cmd_verify(int argc, char **argv)
{
	struct verify v = { .job.rust_bin = "" };
	int rc = parse_args(argc, argv, &v);
	if (rc == 0 && make_scratch(&v) != 0)
		rc = 2;
	signal(SIGINT, build_on_signal);
	signal(SIGTERM, build_on_signal);
	signal(SIGHUP, build_on_signal);
	if (rc == 0 && run_steps(&v) != 0)
		rc = 2;   /* an I/O error, reported; nothing was verified */
	if (rc == 0)
		rc = print_table(&v);
	if (v.job.scratch)
		clean_up(&v, rc != 0);
	verify_free(&v);
	return rc;
}
