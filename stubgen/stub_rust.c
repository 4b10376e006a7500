/* The Rust patch writer. Rust has no #line, so the x86_64 objects stay
 * byte-identical only if no original line moves: every edit here puts text
 * at the start or the end of an existing line, at the end of the file, or
 * in a new file. Per file:
 *  - a path mapping with no target arm (rust/missing-module): a target arm
 *    on the attribute's line, and the target file with the x86 file's
 *    public surface (signatures with todo!() bodies);
 *  - x86-only fns (rust/asm-x86, rust/arch-x86, rust/target-feature):
 *    `#[cfg(target_arch = "x86_64")]` at the start of the item's first
 *    line, a todo!() twin for the other arches at the end of the file; an
 *    x86 `use` is gated, and so are the fns that use what it imports;
 *  - compile_error! under `cfg(not(... "x86_64"))`: the target joins the
 *    predicate. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
#include "rules.h"
#include "rust_scan.h"
#include "stub_internal.h"
#include "textfile.h"
#include "ruledata.h"
#include "scan.h"

const TSLanguage *tree_sitter_rust(void);

#define X86_CFG "#[cfg(target_arch = \"x86_64\")] "

struct rs_file {
	struct stub_ctx *c;
	struct file_patch *fp;
	const char *arch;          /* rustc's name for the target */
	char *src;                 /* the original lines joined again */
	size_t len;
	size_t *line_start;        /* byte offset of each line */
	TSParser *parser;
	TSTree *tree;
	struct strbuf *pre, *post; /* per line: text added at its start, end */
	char **repl;               /* per line: replacement text, or NULL */
	struct strbuf tail;        /* twins appended at the end of the file */
	uint32_t *gated;           /* start bytes of items already gated */
	size_t ngated, gated_cap;
};

static const char *text_of(const char *src, TSNode n, size_t *len)
{
	*len = ts_node_end_byte(n) - ts_node_start_byte(n);
	return src + ts_node_start_byte(n);
}

static TSTree *parse(TSParser *p, const char *src, size_t len)
{
	return ts_parser_parse_string(p, NULL, src, (uint32_t)len);
}

/* ---- the twin of a fn: its signature and a todo!() body ---- */

static int is_type(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && !strcmp(ts_node_type(n), type);
}

/* `sig { todo!() }`, unused parameters allowed since the body reads none. */
static void fn_twin(const char *src, TSNode fn, const char *indent, struct strbuf *out)
{
	TSNode body = ts_node_child_by_field_name(fn, "body", 4);
	if (ts_node_is_null(body))
		return;
	uint32_t s = ts_node_start_byte(fn), e = ts_node_start_byte(body);
	while (e > s && isspace((unsigned char)src[e - 1]))
		e--;
	sb_addf(out, "%s#[allow(unused_variables)]\n%s%.*s {\n%s    todo!()\n%s}\n", indent, indent, (int)(e - s),
		src + s, indent, indent);
}

/* ---- the target file of a path mapping ---- */

/* Types and paths that exist only on x86: a copied item must not name them. */
static int mentions_x86(const char *s, size_t n)
{
	static const char *const words[] = { "x86", "__m128", "__m256", "__m512", "__cpuid", "_rdtsc", NULL };
	for (const char *const *w = words; *w; w++)
		if (memmem(s, n, *w, strlen(*w)))
			return 1;
	return 0;
}

static int is_pub(TSNode item)
{
	TSNode v = ts_node_named_child(item, 0);
	return is_type(v, "visibility_modifier");
}

/* The item's outer attributes (derive, repr, doc) as they stand before it. */
static void copy_attrs(const char *src, TSNode list, uint32_t first, uint32_t item, struct strbuf *out)
{
	for (uint32_t i = first; i < item; i++) {
		size_t n;
		TSNode a = ts_node_named_child(list, i);
		const char *t = text_of(src, a, &n);
		if (is_type(a, "attribute_item") && !memmem(t, n, "target_feature", 14) && !memmem(t, n, "inline", 6))
			sb_addf(out, "%.*s\n", (int)n, t);
	}
}

/* const/static: the x86 value, flagged, since a const cannot be todo!()
 * and a 0 could turn a division into a compile-time error. */
static void const_twin(const char *src, TSNode item, struct strbuf *out)
{
	size_t n;
	const char *t = text_of(src, item, &n);
	sb_addf(out, "// TODO(archport): the x86_64 value; check it for this target\n%.*s\n", (int)n, t);
}

/* An impl block: its header, and a todo!() twin of each fn. */
static void impl_twin(const char *src, TSNode impl, struct strbuf *out)
{
	TSNode body = ts_node_child_by_field_name(impl, "body", 4);
	if (ts_node_is_null(body))
		return;
	uint32_t s = ts_node_start_byte(impl), e = ts_node_start_byte(body);
	sb_addf(out, "%.*s{\n", (int)(e - s), src + s);
	uint32_t count = ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(body, i);
		size_t n;
		const char *t = text_of(src, c, &n);
		if (is_type(c, "function_item"))
			fn_twin(src, c, "    ", out);
		else if (is_type(c, "const_item") || is_type(c, "type_item"))
			sb_addf(out, "    %.*s\n", (int)n, t);
	}
	sb_adds(out, "}\n");
}

/* The twin of an x86 module file: what it needs to say and where. */
struct surface {
	struct stub_ctx *c;
	TSParser *parser;
	const char *arch;
	int file;                  /* walk index of the x86 file, or -1 */
	const char *twin_rel;      /* the twin file: submodules go beside it */
	int mirror_mods;           /* twin `mod x;` items too (else drop them) */
	struct strbuf unavailable; /* " name name " the target cannot import */
	struct strbuf dropped;     /* items left out, for the TODO comment */
	int depth;
};

static void twin_module_file(struct surface *parent, int x86_file, const char *twin_rel);

static int walk_index_of(const struct stub_ctx *c, const char *rel)
{
	intptr_t v = (intptr_t)strmap_value(&c->ts->ix.files, rel, strlen(rel));
	return v > 0 ? (int)v - 1 : -1;
}

/* Whether a name the twin would use cannot be imported on the target. */
static int names_unavailable(const struct surface *sf, const char *src, TSNode n)
{
	if (!sf->unavailable.len)
		return 0;
	if (is_type(n, "identifier") || is_type(n, "type_identifier")) {
		size_t len;
		const char *t = text_of(src, n, &len);
		char *key = xasprintf(" %.*s ", (int)len, t);
		int hit = strstr(sf->unavailable.buf, key) != NULL;
		free(key);
		return hit;
	}
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		if (names_unavailable(sf, src, ts_node_named_child(n, i)))
			return 1;
	return 0;
}

/* A `use` of the x86 file, leaf by leaf: the leaves that resolve on the
 * target are kept; the names of the others become unavailable. */
static void surface_use(struct surface *sf, const char *src, TSNode item, struct strbuf *out)
{
	const struct rust_facts *f = sf->file >= 0 ? sf->c->ts->results[sf->file].rust : NULL;
	int row = (int)ts_node_start_point(item).row + 1, gated = 0;
	struct strbuf kept = { 0 };
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (d->line != row || (d->kind != RD_USE && d->kind != RD_GLOB))
			continue;
		int gate_file;
		rust_gate_of(&sf->c->ts->ix, sf->c->ts->results, sf->file, d->path, &gate_file);
		if (gate_file >= 0 || mentions_x86(d->path, strlen(d->path))) {
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
	const char *t = text_of(src, item, &n);
	if (!gated)
		sb_addf(out, "%.*s\n", (int)n, t);
	else if (kept.len)
		sb_adds(out, kept.buf);
	sb_free(&kept);
}

/* ---- register structs ---- */

/* The class of an x86 register name (rules/x86/registers.tsv), or NULL. */
static const char *x86_register_class(const char *s, size_t n)
{
	const struct rd_table *t = rd_find("x86/registers");
	int name = t ? rd_column(t, "name") : -1, cls = t ? rd_column(t, "class") : -1;
	for (size_t r = 0; t && name >= 0 && cls >= 0 && r < t->nrows; r++)
		if (mem_eq(s, n, rd_cell(t, r, (size_t)name)))
			return rd_cell(t, r, (size_t)cls);
	return NULL;
}

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
static const char *register_struct_class(const char *src, TSNode st)
{
	TSNode body = ts_node_child_by_field_name(st, "body", 4);
	if (ts_node_is_null(body) || !is_type(body, "field_declaration_list"))
		return NULL;
	uint32_t count = ts_node_named_child_count(body), fields = 0, regs = 0;
	const char *cls = NULL, *gpr = NULL;
	for (uint32_t i = 0; i < count; i++) {
		TSNode fd = ts_node_named_child(body, i);
		if (!is_type(fd, "field_declaration"))
			continue;
		fields++;
		size_t n;
		const char *name = text_of(src, ts_node_child_by_field_name(fd, "name", 4), &n);
		const char *c = x86_register_class(name, n);
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
		if (is_type(n, *types))
			return 1;
	return 0;
}

/* `pub mod x;` of the x86 module: mirrored beside the twin. */
static void surface_mod(struct surface *sf, const char *src, TSNode item, struct strbuf *out)
{
	size_t n, nn;
	const char *t = text_of(src, item, &n);
	const char *name = text_of(src, ts_node_child_by_field_name(item, "name", 4), &nn);
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
	twin_module_file(sf, sub, sub_rel);
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
	const char *t = text_of(src, item, &n);
	TSNode ty = ts_node_child_by_field_name(item, "type", 4);
	size_t tn = n;
	const char *tt = t;
	if ((is_type(item, "const_item") || is_type(item, "static_item")) && !ts_node_is_null(ty))
		tt = text_of(src, ty, &tn);   /* the value may name x86 in a string */
	if (!strcmp(type, "use_declaration")) {
		surface_use(sf, src, item, out);
		return;
	}
	if (!strcmp(type, "mod_item")) {
		surface_mod(sf, src, item, out);
		return;
	}
	if ((mentions_x86(tt, tn) && strcmp(type, "function_item") != 0) || names_unavailable(sf, src, item)) {
		TSNode name = ts_node_child_by_field_name(item, "name", 4), body = ts_node_child_by_field_name(item, "body", 4);
		size_t nn = 0;
		const char *nm = ts_node_is_null(name) ? type : text_of(src, name, &nn);
		if (is_type(item, "impl_item") && !ts_node_is_null(body)) {   /* `impl From<&kvm_regs> for Regs` */
			nm = t;
			nn = ts_node_start_byte(body) - ts_node_start_byte(item);
			while (nn && isspace((unsigned char)nm[nn - 1]))
				nn--;
		}
		sb_addf(&sf->dropped, "%s`%.*s`", sf->dropped.len ? ", " : " ", (int)(nn ? nn : strlen(nm)), nm);
		return;
	}
	if (!strcmp(type, "function_item") && is_pub(item)) {
		sb_adds(out, "\n");
		fn_twin(src, item, "", out);
	} else if ((!strcmp(type, "const_item") || !strcmp(type, "static_item")) && is_pub(item)) {
		const_twin(src, item, out);
	} else if (is_item(item, types)) {
		const char *x86_class = is_type(item, "struct_item") ? register_struct_class(src, item) : NULL;
		sb_adds(out, "\n");
		copy_attrs(src, root, first_attr, i, out);
		if (x86_class)
			register_struct_twin(sf, src, item, x86_class, out);
		else
			sb_addf(out, "%.*s\n", (int)n, t);
	} else if (!strcmp(type, "impl_item")) {
		sb_adds(out, "\n");
		impl_twin(src, item, out);
	}
}

/* The x86 file's public surface for the target, or NULL. */
static char *surface_text(struct surface *sf, const char *x86_rel)
{
	char *path = xasprintf("%s/%s", sf->c->root, x86_rel), *why = NULL;
	struct textfile tf;
	int ok = textfile_read(path, &tf, &why) == 0;
	free(path);
	free(why);
	if (!ok)
		return NULL;
	TSTree *tree = parse(sf->parser, tf.data, tf.len);
	TSNode root = ts_tree_root_node(tree);
	struct strbuf body = { 0 }, out = { 0 };
	uint32_t count = ts_node_named_child_count(root), first_attr = 0;
	for (uint32_t i = 0; i < count; i++) {   /* uses first: they decide what is unavailable */
		TSNode c = ts_node_named_child(root, i);
		if (is_type(c, "use_declaration"))
			surface_use(sf, tf.data, c, &body);
	}
	for (uint32_t i = 0; i < count; i++) {
		const char *type = ts_node_type(ts_node_named_child(root, i));
		if (!strcmp(type, "attribute_item") || !strcmp(type, "line_comment") || !strcmp(type, "block_comment") ||
		    !strcmp(type, "inner_attribute_item"))
			continue;
		if (strcmp(type, "use_declaration") != 0)
			surface_item(sf, tf.data, root, first_attr, i, &body);
		first_attr = i + 1;
	}
	sb_addf(&out, "//! %s stand-in for `%s`, written by archport stub: the same public\n"
		      "//! surface, with todo!() bodies to port.\n",
		sf->arch, x86_rel);
	if (sf->dropped.len)
		sb_addf(&out, "//! TODO(archport): left out, as they name what %s does not have:%s\n", sf->arch,
			sf->dropped.buf);
	sb_addf(&out, "#![allow(unused_imports, dead_code)]\n%s", body.len ? body.buf : "");
	sb_free(&body);
	ts_tree_delete(tree);
	textfile_free(&tf);
	return sb_detach(&out);
}

static char *surface_file(struct rs_file *rf, const char *x86_rel, const char *twin_rel)
{
	struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch,
			      .file = walk_index_of(rf->c, x86_rel), .twin_rel = twin_rel };
	char *text = surface_text(&sf, x86_rel);
	sb_free(&sf.unavailable);
	sb_free(&sf.dropped);
	return text;
}

/* Creates twin_rel with the surface of walk file x86_file (and the twins
 * of its submodules beside it). */
static void twin_module_file(struct surface *parent, int x86_file, const char *twin_rel)
{
	const char *x86_rel = parent->c->ts->walk.files[x86_file].rel;
	struct surface sf = { .c = parent->c, .parser = parent->parser, .arch = parent->arch, .file = x86_file,
			      .twin_rel = twin_rel, .mirror_mods = 1, .depth = parent->depth };
	struct file_patch *nf = parent->c->new_file(parent->c, twin_rel);
	char *text = nf ? surface_text(&sf, x86_rel) : NULL;
	if (text)
		patch_insert(nf, 0, text);
	free(text);
	sb_free(&sf.unavailable);
	sb_free(&sf.dropped);
}

/* ---- locating items ---- */

/* The top-level item (index into the root's named children) that holds
 * byte `at`, and the index of its first outer attribute. */
static int top_item(struct rs_file *rf, uint32_t at, uint32_t *item, uint32_t *first)
{
	TSNode root = ts_tree_root_node(rf->tree);
	uint32_t count = ts_node_named_child_count(root);
	int in_attr = 0;   /* `at` is in an attribute: the item is the next one */
	*first = 0;
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(root, i);
		const char *type = ts_node_type(c);
		if (!strcmp(type, "line_comment") || !strcmp(type, "block_comment"))
			continue;   /* doc comments may sit between attributes */
		int holds = ts_node_end_byte(c) > at && ts_node_start_byte(c) <= at;
		if (!strcmp(type, "attribute_item")) {
			in_attr |= holds;
			continue;
		}
		if (holds || in_attr) {
			*item = i;
			return 1;
		}
		*first = i + 1;
	}
	return 0;
}

static TSNode root_child(struct rs_file *rf, uint32_t i)
{
	return ts_node_named_child(ts_tree_root_node(rf->tree), i);
}

/* The first non-comment node from `first` (an attribute or the item). */
static TSNode item_head(struct rs_file *rf, uint32_t first, uint32_t item)
{
	for (uint32_t i = first; i < item; i++) {
		TSNode c = root_child(rf, i);
		if (is_type(c, "attribute_item"))
			return c;
	}
	return root_child(rf, item);
}

/* Only blanks before `n` on its line: text put at the line start is then
 * in front of it. */
static int starts_line(struct rs_file *rf, TSNode n)
{
	uint32_t row = ts_node_start_point(n).row;
	for (size_t b = rf->line_start[row]; b < ts_node_start_byte(n); b++)
		if (!isspace((unsigned char)rf->src[b]))
			return 0;
	return 1;
}

static int already_gated(struct rs_file *rf, uint32_t start)
{
	for (size_t i = 0; i < rf->ngated; i++)
		if (rf->gated[i] == start)
			return 1;
	GROW(rf->gated, rf->ngated, rf->gated_cap);
	rf->gated[rf->ngated++] = start;
	return 0;
}

/* ---- the edits ---- */

/* Gates top-level item `item` for x86_64; a fn gets its twin. */
static void gate_item(struct rs_file *rf, uint32_t first, uint32_t item)
{
	TSNode node = root_child(rf, item), head = item_head(rf, first, item);
	if (already_gated(rf, ts_node_start_byte(node)) || !starts_line(rf, head))
		return;
	sb_adds(&rf->pre[ts_node_start_point(head).row], X86_CFG);
	if (is_type(node, "function_item")) {
		sb_adds(&rf->tail, "\n#[cfg(not(target_arch = \"x86_64\"))]\n");
		fn_twin(rf->src, node, "", &rf->tail);
	} else if (is_type(node, "impl_item")) {
		sb_adds(&rf->tail, "\n#[cfg(not(target_arch = \"x86_64\"))]\n");
		impl_twin(rf->src, node, &rf->tail);
	}
}

/* The fn of an impl block's body that holds byte `at`, or a null node. */
static TSNode method_at(TSNode impl, uint32_t at)
{
	TSNode none = { 0 }, body = ts_node_child_by_field_name(impl, "body", 4);
	uint32_t count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode m = ts_node_named_child(body, i);
		if (is_type(m, "function_item") && ts_node_start_byte(m) <= at && at < ts_node_end_byte(m))
			return m;
	}
	return none;
}

/* The first of the attributes right before a method (or the method). */
static TSNode method_head(TSNode m)
{
	TSNode head = m;
	for (TSNode p = ts_node_prev_named_sibling(m); !ts_node_is_null(p) && is_type(p, "attribute_item");
	     p = ts_node_prev_named_sibling(p))
		head = p;
	return head;
}

/* One x86 method of an impl block. An inherent impl can be split: the
 * method is gated and its twin goes into a second `impl` of the same type
 * at the end of the file. A trait impl cannot: it is gated whole. */
static void gate_method(struct rs_file *rf, uint32_t first, uint32_t item, TSNode method)
{
	TSNode impl = root_child(rf, item), head = method_head(method);
	if (!ts_node_is_null(ts_node_child_by_field_name(impl, "trait", 5))) {
		gate_item(rf, first, item);
		return;
	}
	uint32_t row = ts_node_start_point(head).row;
	if (already_gated(rf, ts_node_start_byte(method)) || !starts_line(rf, head) || rf->repl[row])
		return;
	const char *line = rf->fp->lines[row];
	size_t indent = strspn(line, " \t");
	rf->repl[row] = xasprintf("%.*s" X86_CFG "%s", (int)indent, line, line + indent);   /* after the indent */
	TSNode body = ts_node_child_by_field_name(impl, "body", 4);
	uint32_t s = ts_node_start_byte(impl), e = ts_node_start_byte(body);
	sb_addf(&rf->tail, "\n#[cfg(not(target_arch = \"x86_64\"))]\n%.*s{\n", (int)(e - s), rf->src + s);
	fn_twin(rf->src, method, "    ", &rf->tail);
	sb_adds(&rf->tail, "}\n");
}

/* Whether the subtree of `n` has an identifier spelled like s[0, len). */
static int uses_name(const char *src, TSNode n, const char *s, size_t len)
{
	size_t tn;
	const char *t = text_of(src, n, &tn);
	if (!memmem(t, tn, s, len))
		return 0;
	if (is_type(n, "identifier"))
		return tn == len && !memcmp(t, s, len);
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		if (uses_name(src, ts_node_named_child(n, i), s, len))
			return 1;
	return 0;
}

static void gate_methods_using(struct rs_file *rf, uint32_t first, uint32_t item, const char *name, size_t len)
{
	TSNode body = ts_node_child_by_field_name(root_child(rf, item), "body", 4);
	uint32_t count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode m = ts_node_named_child(body, i);
		if (is_type(m, "function_item") && uses_name(rf->src, m, name, len))
			gate_method(rf, first, item, m);
	}
}

/* Each identifier a gated `use` imports: the top-level fns naming it are
 * gated too (else they fail to resolve on the target). */
static void gate_users(struct rs_file *rf, TSNode use, TSNode n)
{
	if (is_type(n, "identifier") || is_type(n, "type_identifier")) {
		size_t len;
		const char *name = text_of(rf->src, n, &len);
		TSNode root = ts_tree_root_node(rf->tree);
		uint32_t count = ts_node_named_child_count(root), first = 0;
		for (uint32_t i = 0; i < count; i++) {
			TSNode c = ts_node_named_child(root, i);
			const char *type = ts_node_type(c);
			if (!strcmp(type, "attribute_item") || strstr(type, "comment"))
				continue;
			if (is_type(c, "function_item") && uses_name(rf->src, c, name, len))
				gate_item(rf, first, i);
			else if (is_type(c, "impl_item") && uses_name(rf->src, c, name, len))
				gate_methods_using(rf, first, i, name, len);
			first = i + 1;
		}
		return;
	}
	/* only the names a use brings in: not its path, not a glob */
	if (is_type(n, "scoped_identifier") || is_type(n, "use_as_clause") || is_type(n, "scoped_use_list")) {
		const char *field = is_type(n, "scoped_identifier") ? "name" : is_type(n, "use_as_clause") ? "alias" : "list";
		TSNode sub = ts_node_child_by_field_name(n, field, (uint32_t)strlen(field));
		if (!ts_node_is_null(sub))
			gate_users(rf, use, sub);
		return;
	}
	if (!is_type(n, "use_list"))
		return;
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		gate_users(rf, use, ts_node_named_child(n, i));
}

static void fix_x86_item(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!top_item(rf, at, &item, &first))
		return;
	TSNode node = root_child(rf, item);
	if (is_type(node, "use_declaration")) {
		gate_item(rf, first, item);
		TSNode arg = ts_node_child_by_field_name(node, "argument", 8);
		if (is_type(arg, "scoped_identifier"))
			arg = ts_node_child_by_field_name(arg, "name", 4);
		else if (is_type(arg, "scoped_use_list"))
			arg = ts_node_child_by_field_name(arg, "list", 4);
		if (!ts_node_is_null(arg))
			gate_users(rf, node, arg);
	} else if (is_type(node, "function_item")) {
		gate_item(rf, first, item);
	} else if (is_type(node, "impl_item")) {
		TSNode m = method_at(node, at);
		if (!ts_node_is_null(m))
			gate_method(rf, first, item, m);
	}
}

/* `arch/amd64/layout.rs` -> `arch/aarch64/layout.rs`: the x86 name in the
 * path becomes the target's; a path without one gets a `<arch>_` file. */
static char *target_path(const char *p, size_t n, const char *arch)
{
	static const char *const names[] = { "x86_64", "amd64", "x86", "x64", NULL };
	for (const char *const *w = names; *w; w++) {
		const char *hit = memmem(p, n, *w, strlen(*w));
		if (hit)
			return xasprintf("%.*s%s%.*s", (int)(hit - p), p, arch, (int)(p + n - hit - strlen(*w)),
					 hit + strlen(*w));
	}
	const char *slash = memrchr(p, '/', n);
	size_t d = slash ? (size_t)(slash + 1 - p) : 0;
	return xasprintf("%.*s%s_%.*s", (int)d, p, arch, (int)(n - d), p + d);
}

/* The `path = "..."` of an attribute whose cfg names x86_64 only. */
static int x86_path_arm(const char *t, size_t n, const char **p, size_t *pn)
{
	if (!memmem(t, n, "cfg_attr", 8) || !memmem(t, n, "target_arch = \"x86_64\"", 22) || memmem(t, n, "any(", 4) ||
	    memmem(t, n, "not(", 4))
		return 0;
	const char *k = memmem(t, n, "path", 4);
	const char *q = k ? memchr(k, '"', (size_t)(t + n - k)) : NULL;
	const char *e = q ? memchr(q + 1, '"', (size_t)(t + n - q - 1)) : NULL;
	if (!e)
		return 0;
	*p = q + 1;
	*pn = (size_t)(e - q - 1);
	return 1;
}

static char *dir_join(const char *rel, const char *p)
{
	const char *slash = strrchr(rel, '/');
	return slash ? xasprintf("%.*s/%s", (int)(slash - rel), rel, p) : xstrdup(p);
}

/* Adds the target arm after the x86 one, on its line, and creates the
 * file it names. */
static void fix_path_mapping(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!top_item(rf, at, &item, &first))
		return;
	for (uint32_t i = first; i < item; i++) {
		TSNode a = root_child(rf, i);
		size_t n, pn;
		const char *t = text_of(rf->src, a, &n), *p;
		uint32_t row = ts_node_end_point(a).row;
		if (!is_type(a, "attribute_item") || !x86_path_arm(t, n, &p, &pn))
			continue;
		/* after the attribute only blanks: else the arm would land in a comment */
		for (size_t b = ts_node_end_byte(a); b < rf->len && rf->src[b] != '\n'; b++)
			if (!isspace((unsigned char)rf->src[b]))
				return;
		char *tp = target_path(p, pn, rf->arch), *xp = xstrndup(p, pn);
		char *trel = dir_join(rf->fp->rel, tp), *xrel = dir_join(rf->fp->rel, xp);
		char *text = surface_file(rf, xrel, trel);
		struct file_patch *nf = text ? rf->c->new_file(rf->c, trel) : NULL;
		if (nf) {
			patch_insert(nf, 0, text);
			sb_addf(&rf->post[row], " #[cfg_attr(target_arch = \"%s\", path = \"%s\")]", rf->arch, tp);
		}
		free(text);
		free(tp);
		free(xp);
		free(trel);
		free(xrel);
		return;
	}
}

/* `not(target_arch = "x86_64")` or `not(any(..., target_arch = "x86_64"))`
 * on one line: the target joins it. */
static void fix_compile_error(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!top_item(rf, at, &item, &first))
		return;
	for (uint32_t i = first; i < item; i++) {
		TSNode a = root_child(rf, i);
		uint32_t row = ts_node_start_point(a).row;
		if (!is_type(a, "attribute_item") || row != ts_node_end_point(a).row || rf->repl[row])
			continue;
		const char *line = rf->fp->lines[row];
		static const char one[] = "not(target_arch = \"x86_64\")", any[] = "not(any(";
		const char *hit = strstr(line, one);
		if (hit && strstr(line, "#[cfg(")) {
			rf->repl[row] = xasprintf("%.*snot(any(target_arch = \"x86_64\", target_arch = \"%s\"))%s",
						  (int)(hit - line), line, rf->arch, hit + strlen(one));
			return;
		}
		hit = strstr(line, any);
		const char *close = hit ? strstr(hit, "))") : NULL;
		if (close && strstr(line, "#[cfg(") && strstr(hit, "target_arch") && !memchr(hit + 8, '(', (size_t)(close - hit - 8))) {
			rf->repl[row] = xasprintf("%.*s, target_arch = \"%s\"%s", (int)(close - line), line, rf->arch, close);
			return;
		}
	}
}

/* ---- items gated out but used (rust/gated-use) ---- */

/* Text appended at the end of another file of the tree (or this one). */
static void append_to(struct rs_file *rf, const char *rel, const char *text)
{
	if (!strcmp(rel, rf->fp->rel)) {
		sb_adds(&rf->tail, text);
		return;
	}
	struct file_patch *fp = rf->c->patch_for(rf->c, rel);
	if (fp)
		patch_insert(fp, fp->nlines, text);
}

/* The top-level item of a file that starts on `line`, its text parsed
 * into *tree (the caller deletes it). */
static TSNode item_on_line(struct rs_file *rf, struct textfile *tf, TSTree **tree, int line)
{
	TSNode none = { 0 };
	*tree = parse(rf->parser, tf->data, tf->len);
	TSNode root = ts_tree_root_node(*tree);
	uint32_t count = ts_node_named_child_count(root);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(root, i);
		if ((int)ts_node_start_point(c).row + 1 == line && !is_type(c, "attribute_item"))
			return c;
	}
	return none;
}

static int read_rel(struct rs_file *rf, const char *rel, struct textfile *tf)
{
	char *path = xasprintf("%s/%s", rf->c->root, rel), *why = NULL;
	int ok = textfile_read(path, tf, &why) == 0;
	free(path);
	free(why);
	return ok;
}

/* `const X` / `fn f` gated out: a twin under the negated cfg at the end
 * of its file. */
static void twin_item(struct rs_file *rf, const char *rel, const struct rust_decl *g)
{
	struct textfile tf;
	TSTree *tree = NULL;
	if (!read_rel(rf, rel, &tf))
		return;
	TSNode item = item_on_line(rf, &tf, &tree, g->line);
	struct strbuf sb = { 0 };
	if (!ts_node_is_null(item)) {
		sb_addf(&sb, "\n#[cfg(not(%s))]\n", g->cfg ? g->cfg : "target_arch = \"x86_64\"");
		size_t n;
		const char *t = text_of(tf.data, item, &n);
		if (is_type(item, "function_item"))
			fn_twin(tf.data, item, "", &sb);
		else if (is_type(item, "const_item") || is_type(item, "static_item"))
			const_twin(tf.data, item, &sb);
		else
			sb_addf(&sb, "%.*s\n", (int)n, t);
		append_to(rf, rel, sb.buf);
	}
	sb_free(&sb);
	ts_tree_delete(tree);
	textfile_free(&tf);
}

static char *dir_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

/* The visibility text of an item (`pub `, `pub(crate) `) or "". */
static char *visibility(const char *src, TSNode item)
{
	TSNode v = ts_node_named_child(item, 0);
	size_t n;
	if (!is_type(v, "visibility_modifier"))
		return xstrdup("");
	const char *t = text_of(src, v, &n);
	return xasprintf("%.*s ", (int)n, t);
}

/* `#[cfg(x86)] mod gdb;` used as `gdb::X`: a module of the same name for
 * the target, in `gdb_<arch>.rs` beside the x86 file, through #[path]. */
static void twin_same_name_module(struct rs_file *rf, const char *rel, const struct rust_decl *g)
{
	int x86 = g->file >= 0 ? g->file : g->other_file;
	if (x86 < 0)
		return;
	const char *x86_rel = rf->c->ts->walk.files[x86].rel;
	char *xdir = dir_of(x86_rel), *gdir = dir_of(rel);
	const char *base = strrchr(x86_rel, '/') ? strrchr(x86_rel, '/') + 1 : x86_rel;
	char *twin = !strcmp(base, "mod.rs") ? xasprintf("%s_%s.rs", xdir, rf->arch)
					     : xasprintf("%.*s_%s.rs", (int)(strlen(x86_rel) - 3), x86_rel, rf->arch);
	size_t gl = strlen(gdir);
	struct textfile tf;
	TSTree *tree = NULL;
	if ((gl == 0 || (!strncmp(twin, gdir, gl) && twin[gl] == '/')) && read_rel(rf, rel, &tf)) {
		TSNode item = item_on_line(rf, &tf, &tree, g->line);
		struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch, .file = x86, .twin_rel = twin };
		struct file_patch *nf = ts_node_is_null(item) ? NULL : rf->c->new_file(rf->c, twin);
		char *text = nf ? surface_text(&sf, x86_rel) : NULL;
		if (text) {
			patch_insert(nf, 0, text);
			char *vis = visibility(tf.data, item);
			char *add = xasprintf("\n#[cfg(target_arch = \"%s\")]\n#[path = \"%s\"]\n%smod %s;\n", rf->arch,
					      twin + (gl ? gl + 1 : 0), vis, g->name);
			append_to(rf, rel, add);
			free(add);
			free(vis);
		}
		free(text);
		sb_free(&sf.unavailable);
		sb_free(&sf.dropped);
		ts_tree_delete(tree);
		textfile_free(&tf);
	}
	free(twin);
	free(xdir);
	free(gdir);
}

/* The gated module a re-export goes through: `self::x86_64::regs::X`
 * -> the `mod x86_64` declaration of the same file. */
static const struct rust_decl *reexport_module(const struct rust_facts *f, const char *path)
{
	const char *p = str_starts(path, "self::") ? path + 6 : path;
	const char *e = strstr(p, "::");
	size_t n = e ? (size_t)(e - p) : strlen(p);
	for (size_t i = 0; f && i < f->ndecls; i++)
		if (f->decls[i].kind == RD_MOD && f->decls[i].reach == TRI_FALSE && mem_eq(p, n, f->decls[i].name))
			return &f->decls[i];
	return NULL;
}

/* Every gated `use` of the file through module m, again from the target's
 * module: `pub use self::x86_64::regs::X;` -> `... self::aarch64::regs::X;`. */
static void reexports_through(struct rs_file *rf, struct textfile *tf, const struct rust_facts *f,
			      const struct rust_decl *m, struct strbuf *add)
{
	int last = -1;
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if ((d->kind != RD_USE && d->kind != RD_GLOB) || d->reach != TRI_FALSE || d->line == last ||
		    reexport_module(f, d->path) != m)
			continue;
		last = d->line;
		TSTree *t2 = NULL;
		TSNode use = item_on_line(rf, tf, &t2, d->line);
		size_t n, mn = strlen(m->name);
		const char *t = ts_node_is_null(use) ? NULL : text_of(tf->data, use, &n);
		const char *hit = NULL;
		for (const char *p = t; p && p + mn <= t + n && !hit; p++)
			if (!memcmp(p, m->name, mn) && (p == t || !isalnum((unsigned char)p[-1])) && p[mn] == ':')
				hit = p;
		if (hit)
			sb_addf(add, "#[cfg(target_arch = \"%s\")]\n%.*s%s%.*s\n", rf->arch, (int)(hit - t), t, rf->arch,
				(int)(t + n - hit - mn), hit + mn);
		ts_tree_delete(t2);
	}
}

/* `#[cfg(x86)] pub mod x86_64; #[cfg(x86)] pub use self::x86_64::regs::X;`
 * with X used by shared code: a `<arch>` module twin with the same public
 * names, and the same re-exports from it. */
static void twin_reexport(struct rs_file *rf, int gate_file, const struct rust_decl *g)
{
	const char *rel = rf->c->ts->walk.files[gate_file].rel;
	const struct rust_facts *f = rf->c->ts->results[gate_file].rust;
	const struct rust_decl *m = reexport_module(f, g->path);
	int x86 = m ? (m->file >= 0 ? m->file : m->other_file) : -1;
	char *key = m ? xasprintf("%s:mod:%s", rel, m->name) : NULL;
	struct textfile tf;
	if (x86 < 0 || stub_made(rf->c, key) || !read_rel(rf, rel, &tf)) {
		free(key);
		return;
	}
	const char *x86_rel = rf->c->ts->walk.files[x86].rel;
	size_t xl = strlen(x86_rel);
	int is_dir = xl >= 7 && !strcmp(x86_rel + xl - 7, "/mod.rs");
	const char *gbase = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	int mod_rs = !strcmp(gbase, "mod.rs") || !strcmp(gbase, "lib.rs") || !strcmp(gbase, "main.rs");
	char *mdir = mod_rs ? dir_of(rel) : xstrndup(rel, strlen(rel) - 3);
	char *twin = xasprintf("%s%s%s%s", mdir, *mdir ? "/" : "", rf->arch, is_dir ? "/mod.rs" : ".rs");
	struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch, .file = x86, .twin_rel = twin };
	TSTree *tree = NULL;
	TSNode mod = item_on_line(rf, &tf, &tree, m->line);
	struct strbuf add = { 0 };
	if (!ts_node_is_null(mod) && walk_index_of(rf->c, twin) < 0) {
		twin_module_file(&sf, x86, twin);
		char *vis = visibility(tf.data, mod);
		sb_addf(&add, "\n#[cfg(target_arch = \"%s\")]\n%smod %s;\n", rf->arch, vis, rf->arch);
		free(vis);
		reexports_through(rf, &tf, f, m, &add);
		append_to(rf, rel, add.buf);
	}
	sb_free(&add);
	ts_tree_delete(tree);
	textfile_free(&tf);
	free(twin);
	free(mdir);
	free(key);
}

/* The `mod x;` that loads walk file `file`, compiled for the target and
 * not mapped by #[path]: its file and decl, or NULL. */
static const struct rust_decl *loader_of(const struct stub_ctx *c, int file, int *parent)
{
	for (size_t i = 0; i < c->ts->walk.len; i++) {
		const struct rust_facts *f = c->ts->results[i].rust;
		for (size_t j = 0; f && j < f->ndecls; j++)
			if (f->decls[j].kind == RD_MOD && f->decls[j].file == file && f->decls[j].reach == TRI_TRUE &&
			    !f->decls[j].cfg && f->decls[j].other_file < 0) {
				*parent = (int)i;
				return &f->decls[j];
			}
	}
	return NULL;
}

/* Whether another .rs file that names the struct also names `.field` or
 * `field:` for one of its x86 register fields: a twin without them would
 * break it. */
static int fields_used_elsewhere(struct rs_file *rf, int file, TSNode st)
{
	TSNode body = ts_node_child_by_field_name(st, "body", 4);
	uint32_t count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
	size_t sn;
	const char *sname = text_of(rf->src, ts_node_child_by_field_name(st, "name", 4), &sn);
	for (size_t i = 0; i < rf->c->ts->walk.len; i++) {
		if ((int)i == file || rf->c->ts->walk.files[i].kind != FK_RUST)
			continue;
		struct textfile tf;
		if (!read_rel(rf, rf->c->ts->walk.files[i].rel, &tf))
			continue;
		int used = 0;
		if (!memmem(tf.data, tf.len, sname, sn))
			count = 0;   /* this file cannot name the struct's fields */
		else
			count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
		for (uint32_t k = 0; k < count && !used; k++) {
			TSNode fd = ts_node_named_child(body, k);
			size_t n;
			const char *name = is_type(fd, "field_declaration")
						   ? text_of(rf->src, ts_node_child_by_field_name(fd, "name", 4), &n) : NULL;
			for (const char *p = tf.data; name && (p = memmem(p, tf.len - (size_t)(p - tf.data), name, n));
			     p += n) {
				char before = p > tf.data ? p[-1] : ' ', after = p + n < tf.data + tf.len ? p[n] : ' ';
				if ((before == '.' || after == ':') && !isalnum((unsigned char)after) && after != '_' &&
				    !isalnum((unsigned char)before) && before != '_') {
					used = 1;
					break;
				}
			}
		}
		textfile_free(&tf);
		if (used)
			return 1;
	}
	return 0;
}

/* A shared module file holding x86 register structs (rust/x86-registers):
 * its `mod` line is gated for x86_64 and the target gets a twin module of
 * the same name, with its own register set. Left alone when other files
 * use the x86 fields: the twin would break them (the warning stays). */
static void fix_register_file(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	int file = walk_index_of(rf->c, rf->fp->rel), parent = -1;
	const struct rust_decl *d = file >= 0 ? loader_of(rf->c, file, &parent) : NULL;
	char *key = d ? xasprintf("regs:%s", rf->fp->rel) : NULL;
	if (!d || !top_item(rf, at, &item, &first) || fields_used_elsewhere(rf, file, root_child(rf, item)) ||
	    stub_made(rf->c, key)) {
		free(key);
		return;
	}
	const char *prel = rf->c->ts->walk.files[parent].rel;
	struct file_patch *pf = rf->c->patch_for(rf->c, prel);
	size_t row = (size_t)d->line - 1;
	if (pf && row < pf->nlines && !strstr(pf->lines[row], "#[")) {
		const char *line = pf->lines[row];
		size_t indent = strspn(line, " \t");
		char *gated = xasprintf("%.*s" X86_CFG "%s\n", (int)indent, line, line + indent);
		struct rust_decl twin = *d;
		twin.file = -1;
		twin.other_file = file;
		twin_same_name_module(rf, prel, &twin);
		patch_replace(pf, row, gated);
		free(gated);
	}
	free(key);
}

static void fix_gated_use(struct rs_file *rf, const struct finding *fd, uint32_t at)
{
	int file = walk_index_of(rf->c, rf->fp->rel);
	const struct rust_facts *f = file >= 0 ? rf->c->ts->results[file].rust : NULL;
	for (size_t i = 0; f && i < f->nuses; i++) {
		const struct rust_use *u = &f->uses[i];
		if (u->line != fd->line || u->col != fd->column)
			continue;
		int gate_file;
		const struct rust_decl *g = rust_gate_of(&rf->c->ts->ix, rf->c->ts->results, file, u->path, &gate_file);
		if (!g) {
			fix_x86_item(rf, at);   /* a Cargo.toml gate: gate the use and its users */
			return;
		}
		const char *rel = rf->c->ts->walk.files[gate_file].rel;
		char *key = xasprintf("%s:%d", rel, g->line);
		if (g->kind == RD_USE || g->kind == RD_GLOB)
			twin_reexport(rf, gate_file, g);
		else if (stub_made(rf->c, key))
			;   /* another use of the same item made its twin */
		else if (g->kind == RD_MOD)
			twin_same_name_module(rf, rel, g);
		else
			twin_item(rf, rel, g);
		free(key);
		return;
	}
}

/* ---- the driver ---- */

static void load(struct rs_file *rf)
{
	struct strbuf sb = { 0 };
	size_t n = rf->fp->nlines;
	rf->line_start = xcalloc(n + 1, sizeof *rf->line_start);
	for (size_t i = 0; i < n; i++) {
		rf->line_start[i] = sb.len;
		sb_adds(&sb, rf->fp->lines[i]);
		sb_addc(&sb, '\n');
	}
	rf->line_start[n] = sb.len;
	rf->len = sb.len;
	rf->src = sb_detach(&sb);
	rf->pre = xcalloc(n + 1, sizeof *rf->pre);
	rf->post = xcalloc(n + 1, sizeof *rf->post);
	rf->repl = xcalloc(n + 1, sizeof *rf->repl);
	rf->parser = ts_parser_new();
	ts_parser_set_language(rf->parser, tree_sitter_rust());
	rf->tree = parse(rf->parser, rf->src, rf->len);
}

/* One replacement per changed line: its start, its (new) text, its end. */
static void flush(struct rs_file *rf)
{
	for (size_t i = 0; i < rf->fp->nlines; i++) {
		if (!rf->pre[i].len && !rf->post[i].len && !rf->repl[i])
			continue;
		char *t = xasprintf("%s%s%s\n", rf->pre[i].len ? rf->pre[i].buf : "",
				    rf->repl[i] ? rf->repl[i] : rf->fp->lines[i], rf->post[i].len ? rf->post[i].buf : "");
		patch_replace(rf->fp, i, t);
		free(t);
	}
	if (rf->tail.len)
		patch_insert(rf->fp, rf->fp->nlines, rf->tail.buf);
}

static void release(struct rs_file *rf)
{
	for (size_t i = 0; i <= rf->fp->nlines; i++) {
		sb_free(&rf->pre[i]);
		sb_free(&rf->post[i]);
		free(rf->repl[i]);
	}
	free(rf->pre);
	free(rf->post);
	free(rf->repl);
	free(rf->line_start);
	free(rf->src);
	free(rf->gated);
	sb_free(&rf->tail);
	ts_tree_delete(rf->tree);
	ts_parser_delete(rf->parser);
}

void stub_rust_file(struct stub_ctx *c, struct file_patch *fp)
{
	struct rs_file rf = { .c = c, .fp = fp, .arch = rust_target_arch(c->o->target ? c->o->target : "aarch64") };
	load(&rf);
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *f = &c->findings[i];
		if (f->line < 1 || (size_t)f->line > fp->nlines)
			continue;
		uint32_t at = (uint32_t)(rf.line_start[f->line - 1] + (size_t)(f->column > 0 ? f->column - 1 : 0));
		if (!strcmp(f->rule, RULE_RUST_MISSING_MODULE))
			fix_path_mapping(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_COMPILE_ERROR))
			fix_compile_error(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_GATED_USE))
			fix_gated_use(&rf, f, at);
		else if (!strcmp(f->rule, RULE_RUST_TARGET_DEP))
			fix_x86_item(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_X86_REGISTERS))
			fix_register_file(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_ASM_X86) || !strcmp(f->rule, RULE_RUST_ARCH_X86) ||
			 !strcmp(f->rule, RULE_RUST_TARGET_FEATURE))
			fix_x86_item(&rf, at);
	}
	flush(&rf);
	release(&rf);
}
