/* The tree's crates and C directories with what each depends on
 * (components.h), from what the scan's index already holds: the Cargo
 * manifests and the #include graph. */
#include <stdlib.h>
#include <string.h>
#include "components.h"
#include "scan.h"

static int is_c_kind(enum file_kind k)
{
	return k == FK_C || k == FK_ASM_CPP || k == FK_ASM || k == FK_NASM;
}

static int is_build_kind(enum file_kind k)
{
	return k == FK_MAKE || k == FK_CMAKE || k == FK_MESON;
}

/* rel (root-relative, "" the root) as the report names it. */
static char *report_dir(const char *prefix, const char *rel)
{
	if (prefix)
		return *rel ? xasprintf("%s/%s", prefix, rel) : xstrdup(prefix);
	return xstrdup(*rel ? rel : ".");
}

static void add_unique(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], s))
			return;
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = xstrdup(s);
}

static void add_dep(struct component *c, const char *dir, const char *pred)
{
	for (size_t i = 0; i < c->ndeps; i++)
		if (!strcmp(c->deps[i].dir, dir)) {
			if (!pred) {   /* needed on every target after all */
				free(c->deps[i].pred);
				c->deps[i].pred = NULL;
			}
			return;
		}
	c->deps = xrealloc(c->deps, (c->ndeps + 1) * sizeof *c->deps);
	c->deps[c->ndeps++] = (struct component_dep){ xstrdup(dir), pred ? xstrdup(pred) : NULL };
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_deps(const void *a, const void *b)
{
	return strcmp(((const struct component_dep *)a)->dir, ((const struct component_dep *)b)->dir);
}

/* Its lists in name order, so the report does not depend on walk order. */
static void sort_component(struct component *c)
{
	if (c->ndeps)
		qsort(c->deps, c->ndeps, sizeof *c->deps, compare_deps);
	if (c->nexternal)
		qsort(c->external, c->nexternal, sizeof *c->external, compare_strings);
}

static struct component *new_component(struct component_list *out, enum component_kind kind, char *name,
				       char *dir, char *library)
{
	GROW(out->items, out->len, out->cap);
	struct component *c = &out->items[out->len++];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->name = name;
	c->dir = dir;
	c->library = library;
	return c;
}

/* ---- Rust crates ---- */

static long manifest_index(const struct tree_index *ix, const char *rel)
{
	const struct cargo_manifest *m = cargo_manifest_for(&ix->cargo, rel);
	return m ? (long)(m - ix->cargo.items) : -1;
}

/* A target-only dependency says so: `libc (cfg(unix))`. */
static char *external_name(const struct cargo_dep *d)
{
	return d->pred ? xasprintf("%s (%s)", d->name, d->pred) : xstrdup(d->name);
}

static void crate_deps(struct component *c, const struct tree_index *ix, size_t m, const long *component_of,
		       const struct component_list *out)
{
	const struct cargo_manifest *man = &ix->cargo.items[m];
	for (size_t i = 0; i < man->ndeps; i++) {
		const struct cargo_dep *d = &man->deps[i];
		long to = d->root ? manifest_index(ix, d->root) : -1;
		if (to >= 0 && (size_t)to != m && component_of[to] >= 0) {
			add_dep(c, out->items[component_of[to]].dir, d->pred);
		} else {
			char *name = external_name(d);
			add_unique(&c->external, &c->nexternal, name);
			free(name);
		}
	}
}

static void collect_crates(struct component_list *out, const struct tree_index *ix, const char *prefix)
{
	size_t n = ix->cargo.len;
	size_t *rust_files = xcalloc(n ? n : 1, sizeof *rust_files);
	long *component_of = xcalloc(n ? n : 1, sizeof *component_of);
	for (size_t i = 0; i < ix->walk->len; i++) {
		long m = ix->walk->files[i].kind == FK_RUST ? manifest_index(ix, ix->walk->files[i].rel) : -1;
		if (m >= 0)
			rust_files[m]++;
	}
	size_t first = out->len;
	for (size_t m = 0; m < n; m++) {
		component_of[m] = -1;
		if (!rust_files[m])   /* a virtual workspace root */
			continue;
		const struct cargo_manifest *man = &ix->cargo.items[m];
		char *dir = report_dir(prefix, man->dir);
		struct component *c = new_component(out, COMPONENT_CRATE, xstrdup(man->package ? man->package : dir),
						     dir, xstrdup(dir));
		c->files = rust_files[m];
		component_of[m] = (long)(out->len - 1);
	}
	for (size_t m = 0; m < n; m++)
		if (component_of[m] >= 0)
			crate_deps(&out->items[component_of[m]], ix, m, component_of, out);
	for (size_t i = first; i < out->len; i++)
		sort_component(&out->items[i]);
	free(rust_files);
	free(component_of);
}

/* ---- C directories ---- */

/* The nearest directory of rel (or above) that holds a build file: its
 * length in rel (0: the root). */
static size_t library_len(const struct strmap *build_dirs, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;
	while (len > 0) {
		if (strmap_has(build_dirs, rel, len))
			return len;
		while (len > 0 && rel[len - 1] != '/')
			len--;
		len -= len > 0;   /* drop the '/' */
	}
	return 0;
}

/* The group of a C file: its library, plus the first segment below it when
 * the file is deeper ("lib/src" for lib/src/x/y.c). */
static char *c_group(const struct strmap *build_dirs, const char *rel, size_t *library)
{
	size_t lib = library_len(build_dirs, rel);
	size_t start = lib ? lib + 1 : 0;
	const char *seg_end = strchr(rel + start, '/');
	*library = lib;
	return xstrndup(rel, seg_end ? (size_t)(seg_end - rel) : lib);
}

struct c_groups {
	struct strmap build_dirs;   /* dirs holding a build file */
	struct strmap index;        /* group rel dir -> component index + 1 */
	long *of_file;              /* [walk file] -> component index, -1 */
};

static void find_build_dirs(struct strmap *dirs, const struct walk_result *w)
{
	for (size_t i = 0; i < w->len; i++) {
		const char *rel = w->files[i].rel, *slash = strrchr(rel, '/');
		if (is_build_kind(w->files[i].kind) && slash)
			strmap_get(dirs, rel, (size_t)(slash - rel), 1);
	}
}

static void group_c_files(struct component_list *out, struct c_groups *g, const struct tree_index *ix,
			  const char *prefix)
{
	const struct walk_result *w = ix->walk;
	for (size_t i = 0; i < w->len; i++) {
		g->of_file[i] = -1;
		if (!is_c_kind(w->files[i].kind))
			continue;
		size_t lib;
		char *group = c_group(&g->build_dirs, w->files[i].rel, &lib);
		struct strmap_entry *e = strmap_get(&g->index, group, strlen(group), 1);
		if (!e->value) {
			char *library = xstrndup(w->files[i].rel, lib);
			char *dir = report_dir(prefix, group);
			new_component(out, COMPONENT_C, xstrdup(dir), dir, report_dir(prefix, library));
			free(library);
			e->value = (void *)(uintptr_t)out->len;
		}
		free(group);
		g->of_file[i] = (long)(uintptr_t)e->value - 1;
		out->items[g->of_file[i]].files++;
	}
}

/* A group depends on the groups whose files its files #include. */
static void c_include_deps(struct component_list *out, const struct c_groups *g, const struct tree_index *ix)
{
	for (size_t j = 0; j < ix->walk->len; j++) {
		const struct file_list *up = &ix->includers[j];
		for (size_t k = 0; g->of_file[j] >= 0 && k < up->len; k++) {
			long from = g->of_file[up->v[k]];
			if (from >= 0 && from != g->of_file[j]) {
				struct component *c = &out->items[from];
				add_dep(c, out->items[g->of_file[j]].dir, NULL);
			}
		}
	}
}

static void collect_c(struct component_list *out, const struct tree_index *ix, const char *prefix)
{
	struct c_groups g = { {0}, {0}, xcalloc(ix->walk->len ? ix->walk->len : 1, sizeof(long)) };
	size_t first = out->len;
	find_build_dirs(&g.build_dirs, ix->walk);
	group_c_files(out, &g, ix, prefix);
	if (ix->includers)
		c_include_deps(out, &g, ix);
	for (size_t i = first; i < out->len; i++)
		sort_component(&out->items[i]);
	strmap_free(&g.build_dirs, NULL);
	strmap_free(&g.index, NULL);
	free(g.of_file);
}

void components_collect(struct component_list *out, const struct tree_index *ix, const char *prefix)
{
	collect_crates(out, ix, prefix);
	collect_c(out, ix, prefix);
}

static int compare_components(const void *pa, const void *pb)
{
	const struct component *a = pa, *b = pb;
	if (a->kind != b->kind)
		return a->kind == COMPONENT_CRATE ? -1 : 1;
	return strcmp(a->dir, b->dir);
}

static char *dir_key(enum component_kind kind, const char *dir, size_t n)
{
	return xasprintf("%c:%.*s", kind == COMPONENT_CRATE ? 'r' : 'c', (int)n, dir);
}

void components_sort(struct component_list *l)
{
	if (l->len)
		qsort(l->items, l->len, sizeof *l->items, compare_components);
	strmap_free(&l->by_dir, NULL);
	for (size_t i = 0; i < l->len; i++) {
		char *key = dir_key(l->items[i].kind, l->items[i].dir, strlen(l->items[i].dir));
		strmap_get(&l->by_dir, key, strlen(key), 1)->value = (void *)(uintptr_t)(i + 1);
		free(key);
	}
}

long component_by_dir(const struct component_list *l, enum component_kind kind, const char *dir, size_t n)
{
	char *key = dir_key(kind, dir, n);
	long at = (long)(uintptr_t)strmap_value(&l->by_dir, key, strlen(key)) - 1;
	free(key);
	return at;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void components_free(struct component_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		struct component *c = &l->items[i];
		free(c->name);
		free(c->dir);
		free(c->library);
		for (size_t j = 0; j < c->ndeps; j++) {
			free(c->deps[j].dir);
			free(c->deps[j].pred);
		}
		free(c->deps);
		free_strings(c->external, c->nexternal);
	}
	free(l->items);
	strmap_free(&l->by_dir, NULL);
	memset(l, 0, sizeof *l);
}

static int is_rust_file(const char *file)
{
	size_t n = strlen(file);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	return (n >= 3 && !strcmp(file + n - 3, ".rs")) || !strcmp(base, "Cargo.toml");
}

/* The nearest directory of file (or above) that is a component of the
 * file's kind; "." last. */
long component_of_file(const struct component_list *l, const char *file)
{
	if (!file || !l)
		return -1;
	enum component_kind kind = is_rust_file(file) ? COMPONENT_CRATE : COMPONENT_C;
	for (const char *end = strrchr(file, '/'); end; ) {
		long at = component_by_dir(l, kind, file, (size_t)(end - file));
		if (at >= 0)
			return at;
		while (end > file && end[-1] != '/')
			end--;
		end = end > file ? end - 1 : NULL;
	}
	return component_by_dir(l, kind, ".", 1);
}
