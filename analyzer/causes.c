/* Root-cause grouping and fix order (causes.h). */
#include <stdlib.h>
#include <string.h>
#include "causes.h"
#include "scan.h"

/* ---- grouping ---- */

/* The first `quoted` name of a message, or the whole message. */
static char *subject_of(const char *message)
{
	const char *open = strchr(message, '`');
	const char *close = open ? strchr(open + 1, '`') : NULL;
	if (!close || close == open + 1)
		return xstrdup(message);
	return xstrndup(open + 1, (size_t)(close - open - 1));
}

static char *group_key(const struct finding *f)
{
	if (f->cause)
		return xasprintf("%s\n%s", f->cause_file ? f->cause_file : f->file, f->cause);
	char *subject = subject_of(f->message);
	char *key = xasprintf("%s\n%s\n%s", f->rule, f->file, subject);
	free(subject);
	return key;
}

static void start_cause(struct cause *c, const struct finding *f)
{
	memset(c, 0, sizeof *c);
	c->rule = f->rule;
	c->severity = f->severity;
	c->file = xstrdup(f->cause && f->cause_file ? f->cause_file : f->file);
	if (f->cause) {
		c->title = xstrdup(f->cause);
	} else {
		char *subject = subject_of(f->message);
		c->title = strcmp(subject, f->message) ? xasprintf("`%s` in %s", subject, f->file)
						      : xasprintf("%s (%s)", subject, f->file);
		free(subject);
	}
}

static void add_member(struct cause *c, const struct finding *f, size_t index)
{
	GROW(c->findings, c->count, c->findings_cap);
	c->findings[c->count++] = index;
	c->errors += f->severity == SEV_ERROR;
	c->warnings += f->severity == SEV_WARNING;
	c->notes += f->severity == SEV_NOTE;
	if (f->severity > c->severity)
		c->severity = f->severity;
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i], f->file))
			return;
	GROW(c->files, c->nfiles, c->files_cap);
	c->files[c->nfiles++] = xstrdup(f->file);
}

/* ---- order ---- */

static int compare_sizes(size_t a, size_t b)
{
	return a > b ? -1 : a < b;
}

/* Sorting key: worst severity, dependents, errors, warnings, size, then
 * the report order of the first finding (so the sort is deterministic). */
static int compare_causes(const void *pa, const void *pb)
{
	const struct cause *a = pa, *b = pb;
	int c;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((c = compare_sizes(a->blocks, b->blocks)) || (c = compare_sizes(a->errors, b->errors)) ||
	    (c = compare_sizes(a->warnings, b->warnings)) || (c = compare_sizes(a->count, b->count)))
		return c;
	return a->findings[0] < b->findings[0] ? -1 : a->findings[0] > b->findings[0];
}

static void number_causes(struct cause_list *out, size_t nfindings)
{
	out->of_finding = xcalloc(nfindings ? nfindings : 1, sizeof *out->of_finding);
	for (size_t i = 0; i < out->len; i++) {
		struct cause *c = &out->items[i];
		c->order = i + 1;
		c->id = xasprintf("C%zu", i + 1);
		for (size_t j = 0; j < c->count; j++)
			out->of_finding[c->findings[j]] = i;
	}
}

void causes_build(struct cause_list *out, const struct finding_list *findings,
		  const struct strmap *dependents)
{
	struct strmap by_key = {0};   /* key -> index + 1 */
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < findings->len; i++) {
		const struct finding *f = &findings->items[i];
		char *key = group_key(f);
		struct strmap_entry *e = strmap_get(&by_key, key, strlen(key), 1);
		free(key);
		if (!e->value) {
			GROW(out->items, out->len, out->cap);
			start_cause(&out->items[out->len], f);
			e->value = (void *)(uintptr_t)++out->len;
		}
		add_member(&out->items[(uintptr_t)e->value - 1], f, i);
	}
	strmap_free(&by_key, NULL);
	for (size_t i = 0; dependents && i < out->len; i++) {
		struct cause *c = &out->items[i];
		c->blocks = (uintptr_t)strmap_value(dependents, c->file, strlen(c->file));
	}
	if (out->len)
		qsort(out->items, out->len, sizeof *out->items, compare_causes);
	number_causes(out, findings->len);
}

const struct cause *cause_of(const struct cause_list *l, size_t i)
{
	return &l->items[l->of_finding[i]];
}

void causes_free(struct cause_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		struct cause *c = &l->items[i];
		for (size_t j = 0; j < c->nfiles; j++)
			free(c->files[j]);
		free(c->files);
		free(c->findings);
		free(c->id);
		free(c->title);
		free(c->file);
	}
	free(l->items);
	free(l->of_finding);
	memset(l, 0, sizeof *l);
}

/* ---- tallies ---- */

static char *tally_name(const struct finding *f, enum tally_by by)
{
	if (by == TALLY_RULE)
		return xstrdup(f->rule);
	const char *slash = strchr(f->file, '/');
	return slash ? xstrndup(f->file, (size_t)(slash - f->file)) : xstrdup(".");
}

static int compare_tallies(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;
	int c;
	if ((c = compare_sizes(a->errors, b->errors)) || (c = compare_sizes(a->warnings, b->warnings)) ||
	    (c = compare_sizes(a->notes, b->notes)))
		return c;
	return strcmp(a->name, b->name);
}

void tally_findings(struct tally_list *out, const struct finding_list *findings, enum tally_by by)
{
	struct strmap index = {0};   /* name -> index + 1 */
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < findings->len; i++) {
		const struct finding *f = &findings->items[i];
		char *name = tally_name(f, by);
		struct strmap_entry *e = strmap_get(&index, name, strlen(name), 1);
		if (!e->value) {
			GROW(out->items, out->len, out->cap);
			out->items[out->len] = (struct tally){ name, 0, 0, 0 };
			e->value = (void *)(uintptr_t)++out->len;
		} else {
			free(name);
		}
		struct tally *t = &out->items[(uintptr_t)e->value - 1];
		t->errors += f->severity == SEV_ERROR;
		t->warnings += f->severity == SEV_WARNING;
		t->notes += f->severity == SEV_NOTE;
	}
	strmap_free(&index, NULL);
	if (out->len)
		qsort(out->items, out->len, sizeof *out->items, compare_tallies);
}

void tally_free(struct tally_list *t)
{
	for (size_t i = 0; i < t->len; i++)
		free(t->items[i].name);
	free(t->items);
	memset(t, 0, sizeof *t);
}

/* ---- what depends on a file ---- */

/* The translation units whose #includes reach `file`, but itself. */
static size_t count_includers(const struct tree_index *ix, int file)
{
	int *roots = NULL, complete;
	size_t n = index_tu_roots(ix, file, &roots, &complete), others = 0;
	for (size_t i = 0; i < n; i++)
		others += roots[i] != file;
	free(roots);
	return others;
}

static int manifest_index(const struct tree_index *ix, const char *rel)
{
	const struct cargo_manifest *m = cargo_manifest_for(&ix->cargo, rel);
	return m ? (int)(m - ix->cargo.items) : -1;
}

/* What counting dependents needs across the files of one scan: each
 * crate's answer and each .rs file's crate, computed once. */
struct dependents_ctx {
	const struct tree_index *ix;
	int *crate_of;          /* [walk file]: manifest index, -1 none; NULL until needed */
	size_t *crate_count;    /* [manifest]: dependents + 1, 0 until computed */
};

/* Does crate `from` name crate `to` as a path dependency? */
static int depends_on(const struct tree_index *ix, size_t from, size_t to)
{
	const struct cargo_manifest *m = &ix->cargo.items[from];
	for (size_t i = 0; i < m->ndeps; i++)
		if (m->deps[i].root && manifest_index(ix, m->deps[i].root) == (int)to)
			return 1;
	return 0;
}

static void find_crates(struct dependents_ctx *d)
{
	const struct walk_result *w = d->ix->walk;
	d->crate_of = xcalloc(w->len ? w->len : 1, sizeof *d->crate_of);
	for (size_t i = 0; i < w->len; i++)
		d->crate_of[i] = w->files[i].kind == FK_RUST ? manifest_index(d->ix, w->files[i].rel) : -1;
	d->crate_count = xcalloc(d->ix->cargo.len ? d->ix->cargo.len : 1, sizeof *d->crate_count);
}

/* The .rs files of the crates that depend on crate `crate`, directly or
 * through other crates. */
static size_t count_crate_dependents(struct dependents_ctx *d, size_t crate)
{
	if (!d->crate_of)
		find_crates(d);
	if (d->crate_count[crate])
		return d->crate_count[crate] - 1;
	size_t n = d->ix->cargo.len, head = 0, tail = 0, files = 0;
	char *seen = xcalloc(n, 1);
	size_t *queue = xcalloc(n, sizeof *queue);
	queue[tail++] = crate;
	seen[crate] = 1;
	while (head < tail) {
		size_t at = queue[head++];
		for (size_t i = 0; i < n; i++)
			if (!seen[i] && depends_on(d->ix, i, at)) {
				seen[i] = 1;
				queue[tail++] = i;
			}
	}
	for (size_t i = 0; i < d->ix->walk->len; i++)
		files += d->crate_of[i] >= 0 && (size_t)d->crate_of[i] != crate && seen[d->crate_of[i]];
	free(seen);
	free(queue);
	d->crate_count[crate] = files + 1;
	return files;
}

static size_t count_dependents(struct dependents_ctx *d, const char *rel)
{
	const struct tree_index *ix = d->ix;
	intptr_t v = (intptr_t)strmap_value(&ix->files, rel, strlen(rel));
	if (v <= 0)
		return 0;
	const struct source_file *f = &ix->walk->files[v - 1];
	if (f->kind == FK_RUST || f->kind == FK_CARGO) {
		int m = manifest_index(ix, rel);
		return m >= 0 ? count_crate_dependents(d, (size_t)m) : 0;
	}
	return ix->includers ? count_includers(ix, (int)(v - 1)) : 0;
}

void causes_count_dependents(struct strmap *out, const struct tree_index *ix,
			     const struct finding_list *findings, const char *prefix)
{
	struct dependents_ctx d = { ix, NULL, NULL };
	for (size_t i = 0; i < findings->len; i++) {
		const struct finding *f = &findings->items[i];
		const char *rel = f->cause && f->cause_file ? f->cause_file : f->file;
		char *name = prefix ? xasprintf("%s/%s", prefix, rel) : xstrdup(rel);
		if (!strmap_get(out, name, strlen(name), 0))
			strmap_get(out, name, strlen(name), 1)->value = (void *)(uintptr_t)count_dependents(&d, rel);
		free(name);
	}
	free(d.crate_of);
	free(d.crate_count);
}
