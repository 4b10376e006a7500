/* Arms for the target in #if chains that have none (c/arch-chain, and the
 * `#else #error "unsupported architecture"` kind), and twins for x86
 * function-like macros. The new arm holds stubs of what the x86 arm (the
 * x86_64 one when there are several) defines: its object-like macros and
 * typedefs as they are (x86 vector types as placeholders of their layout),
 * function-like macros and functions that trap, each marked TODO. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "stub_internal.h"

int stub_is_directive(const char *line, const char *word)
{
	size_t n;
	const char *d = directive_word(line, &n);
	return d && n == strlen(word) && !strncmp(d, word, n);
}

int stub_opens_conditional(const char *line)
{
	return stub_is_directive(line, "if") || stub_is_directive(line, "ifdef") || stub_is_directive(line, "ifndef");
}

/* From the line after `from`, the next directive of this chain (#elif,
 * #else, #endif at depth 0). */
static size_t next_arm(const struct file_patch *fp, size_t from)
{
	int depth = 0;
	for (size_t l = from + 1; l < fp->nlines; l++) {
		const char *s = fp->lines[l];
		if (stub_opens_conditional(s))
			depth++;
		else if (stub_is_directive(s, "endif") && depth-- == 0)
			return l;
		else if (depth == 0 && (stub_is_directive(s, "elif") || stub_is_directive(s, "else")))
			return l;
	}
	return fp->nlines;
}

/* The #if that opens the chain whose arm starts at `line`. */
static size_t chain_start(const struct file_patch *fp, size_t line)
{
	int depth = 0;
	for (size_t l = line; l-- > 0;) {
		const char *s = fp->lines[l];
		if (stub_is_directive(s, "endif"))
			depth++;
		else if (stub_opens_conditional(s) && depth-- == 0)
			return l;
	}
	return 0;
}

static int has_x86_code(const char *s)
{
	return strstr(s, "asm") || strstr(s, "__builtin_ia32") || strstr(s, "_mm_");
}

/* `static inline T name(args) {` ... `}` in the arm: a trapping twin. */
static size_t stub_function_at(const struct file_patch *fp, size_t l, size_t end, struct strbuf *out)
{
	const char *line = fp->lines[l];
	const char *paren = strchr(line, '(');
	if (!paren || line[0] == '#' || line[0] == ' ' || line[0] == '\t' || strchr(line, ';'))
		return 0;
	size_t close = l;   /* the function ends at a '}' in column 0 */
	while (close < end && fp->lines[close][0] != '}')
		close++;
	if (close >= end)
		return 0;
	struct strbuf sig = {0};
	for (size_t k = l; k < close; k++) {   /* up to the body's '{' */
		const char *brace = strchr(fp->lines[k], '{');
		sb_add(&sig, fp->lines[k], brace ? (size_t)(brace - fp->lines[k]) : strlen(fp->lines[k]));
		if (brace)
			break;
		sb_addc(&sig, '\n');
	}
	sb_addf(out, "%s{\n\t__builtin_trap();   /* TODO(archport): port this */\n}\n", sig.buf ? sig.buf : "");
	sb_free(&sig);
	return close - l + 1;
}

/* The last line of a typedef that starts at line l: where a ';' ends it
 * outside braces. */
static size_t typedef_end(const struct file_patch *fp, size_t l, size_t to)
{
	int depth = 0;
	for (size_t k = l; k < to; k++)
		for (const char *p = fp->lines[k]; *p; p++) {
			if (*p == '/' && p[1] == '/')
				break;
			depth += (*p == '{') - (*p == '}');
			if (*p == ';' && depth <= 0)
				return k;
		}
	return to;
}

static int starts_typedef(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return !strncmp(line, "typedef", 7) && !(isalnum((unsigned char)line[7]) || line[7] == '_');
}

/* A typedef of the x86 arm, for the target: the same when it names no x86
 * type, with placeholders of the x86 layout when it does; left out when
 * it holds other x86 code. Returns the lines it took. */
static size_t stub_typedef_at(const struct stub_ctx *c, const struct file_patch *fp, size_t l, size_t to,
			      struct strbuf *out)
{
	size_t end = typedef_end(fp, l, to);
	if (end >= to)
		return 1;
	struct strbuf text = {0};
	for (size_t k = l; k <= end; k++) {
		patch_add_line(&text, fp, k);
		sb_addc(&text, '\n');
	}
	char *copy = stub_portable_copy(c->k, text.buf, text.len);
	if (copy)
		sb_adds(out, copy);
	free(copy);
	sb_free(&text);
	return end - l + 1;
}

/* Stubs for what lines [from, to) define. */
static void stub_definitions(const struct stub_ctx *c, const struct file_patch *fp, size_t from, size_t to,
			     struct strbuf *out)
{
	for (size_t l = from; l < to; l++) {
		const char *s = fp->lines[l];
		size_t n;
		const char *d = directive_word(s, &n);
		if (d && n == 6 && !strncmp(d, "define", 6)) {
			const char *name = d + 6;
			while (*name == ' ' || *name == '\t')
				name++;
			const char *e = name;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			size_t last = l;
			while (last + 1 < to && fp->lens[last] && fp->lines[last][fp->lens[last] - 1] == '\\')
				last++;
			int x86 = 0;
			for (size_t k = l; k <= last; k++)
				x86 |= has_x86_code(fp->lines[k]) != 0;
			if (*e == '(' && x86) {
				const char *close = strchr(e, ')');
				sb_addf(out, "#define %.*s __builtin_trap()   /* TODO(archport) */\n",
					(int)(close ? close + 1 - name : e - name), name);
			} else if (!x86) {
				for (size_t k = l; k <= last; k++) {
					patch_add_line(out, fp, k);
					sb_addc(out, '\n');
				}
			}
			l = last;
			continue;
		}
		if (d)
			continue;   /* #include <x86 header> and friends stay out */
		if (starts_typedef(s)) {
			l += stub_typedef_at(c, fp, l, to, out) - 1;
			continue;
		}
		size_t skip = stub_function_at(fp, l, to, out);
		if (skip)
			l += skip - 1;
	}
}

/* The chain's #else, or its #endif when it has none. */
static size_t chain_tail(const struct file_patch *fp, size_t if_line, int *has_else)
{
	size_t l = next_arm(fp, if_line);
	while (l < fp->nlines && !stub_is_directive(fp->lines[l], "endif") && !stub_is_directive(fp->lines[l], "else"))
		l = next_arm(fp, l);
	*has_else = l < fp->nlines && stub_is_directive(fp->lines[l], "else");
	return l;
}

/* The arm the target's stubs are made from: the source arch's 64-bit one
 * (`gate`: __x86_64__, or __aarch64__ in the reverse port) when the chain
 * has it, else the first. *end: the line of the next directive of the
 * chain. */
static size_t model_arm(const struct file_patch *fp, size_t if_line, const char *gate, size_t *end)
{
	for (size_t l = if_line; l < fp->nlines && !stub_is_directive(fp->lines[l], "endif") && !stub_is_directive(fp->lines[l], "else");
	     l = next_arm(fp, l))
		if (strstr(fp->lines[l], gate) || strstr(fp->lines[l], "__amd64__")) {
			*end = next_arm(fp, l);
			return l;
		}
	*end = next_arm(fp, if_line);
	return if_line;
}

void stub_chain_arm(struct stub_ctx *c, struct file_patch *fp, size_t line, int at_else)
{
	size_t if_line = at_else ? chain_start(fp, line) : line;
	if (if_line >= fp->nlines || !stub_opens_conditional(fp->lines[if_line]))
		return;
	int has_else;
	size_t insert_at = chain_tail(fp, if_line, &has_else);
	if (insert_at >= fp->nlines)
		return;
	for (size_t i = 0; i < fp->nedits; i++)   /* once per chain */
		if (fp->edits[i].line == insert_at && !fp->edits[i].replace)
			return;
	struct strbuf sb = {0};
	if (has_else)   /* before `#else #error`: an arm of the target's own */
		sb_addf(&sb, "#elif defined(%s)\n", target_macro(c->k->target));
	else
		sb_adds(&sb, "#else\n");
	sb_addf(&sb, "/* TODO(archport): %s definitions, stubbed from the %s arm above */\n", c->k->target,
		c->k->source->name);
	size_t model_end, model = model_arm(fp, if_line, c->k->source->gate_macro, &model_end);
	stub_definitions(c, fp, model + 1, model_end, &sb);
	patch_insert(fp, insert_at, sb.buf);
	sb_free(&sb);
	/* #line inside an arm x86 skips would not run there: it goes after #endif */
	size_t endif = insert_at;
	while (endif < fp->nlines && !stub_is_directive(fp->lines[endif], "endif"))
		endif = next_arm(fp, endif);
	if (endif < fp->nlines) {
		char *line = xasprintf("#line %zu\n", endif + 2);
		patch_insert(fp, endif + 1, line);
		free(line);
	}
}

/* The string literal of a macro body, decoded and trimmed ("pause"). */
static char *body_template(const char *line)
{
	const char *q = strchr(line, '"');
	const char *e = q ? strchr(q + 1, '"') : NULL;
	if (!e)
		return NULL;
	char *t = xstrndup(q + 1, (size_t)(e - q - 1));
	for (char *p = t; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return t;
}

/* The #define's name and parameter list: "NAME(a, b)" of `line`. */
static char *macro_head(const char *line)
{
	size_t n;
	const char *d = directive_word(line, &n);
	const char *name = d + n;
	while (*name == ' ' || *name == '\t')
		name++;
	const char *e = name;
	while (isalnum((unsigned char)*e) || *e == '_')
		e++;
	if (*e == '(') {
		const char *close = strchr(e, ')');
		e = close ? close + 1 : e;
	}
	return xstrndup(name, (size_t)(e - name));
}

static char *macro_twin(const struct stub_ctx *c, const char *line)
{
	if (strstr(line, "_Pragma")) {   /* `_Pragma("GCC target(...)")`: nothing to do on the target */
		char *head = macro_head(line);
		char *twin = xasprintf("#define %s   /* archport: an x86 target pragma */\n", head);
		free(head);
		return twin;
	}
	char *tmpl = body_template(line);
	const char *kind = NULL;
	const char *target = tmpl ? idiom_for(c->k->source->name, tmpl, c->k->target, &kind) : NULL;
	if (target && !strcmp(kind, "none")) {
		const char *q = strchr(line, '"'), *e = strchr(q + 1, '"');
		char *twin = xasprintf("%.*s\"%s\"%s   /* archport: %s */\n", (int)(q - line), line, target, e + 1,
				       tmpl);
		free(tmpl);
		return twin;
	}
	free(tmpl);
	/* no idiom: a macro that traps, same parameters */
	char *head = macro_head(line);
	char *twin = xasprintf("#define %s __builtin_trap()   /* TODO(archport): port to %s */\n", head, c->k->target);
	free(head);
	return twin;
}

static int defines(const char *line, const char *name)
{
	size_t n;
	const char *d = directive_word(line, &n);
	if (!d || n != 6 || strncmp(d, "define", 6))
		return 0;
	d += 6;
	while (*d == ' ' || *d == '\t')
		d++;
	size_t len = strlen(name);
	return !strncmp(d, name, len) && !(isalnum((unsigned char)d[len]) || d[len] == '_');
}

static int continues(const char *line)
{
	size_t n = strlen(line);
	return n && line[n - 1] == '\\';
}

/* A #define and its continuation lines [l, last] as one logical line,
 * so that a body on the next line still finds its idiom. */
static char *logical_line(const struct file_patch *fp, size_t l, size_t last)
{
	struct strbuf sb = {0};
	for (size_t k = l; k <= last; k++) {
		const char *s = fp->lines[k];
		size_t n = strlen(s);
		if (k > l) {   /* a continuation: its indentation becomes one space */
			while (*s == ' ' || *s == '\t')
				s++, n--;
			sb_addc(&sb, ' ');
		}
		if (k < last && n && s[n - 1] == '\\')
			n--;
		while (k < last && n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		sb_add(&sb, s, n);
	}
	return sb_detach(&sb);
}

/* Gates the #define at line l of fp with its target twin, unless an
 * earlier finding gated it already. */
static void gate_macro_at(struct stub_ctx *c, struct file_patch *fp, size_t l)
{
	for (size_t e = 0; e < fp->nedits; e++)
		if (fp->edits[e].line == l)
			return;   /* already gated */
	size_t last = l;
	while (last + 1 < fp->nlines && continues(fp->lines[last]))
		last++;
	char *whole = logical_line(fp, l, last);
	char *twin = macro_twin(c, whole);
	gate_lines(c->k, fp, l, last, twin);
	free(twin);
	free(whole);
}

int stub_define_at(struct stub_ctx *c, struct file_patch *fp, size_t line)
{
	while (line > 0 && line < fp->nlines && continues(fp->lines[line - 1]))
		line--;   /* the error is in a body's continuation line */
	size_t n;
	const char *d = line < fp->nlines ? directive_word(fp->lines[line], &n) : NULL;
	if (!d || n != 6 || strncmp(d, "define", 6))
		return 0;
	gate_macro_at(c, fp, line);
	return 1;
}

void stub_macro(struct stub_ctx *c, const char *name, const char *def_file, int def_line)
{
	/* the definition the use expands, as the scan saw it */
	struct file_patch *fp = def_file ? c->patch_for(c, def_file) : NULL;
	if (fp && def_line >= 1 && (size_t)def_line <= fp->nlines && defines(fp->lines[def_line - 1], name)) {
		gate_macro_at(c, fp, (size_t)def_line - 1);
		return;
	}
	/* no location (a finding of another pass): the first definition found */
	for (size_t i = 0; i < c->nc_files; i++) {
		fp = c->patch_for(c, c->c_files[i]);
		for (size_t l = 0; fp && l < fp->nlines; l++)
			if (defines(fp->lines[l], name)) {
				gate_macro_at(c, fp, l);
				return;
			}
	}
}
