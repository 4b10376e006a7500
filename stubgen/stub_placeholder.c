/* Target twins of C declarations that the rest of the code needs complete:
 * a struct with a __m128i member, a typedef whose body holds __m256i, a
 * prototype with an x86 `target` attribute. Gating such a declaration
 * with no twin leaves an incomplete type (or an undeclared function) for
 * every user the stub keeps. The twin is the same text with each x86
 * vector type replaced by a placeholder of its x86_64 size and alignment
 * (rules/x86/types.tsv) and the x86 target attributes left out. In the
 * reverse port the same is done for NEON types (uint8x16_t,
 * float32x4x2_t) with their aarch64 layout (rules/aarch64/types.tsv);
 * SVE types have none (they are sizeless and never members). */
#include <stdlib.h>
#include <string.h>
#include "c_lex.h"
#include "stub_internal.h"

struct decl_text {
	const struct knowledge *k;
	struct token *v;
	size_t n, cap;
};

/* Code tokens of the text; directive lines stay as text. */
static void lex_decl(struct decl_text *d, const char *text, size_t len)
{
	struct lexer lx;
	struct token t;
	lex_init(&lx, text, len);
	while (lex_next(&lx, &t) != T_EOF) {
		if (t.kind == T_HASH) {
			lex_skip_directive(&lx);
			continue;
		}
		GROW(d->v, d->n, d->cap);
		d->v[d->n++] = t;
	}
}

static int is_attribute_kw(const struct token *t)
{
	return tok_is(t, "__attribute__") || tok_is(t, "__attribute");
}

/* `__attribute__((target("avx2")))` and target_clones: rejected by the
 * aarch64 compiler, ignored with a warning by the riscv64 one. */
static int target_attribute_at(const struct decl_text *d, size_t i, size_t *close)
{
	if (!is_attribute_kw(&d->v[i]) || i + 1 >= d->n || !tok_punct(&d->v[i + 1], '('))
		return 0;
	*close = stub_matching(d->v, d->n, i + 1, '(', ')');
	for (size_t k = i + 2; k < *close; k++)
		if (tok_is(&d->v[k], "target") || tok_is(&d->v[k], "__target__") ||
		    tok_is(&d->v[k], "target_clones") || tok_is(&d->v[k], "__target_clones__"))
			return 1;
	return 0;
}

/* After a removed attribute, the blank that separated it goes too: the
 * one after it at a line start or after a blank, the one before it ahead
 * of ';' or ','. Returns where the text goes on. */
static const char *skip_attribute_space(struct strbuf *out, const char *p, const char *end)
{
	char prev = out->len ? out->buf[out->len - 1] : '\n';
	const char *q = p;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && (*q == ';' || *q == ',')) {
		while (out->len && (out->buf[out->len - 1] == ' ' || out->buf[out->len - 1] == '\t'))
			out->buf[--out->len] = '\0';
		return q;
	}
	if (prev == '\n' && q < end && *q == '\n')
		return q + 1;   /* the attribute had a line of its own */
	if (prev == '\n' || prev == ' ' || prev == '\t')
		return q;
	return p;
}

/* Source-arch code that no placeholder stands for: asm, intrinsics and
 * builtins (__builtin_ia32_*, __builtin_aarch64_*), port I/O. */
static int x86_code(const struct decl_text *d, const struct token *t)
{
	if (t->kind != T_IDENT)
		return 0;
	const char *bp = d->k->source->builtin_prefix;
	size_t bn = strlen(bp);
	if (tok_is(t, "asm") || tok_is(t, "__asm") || tok_is(t, "__asm__") ||
	    (t->len > bn && !strncmp(t->p, bp, bn)) ||
	    (t->len > 14 && !strncmp(t->p, "__builtin_cpu_", 14)))
		return 1;
	const struct x86_name *x = knowledge_name(d->k, t->p, t->len);
	return x && (x->kinds & (X86_INTRINSIC | X86_PORT_IO));
}

/* The placeholder's name: archport_m128i for __m128i. */
static void placeholder_name(struct strbuf *sb, const struct token *t)
{
	size_t skip = 0;
	while (skip < t->len && t->p[skip] == '_')
		skip++;
	sb_addf(sb, "archport_%.*s", (int)(t->len - skip), t->p + skip);
}

/* Its definition, once per translation unit (several twins may use it). */
static void placeholder_definition(struct strbuf *sb, const struct token *t, const struct x86_name *x,
				   const struct knowledge *k)
{
	const char *source_abi = k->target_is_x86 ? "aarch64" : "x86_64";
	struct strbuf name = {0};
	placeholder_name(&name, t);
	const char *bare = name.buf + strlen("archport_");   /* the guard: ARCHPORT_PLACEHOLDER_m128i */
	sb_addf(sb, "#ifndef ARCHPORT_PLACEHOLDER_%s\n#define ARCHPORT_PLACEHOLDER_%s\n", bare, bare);
	sb_addf(sb, "/* TODO(archport): %s's %.*s as %u opaque bytes aligned to %u, as on %s; "
		"port the code that uses it to %s */\n", k->source->name, (int)t->len, t->p, x->size, x->align,
		source_abi, k->target);
	sb_addf(sb, "typedef struct %s { unsigned char bytes[%u]; } __attribute__((aligned(%u))) %s;\n#endif\n",
		name.buf, x->size, x->align, name.buf);
	sb_free(&name);
}

/* Has the declaration a parameter list as its declarator, `f(...)` then
 * ';', ',' or attributes? A prototype: placeholders there would declare a
 * function the stub does not define, so it keeps its x86 types. */
int stub_is_function_declaration(const struct token *v, size_t n)
{
	if (n && tok_is(&v[0], "typedef"))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_attribute_kw(&v[i]) && i + 1 < n && tok_punct(&v[i + 1], '(')) {
			i = stub_matching(v, n, i + 1, '(', ')');
			continue;
		}
		if (tok_punct(&v[i], '{'))
			return 0;
		if (!tok_punct(&v[i], '('))
			continue;
		size_t close = stub_matching(v, n, i, '(', ')');
		const struct token *after = close + 1 < n ? &v[close + 1] : NULL;
		if (i > 0 && v[i - 1].kind == T_IDENT && after &&
		    (tok_punct(after, ';') || tok_punct(after, ',') || is_attribute_kw(after)))
			return 1;
		i = close;
	}
	return 0;
}

enum twin_status { TWIN_SAME, TWIN_CHANGED, TWIN_X86 };

static enum twin_status declaration_twin(const struct knowledge *k, const char *text, size_t len,
					 int placeholders, char **out)
{
	struct decl_text d = { .k = k };
	lex_decl(&d, text, len);
	struct strbuf body = {0}, defs = {0};
	struct strmap defined = {0};
	const char *at = text;
	int ok = 1, changed = 0;
	for (size_t i = 0; ok && i < d.n; i++) {
		const struct token *t = &d.v[i];
		size_t close;
		if (target_attribute_at(&d, i, &close)) {
			sb_add(&body, at, (size_t)(t->p - at));
			at = skip_attribute_space(&body, d.v[close].p + 1, text + len);
			i = close;
			changed = 1;
			continue;
		}
		const struct x86_name *x = t->kind == T_IDENT ? knowledge_name(k, t->p, t->len) : NULL;
		if (x && (x->kinds & X86_TYPE)) {
			ok = placeholders && x->size && x->align;
			if (!ok)
				break;
			if (!strmap_has(&defined, t->p, t->len)) {
				strmap_get(&defined, t->p, t->len, 1);
				placeholder_definition(&defs, t, x, k);
			}
			sb_add(&body, at, (size_t)(t->p - at));
			placeholder_name(&body, t);
			at = t->p + t->len;
			changed = 1;
			continue;
		}
		ok = !x86_code(&d, t);
	}
	*out = NULL;
	if (ok && changed) {
		sb_add(&body, at, (size_t)(text + len - at));
		sb_add(&defs, body.buf, body.len);
		*out = sb_detach(&defs);
	}
	sb_free(&body);
	sb_free(&defs);
	strmap_free(&defined, NULL);
	free(d.v);
	return !ok ? TWIN_X86 : changed ? TWIN_CHANGED : TWIN_SAME;
}

char *stub_declaration_twin(const struct knowledge *k, const char *text, size_t len, int placeholders)
{
	char *twin;
	declaration_twin(k, text, len, placeholders, &twin);
	return twin;
}

char *stub_portable_copy(const struct knowledge *k, const char *text, size_t len)
{
	char *twin;
	enum twin_status st = declaration_twin(k, text, len, 1, &twin);
	return st == TWIN_SAME ? xstrndup(text, len) : twin;
}
