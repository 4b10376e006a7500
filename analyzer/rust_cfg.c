/* cfg predicates evaluated for the target, three-valued: rustc's built-in
 * cfg values of the target's linux-gnu triple are known; custom cfgs (build.rs
 * `cargo:rustc-cfg`, `--cfg`) and profile-dependent ones are unknown. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rust_scan.h"

struct cfg_value {
	const char *key, *value;
};

/* Default target features of each triple (rustc --print cfg); any other
 * feature name, including every x86 one on the other targets, is false. */
static const char *const aarch64_features[] = { "neon", "fp-armv8", "v8", NULL };
static const char *const riscv64_features[] = { "m", "a", "f", "d", "c", NULL };
static const char *const x86_64_features[] = { "fxsr", "sse", "sse2", NULL };

const char *rust_target_arch(const char *target)
{
	return strcmp(target, "x86_64") == 0 ? "x86_64" : strcmp(target, "riscv64") == 0 ? "riscv64" : "aarch64";
}

static const char *const *target_features(const char *target)
{
	const char *arch = rust_target_arch(target);
	return !strcmp(arch, "x86_64") ? x86_64_features : !strcmp(arch, "riscv64") ? riscv64_features
										    : aarch64_features;
}

void rust_cfg_init(struct rust_cfg_env *env, const char *target)
{
	memset(env, 0, sizeof *env);
	env->target = target;
}

void rust_cfg_free(struct rust_cfg_env *env)
{
	memset(env, 0, sizeof *env);
}

static int has_feature(const struct rust_cfg_env *env, const char *s, size_t n)
{
	for (size_t i = 0; i < env->nfeatures; i++)
		if (strlen(env->features[i]) == n && memcmp(env->features[i], s, n) == 0)
			return 1;
	return 0;
}

/* ---- a predicate parser over the attribute's text ---- */

struct cursor {
	const char *s, *end;
	const struct rust_cfg_env *env;
	int bad;                 /* syntax archport does not understand */
	int depth;               /* all/any/not levels open */
	int too_deep;
};

static void skip_space(struct cursor *c)
{
	while (c->s < c->end && isspace((unsigned char)*c->s))
		c->s++;
}

static size_t word(struct cursor *c, const char **w)
{
	skip_space(c);
	*w = c->s;
	while (c->s < c->end && (isalnum((unsigned char)*c->s) || *c->s == '_'))
		c->s++;
	return (size_t)(c->s - *w);
}

static int accept(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return 1;
	}
	return 0;
}

/* A string literal's contents (no escapes are needed in cfg values). */
static size_t string(struct cursor *c, const char **v)
{
	skip_space(c);
	if (c->s >= c->end || *c->s != '"') {
		c->bad = 1;
		return 0;
	}
	*v = ++c->s;
	while (c->s < c->end && *c->s != '"')
		c->s++;
	size_t n = (size_t)(c->s - *v);
	if (c->s < c->end)
		c->s++;
	return n;
}

static enum tri key_value(const struct rust_cfg_env *env, const char *k, size_t kn, const char *v, size_t vn)
{
	const char *arch = rust_target_arch(env->target);
	const struct cfg_value known[] = {
		{ "target_arch", arch }, { "target_os", "linux" }, { "target_family", "unix" },
		{ "target_env", "gnu" }, { "target_vendor", "unknown" }, { "target_pointer_width", "64" },
		{ "target_endian", "little" }, { "panic", NULL },
	};
	if (mem_eq(k, kn, "feature"))
		return has_feature(env, v, vn) ? TRI_TRUE : TRI_FALSE;
	if (mem_eq(k, kn, "target_feature")) {
		for (const char *const *f = target_features(env->target); *f; f++)
			if (mem_eq(v, vn, *f))
				return TRI_TRUE;
		return TRI_FALSE;
	}
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (mem_eq(k, kn, known[i].key))
			return !known[i].value ? TRI_UNKNOWN : mem_eq(v, vn, known[i].value) ? TRI_TRUE : TRI_FALSE;
	return TRI_UNKNOWN;
}

/* `debug_assertions` depends on the profile (dev: on, release: off). */
static enum tri bare_name(const char *w, size_t n)
{
	if (mem_eq(w, n, "unix"))
		return TRI_TRUE;
	if (mem_eq(w, n, "windows") || mem_eq(w, n, "test") || mem_eq(w, n, "doc") || mem_eq(w, n, "miri") ||
	    mem_eq(w, n, "doctest"))
		return TRI_FALSE;
	return TRI_UNKNOWN;
}

static enum tri predicate(struct cursor *c);

/* all(...) / any(...): `unit` is the value of the empty list. */
static enum tri list(struct cursor *c, enum tri unit)
{
	enum tri acc = unit, absorbing = unit == TRI_TRUE ? TRI_FALSE : TRI_TRUE;
	if (!accept(c, '(')) {
		c->bad = 1;
		return TRI_UNKNOWN;
	}
	while (!c->bad && !accept(c, ')')) {
		enum tri v = predicate(c);
		if (acc != absorbing && (v == absorbing || v == TRI_UNKNOWN))
			acc = v;
		if (!accept(c, ',') && !accept(c, ')')) {
			c->bad = 1;
			break;
		} else if (c->s[-1] == ')') {
			break;
		}
	}
	return acc;
}

/* One level more; past PP_MAX_DEPTH the predicate is undecided (bad). */
static int enter(struct cursor *c)
{
	if (++c->depth <= PP_MAX_DEPTH)
		return 1;
	c->bad = c->too_deep = 1;
	return 0;
}

static enum tri predicate(struct cursor *c)
{
	const char *w;
	size_t n = word(c, &w);
	if (!n) {
		c->bad = 1;
		return TRI_UNKNOWN;
	}
	int nests = mem_eq(w, n, "all") || mem_eq(w, n, "any") || mem_eq(w, n, "not");
	if (nests && !enter(c))
		return TRI_UNKNOWN;
	enum tri v = TRI_UNKNOWN;
	if (mem_eq(w, n, "all")) {
		v = list(c, TRI_TRUE);
	} else if (mem_eq(w, n, "any")) {
		v = list(c, TRI_FALSE);
	} else if (mem_eq(w, n, "not")) {
		if (!accept(c, '('))
			c->bad = 1;
		v = c->bad ? TRI_UNKNOWN : predicate(c);
		if (!accept(c, ')'))
			c->bad = 1;
		v = tri_not(v);
	}
	if (nests) {
		c->depth--;
		return v;
	}
	if (accept(c, '=')) {
		const char *v = c->s;
		size_t vn = string(c, &v);
		return key_value(c->env, w, n, v, vn);
	}
	return bare_name(w, n);
}

enum tri rust_cfg_eval_depth(const struct rust_cfg_env *env, const char *s, size_t n, int *too_deep)
{
	struct cursor c = { s, s + n, env, 0, 0, 0 };
	enum tri v = predicate(&c);
	skip_space(&c);
	if (too_deep)
		*too_deep = c.too_deep;
	return c.bad || c.s != c.end ? TRI_UNKNOWN : v;
}

enum tri rust_cfg_eval(const struct rust_cfg_env *env, const char *s, size_t n)
{
	return rust_cfg_eval_depth(env, s, n, NULL);
}
