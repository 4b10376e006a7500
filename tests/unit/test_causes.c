/* Root-cause grouping and fix order (analyzer/causes.c), on finding lists
 * built by hand, so each expectation is about the model alone. */
#include <string.h>
#include "causes.h"
#include "rules.h"
#include "unit.h"

static void add(struct finding_list *l, const char *rule, enum severity sev, const char *file, int line,
		const char *message, const char *cause, const char *cause_file)
{
	struct finding f = { rule, sev, (char *)file, line, 1, line, 2, (char *)message, "gate", NULL,
			     (char *)cause, (char *)cause_file };
	findings_add(l, &f);
}

/* One x86 header and three uses of its names in one file are one cause of
 * four findings; an x86 instruction repeated in another file falls back to
 * rule + file + subject: one cause for both lines, another for a
 * different instruction. */
START_TEST(groups_by_named_root_and_fallback)
{
	struct finding_list l = {0};
	const char *hdr = "x86 header <immintrin.h> included at a.c:1";
	add(&l, RULE_HEADER, SEV_ERROR, "a.c", 1, "x86-only header <immintrin.h>", hdr, "a.c");
	add(&l, RULE_INTRINSIC, SEV_ERROR, "a.c", 3, "x86 intrinsic `_mm_add_ps`", hdr, "a.c");
	add(&l, RULE_VECTOR_TYPE, SEV_ERROR, "a.c", 4, "x86-only type `__m128`", hdr, "a.c");
	add(&l, RULE_INTRINSIC, SEV_ERROR, "a.c", 5, "x86 intrinsic `_mm_add_ps`", hdr, "a.c");
	add(&l, RULE_ASM_X86, SEV_ERROR, "b.c", 2, "x86 instruction `pause` in inline asm", NULL, NULL);
	add(&l, RULE_ASM_X86, SEV_ERROR, "b.c", 7, "x86 instruction `pause` in inline asm", NULL, NULL);
	add(&l, RULE_ASM_X86, SEV_ERROR, "b.c", 9, "x86 instruction `cpuid` in inline asm", NULL, NULL);
	findings_sort(&l);
	struct cause_list c;
	causes_build(&c, &l, NULL);
	ck_assert_uint_eq(c.len, 3);
	ck_assert_str_eq(c.items[0].title, hdr);
	ck_assert_uint_eq(c.items[0].count, 4);
	ck_assert_str_eq(c.items[0].rule, RULE_HEADER);
	ck_assert_str_eq(c.items[0].id, "C1");
	ck_assert_str_eq(c.items[1].title, "`pause` in b.c");
	ck_assert_uint_eq(c.items[1].count, 2);
	ck_assert_uint_eq(c.items[1].nfiles, 1);
	ck_assert_str_eq(c.items[2].title, "`cpuid` in b.c");
	for (size_t i = 0; i < l.len; i++) {
		const struct cause *k = cause_of(&c, i);
		int member = 0;
		for (size_t j = 0; j < k->count; j++)
			member |= k->findings[j] == i;
		ck_assert_msg(member, "finding %zu is not in the cause it points to", i);
	}
	causes_free(&c);
	findings_free(&l);
}
END_TEST

/* Errors before warnings before notes; among errors, a root that more files
 * depend on first, whatever the counts; then the larger error count. */
START_TEST(fix_order)
{
	struct finding_list l = {0};
	add(&l, RULE_ASM_X86, SEV_ERROR, "big.c", 1, "`pause`", NULL, NULL);
	add(&l, RULE_ASM_X86, SEV_ERROR, "big.c", 2, "`pause`", NULL, NULL);
	add(&l, RULE_ASM_X86, SEV_ERROR, "big.c", 3, "`pause`", NULL, NULL);
	add(&l, RULE_ASM_X86, SEV_ERROR, "one.c", 1, "`cli`", NULL, NULL);
	add(&l, RULE_ERROR_DIRECTIVE, SEV_ERROR, "inc/plat.h", 2, "#error x86 only", "#error at inc/plat.h:2",
	    "inc/plat.h");
	add(&l, RULE_BUILD_FLAG, SEV_WARNING, "Makefile", 1, "`-msse2`", NULL, NULL);
	add(&l, RULE_GATED, SEV_NOTE, "inc/x86.h", 1, "`rdtsc`", NULL, NULL);
	findings_sort(&l);
	struct strmap dependents = {0};
	strmap_get(&dependents, "inc/plat.h", 10, 1)->value = (void *)(uintptr_t)6;
	strmap_get(&dependents, "inc/x86.h", 9, 1)->value = (void *)(uintptr_t)50;
	struct cause_list c;
	causes_build(&c, &l, &dependents);
	ck_assert_uint_eq(c.len, 5);
	ck_assert_str_eq(c.items[0].file, "inc/plat.h");
	ck_assert_uint_eq(c.items[0].blocks, 6);
	ck_assert_str_eq(c.items[1].file, "big.c");
	ck_assert_str_eq(c.items[2].file, "one.c");
	ck_assert_int_eq(c.items[3].severity, SEV_WARNING);
	ck_assert_int_eq(c.items[4].severity, SEV_NOTE);
	for (size_t i = 0; i < c.len; i++)
		ck_assert_uint_eq(c.items[i].order, i + 1);
	strmap_free(&dependents, NULL);
	causes_free(&c);
	findings_free(&l);
}
END_TEST

START_TEST(empty_list)
{
	struct finding_list l = {0};
	struct cause_list c;
	causes_build(&c, &l, NULL);
	ck_assert_uint_eq(c.len, 0);
	causes_free(&c);
}
END_TEST

Suite *causes_suite(void)
{
	Suite *s = suite_create("causes");
	TCase *tc = tcase_create("grouping");
	tcase_add_test(tc, groups_by_named_root_and_fallback);
	tcase_add_test(tc, fix_order);
	tcase_add_test(tc, empty_list);
	suite_add_tcase(s, tc);
	return s;
}
