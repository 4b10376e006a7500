/* State of one C/C++ translation unit being scanned (the file and the
 * in-tree headers it includes). */
#ifndef ARCHPORT_C_SCAN_H
#define ARCHPORT_C_SCAN_H

#include "finding.h"
#include "scan.h"

/* x86 code found in a token stream: a finding in a file, or a property of
 * a macro body to be reported where the macro is used. */
struct evidence {
	const char *rule;
	enum severity severity;
	const char *fix;
	char *what;
	int line, col, end_line, end_col;
	/* Through macros: the x86 code is `what`, reached through the macro
	 * `via` names ("`M2` (defined at f.h:3)") and `links` - 1 more. Kept
	 * apart from `what` so that a chain of N macros costs O(N), not a
	 * message that grows by one link per macro. */
	char *via;
	int links;
	/* Where the x86 code is not the macro's own but comes from a root
	 * further down (an #if chain with no arm for the target), that root:
	 * struct finding's cause and cause_file; else NULL. */
	char *cause, *cause_file;
};
/* A heap copy of ev, its strings duplicated. */
struct evidence *evidence_copy(const struct evidence *ev);
void evidence_free(struct evidence *ev);

struct source;

struct c_scan {
	const struct tree_index *ix;
	const struct knowledge *k;
	int file_index;
	struct emitter em;
	int silent;               /* reading an included header */
	int arch_blind;           /* evaluating with every arch name unknown */
	int notes;                /* give c/gated-x86 notes */
	struct strmap macros;     /* name -> struct macro */
	struct strmap x86_macros; /* names whose body held x86 code at some point */
	struct strmap declared;   /* names the code declares itself */
	struct strmap missing;    /* name -> struct missing_def (c/arch-chain) */
	struct strmap in_tu;      /* file indexes already read in this TU */
	/* x86 header name -> the cause (struct finding) of its #include in
	 * this file, which the intrinsics and types it declares share */
	struct strmap x86_headers;
	const char *first_x86_header;   /* the cause of the first one */
	char *file_x86_cause;     /* x86 names whose header comes through a tree header */
	/* SIMDe headers included with SIMDE_ENABLE_NATIVE_ALIASES (knowledge's
	 * simde_reads keys) -> SIMDE_CERTAIN or SIMDE_MAYBE: the source-arch
	 * names they define are the target's own there */
	struct strmap simde_active;
	struct strmap simde_via;  /* active SIMDe header -> the #include'd one that brought it */
	const char *simde_maybe;  /* the SIMDe header that may define the name being reported */
	struct strmap simde_noted;   /* SIMDe headers whose use this file's note already tells */
	struct file_scan *result; /* include references go here (may be NULL) */
	struct summary *recording;            /* summarizing a header: its effects */
	struct c_scan *summarizing_for;       /* the scan that asked for it */
	char *why_pending;        /* a build decision the condition being read used */
	const struct source *cond_source;   /* the file whose #if is being read */
	const char *lex_problem;
	int lex_problem_line, unclosed_line, unbalanced_line;
};

void c_scan_init(struct c_scan *cs, const struct tree_index *ix, int file_index,
		 struct finding_list *out);
void c_scan_free(struct c_scan *cs);

#include "pp_expr.h"
typedef void (*asm_line_fn)(void *ctx, const char *line, size_t n, int lineno, int col, enum tri reach);
void c_scan_asm_lines(struct c_scan *cs, const char *src, size_t len, const char *rel,
		      asm_line_fn fn, void *ctx);

#endif
