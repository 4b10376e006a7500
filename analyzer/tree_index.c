/* The first pass over the tree: where macros are defined, which include
 * directories the build uses, and shared helpers for the front ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "compile_db.h"
#include "make_goals.h"
#include "scan.h"

void emit(struct emitter *em, const char *rule, enum severity sev, int line, int col,
	  int end_line, int end_col, const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	msg[0] = '\0';
	va_start(ap, fmt);
	if (n > 0)
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	struct finding f = { rule, sev, (char *)em->rel, line, col, end_line, end_col, msg, fix, NULL,
			     (char *)em->cause, (char *)em->cause_file };
	/* the source line for carets: find it by counting lines */
	if (em->src && line > 0) {
		const char *p = em->src;
		int l = 1;
		if (em->cached_p && em->cached_line <= line) {
			p = em->cached_p;
			l = em->cached_line;
		}
		for (; l < line && p < em->end; l++) {
			const char *nl = memchr(p, '\n', (size_t)(em->end - p));
			p = nl ? nl + 1 : em->end;
		}
		const char *start;
		size_t len;
		em->cached_line = l;
		em->cached_p = p;
		if (p < em->end) {
			lex_line_bounds(em->src, em->end, p, &start, &len);
			f.source_line = xstrndup(start, len > 400 ? 400 : len);
		}
	}
	findings_add(em->out, &f);
	free(f.source_line);
	free(msg);
}

static struct def_sites *def_sites_of(struct tree_index *ix, const char *name, size_t n)
{
	struct strmap_entry *e = strmap_get(&ix->defs, name, n, 1);
	if (!e->value)
		e->value = xcalloc(1, sizeof(struct def_sites));
	return e->value;
}

static void add_def(struct tree_index *ix, const char *name, size_t n, int file_index)
{
	struct def_sites *d = def_sites_of(ix, name, n);
	for (int i = 0; i < d->nfiles && i < MAX_DEF_FILES; i++)
		if (d->files[i] == file_index)
			return;
	if (d->nfiles < MAX_DEF_FILES)
		d->files[d->nfiles] = file_index;
	if (d->nfiles <= MAX_DEF_FILES)
		d->nfiles++;
}

/* A tree #define or #undef that would override a -D of the build. */
static void add_override(struct tree_index *ix, const char *name, size_t n, int file_index, int undef)
{
	struct def_sites *d = def_sites_of(ix, name, n);
	if (!d->overrides++) {
		d->override_file = file_index;
		d->override_undef = undef;
	}
}

/* `#include "x.h"` / <x.h>: which tree files are headers someone includes
 * (only those need summaries kept for their includers). */
static void note_included(struct tree_index *ix, int file_index, const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || (*p != '"' && *p != '<'))
		return;
	char close = *p == '"' ? '"' : '>';
	const char *s = ++p;
	while (p < end && *p != close && *p != '\n')
		p++;
	if (p >= end || *p != close)
		return;
	const char *from = ix->walk->files[file_index].rel;
	int idx = index_resolve_include(ix, from, s, (size_t)(p - s), close == '>');
	if (idx < 0 || idx == file_index)
		return;
	ix->included[idx] = 1;
	struct file_list *l = &ix->includers[idx];
	if (l->len && l->v[l->len - 1] == file_index)
		return;
	GROW(l->v, l->len, l->cap);
	l->v[l->len++] = file_index;
}

/* The name after a directive's keyword (`#define X`, `#undef X`). */
static size_t directive_name(const char *p, const char *end, const char **name)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *s = p;
	while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9')))
		p++;
	*name = s;
	return (size_t)(p - s);
}

/* The name after `#ifndef` / `#if !defined(`: a possible include guard. */
static size_t guard_name(const char *p, const char *end, const char **name)
{
	static const char *const forms[] = { "ifndef", "if !defined(", "if !defined " };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(forms[i]);
		if ((size_t)(end - p) > n && memcmp(p, forms[i], n) == 0)
			return directive_name(p + n, end, name);
	}
	return 0;
}

static int is_directive(const char *p, const char *end, const char *kw)
{
	size_t n = strlen(kw);
	return (size_t)(end - p) > n && memcmp(p, kw, n) == 0 && (p[n] == ' ' || p[n] == '\t');
}

/* Only the lines that start with '#' matter: a cheap scan, no lexing. An
 * include guard (`#ifndef X` then `#define X` as the first directives) is
 * not a definition other files can see: it is left out, so that two
 * headers guarded by the same name do not make each other undecidable.
 * A `#define X` right after `#ifndef X` is a default, which a -DX of the
 * build wins over; any other #define or #undef of X may override it. */
void index_defines(struct tree_index *ix, int file_index, const char *src, size_t len)
{
	const char *p = src, *end = src + len;
	const char *guard = NULL, *ifndef = NULL;
	size_t guard_len = 0, ifndef_len = 0;
	int directives = 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '#') {
			p++;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			directives++;
			const char *prev_ifndef = ifndef;
			size_t prev_ifndef_len = ifndef_len;
			ifndef_len = guard_name(p, end, &ifndef);
			if (directives == 1) {
				guard = ifndef;
				guard_len = ifndef_len;
			}
			if (end - p > 8 && memcmp(p, "include", 7) == 0)
				note_included(ix, file_index, p + 7, end);
			const char *s;
			size_t n;
			if (is_directive(p, end, "define") && (n = directive_name(p + 7, end, &s)) > 0) {
				int is_guard = directives == 2 && guard_len == n && memcmp(s, guard, n) == 0;
				int is_default = prev_ifndef_len == n && memcmp(s, prev_ifndef, n) == 0;
				if (!is_guard)
					add_def(ix, s, n, file_index);
				if (!is_guard && !is_default)
					add_override(ix, s, n, file_index, 0);
			} else if (is_directive(p, end, "undef") && (n = directive_name(p + 6, end, &s)) > 0) {
				add_override(ix, s, n, file_index, 1);
			}
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
}

size_t index_add_build_define(struct tree_index *ix, const char *name, size_t n, const char *value,
			      size_t vn, int undef, enum tri when, int arch, int lang, const char *origin,
			      const char *why_unknown)
{
	size_t rec = build_defines_add(&ix->build_defines, name, n, value, vn, undef, when, arch, lang,
				       origin, why_unknown);
	struct def_sites *d = def_sites_of(ix, name, n);
	GROW(d->build, d->nbuild, d->build_cap);
	d->build[d->nbuild++] = rec;
	return rec;
}

/* Why a plain make never passes a Makefile define, or NULL. */
static const char *define_unbuilt(const struct make_goals *mg, const struct build_define *r)
{
	const char *why = NULL;
	switch (r->goal_kind) {
	case BM_GOAL_RECIPE:
		return make_goals_unbuilt(mg, r->goal_file, r->goal_line);
	case BM_GOAL_TARGET_VAR:
		return make_goals_target_var(mg, r->goal_file, r->goal_line, &why) == MAKE_REACH_UNBUILT ? why : NULL;
	case BM_GOAL_VAR:
		return make_goals_var_unbuilt(mg, r->goal_file, r->goal_var);
	default:
		return NULL;
	}
}

/* Once the goals are known: a -D/-U that only the recipe of a rule the
 * default goal never builds passes (or a target-specific line of such a
 * target, or a variable only such recipes name) is not set for a plain
 * build; where the goals are not sure, the record stays as it was. */
static void decide_defines_by_goals(struct tree_index *ix)
{
	for (size_t i = 0; ix->make_goals && i < ix->build_defines.len; i++) {
		struct build_define *r = &ix->build_defines.items[i];
		const char *why = r->when == TRI_FALSE ? NULL : define_unbuilt(ix->make_goals, r);
		if (!why)
			continue;
		r->when = TRI_FALSE;
		r->arch = 0;
		free(r->unbuilt);
		r->unbuilt = xstrdup(why);
	}
}

void index_finish(struct tree_index *ix)
{
	if (ix->make_goals)
		make_goals_finish(ix->make_goals);
	decide_defines_by_goals(ix);
	for (size_t i = 0; i < ix->defs.cap; i++) {
		struct def_sites *d = ix->defs.slots[i].key ? ix->defs.slots[i].value : NULL;
		if (!d || !d->nbuild || !d->overrides)
			continue;
		d->overridden = xasprintf("but %s %s it too", ix->walk->files[d->override_file].rel,
					  d->override_undef ? "#undefs" : "#defines");
	}
}

static int file_lang(const struct tree_index *ix, int file_index)
{
	return ix->walk->files[file_index].kind == FK_ASM_CPP ? BM_LANG_ASM : BM_LANG_C;
}

/* The compile database is exact for the files it lists, except where the
 * build files set a macro by architecture: the database records one
 * build (usually the x86 one), the build files say what the target's
 * build passes instead. */
/* More files than this between a header and its translation units: the
 * header is taken as included from anywhere. */
#define MAX_ROOT_SEARCH 1024

/* The translation units (non-header files) whose #includes reach a
 * header; *complete is 0 when a header nothing includes (public API) was
 * on the way, or the search gave up. Returns the count (caller frees). */
size_t index_tu_roots(const struct tree_index *ix, int header, int **out, int *complete)
{
	size_t n = ix->walk->len, head = 0, tail = 0, len = 0, cap = 0;
	char *seen = xcalloc(n ? n : 1, 1);
	int *queue = xcalloc(n ? n : 1, sizeof *queue), *roots = NULL;
	*complete = 1;
	queue[tail++] = header;
	seen[header] = 1;
	while (head < tail) {
		int at = queue[head++];
		if (!path_is_header(ix->walk->files[at].rel)) {
			GROW(roots, len, cap);
			roots[len++] = at;
			continue;
		}
		const struct file_list *up = &ix->includers[at];
		if (!up->len || tail > MAX_ROOT_SEARCH)
			*complete = 0;
		for (size_t i = 0; i < up->len && tail <= MAX_ROOT_SEARCH; i++)
			if (!seen[up->v[i]]) {
				seen[up->v[i]] = 1;
				queue[tail++] = up->v[i];
			}
	}
	free(seen);
	free(queue);
	*out = roots;
	return len;
}

static int any_scoped(const struct tree_index *ix, const struct def_sites *ds)
{
	for (size_t i = 0; i < ds->nbuild; i++)
		if (ix->build_defines.items[ds->build[i]].nscope)
			return 1;
	return 0;
}

static int decide_by_build_files(const struct tree_index *ix, int file_index, const struct def_sites *ds,
				 struct macro_decision *d)
{
	struct bm_file f = { file_index, file_lang(ix, file_index), NULL, 0, 1 };
	int *roots = NULL;
	if (any_scoped(ix, ds) && path_is_header(ix->walk->files[file_index].rel))
		f.nroots = index_tu_roots(ix, file_index, &roots, &f.roots_complete);
	f.roots = roots;
	int r = build_defines_decide(&ix->build_defines, ds->build, ds->nbuild, &f, ds->overridden, d);
	free(roots);
	return r;
}

int index_build_macro(const struct tree_index *ix, int file_index, const char *name, size_t n,
		      struct macro_decision *d)
{
	const struct def_sites *ds = strmap_value(&ix->defs, name, n);
	int by_files = ds && ds->nbuild && decide_by_build_files(ix, file_index, ds, d);
	if (by_files && d->arch && d->state != TRI_UNKNOWN)
		return 1;
	struct macro_decision db;
	if (ix->db && compile_db_decide(ix->db, file_index, name, n, &db)) {
		*d = db;
		return 1;
	}
	return by_files;
}

/* The longest common directory of scope and s[0..n) ("" when none). */
static size_t common_dir(const char *scope, const char *s, size_t n)
{
	size_t common = 0, i = 0;
	for (; scope[i] && i < n && scope[i] == s[i]; i++)
		if (scope[i] == '/')
			common = i;
	return (!scope[i] && (i == n || s[i] == '/')) ? i : common;
}

void index_add_include_dir(struct tree_index *ix, const char *dir, size_t n)
{
	index_add_scoped_include_dir(ix, "", 0, dir, n);
}

void index_add_scoped_include_dir(struct tree_index *ix, const char *scope, size_t sn, const char *dir, size_t n)
{
	while (n > 2 && dir[0] == '.' && dir[1] == '/') {
		dir += 2;
		n -= 2;
	}
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0 || dir[0] == '/' || dir[0] == '$' || memchr(dir, '$', n))
		return;
	for (size_t i = 0; i < ix->ninclude_dirs; i++)
		if (mem_eq(dir, n, ix->include_dirs[i])) {
			/* given by two build files: in scope under both */
			ix->include_scopes[i][common_dir(ix->include_scopes[i], scope, sn)] = '\0';
			return;
		}
	GROW(ix->include_scopes, ix->ninclude_dirs, ix->include_scopes_cap);
	ix->include_scopes[ix->ninclude_dirs] = xstrndup(scope, sn);
	GROW(ix->include_dirs, ix->ninclude_dirs, ix->include_cap);
	ix->include_dirs[ix->ninclude_dirs++] = xstrndup(dir, n);
}

/* Is from_rel under the directory `scope` ("" the root)? */
static int in_scope(const char *scope, const char *from_rel)
{
	size_t n = strlen(scope);
	return n == 0 || (!strncmp(scope, from_rel, n) && from_rel[n] == '/');
}

/* Joins dir and name, folding "." and ".." so lookups hit the walk's paths. */
static char *normalize_join(const char *dir, size_t dlen, const char *name, size_t n)
{
	struct strbuf raw = {0};
	sb_add(&raw, dir, dlen);
	if (dlen)
		sb_addc(&raw, '/');
	sb_add(&raw, name, n);
	char **parts = NULL;
	size_t np = 0, cap = 0;
	char *save = NULL;
	for (char *tok = strtok_r(raw.buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (np == 0) {   /* escapes the root */
				free(parts);
				sb_free(&raw);
				return NULL;
			}
			np--;
			continue;
		}
		GROW(parts, np, cap);
		parts[np++] = tok;
	}
	struct strbuf out = {0};
	for (size_t i = 0; i < np; i++) {
		if (i)
			sb_addc(&out, '/');
		sb_adds(&out, parts[i]);
	}
	free(parts);
	sb_free(&raw);
	return sb_detach(&out);
}

static int lookup(const struct tree_index *ix, const char *dir, size_t dlen, const char *name, size_t n)
{
	char *path = normalize_join(dir, dlen, name, n);
	if (!path)
		return -1;
	void *v = strmap_value(&ix->files, path, strlen(path));
	free(path);
	return v ? (int)((intptr_t)v - 1) : -1;
}

int index_resolve_include(const struct tree_index *ix, const char *from_rel,
			  const char *name, size_t n, int angled)
{
	if (n == 0 || name[0] == '/')
		return -1;
	int idx;
	if (!angled) {
		const char *slash = strrchr(from_rel, '/');
		idx = lookup(ix, from_rel, slash ? (size_t)(slash - from_rel) : 0, name, n);
		if (idx >= 0)
			return idx;
	}
	/* The -I dirs of the build files above from_rel, in their order, then
	 * the others (a header no build file covers still finds its include). */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ix->ninclude_dirs; i++) {
			if (in_scope(ix->include_scopes[i], from_rel) != !pass)
				continue;
			idx = lookup(ix, ix->include_dirs[i], strlen(ix->include_dirs[i]), name, n);
			if (idx >= 0)
				return idx;
		}
	return angled ? -1 : lookup(ix, "", 0, name, n);
}

int index_build_gated(const struct tree_index *ix, const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	return (intptr_t)strmap_value(&ix->build_refs, base, strlen(base)) == REF_GATED;
}

void index_init(struct tree_index *ix, const struct knowledge *k, const struct walk_result *w)
{
	memset(ix, 0, sizeof *ix);
	ix->k = k;
	ix->walk = w;
	for (size_t i = 0; i < w->len; i++) {
		const char *rel = w->files[i].rel;
		strmap_get(&ix->files, rel, strlen(rel), 1)->value = (void *)(intptr_t)(i + 1);
	}
	index_add_include_dir(ix, "include", 7);
	ix->included = xcalloc(w->len ? w->len : 1, 1);
	ix->includers = xcalloc(w->len ? w->len : 1, sizeof *ix->includers);
}

static void free_def_sites(void *p)
{
	struct def_sites *d = p;
	if (d) {
		free(d->overridden);
		free(d->build);
	}
	free(d);
}

void index_free(struct tree_index *ix)
{
	free(ix->included);
	for (size_t i = 0; ix->includers && i < ix->walk->len; i++)
		free(ix->includers[i].v);
	free(ix->includers);
	compile_db_free(ix->db);
	make_goals_free(ix->make_goals);
	strmap_free(&ix->files, NULL);
	strmap_free(&ix->defs, free_def_sites);
	build_defines_free(&ix->build_defines);
	strmap_free(&ix->build_refs, NULL);
	cargo_manifests_free(&ix->cargo);
	for (size_t i = 0; i < ix->ninclude_dirs; i++) {
		free(ix->include_dirs[i]);
		free(ix->include_scopes[i]);
	}
	free(ix->include_dirs);
	free(ix->include_scopes);
}
