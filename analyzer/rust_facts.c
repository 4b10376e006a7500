/* Records what a .rs file declares at its top level and which paths its
 * code names (struct rust_facts), for the crate-wide pass in
 * rust_resolve.c. Only the file's own module scope is recorded: paths
 * inside inline `mod x { ... }` bodies resolve elsewhere and are left out. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rust_internal.h"

static struct rust_facts *facts(struct rust_file *rf)
{
	if (!rf->out->rust)
		rf->out->rust = xcalloc(1, sizeof *rf->out->rust);
	return rf->out->rust;
}

static struct rust_decl *add_decl(struct rust_file *rf, enum rust_decl_kind kind, char *name, char *path,
				  enum tri reach, TSNode at, const struct item_attrs *a)
{
	struct rust_facts *f = facts(rf);
	GROW(f->decls, f->ndecls, f->decls_cap);
	struct rust_decl *d = &f->decls[f->ndecls++];
	memset(d, 0, sizeof *d);
	d->kind = kind;
	d->name = name;
	d->path = path;
	d->file = d->other_file = -1;
	d->reach = reach;
	d->line = (int)ts_node_start_point(at).row + 1;
	d->cfg = a && a->cfg_src ? xstrndup(a->cfg_src, a->cfg_n) : NULL;
	d->host_off = a && a->host_off;
	return d;
}

static void add_use(struct rust_file *rf, char *path, enum tri reach, TSNode at)
{
	struct rust_facts *f = facts(rf);
	GROW(f->uses, f->nuses, f->uses_cap);
	struct rust_use *u = &f->uses[f->nuses++];
	u->path = path;
	u->reach = reach;
	u->line = (int)ts_node_start_point(at).row + 1;
	u->col = (int)ts_node_start_point(at).column + 1;
	u->end_line = (int)ts_node_end_point(at).row + 1;
	u->end_col = (int)ts_node_end_point(at).column + 1;
}

/* Paths into the standard library and prelude need no checking. */
static int is_std_path(const char *p)
{
	static const char *const roots[] = { "std", "core", "alloc", "proc_macro", "Self", "self", NULL };
	for (const char *const *r = roots; *r; r++) {
		size_t n = strlen(*r);
		if (!strncmp(p, *r, n) && (p[n] == '\0' || p[n] == ':'))
			return strcmp(*r, "self") != 0 || p[n] == '\0';
	}
	return 0;
}

/* The text of a path without blanks, comments or generic arguments
 * (`Vec::<u8>::new` -> `Vec::new`), or NULL for qualified paths (`<T as
 * Trait>::f`), which this pass does not follow. */
static char *clean_path(const char *s, size_t n)
{
	struct strbuf sb = { 0 };
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
			sb_free(&sb);
			return NULL;
		}
		if (c == '<') {
			if (sb.len == 0) {
				sb_free(&sb);
				return NULL;
			}
			depth++;
		} else if (c == '>') {
			depth--;
		} else if (!depth && !isspace((unsigned char)c)) {
			sb_addc(&sb, c);
		}
	}
	char *p = sb_detach(&sb);
	size_t len = p ? strlen(p) : 0;
	while (len >= 2 && p[len - 1] == ':' && p[len - 2] == ':')
		p[len -= 2] = '\0';   /* `Vec::<u8>` left `Vec::` */
	if (!p || !*p || str_starts(p, "::")) {
		free(p);
		return NULL;
	}
	return p;
}

/* ---- use trees ---- */

/* One leaf of a use tree: `prefix::a::b` (or `... as alias`, or `*`). */
static void use_leaf(struct rust_file *rf, const char *prefix, const char *s, size_t n, enum tri reach, TSNode at,
		     const struct item_attrs *a, int top)
{
	const char *as = NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '@')
			as = s + i;
	size_t pn = as ? (size_t)(as - s) : n;
	char *full = *prefix ? xasprintf("%s::%.*s", prefix, (int)pn, s) : xstrndup(s, pn);
	size_t fl = strlen(full);
	if (fl >= 3 && !strcmp(full + fl - 3, "::*")) {
		full[fl - 3] = '\0';
		if (top)
			add_decl(rf, RD_GLOB, NULL, xstrdup(full), reach, at, a);
		if (reach != TRI_FALSE && !is_std_path(full))
			add_use(rf, xstrdup(full), reach, at);
		free(full);
		return;
	}
	if (fl >= 6 && !strcmp(full + fl - 6, "::self"))
		full[fl -= 6] = '\0';   /* `use a::b::{self}` imports b */
	const char *last = full;
	for (const char *p = full; *p; p++)
		if (p[0] == ':' && p[1] == ':')
			last = p + 2;
	char *name = as ? xstrndup(as + 1, (size_t)(s + n - as - 1)) : xstrdup(last);
	if (strcmp(name, "_") != 0)
		add_decl(rf, RD_USE, name, xstrdup(full), reach, at, a)->local = !top;
	else
		free(name);
	if (reach != TRI_FALSE && !is_std_path(full) && strchr(full, ':'))
		add_use(rf, full, reach, at);
	else
		free(full);
}

/* Expands `a::{b, c::{d, e as f}, *}` (blank-free, `as` written `@`). */
static void expand_use(struct rust_file *rf, const char *prefix, const char *s, size_t n, enum tri reach,
		       TSNode at, const struct item_attrs *a, int top, int depth)
{
	const char *brace = memchr(s, '{', n);
	if (!brace || depth > 8) {
		use_leaf(rf, prefix, s, n, reach, at, a, top);
		return;
	}
	size_t hn = (size_t)(brace - s);
	while (hn >= 2 && s[hn - 1] == ':' && s[hn - 2] == ':')
		hn -= 2;
	char *head = *prefix ? (hn ? xasprintf("%s::%.*s", prefix, (int)hn, s) : xstrdup(prefix))
			     : xstrndup(s, hn);
	const char *p = brace + 1, *end = s + n;
	if (end > p && end[-1] == '}')
		end--;
	while (p < end) {
		int d = 0;
		const char *q = p;
		for (; q < end && (d || *q != ','); q++)
			d += *q == '{' ? 1 : *q == '}' ? -1 : 0;
		if (q > p)
			expand_use(rf, head, p, (size_t)(q - p), reach, at, a, top, depth + 1);
		p = q + 1;
	}
	free(head);
}

void rust_facts_use(struct rust_file *rf, TSNode use, const struct item_attrs *a, enum tri reach, int top)
{
	TSNode arg = ts_node_child_by_field_name(use, "argument", 8);
	if (ts_node_is_null(arg) || rf->inline_depth)
		return;
	size_t n;
	const char *s = rust_node_text(rf, arg, &n);
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (i + 4 <= n && isspace((unsigned char)s[i]) && !memcmp(s + i + 1, "as", 2) &&
		    isspace((unsigned char)s[i + 3])) {
			sb_addc(&sb, '@');
			i += 3;
		} else if (!isspace((unsigned char)s[i])) {
			sb_addc(&sb, s[i]);
		}
	}
	if (sb.len) {
		const char *t = sb.buf;
		if (str_starts(t, "::"))
			t += 2;
		expand_use(rf, "", t, strlen(t), reach, use, a, top, 0);
	}
	sb_free(&sb);
}

/* ---- items, paths and names ---- */

void rust_facts_item(struct rust_file *rf, TSNode item, const struct item_attrs *a, enum tri reach, int file,
		     int other_file)
{
	static const char *const named[] = { "function_item", "struct_item", "enum_item", "union_item", "type_item",
		"trait_item", "const_item", "static_item", "mod_item", "macro_definition", NULL };
	const char *type = ts_node_type(item);
	if (!strcmp(type, "macro_invocation"))
		facts(rf)->item_macros = 1;
	for (const char *const *t = named; *t; t++) {
		if (strcmp(type, *t) != 0)
			continue;
		TSNode name = ts_node_child_by_field_name(item, "name", 4);
		if (ts_node_is_null(name))
			return;
		size_t n;
		const char *s = rust_node_text(rf, name, &n);
		int is_mod = !strcmp(type, "mod_item");
		struct rust_decl *d = add_decl(rf, is_mod ? RD_MOD : RD_ITEM, xstrndup(s, n), NULL, reach, item, a);
		d->file = file;
		d->other_file = other_file;
		return;
	}
}

void rust_facts_path(struct rust_file *rf, TSNode path, enum tri reach)
{
	if (reach == TRI_FALSE || rf->inline_depth)
		return;
	size_t n;
	const char *s = rust_node_text(rf, path, &n);
	char *p = clean_path(s, n);
	if (p && strstr(p, "::") && !is_std_path(p))
		add_use(rf, p, reach, path);
	else
		free(p);
}

/* A bare name in code: kept until the end of the file, when it is known
 * whether the file gates an item of that name out. */
/* Bare names that can only mean an item: types, called fns, constants
 * (UPPER_CASE). Other lowercase names may be locals that shadow a gated
 * item of the same name (`let fs = ...` after a gated `use std::fs`). */
static int names_an_item(const struct rust_file *rf, TSNode id)
{
	if (!strcmp(ts_node_type(id), "type_identifier"))
		return 1;
	size_t n;
	const char *s = rust_node_text(rf, id, &n);
	int upper = 0;
	for (size_t i = 0; i < n; i++) {
		if (islower((unsigned char)s[i]))
			return 0;
		upper |= isupper((unsigned char)s[i]);
	}
	return upper && n > 1;
}

void rust_facts_name(struct rust_file *rf, TSNode id, enum tri reach, int called)
{
	/* a called UPPER_CASE name comes again as a plain name: once is enough */
	if (reach == TRI_FALSE || rf->inline_depth || (called ? names_an_item(rf, id) : !names_an_item(rf, id)))
		return;
	GROW(rf->names, rf->nnames, rf->names_cap);
	rf->names[rf->nnames].node = id;
	rf->names[rf->nnames++].reach = reach;
}

/* Names whose every top-level declaration in this file is gated out. */
static int gated_here(const struct rust_facts *f, const char *s, size_t n)
{
	int gated = 0;
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (!d->name || !mem_eq(s, n, d->name))
			continue;
		if (d->reach != TRI_FALSE)
			return 0;
		gated = 1;
	}
	return gated;
}

void rust_facts_end(struct rust_file *rf)
{
	for (size_t i = 0; i < rf->nnames; i++) {
		size_t n;
		const char *s = rust_node_text(rf, rf->names[i].node, &n);
		if (gated_here(rf->out->rust, s, n))
			add_use(rf, xstrndup(s, n), rf->names[i].reach, rf->names[i].node);
	}
	free(rf->names);
	rf->names = NULL;
	rf->nnames = rf->names_cap = 0;
}

void rust_facts_free(struct rust_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ndecls; i++) {
		free(f->decls[i].name);
		free(f->decls[i].path);
		free(f->decls[i].cfg);
	}
	for (size_t i = 0; i < f->nuses; i++)
		free(f->uses[i].path);
	free(f->decls);
	free(f->uses);
	free(f);
}
