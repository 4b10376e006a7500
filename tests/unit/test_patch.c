/* The patch model (stubgen/patch.c): files carried byte for byte (NUL
 * bytes, CR, invalid UTF-8, a missing final newline), lines keeping their
 * own ends, and diff headers named as git names them (util.c's escaping).
 * The expected diffs are what GNU diff -u and git diff print for the same
 * two files. */
#include <stdlib.h>
#include <string.h>
#include "patch.h"
#include "unit.h"
#include "util.h"

#define LIT(s) s, sizeof s - 1

static void expect_bytes(const char *got, size_t got_len, const char *want, size_t want_len)
{
	ck_assert_uint_eq(got_len, want_len);
	ck_assert_int_eq(memcmp(got, want, want_len), 0);
}

static void expect_render(struct file_patch *fp, const char *want, size_t want_len)
{
	size_t len;
	char *text = patch_render(fp, &len);
	expect_bytes(text, len, want, want_len);
	free(text);
}

static void expect_diff(struct file_patch *fp, const char *want)
{
	struct strbuf sb = {0};
	patch_diff(fp, &sb);
	ck_assert_str_eq(sb.buf ? sb.buf : "", want);
	sb_free(&sb);
}

START_TEST(unedited_bytes_come_back)
{
	static const char data[] = "int a;\0\0int b;\r\nlone\rcr\r\nbad\xff\n\nlast";
	struct file_patch fp;
	patch_load(&fp, "f.c", data, sizeof data - 1);
	ck_assert_uint_eq(fp.nlines, 5);
	ck_assert_uint_eq(fp.lens[0], 14);   /* past the NULs, without "\r\n" */
	ck_assert_int_eq(fp.crlf[0], 1);
	ck_assert_int_eq(fp.crlf[2], 0);
	ck_assert_int_eq(fp.final_newline, 0);
	expect_render(&fp, data, sizeof data - 1);
	patch_free(&fp);
}
END_TEST

START_TEST(new_lines_of_a_crlf_file_are_crlf)
{
	struct file_patch fp;
	patch_load(&fp, "f.c", LIT("a\r\nb\r\nc\r\n"));
	patch_insert(&fp, 1, "X\n");
	expect_render(&fp, LIT("a\r\nX\r\nb\r\nc\r\n"));
	expect_diff(&fp, "--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,4 @@\n a\r\n+X\r\n b\r\n c\r\n");
	patch_free(&fp);
	/* mostly LF: a replaced CRLF line keeps its CRLF, a new line is LF */
	patch_load(&fp, "f.c", LIT("a\nb\r\nc\nd\n"));
	patch_replace(&fp, 1, "B\n");
	patch_insert(&fp, 3, "X\n");
	expect_render(&fp, LIT("a\nB\r\nc\nX\nd\n"));
	patch_free(&fp);
}
END_TEST

START_TEST(last_line_without_newline)
{
	struct file_patch fp;
	patch_load(&fp, "f.c", LIT("a\nb"));
	patch_insert(&fp, 0, "X\n");   /* the end stays as it was */
	expect_render(&fp, LIT("X\na\nb"));
	expect_diff(&fp, "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n+X\n a\n b\n\\ No newline at end of file\n");
	patch_free(&fp);
	patch_load(&fp, "f.c", LIT("a\nb"));
	patch_insert(&fp, 2, "X\n");   /* lines after it: it gains one */
	expect_render(&fp, LIT("a\nb\nX\n"));
	expect_diff(&fp, "--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+X\n");
	patch_free(&fp);
}
END_TEST

START_TEST(replacement_keeps_nul_bytes)
{
	struct file_patch fp;
	patch_load(&fp, "f.rs", LIT("x\ny\0z\n"));
	patch_replace_bytes(&fp, 1, LIT("Y\0Z\n"));
	expect_render(&fp, LIT("x\nY\0Z\n"));
	struct strbuf line = {0};
	patch_add_line(&line, &fp, 1);
	expect_bytes(line.buf, line.len, LIT("y\0z"));
	sb_free(&line);
	patch_free(&fp);
}
END_TEST

static void expect_escaped(const char *name, unsigned flags, const char *want)
{
	struct strbuf sb = {0};
	sb_add_escaped(&sb, name, strlen(name), flags);
	ck_assert_str_eq(sb.buf ? sb.buf : "", want);
	sb_free(&sb);
}

/* The quoted names are those git diff printed for files of these names. */
START_TEST(names_quoted_as_git_quotes_them)
{
	expect_escaped("t\tab.c", ESC_GIT, "t\\tab.c");
	expect_escaped("new\nline.c", ESC_GIT, "new\\nline.c");
	expect_escaped("q\"uote.c", ESC_GIT, "q\\\"uote.c");
	expect_escaped("back\\slash.c", ESC_GIT, "back\\\\slash.c");
	expect_escaped("esc\033.c", ESC_GIT, "esc\\033.c");
	expect_escaped("\xc3\xa9t\xe9.c", ESC_GIT, "\\303\\251t\\351.c");
	ck_assert_int_eq(needs_git_quote(LIT("sp ace.c")), 0);
	ck_assert_int_eq(needs_git_quote(LIT("t\tab.c")), 1);
	/* for a terminal: UTF-8 passes, C0 and C1 controls do not */
	expect_escaped("caf\xc3\xa9 \033[2J\n", 0, "caf\xc3\xa9 \\033[2J\\n");
	expect_escaped("csi\xc2\x9b", 0, "csi\\302\\233");
	expect_escaped("a\tb", ESC_KEEP_TAB, "a\tb");
}
END_TEST

START_TEST(diff_headers)
{
	struct file_patch fp;
	patch_new_file(&fp, "sp ace.c");
	patch_insert(&fp, 0, "x\n");
	expect_diff(&fp, "--- /dev/null\n+++ b/sp ace.c\t\n@@ -0,0 +1,1 @@\n+x\n");
	patch_free(&fp);
	patch_load(&fp, "t\tab.c", LIT("a\n"));
	patch_insert(&fp, 1, "x\n");
	expect_diff(&fp, "--- \"a/t\\tab.c\"\n+++ \"b/t\\tab.c\"\n@@ -1,1 +1,2 @@\n a\n+x\n");
	patch_free(&fp);
}
END_TEST

Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tc = tcase_create("bytes");
	tcase_add_test(tc, unedited_bytes_come_back);
	tcase_add_test(tc, new_lines_of_a_crlf_file_are_crlf);
	tcase_add_test(tc, last_line_without_newline);
	tcase_add_test(tc, replacement_keeps_nul_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_add_test(tc, names_quoted_as_git_quotes_them);
	tcase_add_test(tc, diff_headers);
	suite_add_tcase(s, tc);
	return s;
}
