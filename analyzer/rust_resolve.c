/* The crate-wide pass: resolves the paths each compiled .rs file names
 * (struct rust_facts) through the module tree of its crate and the crates
 * it depends on, the way rustc would for the target. A path that reaches
 * an item only through a cfg that is false on the target fails there
 * (E0432/E0433/E0425): rust/gated-use, or rust/target-dependency when the
 * gate is a [target.'cfg(...)'.dependencies] table of Cargo.toml. A path
 * archport cannot follow (macros, external crates, std) is not reported. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "rust_arch.h"
#include "rust_internal.h"

/* A crate's Cargo.toml dependencies, as declarations of its root. */
struct crate_deps {
	int toml;                 /* walk index of the Cargo.toml, or -1 */
	struct rust_decl *decls;
	size_t n, cap;
};

struct rust_resolver {
	const struct tree_index *ix;
	const struct file_scan *results;
	int *root;                /* per file: its crate root, or -1 */
	int *parent;              /* per file: the file that declares it */
	struct crate_deps *deps;  /* per crate root file */
	struct rust_cfg_env env;
	struct rust_cfg_env host_env;   /* the source arch, for gates its build has too */
	struct strmap *memo;      /* per file: "<any><name>" -> struct result */
};

/* R_NONE: the module is fully known and has no such name (no item
 * macros, every glob followed); R_UNKNOWN: archport cannot tell. */
enum res { R_UNKNOWN, R_NONE, R_MOD, R_ITEM, R_GATED };

struct result {
	enum res kind;
	int file;                          /* R_MOD: the module's file */
	const struct rust_decl *gate;      /* R_GATED */
	int gate_file;
};

#define MAX_DEPTH 12

static struct result resolve_in(struct rust_resolver *r, int scope, char **seg, size_t nseg, int any, int depth);

/* ---- the crate structure ---- */

static size_t nfiles(const struct rust_resolver *r)
{
	return r->ix->walk->len;
}

/* Crate roots first, then every module file they declare, whatever the
 * cfgs: gated modules are where the x86 build finds its names. */
static void link_modules(struct rust_resolver *r)
{
	size_t n = nfiles(r), head = 0, tail = 0;
	int *queue = xcalloc(n ? n : 1, sizeof *queue);
	for (size_t i = 0; i < n; i++) {
		r->root[i] = r->parent[i] = -1;
		if (r->ix->walk->files[i].kind == FK_RUST && rust_is_crate_root(r->ix, r->ix->walk->files[i].rel)) {
			r->root[i] = (int)i;
			queue[tail++] = (int)i;
		}
	}
	while (head < tail) {
		int i = queue[head++];
		const struct rust_facts *f = r->results[i].rust;
		for (size_t j = 0; f && j < f->ndecls; j++) {
			const struct rust_decl *d = &f->decls[j];
			int targets[2] = { d->file, d->other_file };
			for (int t = 0; t < 2; t++)
				if (d->kind == RD_MOD && targets[t] >= 0 && r->root[targets[t]] < 0 && tail < n) {
					r->root[targets[t]] = r->root[i];
					r->parent[targets[t]] = i;
					queue[tail++] = targets[t];
				}
		}
	}
	free(queue);
}

/* ---- Cargo.toml dependencies ---- */

static enum tri target_pred(const struct rust_cfg_env *env, const char *target, const char *p, size_t n)
{
	if (!p)
		return TRI_TRUE;
	if (n > 5 && !memcmp(p, "cfg(", 4) && p[n - 1] == ')')
		return rust_cfg_eval(env, p + 4, n - 5);
	const char *arch = rust_target_arch(target);
	size_t an = strlen(arch);
	return n > an && !memcmp(p, arch, an) && p[an] == '-' ? TRI_TRUE : TRI_FALSE;   /* a target triple */
}

/* A dependency of the crate's Cargo.toml as a declaration of its root:
 * file is the dependency's root (or -1), reach its target table's cfg. */
static void add_dep(struct rust_resolver *r, struct crate_deps *cd, const struct cargo_dep *dep)
{
	size_t pn = dep->pred ? strlen(dep->pred) : 0;
	GROW(cd->decls, cd->n, cd->cap);
	struct rust_decl *d = &cd->decls[cd->n++];
	memset(d, 0, sizeof *d);
	d->kind = RD_MOD;
	d->name = xstrdup(dep->name);
	intptr_t v = dep->root ? (intptr_t)strmap_value(&r->ix->files, dep->root, strlen(dep->root)) : 0;
	d->file = v > 0 ? (int)v - 1 : -1;
	d->other_file = -1;
	d->reach = target_pred(&r->env, r->ix->k->target, dep->pred, pn);
	d->host_off = target_pred(&r->host_env, rust_source_arch(r->ix->k->target), dep->pred, pn) == TRI_FALSE;
	d->line = dep->line;
	d->cfg = dep->pred ? xstrdup(dep->pred) : NULL;
}

/* The dependencies of the crate whose root is file `root`. */
static struct crate_deps *deps_of(struct rust_resolver *r, int root)
{
	struct crate_deps *cd = &r->deps[root];
	if (cd->toml != -2)
		return cd;
	const struct cargo_manifest *m = cargo_manifest_for(&r->ix->cargo, r->ix->walk->files[root].rel);
	cd->toml = m ? m->file : -1;
	for (size_t i = 0; m && i < m->ndeps; i++)
		add_dep(r, cd, &m->deps[i]);
	return cd;
}

/* ---- lookup ---- */

static char **split_path(const char *path, size_t *n)
{
	char **seg = NULL;
	size_t cap = 0;
	*n = 0;
	for (const char *p = path;;) {
		const char *e = strstr(p, "::");
		GROW(seg, *n, cap);
		seg[(*n)++] = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
		if (!e)
			break;
		p = e + 2;
	}
	return seg;
}

static struct result res(enum res kind, int file)
{
	struct result x = { kind, file, NULL, -1 };
	return x;
}

static struct result gated(const struct rust_decl *d, int file)
{
	struct result x = { R_GATED, -1, d, file };
	return x;
}

/* A use/glob path resolved from the module that declares it. */
static struct result resolve_text(struct rust_resolver *r, int scope, const char *path, int any, int depth)
{
	size_t n;
	char **seg = split_path(path, &n);
	struct result x = resolve_in(r, scope, seg, n, any, depth + 1);
	for (size_t i = 0; i < n; i++)
		free(seg[i]);
	free(seg);
	return x;
}

static struct result found_decl(struct rust_resolver *r, int m, const struct rust_decl *d, int any, int depth)
{
	if (d->kind == RD_MOD) {
		int f = d->file >= 0 ? d->file : any ? d->other_file : -1;
		return f >= 0 ? res(R_MOD, f) : res(R_UNKNOWN, -1);
	}
	if (d->kind == RD_USE)
		return resolve_text(r, m, d->path, any, depth);
	return res(R_ITEM, -1);
}

static struct result lookup_uncached(struct rust_resolver *r, int m, const char *name, int any, int depth);

/* `name` in module file m. any: look through gated items too (what the
 * x86 build sees). Memoized per file: many paths share their prefixes,
 * and glob re-exports would otherwise be followed again for each. A
 * lookup in progress reads as unknown, which also ends glob cycles. */
static struct result lookup(struct rust_resolver *r, int m, const char *name, int any, int depth)
{
	char *key = xasprintf("%d%s", any, name);
	struct strmap_entry *e = strmap_get(&r->memo[m], key, strlen(key), 1);
	free(key);
	if (e->value)
		return *(struct result *)e->value;
	struct result *x = xcalloc(1, sizeof *x);
	*x = res(R_UNKNOWN, -1);
	e->value = x;
	struct result found = lookup_uncached(r, m, name, any, depth);
	/* e may have moved as the map grew: find the slot again */
	key = xasprintf("%d%s", any, name);
	*(struct result *)strmap_value(&r->memo[m], key, strlen(key)) = found;
	free(key);
	return found;
}

static struct result lookup_uncached(struct rust_resolver *r, int m, const char *name, int any, int depth)
{
	const struct rust_facts *f = r->results[m].rust;
	const struct rust_decl *gate = NULL;
	int unknown = 0, gate_file = -1;
	if (depth > MAX_DEPTH)
		return res(R_UNKNOWN, -1);
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (d->kind == RD_GLOB || d->local || strcmp(d->name, name) != 0)
			continue;
		if (d->reach != TRI_FALSE || any) {
			struct result x = found_decl(r, m, d, any, depth);
			if (x.kind != R_GATED)
				return x;
			if (!gate) {
				gate = x.gate;
				gate_file = x.gate_file;
			}
		} else if (!gate) {
			gate = d;
			gate_file = m;
		}
	}
	for (size_t i = 0; f && i < f->ndecls; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (d->kind != RD_GLOB || (d->reach == TRI_FALSE && !any))
			continue;
		struct result g = resolve_text(r, m, d->path, any, depth);
		if (g.kind != R_MOD) {
			unknown = 1;
			continue;
		}
		struct result x = lookup(r, g.file, name, any, depth + 1);
		if (x.kind == R_MOD || x.kind == R_ITEM)
			return x;
		unknown |= x.kind == R_UNKNOWN;
	}
	unknown |= f == NULL || f->item_macros;
	if (gate)
		return gated(gate, gate_file);
	/* a name only a gated glob brings in */
	for (size_t i = 0; f && i < f->ndecls && !any && !unknown; i++) {
		const struct rust_decl *d = &f->decls[i];
		if (d->kind != RD_GLOB || d->reach != TRI_FALSE)
			continue;
		struct result g = resolve_text(r, m, d->path, 1, depth);
		enum res k = g.kind == R_MOD ? lookup(r, g.file, name, 1, depth + 1).kind : R_UNKNOWN;
		if (k == R_MOD || k == R_ITEM)
			return gated(d, m);
	}
	return res(unknown ? R_UNKNOWN : R_NONE, -1);
}

/* The first segment: crate/self/super, a name of the scope, or a crate. */
static struct result first_segment(struct rust_resolver *r, int scope, const char *s, int any, int depth)
{
	if (!strcmp(s, "crate"))
		return r->root[scope] >= 0 ? res(R_MOD, r->root[scope]) : res(R_UNKNOWN, -1);
	if (!strcmp(s, "self"))
		return res(R_MOD, scope);
	if (!strcmp(s, "super"))
		return r->parent[scope] >= 0 ? res(R_MOD, r->parent[scope]) : res(R_UNKNOWN, -1);
	struct result x = lookup(r, scope, s, any, depth);
	if ((x.kind != R_UNKNOWN && x.kind != R_NONE) || r->root[scope] < 0)
		return x;
	struct crate_deps *cd = deps_of(r, r->root[scope]);
	const struct rust_decl *gate = NULL;
	for (size_t i = 0; i < cd->n; i++) {
		if (strcmp(cd->decls[i].name, s) != 0)
			continue;
		if (cd->decls[i].reach != TRI_FALSE || any)
			return cd->decls[i].file >= 0 ? res(R_MOD, cd->decls[i].file) : res(R_UNKNOWN, -1);
		gate = &cd->decls[i];
	}
	return gate ? gated(gate, cd->toml) : x;
}

static struct result resolve_in(struct rust_resolver *r, int scope, char **seg, size_t nseg, int any, int depth)
{
	if (depth > MAX_DEPTH || nseg == 0)
		return res(R_UNKNOWN, -1);
	struct result x = first_segment(r, scope, seg[0], any, depth);
	for (size_t i = 1; i < nseg && x.kind == R_MOD; i++) {
		if (!strcmp(seg[i], "super")) {
			x = r->parent[x.file] >= 0 ? res(R_MOD, r->parent[x.file]) : res(R_UNKNOWN, -1);
			continue;
		}
		if (!strcmp(seg[i], "self"))
			continue;
		x = lookup(r, x.file, seg[i], any, depth + 1);
	}
	return x;
}

/* ---- the pass ---- */

static void resolver_init(struct rust_resolver *r, const struct tree_index *ix, const struct file_scan *results)
{
	size_t n = ix->walk->len ? ix->walk->len : 1;
	r->ix = ix;
	r->results = results;
	r->root = xcalloc(n, sizeof *r->root);
	r->parent = xcalloc(n, sizeof *r->parent);
	r->deps = xcalloc(n, sizeof *r->deps);
	r->memo = xcalloc(n, sizeof *r->memo);
	for (size_t i = 0; i < n; i++)
		r->deps[i].toml = -2;   /* not read yet */
	rust_cfg_init(&r->env, ix->k->target);
	rust_cfg_init(&r->host_env, rust_source_arch(ix->k->target));
	link_modules(r);
}

static void resolver_free(struct rust_resolver *r)
{
	for (size_t i = 0; i < r->ix->walk->len; i++) {
		for (size_t j = 0; j < r->deps[i].n; j++) {
			free(r->deps[i].decls[j].name);
			free(r->deps[i].decls[j].cfg);
		}
		free(r->deps[i].decls);
	}
	free(r->deps);
	for (size_t i = 0; i < r->ix->walk->len; i++)
		strmap_free(&r->memo[i], free);
	free(r->memo);
	free(r->root);
	free(r->parent);
	rust_cfg_free(&r->env);
	rust_cfg_free(&r->host_env);
}

/* The text of line `line` of a walk file, for the report's caret (or
 * NULL): read again only for the few paths that are reported. */
static char *source_line(const struct rust_resolver *r, size_t file, int line)
{
	struct textfile tf;
	char *why = NULL, *out = NULL;
	if (textfile_read(r->ix->walk->files[file].path, &tf, &why) == 0) {
		const char *p = tf.data, *end = tf.data + tf.len;
		for (int l = 1; l < line && p < end; l++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
		const char *e = memchr(p, '\n', (size_t)(end - p));
		out = p < end ? xstrndup(p, (size_t)((e ? e : end) - p)) : NULL;
		textfile_free(&tf);
	}
	free(why);
	return out;
}

static void report_use(struct rust_resolver *r, struct file_scan *out, size_t file, const struct rust_use *u,
		       struct result x)
{
	int dep = x.gate_file >= 0 && r->ix->walk->files[x.gate_file].kind != FK_RUST;
	const char *where = x.gate_file >= 0 ? r->ix->walk->files[x.gate_file].rel : "?";
	char *cfg = x.gate->cfg ? xasprintf("#[cfg(%s)]", x.gate->cfg) : xstrdup("a cfg that is off");
	char *msg = dep ? xasprintf("`%s`: crate `%s` is a dependency only under [target.'%s'.dependencies] (%s:%d), "
				    "so %s builds do not have it (E0432/E0433)",
				    u->path, x.gate->name, x.gate->cfg ? x.gate->cfg : "?", where, x.gate->line,
				    r->ix->k->target)
			: xasprintf("`%s` exists only under %s (`%s`, %s:%d): %s builds have no such item "
				    "(E0432/E0433/E0425)",
				    u->path, cfg, x.gate->name ? x.gate->name : x.gate->path, where, x.gate->line,
				    r->ix->k->target);
	/* every use of one gated item or target-only dependency shares its cause */
	char *cause = dep ? xasprintf("crate `%s`, a dependency only under [target.'%s'.dependencies] (%s:%d)",
				      x.gate->name, x.gate->cfg ? x.gate->cfg : "?", where, x.gate->line)
			  : xasprintf("`%s` gated out under %s at %s:%d", x.gate->name ? x.gate->name : x.gate->path,
				      cfg, where, x.gate->line);
	struct finding fd = { .rule = dep ? RULE_RUST_TARGET_DEP : RULE_RUST_GATED_USE,
			      .severity = u->reach == TRI_TRUE ? SEV_ERROR : SEV_WARNING,
			      .file = (char *)r->ix->walk->files[file].rel,
			      .line = u->line, .column = u->col, .end_line = u->end_line, .end_column = u->end_col,
			      .message = msg, .fix = "stub", .source_line = source_line(r, file, u->line),
			      .cause = cause, .cause_file = (char *)where };
	findings_add(&out->findings, &fd);
	free(fd.source_line);
	free(cause);
	free(msg);
	free(cfg);
}

/* Library and binary code only: build scripts, tests, examples and
 * benches also see [build-]/[dev-dependencies], which this pass skips. */
static int checked_crate(const struct rust_resolver *r, int root)
{
	const char *rel = r->ix->walk->files[root].rel;
	size_t n = strlen(rel);
	return (n >= 10 && !strcmp(rel + n - 10, "src/lib.rs")) || (n >= 11 && !strcmp(rel + n - 11, "src/main.rs")) ||
	       strstr(rel, "src/bin/") != NULL;
}

/* `Regs::default()` after `use crate::arch::Regs;`: rustc reports the
 * import, not each use of the name it failed to bring in. */
static int through_local_use(const struct rust_facts *f, const char *path)
{
	const char *e = strstr(path, "::");
	size_t n = e ? (size_t)(e - path) : strlen(path);
	for (size_t i = 0; i < f->ndecls; i++)
		if (f->decls[i].kind == RD_USE && f->decls[i].reach != TRI_FALSE && mem_eq(path, n, f->decls[i].name))
			return 1;
	return 0;
}

void rust_check_uses(const struct tree_index *ix, struct file_scan *results, const char *state)
{
	struct rust_resolver r;   /* either direction: host_env is the source arch's */
	resolver_init(&r, ix, results);
	for (size_t i = 0; i < ix->walk->len; i++) {
		const struct rust_facts *f = results[i].rust;
		if (!f || r.root[i] < 0 || !state[i] || !checked_crate(&r, r.root[i]))
			continue;
		for (size_t j = 0; j < f->nuses; j++) {
			struct rust_use u = f->uses[j];
			if (through_local_use(f, u.path))
				continue;
			if (state[i] == 1)
				u.reach = TRI_UNKNOWN;
			struct result x = resolve_text(&r, (int)i, u.path, 0, 0);
			/* a gate the source arch's build has too (a feature, test)
			 * is not a porting problem: the path must sit under it
			 * somewhere archport does not follow */
			if (x.kind == R_GATED && !x.gate->host_off)
				report_use(&r, &results[i], i, &u, x);
		}
	}
	resolver_free(&r);
}

struct rust_resolver *rust_resolver_new(const struct tree_index *ix, const struct file_scan *results)
{
	struct rust_resolver *r = xcalloc(1, sizeof *r);
	resolver_init(r, ix, results);
	return r;
}

void rust_resolver_free(struct rust_resolver *r)
{
	if (r)
		resolver_free(r);
	free(r);
}

const struct rust_decl *rust_gate_of(struct rust_resolver *r, int file, const char *path, int *decl_file)
{
	struct result x = resolve_text(r, file, path, 0, 0);
	*decl_file = x.kind == R_GATED ? x.gate_file : -1;
	return x.kind == R_GATED ? x.gate : NULL;
}