#include <stdlib.h>
#include <string.h>
#include "finding.h"
#include "util.h"

void findings_add(struct finding_list *list, const struct finding *f)
{
	GROW(list->items, list->len, list->cap);
	struct finding *d = &list->items[list->len++];
	*d = *f;
	d->file = xstrdup(f->file);
	d->message = xstrdup(f->message);
	d->source_line = f->source_line ? xstrdup(f->source_line) : NULL;
	d->cause = f->cause ? xstrdup(f->cause) : NULL;
	d->cause_file = f->cause_file ? xstrdup(f->cause_file) : NULL;
	if (d->end_line < d->line) {
		d->end_line = d->line;
		d->end_column = d->column;
	}
}

void findings_take(struct finding_list *dst, struct finding_list *src)
{
	for (size_t i = 0; i < src->len; i++) {
		GROW(dst->items, dst->len, dst->cap);
		dst->items[dst->len++] = src->items[i];
	}
	free(src->items);
	src->items = NULL;
	src->len = src->cap = 0;
}

static int compare_findings(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	return strcmp(a->rule, b->rule);
}

void findings_sort(struct finding_list *list)
{
	if (list->len)
		qsort(list->items, list->len, sizeof *list->items, compare_findings);
}

void finding_free(struct finding *f)
{
	free(f->file);
	free(f->message);
	free(f->source_line);
	free(f->cause);
	free(f->cause_file);
}

void findings_free(struct finding_list *list)
{
	for (size_t i = 0; i < list->len; i++)
		finding_free(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->len = list->cap = 0;
}

size_t findings_count(const struct finding_list *list, enum severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < list->len; i++)
		n += list->items[i].severity == sev;
	return n;
}

const char *report_source_name(const struct report *r)
{
	return r->target && !strcmp(r->target, "x86_64") ? "aarch64" : "x86";
}

const char *severity_name(enum severity sev)
{
	switch (sev) {
	case SEV_ERROR: return "error";
	case SEV_WARNING: return "warning";
	case SEV_NOTE: return "note";
	default: return "never";
	}
}

int severity_parse(const char *name)
{
	static const char *names[] = { "note", "warning", "error", "never" };
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}
