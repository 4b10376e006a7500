/* What the deep pass's files share (deep_clang.c: jobs, diagnostics, asm,
 * page constants, the cache; deep_hazard.c: va_list and long double).
 * Private to them: no other file includes this. */
#ifndef ARCHPORT_DEEP_INTERNAL_H
#define ARCHPORT_DEEP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include "deep_cache.h"
#include "finding.h"
#include "knowledge.h"
#include "libclang_load.h"
#include "util.h"

struct tu_job {
	char *dir, *file;      /* absolute */
	char **args;           /* rewritten command line, without the file */
	int nargs;
};

struct tu_result {
	struct finding_list findings;
	char **covered;        /* root-relative files the TU read */
	size_t ncovered, cap;
	int cached;            /* taken from the cache, not parsed */
};

struct deep_run {
	const char *root;      /* real path */
	size_t rootlen;
	const struct knowledge *k;
	struct tu_job *jobs;
	struct tu_result *results;
	size_t njobs, next;
	pthread_mutex_t lock;
	struct deep_cache *cache;   /* NULL: off */
};

struct tu_state {
	const struct deep_run *run;
	const struct tu_job *job;
	CXTranslationUnit tu;
	struct tu_result *res;
	struct strmap in_root;     /* CXFile (pointer bytes) -> rel path, or "" */
	struct strmap sites;       /* CXFile outside the tree -> struct include_site */
	struct strmap va_passed;   /* va_list variable -> struct va_pass (deep_hazard.c) */
	struct strmap sign_same;   /* comparisons whose && / || behaves the same (deep_sign.c) */
	struct deep_record rec;    /* what the parse read, for the cache */
	struct strmap read;        /* CXFile (pointer bytes) already in `rec` */
	int fatal;                 /* a missing/x86 header stopped the TU */
	int char_sign_fixed;       /* -fsigned-char and the like: one sign on both arches */
};

/* The string's bytes, malloc'd; disposes of `s`. */
char *deep_take(CXString s);
/* The file's path relative to the root, or NULL when outside the tree. */
const char *deep_rel(struct tu_state *st, CXFile f);
void deep_expansion(CXSourceLocation loc, CXFile *f, unsigned *line, unsigned *col);
/* The text of line `line` of `f` (no newline), malloc'd, or NULL. */
char *deep_line_text(CXTranslationUnit tu, CXFile f, unsigned line);
/* Takes ownership of `message` and `source`. */
void deep_add_finding(struct tu_state *st, const char *rule, enum severity sev, const char *rel, unsigned line,
		      unsigned col, const char *fix, char *message, char *source);

/* The first two children of a cursor and how many it has (up to 3). */
struct deep_children {
	CXCursor c[2];
	int n;
};
struct deep_children deep_children_of(CXCursor c);
/* The expression inside parentheses and implicit conversions. */
CXCursor deep_strip_implicit(CXCursor c);

/* deep_hazard.c: checks one in-tree cursor of the AST walk for va_list and
 * long double hazards. */
void hazard_visit(struct tu_state *st, CXCursor c, CXCursor parent, const char *rel, CXFile f, unsigned line,
		  unsigned col);
/* A clang error about va_list with the reason it fails on the target
 * appended; malloc'd. */
char *hazard_explain_error(const struct knowledge *k, const char *msg);
void hazard_free_state(struct tu_state *st);

/* deep_sign.c: plain char hazards of either direction (signed on x86_64,
 * unsigned on aarch64 and riscv64): comparisons, subscripts and case labels
 * whose result depends on the sign of plain char. */
void sign_visit(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line, unsigned col);
/* The command line chooses the sign of plain char (-fsigned-char,
 * -funsigned-char, -fno-...): the build gives both arches the same one. */
int sign_fixed_by_flags(const struct tu_job *j);

#endif
