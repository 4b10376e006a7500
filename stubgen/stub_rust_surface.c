/* The twin files of Rust modules (stub_rust.h): a module's public
 * surface for the target, with todo!() bodies, the `use`s that resolve
 * there, and the target's register set in place of x86 register structs.
 * Submodules are mirrored beside the twin. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
#include "rules.h"
#include "rust_arch.h"
#include "rust_scan.h"
#include "scan.h"
#include "stub_rust.h"
#include "textfile.h"


void rs_twin_module_file(struct surface *parent, int x86_file, const char *twin_rel);

int rs_read(const struct stub_ctx *c, const char *rel, struct textfile *tf)
{
	char *path = xasprintf("%s/%s", c->root, rel), *why = NULL;
	int ok = textfile_read(path, tf, &why) == 0;
	free(path);
	free(why);
	return ok;
}

struct rust_resolver *rs_resolver(struct stub_ctx *c)
{
	if (!c->rust)
		c->rust = rust_resolver_new(&c->ts->ix, c->ts->results);
	return c->rust;
}

int rs_walk_index(const struct stub_ctx *c, const char *rel)
{
	intptr_t v = (intptr_t)strmap_value(&c->ts->ix.files, rel, strlen(rel));
	return v > 0 ? (int)v - 1 : -1;
}

/* Whether a name the twin would use cannot be imported on the target. */
static int names_unavailable(const struct surface *sf, const char *src, TSNode n)
{
	if (!sf->unavailable.len)
		return 0;
	if (rs_is(n, "identifier") || rs_is(n, "type_identifier")) {
		size_t len;
		const char *t = rs_text(src, n, &len);
		char *key = xasprintf(" %.*s ", (int)len, t);
		int hit = strstr(sf->unavailable.buf, key) != NULL;
		free(key);
		return hit;
	}
	TSNode body = rs_is(n, "function_item") ? ts_node_child_by_field_name(n, "body", 4) : (TSNode){ 0 };
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(n, i);
		if (!ts_node_eq(c, body) && names_unavailable(sf, src, c))   /* a twin's body is todo!() */
			return 1;
	}
	return 0;
}

/* The names a `use` tree brings in (not its path), as unavailable. */
static void unavailable_names(struct surface *sf, const char *src, TSNode n)
{
	static const char *const field[][2] = { { "scoped_identifier", "name" }, { "use_as_clause", "alias" },
		{ "scoped_use_list", "list" }, { NULL, NULL } };
	if (rs_is(n, "identifier") || rs_is(n, "type_identifier")) {
		size_t len;
		const char *t = rs_text(src, n, &len);
		sb_addf(&sf->unavailable, "%s%.*s ", sf->unavailable.len ? "" : " ", (int)len, t);
		return;
	}
	for (int i = 0; field[i][0]; i++)
		if (rs_is(n, field[i][0])) {
			TSNode sub = ts_node_child_by_field_name(n, field[i][1], (uint32_t)strlen(field[i][1]));
			if (!ts_node_is_null(sub))
				unavailable_names(sf, src, sub);
			return;
		}
	uint32_t count = rs_is(n, "use_list") ? ts_node_named_child_count(n) : 0;
	for (uint32_t i = 0; i < count; i++)
		unavailable_names(sf, src, ts_node_named_child(n, i));
}

/* A `use` the scan has no facts for (in an inline module): dropped,
 * its names unavailable, when it names x86 paths; else kept as it is. */
static void surface_plain_use(struct surface *sf, const char *src, TSNode item, struct strbuf *out)
{
	size_t n;
	const char *t = rs_text(src, item, &n);
	if (rs_mentions_x86(sf->c->k, t, n))
		unavailable_names(sf, src, ts_node_child_by_field_name(item, "argument", 8));
	else
		sb_addf(out, "%.*s\n", (int)n, t);
}

/* A `use` of the x86 file, leaf by leaf: the leaves that resolve on the
 * target are kept; the names of the others become unavailable. */
static void surface_use(struct surface *sf, const char *src, TSNode item, struct strbuf *out)
{
	const struct rust_facts *f = sf->file >= 0 ? sf->c->ts->results[sf->file].rust : NULL;
	int row = (int)ts_node_start_point(item).row + 1, gated = 0, known = 0;
	struct strbuf kept = { 0 };
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (d->line != row || (d->kind != RD_USE && d->kind != RD_GLOB))
			continue;
		known = 1;
		int gate_file;
		rust_gate_of(rs_resolver(sf->c), sf->file, d->path, &gate_file);
		if (gate_file >= 0 || rs_mentions_x86(sf->c->k, d->path, strlen(d->path))) {
			gated = 1;
			if (d->name)
				sb_addf(&sf->unavailable, "%s%s ", sf->unavailable.len ? "" : " ", d->name);
			continue;
		}
		if (d->kind == RD_GLOB)
			sb_addf(&kept, "use %s::*;\n", d->path);
		else if (!strcmp(d->name, d->path + strlen(d->path) - strlen(d->name)))
			sb_addf(&kept, "use %s;\n", d->path);
		else
			sb_addf(&kept, "use %s as %s;\n", d->path, d->name);
	}
	size_t n;
	const char *t = rs_text(src, item, &n);
	if (!known)
		surface_plain_use(sf, src, item, out);
	else if (!gated)
		sb_addf(out, "%.*s\n", (int)n, t);
	else if (kept.len)
		sb_adds(out, kept.buf);
	sb_free(&kept);
}

/* ---- register structs ---- */

/* Which of the target's register classes a struct of x86 registers of
 * class `x86` stands for: GPRs and the flags for general registers,
 * system registers for control registers, FP/SIMD for vector ones. */
static int target_class_matches(const char *x86, const char *target)
{
	if (!strcmp(x86, "control") || !strcmp(x86, "debug"))
		return !strcmp(target, "sysreg");
	if (!strcmp(x86, "sse") || !strcmp(x86, "avx") || !strcmp(x86, "avx512") || !strcmp(x86, "x87") ||
	    !strcmp(x86, "mmx"))
		return !strcmp(target, "fp") || !strcmp(target, "fpctl");
	return !strcmp(target, "gpr") || !strcmp(target, "sp") || !strcmp(target, "pc") || !strcmp(target, "flags");
}

/* The x86 class most of a struct's fields belong to, when at least two
 * fields and most of them are x86 registers (NULL otherwise). */
static const char *register_struct_class(const struct surface *sf, const char *src, TSNode st)
{
	TSNode body = ts_node_child_by_field_name(st, "body", 4);
	if (ts_node_is_null(body) || !rs_is(body, "field_declaration_list"))
		return NULL;
	uint32_t count = ts_node_named_child_count(body), fields = 0, regs = 0;
	const char *cls = NULL, *gpr = NULL;
	for (uint32_t i = 0; i < count; i++) {
		TSNode fd = ts_node_named_child(body, i);
		if (!rs_is(fd, "field_declaration"))
			continue;
		fields++;
		size_t n;
		const char *name = rs_text(src, ts_node_child_by_field_name(fd, "name", 4), &n);
		const char *c = knowledge_x86_register_class(sf->c->k, name, n);
		if (c && strcmp(c, "segment") != 0) {
			regs++;
			if (!strcmp(c, "control"))
				cls = c;
			else if (!gpr)
				gpr = c;
		}
	}
	if (regs < 2 || regs * 2 < fields)
		return NULL;
	return cls ? cls : gpr;
}

/* `struct Regs { rax: u64, ... }` for the target: the same attributes,
 * visibility and name, with the target's registers of that kind. */
static void register_struct_twin(struct surface *sf, const char *src, TSNode st, const char *x86_class,
				 struct strbuf *out)
{
	const struct target_register *regs;
	size_t n = knowledge_register_set(sf->c->k, &regs);
	TSNode body = ts_node_child_by_field_name(st, "body", 4);
	uint32_t s = ts_node_start_byte(st), e = ts_node_start_byte(body);
	sb_addf(out, "// TODO(archport): the %s registers in place of the x86 ones (%s)\n%.*s{\n", sf->arch, x86_class,
		(int)(e - s), src + s);
	for (size_t i = 0; i < n; i++)
		if (target_class_matches(x86_class, regs[i].reg_class))
			sb_addf(out, "    pub %s: %s,\n", regs[i].name, regs[i].rust_type);
	sb_adds(out, "}\n");
}

/* ---- items ---- */

static int is_item(TSNode n, const char *const *types)
{
	for (; *types; types++)
		if (rs_is(n, *types))
			return 1;
	return 0;
}

/* `pub mod x;` of the x86 module: mirrored beside the twin. */
static void surface_mod(struct surface *sf, const char *src, TSNode item, struct strbuf *out)
{
	size_t n, nn;
	const char *t = rs_text(src, item, &n);
	const char *name = rs_text(src, ts_node_child_by_field_name(item, "name", 4), &nn);
	const struct rust_facts *f = sf->file >= 0 ? sf->c->ts->results[sf->file].rust : NULL;
	int sub = -1, row = (int)ts_node_start_point(item).row + 1;
	for (size_t i = 0; f && i < f->ndecls; i++)
		if (f->decls[i].kind == RD_MOD && f->decls[i].line == row && mem_eq(name, nn, f->decls[i].name))
			sub = f->decls[i].file >= 0 ? f->decls[i].file : f->decls[i].other_file;
	if (!sf->mirror_mods || sub < 0 || !ts_node_is_null(ts_node_child_by_field_name(item, "body", 4)) ||
	    sf->depth > 8) {
		sb_addf(&sf->dropped, "%s`mod %.*s`", sf->dropped.len ? ", " : " ", (int)nn, name);
		return;
	}
	const char *slash = strrchr(sf->twin_rel, '/');
	const char *base = slash ? slash + 1 : sf->twin_rel;
	char *dir = !strcmp(base, "mod.rs") ? xstrndup(sf->twin_rel, (size_t)(slash - sf->twin_rel))
					     : xstrndup(sf->twin_rel, strlen(sf->twin_rel) - 3);
	char *sub_rel = xasprintf("%s/%.*s.rs", dir, (int)nn, name);
	sf->depth++;
	rs_twin_module_file(sf, sub, sub_rel);
	sf->depth--;
	sb_addf(out, "%.*s\n", (int)n, t);
	free(dir);
	free(sub_rel);
}

static void surface_item(struct surface *sf, const char *src, TSNode root, uint32_t first_attr, uint32_t i,
			 struct strbuf *out)
{
	static const char *const types[] = { "struct_item", "enum_item", "type_item", "trait_item", "union_item",
		NULL };
	TSNode item = ts_node_named_child(root, i);
	const char *type = ts_node_type(item);
	size_t n;
	const char *t = rs_text(src, item, &n);
	TSNode ty = ts_node_child_by_field_name(item, "type", 4);
	size_t tn = n;
	const char *tt = t;
	if ((rs_is(item, "const_item") || rs_is(item, "static_item")) && !ts_node_is_null(ty))
		tt = rs_text(src, ty, &tn);   /* the value may name x86 in a string */
	if (!strcmp(type, "use_declaration")) {
		surface_use(sf, src, item, out);
		return;
	}
	if (!strcmp(type, "mod_item")) {
		surface_mod(sf, src, item, out);
		return;
	}
	if ((rs_mentions_x86(sf->c->k, tt, tn) && strcmp(type, "function_item") != 0) || names_unavailable(sf, src, item)) {
		TSNode name = ts_node_child_by_field_name(item, "name", 4), body = ts_node_child_by_field_name(item, "body", 4);
		size_t nn = 0;
		const char *nm = ts_node_is_null(name) ? type : rs_text(src, name, &nn);
		if (rs_is(item, "impl_item") && !ts_node_is_null(body)) {   /* `impl From<&kvm_regs> for Regs` */
			nm = t;
			nn = ts_node_start_byte(body) - ts_node_start_byte(item);
			while (nn && isspace((unsigned char)nm[nn - 1]))
				nn--;
		}
		sb_addf(&sf->dropped, "%s`%.*s`", sf->dropped.len ? ", " : " ", (int)(nn ? nn : strlen(nm)), nm);
		return;
	}
	if (!strcmp(type, "function_item") && rs_is_pub(item)) {
		sb_adds(out, "\n");
		rs_fn_twin(src, item, "", out);
	} else if ((!strcmp(type, "const_item") || !strcmp(type, "static_item")) && rs_is_pub(item)) {
		rs_const_twin(src, item, rust_source_arch(sf->c->k->target), out);
	} else if (is_item(item, types)) {
		const char *x86_class = rs_is(item, "struct_item") ? register_struct_class(sf, src, item) : NULL;
		sb_adds(out, "\n");
		rs_copy_attrs(src, root, first_attr, i, out);
		if (x86_class)
			register_struct_twin(sf, src, item, x86_class, out);
		else
			sb_addf(out, "%.*s\n", (int)n, t);
	} else if (!strcmp(type, "impl_item")) {
		sb_adds(out, "\n");
		rs_impl_twin(src, item, out);
	}
}

/* The surface of the items of `list` (a file's root, an inline module's
 * body), into *body. */
static void surface_list(struct surface *sf, const char *src, TSNode list, struct strbuf *body)
{
	uint32_t count = ts_node_named_child_count(list), first_attr = 0;
	for (uint32_t i = 0; i < count; i++) {   /* uses first: they decide what is unavailable */
		TSNode c = ts_node_named_child(list, i);
		if (rs_is(c, "use_declaration"))
			surface_use(sf, src, c, body);
	}
	for (uint32_t i = 0; i < count; i++) {
		const char *type = ts_node_type(ts_node_named_child(list, i));
		if (!strcmp(type, "attribute_item") || !strcmp(type, "line_comment") || !strcmp(type, "block_comment") ||
		    !strcmp(type, "inner_attribute_item"))
			continue;
		if (strcmp(type, "use_declaration") != 0)
			surface_item(sf, src, list, first_attr, i, body);
		first_attr = i + 1;
	}
}

/* What a twin says about itself, as `//!` (a file) or `//` (an inline
 * module) comments, and the lints its todo!() bodies would raise. */
static void surface_header(const struct surface *sf, const char *comment, const char *what, struct strbuf *out)
{
	sb_addf(out, "%s %s stand-in for %s, written by archport stub: the same public\n"
		     "%s surface, with todo!() bodies to port.\n",
		comment, sf->arch, what, comment);
	if (sf->dropped.len)
		sb_addf(out, "%s TODO(archport): left out, as they name what %s does not have:%s\n", comment, sf->arch,
			sf->dropped.buf);
	sb_adds(out, "#![allow(unused_imports, dead_code)]\n");
}

/* The x86 file's public surface for the target, or NULL. */
char *rs_surface_text(struct surface *sf, const char *x86_rel)
{
	struct textfile tf;
	if (!rs_read(sf->c, x86_rel, &tf))
		return NULL;
	TSTree *tree = rs_parse(sf->parser, tf.data, tf.len);
	struct strbuf body = { 0 }, out = { 0 };
	surface_list(sf, tf.data, ts_tree_root_node(tree), &body);
	char *what = xasprintf("`%s`", x86_rel);
	surface_header(sf, "//!", what, &out);
	sb_adds(&out, body.len ? body.buf : "");
	free(what);
	sb_free(&body);
	ts_tree_delete(tree);
	textfile_free(&tf);
	return sb_detach(&out);
}

/* Each line of s[0, n) with `strip` leading blanks taken off, or
 * `add` (a string) put in front; blank lines left empty. */
static void reindent(const char *s, size_t n, size_t strip, const char *add, struct strbuf *out)
{
	for (const char *line = s, *end = s + n; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line), lead = strspn(line, " \t");
		if (lead >= len)
			sb_addc(out, '\n');
		else
			sb_addf(out, "%s%.*s\n", add, (int)(len - (lead < strip ? lead : strip)),
				line + (lead < strip ? lead : strip));
		line += len + 1;
	}
}

/* The fewest leading blanks of the non-blank lines of s[0, n). */
static size_t common_indent(const char *s, size_t n)
{
	size_t least = (size_t)-1;
	for (const char *line = s, *end = s + n; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line), lead = strspn(line, " \t");
		if (lead < len && lead < least)
			least = lead;
		line += len + 1;
	}
	return least == (size_t)-1 ? 0 : least;
}

/* An inline module's body for the target, indented one level: the
 * surface of its items (src: its file, mod: its mod_item). The body is
 * taken out, dedented and parsed as a file of its own, so that what the
 * surface copies (a struct, an attribute) comes out at its new depth;
 * the scan keeps no facts for it, so its uses are judged by their text. */
char *rs_surface_module(struct surface *sf, const char *src, TSNode mod, const char *rel)
{
	TSNode list = ts_node_child_by_field_name(mod, "body", 4);
	if (ts_node_is_null(list))
		return NULL;
	size_t n, nn;
	const char *t = rs_text(src, list, &n);   /* `{ ... }` */
	struct strbuf flat = { 0 }, body = { 0 }, out = { 0 }, indented = { 0 };
	reindent(t + 1, n - 2, common_indent(t + 1, n - 2), "", &flat);
	TSTree *tree = rs_parse(sf->parser, flat.buf ? flat.buf : "", flat.len);
	int file = sf->file;
	sf->file = -1;
	surface_list(sf, flat.buf ? flat.buf : "", ts_tree_root_node(tree), &body);
	sf->file = file;
	const char *name = rs_text(src, ts_node_child_by_field_name(mod, "name", 4), &nn);
	char *what = xasprintf("`mod %.*s` of `%s`", (int)nn, name, rel);
	surface_header(sf, "//", what, &out);
	sb_adds(&out, body.len ? body.buf : "");
	reindent(out.buf, out.len, 0, "    ", &indented);
	free(what);
	ts_tree_delete(tree);
	sb_free(&flat);
	sb_free(&body);
	sb_free(&out);
	return sb_detach(&indented);
}

char *rs_surface_file(struct rs_file *rf, const char *x86_rel, const char *twin_rel)
{
	struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch,
			      .file = rs_walk_index(rf->c, x86_rel), .twin_rel = twin_rel };
	char *text = rs_surface_text(&sf, x86_rel);
	sb_free(&sf.unavailable);
	sb_free(&sf.dropped);
	return text;
}

/* Creates twin_rel with the surface of walk file x86_file (and the twins
 * of its submodules beside it). */
void rs_twin_module_file(struct surface *parent, int x86_file, const char *twin_rel)
{
	const char *x86_rel = parent->c->ts->walk.files[x86_file].rel;
	struct surface sf = { .c = parent->c, .parser = parent->parser, .arch = parent->arch, .file = x86_file,
			      .twin_rel = twin_rel, .mirror_mods = 1, .depth = parent->depth };
	struct file_patch *nf = parent->c->new_file(parent->c, twin_rel);
	char *text = nf ? rs_surface_text(&sf, x86_rel) : NULL;
	if (text)
		patch_insert(nf, 0, text);
	free(text);
	sb_free(&sf.unavailable);
	sb_free(&sf.dropped);
}