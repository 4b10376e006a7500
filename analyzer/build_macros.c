/* The macros the build defines, decided per name (see build_macros.h). */
#include <stdlib.h>
#include <string.h>
#include "build_macros.h"
#include "util.h"

size_t build_defines_add(struct build_defines *bd, const char *name, size_t n, const char *value,
			 size_t vn, int undef, enum tri when, int arch, int lang, const char *origin,
			 const char *why_unknown)
{
	GROW(bd->items, bd->len, bd->cap);
	struct build_define *r = &bd->items[bd->len];
	memset(r, 0, sizeof *r);
	r->name = xstrndup(name, n);
	r->value = value ? xstrndup(value, vn) : NULL;
	r->undef = undef;
	r->when = when;
	r->arch = arch;
	r->lang = lang;
	r->origin = xstrdup(origin);
	r->why_unknown = why_unknown ? xstrdup(why_unknown) : NULL;
	return bd->len++;
}

void build_defines_free(struct build_defines *bd)
{
	for (size_t i = 0; i < bd->len; i++) {
		free(bd->items[i].name);
		free(bd->items[i].value);
		free(bd->items[i].origin);
		free(bd->items[i].why_unknown);
		free(bd->items[i].scope);
		free(bd->items[i].goal_var);
		free(bd->items[i].unbuilt);
	}
	free(bd->items);
	memset(bd, 0, sizeof *bd);
}

void build_define_scope(struct build_define *r, int file)
{
	for (size_t i = 0; i < r->nscope; i++)
		if (r->scope[i] == file)
			return;
	GROW(r->scope, r->nscope, r->scope_cap);
	r->scope[r->nscope++] = file;
}

static int in_scope(const struct build_define *r, int file)
{
	for (size_t i = 0; i < r->nscope; i++)
		if (r->scope[i] == file)
			return 1;
	return 0;
}

enum reach_of_record { APPLIES, DOES_NOT_APPLY, MAY_APPLY };

/* Is a record for this file? A header is when it is for every
 * translation unit that includes it. */
static enum reach_of_record applies_to(const struct build_define *r, const struct bm_file *f)
{
	if (!r->nscope || in_scope(r, f->file))
		return APPLIES;
	size_t in = 0;
	for (size_t i = 0; i < f->nroots; i++)
		in += in_scope(r, f->roots[i]);
	if (in && in == f->nroots && f->roots_complete)
		return APPLIES;
	if (in)
		return MAY_APPLY;
	return r->scope_leaks ? MAY_APPLY : DOES_NOT_APPLY;
}

static int same_effect(const struct build_define *a, const struct build_define *b)
{
	if (a->undef != b->undef)
		return 0;
	if (a->undef)
		return 1;
	return a->value && b->value && strcmp(a->value, b->value) == 0;
}

static void set_unknown(struct macro_decision *d, const struct build_define *r, const char *why)
{
	if (d->state == TRI_UNKNOWN)
		return;   /* the first reason is kept */
	d->state = TRI_UNKNOWN;
	d->origin = r->origin;
	d->why_unknown = why;
}

/* Records the build passes to the target only when a condition holds that
 * archport cannot decide, or only to other compiles, make the name
 * unknown; so do two that disagree. Records under conditions false for the
 * target do not count; when every record is such, the name is not defined. */
int build_defines_decide(const struct build_defines *bd, const size_t *recs, size_t nrecs,
			 const struct bm_file *file, const char *conflict, struct macro_decision *d)
{
	memset(d, 0, sizeof *d);
	if (!nrecs)
		return 0;
	const struct build_define *taken = NULL;
	int all_arch = 1, lang = file->lang;
	d->state = TRI_FALSE;
	d->origin = bd->items[recs[0]].origin;
	for (size_t i = 0; i < nrecs; i++) {
		const struct build_define *r = &bd->items[recs[i]];
		enum reach_of_record a = applies_to(r, file);
		if (r->when == TRI_FALSE || a == DOES_NOT_APPLY) {
			all_arch &= r->when == TRI_FALSE && r->arch;
			d->other_files |= a == DOES_NOT_APPLY;
			if (r->when == TRI_FALSE && r->unbuilt && !d->unbuilt) {
				d->unbuilt = r->unbuilt;
				d->origin = r->origin;
			}
			continue;
		}
		if (a == MAY_APPLY)
			set_unknown(d, r, r->scope_leaks ? "for one CMake target, and the targets that link it"
							 : "for some of the files that include this header and not for others");
		else if (!(r->lang & lang))
			set_unknown(d, r, lang == BM_LANG_ASM ? "for C compiles, which may or may not include this file's"
							      : "for assembler compiles only, as far as archport can tell");
		else if (r->when == TRI_UNKNOWN)
			set_unknown(d, r, r->why_unknown ? r->why_unknown : "under a build condition archport cannot decide");
		else if (taken && !same_effect(taken, r))
			set_unknown(d, r, "with another value elsewhere in the build");
		else if (!taken)
			taken = r;
	}
	if (d->state == TRI_UNKNOWN)
		return 1;
	if (taken && conflict) {
		d->state = TRI_UNKNOWN;
		d->origin = taken->origin;
		d->why_unknown = conflict;
		return 1;
	}
	if (!taken) {
		d->arch = all_arch;
		if (all_arch)
			d->unbuilt = NULL;
		return conflict ? 0 : 1;   /* a tree #define decides, as without the build */
	}
	d->origin = taken->origin;
	d->arch = taken->arch;
	d->state = taken->undef ? TRI_FALSE : TRI_TRUE;
	d->by_undef = taken->undef;
	d->body = taken->undef ? NULL : taken->value;
	return 1;
}

char *macro_decision_text(const char *name, size_t n, const struct macro_decision *d)
{
	int len = (int)n;
	switch (d->state) {
	case TRI_TRUE:
		return xasprintf("%.*s is defined by %s", len, name, d->origin);
	case TRI_UNKNOWN:
		return xasprintf("%.*s is set by %s %s", len, name, d->origin,
				 d->why_unknown ? d->why_unknown : "under a build condition archport cannot decide");
	default:
		if (d->from_database)
			return xasprintf("%.*s is not defined by %s", len, name, d->origin);
		if (d->by_undef)
			return xasprintf("%.*s is undefined by %s", len, name, d->origin);
		if (d->unbuilt)
			return xasprintf("%.*s is set %s (%s)", len, name, d->unbuilt, d->origin);
		if (d->other_files && !d->arch)
			return xasprintf("%.*s is set only for other files (%s)", len, name, d->origin);
		return xasprintf("%.*s is set only for other %s (%s)", len, name,
				 d->arch ? "architectures" : "systems or builds", d->origin);
	}
}
