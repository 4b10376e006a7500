/* Which .rs files the target build compiles: the crate roots Cargo finds
 * next to each Cargo.toml (src/lib.rs, src/main.rs, build.rs, src/bin/,
 * tests/, examples/, benches/) and whatever their `mod` items reach for the
 * target (the refs rust_scan.c records). A file no crate reaches, such as
 * the x86 file of a path mapping, is not compiled: its findings become
 * notes. A file reached only through undecidable cfgs keeps warnings. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "rust_scan.h"
#include "scan.h"

/* `in`, relative to a crate's directory, is one of its target roots. */
static int is_root_in_crate(const char *in)
{
	static const char *const roots[] = { "src/lib.rs", "src/main.rs", "build.rs" };
	static const char *const dirs[] = { "src/bin/", "tests/", "examples/", "benches/" };
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
		if (!strcmp(in, roots[i]))
			return 1;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (str_starts(in, dirs[i]) &&
		    (!strchr(in + strlen(dirs[i]), '/') || !strcmp(strrchr(in, '/'), "/main.rs")))
			return 1;
	return 0;
}

/* The innermost crate (the nearest Cargo.toml) decides; a file in no crate
 * at all is a root of its own (compiled some other way: archport cannot
 * tell, so it counts as compiled). */
int rust_is_crate_root(const struct tree_index *ix, const char *rel)
{
	if (cargo_is_target(&ix->cargo, rel))
		return 1;
	const struct cargo_manifest *m = cargo_manifest_for(&ix->cargo, rel);
	if (!m)
		return 1;
	return is_root_in_crate(*m->dir ? rel + strlen(m->dir) + 1 : rel);
}

static void downgrade(struct file_scan *r, int unknown)
{
	for (size_t j = 0; j < r->findings.len; j++) {
		struct finding *fd = &r->findings.items[j];
		if (fd->severity == SEV_NOTE || rule_is_input(fd->rule))   /* about the scan, not the port */
			continue;
		if (unknown && fd->severity != SEV_ERROR)
			continue;
		char *m = xasprintf("%s (%s)", fd->message,
				    unknown ? "this file is compiled only under a cfg archport cannot decide"
					    : "no crate compiled for this target reaches this module");
		free(fd->message);
		fd->message = m;
		fd->severity = unknown ? SEV_WARNING : SEV_NOTE;
		if (!unknown)
			fd->rule = RULE_RUST_GATED;
	}
}

/* "a/b/../c/./d" -> "a/c/d" (relative paths inside the tree). */
char *rust_fold_path(const char *p)
{
	char *out = xcalloc(strlen(p) + 1, 1);
	size_t o = 0;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && !memcmp(p, "..", 2)) {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
		} else if (n && !(n == 1 && *p == '.')) {
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
			out[o] = '\0';
		}
		p += n + (e != NULL);
	}
	return out;
}

/* state: 0 not reached, 1 only through unknown cfgs, 2 compiled. */
char *rust_apply_gating(const struct tree_index *ix, struct file_scan *results)
{
	size_t n = ix->walk->len;
	char *state = xcalloc(n ? n : 1, 1);
	size_t *queue = xcalloc(n ? n * 2 + 1 : 1, sizeof *queue), head = 0, tail = 0;
	for (size_t i = 0; i < n; i++)
		if (ix->walk->files[i].kind == FK_RUST && rust_is_crate_root(ix, ix->walk->files[i].rel)) {
			state[i] = 2;
			queue[tail++] = i;
		}
	while (head < tail) {
		size_t i = queue[head++];
		for (size_t j = 0; j < results[i].nrefs; j++) {
			size_t to = (size_t)results[i].refs[j].file;
			char s = results[i].refs[j].reachable == TRI_TRUE && state[i] == 2 ? 2 : 1;
			if (ix->walk->files[to].kind == FK_RUST && s > state[to] && tail < n * 2 + 1) {
				state[to] = s;
				queue[tail++] = to;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (ix->walk->files[i].kind == FK_RUST && state[i] < 2)
			downgrade(&results[i], state[i] == 1);
	free(queue);
	return state;
}
