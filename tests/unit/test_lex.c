/* The C/C++ lexer (c_lex.h): token kinds, texts, positions, directives,
 * splices, malformed input, and string_literal_value. */
#include <string.h>
#include "c_lex.h"
#include "util.h"
#include "unit.h"

#define MAXTOK 64

struct toks {
	struct lexer lx;
	struct token t[MAXTOK];
	int n;   /* including the final T_EOF */
};

static void lex_all(struct toks *ts, const char *src)
{
	lex_init(&ts->lx, src, strlen(src));
	ts->n = 0;
	for (;;) {
		ck_assert_msg(ts->n < MAXTOK, "more than %d tokens in \"%s\"", MAXTOK, src);
		enum tok_kind k = lex_next(&ts->lx, &ts->t[ts->n]);
		ts->n++;
		if (k == T_EOF)
			break;
	}
}

static const char *kind_name(enum tok_kind k)
{
	static const char *const names[] = { "EOF", "IDENT", "NUMBER", "STRING", "CHAR", "PUNCT", "HASH",
					     "NEWLINE" };
	return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

static int text_is(const struct token *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

/* Token i has kind k and text s (s NULL: any text). */
#define TOK(ts, i, k, s)                                                                          \
	do {                                                                                      \
		ck_assert_msg((i) < (ts)->n, "only %d tokens, wanted token %d", (ts)->n, (i));    \
		const struct token *tk_ = &(ts)->t[(i)];                                          \
		ck_assert_msg(tk_->kind == (k) && ((s) == NULL || text_is(tk_, (s) ? (s) : "")),  \
			      "token %d is %s '%.*s', expected %s '%s'", (i), kind_name(tk_->kind), \
			      (int)tk_->len, tk_->p, kind_name(k), (s) ? (s) : "*");              \
	} while (0)

#define POS(ts, i, l, c)                                                                       \
	do {                                                                                   \
		const struct token *tk_ = &(ts)->t[(i)];                                       \
		ck_assert_msg(tk_->line == (l) && tk_->col == (c),                             \
			      "token %d '%.*s' at %d:%d, expected %d:%d", (i), (int)tk_->len,   \
			      tk_->p, tk_->line, tk_->col, (l), (c));                          \
	} while (0)

#define NTOK(ts, want)                                                                          \
	ck_assert_msg((ts)->n == (want), "%d tokens (with EOF), expected %d", (ts)->n, (want))

START_TEST(identifiers)
{
	struct toks ts;
	lex_all(&ts, "foo _bar baz9 __x86_64__");
	NTOK(&ts, 5);
	TOK(&ts, 0, T_IDENT, "foo");
	TOK(&ts, 1, T_IDENT, "_bar");
	TOK(&ts, 2, T_IDENT, "baz9");
	TOK(&ts, 3, T_IDENT, "__x86_64__");
	TOK(&ts, 4, T_EOF, "");
	ck_assert_ptr_null(ts.lx.problem);
}
END_TEST

START_TEST(numbers)
{
	struct toks ts;
	/* pp-numbers: exponent signs belong to the number (even 0xe+1, as in
	 * the standard), a plain + does not */
	lex_all(&ts, "0x1p-3 1'000 1e+5 .5f 42ULL 0xe+1 1+2 0b101");
	NTOK(&ts, 11);
	TOK(&ts, 0, T_NUMBER, "0x1p-3");
	TOK(&ts, 1, T_NUMBER, "1'000");
	TOK(&ts, 2, T_NUMBER, "1e+5");
	TOK(&ts, 3, T_NUMBER, ".5f");
	TOK(&ts, 4, T_NUMBER, "42ULL");
	TOK(&ts, 5, T_NUMBER, "0xe+1");
	TOK(&ts, 6, T_NUMBER, "1");
	TOK(&ts, 7, T_PUNCT, "+");
	TOK(&ts, 8, T_NUMBER, "2");
	TOK(&ts, 9, T_NUMBER, "0b101");
}
END_TEST

START_TEST(strings_with_escapes)
{
	struct toks ts;
	lex_all(&ts, "\"a\\\"b\\\\\" x \"tab\\there\" \"\"");
	NTOK(&ts, 5);
	TOK(&ts, 0, T_STRING, "\"a\\\"b\\\\\"");
	TOK(&ts, 1, T_IDENT, "x");
	TOK(&ts, 2, T_STRING, "\"tab\\there\"");
	TOK(&ts, 3, T_STRING, "\"\"");
	ck_assert_ptr_null(ts.lx.problem);
}
END_TEST

START_TEST(char_literals)
{
	struct toks ts;
	lex_all(&ts, "'a' '\\'' '\\\\' L'x' u8'c' U'y' u'z' '\"'");
	NTOK(&ts, 9);
	TOK(&ts, 0, T_CHAR, "'a'");
	TOK(&ts, 1, T_CHAR, "'\\''");
	TOK(&ts, 2, T_CHAR, "'\\\\'");
	TOK(&ts, 3, T_CHAR, "L'x'");
	TOK(&ts, 4, T_CHAR, "u8'c'");
	TOK(&ts, 5, T_CHAR, "U'y'");
	TOK(&ts, 6, T_CHAR, "u'z'");
	TOK(&ts, 7, T_CHAR, "'\"'");
	ck_assert_ptr_null(ts.lx.problem);
}
END_TEST

START_TEST(raw_strings)
{
	struct toks ts;
	lex_all(&ts, "R\"x(a)\"b)x\" y");
	NTOK(&ts, 3);
	TOK(&ts, 0, T_STRING, "R\"x(a)\"b)x\"");
	TOK(&ts, 1, T_IDENT, "y");

	/* comment openers and quotes inside a raw string are text */
	lex_all(&ts, "R\"(/* not a comment \" // nor this)\" w");
	NTOK(&ts, 3);
	TOK(&ts, 0, T_STRING, "R\"(/* not a comment \" // nor this)\"");
	TOK(&ts, 1, T_IDENT, "w");

	/* a raw string spanning lines counts them */
	lex_all(&ts, "R\"(line1\nline2)\" z");
	NTOK(&ts, 3);
	TOK(&ts, 1, T_IDENT, "z");
	POS(&ts, 1, 2, 9);
	ck_assert_ptr_null(ts.lx.problem);
}
END_TEST

START_TEST(literal_prefixes)
{
	struct toks ts;
	lex_all(&ts, "L\"w\" u8\"s\" u\"s\" U\"s\" LR\"(r)\" u8R\"d(x)d\" Lx u8 R");
	NTOK(&ts, 10);
	TOK(&ts, 0, T_STRING, "L\"w\"");
	TOK(&ts, 1, T_STRING, "u8\"s\"");
	TOK(&ts, 2, T_STRING, "u\"s\"");
	TOK(&ts, 3, T_STRING, "U\"s\"");
	TOK(&ts, 4, T_STRING, "LR\"(r)\"");
	TOK(&ts, 5, T_STRING, "u8R\"d(x)d\"");
	TOK(&ts, 6, T_IDENT, "Lx");
	TOK(&ts, 7, T_IDENT, "u8");
	TOK(&ts, 8, T_IDENT, "R");
}
END_TEST

START_TEST(comments)
{
	struct toks ts;
	lex_all(&ts, "a /* b */ c // d\ne");
	NTOK(&ts, 4);
	TOK(&ts, 0, T_IDENT, "a");
	TOK(&ts, 1, T_IDENT, "c");
	TOK(&ts, 2, T_IDENT, "e");
	POS(&ts, 2, 2, 1);

	/* a block comment over lines keeps the line count */
	lex_all(&ts, "/*\n\n*/ x");
	NTOK(&ts, 2);
	TOK(&ts, 0, T_IDENT, "x");
	POS(&ts, 0, 3, 4);

	/* comment markers inside strings are not comments */
	lex_all(&ts, "\"/* x */\" '//' y");
	NTOK(&ts, 4);
	TOK(&ts, 0, T_STRING, "\"/* x */\"");
	TOK(&ts, 1, T_CHAR, "'//'");
	TOK(&ts, 2, T_IDENT, "y");
}
END_TEST

START_TEST(line_comment_continued_by_splice)
{
	struct toks ts;
	/* the backslash-newline continues the // comment: y is comment text */
	lex_all(&ts, "a // x \\\n y\nz");
	NTOK(&ts, 3);
	TOK(&ts, 0, T_IDENT, "a");
	TOK(&ts, 1, T_IDENT, "z");
	POS(&ts, 1, 3, 1);
}
END_TEST

START_TEST(splice_between_tokens)
{
	struct toks ts;
	lex_all(&ts, "a \\\n b");
	NTOK(&ts, 3);
	TOK(&ts, 0, T_IDENT, "a");
	TOK(&ts, 1, T_IDENT, "b");
	POS(&ts, 1, 2, 2);

	/* backslash-CR-LF is a splice too */
	lex_all(&ts, "a \\\r\n b");
	NTOK(&ts, 3);
	TOK(&ts, 1, T_IDENT, "b");
	POS(&ts, 1, 2, 2);
}
END_TEST

START_TEST(splice_inside_identifier)
{
	struct toks ts;
	/* translation phase 2 deletes backslash-newline before tokenizing, so
	 * "in\<newline>t" is the one identifier `int` */
	lex_all(&ts, "in\\\nt x");
	ck_assert_msg(ts.n == 3 && ts.t[0].kind == T_IDENT && ts.t[0].p == ts.lx.src && ts.t[0].len == 5,
		      "a splice inside an identifier splits it: first token '%.*s' (%d tokens with EOF), "
		      "expected one IDENT spanning \"in\\\\\\nt\" then x",
		      (int)ts.t[0].len, ts.t[0].p, ts.n);
}
END_TEST

START_TEST(directive_hash_and_newline)
{
	struct toks ts;
	lex_all(&ts, "#define X 1\nY");
	NTOK(&ts, 7);
	TOK(&ts, 0, T_HASH, "#");
	POS(&ts, 0, 1, 1);
	TOK(&ts, 1, T_IDENT, "define");
	TOK(&ts, 2, T_IDENT, "X");
	TOK(&ts, 3, T_NUMBER, "1");
	TOK(&ts, 4, T_NEWLINE, "\n");
	POS(&ts, 4, 1, 12);
	TOK(&ts, 5, T_IDENT, "Y");
	POS(&ts, 5, 2, 1);

	/* indentation and spaces after '#' */
	lex_all(&ts, "  #  include <a.h>\n");
	TOK(&ts, 0, T_HASH, "#");
	POS(&ts, 0, 1, 3);
	TOK(&ts, 1, T_IDENT, "include");
	TOK(&ts, 2, T_PUNCT, "<");
	TOK(&ts, 6, T_PUNCT, ">");
	TOK(&ts, 7, T_NEWLINE, NULL);
	TOK(&ts, 8, T_EOF, NULL);

	/* a comment before '#' leaves it at the beginning of the line */
	lex_all(&ts, "/* c */ # if 1\n");
	TOK(&ts, 0, T_HASH, "#");
	TOK(&ts, 1, T_IDENT, "if");

	/* after code on an earlier line */
	lex_all(&ts, "x;\n#if 1\n");
	TOK(&ts, 0, T_IDENT, "x");
	TOK(&ts, 1, T_PUNCT, ";");
	TOK(&ts, 2, T_HASH, "#");
	POS(&ts, 2, 2, 1);
}
END_TEST

START_TEST(directive_continued_is_one_directive)
{
	struct toks ts;
	lex_all(&ts, "#define X \\\n  1\nY");
	NTOK(&ts, 7);
	TOK(&ts, 0, T_HASH, "#");
	TOK(&ts, 1, T_IDENT, "define");
	TOK(&ts, 2, T_IDENT, "X");
	TOK(&ts, 3, T_NUMBER, "1");
	POS(&ts, 3, 2, 3);
	TOK(&ts, 4, T_NEWLINE, NULL);
	POS(&ts, 4, 2, 4);
	TOK(&ts, 5, T_IDENT, "Y");
	POS(&ts, 5, 3, 1);

	/* a block comment over a newline is one space: the directive goes on */
	lex_all(&ts, "#define X /* a\n b */ 1\nY");
	NTOK(&ts, 7);
	TOK(&ts, 3, T_NUMBER, "1");
	TOK(&ts, 4, T_NEWLINE, NULL);
	TOK(&ts, 5, T_IDENT, "Y");
	POS(&ts, 5, 3, 1);
}
END_TEST

START_TEST(hash_not_at_line_start)
{
	struct toks ts;
	lex_all(&ts, "a # b\n");
	NTOK(&ts, 4);
	TOK(&ts, 0, T_IDENT, "a");
	TOK(&ts, 1, T_PUNCT, "#");
	TOK(&ts, 2, T_IDENT, "b");
	TOK(&ts, 3, T_EOF, NULL);

	/* '#' and '##' inside a directive are operators */
	lex_all(&ts, "#define S(x) #x a##b\n");
	TOK(&ts, 0, T_HASH, "#");
	TOK(&ts, 6, T_PUNCT, "#");
	TOK(&ts, 7, T_IDENT, "x");
	TOK(&ts, 9, T_PUNCT, "##");
	TOK(&ts, 11, T_NEWLINE, NULL);
}
END_TEST

START_TEST(directive_at_eof)
{
	struct toks ts;
	lex_all(&ts, "#endif");
	NTOK(&ts, 4);
	TOK(&ts, 0, T_HASH, "#");
	TOK(&ts, 1, T_IDENT, "endif");
	TOK(&ts, 2, T_NEWLINE, NULL);
	TOK(&ts, 3, T_EOF, NULL);
}
END_TEST

START_TEST(skip_directive)
{
	struct lexer lx;
	struct token t;
	const char *src = "#pragma once \\\n more\nnext";
	lex_init(&lx, src, strlen(src));
	ck_assert_int_eq(lex_next(&lx, &t), T_HASH);
	lex_skip_directive(&lx);
	ck_assert_int_eq(lex_next(&lx, &t), T_IDENT);
	ck_assert_msg(text_is(&t, "next") && t.line == 3, "after the directive: '%.*s' line %d", (int)t.len,
		      t.p, t.line);
}
END_TEST

START_TEST(lines_and_columns)
{
	struct toks ts;
	lex_all(&ts, "ab cd\n\tef\n  g\r\nh");
	NTOK(&ts, 6);
	POS(&ts, 0, 1, 1);
	POS(&ts, 1, 1, 4);
	POS(&ts, 2, 2, 2);   /* a tab is one byte */
	POS(&ts, 3, 3, 3);
	POS(&ts, 4, 4, 1);   /* CRLF line ends */
	TOK(&ts, 4, T_IDENT, "h");
}
END_TEST

START_TEST(line_bounds)
{
	const char *src = "one\ntwo\r\nthree";
	const char *start;
	size_t len;
	lex_line_bounds(src, src + strlen(src), src + 5, &start, &len);
	ck_assert_msg(start == src + 4 && len == 3, "line of 'w': '%.*s'", (int)len, start);
	lex_line_bounds(src, src + strlen(src), src + 10, &start, &len);
	ck_assert_msg(start == src + 9 && len == 5, "last line: '%.*s'", (int)len, start);
}
END_TEST

START_TEST(unterminated_comment)
{
	struct toks ts;
	lex_all(&ts, "x\n/* abc\n def");
	NTOK(&ts, 2);
	TOK(&ts, 0, T_IDENT, "x");
	TOK(&ts, 1, T_EOF, NULL);
	ck_assert_ptr_nonnull(ts.lx.problem);
	ck_assert_msg(strstr(ts.lx.problem, "comment") != NULL, "problem: %s", ts.lx.problem);
	ck_assert_int_eq(ts.lx.problem_line, 2);
}
END_TEST

START_TEST(unterminated_string)
{
	struct toks ts;
	lex_all(&ts, "s = \"abc\nnext");
	NTOK(&ts, 5);
	TOK(&ts, 0, T_IDENT, "s");
	TOK(&ts, 1, T_PUNCT, "=");
	TOK(&ts, 2, T_STRING, "\"abc");
	TOK(&ts, 3, T_IDENT, "next");
	POS(&ts, 3, 2, 1);
	ck_assert_ptr_nonnull(ts.lx.problem);
	ck_assert_msg(strstr(ts.lx.problem, "string") != NULL, "problem: %s", ts.lx.problem);
	ck_assert_int_eq(ts.lx.problem_line, 1);

	lex_all(&ts, "c = 'a\nb");
	ck_assert_ptr_nonnull(ts.lx.problem);
	ck_assert_msg(strstr(ts.lx.problem, "character") != NULL, "problem: %s", ts.lx.problem);

	lex_all(&ts, "r = R\"x(abc");
	ck_assert_ptr_nonnull(ts.lx.problem);
	ck_assert_msg(strstr(ts.lx.problem, "raw") != NULL, "problem: %s", ts.lx.problem);
}
END_TEST

START_TEST(well_formed_has_no_problem)
{
	struct toks ts;
	lex_all(&ts, "int main(void) { return \"x\"[0] == 'x' ? 0 : 1; } /* done */ // end\n");
	ck_assert_ptr_null(ts.lx.problem);
	TOK(&ts, 0, T_IDENT, "int");
	TOK(&ts, ts.n - 1, T_EOF, NULL);
}
END_TEST

START_TEST(punctuators)
{
	struct toks ts;
	lex_all(&ts, "a->b <<= c && d || e :: f ... g ##");
	TOK(&ts, 1, T_PUNCT, "->");
	TOK(&ts, 3, T_PUNCT, "<<=");
	TOK(&ts, 5, T_PUNCT, "&&");
	TOK(&ts, 7, T_PUNCT, "||");
	TOK(&ts, 9, T_PUNCT, "::");
	TOK(&ts, 11, T_PUNCT, "...");
	TOK(&ts, 13, T_PUNCT, "##");
}
END_TEST

/* ---- string_literal_value ---- */

/* Lexes `src` (one literal) and decodes it into sb. */
static void decode(const char *src, struct strbuf *sb)
{
	struct lexer lx;
	struct token t;
	lex_init(&lx, src, strlen(src));
	enum tok_kind k = lex_next(&lx, &t);
	ck_assert_msg(k == T_STRING, "'%s' is not lexed as one string literal", src);
	string_literal_value(&t, sb);
}

static int bytes_eq(const struct strbuf *sb, const char *want, size_t n)
{
	return sb->len == n && (n == 0 || memcmp(sb->buf, want, n) == 0);
}

#define VALUE_IS(src, bytes, n)                                                                 \
	do {                                                                                    \
		struct strbuf sb_ = {0};                                                        \
		decode((src), &sb_);                                                            \
		ck_assert_msg(bytes_eq(&sb_, (bytes), (n)),                                     \
			      "value of %s is \"%.*s\" (%zu bytes), expected %zu bytes", (src),   \
			      (int)sb_.len, sb_.buf ? sb_.buf : "", sb_.len, (size_t)(n));      \
		sb_free(&sb_);                                                                  \
	} while (0)

START_TEST(value_simple_escapes)
{
	VALUE_IS("\"a\\tb\\n\"", "a\tb\n", 4);
	VALUE_IS("\"q\\\"\\\\\"", "q\"\\", 3);
	VALUE_IS("\"\\r\"", "\r", 1);
	VALUE_IS("\"\"", "", 0);
	VALUE_IS("\"rdtsc\\n\\t\"", "rdtsc\n\t", 7);
}
END_TEST

START_TEST(value_octal_escapes)
{
	VALUE_IS("\"\\101\\0z\"", "A\0z", 3);
	VALUE_IS("\"\\1234\"", "S4", 2);   /* at most three octal digits */
	VALUE_IS("\"\\7\"", "\a", 1);
}
END_TEST

START_TEST(value_hex_escape)
{
	VALUE_IS("\"\\x41\"", "A", 1);
	VALUE_IS("\"\\x7f!\"", "\x7f!", 2);
}
END_TEST

START_TEST(value_control_escapes)
{
	/* C11 6.4.4.4: \a \b \f \v are BEL BS FF VT; \? is '?' */
	VALUE_IS("\"\\a\\b\\f\\v\\?\"", "\a\b\f\v?", 5);
}
END_TEST

START_TEST(value_raw_strings)
{
	VALUE_IS("R\"x(a)\"b)x\"", "a)\"b", 4);
	VALUE_IS("R\"(a\\nb)\"", "a\\nb", 4);   /* no escapes in raw strings */
	VALUE_IS("LR\"(z)\"", "z", 1);
	VALUE_IS("u8R\"--(p)--\"", "p", 1);
	VALUE_IS("R\"()\"", "", 0);
}
END_TEST

START_TEST(value_prefixes)
{
	VALUE_IS("u8\"hi\"", "hi", 2);
	VALUE_IS("L\"w\"", "w", 1);
	VALUE_IS("u\"s\"", "s", 1);
	VALUE_IS("U\"s\"", "s", 1);
}
END_TEST

START_TEST(value_splice_in_string)
{
	VALUE_IS("\"ab\\\ncd\"", "abcd", 4);
}
END_TEST

START_TEST(value_crlf_splice_in_string)
{
	/* a backslash-CR-LF splice (CRLF sources) vanishes like backslash-LF */
	VALUE_IS("\"ab\\\r\ncd\"", "abcd", 4);
}
END_TEST

START_TEST(value_appends_and_does_not_concatenate)
{
	struct lexer lx;
	struct token a, b;
	struct strbuf sb = {0};
	const char *src = "\"cpu\" \"id\"";
	lex_init(&lx, src, strlen(src));
	ck_assert_int_eq(lex_next(&lx, &a), T_STRING);
	ck_assert_int_eq(lex_next(&lx, &b), T_STRING);
	string_literal_value(&a, &sb);
	ck_assert_msg(sb.len == 3 && memcmp(sb.buf, "cpu", 3) == 0, "first literal only: %.*s", (int)sb.len,
		      sb.buf);
	string_literal_value(&b, &sb);   /* the caller concatenates */
	ck_assert_msg(sb.len == 5 && memcmp(sb.buf, "cpuid", 5) == 0, "appended: %.*s", (int)sb.len, sb.buf);
	sb_free(&sb);
}
END_TEST

Suite *lex_suite(void)
{
	Suite *s = suite_create("lexer");
	TCase *tc = tcase_create("tokens");
	tcase_add_test(tc, identifiers);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, strings_with_escapes);
	tcase_add_test(tc, char_literals);
	tcase_add_test(tc, raw_strings);
	tcase_add_test(tc, literal_prefixes);
	tcase_add_test(tc, comments);
	tcase_add_test(tc, line_comment_continued_by_splice);
	tcase_add_test(tc, splice_between_tokens);
	tcase_add_test(tc, splice_inside_identifier);
	tcase_add_test(tc, punctuators);
	tcase_add_test(tc, lines_and_columns);
	tcase_add_test(tc, line_bounds);
	suite_add_tcase(s, tc);

	tc = tcase_create("directives");
	tcase_add_test(tc, directive_hash_and_newline);
	tcase_add_test(tc, directive_continued_is_one_directive);
	tcase_add_test(tc, hash_not_at_line_start);
	tcase_add_test(tc, directive_at_eof);
	tcase_add_test(tc, skip_directive);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, unterminated_comment);
	tcase_add_test(tc, unterminated_string);
	tcase_add_test(tc, well_formed_has_no_problem);
	suite_add_tcase(s, tc);

	tc = tcase_create("string_literal_value");
	tcase_add_test(tc, value_simple_escapes);
	tcase_add_test(tc, value_octal_escapes);
	tcase_add_test(tc, value_hex_escape);
	tcase_add_test(tc, value_control_escapes);
	tcase_add_test(tc, value_raw_strings);
	tcase_add_test(tc, value_prefixes);
	tcase_add_test(tc, value_splice_in_string);
	tcase_add_test(tc, value_crlf_splice_in_string);
	tcase_add_test(tc, value_appends_and_does_not_concatenate);
	suite_add_tcase(s, tc);
	return s;
}
