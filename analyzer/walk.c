#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "git.h"
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

/* ---- symlinks ---- */

/* Where the symlink `rel` leads, relative to the real root, or NULL when
 * that is outside the tree (or in its .git directory), which archport
 * neither reads nor writes: a problem says so, once. */
static char *link_in_tree(const char *real_root, const char *path, const char *rel, struct walk_result *out)
{
	char *real = realpath(path, NULL);
	size_t n = strlen(real_root);
	const char *inside = NULL;
	if (real && strncmp(real, real_root, n) == 0 && (real[n] == '/' || !real[n]))
		inside = real[n] ? real + n + 1 : "";
	if (inside && (strcmp(inside, ".git") == 0 || str_starts(inside, ".git/")))
		inside = NULL;
	char *target = inside ? xstrdup(inside) : NULL;
	if (!inside)
		add_problem(out, rel, xasprintf("symlink to %s, outside the tree; not followed", real ? real : "?"));
	free(real);
	return target;
}

/* A symlink stat(2) cannot follow: a loop is always said, a dangling
 * link only where a source file was meant. */
static void add_broken_link(struct walk_result *out, const char *rel, int err)
{
	if (classify_path(rel) != FK_NONE || err == ELOOP)
		add_problem(out, rel, xstrdup(err == ELOOP ? "symlink loop; not followed" : "dangling symlink; not followed"));
}

/* A symlink whose target exists: a file inside the tree is taken under its
 * own name (an alias is scanned and patched once, through its target, and
 * the link stays a link); a directory inside the tree is walked under its
 * real name, so the link is skipped. */
static void add_link(const char *root, const char *real_root, const char *rel, const struct stat *st,
		     struct walk_result *out)
{
	if (!S_ISDIR(st->st_mode) && (!S_ISREG(st->st_mode) || classify_path(rel) == FK_NONE))
		return;
	char *path = join(root, rel);
	char *target = link_in_tree(real_root, path, rel, out);
	if (target && S_ISREG(st->st_mode))
		add_file(out, root, target);
	free(target);
	free(path);
}

/* ---- plain directory walk ---- */

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walker {
	const char *root;
	const char *real_root;     /* the root with every symlink resolved */
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
		add_broken_link(wk->out, rel, errno);
		free(path);
		return;
	}
	if (is_link) {
		add_link(wk->root, wk->real_root, rel, &st, wk->out);
		free(path);
		return;
	}
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

/* A directory that git lists as one entry: a submodule. Its files are
 * part of the build too, so they are walked; one that was never checked
 * out (a clone without --recurse-submodules) is empty, and said so. */
static void walk_submodule(const char *root, const char *real_root, const char *rel, const struct stat *st,
			   struct walk_result *out)
{
	char *dotgit = xasprintf("%s/%s/.git", root, rel);
	struct stat g;
	if (lstat(dotgit, &g) != 0)
		add_problem(out, rel, xstrdup("submodule not checked out (git submodule update --init); not scanned"));
	free(dotgit);
	struct walker wk = { root, real_root, out, NULL, 0, 0, NULL, 0, 0 };
	walk_dir(&wk, rel, st);
	free(wk.stack);
	free(wk.seen);
}

static void git_entry(const char *root, const char *real_root, const char *rel, struct walk_result *out)
{
	char *path = join(root, rel);
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (classify_path(rel) != FK_NONE)
			add_problem(out, rel, xstrdup("tracked but missing from the work tree"));
	} else if (S_ISREG(st.st_mode)) {
		add_file(out, root, rel);
	} else if (S_ISDIR(st.st_mode)) {
		walk_submodule(root, real_root, rel, &st, out);
	} else if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) == 0)
			add_link(root, real_root, rel, &st, out);
		else
			add_broken_link(out, rel, errno);
	}
	free(path);
}

static int walk_git(const char *root, const char *real_root, struct walk_result *out)
{
	static const char *const inside[] = { "rev-parse", "--is-inside-work-tree", NULL };
	static const char *const ls[] = { "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".", NULL };
	size_t len;
	char *s = git_output(root, inside, &len);
	if (!s || strncmp(s, "true", 4) != 0) {
		free(s);
		return 0;
	}
	free(s);
	char *list = git_output(root, ls, &len);
	if (!list)
		return 0;
	for (size_t i = 0; i < len;) {
		const char *rel = list + i;
		size_t n = strnlen(rel, len - i);
		git_entry(root, real_root, rel, out);
		i += n + 1;
	}
	free(list);
	return 1;
}

/* An alias and its target give the same file twice: keep the first. */
static void drop_duplicates(struct walk_result *w)
{
	struct strmap listed = {0};
	size_t kept = 0;
	for (size_t i = 0; i < w->len; i++) {
		struct strmap_entry *e = strmap_get(&listed, w->files[i].rel, strlen(w->files[i].rel), 1);
		if (e->value) {
			free(w->files[i].path);
			free(w->files[i].rel);
			continue;
		}
		e->value = (void *)1;
		w->files[kept++] = w->files[i];
	}
	w->len = kept;
	strmap_free(&listed, NULL);
}

/* A single file: its own root (a symlink given by name is followed). */
static void add_single_file(const char *root, struct walk_result *out)
{
	char *real = realpath(root, NULL);
	const char *path = real ? real : root;
	GROW(out->files, out->len, out->cap);
	out->files[out->len].path = xstrdup(path);
	out->files[out->len].rel = xstrdup(base_name(path));
	out->files[out->len].kind = classify_path(path);
	if (out->files[out->len].kind == FK_NONE)
		out->files[out->len].kind = FK_C;
	out->len++;
	free(real);
}

int walk_tree(const char *root, struct walk_result *out)
{
	struct stat st;
	if (stat(root, &st) != 0) {
		fprintf(stderr, "archport: %s: %s\n", root, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode)) {
			add_single_file(root, out);
			return 0;
		}
		fprintf(stderr, "archport: %s: not a file or directory\n", root);
		return -1;
	}
	char *real_root = realpath(root, NULL);
	if (!real_root) {
		fprintf(stderr, "archport: %s: %s\n", root, strerror(errno));
		return -1;
	}
	if (getenv("ARCHPORT_NO_GIT") != NULL || !walk_git(root, real_root, out)) {
		struct walker wk = { root, real_root, out, NULL, 0, 0, NULL, 0, 0 };
		walk_dir(&wk, "", &st);
		free(wk.stack);
		free(wk.seen);
	}
	drop_duplicates(out);
	free(real_root);
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
