/* `archport stub`: the patch that makes a tree build for the target while
 * the x86_64 build stays byte-identical. Each language's patch writer
 * turns the scan's findings into edits; this is their common interface. */
#ifndef ARCHPORT_STUB_H
#define ARCHPORT_STUB_H

#include "finding.h"
#include "util.h"

struct stub_options {
	const char *target;   /* "aarch64" */
	int simde;            /* route SSE intrinsics through SIMDe */
	int force;            /* --write in a git checkout with uncommitted changes */
	int jobs;
	/* Errors the target build reported after an earlier patch (`port`),
	 * files relative to the root: each is fixed like a scan finding at
	 * its line (the construct there is gated, with a twin). */
	const struct finding *extra;
	size_t nextra;
	/* The build's compile commands (compile_commands.json), for the scan
	 * the patch is written from; NULL: the tree's own, if any. */
	const char *compile_commands;
};

/* Appends a unified diff for the tree at `root` to `patch`: paths are
 * relative to root with a/ and b/ prefixes, new files come from /dev/null.
 * Returns 0, or -1 after a message on stderr. Never writes to the tree. */
int stub_tree(const char *root, const struct stub_options *o, struct strbuf *patch);

struct knowledge;
/* With --simde, the source arch's intrinsics and vector types compile on
 * the target through SIMDe (its header replaces the source's): the stub
 * leaves their uses as they are. */
int stub_simde_covers(const struct knowledge *k, const struct stub_options *o, const struct finding *f);

/* Applies the same edits to the tree, all or none (stub_write.c), each
 * changed file in place so that its owner, mode and hard links stay;
 * refuses a git checkout whose files to change have uncommitted changes
 * unless o->force. Returns 0, or -1 after a message. */
int stub_write(const char *root, const struct stub_options *o);

#endif
