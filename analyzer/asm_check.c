#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_check.h"

/* Directives that only x86 gas knows. */
static const char *const x86_directives[] = {
	".code16", ".code16gcc", ".code32", ".code64", ".intel_syntax", ".att_syntax",
	".intel_mnemonic", ".att_mnemonic",
};

static int is_word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static void set_issue(struct asm_issue *issue, size_t off, size_t len, const char *kind,
		      const char *s, size_t n)
{
	issue->offset = off;
	issue->len = len;
	snprintf(issue->what, sizeof issue->what, "%s `%.*s`", kind, (int)(n > 40 ? 40 : n), s);
}

/* An AT&T register reference: '%' (or "%%" in templates) + x86 name. */
static int check_registers(const struct knowledge *k, const char *s, size_t n, size_t base,
			   enum asm_dialect d, struct asm_issue *issue)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		size_t j = i + 1;
		if (d == ASM_TEMPLATE) {
			if (j >= n || s[j] != '%')
				continue;   /* %0, %w1, %[name]: operand references */
			j++;
		}
		size_t e = j;
		while (e < n && isalnum((unsigned char)s[e]))
			e++;
		char w[32];
		if (lower_word(s + j, e - j, w, sizeof w) && strmap_value(&k->x86_registers, w, e - j)) {
			set_issue(issue, base + i, e - i, "x86 register", s + i, e - i);
			return 1;
		}
		i = e > i ? e - 1 : i;
	}
	return 0;
}

/* Bare 64/32-bit GPR and vector register names (Intel syntax operands);
 * short names like `sp` or `ax` are left out because they are not
 * unambiguously x86. */
static int is_unambiguous_x86_register(const char *w, size_t n)
{
	static const char *const gprs[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp",
		"rbp", "rip", "eax", "ebx", "ecx", "edx", "esi", "edi", "esp", "ebp", "eip" };
	for (size_t i = 0; i < sizeof gprs / sizeof *gprs; i++)
		if (strcmp(w, gprs[i]) == 0)
			return 1;
	return n >= 4 && (strncmp(w, "xmm", 3) == 0 || strncmp(w, "ymm", 3) == 0 ||
			  strncmp(w, "zmm", 3) == 0) && isdigit((unsigned char)w[3]);
}

static int check_bare_registers(const char *s, size_t n, size_t base, struct asm_issue *issue)
{
	for (size_t i = 0; i < n;) {
		if (!is_word_char(s[i]) || (i > 0 && (s[i - 1] == '%' || is_word_char(s[i - 1])))) {
			i++;
			continue;
		}
		size_t e = i;
		while (e < n && is_word_char(s[e]))
			e++;
		char w[16];
		if (lower_word(s + i, e - i, w, sizeof w) && is_unambiguous_x86_register(w, e - i)) {
			set_issue(issue, base + i, e - i, "x86 register", s + i, e - i);
			return 1;
		}
		i = e;
	}
	return 0;
}

/* aarch64 operands that x86 as cannot read: a register (x0, w1, v2, hcr_el2;
 * not sp, a word x86 has too) or a #immediate (a comment to x86 gas). */
static int check_aarch64_operands(const struct knowledge *k, const char *s, size_t n, size_t base,
				  struct asm_issue *issue)
{
	for (size_t i = 0; i < n;) {
		if (s[i] == '#' && i + 1 < n && (isdigit((unsigned char)s[i + 1]) || s[i + 1] == '-')) {
			set_issue(issue, base + i, 2, "aarch64 immediate", s + i, 2);
			return 1;
		}
		if (!is_word_char(s[i]) || (i > 0 && (s[i - 1] == '%' || is_word_char(s[i - 1])))) {
			i++;
			continue;
		}
		size_t e = i, r;
		while (e < n && (is_word_char(s[e])))
			e++;
		for (r = i; r < e && s[r] != '.'; r++)
			;   /* v0.16b: the register before its arrangement */
		char w[32];
		if (lower_word(s + i, r - i, w, sizeof w) && strcmp(w, "sp") != 0 &&
		    strmap_value(&k->x86_registers, w, r - i)) {
			set_issue(issue, base + i, e - i, "aarch64 register", s + i, e - i);
			return 1;
		}
		i = e;
	}
	return 0;
}

/* Operands of a statement: commas outside [], (), {}. */
static int operand_count(const char *s, size_t n)
{
	int depth = 0, count = 0, any = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		depth += (c == '[' || c == '(' || c == '{') - (c == ']' || c == ')' || c == '}');
		if (c == ',' && depth == 0)
			count++;
		else if (!isspace((unsigned char)c))
			any = 1;
	}
	return any ? count + 1 : 0;
}

/* `add %0, %1, %2`: more operands than x86 as takes for the word. */
static int check_aarch64_arity(const struct knowledge *k, const char *m, size_t mlen, const char *s, size_t n,
			       size_t base, struct asm_issue *issue)
{
	const char *most = strmap_value(&k->target_arity, m, mlen);
	int count = operand_count(s, n);
	if (!most || count <= atoi(most))
		return 0;
	issue->offset = base;
	issue->len = mlen;
	snprintf(issue->what, sizeof issue->what, "aarch64 instruction `%.*s` with %d operands (x86 takes %.4s at most)",
		 (int)(mlen > 16 ? 16 : mlen), m, count, most);
	return 1;
}

/* A mnemonic both assemblers know (m, lower case, at s[i..e)): source-arch
 * code only if the operands are. */
static int check_shared_mnemonic(const struct knowledge *k, const char *m, const char *s, size_t n, size_t i,
				 size_t e, size_t base, enum asm_dialect d, struct asm_issue *issue)
{
	if (k->target_is_x86)
		return check_aarch64_operands(k, s + e, n - e, base + e, issue) ||
		       check_aarch64_arity(k, m, e - i, s + e, n - e, base + i, issue);
	if (check_registers(k, s + e, n - e, base + e, d, issue))
		return 1;
	for (size_t j = e; j < n; j++)
		if (s[j] == '$' && j + 1 < n && (isalnum((unsigned char)s[j + 1]) || s[j + 1] == '_' ||
						 s[j + 1] == '-')) {
			set_issue(issue, base + j, 1, "AT&T immediate", s + j, 2);
			return 1;
		}
	return check_bare_registers(s + e, n - e, base + e, issue);
}

/* One statement: [labels:] mnemonic operands. */
static int check_statement(const struct knowledge *k, const char *s, size_t n, size_t base,
			   enum asm_dialect d, struct asm_issue *issue)
{
	size_t i = 0;
	for (;;) {   /* labels, including numeric ones and %= */
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		size_t e = i;
		while (e < n && (is_word_char(s[e]) || s[e] == '%' || s[e] == '='))
			e++;
		if (e < n && e > i && s[e] == ':' && (e + 1 >= n || s[e + 1] != ':')) {
			i = e + 1;
			continue;
		}
		break;
	}
	size_t e = i;
	while (e < n && is_word_char(s[e]))
		e++;
	char m[32];
	size_t mlen = lower_word(s + i, e - i, m, sizeof m);
	if (!mlen)
		return 0;
	if (m[0] == '.') {
		for (size_t j = 0; !k->target_is_x86 && j < sizeof x86_directives / sizeof *x86_directives; j++)
			if (strcmp(m, x86_directives[j]) == 0) {
				set_issue(issue, base + i, mlen, "x86 assembler directive", s + i, mlen);
				return 1;
			}
		return 0;
	}
	if (strmap_value(&k->bad_mnemonics, m, mlen)) {
		char kind[32];
		snprintf(kind, sizeof kind, "%s instruction", k->source->name);
		set_issue(issue, base + i, mlen, kind, s + i, mlen);
		return 1;
	}
	if (!strmap_value(&k->x86_mnemonics, m, mlen))
		return 0;   /* not the source arch's at all: the target's own code */
	return check_shared_mnemonic(k, m, s, n, i, e, base, d, issue);
}

/* Statement separators: newline and ';'. '#' starts an x86 comment (in
 * aarch64 code it starts an immediate). */
int asm_check_text(const struct knowledge *k, const char *text, size_t len,
		   enum asm_dialect dialect, struct asm_issue *issue)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		int end = i == len || text[i] == '\n' || text[i] == ';';
		if (!end && text[i] == '#' && dialect == ASM_TEMPLATE && !k->target_is_x86) {
			size_t stop = i;
			while (i < len && text[i] != '\n')
				i++;
			if (check_statement(k, text + start, stop - start, start, dialect, issue))
				return 1;
			start = i + 1;
			continue;
		}
		if (!end)
			continue;
		if (check_statement(k, text + start, i - start, start, dialect, issue))
			return 1;
		start = i + 1;
	}
	return 0;
}

static int is_symbol_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$';
}

size_t asm_global_symbol(const char *line, const char **name)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, ".globl", 6) && strncmp(line, ".global", 7))
		return 0;
	line += line[6] == 'l' ? 7 : 6;
	if (*line != ' ' && *line != '\t')
		return 0;
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = 0;
	while (is_symbol_char(line[n]))
		n++;
	*name = line;
	return n;
}

int asm_defines_label(const char *line, const char *name, size_t n)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return !strncmp(line, name, n) && line[n] == ':';
}
