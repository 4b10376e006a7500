/* Running a tree's own build in a scratch copy, for the commands that prove
 * a patch against the compilers (verify, port): commands with their logs,
 * copies of trees, the build systems' invocations for the host and for the
 * target, and the byte-for-byte comparison of objects. */
#include <ctype.h>
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
#include "build_run.h"

static const struct arch arches[] = {
	{ "aarch64", "aarch64-linux-gnu", "aarch64-unknown-linux-gnu", 183 },
	{ "riscv64", "riscv64-linux-gnu", "riscv64gc-unknown-linux-gnu", 243 },
	{ "x86_64", "x86_64-linux-gnu", "x86_64-unknown-linux-gnu", 62 },
};

const char *const buildsys_names[] = { "--build", "make", "cmake", "cargo" };

const struct arch *arch_named(const char *name)
{
	for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
		if (!strcmp(arches[i].name, name))
			return &arches[i];
	return NULL;
}

const struct arch *arch_source_of(const struct arch *target)
{
	return arch_named(strcmp(target->name, "x86_64") ? "x86_64" : "aarch64");
}

const struct arch *build_arch(const struct build_job *job, int target)
{
	return target ? job->target : job->source;
}

int build_is_cross(const struct build_job *job, int target)
{
	return strcmp(build_arch(job, target)->name, HOST_ARCH) != 0;
}


void sv_add(struct strvec *s, char *owned)
{
	grow_array((void **)&s->v, &s->cap, s->len + 2, sizeof *s->v);
	s->v[s->len++] = owned;
	s->v[s->len] = NULL;
}

void sv_push(struct strvec *s, const char *str)
{
	sv_add(s, xstrdup(str));
}

void sv_free(struct strvec *s)
{
	for (size_t i = 0; i < s->len; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->len = s->cap = 0;
}

int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int str_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int path_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}


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
		dprintf(2, "archport: cannot enter %s: %s\n", c->cwd, strerror(errno));
		_exit(127);
	}
	for (size_t i = 0; i < c->env.len; i++) {
		if (strchr(c->env.v[i], '='))
			putenv(c->env.v[i]);
		else
			unsetenv(c->env.v[i]);
	}
	execvp(c->argv.v[0], c->argv.v);
	dprintf(2, "archport: cannot run %s: %s\n", c->argv.v[0], strerror(errno));
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
void build_on_signal(int sig)
{
	if (child_group > 0)
		kill(-(pid_t)child_group, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

int run_cmd(const struct cmd *c)
{
	int fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "archport: %s: %s\n", c->log, strerror(errno));
		return RUN_FAILED;
	}
	log_command(fd, c);
	fflush(NULL);   /* or the child would print our buffered output again */
	pid_t pid = fork();
	if (pid == 0)
		child_exec(c, fd);
	close(fd);
	if (pid < 0) {
		fprintf(stderr, "archport: fork: %s\n", strerror(errno));
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

void cmd_free(struct cmd *c)
{
	sv_free(&c->argv);
	sv_free(&c->env);
}

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

void rm_rf(const char *path)
{
	if (path_exists(path))
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "archport: %s: %s\n", src, strerror(errno));
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
		fprintf(stderr, "archport: cannot copy %s to %s: %s\n", src, dst, strerror(errno));
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
	return str_ends(name, ".o") || str_ends(name, ".obj") || str_ends(name, ".lo") ||
	       str_ends(name, ".a") || str_ends(name, ".so") || !strcmp(name, "CMakeCache.txt");
}

/* Copies a directory tree: symlinks stay symlinks, modes and times are kept
 * (make compares times; a generated file must stay newer than its source). */
static int copy_entry(const char *src, const char *dst, const struct stat *st, int cargo);

int copy_tree(const char *src, const char *dst, int top, int cargo)
{
	DIR *d = opendir(src);
	if (!d) {
		fprintf(stderr, "archport: %s: %s\n", src, strerror(errno));
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
			fprintf(stderr, "archport: %s: %s\n", s, strerror(errno));
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
		fprintf(stderr, "archport: cannot copy %s: %s\n", src, strerror(errno));
		return -1;
	}
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	utimensat(AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
	return 0;
}

char *read_all(const char *path)
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
char *first_error(const char *log)
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
void patch_stats(const char *path, struct patch_stats *ps)
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

char *build_tool(const struct build_job *job, int target, const char *name)
{
	if (build_is_cross(job, target))
		return xasprintf("%s-%s", build_arch(job, target)->triple, name);
	return xstrdup(name);
}

/* The environment every build and test gets. Make's jobserver variables of
 * an outer make would point at descriptors we do not pass on; the tree's
 * own build files own the flags, so a CFLAGS of the caller's shell is
 * dropped for the default builds (both host builds see the same either
 * way). One SOURCE_DATE_EPOCH keeps __DATE__ equal before and after. */
void build_env(const struct build_job *job, struct cmd *c, int target, int scrub_flags)
{
	static const char *const drop[] = { "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES" };
	static const char *const flags[] = { "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "ASFLAGS" };
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		sv_push(&c->env, drop[i]);
	for (size_t i = 0; scrub_flags && i < sizeof flags / sizeof *flags; i++)
		sv_push(&c->env, flags[i]);
	sv_push(&c->env, "LC_ALL=C");   /* English messages, for first_error */
	sv_add(&c->env, xasprintf("SOURCE_DATE_EPOCH=%s", job->epoch));
	char *cc = build_tool(job, target, "gcc");
	sv_add(&c->env, xasprintf("CC=%s", cc));
	free(cc);
	const struct arch *arch = build_arch(job, target);
	sv_add(&c->env, xasprintf("ARCHPORT_ARCH=%s", arch->name));
	/* the binutils of the build, for a --build command that names them */
	static const char *const binutils[][2] = { { "CXX", "g++" }, { "AR", "ar" }, { "LD", "ld" },
						   { "RANLIB", "ranlib" }, { "STRIP", "strip" } };
	for (size_t i = 0; i < sizeof binutils / sizeof *binutils; i++) {
		char *t = build_tool(job, target, binutils[i][1]);
		sv_add(&c->env, xasprintf("%s=%s", binutils[i][0], t));
		free(t);
	}
	if (build_is_cross(job, target)) {
		sv_add(&c->env, xasprintf("QEMU_LD_PREFIX=/usr/%s", arch->triple));
		sv_add(&c->env, xasprintf("QEMU_SET_ENV=" QEMU_LIBS, arch->triple));
		sv_add(&c->env, xasprintf("ARCHPORT_EMULATOR=qemu-%s -L /usr/%s -E " QEMU_LIBS, arch->name,
					  arch->triple, arch->triple));
	}
}

/* make -k -jN CC=... : the tree's Makefile keeps its own CFLAGS. */
void make_argv(const struct build_job *job, int target, struct strvec *a)
{
	sv_push(a, "make");
	sv_push(a, "-k");
	sv_add(a, xasprintf("-j%d", job->jobs));
	if (!build_is_cross(job, target)) {
		sv_push(a, "CC=gcc");
		return;
	}
	/* The compilers on the command line; AR and RANLIB come from the
	 * environment (build_env), which replaces make's built-in `ar` but not
	 * a Makefile's own `AR = ar -rc`: the host's GNU ar archives the
	 * target's objects as well, and its flags stay. */
	static const char *const tools[][2] = { { "CC", "gcc" }, { "CXX", "g++" } };
	for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
		sv_add(a, xasprintf("%s=%s-%s", tools[i][0], build_arch(job, target)->triple, tools[i][1]));
}

/* cmake -S tree -B build with the compilers, and for a cross build the
 * usual toolchain settings plus QEMU as the emulator, which ctest uses. */
static void cmake_configure_argv(const struct build_job *job, int target, struct strvec *a)
{
	sv_push(a, "cmake");
	sv_add(a, xasprintf("-S%s", job->tree));
	sv_add(a, xasprintf("-B%s", job->build));
	if (!build_is_cross(job, target)) {
		sv_push(a, "-DCMAKE_C_COMPILER=gcc");
		return;
	}
	const struct arch *arch = build_arch(job, target);
	const char *t = arch->triple;
	sv_push(a, "-DCMAKE_SYSTEM_NAME=Linux");
	sv_add(a, xasprintf("-DCMAKE_SYSTEM_PROCESSOR=%s", arch->name));
	sv_add(a, xasprintf("-DCMAKE_C_COMPILER=%s-gcc", t));
	sv_add(a, xasprintf("-DCMAKE_CXX_COMPILER=%s-g++", t));
	sv_add(a, xasprintf("-DCMAKE_ASM_COMPILER=%s-gcc", t));
	sv_add(a, xasprintf("-DCMAKE_FIND_ROOT_PATH=/usr/%s", t));
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY");
	sv_push(a, "-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY");
	sv_add(a, xasprintf("-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-%s;-L;/usr/%s;-E;" QEMU_LIBS, arch->name, t, t));
}

/* Cargo's per-target variables: CARGO_TARGET_<TRIPLE>_<NAME>. */
static char *cargo_var(const struct arch *arch, const char *name, const char *value)
{
	struct strbuf sb = {0};
	sb_adds(&sb, "CARGO_TARGET_");
	for (const char *p = arch->rust; *p; p++)
		sb_addc(&sb, *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p));
	sb_addf(&sb, "_%s=%s", name, value);
	return sb_detach(&sb);
}

void cargo_env(const struct build_job *job, int target, struct cmd *c)
{
	sv_add(&c->env, xasprintf("CARGO_TARGET_DIR=%s", job->build));
	if (*job->rust_bin) {
		sv_add(&c->env, xasprintf("RUSTC=%srustc", job->rust_bin));
		sv_add(&c->env, xasprintf("RUSTDOC=%srustdoc", job->rust_bin));
	}
	if (!target) {
		sv_push(&c->env, "CARGO_INCREMENTAL=0");
		sv_push(&c->env, "RUSTFLAGS=" RUST_COMPARE_FLAGS);
	}
	if (!build_is_cross(job, target))
		return;
	const struct arch *arch = build_arch(job, target);
	char *linker = build_tool(job, target, "gcc");
	char *runner = xasprintf("qemu-%s -L /usr/%s -E " QEMU_LIBS, arch->name, arch->triple, arch->triple);
	sv_add(&c->env, cargo_var(arch, "LINKER", linker));
	sv_add(&c->env, cargo_var(arch, "RUNNER", runner));
	free(linker);
	free(runner);
}

void cargo_argv(const struct build_job *job, int target, const char *what, struct strvec *a)
{
	sv_add(a, xasprintf("%scargo", job->rust_bin));
	sv_push(a, what);
	sv_add(a, xasprintf("-j%d", job->jobs));
	if (build_is_cross(job, target)) {
		sv_push(a, "--target");
		sv_push(a, build_arch(job, target)->rust);
	}
}

void shell_argv(const char *script, struct strvec *a)
{
	sv_push(a, "sh");
	sv_push(a, "-c");
	sv_push(a, script);
}

/* Runs the build of <scratch>/tree; returns the first failing status. */
/* Puts `wrapper` (bear --output F --) in front of the command. */
static void wrap_argv(const char *const *wrapper, struct strvec *a)
{
	struct strvec w = {0};
	for (size_t i = 0; wrapper[i]; i++)
		sv_push(&w, wrapper[i]);
	for (size_t i = 0; i < a->len; i++)
		sv_add(&w, a->v[i]);
	free(a->v);
	*a = w;
}

int build_run(const struct build_job *job, int target, const char *log)
{
	struct cmd c = { .cwd = job->tree, .log = log };
	build_env(job, &c, target, job->bs != BS_CUSTOM);
	int rc = 0;
	switch (job->bs) {
	case BS_CUSTOM:
		shell_argv(job->build_cmd, &c.argv);
		break;
	case BS_MAKE:
		make_argv(job, target, &c.argv);
		break;
	case BS_CMAKE:
		cmake_configure_argv(job, target, &c.argv);
		rc = run_cmd(&c);
		sv_free(&c.argv);
		sv_push(&c.argv, "cmake");
		sv_push(&c.argv, "--build");
		sv_push(&c.argv, job->build);
		sv_add(&c.argv, xasprintf("-j%d", job->jobs));
		break;
	case BS_CARGO:
		cargo_env(job, target, &c);
		cargo_argv(job, target, "build", &c.argv);
		break;
	}
	if (rc == 0 && job->wrapper)
		wrap_argv(job->wrapper, &c.argv);
	if (rc == 0)
		rc = run_cmd(&c);
	cmd_free(&c);
	return rc;
}

char *build_summary(const struct build_job *job, int target)
{
	char *cc = build_tool(job, target, "gcc");
	char *s;
	if (job->bs == BS_CARGO)
		s = xasprintf("cargo build%s%s", build_is_cross(job, target) ? " --target " : "",
			      build_is_cross(job, target) ? build_arch(job, target)->rust : "");
	else
		s = xasprintf("%s, CC=%s", buildsys_names[job->bs], cc);
	free(cc);
	return s;
}


/* Every regular file below root/rel that `keep` accepts, depth first. With
 * `skip_build_dirs`, hidden entries and CMakeFiles/ are not entered. */
void collect_files(const char *root, const char *rel, file_filter keep, const void *ctx,
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
	return str_ends(rel, ".o") || str_ends(rel, ".obj");
}

void list_objects(const char *root, const char *rel, struct strvec *out)
{
	collect_files(root, rel, is_object, NULL, 0, out);
}

/* An ELF file (executable, shared object) or an ar archive. */
static int is_linked_output(const void *ctx, const char *rel, const char *full, const struct stat *st)
{
	(void)ctx, (void)rel;
	char magic[8];
	FILE *f = st->st_size >= 8 ? fopen(full, "rb") : NULL;
	size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
	if (f)
		fclose(f);
	return n == sizeof magic && (!memcmp(magic, "\177ELF", 4) || !memcmp(magic, "!<arch>\n", 8));
}

const char *comparison_kind(const struct comparison *cmp)
{
	return cmp->linked ? "linked files" : "objects";
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


void compare_objects(const char *before, const char *after, struct comparison *cmp)
{
	struct strvec b = {0}, a = {0};
	list_objects(before, "", &b);
	list_objects(after, "", &a);
	if (!b.len && !a.len) {
		collect_files(before, "", is_linked_output, NULL, 0, &b);
		collect_files(after, "", is_linked_output, NULL, 0, &a);
		cmp->linked = 1;
	}
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
char *some_names(const struct strvec *s)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < s->len && i < 3; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", s->v[i]);
	if (s->len > 3)
		sb_adds(&sb, " ...");
	return sb_detach(&sb);
}

void comparison_free(struct comparison *cmp)
{
	sv_free(&cmp->identical);
	sv_free(&cmp->differ);
	sv_free(&cmp->missing);
	sv_free(&cmp->added);
}

void write_comparison(const char *log, const struct comparison *cmp)
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

int has_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int r = path_exists(p);
	free(p);
	return r;
}

/* Whether rustc has the target's standard library: without it a cross
 * build fails on `core`, which says nothing about the tree. */
int rust_target_installed(const struct build_job *job, int target, const char *bin, const char *log)
{
	struct cmd c = { .cwd = job->scratch, .log = log };
	const char *args[] = { "--print", "target-libdir", "--target", build_arch(job, target)->rust };
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
		found = path_exists(line ? line + 1 : text);
	}
	free(text);
	return found;
}

/* Whether rustc from `bin` has the standard library of every cross side. */
static int rust_sides_installed(const struct build_job *job, const char *bin, const char *log)
{
	for (int side = 0; side < 2; side++)
		if (build_is_cross(job, side) && !rust_target_installed(job, side, bin, log))
			return 0;
	return 1;
}

void rust_choose_bin(struct build_job *job, const char *log)
{
	job->rust_bin = "";
	if (!rust_sides_installed(job, "", log) && path_exists("/usr/bin/cargo") &&
	    rust_sides_installed(job, "/usr/bin/", log))
		job->rust_bin = "/usr/bin/";   /* Debian's toolchain has the cross sides' std */
}

/* A Makefile next to CMakeCache.txt was generated by CMake: the tree is a
 * CMake tree built in place. */
/* Is `line` a recipe line that runs cmake (`cmake -S . -B build && cmake
 * --build build`)? The word alone: not `CMAKE_FLAGS`, `cmake-build/`. */
static int runs_cmake(const char *line)
{
	if (line[0] != '\t')
		return 0;
	for (const char *p = strstr(line, "cmake"); p; p = strstr(p + 1, "cmake")) {
		char before = p > line ? p[-1] : ' ', after = p[5];
		if (!isalnum((unsigned char)before) && before != '_' && before != '-' &&
		    (after == ' ' || after == '\t' || after == '\n' || after == '\0'))
			return 1;
	}
	return 0;
}

/* A Makefile that only wraps CMake (despacer's `build:` runs `cmake -S ./
 * -B ./build && cmake --build ./build`, and `all: build unit` races ctest
 * against it under -j): the tree's build is CMake. */
static int makefile_wraps_cmake(const char *path)
{
	static const char *const names[] = { "GNUmakefile", "makefile", "Makefile" };
	int wraps = 0;
	for (size_t i = 0; i < sizeof names / sizeof *names && !wraps; i++) {
		char *file = xasprintf("%s/%s", path, names[i]);
		char *text = read_all(file);
		for (char *line = text; line && *line && !wraps;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			wraps = runs_cmake(line);
			line = nl ? nl + 1 : NULL;
		}
		free(text);
		free(file);
	}
	return wraps;
}

int build_detect(struct build_job *job, const char *path, const char *system, const char *command)
{
	static const char *const names[] = { "make", "cmake", "cargo" };
	if (job->build_cmd) {
		job->bs = BS_CUSTOM;   /* the command decides */
		return 0;
	}
	if (system) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(system, names[i]))
				return job->bs = (enum buildsys)(i + 1), 0;
		fprintf(stderr, "archport %s: --system takes make, cmake or cargo, not '%s'\n", command, system);
		return -1;
	}
	int make = has_file(path, "Makefile") || has_file(path, "makefile") || has_file(path, "GNUmakefile");
	int cmake = has_file(path, "CMakeLists.txt");
	if (make && !(cmake && (has_file(path, "CMakeCache.txt") || makefile_wraps_cmake(path))))
		job->bs = BS_MAKE;
	else if (cmake)
		job->bs = BS_CMAKE;
	else if (has_file(path, "Cargo.toml"))
		job->bs = BS_CARGO;
	else {
		fprintf(stderr, "archport %s: %s: no Makefile, CMakeLists.txt or Cargo.toml; give --build CMD\n", command,
			path);
		return -1;
	}
	return 0;
}

/* Makes <TMPDIR>/archport-<command>-XXXXXX with tree/ and build/ names in
 * it, and one SOURCE_DATE_EPOCH for every build of the job. */
int build_scratch(struct build_job *job, const char *command)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/archport-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", command);
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "archport %s: cannot make a scratch directory %s: %s\n", command, tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	job->scratch = tmpl;
	job->tree = xasprintf("%s/tree", tmpl);
	job->build = xasprintf("%s/build", tmpl);
	const char *e = getenv("SOURCE_DATE_EPOCH");
	job->epoch = e && *e ? xstrdup(e) : xasprintf("%lld", (long long)time(NULL));
	return 0;
}

int apply_patch_file(const char *tree, const char *patch, const char *log)
{
	struct cmd c = { .cwd = tree, .log = log };
	const char *args[] = { "patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch",
			       "--reject-file=-", "-i", patch };
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&c.argv, args[i]);
	int rc = run_cmd(&c);
	cmd_free(&c);
	return rc;
}

int build_fresh_copy(const struct build_job *job, const char *path)
{
	rm_rf(job->tree);
	rm_rf(job->build);
	if (mkdir(job->tree, 0755) != 0) {
		fprintf(stderr, "archport: %s: %s\n", job->tree, strerror(errno));
		return -1;
	}
	return copy_tree(path, job->tree, 1, job->bs == BS_CARGO);
}

void build_job_release(struct build_job *job)
{
	free(job->scratch);
	free(job->tree);
	free(job->build);
	free(job->epoch);
	job->scratch = job->tree = job->build = job->epoch = NULL;
}
