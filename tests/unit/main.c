/* The unit test runner: every suite of unit.h, CK_NORMAL output, exit
 * status 1 when any check fails. Tests that build temporary trees create
 * them under one directory made here and removed at the end. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(unit_tmp_base, sizeof unit_tmp_base, "%s/archport-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(unit_tmp_base)) {
		fprintf(stderr, "unit_tests: mkdtemp %s: %s\n", unit_tmp_base, strerror(errno));
		return 2;
	}
	/* the temporary trees are not git checkouts; skip the git probe */
	setenv("ARCHPORT_NO_GIT", "1", 1);

	SRunner *sr = srunner_create(lex_suite());
	srunner_add_suite(sr, pp_expr_suite());
	srunner_add_suite(sr, asm_check_suite());
	srunner_add_suite(sr, knowledge_suite());
	srunner_add_suite(sr, scan_lib_suite());
	srunner_add_suite(sr, build_macros_suite());
	srunner_add_suite(sr, causes_suite());
	srunner_add_suite(sr, rules_c_suite());
	srunner_add_suite(sr, rules_asm_build_suite());
	srunner_add_suite(sr, rules_rust_suite());
	srunner_add_suite(sr, rules_rust_reverse_suite());
	srunner_add_suite(sr, rust_resolve_suite());
	srunner_add_suite(sr, build_diag_suite());
	srunner_add_suite(sr, patch_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	nftw(unit_tmp_base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? 0 : 1;
}
