/* Root causes: findings that share one root are one item to fix, with its
 * count and sites, and the items come in the order to fix them (what blocks
 * other parts of the tree first). Every report writer reads this model.
 *
 * Grouping: findings whose front end named their root (struct finding's
 * cause and cause_file: an x86 header #include and the x86 names it brings
 * in that file, a macro definition and its uses, an #if chain with no arm
 * for the target and the names it leaves undefined, a gated Rust item or a
 * target-only Cargo dependency and its uses) share a cause when both are
 * equal. Any other finding falls back to rule + file + subject, the subject
 * being the first `quoted` name of its message (the whole message when it
 * quotes none), so that one instruction repeated in one file is one item.
 *
 * Fix order: by worst severity (errors, then warnings, then notes); then by
 * how many tree files depend on the file the root is in (a header that
 * many translation units include, directly or through other headers
 * (index_tu_roots), before them; a
 * crate others depend on by Cargo path dependencies before them); then by
 * error count, warning count and size; then by report order. */
#ifndef ARCHPORT_CAUSES_H
#define ARCHPORT_CAUSES_H

#include <stddef.h>
#include <stdio.h>
#include "finding.h"
#include "util.h"

struct tree_index;

struct cause {
	char *id;               /* "C1", "C2", ...: unique in the report, in fix order */
	char *title;            /* what to fix: the finding's cause, or "`name` in FILE" */
	char *file;             /* the tree file the root is in */
	const char *rule;       /* the rule of its first finding (report order) */
	enum severity severity; /* the worst of its findings */
	size_t count;           /* its findings */
	size_t errors, warnings, notes;
	size_t *findings;       /* indexes into the report's findings, in report order */
	char **files;           /* distinct files of its findings, first seen first */
	size_t nfiles;
	size_t blocks;          /* tree files that depend on `file` */
	size_t order;           /* 1-based place in the fix order */
	size_t findings_cap, files_cap;
};

struct cause_list {
	struct cause *items;    /* in fix order */
	size_t len, cap;
	size_t *of_finding;     /* [finding index] -> index into items */
};

/* Groups the (sorted) findings into causes in fix order. `dependents`
 * (causes_count_dependents; NULL: none known) gives the files that
 * depend on each root file. */
void causes_build(struct cause_list *out, const struct finding_list *findings,
		  const struct strmap *dependents);
void causes_free(struct cause_list *l);
/* One cause as the JSON report's `causes` list has it (report_json.c; the
 * SARIF run's properties repeat it): id, order, rule, severity, title,
 * root_file, blocks, counts, files and its `first` finding. */
void cause_write_json(FILE *out, const struct cause *c, const struct finding *first);
/* The cause of finding `i`. */
const struct cause *cause_of(const struct cause_list *l, size_t i);

/* Errors, warnings and notes of one rule or one top-level directory, for
 * the summaries of the reports. */
struct tally {
	char *name;     /* the rule id, or the directory ("." for files at the root) */
	size_t errors, warnings, notes;
};
struct tally_list {
	struct tally *items;   /* most errors first, then warnings, notes, name */
	size_t len, cap;
};
enum tally_by { TALLY_RULE, TALLY_DIRECTORY };
void tally_findings(struct tally_list *out, const struct finding_list *findings, enum tally_by by);
void tally_free(struct tally_list *t);

/* For every root file of `findings` (cause_file, else file) not yet in
 * `out`: how many files of the tree depend on it, keyed by its name with
 * `prefix/` (NULL: none) as the report names it. Values are counts cast to
 * pointers. */
void causes_count_dependents(struct strmap *out, const struct tree_index *ix,
			     const struct finding_list *findings, const char *prefix);

#endif
