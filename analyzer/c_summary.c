#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "c_scan_internal.h"

/* Deeper include nesting than any real tree has: a cycle or a generator gone wrong. */
#define MAX_INCLUDE_DEPTH 64

/* In-tree headers: summaries.
 *
 * An included header is read once per scan, not once per includer: its
 * effects (macros defined and undefined, names declared, arch-chain names,
 * nested includes, in order) are recorded from a standalone reading and
 * replayed into every translation unit that includes it. A header thus
 * means what it says on its own plus what it includes, which keeps scans
 * of include-heavy trees linear. */

struct op {
	enum op_kind kind;
	char *name;
	struct macro *macro;         /* OP_DEFINE, OP_UNDEF */
	struct missing_def *missing; /* OP_MISSING */
	int file;                    /* OP_INCLUDE; OP_SIMDE: its level */
};

struct summary {
	struct op *ops;
	size_t len, cap;
};

enum { SUM_NONE, SUM_DONE };

struct include_cache {
	pthread_mutex_t lock;
	struct summary **by_file;
	char *state;
	size_t n;
};

struct summary *summary_new(void)
{
	return xcalloc(1, sizeof(struct summary));
}

struct include_cache *include_cache_new(size_t nfiles)
{
	struct include_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->n = nfiles;
	c->by_file = xcalloc(nfiles ? nfiles : 1, sizeof *c->by_file);
	c->state = xcalloc(nfiles ? nfiles : 1, 1);
	return c;
}

static struct macro *copy_macro(const struct macro *m)
{
	struct macro *c = xmalloc(sizeof *c);
	*c = *m;
	c->body = m->body ? xstrdup(m->body) : NULL;
	c->x86 = m->x86 ? evidence_copy(m->x86) : NULL;
	c->x86_name = m->x86_name ? xstrdup(m->x86_name) : NULL;
	c->params = m->params ? xstrdup(m->params) : NULL;
	return c;
}

static void free_summary(struct summary *sm)
{
	if (!sm)
		return;
	for (size_t i = 0; i < sm->len; i++) {
		free(sm->ops[i].name);
		free_macro(sm->ops[i].macro);
		free_missing(sm->ops[i].missing);
	}
	free(sm->ops);
	free(sm);
}

void include_cache_free(struct include_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free_summary(c->by_file[i]);
	free(c->by_file);
	free(c->state);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void record_op(struct c_scan *cs, enum op_kind kind, const char *name, size_t n,
	       const struct macro *m, const struct missing_def *md, int file)
{
	struct summary *sm = cs->recording;
	if (!sm)
		return;
	GROW(sm->ops, sm->len, sm->cap);
	struct op *op = &sm->ops[sm->len++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->name = name ? xstrndup(name, n) : NULL;
	op->macro = m ? copy_macro(m) : NULL;
	if (md) {
		op->missing = xmalloc(sizeof *md);
		*op->missing = *md;
		op->missing->file = xstrdup(md->file);
	}
	op->file = file;
}

static void mark_in_tu(struct c_scan *cs, int file_index)
{
	strmap_get(&cs->in_tu, (const char *)&file_index, sizeof file_index, 1)->value = (void *)1;
}

static int is_in_tu(const struct c_scan *cs, int file_index)
{
	return strmap_has(&cs->in_tu, (const char *)&file_index, sizeof file_index);
}

static struct summary *summary_get(struct c_scan *cs, int file_index);

static void replay(struct c_scan *cs, const struct summary *sm)
{
	for (size_t i = 0; i < sm->len; i++) {
		const struct op *op = &sm->ops[i];
		size_t n = op->name ? strlen(op->name) : 0;
		struct strmap_entry *e;
		switch (op->kind) {
		case OP_DEFINE:
		case OP_UNDEF:
			e = strmap_get(&cs->macros, op->name, n, 1);
			free_macro(e->value);
			e->value = copy_macro(op->macro);
			if (op->macro->x86)
				strmap_get(&cs->x86_macros, op->name, n, 1)->value = (void *)1;
			break;
		case OP_DECLARE:
			strmap_get(&cs->declared, op->name, n, 1)->value = (void *)1;
			break;
		case OP_MISSING:
			e = strmap_get(&cs->missing, op->name, n, 1);
			if (!e->value) {
				struct missing_def *md = xcalloc(1, sizeof *md);
				md->file = xstrdup(op->missing->file);
				md->line = op->missing->line;
				e->value = md;
			}
			break;
		case OP_SIMDE:
			simde_activate(cs, op->name, op->file);
			break;
		case OP_INCLUDE:
			if (!is_in_tu(cs, op->file)) {
				mark_in_tu(cs, op->file);
				struct summary *nested = summary_get(cs, op->file);
				if (nested)
					replay(cs, nested);
			}
			break;
		}
	}
}

/* Is file_index being summarized further up this chain (an include
 * cycle), or is the chain deeper than any sane include nesting? */
static int in_progress(const struct c_scan *cs, int file_index)
{
	int depth = 0;
	for (const struct c_scan *c = cs; c; c = c->summarizing_for, depth++)
		if ((c->recording && c->file_index == file_index) || depth > MAX_INCLUDE_DEPTH)
			return 1;
	return 0;
}

/* Reads a header standalone and records its effects. */
static struct summary *summarize(struct c_scan *cs, int file_index)
{
	const struct source_file *f = &cs->ix->walk->files[file_index];
	struct textfile tf;
	char *why = NULL;
	if (textfile_read(f->path, &tf, &why) != 0) {
		free(why);
		return NULL;
	}
	struct c_scan sub;
	c_scan_init(&sub, cs->ix, file_index, NULL);
	sub.silent = 1;
	sub.summarizing_for = cs;
	sub.recording = summary_new();
	for (size_t n = 0; n < tf.len; n++)   /* NUL bytes read as spaces, as in the scan */
		if (tf.data[n] == '\0')
			tf.data[n] = ' ';
	c_scan_source(&sub, tf.data, tf.len, f->rel);
	struct summary *sm = sub.recording;
	sub.recording = NULL;
	c_scan_free(&sub);
	textfile_free(&tf);
	return sm;
}

/* The summary of a header, computed on first use. An include cycle is cut
 * where it closes, as an include guard would cut it; in a cycle the first
 * reading is the one kept. */
static struct summary *summary_get(struct c_scan *cs, int file_index)
{
	struct include_cache *c = cs->ix->includes;
	if (in_progress(cs, file_index))
		return NULL;
	pthread_mutex_lock(&c->lock);
	struct summary *done = c->state[file_index] == SUM_DONE ? c->by_file[file_index] : NULL;
	pthread_mutex_unlock(&c->lock);
	if (done)
		return done;
	struct summary *sm = summarize(cs, file_index);
	if (!sm)
		return NULL;
	pthread_mutex_lock(&c->lock);
	if (c->state[file_index] == SUM_DONE) {   /* another thread got there first */
		free_summary(sm);
		sm = c->by_file[file_index];
	} else {
		c->by_file[file_index] = sm;
		c->state[file_index] = SUM_DONE;
	}
	pthread_mutex_unlock(&c->lock);
	return sm;
}

void process_include(struct c_scan *cs, int file_index)
{
	if (is_in_tu(cs, file_index))
		return;
	mark_in_tu(cs, file_index);
	record_op(cs, OP_INCLUDE, NULL, 0, NULL, NULL, file_index);
	struct summary *sm = summary_get(cs, file_index);
	if (sm)
		replay(cs, sm);
}


/* A header's own scan is the standalone reading its summary stands for:
 * record it on the way, so includers need not read the header again. */
void publish_summary(struct c_scan *cs, int file_index)
{
	struct include_cache *c = cs->ix->includes;
	struct summary *sm = cs->recording;
	cs->recording = NULL;
	if (!c) {
		free_summary(sm);
		return;
	}
	pthread_mutex_lock(&c->lock);
	if (c->state[file_index] == SUM_DONE) {
		free_summary(sm);
	} else {
		c->by_file[file_index] = sm;
		c->state[file_index] = SUM_DONE;
	}
	pthread_mutex_unlock(&c->lock);
}

