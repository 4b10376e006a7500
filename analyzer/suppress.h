/* What the user asked archport not to report: inline `archport: ignore`
 * comments and a baseline report of findings already known. */
#ifndef ARCHPORT_SUPPRESS_H
#define ARCHPORT_SUPPRESS_H

#include "finding.h"
#include "util.h"

/* Drops the findings of `list` (files relative to `root`) that an
 * `archport: ignore[rule]` comment on their line, or alone on the line
 * before, names; returns how many it dropped. */
size_t suppress_inline(const char *root, struct finding_list *list);

/* What identifies a finding across runs (baselines, SARIF fingerprints):
 * its rule, file and message with every number blanked, so that lines
 * moving (`defined at x.h:12`, `the #if at line 40`) do not make a known
 * finding new. Returns a new string. */
char *finding_identity(const char *rule, const char *file, const char *message);

/* The findings of a previous JSON report (--baseline FILE). */
struct baseline {
	struct strmap keys;   /* rule, file, message with numbers blanked -> how many */
	int seen_findings;
};
/* Returns 0, or -1 after a message naming the file. */
int baseline_load(const char *path, struct baseline *b);
/* Drops the findings of `list` that the baseline holds (each baseline
 * finding matches once); returns how many it dropped. */
size_t baseline_filter(struct baseline *b, struct finding_list *list);
void baseline_free(struct baseline *b);

#endif
