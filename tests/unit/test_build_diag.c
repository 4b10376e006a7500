/* Build log parsing (analyzer/build_diag.c). The logs are what gcc 12,
 * GNU as 2.40, ld and rustc 1.63 print (LC_ALL=C), cut to the lines that
 * matter; `port` reads them to place each error in the tree. */
#include <stdlib.h>
#include <string.h>
#include "build_diag.h"
#include "unit.h"

static const struct diag *find_kind(const struct diag_list *l, enum diag_kind k, size_t nth)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->v[i].kind == k && nth-- == 0)
			return &l->v[i];
	return NULL;
}

START_TEST(gcc_errors_relative_to_make_directories)
{
	const char *log =
		"make[1]: Entering directory '/w/tree/lib'\n"
		"In file included from spin.c:3:\n"
		"../include/md.h:455:14: error: #error \"Unknown CPU architecture\"\n"
		"  455 |             #error \"Unknown CPU architecture\"\n"
		"      |              ^~~~~\n"
		"spin.c: In function 'spin':\n"
		"spin.c:10:9: warning: unused variable 'x' [-Wunused-variable]\n"
		"make[1]: Leaving directory '/w/tree/lib'\n"
		"fpu.c:20:16: error: 'saved_mxcsr' undeclared (first use in this function)\n";
	struct diag_list l = {0};
	diag_parse(log, "/w/tree", &l);
	ck_assert_uint_eq(l.len, 2);   /* the warning is no error */
	ck_assert_str_eq(l.v[0].file, "/w/tree/include/md.h");
	ck_assert_int_eq(l.v[0].line, 455);
	ck_assert_int_eq(l.v[0].column, 14);
	ck_assert_str_eq(l.v[0].message, "#error \"Unknown CPU architecture\"");
	ck_assert_str_eq(l.v[1].file, "/w/tree/fpu.c");   /* back in the top directory */
	ck_assert_int_eq(l.v[1].line, 20);
	diag_free(&l);
}
END_TEST

START_TEST(driver_assembler_linker_and_make_lines)
{
	const char *log =
		"$ cd /w/tree && make -k CC=aarch64-linux-gnu-gcc\n"
		"aarch64-linux-gnu-gcc: error: unrecognized command-line option '-msse2'\n"
		"/tmp/ccgymJHz.s: Assembler messages:\n"
		"/tmp/ccgymJHz.s:13: Error: unknown mnemonic `mfence' -- `mfence'\n"
		"src/switch.S:12: Error: unknown mnemonic `pushq' -- `pushq %rbp'\n"
		"/usr/bin/aarch64-linux-gnu-ld: main.o: in function `main':\n"
		"/w/tree/main.c:5: undefined reference to `coro_switch'\n"
		"/usr/bin/aarch64-linux-gnu-ld: cannot find -lquadmath: No such file or directory\n"
		"collect2: error: ld returned 1 exit status\n"
		"make: *** [Makefile:12: src/spin.o] Error 1\n"
		"make: *** [Makefile:12: src/spin.o] Error 1\n";
	struct diag_list l = {0};
	diag_parse(log, "/w/tree", &l);
	const struct diag *drv = find_kind(&l, DIAG_COMPILE, 0);
	ck_assert_ptr_nonnull(drv);
	ck_assert_ptr_null(drv->file);
	ck_assert_str_eq(drv->message, "unrecognized command-line option '-msse2'");
	ck_assert_ptr_null(find_kind(&l, DIAG_COMPILE, 1));   /* collect2's echo is dropped */
	const struct diag *tmp = find_kind(&l, DIAG_ASSEMBLER, 0), *s = find_kind(&l, DIAG_ASSEMBLER, 1);
	ck_assert_str_eq(tmp->file, "/tmp/ccgymJHz.s");
	ck_assert_int_eq(tmp->line, 13);
	ck_assert_str_eq(s->file, "/w/tree/src/switch.S");
	const struct diag *undef = find_kind(&l, DIAG_LINK, 0), *lib = find_kind(&l, DIAG_LINK, 1);
	ck_assert_str_eq(undef->symbol, "coro_switch");
	ck_assert_str_eq(undef->file, "/w/tree/main.c");
	ck_assert_int_eq(undef->line, 5);
	ck_assert_ptr_null(lib->file);
	ck_assert_str_eq(lib->message, "cannot find -lquadmath: No such file or directory");
	const struct diag *failed = find_kind(&l, DIAG_FAILED, 0);
	ck_assert_str_eq(failed->symbol, "/w/tree/src/spin.o");
	ck_assert_ptr_null(find_kind(&l, DIAG_FAILED, 1));   /* the same line twice is one record */
	diag_free(&l);
}
END_TEST

START_TEST(a_missing_tool_is_an_error)
{
	const char *log =
		"aarch64-linux-gnu-g++ -O2 -c co_epoll.cpp -o co_epoll.o\n"
		"make: aarch64-linux-gnu-g++: No such file or directory\n"
		"make: *** [co.mk:83: co_epoll.o] Error 127\n";
	struct diag_list l = {0};
	diag_parse(log, "/w/tree", &l);
	const struct diag *d = find_kind(&l, DIAG_COMPILE, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_null(d->file);
	ck_assert_str_eq(d->message, "aarch64-linux-gnu-g++: No such file or directory");
	ck_assert_str_eq(find_kind(&l, DIAG_FAILED, 0)->symbol, "/w/tree/co_epoll.o");
	diag_free(&l);
}
END_TEST

START_TEST(rustc_errors_take_their_arrow_line)
{
	const char *log =
		"error[E0432]: unresolved import `crate::arch::Regs`\n"
		" --> host/src/lib.rs:4:5\n"
		"  |\n"
		"4 | use crate::arch::Regs;\n"
		"error: could not compile `host` due to previous error\n";
	struct diag_list l = {0};
	diag_parse(log, "/w/tree", &l);
	ck_assert_uint_eq(l.len, 1);
	ck_assert_int_eq(l.v[0].kind, DIAG_RUST);
	ck_assert_str_eq(l.v[0].file, "/w/tree/host/src/lib.rs");
	ck_assert_int_eq(l.v[0].line, 4);
	ck_assert_int_eq(l.v[0].column, 5);
	diag_free(&l);
}
END_TEST

START_TEST(assembly_lines_lead_back_to_c_lines)
{
	/* gcc -O2 -g -S of `void g(void){ __asm__ volatile("mfence" ::: "memory"); }` */
	const char *s =
		"\t.arch armv8-a\n"
		"\t.file\t\"b.c\"\n"
		"\t.text\n"
		".Ltext0:\n"
		"\t.file 0 \"/tmp/probe\" \"b.c\"\n"
		"\t.global\tg\n"
		"g:\n"
		"\t.file 1 \"src/b.c\"\n"
		"\t.loc 1 1 13 view -0\n"
		"\t.cfi_startproc\n"
		"\t.loc 1 3 15 view .LVU1\n"
		"#APP\n"
		"// 3 \"src/b.c\" 1\n"
		"\tmfence\n";
	char *file = NULL;
	int line = 0;
	ck_assert_int_eq(diag_asm_source(s, 14, &file, &line), 0);
	ck_assert_str_eq(file, "src/b.c");
	ck_assert_int_eq(line, 3);
	free(file);
	ck_assert_int_eq(diag_asm_source(s, 3, &file, &line), -1);   /* before any .loc */
}
END_TEST

Suite *build_diag_suite(void)
{
	Suite *s = suite_create("build_diag");
	TCase *tc = tcase_create("logs");
	tcase_add_test(tc, gcc_errors_relative_to_make_directories);
	tcase_add_test(tc, driver_assembler_linker_and_make_lines);
	tcase_add_test(tc, a_missing_tool_is_an_error);
	tcase_add_test(tc, rustc_errors_take_their_arrow_line);
	tcase_add_test(tc, assembly_lines_lead_back_to_c_lines);
	suite_add_tcase(s, tc);
	return s;
}
