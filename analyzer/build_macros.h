/* Macros the build defines: every -D/-U that a Makefile or CMake file
 * passes to the compiler (build_scan.c finds them, with the condition
 * each is under), and the -D/-U of a compile database (compile_db.c),
 * decided for the target per file. The C front end asks here before it
 * falls back to "defined somewhere else in the tree: unknown". */
#ifndef ARCHPORT_BUILD_MACROS_H
#define ARCHPORT_BUILD_MACROS_H

#include <stddef.h>
#include "pp_expr.h"

/* Which compiles a flag reaches. */
enum { BM_LANG_C = 1, BM_LANG_ASM = 2, BM_LANG_ALL = 3 };

/* One -DNAME[=VALUE] or -UNAME in a build file. */
struct build_define {
	char *name;
	char *value;          /* the body: "1" for a bare -DX; NULL for -U or a value
			       * archport cannot know ($(VERSION)) */
	int undef;            /* -U */
	enum tri when;        /* the target's build passes it: TRUE (always, or under
			       * conditions true for the target), FALSE (only under
			       * conditions false for it), UNKNOWN */
	int arch;             /* an architecture condition decided `when` */
	int lang;             /* BM_LANG_*: the compiles that get it */
	char *origin;         /* "Makefile:12 (-DLINUX)" */
	char *why_unknown;    /* when UNKNOWN: why, for messages */
	/* only for these sources (walk indexes): the recipe of one make
	 * target, the sources of one CMake target; none: every file */
	int *scope;
	size_t nscope, scope_cap;
	int scope_leaks;      /* PUBLIC/INTERFACE: targets that link it get it too */
	/* a Makefile line whose reach the goals decide (make_goals.h), once
	 * every Makefile is read: a recipe's rule, a target-specific line, or
	 * the variable an assignment sets */
	int goal_kind;        /* BM_GOAL_* */
	int goal_file;        /* walk index of the Makefile */
	int goal_line;        /* RECIPE: the rule's header; TARGET_VAR: the line */
	char *goal_var;       /* VAR: the variable */
	char *unbuilt;        /* set when a plain make never passes it: why */
};

enum { BM_GOAL_NONE, BM_GOAL_RECIPE, BM_GOAL_TARGET_VAR, BM_GOAL_VAR };

/* The file a decision is for: a translation unit, or a header with the
 * translation units that include it. */
struct bm_file {
	int file;             /* walk index */
	int lang;             /* BM_LANG_* */
	const int *roots;     /* a header's translation units (NULL: none known) */
	size_t nroots;
	int roots_complete;   /* no includer on the way up was left out */
};

/* What the build says about one macro name in one file. */
struct macro_decision {
	enum tri state;           /* TRUE defined, FALSE not defined, UNKNOWN */
	const char *body;         /* when TRUE; NULL if the value is not known */
	int arch;                 /* decided by an architecture condition */
	const char *origin;       /* where the decision came from (not NULL) */
	const char *why_unknown;  /* when UNKNOWN */
	int from_database;        /* decided by a compile database entry */
	int by_undef;             /* FALSE because of a -U */
	int other_files;          /* FALSE: set only for other files */
	const char *unbuilt;      /* FALSE: set only where a plain make never goes, why */
};

struct build_defines {
	struct build_define *items;
	size_t len, cap;
};

/* Adds a record (the strings are copied); returns its index. */
size_t build_defines_add(struct build_defines *bd, const char *name, size_t n, const char *value,
			 size_t vn, int undef, enum tri when, int arch, int lang, const char *origin,
			 const char *why_unknown);
void build_defines_free(struct build_defines *bd);

/* Adds a walk index to a record's scope. */
void build_define_scope(struct build_define *r, int file);

/* The decision over the records of one name (indexes into bd) for a file:
 * 0 when there are none. `conflict` names a tree #define/#undef that may
 * override the build (NULL when none); the decision is then unknown. */
int build_defines_decide(const struct build_defines *bd, const size_t *recs, size_t nrecs,
			 const struct bm_file *file, const char *conflict, struct macro_decision *d);

/* A sentence for messages: "LINUX is defined by Makefile:12 (-DLINUX)". */
char *macro_decision_text(const char *name, size_t n, const struct macro_decision *d);

#endif
