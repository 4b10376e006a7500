#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util.h"
#include "walk.h"

static const char *base_name(const char *rel)
{
	const char *s = strrchr(rel, '/');
	return s ? s + 1 : rel;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The one list of C/C++ file names: kind 'c' (C source), 'x' (C++
 * source), 'h' (header of either), 'H' (C++ header). */
static const struct { const char *ext; char kind; } c_names[] = {
	{ ".c", 'c' }, { ".cc", 'x' }, { ".cpp", 'x' }, { ".cxx", 'x' }, { ".c++", 'x' }, { ".C", 'x' },
	{ ".h", 'h' }, { ".inl", 'h' }, { ".hh", 'H' }, { ".hpp", 'H' }, { ".hxx", 'H' },
	{ ".h++", 'H' }, { ".ipp", 'H' }, { ".tcc", 'H' }, { ".H", 'H' },
};

static char c_kind(const char *rel)
{
	const char *dot = strrchr(base_name(rel), '.');
	for (size_t i = 0; dot && i < sizeof c_names / sizeof *c_names; i++)
		if (strcmp(dot, c_names[i].ext) == 0)
			return c_names[i].kind;
	return 0;
}

int path_is_header(const char *rel)
{
	char k = c_kind(rel);
	return k == 'h' || k == 'H';
}

int path_is_c_source(const char *rel)
{
	char k = c_kind(rel);
	return k == 'c' || k == 'x';
}

int path_language(const char *rel)
{
	char k = c_kind(rel);
	return k == 'c' ? 0 : (k == 'x' || k == 'H') ? 1 : -1;
}

enum file_kind classify_path(const char *rel)
{
	static const char *make_names[] = { "Makefile", "makefile", "GNUmakefile", "Makefile.am",
		"Makefile.in", "Kbuild" };
	const char *b = base_name(rel);
	if (c_kind(rel))
		return FK_C;
	if (ends_with(b, ".S") || ends_with(b, ".sx"))
		return FK_ASM_CPP;
	if (ends_with(b, ".s"))
		return FK_ASM;
	if (ends_with(b, ".asm") || ends_with(b, ".nasm"))
		return FK_NASM;
	if (ends_with(b, ".rs"))
		return FK_RUST;
	if (strcmp(b, "Cargo.toml") == 0)
		return FK_CARGO;
	for (size_t i = 0; i < sizeof make_names / sizeof *make_names; i++)
		if (strcmp(b, make_names[i]) == 0)
			return FK_MAKE;
	if (ends_with(b, ".mk") || ends_with(b, ".mak"))
		return FK_MAKE;
	if (strcmp(b, "CMakeLists.txt") == 0 || ends_with(b, ".cmake"))
		return FK_CMAKE;
	if (strcmp(b, "meson.build") == 0)
		return FK_MESON;
	if (strcmp(b, "configure.ac") == 0 || strcmp(b, "configure.in") == 0)
		return FK_AUTOCONF;
	return FK_NONE;
}

static char *join(const char *a, const char *b)
{
	if (!*a)
		return xstrdup(b);
	size_t n = strlen(a);
	return xasprintf("%s%s%s", a, (n && a[n - 1] == '/') ? "" : "/", b);
}

static void add_problem(struct walk_result *w, const char *rel, char *why)
{
	GROW(w->problems, w->nproblems, w->problems_cap);
	w->problems[w->nproblems].path = xstrdup(rel);
	w->problems[w->nproblems].why = why;
	w->nproblems++;
}

static void add_file(struct walk_result *w, const char *root, const char *rel)
{
	enum file_kind kind = classify_path(rel);
	if (kind == FK_NONE)
		return;
	GROW(w->files, w->len, w->cap);
	w->files[w->len].path = join(root, rel);
	w->files[w->len].rel = xstrdup(rel);
	w->files[w->len].kind = kind;
	w->len++;
}

/* ---- plain directory walk ---- */

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walker {
	const char *root;
	struct walk_result *out;
	struct dir_id *stack;      /* directories on the current path */
	size_t depth, cap;
	struct dir_id *seen;       /* every directory entered once */
	size_t nseen, seen_cap;
};

static int dir_seen(const struct dir_id *ids, size_t n, const struct stat *st)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i].dev == st->st_dev && ids[i].ino == st->st_ino)
			return 1;
	return 0;
}

static void walk_dir(struct walker *wk, const char *rel, const struct stat *st);

static void walk_entry(struct walker *wk, const char *rel)
{
	char *path = join(wk->root, rel);
	struct stat lst, st;
	if (lstat(path, &lst) != 0) {
		add_problem(wk->out, rel, xasprintf("cannot stat: %s", strerror(errno)));
		free(path);
		return;
	}
	int is_link = S_ISLNK(lst.st_mode);
	if (is_link && stat(path, &st) != 0) {
		if (classify_path(rel) != FK_NONE || errno == ELOOP)
			add_problem(wk->out, rel, xasprintf(errno == ELOOP ? "symlink loop; not followed"
						   : "dangling symlink; not followed"));
		free(path);
		return;
	}
	if (!is_link)
		st = lst;
	if (S_ISDIR(st.st_mode)) {
		if (dir_seen(wk->stack, wk->depth, &st))
			add_problem(wk->out, rel, xstrdup("symlink loop (points to a parent directory); not followed"));
		else if (!dir_seen(wk->seen, wk->nseen, &st))
			walk_dir(wk, rel, &st);
	} else if (S_ISREG(st.st_mode)) {
		add_file(wk->out, wk->root, rel);
	}
	free(path);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct walker *wk, const char *rel, const struct stat *st)
{
	char *path = *rel ? join(wk->root, rel) : xstrdup(wk->root);
	DIR *d = opendir(path);
	free(path);
	if (!d) {
		add_problem(wk->out, *rel ? rel : ".", xasprintf("cannot open directory: %s", strerror(errno)));
		return;
	}
	GROW(wk->stack, wk->depth, wk->cap);
	wk->stack[wk->depth++] = (struct dir_id){ st->st_dev, st->st_ino };
	GROW(wk->seen, wk->nseen, wk->seen_cap);
	wk->seen[wk->nseen++] = (struct dir_id){ st->st_dev, st->st_ino };
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, ".git") == 0)
			continue;
		GROW(names, n, cap);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)   /* stable, reproducible order */
		qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		char *child = *rel ? join(rel, names[i]) : xstrdup(names[i]);
		walk_entry(wk, child);
		free(child);
		free(names[i]);
	}
	free(names);
	wk->depth--;
}

/* ---- git checkout ---- */

/* Runs git with argv and returns its stdout (NULL when git fails). */
static char *run_git(const char *dir, const char *const *args, size_t *len)
{
	int fds[2];
	if (pipe(fds) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(fds[0]);
		/* The tree is untrusted: its .git/config must not make git run a
		 * program. ls-files would start core.fsmonitor's command; hooks
		 * and the untracked cache are turned off too, and git takes no
		 * optional locks (it never writes the index for us). */
		static const char *const safe[] = { "git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
			"-c", "core.untrackedCache=false", "-c", "core.splitIndex=false" };
		const char *argv[32];
		size_t i = 0, nsafe = sizeof safe / sizeof *safe;
		for (; i < nsafe; i++)
			argv[i] = safe[i];
		argv[i++] = "-C";
		argv[i++] = dir;
		for (size_t a = 0; args[a] && i < 31; a++)
			argv[i++] = args[a];
		argv[i] = NULL;
		setenv("GIT_OPTIONAL_LOCKS", "0", 1);
		execvp("git", (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	struct strbuf sb = {0};
	char buf[65536];
	ssize_t r;
	while ((r = read(fds[0], buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		sb_add(&sb, buf, (size_t)r);
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

static int walk_git(const char *root, struct walk_result *out)
{
	static const char *const inside[] = { "rev-parse", "--is-inside-work-tree", NULL };
	static const char *const ls[] = { "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".", NULL };
	size_t len;
	char *s = run_git(root, inside, &len);
	if (!s || strncmp(s, "true", 4) != 0) {
		free(s);
		return 0;
	}
	free(s);
	char *list = run_git(root, ls, &len);
	if (!list)
		return 0;
	for (size_t i = 0; i < len;) {
		const char *rel = list + i;
		size_t n = strnlen(rel, len - i);
		char *path = join(root, rel);
		struct stat st;
		int ok = lstat(path, &st) == 0;
		if (ok && S_ISREG(st.st_mode)) {
			add_file(out, root, rel);
		} else if (ok && S_ISDIR(st.st_mode)) {
			/* a submodule's checkout (git lists it as one entry): its
			 * files are part of the build too, so walk them */
			struct walker wk = { root, out, NULL, 0, 0, NULL, 0, 0 };
			walk_dir(&wk, rel, &st);
			free(wk.stack);
			free(wk.seen);
		} else if (classify_path(rel) != FK_NONE)
			add_problem(out, rel, xstrdup(S_ISLNK(st.st_mode) ? "tracked symlink; not followed"
						      : "tracked but missing from the work tree"));
		free(path);
		i += n + 1;
	}
	free(list);
	return 1;
}

int walk_tree(const char *root, struct walk_result *out)
{
	struct stat st;
	if (stat(root, &st) != 0) {
		fprintf(stderr, "archport: %s: %s\n", root, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode)) {   /* a single file: its own root */
			GROW(out->files, out->len, out->cap);
			out->files[out->len].path = xstrdup(root);
			out->files[out->len].rel = xstrdup(base_name(root));
			out->files[out->len].kind = classify_path(root);
			if (out->files[out->len].kind == FK_NONE)
				out->files[out->len].kind = FK_C;
			out->len++;
			return 0;
		}
		fprintf(stderr, "archport: %s: not a file or directory\n", root);
		return -1;
	}
	if (getenv("ARCHPORT_NO_GIT") == NULL && walk_git(root, out))
		return 0;
	struct walker wk = { root, out, NULL, 0, 0, NULL, 0, 0 };
	walk_dir(&wk, "", &st);
	free(wk.stack);
	free(wk.seen);
	return 0;
}

void walk_free(struct walk_result *w)
{
	for (size_t i = 0; i < w->len; i++) {
		free(w->files[i].path);
		free(w->files[i].rel);
	}
	for (size_t i = 0; i < w->nproblems; i++) {
		free(w->problems[i].path);
		free(w->problems[i].why);
	}
	free(w->files);
	free(w->problems);
	memset(w, 0, sizeof *w);
}
