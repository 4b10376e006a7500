/* The one finding model every front end produces and every report consumes. */
#ifndef ARCHPORT_FINDING_H
#define ARCHPORT_FINDING_H

#include <stddef.h>

enum severity { SEV_NOTE = 0, SEV_WARNING = 1, SEV_ERROR = 2, SEV_NEVER = 3 };

struct finding {
	const char *rule;     /* stable id, "<area>/<name>", static storage */
	enum severity severity;
	char *file;           /* relative to the scanned root, '/' separators */
	int line, column;     /* 1-based; column counts bytes */
	int end_line, end_column;
	char *message;        /* one sentence: what and why */
	const char *fix;      /* short fix kind: "gate", "stub", "remove", "port", ... */
	char *source_line;    /* the text of `line` (no newline), for carets; may be NULL */
	/* The root this finding shares with others (causes.h), filled by the
	 * front end that knows it: a phrase naming it ("x86 header
	 * <immintrin.h> included at src/a.c:3", "macro `RELAX` defined at
	 * include/relax.h:1"), and the tree file it is in, whose dependents
	 * decide how early it must be fixed. NULL: causes.c groups by rule,
	 * file and subject name instead. */
	char *cause;
	char *cause_file;
};

struct finding_list {
	struct finding *items;
	size_t len, cap;
};

/* Appends a copy; takes ownership of nothing (strings are duplicated). */
void findings_add(struct finding_list *list, const struct finding *f);
/* Moves every finding of `src` to the end of `dst`; `src` is left empty. */
void findings_take(struct finding_list *dst, struct finding_list *src);
/* Orders by severity (errors first), then file, line, column, rule. */
void findings_sort(struct finding_list *list);
void findings_free(struct finding_list *list);
/* Frees the strings of one finding (for a list compacted in place). */
void finding_free(struct finding *f);
size_t findings_count(const struct finding_list *list, enum severity sev);

const char *severity_name(enum severity sev);
/* Returns -1 when `name` is not error|warning|note|never. */
int severity_parse(const char *name);

struct cause_list;
struct component_list;

/* What every report writer is given. */
struct report {
	const char *tool_version;
	const char *target;       /* "aarch64" */
	const char *root;         /* PATH as given on the command line */
	size_t files, lines;
	const struct finding_list *findings;  /* sorted */
	int color;                /* text format only: ANSI colour wanted */
	size_t suppressed;        /* dropped by `archport: ignore` comments */
	size_t baseline_known;    /* dropped as already in the --baseline report */
	int has_baseline;
	const struct cause_list *causes;   /* the findings grouped by root cause (causes.h) */
	int show_notes;           /* text format only: list notes too (--show-notes, -v) */
	int quiet;                /* text format only: the totals line alone (--quiet) */
	/* The reverse port, when nothing was found: what the tree's code is
	 * ("no aarch64 code found; ..."), so that 0 findings is never silent. */
	const char *source_note;
	/* SARIF only: the base URI of the rule pages (--docs-url), or NULL
	 * for the docs this program was built from. */
	const char *docs_url;
	/* html format only: the crates and C directories with what they
	 * depend on (components.h); NULL when not collected */
	const struct component_list *components;
};

#include <stdio.h>
typedef int (*report_writer)(FILE *out, const struct report *r);
/* The architecture the port starts from: "aarch64" for the reverse port
 * (--target x86_64), else "x86". */
const char *report_source_name(const struct report *r);
int report_text(FILE *out, const struct report *r);
int report_json(FILE *out, const struct report *r);
int report_sarif(FILE *out, const struct report *r);
int report_markdown(FILE *out, const struct report *r);
int report_html(FILE *out, const struct report *r);

#endif
