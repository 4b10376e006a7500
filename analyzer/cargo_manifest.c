/* Reads each Cargo.toml of the tree once, before the scan: the default
 * features (for `feature = "..."` cfgs), the targets a manifest places by
 * `path` (crate roots) and the dependencies (for paths into other crates,
 * with their [target.'cfg(...)'] keys). One line-based TOML walker serves
 * all three: Cargo manifests are flat enough that `key = value` lines under
 * `[table]` headers are all archport needs; an array value may run on over
 * later lines. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cargo_manifest.h"
#include "scan.h"
#include "textfile.h"

/* One `key = value` line under a table header. */
struct toml_entry {
	const char *table;   /* the header without brackets: "lib", "bin", "dependencies", ... */
	size_t tn;
	int table_line;
	const char *key;     /* without quotes */
	size_t kn;
	const char *value;   /* to the end of the text: arrays may span lines */
	const char *end;
	int line;
};

typedef void (*toml_fn)(void *ctx, const struct toml_entry *e);

static const char *skip_blanks(const char *p, const char *eol)
{
	while (p < eol && isspace((unsigned char)*p))
		p++;
	return p;
}

/* `[table]` or `[[table]]`: the name between the brackets. */
static void table_header(struct toml_entry *e, const char *p, const char *eol)
{
	int twice = p + 1 < eol && p[1] == '[';
	const char *s = p + 1 + twice, *close = eol;
	while (close > s && close[-1] != ']')
		close--;
	if (close > s)
		close -= 1 + (twice && close - 1 > s && close[-2] == ']');
	e->table = s;
	e->tn = close > s ? (size_t)(close - s) : 0;
}

/* A bare or quoted key and the `=` after it; 0 for other lines (array
 * items, comments). */
static int key_value(struct toml_entry *e, const char *p, const char *eol)
{
	const char *k = p, *ke;
	if (*p == '"' || *p == '\'') {
		ke = memchr(p + 1, *p, (size_t)(eol - p - 1));
		if (!ke)
			return 0;
		k = p + 1;
		p = ke + 1;
	} else {
		while (p < eol && (isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
			p++;
		ke = p;
	}
	p = skip_blanks(p, eol);
	if (ke == k || p >= eol || *p != '=')
		return 0;
	e->key = k;
	e->kn = (size_t)(ke - k);
	e->value = skip_blanks(p + 1, eol);
	return 1;
}

static void toml_walk(const char *s, size_t len, toml_fn fn, void *ctx)
{
	struct toml_entry e = { .table = "", .end = s + len };
	const char *end = s + len;
	int line = 0;
	for (const char *p = s; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol ? eol : end;
		line++;
		p = skip_blanks(p, eol);
		if (p < eol && *p == '[') {
			table_header(&e, p, eol);
			e.table_line = line;
		} else if (p < eol && *p != '#' && key_value(&e, p, eol)) {
			e.line = line;
			fn(ctx, &e);
		}
		p = eol + (eol < end);
	}
}

/* The string value `"x"` (or a `path = "x"` inside an inline table). */
static char *string_value(const char *v, const char *end, const char *key)
{
	if (key) {
		const char *eol = memchr(v, '\n', (size_t)(end - v));
		eol = eol ? eol : end;
		size_t kn = strlen(key);
		const char *k = v;
		while ((k = memmem(k, (size_t)(eol - k), key, kn)) != NULL &&
		       ((k > v && (isalnum((unsigned char)k[-1]) || k[-1] == '_')) ||
			*skip_blanks(k + kn, eol) != '='))
			k += kn;
		if (!k)
			return NULL;
		v = skip_blanks(k + kn, eol) + 1;
		v = skip_blanks(v, eol);
		end = eol;
	}
	if (v >= end || *v != '"')
		return NULL;
	const char *q = memchr(v + 1, '"', (size_t)(end - v - 1));
	return q ? xstrndup(v + 1, (size_t)(q - v - 1)) : NULL;
}

static int table_is(const struct toml_entry *e, const char *name)
{
	return mem_eq(e->table, e->tn, name);
}

static char *in_dir(const struct cargo_manifest *m, const char *path)
{
	char *rel = *m->dir ? xasprintf("%s/%s", m->dir, path) : xstrdup(path);
	char *folded = rust_fold_path(rel);
	free(rel);
	return folded;
}

/* ---- [features] ---- */

struct feature_table {
	struct toml_entry *entries;
	size_t n;
};

static void add_feature(struct cargo_manifest *m, const char *s, size_t n, size_t *cap)
{
	for (size_t i = 0; i < m->nfeatures; i++)
		if (mem_eq(s, n, m->features[i]))
			return;
	GROW(m->features, m->nfeatures, *cap);
	m->features[m->nfeatures++] = xstrndup(s, n);
}

/* Enables `name` and what its array enables (plain feature names only:
 * `dep:x` and `x/y` name dependencies). */
static void enable(struct cargo_manifest *m, const struct feature_table *t, const char *name, size_t nn, size_t *cap,
		   int depth)
{
	for (size_t i = 0; i < t->n && depth < 16; i++) {
		const struct toml_entry *e = &t->entries[i];
		if (e->kn == nn && !memcmp(e->key, name, nn) && *e->value == '[') {
			const char *close = memchr(e->value, ']', (size_t)(e->end - e->value));
			for (const char *p = e->value; close && p < close;) {
				const char *q = memchr(p, '"', (size_t)(close - p));
				const char *qe = q ? memchr(q + 1, '"', (size_t)(close - q - 1)) : NULL;
				if (!qe)
					break;
				size_t n = (size_t)(qe - q - 1);
				size_t before = m->nfeatures;
				if (n && !memchr(q + 1, ':', n) && !memchr(q + 1, '/', n)) {
					add_feature(m, q + 1, n, cap);
					if (m->nfeatures > before)
						enable(m, t, q + 1, n, cap, depth + 1);
				}
				p = qe + 1;
			}
		}
	}
}

/* ---- the entries archport reads ---- */

/* One manifest being read. */
struct reading {
	struct cargo_manifest *m;
	struct feature_table features;   /* collected, resolved at the end */
	size_t features_cap, targets_cap, deps_cap;
};

/* `[target.'cfg(...)'.dependencies]`, `[dependencies]` (1) or
 * `[dependencies.NAME]`, `[target.X.dependencies.NAME]` (2); *pred is the
 * target key. */
static int dep_table(const struct toml_entry *e, const char **pred, size_t *pn, const char **name, size_t *nn)
{
	const char *h = e->table;
	size_t n = e->tn;
	*pred = NULL;
	*pn = 0;
	if (n > 7 && !memcmp(h, "target.", 7)) {
		char q = h[7];
		int quoted = q == '\'' || q == '"';
		const char *s = h + 7 + quoted;
		const char *qe = memchr(s, quoted ? q : '.', (size_t)(h + n - s));
		if (!qe)
			return 0;
		*pred = s;
		*pn = (size_t)(qe - s);
		const char *rest = qe + quoted;
		n -= (size_t)(rest - h);
		h = rest;
		if (n && *h == '.')
			h++, n--;
	}
	if (mem_eq(h, n, "dependencies"))
		return 1;
	if (n > 13 && !memcmp(h, "dependencies.", 13)) {
		*name = h + 13;
		*nn = n - 13;
		return 2;
	}
	return 0;
}

static struct cargo_dep *dep_named(struct reading *r, const char *name, size_t nn, const char *pred, size_t pn,
				   int line)
{
	struct cargo_manifest *m = r->m;
	for (size_t i = 0; i < m->ndeps; i++)
		if (m->deps[i].line == line)
			return &m->deps[i];
	GROW(m->deps, m->ndeps, r->deps_cap);
	struct cargo_dep *d = &m->deps[m->ndeps++];
	d->name = xstrndup(name, nn);
	for (char *c = d->name; *c; c++)
		if (*c == '-')
			*c = '_';
	d->root = NULL;
	d->pred = pred ? xstrndup(pred, pn) : NULL;
	d->line = line;
	return d;
}

static void set_dep_dir(struct cargo_manifest *m, struct cargo_dep *d, char *path)
{
	if (path && !d->root)
		d->root = in_dir(m, path);   /* the dependency's directory for now */
	free(path);
}

static void read_entry(void *ctx, const struct toml_entry *e)
{
	static const char *const target_tables[] = { "lib", "bin", "test", "example", "bench" };
	const char *pred, *name = NULL;
	size_t pn, nn = 0;
	struct reading *r = ctx;
	struct cargo_manifest *m = r->m;
	if (table_is(e, "package") && mem_eq(e->key, e->kn, "name")) {
		free(m->package);
		m->package = string_value(e->value, e->end, NULL);
		return;
	}
	if (table_is(e, "features")) {
		GROW(r->features.entries, r->features.n, r->features_cap);
		r->features.entries[r->features.n++] = *e;
		return;
	}
	for (size_t i = 0; i < sizeof target_tables / sizeof *target_tables; i++)
		if (table_is(e, target_tables[i]) && mem_eq(e->key, e->kn, "path")) {
			char *path = string_value(e->value, e->end, NULL);
			if (path) {
				GROW(m->targets, m->ntargets, r->targets_cap);
				m->targets[m->ntargets++] = in_dir(m, path);
				if (i == 0) {
					free(m->lib);
					m->lib = in_dir(m, path);
				}
			}
			free(path);
			return;
		}
	int kind = dep_table(e, &pred, &pn, &name, &nn);
	if (kind == 1)
		set_dep_dir(m, dep_named(r, e->key, e->kn, pred, pn, e->line), string_value(e->value, e->end, "path"));
	else if (kind == 2)
		set_dep_dir(m, dep_named(r, name, nn, pred, pn, e->table_line),
			    mem_eq(e->key, e->kn, "path") ? string_value(e->value, e->end, NULL) : NULL);
}

/* ---- the set of manifests ---- */

static void read_manifest(struct cargo_manifest *m, const char *text, size_t len)
{
	struct reading r = { .m = m };
	toml_walk(text, len, read_entry, &r);
	size_t cap = 0;
	enable(m, &r.features, "default", 7, &cap, 0);
	free(r.features.entries);
}

/* A path dependency's root: its [lib] path, else src/lib.rs. */
static void resolve_dep_roots(struct cargo_manifests *ms)
{
	for (size_t i = 0; i < ms->len; i++)
		for (size_t j = 0; j < ms->items[i].ndeps; j++) {
			struct cargo_dep *d = &ms->items[i].deps[j];
			if (!d->root)
				continue;
			intptr_t v = (intptr_t)strmap_value(&ms->by_dir, d->root, strlen(d->root));
			const char *lib = v > 0 ? ms->items[v - 1].lib : NULL;
			char *root = lib ? xstrdup(lib) : *d->root ? xasprintf("%s/src/lib.rs", d->root) : xstrdup("src/lib.rs");
			free(d->root);
			d->root = root;
		}
}

void cargo_manifests_load(struct cargo_manifests *ms, const struct tree_index *ix)
{
	memset(ms, 0, sizeof *ms);
	for (size_t i = 0; i < ix->walk->len; i++) {
		const char *rel = ix->walk->files[i].rel, *slash = strrchr(rel, '/');
		struct textfile tf;
		char *why = NULL;
		if (strcmp(slash ? slash + 1 : rel, "Cargo.toml") != 0 ||
		    textfile_read(ix->walk->files[i].path, &tf, &why) != 0) {
			free(why);
			continue;
		}
		GROW(ms->items, ms->len, ms->cap);
		struct cargo_manifest *m = &ms->items[ms->len++];
		memset(m, 0, sizeof *m);
		m->dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
		m->file = (int)i;
		read_manifest(m, tf.data, tf.len);
		textfile_free(&tf);
	}
	for (size_t i = 0; i < ms->len; i++) {
		strmap_get(&ms->by_dir, ms->items[i].dir, strlen(ms->items[i].dir), 1)->value = (void *)(intptr_t)(i + 1);
		for (size_t t = 0; t < ms->items[i].ntargets; t++)
			strmap_get(&ms->targets, ms->items[i].targets[t], strlen(ms->items[i].targets[t]), 1);
	}
	resolve_dep_roots(ms);
}

void cargo_manifests_free(struct cargo_manifests *ms)
{
	for (size_t i = 0; i < ms->len; i++) {
		struct cargo_manifest *m = &ms->items[i];
		for (size_t j = 0; j < m->nfeatures; j++)
			free(m->features[j]);
		for (size_t j = 0; j < m->ntargets; j++)
			free(m->targets[j]);
		for (size_t j = 0; j < m->ndeps; j++) {
			free(m->deps[j].name);
			free(m->deps[j].root);
			free(m->deps[j].pred);
		}
		free(m->features);
		free(m->targets);
		free(m->deps);
		free(m->lib);
		free(m->dir);
		free(m->package);
	}
	free(ms->items);
	strmap_free(&ms->by_dir, NULL);
	strmap_free(&ms->targets, NULL);
	memset(ms, 0, sizeof *ms);
}

const struct cargo_manifest *cargo_manifest_for(const struct cargo_manifests *ms, const char *rel)
{
	char *dir = xstrdup(rel);
	const struct cargo_manifest *found = NULL;
	for (char *slash = strrchr(dir, '/');; slash = strrchr(dir, '/')) {
		if (slash)
			*slash = '\0';
		else
			*dir = '\0';
		intptr_t v = (intptr_t)strmap_value(&ms->by_dir, dir, strlen(dir));
		if (v > 0) {
			found = &ms->items[v - 1];
			break;
		}
		if (!*dir)
			break;
	}
	free(dir);
	return found;
}

int cargo_is_target(const struct cargo_manifests *ms, const char *rel)
{
	return strmap_has(&ms->targets, rel, strlen(rel));
}
