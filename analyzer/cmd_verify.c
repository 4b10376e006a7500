/* `archport verify`: proves a stub patch on a scratch copy of the tree.
 *
 * Steps, one table line each:
 *   patch           `archport stub` on a pristine copy (or --patch FILE)
 *   host before     build the unpatched copy for the host
 *   host after      build a patched copy for the host
 *   host objects    every object of the two host builds, byte for byte
 *   target build    build a patched copy with the cross compiler
 *   tests           run the target's tests under qemu-user
 *
 * Every build happens in the same directory, <scratch>/tree (and
 * <scratch>/build for CMake and Cargo), because the compiler writes the
 * build directory and source paths into the debug info: two copies at
 * different paths never give identical `-g` objects. A finished build is
 * renamed aside (before/, after/) and the next copy takes its place.
 *
 * The patch comes from running this same program's `stub` command, so
 * verify does not depend on the patch writers being linked in. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "util.h"

/* The cross libc for the emulated program. With -L alone the cross ld.so
 * reads the host's ld.so.cache, which points at the multiarch libc6:arm64
 * that libstd-rust-dev:arm64 pulls in: a different glibc build than the
 * cross loader, and the pair hangs in the first pthread_create. */
#define QEMU_LIBS "LD_LIBRARY_PATH=/usr/%s/lib"

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#else
#define HOST_ARCH "host"
#endif

/* A test that runs longer than this (seconds, --test-timeout) under QEMU
 * is reported as hung. */
#define TEST_TIMEOUT 300
/* run_cmd's results besides an exit status (0..255, 128+signal). */
#define RUN_FAILED (-1)
#define RUN_TIMEOUT (-2)

struct arch {
	const char *name;    /* --target value, CMAKE_SYSTEM_PROCESSOR */
	const char *triple;  /* compiler prefix; the sysroot is /usr/<triple> */
	const char *rust;    /* Rust target triple */
	int elf_machine;     /* e_machine of its executables */
};

static const struct arch arches[] = {
	{ "aarch64", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu", 183 },
	{ "riscv64", "riscv64-linux-gnu", "riscv64gc-unknown-linux-gnu", 243 },
	{ "x86_64", "x86_64-linux-gnu", "x86_64-unknown-linux-gnu", 62 },
};

enum buildsys { BS_CUSTOM, BS_MAKE, BS_CMAKE, BS_CARGO };
static const char *const buildsys_names[] = { "--build", "make", "cmake", "cargo" };

enum result { SKIPPED, OK, FAIL };
enum step_id { ST_PATCH, ST_HOST_BEFORE, ST_HOST_AFTER, ST_OBJECTS, ST_TARGET, ST_TESTS, NSTEPS };

struct step {
	enum result res;
	char *detail;
	char *log;           /* shown when the step failed */
};

struct verify {
	const char *path, *build_cmd, *test_cmd, *patch_in, *system;
	const struct arch *target;
	int simde, keep, jobs, test_timeout;
	enum buildsys bs;
	char *epoch;         /* SOURCE_DATE_EPOCH, the same for every build */
	char *scratch, *tree, *build, *logs, *patch;
	int patch_files;     /* 0: empty patch, nothing to apply */
	const char *rust_bin;  /* where cargo/rustc/rustdoc come from: "" (PATH) or "/usr/bin/" */
	struct step steps[NSTEPS];
};

/* ---- small helpers ---- */

struct strvec {
	char **v;            /* NULL-terminated */
	size_t len, cap;
};

static void sv_add(struct strvec *s, char *owned)
{
	grow_array((void **)&s->v, &s->cap, s->len + 2, sizeof *s->v);
	s->v[s->len++] = owned;
	s->v[s->len] = NULL;
}

static void sv_push(struct strvec *s, const char *str)
{
	sv_add(s, xstrdup(str));
}

static void sv_free(struct strvec *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->len = s->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int is_cross(const struct verify *v)
{
	return strcmp(v->target->name, HOST_ARCH) != 0;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

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

/* ---- running commands ---- */

struct cmd {
	struct strvec argv;
	struct strvec env;   /* NAME=VALUE to set, NAME alone to unset */
	const char *cwd;
	const char *log;     /* stdout and stderr are appended here */
	int timeout;         /* seconds, 0 for none */
};

/* `s` as one shell word: quoted unless plain (no ' inside: a log line). */
static const char *shell_word(const char *s, char buf[static 4096])
{
	if (s[0] && !s[strcspn(s, " \t\n'\"$;&|<>()*?\\`")])
		return s;
	snprintf(buf, 4096, "'%s'", s);
	return buf;
}

/* Writes the command into the log the way a person would retype it. */
static void log_command(int fd, const struct cmd *c)
{
	struct strbuf sb = {0};
	char word[4096];
	sb_addf(&sb, "$ cd %s &&", c->cwd);
	for (size_t i = 0; i < c->env.len; i++) {
		const char *eq = strchr(c->env.v[i], '=');
		if (eq)
			sb_addf(&sb, " %.*s=%s", (int)(eq - c->env.v[i]), c->env.v[i], shell_word(eq + 1, word));
	}
	for (size_t i = 0; i < c->argv.len; i++)
		sb_addf(&sb, " %s", shell_word(c->argv.v[i], word));
	sb_addc(&sb, '\n');
	if (write(fd, sb.buf, sb.len) < 0) {
		/* the log is a courtesy; the command still runs */
	}
	sb_free(&sb);
}

/* In the forked child: never returns. */
static void child_exec(const struct cmd *c, int logfd)
{
	if (c->timeout)
		setpgid(0, 0);   /* so that a hung test dies with its children */
	int in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		_exit(127);
	if (chdir(c->cwd) != 0) {
		dprintf(2, "archport verify: cannot enter %s: %s\n", c->cwd, strerror(errno));
		_exit(127);
	}
	for (size_t i = 0; i < c->env.len; i++) {
		if (strchr(c->env.v[i], '='))
			putenv(c->env.v[i]);
		else
			unsetenv(c->env.v[i]);
	}
	execvp(c->argv.v[0], c->argv.v);
	dprintf(2, "archport verify: cannot run %s: %s\n", c->argv.v[0], strerror(errno));
	_exit(127);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : RUN_FAILED;
}

/* Waits for the child, killing its process group at the deadline. Builds
 * get no deadline: they are as slow as the tree is big. */
static int wait_child(pid_t pid, int timeout)
{
	int status;
	double deadline = now_seconds() + timeout;
	for (;;) {
		pid_t r = waitpid(pid, &status, timeout ? WNOHANG : 0);
		if (r == pid)
			return decode_status(status);
		if (r < 0 && errno != EINTR)
			return RUN_FAILED;
		if (timeout && now_seconds() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			return RUN_TIMEOUT;
		}
		if (r == 0)
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
}

/* The process group of a running test, for on_signal. */
static volatile sig_atomic_t child_group;

/* A test runs in its own process group, so the terminal's Ctrl-C does not
 * reach it: take it down with us instead of leaving QEMU running. */
static void on_signal(int sig)
{
	if (child_group > 0)
		kill(-(pid_t)child_group, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_cmd(const struct cmd *c)
{
	int fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "archport verify: %s: %s\n", c->log, strerror(errno));
		return RUN_FAILED;
	}
	log_command(fd, c);
	fflush(NULL);   /* or the child would print our buffered output again */
	pid_t pid = fork();
	if (pid == 0)
		child_exec(c, fd);
	close(fd);
	if (pid < 0) {
		fprintf(stderr, "archport verify: fork: %s\n", strerror(errno));
		return RUN_FAILED;
	}
	if (!c->timeout)
		return wait_child(pid, 0);
	setpgid(pid, pid);   /* also here: the child may not have run yet */
	child_group = pid;
	int rc = wait_child(pid, c->timeout);
	child_group = 0;
	return rc;
}

static void cmd_free(struct cmd *c)
{
	sv_free(&c->argv);
	sv_free(&c->env);
}

/* ---- files and directories ---- */

static void rm_rf(const char *path);

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;   /* keep going: remove what can be removed */
}

static void rm_rf(const char *path)
{
	if (exists(path))
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "archport verify: %s: %s\n", src, strerror(errno));
		return -1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	int rc = out < 0 ? -1 : 0;
	char buf[65536];
	ssize_t n = 0;
	while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	if (n < 0 || (out >= 0 && close(out) != 0))
		rc = -1;
	close(in);
	if (rc)
		fprintf(stderr, "archport verify: cannot copy %s to %s: %s\n", src, dst, strerror(errno));
	return rc;
}

/* Left out of the scratch copies: version control, and build outputs. A
 * stale x86 object copied along would look up to date to make, end up in
 * the target build and be "compared" without having been rebuilt. */
static int skip_in_copy(const char *name, int is_dir, int top, int cargo)
{
	if (is_dir)
		return !strcmp(name, ".git") || !strcmp(name, ".hg") || !strcmp(name, ".svn") ||
		       !strcmp(name, "CMakeFiles") || (top && cargo && !strcmp(name, "target"));
	return ends_with(name, ".o") || ends_with(name, ".obj") || ends_with(name, ".lo") ||
	       ends_with(name, ".a") || ends_with(name, ".so") || !strcmp(name, "CMakeCache.txt");
}

static int copy_entry(const char *src, const char *dst, const struct stat *st, int cargo);

/* Copies a directory tree: symlinks stay symlinks, modes and times are kept
 * (make compares times; a generated file must stay newer than its source). */
static int copy_tree(const char *src, const char *dst, int top, int cargo)
{
	DIR *d = opendir(src);
	if (!d) {
		fprintf(stderr, "archport verify: %s: %s\n", src, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *s = xasprintf("%s/%s", src, e->d_name);
		char *t = xasprintf("%s/%s", dst, e->d_name);
		struct stat st;
		if (lstat(s, &st) != 0) {
			fprintf(stderr, "archport verify: %s: %s\n", s, strerror(errno));
			rc = -1;
		} else if (!skip_in_copy(e->d_name, S_ISDIR(st.st_mode), top, cargo)) {
			rc = copy_entry(s, t, &st, cargo);
		}
		free(s);
		free(t);
	}
	closedir(d);
	return rc;
}

static int copy_entry(const char *src, const char *dst, const struct stat *st, int cargo)
{
	int rc = 0;
	if (S_ISDIR(st->st_mode)) {
		rc = mkdir(dst, (st->st_mode & 07777) | S_IRWXU);
		if (rc == 0)
			rc = copy_tree(src, dst, 0, cargo);
		if (rc == 0)
			chmod(dst, st->st_mode & 07777);
	} else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof target - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		rc = symlink(target, dst);
	} else if (S_ISREG(st->st_mode)) {
		rc = copy_file(src, dst, st->st_mode);
	} else {
		return 0;   /* sockets, fifos, devices: nothing a build reads */
	}
	if (rc) {
		fprintf(stderr, "archport verify: cannot copy %s: %s\n", src, strerror(errno));
		return -1;
	}
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb = {0};
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	return sb_detach(&sb);
}

/* The line of a log a person wants first: the compiler's first error, else
 * make's "***" line, else the last line. Shortened for the table. */
static char *first_error(const char *log)
{
	char *text = read_all(log);
	if (!text)
		return xstrdup("(no log)");
	static const char *const marks[] = { "error:", "Error:", "ERROR", "*** ", "can't find file", "FAILED",
					      "error", NULL };
	const char *best = NULL, *last = NULL;
	size_t best_len = 0, last_len = 0;
	for (int m = 0; marks[m] && !best; m++) {
		for (char *line = text; *line;) {
			size_t len = strcspn(line, "\n");
			int ours = line[0] == '$' && line[1] == ' ';   /* the command line */
			if (!ours && len) {
				last = line;
				last_len = len;
			}
			if (!ours && !best && memmem(line, len, marks[m], strlen(marks[m]))) {
				best = line;
				best_len = len;
			}
			line += len + (line[len] == '\n');
		}
	}
	if (!best) {
		best = last ? last : "(empty log)";
		best_len = last ? last_len : strlen(best);
	}
	if (best_len > 110)
		best_len = 110;
	char *out = xstrndup(best, best_len);
	free(text);
	return out;
}

/* ---- the patch ---- */

struct patch_stats {
	int files, added, removed, text;
};

/* Reads "@@ -a[,b] +c[,d] @@": the number of old and new lines. */
static void hunk_counts(const char *line, long *old_left, long *new_left)
{
	char *p;
	strtol(line + 4, &p, 10);
	*old_left = *p == ',' ? strtol(p + 1, &p, 10) : 1;
	p = strchr(p, '+');
	if (!p) {
		*old_left = *new_left = 0;
		return;
	}
	strtol(p + 1, &p, 10);
	*new_left = *p == ',' ? strtol(p + 1, &p, 10) : 1;
}

/* Counts files and lines, following hunk lengths so that a removed line
 * that starts with "--" is not taken for a file header. */
static void patch_stats(const char *path, struct patch_stats *ps)
{
	memset(ps, 0, sizeof *ps);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	long old_left = 0, new_left = 0;
	while (getline(&line, &cap, f) > 0) {
		if (line[strspn(line, " \t\r\n")])
			ps->text = 1;
		if (old_left > 0 || new_left > 0) {
			if (line[0] == '-')
				ps->removed++, old_left--;
			else if (line[0] == '+')
				ps->added++, new_left--;
			else if (line[0] != '\\')   /* "\ No newline at end of file" */
				old_left--, new_left--;
		} else if (!strncmp(line, "+++ ", 4)) {
			ps->files++;
		} else if (!strncmp(line, "@@ -", 4)) {
			hunk_counts(line, &old_left, &new_left);
		}
	}
	free(line);
	fclose(f);
}

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
		struct cmd c = { .cwd = v->scratch, .log = s->log };
		const char *args[] = { self, "stub", "--target", v->target->name, v->tree, "-o", v->patch };
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
	struct cmd c = { .cwd = v->tree, .log = v->steps[ST_PATCH].log };
	const char *args[] = { "patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch",
			       "--reject-file=-", "-i", v->patch };
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&c.argv, args[i]);
	int rc = run_cmd(&c);
	cmd_free(&c);
	if (rc != 0) {
		char *why = first_error(v->steps[ST_PATCH].log);
		step_set(v, ST_PATCH, FAIL, xasprintf("does not apply: %s", why));
		free(why);
	}
	return rc ? -1 : 0;
}

/* ---- building ---- */

static char *tool(const struct verify *v, int target, const char *name)
{
	if (target && is_cross(v))
		return xasprintf("%s-%s", v->target->triple, name);
	return xstrdup(name);
}

/* The environment every build and test gets. Make's jobserver variables of
 * an outer make would point at descriptors we do not pass on; the tree's
 * own build files own the flags, so a CFLAGS of the caller's shell is
 * dropped for the default builds (both host builds see the same either
 * way). One SOURCE_DATE_EPOCH keeps __DATE__ equal before and after. */
static void base_env(const struct verify *v, struct cmd *c, int target, int scrub_flags)
{
	static const char *const drop[] = { "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES" };
	static const char *const flags[] = { "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "ASFLAGS" };
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		sv_push(&c->env, drop[i]);
	for (size_t i = 0; scrub_flags && i < sizeof flags / sizeof *flags; i++)
		sv_push(&c->env, flags[i]);
	sv_push(&c->env, "LC_ALL=C");   /* English messages, for first_error */
	sv_add(&c->env, xasprintf("SOURCE_DATE_EPOCH=%s", v->epoch));
	char *cc = tool(v, target, "gcc");
	sv_add(&c->env, xasprintf("CC=%s", cc));
	free(cc);
	sv_add(&c->env, xasprintf("ARCHPORT_ARCH=%s", target ? v->target->name : HOST_ARCH));
	if (target && is_cross(v)) {
		sv_add(&c->env, xasprintf("QEMU_LD_PREFIX=/usr/%s", v->target->triple));
		sv_add(&c->env, xasprintf("QEMU_SET_ENV=" QEMU_LIBS, v->target->triple));
		sv_add(&c->env, xasprintf("ARCHPORT_EMULATOR=qemu-%s -L /usr/%s -E " QEMU_LIBS, v->target->name,
					  v->target->triple, v->target->triple));
	}
}

/* make -k -jN CC=... : the tree's Makefile keeps its own CFLAGS. */
static void make_argv(const struct verify *v, int target, struct strvec *a)
{
	sv_push(a, "make");
	sv_push(a, "-k");
	sv_add(a, xasprintf("-j%d", v->jobs));
	if (!target || !is_cross(v)) {
		sv_push(a, "CC=gcc");
		return;
	}
	static const char *const tools[][2] = { { "CC", "gcc" }, { "CXX", "g++" }, { "AR", "ar" }, { "RANLIB", "ranlib" } };
	for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
		sv_add(a, xasprintf("%s=%s-%s", tools[i][0], v->target->triple, tools[i][1]));
}

/* cmake -S tree -B build with the compilers, and for a cross build the
 * usual toolchain settings plus QEMU as the emulator, which ctest uses. */
static void cmake_configure_argv(const struct verify *v, int target, struct strvec *a)
{
	sv_push(a, "cmake");
	sv_add(a, xasprintf("-S%s", v->tree));
	sv_add(a, xasprintf("-B%s", v->build));
	if (!target || !is_cross(v)) {
		sv_push(a, "-DCMAKE_C_COMPILER=gcc");
		return;
	}
	const char *t = v->target->triple;
	sv_push(a, "-DCMAKE_SYSTEM_NAME=Linux");
	sv_add(a, xasprintf("-DCMAKE_SYSTEM_PROCESSOR=%s", v->target->name));
	sv_add(a, xasprintf("-DCMAKE_C_COMPILER=%s-gcc", t));
	sv_add(a, xasprintf("-DCMAKE_CXX_COMPILER=%s-g++", t));
	sv_add(a, xasprintf("-DCMAKE_ASM_COMPILER=%s-gcc", t));
	sv_add(a, xasprintf("-DCMAKE_FIND_ROOT_PATH=/usr/%s", t));
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY");
	sv_add(a, xasprintf("-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-%s;-L;/usr/%s;-E;" QEMU_LIBS, v->target->name, t, t));
}

/* Cargo's per-target variables: CARGO_TARGET_<TRIPLE>_<NAME>. */
static char *cargo_var(const struct verify *v, const char *name, const char *value)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "CARGO_TARGET_");
	for (const char *p = v->target->rust; *p; p++)
		sb_addc(&sb, *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p));
	sb_addf(&sb, "_%s=%s", name, value);
	return sb_detach(&sb);
}

/* Host builds are compared object by object: the objects rustc writes
 * with -C save-temps, one codegen unit per crate, at -C opt-level=2 -g. */
#define RUST_COMPARE_FLAGS "-C opt-level=2 -g -C codegen-units=1 -C save-temps"

static void cargo_env(const struct verify *v, int target, struct cmd *c)
{
	sv_add(&c->env, xasprintf("CARGO_TARGET_DIR=%s", v->build));
	if (*v->rust_bin) {
		sv_add(&c->env, xasprintf("RUSTC=%srustc", v->rust_bin));
		sv_add(&c->env, xasprintf("RUSTDOC=%srustdoc", v->rust_bin));
	}
	if (!target) {
		sv_push(&c->env, "CARGO_INCREMENTAL=0");
		sv_push(&c->env, "RUSTFLAGS=" RUST_COMPARE_FLAGS);
	}
	if (!target || !is_cross(v))
		return;
	char *linker = tool(v, 1, "gcc");
	char *runner = xasprintf("qemu-%s -L /usr/%s -E " QEMU_LIBS, v->target->name, v->target->triple,
				 v->target->triple);
	sv_add(&c->env, cargo_var(v, "LINKER", linker));
	sv_add(&c->env, cargo_var(v, "RUNNER", runner));
	free(linker);
	free(runner);
}

static void cargo_argv(const struct verify *v, int target, const char *what, struct strvec *a)
{
	sv_add(a, xasprintf("%scargo", v->rust_bin));
	sv_push(a, what);
	sv_add(a, xasprintf("-j%d", v->jobs));
	if (target && is_cross(v)) {
		sv_push(a, "--target");
		sv_push(a, v->target->rust);
	}
}

static void shell_argv(const char *script, struct strvec *a)
{
	sv_push(a, "sh");
	sv_push(a, "-c");
	sv_push(a, script);
}

/* Runs the build of <scratch>/tree; returns the first failing status. */
static int run_build(const struct verify *v, int target, const char *log)
{
	struct cmd c = { .cwd = v->tree, .log = log };
	base_env(v, &c, target, v->bs != BS_CUSTOM);
	int rc = 0;
	switch (v->bs) {
	case BS_CUSTOM:
		shell_argv(v->build_cmd, &c.argv);
		break;
	case BS_MAKE:
		make_argv(v, target, &c.argv);
		break;
	case BS_CMAKE:
		cmake_configure_argv(v, target, &c.argv);
		rc = run_cmd(&c);
		sv_free(&c.argv);
		sv_push(&c.argv, "cmake");
		sv_push(&c.argv, "--build");
		sv_push(&c.argv, v->build);
		sv_add(&c.argv, xasprintf("-j%d", v->jobs));
		break;
	case BS_CARGO:
		cargo_env(v, target, &c);
		cargo_argv(v, target, "build", &c.argv);
		break;
	}
	if (rc == 0)
		rc = run_cmd(&c);
	cmd_free(&c);
	return rc;
}

static char *build_summary(const struct verify *v, int target)
{
	char *cc = tool(v, target, "gcc");
	char *s;
	if (v->bs == BS_CARGO)
		s = xasprintf("cargo build%s%s", target && is_cross(v) ? " --target " : "",
			      target && is_cross(v) ? v->target->rust : "");
	else
		s = xasprintf("%s, CC=%s", buildsys_names[v->bs], cc);
	free(cc);
	return s;
}

static void build_step(struct verify *v, enum step_id id, int target, const char *logname)
{
	struct step *s = &v->steps[id];
	s->log = log_path(v, logname);
	int rc = run_build(v, target, s->log);
	if (rc == 0) {
		step_set(v, id, OK, build_summary(v, target));
	} else {
		char *why = first_error(s->log);
		step_set(v, id, FAIL, xasprintf("build failed: %s", why));
		free(why);
	}
}

/* ---- comparing objects ---- */

/* Decides whether a regular file (root-relative `rel`, path `full`) goes
 * in the list. */
typedef int (*file_filter)(const void *ctx, const char *rel, const char *full, const struct stat *st);

/* Every regular file below root/rel that `keep` accepts, depth first. With
 * `skip_build_dirs`, hidden entries and CMakeFiles/ are not entered. */
static void collect_files(const char *root, const char *rel, file_filter keep, const void *ctx,
			  int skip_build_dirs, struct strvec *out)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (skip_build_dirs && (e->d_name[0] == '.' || !strcmp(e->d_name, "CMakeFiles")))
			continue;
		char *sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *full = xasprintf("%s/%s", root, sub);
		struct stat st;
		int ok = lstat(full, &st) == 0;
		if (ok && S_ISDIR(st.st_mode))
			collect_files(root, sub, keep, ctx, skip_build_dirs, out);
		else if (ok && S_ISREG(st.st_mode) && keep(ctx, sub, full, &st))
			sv_add(out, sub), sub = NULL;
		free(sub);
		free(full);
	}
	if (d)
		closedir(d);
	free(dir);
}

static int is_object(const void *ctx, const char *rel, const char *full, const struct stat *st)
{
	(void)ctx, (void)full, (void)st;
	return ends_with(rel, ".o") || ends_with(rel, ".obj");
}

static void list_objects(const char *root, const char *rel, struct strvec *out)
{
	collect_files(root, rel, is_object, NULL, 0, out);
}

/* 1 when the two files hold the same bytes, 0 when not, -1 on error. */
static int same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb ? 1 : -1;
	static char ba[65536], bb[65536];
	while (same == 1) {
		size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
		if (na != nb || memcmp(ba, bb, na))
			same = 0;
		else if (na == 0)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

struct comparison {
	struct strvec identical, differ, missing, added;
};

static void compare_lists(const char *before, const char *after, struct comparison *cmp)
{
	struct strvec b = {0}, a = {0};
	list_objects(before, "", &b);
	list_objects(after, "", &a);
	if (b.len)
		qsort(b.v, b.len, sizeof *b.v, cmp_str);
	if (a.len)
		qsort(a.v, a.len, sizeof *a.v, cmp_str);
	size_t i = 0, j = 0;
	while (i < b.len || j < a.len) {
		int c = i == b.len ? 1 : j == a.len ? -1 : strcmp(b.v[i], a.v[j]);
		if (c < 0) {
			sv_push(&cmp->missing, b.v[i++]);
		} else if (c > 0) {
			sv_push(&cmp->added, a.v[j++]);
		} else {
			char *pb = xasprintf("%s/%s", before, b.v[i]), *pa = xasprintf("%s/%s", after, a.v[j]);
			sv_push(same_bytes(pb, pa) == 1 ? &cmp->identical : &cmp->differ, b.v[i]);
			free(pb);
			free(pa);
			i++, j++;
		}
	}
	sv_free(&b);
	sv_free(&a);
}

/* "src/a.o src/b.o ..." with at most three names. */
static char *some_names(const struct strvec *s)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < s->len && i < 3; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", s->v[i]);
	if (s->len > 3)
		sb_adds(&sb, " ...");
	return sb_detach(&sb);
}

static void write_comparison(const char *log, const struct comparison *cmp)
{
	FILE *f = fopen(log, "w");
	if (!f)
		return;
	const struct strvec *lists[] = { &cmp->differ, &cmp->missing, &cmp->added, &cmp->identical };
	const char *labels[] = { "differ", "missing after the patch", "new after the patch", "identical" };
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < lists[k]->len; i++)
			fprintf(f, "%s: %s\n", labels[k], lists[k]->v[i]);
	fclose(f);
}

/* An object that changed, or that the patched host build no longer makes,
 * fails; a new object (a stub file compiled to nothing on the host) is
 * reported but allowed: the objects that existed stay identical. */
static void compare_step(struct verify *v, const char *before, const char *after)
{
	struct comparison cmp = {0};
	compare_lists(before, after, &cmp);
	v->steps[ST_OBJECTS].log = log_path(v, "objects");
	write_comparison(v->steps[ST_OBJECTS].log, &cmp);
	size_t total = cmp.identical.len + cmp.differ.len + cmp.missing.len;
	char *added = cmp.added.len ? xasprintf(", %zu new", cmp.added.len) : xstrdup("");
	if (cmp.differ.len || cmp.missing.len) {
		const struct strvec *bad = cmp.differ.len ? &cmp.differ : &cmp.missing;
		char *names = some_names(bad);
		step_set(v, ST_OBJECTS, FAIL, xasprintf("%zu of %zu %s: %s", bad->len, total,
							cmp.differ.len ? "differ" : "missing after", names));
		free(names);
	} else if (!total) {
		step_set(v, ST_OBJECTS, SKIPPED, xasprintf("no object files found%s", added));
	} else {
		step_set(v, ST_OBJECTS, OK, xasprintf("%zu object%s identical%s", total, total == 1 ? "" : "s", added));
	}
	free(added);
	sv_free(&cmp.identical);
	sv_free(&cmp.differ);
	sv_free(&cmp.missing);
	sv_free(&cmp.added);
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
		if (ends_with(base, tails[i]))
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
	return (st->st_mode & S_IXUSR) && looks_like_test(rel) && target_executable(full, v->target->elf_machine);
}

static void find_tests(const struct verify *v, const char *rel, struct strvec *out)
{
	collect_files(v->tree, rel, is_target_test, v, 1, out);
}

/* Whether a Makefile has a rule for `name` ("name:" but not "name :="). */
static int makefile_has_target(const struct verify *v, const char *name)
{
	static const char *const files[] = { "GNUmakefile", "makefile", "Makefile" };
	int found = 0;
	for (size_t i = 0; i < 3 && !found; i++) {
		char *path = xasprintf("%s/%s", v->tree, files[i]);
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
	struct cmd c = { .cwd = v->tree, .log = log, .timeout = v->test_timeout };
	base_env(v, &c, 1, 1);
	if (is_cross(v)) {
		sv_add(&c.argv, xasprintf("qemu-%s", v->target->name));
		sv_push(&c.argv, "-L");
		sv_add(&c.argv, xasprintf("/usr/%s", v->target->triple));
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
	if (!tests.len && goal && v->bs == BS_MAKE) {
		struct cmd c = { .cwd = v->tree, .log = log };
		base_env(v, &c, 1, 1);
		make_argv(v, 1, &c.argv);
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
	struct cmd c = { .cwd = v->build, .log = log };
	base_env(v, &c, 1, 1);
	const char *args[] = { "ctest", "--output-on-failure", "--timeout" };
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&c.argv, args[i]);
	sv_add(&c.argv, xasprintf("%d", v->test_timeout));
	sv_add(&c.argv, xasprintf("-j%d", v->jobs));
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
	struct cmd c = { .cwd = v->tree, .log = log };
	base_env(v, &c, 1, !v->test_cmd);
	if (v->test_cmd) {
		shell_argv(v->test_cmd, &c.argv);
	} else {
		cargo_env(v, 1, &c);
		cargo_argv(v, 1, "test", &c.argv);
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
	if (v->test_cmd || v->bs == BS_CARGO)
		run_test_command(v, s->log);
	else if (v->bs == BS_CMAKE)
		run_ctest(v, s->log);
	else
		run_found_tests(v, s->log);
}

/* ---- the whole run ---- */

/* A fresh copy of PATH at <scratch>/tree, and no build directory. */
static int fresh_tree(struct verify *v)
{
	rm_rf(v->tree);
	rm_rf(v->build);
	if (mkdir(v->tree, 0755) != 0) {
		fprintf(stderr, "archport verify: %s: %s\n", v->tree, strerror(errno));
		return -1;
	}
	return copy_tree(v->path, v->tree, 1, v->bs == BS_CARGO);
}

/* Moves the finished build to <scratch>/<name> (and <name>-build). */
static int stash(struct verify *v, const char *name)
{
	char *t = xasprintf("%s/%s", v->scratch, name);
	char *b = xasprintf("%s/%s-build", v->scratch, name);
	int rc = rename(v->tree, t);
	if (rc == 0 && exists(v->build))
		rc = rename(v->build, b);
	if (rc)
		fprintf(stderr, "archport verify: cannot move %s aside: %s\n", v->tree, strerror(errno));
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

/* Where the objects of a stashed host build are. */
static char *objects_dir(const struct verify *v, const char *name)
{
	if (v->bs == BS_CMAKE || v->bs == BS_CARGO)
		return xasprintf("%s/%s-build", v->scratch, name);
	return xasprintf("%s/%s", v->scratch, name);
}

static void host_builds(struct verify *v)
{
	build_step(v, ST_HOST_AFTER, 0, "host-after");
	if (stash(v, "after") != 0)
		return;
	if (v->steps[ST_HOST_BEFORE].res != OK || v->steps[ST_HOST_AFTER].res != OK)
		step_set(v, ST_OBJECTS, SKIPPED, xstrdup("a host build failed"));
	else {
		char *before = objects_dir(v, "before"), *after = objects_dir(v, "after");
		compare_step(v, before, after);
		free(before);
		free(after);
	}
}

/* Whether rustc has the target's standard library: without it a cross
 * build fails on `core`, which says nothing about the tree. */
static int rust_target_installed(const struct verify *v, const char *bin)
{
	char *log = log_path(v, "rustc");
	struct cmd c = { .cwd = v->scratch, .log = log };
	const char *args[] = { "--print", "target-libdir", "--target", v->target->rust };
	sv_add(&c.argv, xasprintf("%srustc", bin));
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&c.argv, args[i]);
	int rc = run_cmd(&c);
	cmd_free(&c);
	char *text = rc == 0 ? read_all(log) : NULL;
	int found = 0;
	if (text) {
		char *end = text + strlen(text);
		while (end > text && end[-1] == '\n')
			*--end = '\0';
		char *line = strrchr(text, '\n');
		found = exists(line ? line + 1 : text);
	}
	free(text);
	free(log);
	return found;
}

/* The toolchain on PATH (rustup's, say) may lack the target's standard
 * library that Debian's /usr/bin/rustc has (libstd-rust-dev:arm64): then
 * Debian's cargo, rustc and rustdoc build both sides, host and target. */
static void choose_rust(struct verify *v)
{
	v->rust_bin = "";
	if (is_cross(v) && !rust_target_installed(v, "") && exists("/usr/bin/cargo") &&
	    rust_target_installed(v, "/usr/bin/"))
		v->rust_bin = "/usr/bin/";
}

/* Returns -1 on an I/O error that stops the run (already reported). */
static int run_steps(struct verify *v)
{
	if (fresh_tree(v))
		return -1;
	get_patch(v);
	if (v->steps[ST_PATCH].res != OK) {
		skip_rest(v, ST_HOST_BEFORE, "no patch");
		return 0;
	}
	if (v->bs == BS_CARGO)
		choose_rust(v);
	build_step(v, ST_HOST_BEFORE, 0, "host-before");
	if (stash(v, "before") || fresh_tree(v))
		return -1;
	if (apply_patch(v)) {
		skip_rest(v, ST_HOST_BEFORE + 1, "the patch does not apply");
		return 0;
	}
	host_builds(v);
	if (fresh_tree(v) || apply_patch(v))
		return -1;
	if (v->bs == BS_CARGO && is_cross(v) && !rust_target_installed(v, v->rust_bin)) {
		char *why = xasprintf("Rust target %s is not installed (rustup target add %s)", v->target->rust,
				      v->target->rust);
		skip_rest(v, ST_TARGET, why);
		free(why);
		return 0;
	}
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
	      "Builds scratch copies of PATH for the host before and after `archport stub`'s patch\n"
	      "(or --patch FILE), compares the objects byte for byte, builds for the target and runs\n"
	      "the tests under qemu-user. Exit status: 0 all steps passed, 1 a step failed, 2 usage.\n", out);
}

static const struct arch *arch_named(const char *name)
{
	for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

/* Returns -1 when an option is unknown or lacks its value; `*i` moves
 * past a consumed value. */
static int parse_option(struct verify *v, int argc, char **argv, int *i, const char **target)
{
	const char *a = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	const char **slot = !strcmp(a, "--target") ? target : !strcmp(a, "--build") ? &v->build_cmd
			  : !strcmp(a, "--test") ? &v->test_cmd : !strcmp(a, "--patch") ? &v->patch_in
			  : !strcmp(a, "--system") ? &v->system : NULL;
	int *num = !strcmp(a, "-j") ? &v->jobs : !strcmp(a, "--test-timeout") ? &v->test_timeout : NULL;
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

static int has_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int r = exists(p);
	free(p);
	return r;
}

/* A Makefile next to CMakeCache.txt was generated by CMake: the tree is a
 * CMake tree built in place. */
static int detect_buildsys(struct verify *v)
{
	static const char *const names[] = { "make", "cmake", "cargo" };
	if (v->build_cmd) {
		v->bs = BS_CUSTOM;   /* the command decides; tests: --test or found */
		return 0;
	}
	if (v->system) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(v->system, names[i]))
				return v->bs = (enum buildsys)(i + 1), 0;
		return usage_error("--system takes make, cmake or cargo, not '%s'", v->system);
	}
	int make = has_file(v->path, "Makefile") || has_file(v->path, "makefile") || has_file(v->path, "GNUmakefile");
	int cmake = has_file(v->path, "CMakeLists.txt");
	if (make && !(cmake && has_file(v->path, "CMakeCache.txt")))
		v->bs = BS_MAKE;
	else if (cmake)
		v->bs = BS_CMAKE;
	else if (has_file(v->path, "Cargo.toml"))
		v->bs = BS_CARGO;
	else
		return usage_error("%s: no Makefile, CMakeLists.txt or Cargo.toml; give --build CMD", v->path);
	return 0;
}

static int parse_args(int argc, char **argv, struct verify *v)
{
	const char *target = "aarch64";
	v->jobs = 2;
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
	if (!(v->target = arch_named(target)))
		return usage_error("unknown target '%s' (aarch64, riscv64, x86_64)", target);
	struct stat st;
	if (stat(v->path, &st) != 0 || !S_ISDIR(st.st_mode))
		return usage_error("%s: no such directory", v->path);
	if (v->patch_in && access(v->patch_in, R_OK) != 0)
		return usage_error("--patch %s: cannot read it", v->patch_in);
	return detect_buildsys(v);
}

static int make_scratch(struct verify *v)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/archport-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "archport verify: cannot make a scratch directory %s: %s\n", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	v->scratch = tmpl;
	v->tree = xasprintf("%s/tree", tmpl);
	v->build = xasprintf("%s/build", tmpl);
	v->logs = xasprintf("%s/logs", tmpl);
	v->patch = xasprintf("%s/stub.patch", tmpl);
	const char *e = getenv("SOURCE_DATE_EPOCH");
	v->epoch = e && *e ? xstrdup(e) : xasprintf("%lld", (long long)time(NULL));
	if (mkdir(v->logs, 0755) != 0) {
		fprintf(stderr, "archport verify: %s: %s\n", v->logs, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *step_title(const struct verify *v, int id, char *buf, size_t n)
{
	switch (id) {
	case ST_PATCH: return "patch";
	case ST_HOST_BEFORE: return "host build, before";
	case ST_HOST_AFTER: return "host build, after";
	case ST_OBJECTS: snprintf(buf, n, "%s objects", HOST_ARCH); return buf;
	case ST_TARGET: snprintf(buf, n, "%s build", v->target->name); return buf;
	default:
		snprintf(buf, n, is_cross(v) ? "tests under qemu-%s" : "tests (native, %s)", v->target->name);
		return buf;
	}
}

/* Prints the table; returns 1 when a step failed. */
static int print_table(const struct verify *v)
{
	static const char *const words[] = { "skipped", "ok", "FAIL" };
	printf("archport verify %s --target %s (%s)\n", v->path, v->target->name, buildsys_names[v->bs]);
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
		if (v->steps[i].res == FAIL && v->steps[i].log && exists(v->steps[i].log))
			printf("  log of %s: %s\n", step_title(v, i, buf, sizeof buf), v->steps[i].log);
	}
	return failed;
}

/* Removes the scratch directory; after a failure its logs stay, since the
 * table points at them. */
static void clean_up(const struct verify *v, int failed)
{
	if (v->keep) {
		fprintf(stderr, "archport verify: kept %s (before/, after/: host builds; tree/: target build; logs/)\n",
			v->scratch);
		return;
	}
	if (!failed) {
		rm_rf(v->scratch);
		return;
	}
	static const char *const trees[] = { "tree", "build", "before", "before-build", "after", "after-build" };
	for (size_t i = 0; i < sizeof trees / sizeof *trees; i++) {
		char *p = xasprintf("%s/%s", v->scratch, trees[i]);
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
	free(v->epoch);
	free(v->scratch);
	free(v->tree);
	free(v->build);
	free(v->logs);
	free(v->patch);
}

int cmd_verify(int argc, char **argv)
{
	struct verify v = { .rust_bin = "" };
	int rc = parse_args(argc, argv, &v);
	if (rc == 0 && make_scratch(&v) != 0)
		rc = 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (rc == 0 && run_steps(&v) != 0)
		rc = 2;   /* an I/O error, reported; nothing was verified */
	if (rc == 0)
		rc = print_table(&v);
	if (v.scratch)
		clean_up(&v, rc != 0);
	verify_free(&v);
	return rc;
}
