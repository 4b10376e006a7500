/* Shared declarations of the archport unit tests (Check framework).
 * main.c runs every suite below; helpers.c holds the temporary-tree and
 * scan helpers the end-to-end suites use. */
#ifndef ARCHPORT_UNIT_H
#define ARCHPORT_UNIT_H

#include <check.h>
#include <stddef.h>

Suite *lex_suite(void);
Suite *pp_expr_suite(void);
Suite *asm_check_suite(void);
Suite *knowledge_suite(void);
Suite *rules_c_suite(void);
Suite *rules_asm_build_suite(void);
Suite *rules_rust_suite(void);
Suite *rules_rust_reverse_suite(void);
Suite *rust_resolve_suite(void);
Suite *scan_lib_suite(void);
Suite *build_diag_suite(void);
Suite *build_macros_suite(void);
Suite *causes_suite(void);
Suite *patch_suite(void);

/* The directory every test tree is created under (set by main). */
extern char unit_tmp_base[256];

/* A temporary source tree: mkdtemp under unit_tmp_base. */
struct tmptree {
	char root[512];
};

void tree_init(struct tmptree *t);
/* Writes `content` to root/rel, creating the parent directories. */
void tree_file(struct tmptree *t, const char *rel, const char *content);
void tree_bytes(struct tmptree *t, const char *rel, const void *data, size_t len);
/* Removes the tree (recursively). */
void tree_cleanup(struct tmptree *t);

/* One finding as read back from the JSON report. */
struct rfinding {
	char rule[64];
	char severity[16];
	char file[256];
	int line, column, end_line, end_column;
	char message[512];
	char fix[32];
};

struct scan_result {
	int rc;                     /* exit status of `archport scan` */
	struct rfinding *items;
	size_t len;
	int errors, warnings, notes;  /* the report's summary */
	char *listing;              /* every finding, one per line, for messages */
};

/* Runs `archport scan ROOT --target TARGET --format json -j 1 -o FILE`
 * in-process (cmd_scan, the same code bin/archport runs) and reads the
 * report back. Fails the test if the report cannot be parsed. */
void scan_tree(struct tmptree *t, const char *target, struct scan_result *r);
/* The same with extra arguments (NULL-terminated), e.g. "--fail-on", "note". */
void scan_tree_args(struct tmptree *t, const char *target, struct scan_result *r, const char *const *extra);
void scan_result_free(struct scan_result *r);

/* First finding matching every non-NULL field (line 0: any line). */
const struct rfinding *find_finding(const struct scan_result *r, const char *rule, const char *severity,
				    const char *file, int line);
size_t count_findings(const struct scan_result *r, const char *rule, const char *severity,
		      const char *file);

/* Asserts that a finding exists / does not exist, printing the whole
 * report when it does not hold. */
#define EXPECT_FINDING(r, rule, sev, file, line)                                              \
	ck_assert_msg(find_finding((r), (rule), (sev), (file), (line)) != NULL,                \
		      "expected %s %s in %s line %d; the report has:\n%s", (rule) ? (rule) : "*", \
		      (sev) ? (sev) : "*", (file) ? (file) : "*", (line), (r)->listing)
#define EXPECT_NO_FINDING(r, rule, sev, file)                                                  \
	ck_assert_msg(count_findings((r), (rule), (sev), (file)) == 0,                         \
		      "expected no %s %s in %s; the report has:\n%s", (rule) ? (rule) : "*",      \
		      (sev) ? (sev) : "*", (file) ? (file) : "*", (r)->listing)

#endif
