/* Runtime hazards of the deep pass that need types (deep_internal.h):
 *
 * - va_list used as a pointer.  On x86_64 va_list is an array of one
 *   struct, so it decays to a pointer to the argument-walking state.  On
 *   aarch64 it is a struct: pointer uses do not compile (clang says so; we
 *   add why).  On riscv64 it is a `void *` to the next argument itself:
 *   pointer uses compile and point at the arguments, not at the state.
 * - va_list used after it was passed by value.  On x86_64 the callee
 *   advances the caller's va_list (it got a pointer); elsewhere it works
 *   on a copy, so the caller's next va_arg reads the same argument again.
 * - long double layout.  x86_64's long double is x87 80-bit extended in 16
 *   bytes; aarch64's and riscv64's is IEEE binary128, also 16 bytes, so a
 *   size test passes and an 80-bit view reads the wrong bits.
 *
 * Only what still compiles on the target is reported here; what does not
 * is clang's error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "deep_internal.h"
#include "rules.h"

struct site {
	const char *rel;
	CXFile file;
	unsigned line, col;
};

static void hazard(struct tu_state *st, const struct site *at, char *message)
{
	deep_add_finding(st, RULE_RUNTIME_HAZARD, SEV_WARNING, at->rel, at->line, at->col, "port", message,
			 deep_line_text(st->tu, at->file, at->line));
}

/* ---- cursors, types, source text ---- */

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct deep_children *ch = data;
	if (ch->n < 2)
		ch->c[ch->n] = c;
	return ++ch->n > 2 ? CXChildVisit_Break : CXChildVisit_Continue;
}

struct deep_children deep_children_of(CXCursor c)
{
	struct deep_children ch = { .n = 0 };
	clang_visitChildren(c, collect_child, &ch);
	return ch;
}

/* Parentheses and implicit conversions.  An implicit cast is at its
 * operand's location; that is how it differs from the other one-operand
 * expressions libclang does not expose (va_arg is at the builtin's name). */
CXCursor deep_strip_implicit(CXCursor c)
{
	for (int depth = 0; depth < 32; depth++) {
		enum CXCursorKind kind = clang_getCursorKind(c);
		if (kind != CXCursor_ParenExpr && kind != CXCursor_UnexposedExpr)
			break;
		struct deep_children ch = deep_children_of(c);
		if (ch.n != 1 || (kind == CXCursor_UnexposedExpr &&
				  !clang_equalLocations(clang_getCursorLocation(c), clang_getCursorLocation(ch.c[0]))))
			break;
		c = ch.c[0];
	}
	return c;
}

/* va_list, __gnuc_va_list or anything else that names __builtin_va_list:
 * the typedef chain, since the canonical type (a struct, `void *`) is
 * shared with ordinary code. */
static int is_va_list(CXType t)
{
	for (int depth = 0; depth < 16; depth++) {
		if (t.kind == CXType_Elaborated) {
			t = clang_Type_getNamedType(t);
			continue;
		}
		if (t.kind != CXType_Typedef)
			return 0;
		CXCursor decl = clang_getTypeDeclaration(t);
		char *name = deep_take(clang_getCursorSpelling(decl));
		int hit = !strcmp(name, "__builtin_va_list");
		free(name);
		if (hit)
			return 1;
		t = clang_getTypedefDeclUnderlyingType(decl);
	}
	return 0;
}

static int is_pointer(CXType t)
{
	return clang_getCanonicalType(t).kind == CXType_Pointer;
}

static int is_integer(CXType t)
{
	enum CXTypeKind k = clang_getCanonicalType(t).kind;
	return (k >= CXType_Char_U && k <= CXType_UInt128) || (k >= CXType_Char_S && k <= CXType_Int128);
}

/* The expression, without casts, when it is a va_list and the target's
 * va_list is a pointer (so pointer uses of it compile); else null. */
static CXCursor va_pointer_operand(CXCursor c)
{
	c = deep_strip_implicit(c);
	CXType t = clang_getCursorType(c);
	return is_va_list(t) && is_pointer(t) ? c : clang_getNullCursor();
}

static char *type_name(CXType t)
{
	return deep_take(clang_getTypeSpelling(t));
}

/* The source at the cursor's spelling location (inside a macro's
 * definition when it comes from one) and how many bytes follow. */
static const char *spelled_at(struct tu_state *st, CXCursor c, size_t *avail)
{
	CXFile f;
	unsigned off;
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, NULL, NULL, &off);
	size_t size = 0;
	const char *text = f ? clang_getFileContents(st->tu, f, &size) : NULL;
	if (!text || off >= size)
		return NULL;
	*avail = size - off;
	return text + off;
}

static int is_ident_char(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static size_t skip_space(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[0..n) starts with the words, spaces allowed between them. */
static int match_words(const char *s, size_t n, const char *const *words)
{
	size_t i = 0;
	for (; *words; words++) {
		size_t len = strlen(*words);
		i = skip_space(s, i, n);
		if (i + len > n || memcmp(s + i, *words, len) != 0)
			return 0;
		i += len;
		if (is_ident_char((*words)[len - 1]) && i < n && is_ident_char(s[i]))
			return 0;
	}
	return 1;
}

/* ---- va_list used as a pointer (targets where va_list is a pointer) ---- */

/* Reported at the va_list operand: one call may misuse two of them. */
static void va_pointer_use(struct tu_state *st, const struct site *use, CXCursor var, const char *how)
{
	struct site where = *use, *at = &where;
	CXFile f;
	deep_expansion(clang_getCursorLocation(var), &f, &where.line, &where.col);
	if (f != use->file)
		where = *use;
	char *name = deep_take(clang_getCursorSpelling(var));
	hazard(st, at, xasprintf("`%s` (va_list) %s: on x86_64 va_list is an array that decays to a pointer to "
				 "the argument state; on %s it is a `void *` to the next argument itself, so this "
				 "compiles but no longer means the state (pass a `va_list *`, or va_copy)",
				 *name ? name : "va_list", how, st->run->k->target));
	free(name);
}

static void va_init(struct tu_state *st, CXCursor c, const struct site *at)
{
	CXType t = clang_getCursorType(c);
	if (!is_pointer(t) || is_va_list(t))
		return;
	CXCursor init = clang_Cursor_getVarDeclInitializer(c);
	CXCursor var = clang_Cursor_isNull(init) ? init : va_pointer_operand(init);
	if (clang_Cursor_isNull(var))
		return;
	char *name = deep_take(clang_getCursorSpelling(c)), *how = xasprintf("initializes the pointer `%s`", name);
	va_pointer_use(st, at, var, how);
	free(how);
	free(name);
}

static void va_cast(struct tu_state *st, CXCursor c, const struct site *at)
{
	CXType to = clang_getCursorType(c);
	if (!(is_pointer(to) && !is_va_list(to)) && !is_integer(to))
		return;
	struct deep_children ch = deep_children_of(c);   /* [TypeRef,] operand */
	CXCursor var = ch.n == 1 || ch.n == 2 ? va_pointer_operand(ch.c[ch.n - 1]) : clang_getNullCursor();
	if (clang_Cursor_isNull(var))
		return;
	char *type = type_name(to), *how = xasprintf("is cast to `%s`", type);
	va_pointer_use(st, at, var, how);
	free(how);
	free(type);
}

static void va_binary(struct tu_state *st, enum CXBinaryOperatorKind op, CXCursor lhs, CXCursor rhs,
		      const struct site *at)
{
	CXCursor l = va_pointer_operand(lhs), r = va_pointer_operand(rhs);
	if (op == CXBinaryOperator_Assign) {
		CXType lt = clang_getCursorType(deep_strip_implicit(lhs));
		if (!clang_Cursor_isNull(r) && is_pointer(lt) && !is_va_list(lt))
			va_pointer_use(st, at, r, "is assigned to a pointer");
		return;
	}
	CXCursor var = clang_Cursor_isNull(l) ? r : l;
	if (clang_Cursor_isNull(var))
		return;
	if (op >= CXBinaryOperator_LT && op <= CXBinaryOperator_NE)
		va_pointer_use(st, at, var, "is compared as a pointer");
	else if (op == CXBinaryOperator_Add || op == CXBinaryOperator_Sub)
		va_pointer_use(st, at, var, "is used in pointer arithmetic");
}

/* ---- va_list used after it was passed by value ---- */

struct va_pass {
	char *callee;
	unsigned line;
	int reported;
};

static void free_pass(void *p)
{
	struct va_pass *v = p;
	if (v)   /* va_reset leaves the key with no value */
		free(v->callee);
	free(v);
}

void hazard_free_state(struct tu_state *st)
{
	strmap_free(&st->va_passed, free_pass);
	strmap_free(&st->sign_same, NULL);
}

/* The variable (local or parameter) an expression names, as a key: where
 * it was declared.  0 for anything else (a struct member, a call). */
static size_t var_key(CXCursor ref, char *key)
{
	if (clang_getCursorKind(ref) != CXCursor_DeclRefExpr)
		return 0;
	CXCursor d = clang_getCursorReferenced(ref);
	enum CXCursorKind kind = clang_getCursorKind(d);
	if (kind != CXCursor_VarDecl && kind != CXCursor_ParmDecl)
		return 0;
	CXFile f;
	unsigned off;
	clang_getExpansionLocation(clang_getCursorLocation(d), &f, NULL, NULL, &off);
	memcpy(key, &f, sizeof f);
	memcpy(key + sizeof f, &off, sizeof off);
	return sizeof f + sizeof off;
}

#define VAR_KEY_SIZE (sizeof(CXFile) + sizeof(unsigned))

/* A read of the variable: after a by-value pass, x86_64 and the target
 * disagree about where it points. */
static void va_read(struct tu_state *st, CXCursor ref, const struct site *at, const char *how)
{
	char key[VAR_KEY_SIZE];
	size_t n = var_key(ref, key);
	struct va_pass *p = n ? strmap_value(&st->va_passed, key, n) : NULL;
	if (!p || p->reported)
		return;
	p->reported = 1;
	char *name = deep_take(clang_getCursorSpelling(ref));
	const struct knowledge *k = st->run->k;
	if (k->target_is_x86)
		hazard(st, at, xasprintf("`%s` is %s after `%s` took it by value on line %u: on %s the callee worked on "
					 "a copy and `%s` has not moved; on x86_64 va_list is an array, so the callee "
					 "advances this `%s` and the next read takes a later argument (pass `&%s` to a "
					 "`va_list *` parameter, or va_copy)",
					 name, how, p->callee, p->line, k->source->name, name, name, name));
	else
		hazard(st, at, xasprintf("`%s` is %s after `%s` took it by value on line %u: on x86_64 va_list is an "
					 "array, so the callee advanced this `%s`; on %s the callee works on a copy and "
					 "`%s` has not moved (pass `&%s` to a `va_list *` parameter, or va_copy)",
					 name, how, p->callee, p->line, name, k->target, name, name));
	free(name);
}

/* va_start, va_copy's destination and va_end start the variable afresh. */
static void va_reset(struct tu_state *st, CXCursor ref)
{
	char key[VAR_KEY_SIZE];
	size_t n = var_key(ref, key);
	struct strmap_entry *e = n ? strmap_get(&st->va_passed, key, n, 0) : NULL;
	if (e && e->value) {
		free_pass(e->value);
		e->value = NULL;
	}
}

static void va_passed(struct tu_state *st, CXCursor ref, const char *callee, const struct site *at)
{
	va_read(st, ref, at, "passed again");
	char key[VAR_KEY_SIZE];
	size_t n = var_key(ref, key);
	if (!n)
		return;
	struct strmap_entry *e = strmap_get(&st->va_passed, key, n, 1);
	if (e->value)
		free_pass(e->value);
	struct va_pass *p = xcalloc(1, sizeof *p);
	p->callee = xstrdup(callee);
	p->line = at->line;
	e->value = p;
}

static void va_builtin(struct tu_state *st, const char *name, int i, CXCursor arg, const struct site *at)
{
	if (strstr(name, "va_copy") && i == 1)
		va_read(st, arg, at, "copied");
	else if (strstr(name, "va_start") || strstr(name, "va_end") || strstr(name, "va_copy"))
		va_reset(st, arg);
}

/* The parameter types of a direct call; .kind is CXType_Invalid for calls
 * through pointers and functions without a prototype. */
static CXType callee_type(CXCursor call)
{
	CXCursor fn = clang_getCursorReferenced(call);
	CXType t = clang_getCursorType(fn);
	if (clang_getCursorKind(fn) != CXCursor_FunctionDecl || t.kind != CXType_FunctionProto)
		t.kind = CXType_Invalid;
	return t;
}

static void va_argument(struct tu_state *st, const char *name, CXType fn, int i, CXCursor arg,
			const struct site *at)
{
	int nparams = fn.kind == CXType_Invalid ? -1 : clang_getNumArgTypes(fn);
	if (i >= nparams)
		return;   /* through `...` or unknown: no claim */
	CXType param = clang_getArgType(fn, (unsigned)i);
	if (is_va_list(param)) {
		va_passed(st, arg, name, at);
	} else if (is_pointer(param) && is_pointer(clang_getCursorType(arg))) {
		char *type = type_name(param), *how = xasprintf("is passed to a `%s` parameter of `%s`", type, name);
		va_pointer_use(st, at, arg, how);
		free(how);
		free(type);
	}
}

static void va_call(struct tu_state *st, CXCursor call, const struct site *at)
{
	int nargs = clang_Cursor_getNumArguments(call);
	if (nargs <= 0)
		return;
	char *name = deep_take(clang_getCursorSpelling(call));
	int builtin = str_starts(name, "__builtin_va_") || str_starts(name, "__builtin_c23_va_");
	CXType fn = builtin ? (CXType){ .kind = CXType_Invalid } : callee_type(call);
	for (int i = 0; i < nargs; i++) {
		CXCursor arg = deep_strip_implicit(clang_Cursor_getArgument(call, (unsigned)i));
		if (!is_va_list(clang_getCursorType(arg)))
			continue;
		if (builtin)
			va_builtin(st, name, i, arg, at);
		else
			va_argument(st, name, fn, i, arg, at);
	}
	free(name);
}

/* `ap` read by va_arg: the parent is the VAArgExpr, which libclang does
 * not expose; its location is the __builtin_va_arg of <stdarg.h>'s macro. */
static void va_ref(struct tu_state *st, CXCursor c, CXCursor parent, const struct site *at)
{
	if (!st->va_passed.len || clang_getCursorKind(parent) != CXCursor_UnexposedExpr ||
	    !is_va_list(clang_getCursorType(c)))
		return;
	size_t avail = 0;
	const char *text = spelled_at(st, parent, &avail);
	static const char *const va_arg_word[] = { "__builtin_va_arg", NULL };
	if (text && match_words(text, avail, va_arg_word))
		va_read(st, c, at, "read by va_arg");
}

/* The va_arg expression itself (x86_64: its operand is `ap` decayed to a
 * pointer, so the DeclRefExpr's parent is the implicit cast, not it). */
static void va_arg_expr(struct tu_state *st, CXCursor c, const struct site *at)
{
	static const char *const va_arg_word[] = { "__builtin_va_arg", NULL };
	size_t avail = 0;
	const char *text = st->va_passed.len ? spelled_at(st, c, &avail) : NULL;
	if (!text || !match_words(text, avail, va_arg_word))
		return;
	struct deep_children ch = deep_children_of(c);
	CXCursor ref = ch.n >= 1 ? deep_strip_implicit(ch.c[0]) : clang_getNullCursor();
	if (!clang_Cursor_isNull(ref) && is_va_list(clang_getCursorType(ref)))
		va_read(st, ref, at, "read by va_arg");
}

char *hazard_explain_error(const struct knowledge *k, const char *msg)
{
	if (k->target_is_x86 || !strstr(msg, "va_list"))
		return xstrdup(msg);
	const char *what = !strcmp(k->target, "aarch64") ? "a structure" : "another type";
	return xasprintf("%s (va_list is %s on %s, not an array that decays to a pointer as on x86_64: pass a "
			 "`va_list *`, or va_copy)", msg, what, k->target);
}

/* ---- long double: size tests ---- */

static int evaluates_to(CXCursor c, long long want)
{
	CXEvalResult ev = clang_Cursor_Evaluate(c);
	int hit = ev && clang_EvalResult_getKind(ev) == CXEval_Int && clang_EvalResult_getAsLongLong(ev) == want;
	if (ev)
		clang_EvalResult_dispose(ev);
	return hit;
}

static int is_sizeof_long_double(struct tu_state *st, CXCursor c)
{
	static const char *const kw[] = { "sizeof", NULL };
	static const char *const spelled[] = { "sizeof", "(", "long", "double", ")", NULL };
	size_t avail = 0;
	const char *text = clang_getCursorKind(c) == CXCursor_UnaryExpr ? spelled_at(st, c, &avail) : NULL;
	if (!text || !match_words(text, avail, kw))
		return 0;
	struct deep_children ch = deep_children_of(c);   /* sizeof x, sizeof(typedef): one; sizeof(long double): none */
	if (ch.n == 1)
		return clang_getCanonicalType(clang_getCursorType(ch.c[0])).kind == CXType_LongDouble;
	return ch.n == 0 && match_words(text, avail, spelled);
}

static void long_double_size(struct tu_state *st, CXCursor lhs, CXCursor rhs, const struct site *at)
{
	lhs = deep_strip_implicit(lhs);
	rhs = deep_strip_implicit(rhs);
	if (!(is_sizeof_long_double(st, lhs) && evaluates_to(rhs, 16)) &&
	    !(is_sizeof_long_double(st, rhs) && evaluates_to(lhs, 16)))
		return;
	const struct knowledge *k = st->run->k;
	if (k->target_is_x86)
		hazard(st, at, xasprintf("`sizeof(long double) == 16` does not mean binary128: long double is 16 bytes "
					 "on %s (IEEE binary128) and on x86_64 (80-bit x87 extended plus 6 bytes of "
					 "padding), so this test passes there too; test LDBL_MANT_DIG (113 or 64) "
					 "instead", k->source->name));
	else
		hazard(st, at, xasprintf("`sizeof(long double) == 16` does not mean x87: long double is 16 bytes on "
					 "x86_64 (80-bit x87 extended plus padding) and on %s (IEEE binary128), so this "
					 "test passes there too; test LDBL_MANT_DIG (64 or 113) instead", k->target));
}

static void binary(struct tu_state *st, CXCursor c, const struct site *at)
{
	struct deep_children ch = deep_children_of(c);
	if (ch.n != 2)
		return;
	enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
	va_binary(st, op, ch.c[0], ch.c[1], at);
	if (op == CXBinaryOperator_EQ || op == CXBinaryOperator_NE)
		long_double_size(st, ch.c[0], ch.c[1], at);
}

/* ---- long double: 80-bit views in unions ---- */

struct bits {
	long long sum, want;   /* want: 80 (x87) or 128 (binary128) */
	int fields, hit, exponent;   /* exponent: a 15-bit bit-field was seen */
};

static int is_integer_array(CXType t)
{
	return t.kind == CXType_ConstantArray && is_integer(clang_getArrayElementType(t));
}

/* Integer fields that add up to exactly 80 bits, in order: mantissa and
 * sign/exponent (64 + 16, or bit-fields 64 + 15 + 1, or 32 + 32 + 16). */
static enum CXVisitorResult add_bits(CXCursor field, CXClientData data)
{
	struct bits *b = data;
	CXType t = clang_getCanonicalType(clang_getCursorType(field));
	long long w;
	if (clang_Cursor_isBitField(field))
		w = clang_getFieldDeclBitWidth(field);
	else if (is_integer(t) || is_integer_array(t))
		w = clang_Type_getSizeOf(t) * 8;
	else
		return CXVisit_Break;
	b->sum += w;
	b->fields++;
	b->exponent |= clang_Cursor_isBitField(field) && w == 15;
	b->hit = b->sum == b->want && (b->want == 80 ? b->fields >= 2 : b->exponent);
	return b->hit || b->sum > b->want ? CXVisit_Break : CXVisit_Continue;
}

/* An x87 view: 10 bytes of integers (`unsigned char[10]`, `uint16_t[5]`),
 * or a struct whose leading integer fields make 80 bits.  A binary128
 * view (binary128 = 1): a struct of integer fields making 128 bits with a
 * 15-bit exponent bit-field; `uint64_t[2]` and `{ lo, hi }` only copy bits. */
static int is_format_view(CXType t, int binary128)
{
	t = clang_getCanonicalType(t);
	if (is_integer_array(t))
		return !binary128 && clang_Type_getSizeOf(t) == 10;
	if (t.kind != CXType_Record || clang_getCursorKind(clang_getTypeDeclaration(t)) != CXCursor_StructDecl)
		return 0;
	struct bits b = { 0, binary128 ? 128 : 80, 0, 0, 0 };
	clang_Type_visitFields(t, add_bits, &b);
	return b.hit;
}

struct union_scan {
	int binary128;   /* looking for binary128 views (the reverse port) */
	int long_double;
	int view;
	char *view_name;
};

static enum CXVisitorResult union_field(CXCursor field, CXClientData data)
{
	struct union_scan *u = data;
	CXType t = clang_getCursorType(field);
	if (clang_getCanonicalType(t).kind == CXType_LongDouble) {
		u->long_double = 1;
	} else if (!u->view && is_format_view(t, u->binary128)) {
		u->view = 1;
		u->view_name = deep_take(clang_getCursorSpelling(field));
	}
	return CXVisit_Continue;
}

static void union_x87(struct tu_state *st, CXCursor c, const struct site *at)
{
	if (!clang_isCursorDefinition(c))
		return;
	const struct knowledge *k = st->run->k;
	struct union_scan u = { k->target_is_x86, 0, 0, NULL };
	clang_Type_visitFields(clang_getCursorType(c), union_field, &u);
	if (u.long_double && u.view) {
		char *name = deep_take(clang_getCursorSpelling(c));
		int named = *name && !strchr(name, ' ');   /* not "union (unnamed at ...)" */
		char *what = named ? xasprintf("union `%s`", name) : xstrdup("a union");
		const char *view = *u.view_name ? u.view_name : "an unnamed struct";
		if (u.binary128)
			hazard(st, at, xasprintf("%s reads a long double through `%s` as IEEE binary128 (112-bit "
						 "fraction, 15-bit exponent and sign in bytes 14-15), as on %s; on "
						 "x86_64 long double is x87 80-bit extended (64-bit mantissa, sign and "
						 "exponent in bytes 8-9, bytes 10-15 padding), so these fields see other "
						 "bits", what, view, k->source->name));
		else
			hazard(st, at, xasprintf("%s reads a long double through `%s` as x87 80-bit extended (64-bit "
						 "mantissa, sign and exponent in bytes 8-9); on %s long double is IEEE "
						 "binary128 (112-bit fraction, sign and exponent in bytes 14-15), so these "
						 "fields see other bits", what, view, k->target));
		free(what);
		free(name);
	}
	free(u.view_name);
}

/* ---- long double: LDBL_MANT_DIG == 64 (113 in the reverse port) ---- */

static int is_number_at(const char *s, size_t i, size_t n, const char *num)
{
	size_t len = strlen(num);
	return i + len <= n && !memcmp(s + i, num, len) && (i + len == n || !is_ident_char(s[i + len]));
}

/* `== num` or `!= num` right after the macro (`)` allowed between). */
static int compares_after(const char *s, size_t i, size_t n, const char *num)
{
	while ((i = skip_space(s, i, n)) < n && s[i] == ')')
		i++;
	if (i + 2 > n || (memcmp(s + i, "==", 2) && memcmp(s + i, "!=", 2)))
		return 0;
	for (i += 2; (i = skip_space(s, i, n)) < n && s[i] == '(';)
		i++;
	return is_number_at(s, i, n, num);
}

/* `num ==` or `num !=` right before the macro at s[i] (`(` allowed). */
static int compares_before(const char *s, size_t i, const char *num)
{
	size_t len = strlen(num);
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '('))
		i--;
	if (i < 2 || s[i - 1] != '=' || (s[i - 2] != '=' && s[i - 2] != '!'))
		return 0;
	for (i -= 2; i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t');)
		i--;
	return i >= len && !memcmp(s + i - len, num, len) && (i == len || !is_ident_char(s[i - len - 1]));
}

static int line_has(const char *line, size_t n, const char *word)
{
	return memmem(line, n, word, strlen(word)) != NULL;
}

/* The file knows the other format when a line tests *MANT_DIG against
 * its digit count (113 for binary128, 64 for x87). */
static int handles_format(const char *text, size_t n, const char *num)
{
	for (const char *p = text; (p = memmem(p, n - (size_t)(p - text), "MANT_DIG", 8));) {
		const char *start = p, *end = memchr(p, '\n', n - (size_t)(p - text));
		while (start > text && start[-1] != '\n')
			start--;
		end = end ? end : text + n;
		if (line_has(start, (size_t)(end - start), num))
			return 1;
		p = end;
	}
	return 0;
}

static int mentions_any(const char *line, size_t n, const char *const *macros)
{
	for (const char *const *m = macros; *m; m++)
		if (line_has(line, n, *m))
			return 1;
	return 0;
}

/* What one direction looks for: the source's format and the target's. */
struct mant_dig_view {
	const char *own, *other;         /* digit counts: "64", "113" */
	const char *const *own_macros;   /* a line that also tests these is arch-only */
};

static const char *const x86_macros[] = { "__x86_64__", "__i386__", "__amd64__", "_M_X64", "_M_IX86", NULL };
static const char *const arm_macros[] = { "__aarch64__", "__arm64__", "_M_ARM64", "__riscv", NULL };

static void mant_dig_hazard(struct tu_state *st, const struct site *at)
{
	const struct knowledge *k = st->run->k;
	if (k->target_is_x86)
		hazard(st, at, xasprintf("`LDBL_MANT_DIG == 113` picks %s's IEEE binary128 long double, and nothing in "
					 "this file handles x86_64's x87 80-bit long double (LDBL_MANT_DIG 64): the "
					 "other branch runs there with a format it was not written for",
					 k->source->name));
	else
		hazard(st, at, xasprintf("`LDBL_MANT_DIG == 64` picks the x87 80-bit long double, and nothing in this "
					 "file handles %s's IEEE binary128 long double (LDBL_MANT_DIG 113): the other "
					 "branch runs there with a format it was not written for", k->target));
}

static void mant_dig(struct tu_state *st, CXCursor c, const struct site *at)
{
	struct mant_dig_view v = st->run->k->target_is_x86 ? (struct mant_dig_view){ "113", "64", arm_macros }
							   : (struct mant_dig_view){ "64", "113", x86_macros };
	char *name = deep_take(clang_getCursorSpelling(c));
	int ours = !strcmp(name, "LDBL_MANT_DIG") || !strcmp(name, "__LDBL_MANT_DIG__");
	size_t len = strlen(name), size = 0;
	free(name);
	CXFile f;
	unsigned off;
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, NULL, NULL, &off);
	const char *text = ours && f ? clang_getFileContents(st->tu, f, &size) : NULL;
	if (!text || off + len > size)
		return;
	const char *line = text + off, *end = memchr(text + off, '\n', size - off);
	while (line > text && line[-1] != '\n')
		line--;
	size_t line_len = (size_t)((end ? end : text + size) - line);
	if (!compares_after(text, off + len, size, v.own) && !compares_before(text, off, v.own))
		return;
	if (mentions_any(line, line_len, v.own_macros) || handles_format(text, size, v.other))
		return;   /* an arch-only test, or the file has an arm for the other format too */
	mant_dig_hazard(st, at);
}

/* ---- dispatch ---- */

/* Coming to x86_64: va_list is an array there, so pointer uses written
 * for aarch64's struct do not compile there either, and what can differ is
 * a va_list read again after a by-value pass (the callee now moves it);
 * plain char, page sizes and long double differ the other way round. */
static void reverse_visit(struct tu_state *st, CXCursor c, const struct site *at)
{
	sign_visit(st, c, at->rel, at->file, at->line, at->col);
	struct deep_children ch;
	switch (clang_getCursorKind(c)) {
	case CXCursor_CallExpr:   /* use after a by-value pass: x86_64's va_list is the one that moves */
		va_call(st, c, at);
		break;
	case CXCursor_UnexposedExpr:
		va_arg_expr(st, c, at);
		break;
	case CXCursor_BinaryOperator:
		ch = deep_children_of(c);
		if (ch.n == 2 && (clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_EQ ||
				  clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_NE))
			long_double_size(st, ch.c[0], ch.c[1], at);
		break;
	case CXCursor_UnionDecl:
		union_x87(st, c, at);
		break;
	case CXCursor_MacroExpansion:
		mant_dig(st, c, at);
		break;
	default:
		break;
	}
}

void hazard_visit(struct tu_state *st, CXCursor c, CXCursor parent, const char *rel, CXFile f, unsigned line,
		  unsigned col)
{
	struct site at = { rel, f, line, col };
	if (st->run->k->target_is_x86) {   /* the reverse port: char sign and long double formats */
		reverse_visit(st, c, &at);
		return;
	}
	sign_visit(st, c, rel, f, line, col);   /* plain char: signed on x86_64, unsigned on the target */
	switch (clang_getCursorKind(c)) {
	case CXCursor_CallExpr:
		va_call(st, c, &at);
		break;
	case CXCursor_DeclRefExpr:
		va_ref(st, c, parent, &at);
		break;
	case CXCursor_VarDecl:
		va_init(st, c, &at);
		break;
	case CXCursor_CStyleCastExpr:
		va_cast(st, c, &at);
		break;
	case CXCursor_BinaryOperator:
		binary(st, c, &at);
		break;
	case CXCursor_UnionDecl:
		union_x87(st, c, &at);
		break;
	case CXCursor_MacroExpansion:
		mant_dig(st, c, &at);
		break;
	default:
		break;
	}
}
