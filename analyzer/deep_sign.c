/* Plain char sign hazards of the port, in both directions (deep_internal.h).
 *
 * Plain char is signed on x86_64 and unsigned on aarch64 and riscv64, so a
 * byte 0x80..0xff read into a `char` is -128..-1 in x86_64 code and 128..255
 * once it is built for aarch64 or riscv64 (and the other way round in the
 * reverse port).  Whether that changes what the code does is decided here
 * exactly, not by pattern: an expression of plain char type, followed through
 * the conversions the AST shows (promotions, casts) and arithmetic with
 * constants (`c - '0'`, `c >> 7`), is evaluated for each of the 256 bytes
 * under the source arch's sign and under the target's, and
 *
 *  - a comparison with a constant (or with another plain char value) is a
 *    hazard when its result differs for some byte (`c > 127`, `c >= 0x80`,
 *    `c < 0`, `c == EOF`, `c == 0xff`, `(int)c > 200`; not `c == 'a'`, not
 *    `(unsigned char)c > 127`, not `c == d`);
 *  - a subscript `table[c]` is a hazard when the index differs for some byte
 *    (it is negative on x86_64 for the high bytes);
 *  - a `case` label of a switch on a plain char value is a hazard when the set
 *    of bytes it matches differs (`case 0xff:` matches nothing on x86_64).
 *
 * Anything else (arithmetic or comparisons with a variable) is not judged:
 * its result depends on values the AST does not give. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "deep_internal.h"
#include "rules.h"

/* Which arch has which sign: the target's comes from the rules (x86_64
 * signed, aarch64 and riscv64 unsigned), the source's is the other one.
 * The forward port's source is named x86_64 here, not "x86", as in the
 * other messages of the deep pass: it is x86_64 code that the target
 * compiler parses (i386 has signed chars too). */
struct char_signs {
	int target_signed;
	const char *target, *source;
	const char *keep;   /* the char type that keeps the source's behaviour, for the hints */
};

static struct char_signs signs_of(const struct knowledge *k)
{
	if (k->target_is_x86)
		return (struct char_signs){ 1, k->target, k->source->name, "unsigned char" };
	return (struct char_signs){ 0, k->target, "x86_64", "signed char" };
}

/* An integer type as far as conversions are concerned. */
struct int_type {
	unsigned bits;   /* 1..64 */
	int is_signed, is_bool;
};

/* The steps from a plain char value up to the expression judged, each
 * giving a value of type conv[i]: a conversion, or an arithmetic operator
 * with a constant operand (`c - '0'`, `c & 0x7f`, `c >> 7`).  conv[0] is
 * the outermost, conv[n - 1] the first one after char. */
struct char_chain {
	struct int_type conv[16];
	enum CXBinaryOperatorKind op[16];   /* CXBinaryOperator_Invalid: a conversion */
	uint64_t k[16];                     /* the constant operand, in conv[i] */
	int k_left[16];                     /* `K - c` rather than `c - K` */
	int n;
	CXCursor source;   /* the plain char expression */
};

static int is_plain_char(CXType t)
{
	enum CXTypeKind k = clang_getCanonicalType(t).kind;
	return k == CXType_Char_S || k == CXType_Char_U;
}

static int int_type_of(CXType t, struct int_type *out)
{
	static const enum CXTypeKind unsigned_kinds[] = { CXType_Char_U, CXType_UChar, CXType_UShort, CXType_UInt,
		CXType_ULong, CXType_ULongLong, CXType_Char16, CXType_Char32 };
	static const enum CXTypeKind signed_kinds[] = { CXType_Char_S, CXType_SChar, CXType_WChar, CXType_Short,
		CXType_Int, CXType_Long, CXType_LongLong };
	t = clang_getCanonicalType(t);
	long long size = clang_Type_getSizeOf(t);
	*out = (struct int_type){ (unsigned)(size * 8), 0, t.kind == CXType_Bool };
	if (out->is_bool)
		return 1;
	if (size < 1 || size > 8)
		return 0;
	for (size_t i = 0; i < sizeof unsigned_kinds / sizeof *unsigned_kinds; i++)
		if (t.kind == unsigned_kinds[i])
			return 1;
	for (size_t i = 0; i < sizeof signed_kinds / sizeof *signed_kinds; i++)
		if (t.kind == signed_kinds[i])
			return out->is_signed = 1;
	return 0;
}

static uint64_t low_mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* The 64-bit two's complement pattern of the value held in v's low bits. */
static uint64_t extend(uint64_t v, struct int_type t)
{
	if (t.is_bool)
		return v != 0;
	v &= low_mask(t.bits);
	if (t.is_signed && t.bits < 64 && (v >> (t.bits - 1)) & 1)
		v |= ~low_mask(t.bits);
	return v;
}

/* C's conversion of a value of type `from` to type `to` (modulo 2^bits,
 * as gcc and clang define it for signed types too). */
static uint64_t convert(uint64_t v, struct int_type from, struct int_type to)
{
	uint64_t wide = extend(v, from);
	return to.is_bool ? wide != 0 : wide & low_mask(to.bits);
}

/* C's operators on two values of type t (both already in it), modulo
 * 2^bits.  0 when the result is undefined (a shift too far, x / 0). */
static int arith(enum CXBinaryOperatorKind op, uint64_t a, uint64_t b, struct int_type t, uint64_t *out)
{
	a = extend(a, t);
	b = extend(b, t);
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	switch (op) {
	case CXBinaryOperator_Add: *out = a + b; break;
	case CXBinaryOperator_Sub: *out = a - b; break;
	case CXBinaryOperator_Mul: *out = a * b; break;
	case CXBinaryOperator_And: *out = a & b; break;
	case CXBinaryOperator_Or: *out = a | b; break;
	case CXBinaryOperator_Xor: *out = a ^ b; break;
	case CXBinaryOperator_Shl:
		if (b >= t.bits)
			return 0;
		*out = a << b;
		break;
	case CXBinaryOperator_Shr:
		if (b >= t.bits)
			return 0;
		*out = t.is_signed ? (uint64_t)(sa < 0 ? ~(~sa >> b) : sa >> b) : (a & low_mask(t.bits)) >> b;
		break;
	case CXBinaryOperator_Div:
	case CXBinaryOperator_Rem:
		if (!b || (t.is_signed && sb == -1))
			return 0;
		if (op == CXBinaryOperator_Div)
			*out = t.is_signed ? (uint64_t)(sa / sb) : (a & low_mask(t.bits)) / (b & low_mask(t.bits));
		else
			*out = t.is_signed ? (uint64_t)(sa % sb) : (a & low_mask(t.bits)) % (b & low_mask(t.bits));
		break;
	default:
		return 0;
	}
	*out = extend(*out, t);
	return 1;
}

/* The value a byte has as plain char of the given sign, after the chain;
 * 0 when a step is undefined for it. */
static int chain_eval(const struct char_chain *ch, unsigned byte, int char_signed, uint64_t *out)
{
	struct int_type at = { 8, char_signed, 0 };
	uint64_t v = byte;
	for (int i = ch->n - 1; i >= 0; i--) {
		if (ch->op[i] == CXBinaryOperator_Invalid)
			v = convert(v, at, ch->conv[i]);
		else if (!arith(ch->op[i], ch->k_left[i] ? ch->k[i] : v, ch->k_left[i] ? v : ch->k[i], ch->conv[i], &v))
			return 0;
		at = ch->conv[i];
	}
	*out = extend(v, at);
	return 1;
}

/* The same for the callers that need a value: an undefined step (which
 * char_chain only lets through for shifts and divisions by constants that
 * are out of range for every byte or none) counts as 0. */
static uint64_t chain_value(const struct char_chain *ch, unsigned byte, int char_signed)
{
	uint64_t v = 0;
	return chain_eval(ch, byte, char_signed, &v) ? v : 0;
}

static int evaluate_int(CXCursor c, uint64_t *out)
{
	CXEvalResult ev = clang_Cursor_Evaluate(c);
	int ok = ev && clang_EvalResult_getKind(ev) == CXEval_Int;
	if (ok)
		*out = clang_EvalResult_isUnsignedInt(ev) ? (uint64_t)clang_EvalResult_getAsUnsigned(ev)
							  : (uint64_t)clang_EvalResult_getAsLongLong(ev);
	if (ev)
		clang_EvalResult_dispose(ev);
	return ok;
}

/* One step inward through parentheses, implicit conversions and casts; a
 * null cursor when `c` is something else. */
static CXCursor conversion_operand(CXCursor c)
{
	enum CXCursorKind kind = clang_getCursorKind(c);
	struct deep_children ch = deep_children_of(c);
	if (kind == CXCursor_ParenExpr && ch.n == 1)
		return ch.c[0];
	if (kind == CXCursor_CStyleCastExpr && (ch.n == 1 || ch.n == 2))   /* [TypeRef,] operand */
		return ch.c[ch.n - 1];
	if (kind == CXCursor_UnexposedExpr && ch.n == 1 &&   /* an implicit cast sits at its operand */
	    clang_equalLocations(clang_getCursorLocation(c), clang_getCursorLocation(ch.c[0])))
		return ch.c[0];
	return clang_getNullCursor();
}

/* `c` is a plain char value (not a constant) seen through integer
 * conversions. */
static int is_arithmetic(enum CXBinaryOperatorKind op)
{
	return (op >= CXBinaryOperator_Mul && op <= CXBinaryOperator_Shr) ||
	       (op >= CXBinaryOperator_And && op <= CXBinaryOperator_Or);
}

/* One arithmetic step with a constant operand: the other operand, or a
 * null cursor. */
static CXCursor arithmetic_operand(CXCursor c, struct char_chain *out, int i)
{
	struct deep_children kids = deep_children_of(c);
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
	uint64_t k;
	if (clang_getCursorKind(c) != CXCursor_BinaryOperator || kids.n != 2 || !is_arithmetic(op))
		return clang_getNullCursor();
	out->op[i] = op;
	out->k_left[i] = evaluate_int(kids.c[0], &k);
	if (!out->k_left[i] && !evaluate_int(kids.c[1], &k))
		return clang_getNullCursor();
	out->k[i] = k;
	return kids.c[out->k_left[i] ? 1 : 0];
}

/* `c` is an expression of plain char type, a constant or not, seen through
 * integer conversions and arithmetic with constants; out->source is it. */
static int chain_to_char(CXCursor c, struct char_chain *out)
{
	out->n = 0;
	for (int depth = 0; depth < 16; depth++) {
		CXType t = clang_getCursorType(c);
		if (is_plain_char(t) && clang_getCursorKind(c) != CXCursor_BinaryOperator) {
			out->source = deep_strip_implicit(c);   /* `(c)`: name the c */
			return 1;
		}
		int i = out->n;
		if (!int_type_of(t, &out->conv[i]))
			return 0;
		out->op[i] = CXBinaryOperator_Invalid;
		out->n++;
		CXCursor in = conversion_operand(c);
		c = clang_Cursor_isNull(in) ? arithmetic_operand(c, out, i) : in;
		if (clang_Cursor_isNull(c))
			return 0;
	}
	return 0;
}

/* `c` is a plain char value (not a constant) seen the same way. */
static int char_chain(CXCursor c, struct char_chain *out)
{
	uint64_t ignored;
	return chain_to_char(c, out) && !evaluate_int(out->source, &ignored);
}

static int compare(enum CXBinaryOperatorKind op, uint64_t a, uint64_t b, struct int_type t)
{
	int lt = t.is_signed ? (int64_t)a < (int64_t)b : a < b;
	int gt = t.is_signed ? (int64_t)a > (int64_t)b : a > b;
	switch (op) {
	case CXBinaryOperator_LT: return lt;
	case CXBinaryOperator_GT: return gt;
	case CXBinaryOperator_LE: return !gt;
	case CXBinaryOperator_GE: return !lt;
	case CXBinaryOperator_EQ: return !lt && !gt;
	default: return lt || gt;   /* NE */
	}
}

/* ---- the report ---- */

/* The source of the range when it is short and on one line: where it is
 * spelled (a macro argument: the argument), else where it is expanded. */
static char *range_text(struct tu_state *st, CXSourceRange r, int spelled)
{
	CXFile f1, f2;
	unsigned b, e;
	void (*where)(CXSourceLocation, CXFile *, unsigned *, unsigned *, unsigned *) =
		spelled ? clang_getSpellingLocation : clang_getExpansionLocation;
	where(clang_getRangeStart(r), &f1, NULL, NULL, &b);
	where(clang_getRangeEnd(r), &f2, NULL, NULL, &e);
	size_t size = 0;
	const char *text = f1 && f1 == f2 ? clang_getFileContents(st->tu, f1, &size) : NULL;
	if (!text || e <= b || e > size || e - b > 60 || memchr(text + b, '\n', e - b))
		return NULL;
	return xstrndup(text + b, e - b);
}

static char *source_text(struct tu_state *st, CXCursor c)
{
	char *text = range_text(st, clang_getCursorExtent(c), 1);
	return text ? text : range_text(st, clang_getCursorExtent(c), 0);
}

/* Written in the tree, not in a macro of a system header (glibc's
 * isdigit() indexes its table with the char, and the table is laid out
 * for -128..255: the library's business, not the code's). */
static int spelled_in_tree(struct tu_state *st, CXCursor c)
{
	CXFile f;
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, NULL, NULL, NULL);
	return f && deep_rel(st, f) != NULL;
}

static char *value_name(struct tu_state *st, const struct char_chain *ch)
{
	if (clang_getCursorKind(ch->source) == CXCursor_DeclRefExpr)   /* the name, also inside a macro */
		return deep_take(clang_getCursorSpelling(ch->source));
	char *text = source_text(st, ch->source);
	return text ? text : xstrdup("the char value");
}

static void sign_hazard(struct tu_state *st, const char *rel, CXFile f, unsigned line, unsigned col, char *message)
{
	struct char_signs sg = signs_of(st->run->k);
	const char *target_sign = sg.target_signed ? "signed" : "unsigned";
	const char *source_sign = sg.target_signed ? "unsigned" : "signed";
	char *full = xasprintf("plain char is %s on %s and %s on %s: %s", target_sign, sg.target, source_sign,
			       sg.source, message);
	free(message);
	deep_add_finding(st, RULE_RUNTIME_HAZARD, SEV_WARNING, rel, line, col, "port", full,
			 deep_line_text(st->tu, f, line));
}

static long long as_signed_value(uint64_t v, struct int_type t)
{
	return t.is_signed ? (long long)v : (long long)(v & INT64_MAX);
}

/* The byte's value as a plain char of the given sign. */
static int byte_value(unsigned byte, int char_signed)
{
	return char_signed && byte >= 0x80 ? (int)byte - 256 : (int)byte;
}

/* ---- comparisons ---- */

struct differ {
	unsigned count, first_a, first_b;
	int target_result;   /* at the first difference, on the target */
};

static void note_difference(struct differ *d, unsigned a, unsigned b, int target_result)
{
	if (!d->count++) {
		d->first_a = a;
		d->first_b = b;
		d->target_result = target_result;
	}
}

/* A constant operand, in the comparison's type t, as the target and as the
 * source arch see it: the same but for a constant of plain char type
 * (`(char)0xff`, a `const char`) seen through conversions and arithmetic
 * with constants, which holds the same byte on both, and a plain character
 * literal, whose value is that of a char too ('\xff' is -1 on x86_64, 255 on
 * aarch64).  A multi-character literal ('ab', an int outside a char's
 * range) is not a char. */
struct constant {
	uint64_t target, source;
};

static int constant_of(CXTranslationUnit tu, CXCursor c, struct int_type t, int target_signed,
		       struct constant *out)
{
	uint64_t v;
	if (!evaluate_int(c, &v))
		return 0;
	out->target = out->source = extend(v, t);
	struct char_chain ch;
	uint64_t byte;
	if (chain_to_char(c, &ch) && evaluate_int(ch.source, &byte)) {
		out->source = extend(chain_value(&ch, byte & 0xff, !target_signed), t);
		return 1;
	}
	CXCursor lit = deep_strip_implicit(c);
	CXToken *tok = NULL;
	unsigned n = 0;
	const struct int_type int32 = { 32, 1, 0 };
	if (clang_getCursorKind(lit) != CXCursor_CharacterLiteral || !evaluate_int(lit, &v) ||
	    extend(v, int32) != extend(v & 0xff, (struct int_type){ 8, target_signed, 0 }))
		return 1;
	clang_tokenize(tu, clang_getCursorExtent(lit), &tok, &n);
	char *spelled = n ? deep_take(clang_getTokenSpelling(tu, tok[0])) : xstrdup("");
	if (spelled[0] == '\'')   /* plain: not L'', u'', U'', u8'' */
		out->source = convert(extend(v & 0xff, (struct int_type){ 8, !target_signed, 0 }), int32, t);
	out->source = extend(out->source, t);
	free(spelled);
	clang_disposeTokens(tu, tok, n);
	return 1;
}

/* A plain char value against a constant, over every byte. */
static struct differ differ_constant(enum CXBinaryOperatorKind op, const struct char_chain *ch,
				     const struct constant *k, int char_left, struct int_type t, int target_signed)
{
	struct differ d = {0, 0, 0, 0};
	for (unsigned b = 0; b < 256; b++) {
		uint64_t on_target = chain_value(ch, b, target_signed), on_source = chain_value(ch, b, !target_signed);
		int rt = char_left ? compare(op, on_target, k->target, t) : compare(op, k->target, on_target, t);
		int rs = char_left ? compare(op, on_source, k->source, t) : compare(op, k->source, on_source, t);
		if (rt != rs)
			note_difference(&d, b, 0, rt);
	}
	return d;
}

static int same_steps(const struct char_chain *a, const struct char_chain *b)
{
	if (a->n != b->n)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->conv[i].bits != b->conv[i].bits || a->conv[i].is_signed != b->conv[i].is_signed ||
		    a->conv[i].is_bool != b->conv[i].is_bool || a->op[i] != b->op[i] || a->k[i] != b->k[i] ||
		    a->k_left[i] != b->k_left[i])
			return 0;
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* No two bytes give the same value. */
static int injective(const uint64_t *v)
{
	uint64_t sorted[256];
	memcpy(sorted, v, sizeof sorted);
	qsort(sorted, 256, sizeof *sorted, cmp_u64);
	for (unsigned i = 1; i < 256; i++)
		if (sorted[i] == sorted[i - 1])
			return 0;
	return 1;
}

/* Whole classes of pairs that cannot differ, without the 65536 pairs:
 * neither side depends on the sign, or `==`/`!=` of one injective chain
 * on both sides (then both sides agree exactly when the bytes do). */
static int pair_cannot_differ(enum CXBinaryOperatorKind op, const struct char_chain *l, const struct char_chain *r,
			      const uint64_t *ls, const uint64_t *lu, const uint64_t *rs, const uint64_t *ru)
{
	if (!memcmp(ls, lu, 256 * sizeof *ls) && !memcmp(rs, ru, 256 * sizeof *rs))
		return 1;
	return (op == CXBinaryOperator_EQ || op == CXBinaryOperator_NE) && same_steps(l, r) && injective(ls) &&
	       injective(lu);
}

/* Two plain char values, over every pair of bytes (both have one sign). */
static struct differ differ_pair(enum CXBinaryOperatorKind op, const struct char_chain *l,
				 const struct char_chain *r, struct int_type t, int target_signed)
{
	struct differ d = {0, 0, 0, 0};
	uint64_t ls[256], lu[256], rs_[256], ru_[256];   /* each side's values, computed once */
	for (unsigned b = 0; b < 256; b++) {
		ls[b] = chain_value(l, b, 1);
		lu[b] = chain_value(l, b, 0);
		rs_[b] = chain_value(r, b, 1);
		ru_[b] = chain_value(r, b, 0);
	}
	if (pair_cannot_differ(op, l, r, ls, lu, rs_, ru_))
		return d;
	for (unsigned a = 0; a < 256 && !d.count; a++)   /* the first difference is all the message needs */
		for (unsigned b = 0; b < 256 && !d.count; b++) {
			int rs = compare(op, ls[a], rs_[b], t), ru = compare(op, lu[a], ru_[b], t);
			if (rs != ru)
				note_difference(&d, a, b, target_signed ? rs : ru);
		}
	return d;
}

static void report_compare(struct tu_state *st, CXCursor c, const struct char_chain *ch, const struct differ *d,
			   int pair, const char *rel, CXFile f, unsigned line, unsigned col)
{
	struct char_signs sg = signs_of(st->run->k);
	char *text = source_text(st, c), *name = value_name(st, ch);
	const char *shown = text ? text : "this comparison";
	const char *t_res = d->target_result ? "true" : "false", *s_res = d->target_result ? "false" : "true";
	char *msg;
	if (pair)
		msg = xasprintf("`%s` is %s on %s and %s on %s for the bytes 0x%02x and 0x%02x (a byte of 0x80 or "
				"more is negative on %s); compare them as %s to keep %s's result", shown, t_res,
				sg.target, s_res, sg.source, d->first_a, d->first_b,
				sg.target_signed ? sg.target : sg.source, sg.keep, sg.source);
	else
		msg = xasprintf("`%s` is %s on %s and %s on %s when %s holds the byte 0x%02x (%d on %s, %d on %s); "
				"the result differs for %u of the 256 byte values (use %s, or convert with (%s) "
				"before comparing, to keep %s's result)", shown, t_res, sg.target, s_res, sg.source,
				name, d->first_a, byte_value(d->first_a, sg.target_signed), sg.target,
				byte_value(d->first_a, !sg.target_signed), sg.source, d->count, sg.keep, sg.keep,
				sg.source);
	sign_hazard(st, rel, f, line, col, msg);
	free(name);
	free(text);
}

/* ---- && and || of comparisons: judged as a whole ----
 * In `c >= 'a' && c <= 'z'` each comparison differs for the high bytes (the
 * first is true on aarch64 and false on x86_64, the second the other way
 * round), but the conjunction is false for them on both.  So a predicate
 * over one char value is evaluated whole, and when it behaves the same its
 * comparisons are not reported. */

enum pred_kind { PRED_AND, PRED_OR, PRED_CMP };

struct pred_node {
	enum pred_kind kind;
	int lhs, rhs;                       /* PRED_AND, PRED_OR: node indexes */
	enum CXBinaryOperatorKind op;       /* PRED_CMP: */
	struct char_chain ch;
	struct constant k;
	int char_left;
	struct int_type t;
	CXCursor at;
};

struct predicate {
	struct tu_state *st;
	struct pred_node node[16];
	int n;
	CXCursor source;   /* of the first comparison: all must read the same value */
	int target_signed;
};

/* A key for a comparison: where it is spelled and where it is expanded. */
static size_t compare_key(CXCursor c, char *key)
{
	CXSourceLocation loc = clang_getCursorLocation(c);
	CXFile f;
	unsigned spell, expand;
	clang_getSpellingLocation(loc, &f, NULL, NULL, &spell);
	clang_getExpansionLocation(loc, &f, NULL, NULL, &expand);
	memcpy(key, &f, sizeof f);
	memcpy(key + sizeof f, &spell, sizeof spell);
	memcpy(key + sizeof f + sizeof spell, &expand, sizeof expand);
	return sizeof f + 2 * sizeof spell;
}

#define COMPARE_KEY_SIZE (sizeof(CXFile) + 2 * sizeof(unsigned))

static int same_value(struct tu_state *st, CXCursor a, CXCursor b)
{
	if (clang_getCursorKind(a) == CXCursor_DeclRefExpr && clang_getCursorKind(b) == CXCursor_DeclRefExpr)
		return clang_equalCursors(clang_getCursorReferenced(a), clang_getCursorReferenced(b));
	char *ta = source_text(st, a), *tb = source_text(st, b);
	int same = ta && tb && !strcmp(ta, tb);
	free(ta);
	free(tb);
	return same;
}

static int pred_parse(struct predicate *p, CXCursor c);

static int pred_compare(struct predicate *p, CXCursor c, struct pred_node *nd)
{
	struct deep_children kids = deep_children_of(c);
	nd->kind = PRED_CMP;
	nd->op = clang_getCursorBinaryOperatorKind(c);
	nd->at = c;
	struct char_chain other;
	if (kids.n != 2 || nd->op < CXBinaryOperator_LT || nd->op > CXBinaryOperator_NE ||
	    !int_type_of(clang_getCursorType(kids.c[0]), &nd->t))
		return 0;
	nd->char_left = char_chain(kids.c[0], &nd->ch);
	if (!nd->char_left && !char_chain(kids.c[1], &nd->ch))
		return 0;
	if (nd->char_left && char_chain(kids.c[1], &other))
		return 0;   /* two char values: not a predicate over one */
	if (!constant_of(p->st->tu, kids.c[nd->char_left ? 1 : 0], nd->t, p->target_signed, &nd->k))
		return 0;
	if (clang_Cursor_isNull(p->source))
		p->source = nd->ch.source;
	return same_value(p->st, p->source, nd->ch.source);
}

/* The node's index, or -1 when `c` is not such a predicate. */
static int pred_parse(struct predicate *p, CXCursor c)
{
	for (int depth = 0; depth < 32 && clang_getCursorKind(c) != CXCursor_CStyleCastExpr; depth++) {
		CXCursor in = conversion_operand(c);   /* parentheses, implicit conversions */
		if (clang_Cursor_isNull(in))
			break;
		c = in;
	}
	if (clang_getCursorKind(c) != CXCursor_BinaryOperator || p->n >= 16)
		return -1;
	int i = p->n++;
	struct pred_node *nd = &p->node[i];
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
	if (op != CXBinaryOperator_LAnd && op != CXBinaryOperator_LOr)
		return pred_compare(p, c, nd) ? i : -1;
	struct deep_children kids = deep_children_of(c);
	nd->kind = op == CXBinaryOperator_LAnd ? PRED_AND : PRED_OR;
	if (kids.n != 2 || (nd->lhs = pred_parse(p, kids.c[0])) < 0)
		return -1;
	nd->rhs = pred_parse(p, kids.c[1]);
	return nd->rhs < 0 ? -1 : i;
}

static int pred_eval(const struct predicate *p, int i, unsigned byte, int char_signed)
{
	const struct pred_node *nd = &p->node[i];
	if (nd->kind == PRED_AND)
		return pred_eval(p, nd->lhs, byte, char_signed) && pred_eval(p, nd->rhs, byte, char_signed);
	if (nd->kind == PRED_OR)
		return pred_eval(p, nd->lhs, byte, char_signed) || pred_eval(p, nd->rhs, byte, char_signed);
	uint64_t v = chain_value(&nd->ch, byte, char_signed);
	uint64_t k = char_signed == p->target_signed ? nd->k.target : nd->k.source;
	return nd->char_left ? compare(nd->op, v, k, nd->t) : compare(nd->op, k, v, nd->t);
}

static void char_logical(struct tu_state *st, CXCursor c)
{
	struct predicate p = { .st = st, .n = 0, .source = clang_getNullCursor(),
			       .target_signed = st->run->k->target_is_x86 };
	if (pred_parse(&p, c) != 0)
		return;
	for (unsigned b = 0; b < 256; b++)
		if (pred_eval(&p, 0, b, 1) != pred_eval(&p, 0, b, 0))
			return;   /* differs as a whole: its comparisons speak for themselves */
	for (int i = 0; i < p.n; i++) {
		char key[COMPARE_KEY_SIZE];
		if (p.node[i].kind == PRED_CMP)
			strmap_get(&st->sign_same, key, compare_key(p.node[i].at, key), 1);
	}
}

static void char_compare(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line, unsigned col)
{
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
	struct deep_children kids = deep_children_of(c);
	char key[COMPARE_KEY_SIZE];
	if (op == CXBinaryOperator_LAnd || op == CXBinaryOperator_LOr)
		char_logical(st, c);
	if (op < CXBinaryOperator_LT || op > CXBinaryOperator_NE || kids.n != 2 ||
	    strmap_has(&st->sign_same, key, compare_key(c, key)))
		return;
	struct char_chain l, r;
	int lc = char_chain(kids.c[0], &l), rc = char_chain(kids.c[1], &r);
	struct int_type t;
	if ((!lc && !rc) || !int_type_of(clang_getCursorType(kids.c[0]), &t))
		return;
	struct constant k;
	struct differ d;
	int target_signed = st->run->k->target_is_x86;
	if (lc && rc)
		d = differ_pair(op, &l, &r, t, target_signed);
	else if (constant_of(st->tu, kids.c[lc ? 1 : 0], t, target_signed, &k))
		d = differ_constant(op, lc ? &l : &r, &k, lc, t, target_signed);
	else
		return;   /* against a variable: the values are not ours to know */
	if (d.count)
		report_compare(st, c, lc ? &l : &r, &d, lc && rc, rel, f, line, col);
}

/* ---- subscripts ---- */

static void char_subscript(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line, unsigned col)
{
	struct deep_children kids = deep_children_of(c);
	struct char_chain ch;
	if (kids.n != 2 || !char_chain(kids.c[1], &ch))
		return;
	struct int_type t = ch.n ? ch.conv[0] : (struct int_type){ 8, 1, 0 };   /* C does not promote an index */
	unsigned first = 256;
	for (unsigned b = 0; b < 256 && first == 256; b++)
		if (chain_value(&ch, b, 1) != chain_value(&ch, b, 0))
			first = b;
	if (first == 256)
		return;
	struct char_signs sg = signs_of(st->run->k);
	char *text = source_text(st, c), *name = value_name(st, &ch);
	long long on_target = as_signed_value(chain_value(&ch, first, sg.target_signed), t);
	long long on_source = as_signed_value(chain_value(&ch, first, !sg.target_signed), t);
	sign_hazard(st, rel, f, line, col,
		    xasprintf("`%s` indexes with %s: for the byte 0x%02x the index is %lld on %s and %lld on %s, "
			      "so the high bytes read another element (index with (%s)%s to read %s's element)",
			      text ? text : "this subscript", name, first, on_target, sg.target, on_source, sg.source,
			      sg.keep, name, sg.source));
	free(name);
	free(text);
}

/* ---- case labels of a switch on a plain char ---- */

struct switch_scan {
	struct tu_state *st;
	struct char_chain ch;
	struct int_type t;
};

static void char_case(struct switch_scan *sw, CXCursor label)
{
	struct deep_children kids = deep_children_of(label);   /* value, statement (a GNU range has three) */
	struct constant k;
	struct char_signs sg = signs_of(sw->st->run->k);
	if (kids.n != 2 || !constant_of(sw->st->tu, kids.c[0], sw->t, sg.target_signed, &k))
		return;
	struct differ d = differ_constant(CXBinaryOperator_EQ, &sw->ch, &k, 1, sw->t, sg.target_signed);
	CXFile f;
	unsigned line, col;
	deep_expansion(clang_getCursorLocation(label), &f, &line, &col);
	const char *rel = deep_rel(sw->st, f);
	if (!d.count || !rel)
		return;
	char *value = source_text(sw->st, kids.c[0]), *name = value_name(sw->st, &sw->ch);
	const char *where = d.target_result ? sg.target : sg.source;
	const char *not_where = d.target_result ? sg.source : sg.target;
	sign_hazard(sw->st, rel, f, line, col,
		    xasprintf("`case %s:` of a switch on %s matches the byte 0x%02x on %s and no byte on %s "
			      "(switch on (%s)%s to match as on %s)", value ? value : "this", name, d.first_a,
			      where, not_where, sg.keep, name, sg.source));
	free(name);
	free(value);
}

static enum CXChildVisitResult find_cases(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	enum CXCursorKind kind = clang_getCursorKind(c);
	if (kind == CXCursor_SwitchStmt)
		return CXChildVisit_Continue;   /* its labels are its own */
	if (kind == CXCursor_CaseStmt)
		char_case(data, c);
	return kind >= CXCursor_FirstStmt && kind <= CXCursor_LastStmt ? CXChildVisit_Recurse : CXChildVisit_Continue;
}

static void char_switch(struct tu_state *st, CXCursor c)
{
	struct deep_children kids = deep_children_of(c);   /* condition, body */
	struct switch_scan sw = { .st = st };
	if (kids.n != 2 || !char_chain(kids.c[0], &sw.ch) || !int_type_of(clang_getCursorType(kids.c[0]), &sw.t))
		return;
	if (clang_getCursorKind(kids.c[1]) == CXCursor_CaseStmt)   /* `switch (c) case 1: ...` */
		char_case(&sw, kids.c[1]);
	clang_visitChildren(kids.c[1], find_cases, &sw);
}

int sign_fixed_by_flags(const struct tu_job *j)
{
	static const char *const flags[] = { "-fsigned-char", "-funsigned-char", "-fno-signed-char",
		"-fno-unsigned-char", NULL };
	for (int i = 0; i < j->nargs; i++)
		for (const char *const *fl = flags; *fl; fl++)
			if (!strcmp(j->args[i], *fl))
				return 1;
	return 0;
}

void sign_visit(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line, unsigned col)
{
	enum CXCursorKind kind = clang_getCursorKind(c);
	if (st->char_sign_fixed)
		return;   /* the same flag builds the port: no byte changes meaning */
	if ((kind == CXCursor_BinaryOperator || kind == CXCursor_ArraySubscriptExpr || kind == CXCursor_SwitchStmt) &&
	    !spelled_in_tree(st, c))
		return;
	switch (kind) {
	case CXCursor_BinaryOperator:
		char_compare(st, c, rel, f, line, col);
		break;
	case CXCursor_ArraySubscriptExpr:
		char_subscript(st, c, rel, f, line, col);
		break;
	case CXCursor_SwitchStmt:
		char_switch(st, c);
		break;
	default:
		break;
	}
}
