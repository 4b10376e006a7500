/* Shared by c_scan.c (the preprocessor and token pass) and c_summary.c
 * (what an included header leaves behind, recorded once and replayed). */
#ifndef ARCHPORT_C_SCAN_INTERNAL_H
#define ARCHPORT_C_SCAN_INTERNAL_H

#include "c_scan.h"
#include "pp_expr.h"

struct macro {
	enum tri defined;
	char *body;
	int function_like;
	char *params;           /* function-like: the text between its parentheses */
	unsigned long long args_used_elsewhere;   /* bit i: an earlier live-maybe definition uses argument i */
	int arch_dependent;     /* defined under an architecture condition */
	struct evidence *x86;   /* the body holds x86 code */
	/* When that code is an x86 name (`#define _mm_set_pd1 _mm_set1_pd`):
	 * the name, so that a use after the tree's own shim of it is defined
	 * (sse2neon defines _mm_set1_pd after the alias) is not reported. */
	char *x86_name;
	/* Where this definition is (the walk's path, which outlives the scan),
	 * so that a use's finding names the #define that the stub must gate:
	 * two files may each define their own CPU_RELAX. */
	const char *def_file;
	int def_line;
	/* Defined (or #undef'd) in a region archport cannot decide, `defined`
	 * is UNKNOWN. Yet inside the innermost undecided arm around the
	 * directive, with only taken arms between, the directive certainly ran:
	 * a condition read later in that same arm, still open, sees `certain`
	 * (xxhash.h sets XXH_VECTOR under `#if XXH_IMPLEMENTATION` and tests
	 * it further down under the same #if). 0: no such arm. */
	unsigned long certain_in_arm;
	enum tri certain;
};

struct missing_def {
	char *file;
	int line;
	int reported;
};

void free_macro(void *p);
void free_missing(void *p);
/* Scans one file's text in the translation unit of `cs`. */
void c_scan_source(struct c_scan *cs, const char *src, size_t len, const char *rel);

/* What reading a header changes, recorded for its summary. */
enum op_kind { OP_DEFINE, OP_UNDEF, OP_DECLARE, OP_MISSING, OP_INCLUDE, OP_SIMDE };
/* How sure an included SIMDe header's aliases are (struct c_scan's
 * simde_active): SIMDE_ENABLE_NATIVE_ALIASES defined and the #include
 * reached for certain, or either undecided. */
enum { SIMDE_CERTAIN = 1, SIMDE_MAYBE = 2 };
/* Makes the SIMDe header `name` and every SIMDe header it reads active at
 * `level` (the surer level wins), and records it for a header summary. */
void simde_activate(struct c_scan *cs, const char *name, int level);
void record_op(struct c_scan *cs, enum op_kind kind, const char *name, size_t n,
	       const struct macro *m, const struct missing_def *md, int file);
/* Brings an in-tree header's effects into the translation unit. */
void process_include(struct c_scan *cs, int file_index);
struct summary *summary_new(void);
/* After a header's own scan: keep what it recorded for its includers. */
void publish_summary(struct c_scan *cs, int file_index);

#endif
