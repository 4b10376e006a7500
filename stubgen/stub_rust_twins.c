/* The Rust fixes that edit other files than the finding's (stub_rust.h):
 * twins of items, modules and re-exports gated out but used
 * (rust/gated-use), and shared register-struct modules moved behind a
 * cfg with a twin (rust/x86-registers). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
#include "rules.h"
#include "rust_scan.h"
#include "scan.h"
#include "stub_rust.h"
#include "textfile.h"
/* ---- items gated out but used (rust/gated-use) ---- */

/* The cfg that holds on the source arch only, for twins with no cfg of
 * their own to negate. */
static const char *source_pred(const struct rs_file *rf)
{
	return !strcmp(rf->source, "aarch64") ? "target_arch = \"aarch64\"" : "target_arch = \"x86_64\"";
}

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
	*tree = rs_parse(rf->parser, tf->data, tf->len);
	TSNode root = ts_tree_root_node(*tree);
	uint32_t count = ts_node_named_child_count(root);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(root, i);
		if ((int)ts_node_start_point(c).row + 1 == line && !rs_is(c, "attribute_item"))
			return c;
	}
	return none;
}

/* `const X` / `fn f` gated out: a twin under the negated cfg at the end
 * of its file. */
static void twin_item(struct rs_file *rf, const char *rel, const struct rust_decl *g)
{
	struct textfile tf;
	TSTree *tree = NULL;
	if (!rs_read(rf->c, rel, &tf))
		return;
	TSNode item = item_on_line(rf, &tf, &tree, g->line);
	struct strbuf sb = { 0 };
	if (!ts_node_is_null(item)) {
		sb_addf(&sb, "\n#[cfg(not(%s))]\n", g->cfg ? g->cfg : source_pred(rf));
		size_t n;
		const char *t = rs_text(tf.data, item, &n);
		if (rs_is(item, "function_item"))
			rs_fn_twin(tf.data, item, "", &sb);
		else if (rs_is(item, "const_item") || rs_is(item, "static_item"))
			rs_const_twin(tf.data, item, rf->source, &sb);
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
	if (!rs_is(v, "visibility_modifier"))
		return xstrdup("");
	const char *t = rs_text(src, v, &n);
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
	if ((gl == 0 || (!strncmp(twin, gdir, gl) && twin[gl] == '/')) && rs_read(rf->c, rel, &tf)) {
		TSNode item = item_on_line(rf, &tf, &tree, g->line);
		struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch, .file = x86, .twin_rel = twin };
		struct file_patch *nf = ts_node_is_null(item) ? NULL : rf->c->new_file(rf->c, twin);
		char *text = nf ? rs_surface_text(&sf, x86_rel) : NULL;
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

/* `#[cfg(x86)] mod x86 { ... }` used as `x86::ticks()`: a twin inline
 * module of the same name under the negated cfg, at the end of its file,
 * with the same public surface (stub_rust_surface.c). */
static void twin_inline_module(struct rs_file *rf, const char *rel, const struct rust_decl *g)
{
	struct textfile tf;
	TSTree *tree = NULL;
	if (!rs_read(rf->c, rel, &tf))
		return;
	TSNode mod = item_on_line(rf, &tf, &tree, g->line);
	struct surface sf = { .c = rf->c, .parser = rf->parser, .arch = rf->arch, .file = rs_walk_index(rf->c, rel) };
	char *body = rs_is(mod, "mod_item") ? rs_surface_module(&sf, tf.data, mod, rel) : NULL;
	if (body) {
		char *vis = visibility(tf.data, mod), *add = xasprintf("\n#[cfg(not(%s))]\n%smod %s {\n%s}\n",
								     g->cfg ? g->cfg : source_pred(rf), vis, g->name, body);
		append_to(rf, rel, add);
		free(add);
		free(vis);
	}
	free(body);
	sb_free(&sf.unavailable);
	sb_free(&sf.dropped);
	ts_tree_delete(tree);
	textfile_free(&tf);
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
		const char *t = ts_node_is_null(use) ? NULL : rs_text(tf->data, use, &n);
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
	if (x86 < 0 || stub_made(rf->c, key) || !rs_read(rf->c, rel, &tf)) {
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
	if (!ts_node_is_null(mod) && rs_walk_index(rf->c, twin) < 0) {
		rs_twin_module_file(&sf, x86, twin);
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
	const char *sname = rs_text(rf->src, ts_node_child_by_field_name(st, "name", 4), &sn);
	for (size_t i = 0; i < rf->c->ts->walk.len; i++) {
		if ((int)i == file || rf->c->ts->walk.files[i].kind != FK_RUST)
			continue;
		struct textfile tf;
		if (!rs_read(rf->c, rf->c->ts->walk.files[i].rel, &tf))
			continue;
		int used = 0;
		if (!memmem(tf.data, tf.len, sname, sn))
			count = 0;   /* this file cannot name the struct's fields */
		else
			count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
		for (uint32_t k = 0; k < count && !used; k++) {
			TSNode fd = ts_node_named_child(body, k);
			size_t n;
			const char *name = rs_is(fd, "field_declaration")
						   ? rs_text(rf->src, ts_node_child_by_field_name(fd, "name", 4), &n) : NULL;
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

/* The whole file behind the cfg: its `mod` line is gated for x86_64 and
 * the target gets a twin module of the same name (its public surface,
 * the target's register set for register structs). 0 when the file has no
 * plain `mod x;` that loads it (a crate root, a #[path] mapping) or that
 * line has attributes already. Once done, the file's own edits are moot. */
int rs_gate_module(struct rs_file *rf)
{
	int file = rs_walk_index(rf->c, rf->fp->rel), parent = -1;
	const struct rust_decl *d = file >= 0 ? loader_of(rf->c, file, &parent) : NULL;
	if (rf->module_gated)
		return 1;
	if (!d)
		return 0;
	const char *prel = rf->c->ts->walk.files[parent].rel;
	struct file_patch *pf = rf->c->patch_for(rf->c, prel);
	size_t row = (size_t)d->line - 1;
	char *key = xasprintf("module:%s", rf->fp->rel);
	if (!pf || row >= pf->nlines || strstr(pf->lines[row], "#[") || stub_made(rf->c, key)) {
		free(key);
		return 0;
	}
	const char *line = pf->lines[row];
	size_t indent = strspn(line, " \t");
	struct strbuf gated = { 0 };
	sb_add(&gated, line, indent);
	sb_adds(&gated, X86_CFG);
	sb_add(&gated, line + indent, pf->lens[row] - indent);
	sb_addc(&gated, '\n');
	struct rust_decl twin = *d;
	twin.file = -1;
	twin.other_file = file;
	twin_same_name_module(rf, prel, &twin);
	patch_replace_bytes(pf, row, gated.buf, gated.len);
	sb_free(&gated);
	free(key);
	rf->module_gated = 1;
	return 1;
}

/* A shared module file holding x86 register structs (rust/x86-registers):
 * the module goes behind the cfg, with a twin of the target's register
 * set. Left alone when other files use the x86 fields: the twin would
 * break them (the warning stays). */
void rs_fix_register_file(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	int file = rs_walk_index(rf->c, rf->fp->rel);
	if (file >= 0 && rs_top_item(rf, at, &item, &first) && !fields_used_elsewhere(rf, file, rs_root_child(rf, item)))
		rs_gate_module(rf);
}

void rs_fix_gated_use(struct rs_file *rf, const struct finding *fd, uint32_t at)
{
	int file = rs_walk_index(rf->c, rf->fp->rel);
	const struct rust_facts *f = file >= 0 ? rf->c->ts->results[file].rust : NULL;
	for (size_t i = 0; f && i < f->nuses; i++) {
		const struct rust_use *u = &f->uses[i];
		if (u->line != fd->line || u->col != fd->column)
			continue;
		int gate_file;
		const struct rust_decl *g = rust_gate_of(rs_resolver(rf->c), file, u->path, &gate_file);
		if (!g || gate_file < 0 || rf->c->ts->walk.files[gate_file].kind != FK_RUST) {
			rs_fix_x86_item(rf, at);   /* a Cargo.toml gate: gate the use and its users */
			return;
		}
		const char *rel = rf->c->ts->walk.files[gate_file].rel;
		char *key = xasprintf("%s:%d", rel, g->line);
		if (g->kind == RD_USE || g->kind == RD_GLOB)
			twin_reexport(rf, gate_file, g);
		else if (stub_made(rf->c, key))
			;   /* another use of the same item made its twin */
		else if (g->kind == RD_MOD && g->file < 0 && g->other_file < 0)
			twin_inline_module(rf, rel, g);
		else if (g->kind == RD_MOD)
			twin_same_name_module(rf, rel, g);
		else
			twin_item(rf, rel, g);
		free(key);
		return;
	}
}