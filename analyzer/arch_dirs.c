/* Architecture directories: a tree that keeps its per-architecture code in
 * `arch/x86_64/` and lets the build pick `arch/$(ARCH)/` has nothing to
 * pick on the target. The scan reports the includes that then fail
 * (c/arch-dir-missing) and does not count the x86 directory as read by the
 * target build; `archport stub` creates the target's directory
 * (stubgen/stub_archdir.c).
 *
 * A directory counts when its name is an x86 architecture, it has no
 * generic sibling (a fallback the build may take), and either a build
 * file selects its parent through a variable (`arch/$(ARCH)/`,
 * `arch/${CMAKE_SYSTEM_PROCESSOR}/`, meson's `host_machine.cpu_family()`)
 * or, weaker, its parent is named like an architecture directory and no
 * build file names the x86 directory itself. Only the first kind tells
 * that the target build never reads the x86 directory.
 *
 * The reverse port (--target x86_64) reads the same layouts the other way
 * round: `arch/arm64/` or `arch/aarch64/` with no x86 sibling gets an
 * x86_64 twin. "x86" in the names below stands for the port's source arch. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "textfile.h"
#include "arch_dirs.h"
#include "util.h"

static const char *const x86_names[] = { "x86", "x86_64", "x86-64", "amd64", "x64", "i386",
	"i486", "i586", "i686", "ia32" };

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !strncasecmp(s, list[i], n))
			return 1;
	return 0;
}

#define IN(s, n, list) in_list(s, n, list, sizeof list / sizeof *list)

static const char *const a64_names[] = { "aarch64", "arm64", "armv8", "armv8-a", "aarch64-linux" };

static int is_reverse(const char *target)
{
	return !strcmp(target, "x86_64");
}

/* A directory name of the port's source arch: x86's, or aarch64's in the
 * reverse port. */
static int is_source_name(const char *target, const char *s, size_t n)
{
	return is_reverse(target) ? IN(s, n, a64_names) : IN(s, n, x86_names);
}

/* Any spelling of the target: the tree already has its directory. */
static int names_target(const char *target, const char *s, size_t n)
{
	static const char *const rv[] = { "riscv64", "riscv", "rv64", "riscv64gc", "rv64gc" };
	if (is_reverse(target))
		return IN(s, n, x86_names);
	return strcmp(target, "aarch64") ? IN(s, n, rv) : IN(s, n, a64_names);
}

static int is_generic_name(const char *s, size_t n)
{
	static const char *const generic[] = { "generic", "common", "default", "portable", "noarch",
		"fallback", "none", "any", "c", "ref", "reference", "all" };
	return IN(s, n, generic);
}

static int is_arch_parent_name(const char *s, size_t n)
{
	static const char *const parents[] = { "arch", "archs", "arches", "platform", "platforms", "port",
		"ports", "cpu", "cpus", "machine", "machines", "sysdeps", "target", "targets", "isa", "hal" };
	return IN(s, n, parents);
}

struct arch_dir {
	char *parent;     /* "src/arch" */
	char *x86;        /* "src/arch/x86_64" */
	char *twin;       /* "src/arch/aarch64", or NULL when the tree has one */
	int by_variable;  /* a build file picks it through a variable */
};

struct arch_dirs {
	struct arch_dir *v;
	size_t n, cap;
	char *builds;     /* every build file's text, joined */
};

/* The subdirectory names of `parent` ("" for the root) in the walk. */
static int has_child(const struct walk_result *w, const char *parent, int (*pred)(const char *, const char *, size_t),
		     const char *arg)
{
	size_t pn = strlen(parent);
	for (size_t i = 0; i < w->len; i++) {
		const char *rel = w->files[i].rel;
		if (pn && (strncmp(rel, parent, pn) || rel[pn] != '/'))
			continue;
		const char *name = rel + (pn ? pn + 1 : 0), *slash = strchr(name, '/');
		if (slash && pred(arg, name, (size_t)(slash - name)))
			return 1;
	}
	return 0;
}

static int pred_target(const char *target, const char *s, size_t n)
{
	return names_target(target, s, n);
}

static int pred_generic(const char *unused, const char *s, size_t n)
{
	(void)unused;
	return is_generic_name(s, n);
}

static char *read_builds(const struct walk_result *w)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < w->len; i++) {
		enum file_kind k = w->files[i].kind;
		if (k != FK_MAKE && k != FK_CMAKE && k != FK_MESON && k != FK_AUTOCONF)
			continue;
		struct textfile tf;
		char *why = NULL;
		if (textfile_read(w->files[i].path, &tf, &why) == 0) {
			sb_add(&sb, tf.data, tf.len);
			sb_addc(&sb, '\n');
			textfile_free(&tf);
		}
		free(why);
	}
	return sb_detach(&sb);
}

/* Does a build file choose among the children of `pname` by a variable? */
static int selected_by_variable(const char *builds, const char *pname)
{
	static const char *const forms[] = { "%s/$(", "%s/${", "%s/@" };
	for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
		char *needle = xasprintf(forms[i], pname);
		int hit = strstr(builds, needle) != NULL;
		free(needle);
		if (hit)
			return 1;
	}
	/* meson: 'arch' / host_machine.cpu_family(), join_paths('arch', ...) */
	for (const char *l = builds; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		char *line = xstrndup(l, n), *q = xasprintf("'%s", pname);
		int hit = strstr(line, "host_machine.cpu") && strstr(line, q);
		free(line);
		free(q);
		if (hit)
			return 1;
		l += n + (e != NULL);
	}
	return 0;
}

/* The twin's name: the spelling the build uses if it names only one,
 * else the one of the x86 directory's scheme (x86_64 goes with aarch64,
 * as `uname -m` says; amd64 with arm64; the kernel's x86 with arm64 and
 * riscv). */
static const char *twin_name(const char *target, const char *x86, const char *builds)
{
	if (is_reverse(target))   /* `uname -m` and -dumpmachine say x86_64; Debian and Go say amd64 */
		return strstr(builds, "amd64") && !strstr(builds, "x86_64") ? "amd64" : "x86_64";
	int a64 = !strcmp(target, "aarch64");
	const char *uname = a64 ? "aarch64" : "riscv64", *other = a64 ? "arm64" : "riscv";
	int has_uname = strstr(builds, uname) != NULL, has_other = a64 ? strstr(builds, "arm64") != NULL : 0;
	if (has_uname != has_other)
		return has_uname ? uname : other;
	if (!strcasecmp(x86, "amd64") || !strcasecmp(x86, "x64"))
		return a64 ? "arm64" : "riscv64";
	if (!strcasecmp(x86, "x86"))
		return other;
	return uname;
}

/* Does a build file name a file of the x86 directory itself? */
static int named_literally(const char *builds, const char *pname, const char *x86name)
{
	char *needle = xasprintf("%s/%s/", pname, x86name);
	int hit = strstr(builds, needle) != NULL;
	free(needle);
	return hit;
}

static void consider(struct arch_dirs *ad, const struct walk_result *w, const char *target, const char *dir)
{
	for (size_t i = 0; i < ad->n; i++)
		if (!strcmp(ad->v[i].x86, dir))
			return;
	const char *slash = strrchr(dir, '/');
	if (!slash)
		return;   /* an x86 directory at the root: too little to go on */
	char *parent = xstrndup(dir, (size_t)(slash - dir));
	const char *pname = strrchr(parent, '/') ? strrchr(parent, '/') + 1 : parent;
	int variable = selected_by_variable(ad->builds, pname);
	int guess = is_arch_parent_name(pname, strlen(pname)) && !named_literally(ad->builds, pname, slash + 1);
	/* a generic sibling is what the build falls back to on other arches */
	if ((!variable && !guess) || has_child(w, parent, pred_generic, NULL)) {
		free(parent);
		return;
	}
	GROW(ad->v, ad->n, ad->cap);
	struct arch_dir *d = &ad->v[ad->n++];
	d->parent = parent;
	d->x86 = xstrdup(dir);
	d->by_variable = variable;
	d->twin = has_child(w, parent, pred_target, target)
			  ? NULL : xasprintf("%s/%s", parent, twin_name(target, slash + 1, ad->builds));
}

struct arch_dirs *arch_dirs_find(const struct walk_result *w, const char *target)
{
	struct arch_dirs *ad = xcalloc(1, sizeof *ad);
	ad->builds = read_builds(w);
	for (size_t i = 0; i < w->len; i++) {
		const char *rel = w->files[i].rel;
		for (const char *s = rel, *e; (e = strchr(s, '/')); s = e + 1)
			if (is_source_name(target, s, (size_t)(e - s))) {
				char *dir = xstrndup(rel, (size_t)(e - rel));
				consider(ad, w, target, dir);
				free(dir);
			}
	}
	return ad;
}

static int under(const char *dir, const char *rel)
{
	size_t n = strlen(dir);
	return !strncmp(rel, dir, n) && rel[n] == '/';
}

int arch_dirs_contains(const struct arch_dirs *ad, const char *rel)
{
	for (size_t i = 0; ad && i < ad->n; i++)
		if (ad->v[i].by_variable && under(ad->v[i].x86, rel))
			return 1;
	return 0;
}

size_t arch_dirs_len(const struct arch_dirs *ad)
{
	return ad ? ad->n : 0;
}

const char *arch_dirs_x86(const struct arch_dirs *ad, size_t i)
{
	return ad->v[i].x86;
}

const char *arch_dirs_twin(const struct arch_dirs *ad, size_t i)
{
	return ad->v[i].twin;
}

int arch_dirs_by_variable(const struct arch_dirs *ad, size_t i)
{
	return ad->v[i].by_variable;
}

void arch_dirs_free(struct arch_dirs *ad)
{
	for (size_t i = 0; ad && i < ad->n; i++) {
		free(ad->v[i].parent);
		free(ad->v[i].x86);
		free(ad->v[i].twin);
	}
	if (ad) {
		free(ad->v);
		free(ad->builds);
	}
	free(ad);
}
