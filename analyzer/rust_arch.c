/* Lookups over the generated Rust tables (see rust_arch.h). Each table
 * becomes a hash map from its first column to its row index; the verdict
 * columns are named by rustc arch. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ruledata.h"
#include "rust_arch.h"
#include "util.h"

struct rust_table {
	const struct rd_table *t;
	struct strmap rows;   /* first cell -> row index + 1 */
};

struct rust_arch {
	struct rust_table api, features, operands, mnemonics;
	struct strmap modules;   /* the arch modules arch-api lists */
	struct strmap a64_registers;   /* aarch64-only register names */
};

static void index_table(struct rust_table *rt, const char *name, const char *key_col)
{
	rt->t = rd_find(name);
	int kc = rt->t ? rd_column(rt->t, key_col) : -1;
	for (size_t r = 0; kc >= 0 && r < rt->t->nrows; r++) {
		const char *key = rd_cell(rt->t, r, (size_t)kc);
		strmap_get(&rt->rows, key, strlen(key), 1)->value = (void *)(uintptr_t)(r + 1);
	}
}

static void add_register(struct rust_arch *ra, const char *name)
{
	strmap_get(&ra->a64_registers, name, strlen(name), 1)->value = (void *)name;
}

/* The asm! registers aarch64's rustc knows and x86_64's does not, and the
 * aarch64 register file of the KVM structs (pc, pstate, EL1 registers). */
static void load_a64_registers(struct rust_arch *ra)
{
	const struct rd_table *t = ra->operands.t;
	int kc = t ? rd_column(t, "kind") : -1, ac = t ? rd_column(t, "aarch64") : -1;
	int xc = t ? rd_column(t, "x86_64") : -1;
	for (size_t r = 0; kc >= 0 && ac >= 0 && xc >= 0 && r < t->nrows; r++)
		if (!strcmp(rd_cell(t, r, (size_t)kc), "register") && strcmp(rd_cell(t, r, (size_t)ac), "unknown") &&
		    !strcmp(rd_cell(t, r, (size_t)xc), "unknown"))
			add_register(ra, rd_cell(t, r, 0));
	t = rd_find("target-registers");
	int tc = t ? rd_column(t, "target") : -1, nc = t ? rd_column(t, "name") : -1;
	for (size_t r = 0; tc >= 0 && nc >= 0 && r < t->nrows; r++)
		if (!strcmp(rd_cell(t, r, (size_t)tc), "aarch64"))
			add_register(ra, rd_cell(t, r, (size_t)nc));
}

struct rust_arch *rust_arch_load(void)
{
	struct rust_arch *ra = xcalloc(1, sizeof *ra);
	index_table(&ra->api, "rust/arch-api", "name");
	index_table(&ra->features, "rust/target-features", "feature");
	index_table(&ra->operands, "rust/asm-operands", "operand");
	index_table(&ra->mnemonics, "rust/asm-mnemonics", "mnemonic");
	for (size_t r = 0; ra->api.t && r < ra->api.t->nrows; r++) {
		const char *m = rd_cell(ra->api.t, r, 0);
		strmap_get(&ra->modules, m, strlen(m), 1)->value = (void *)m;
	}
	load_a64_registers(ra);
	return ra;
}

void rust_arch_free(struct rust_arch *ra)
{
	if (!ra)
		return;
	strmap_free(&ra->api.rows, NULL);
	strmap_free(&ra->features.rows, NULL);
	strmap_free(&ra->operands.rows, NULL);
	strmap_free(&ra->mnemonics.rows, NULL);
	strmap_free(&ra->modules, NULL);
	strmap_free(&ra->a64_registers, NULL);
	free(ra);
}

const char *rust_source_arch(const char *target)
{
	return target && !strcmp(target, "x86_64") ? "aarch64" : "x86_64";
}

/* The cell of a key's row in a named column, or NULL. */
static const char *cell(const struct rust_table *rt, const char *s, size_t n, const char *column)
{
	if (!rt->t || n == 0)
		return NULL;
	uintptr_t r = (uintptr_t)strmap_value(&rt->rows, s, n);
	int c = rd_column(rt->t, column);
	return r && c >= 0 ? rd_cell(rt->t, r - 1, (size_t)c) : NULL;
}

const char *rust_arch_item(const struct rust_arch *ra, const char *s, size_t n)
{
	return ra ? cell(&ra->api, s, n, "kind") : NULL;
}

int rust_arch_module_known(const struct rust_arch *ra, const char *s, size_t n)
{
	if (mem_eq(s, n, "x86") || mem_eq(s, n, "x86_64"))
		return 1;   /* the forward direction's modules, which every x86 crate names */
	return ra && strmap_has(&ra->modules, s, n);
}

static enum rust_verdict verdict(const char *v)
{
	if (!v)
		return RV_UNLISTED;
	if (!strcmp(v, "valid"))
		return RV_VALID;
	if (!strcmp(v, "unstable"))
		return RV_UNSTABLE;
	return !strcmp(v, "reserved") ? RV_RESERVED : RV_INVALID;
}

enum rust_verdict rust_feature_on(const struct rust_arch *ra, const char *s, size_t n, const char *arch)
{
	return ra ? verdict(cell(&ra->features, s, n, arch)) : RV_UNLISTED;
}

enum rust_verdict rust_operand_on(const struct rust_arch *ra, const char *s, size_t n, const char *arch,
				  int *is_class)
{
	const char *kind = ra ? cell(&ra->operands, s, n, "kind") : NULL;
	*is_class = kind && !strcmp(kind, "class");
	return ra ? verdict(cell(&ra->operands, s, n, arch)) : RV_UNLISTED;
}

int rust_a64_mnemonic_x86_unknown(const struct rust_arch *ra, const char *s, size_t n)
{
	const char *v = ra ? cell(&ra->mnemonics, s, n, "x86_64") : NULL;
	return !v ? -1 : !strcmp(v, "unknown");
}

/* `elr_el2`: the architectural names of aarch64 system registers end in
 * the exception level that owns them. */
static int el_suffix(const char *w, size_t n)
{
	return n > 4 && w[n - 4] == '_' && w[n - 3] == 'e' && w[n - 2] == 'l' && w[n - 1] >= '0' && w[n - 1] <= '3';
}

int rust_a64_register_strength(const struct rust_arch *ra, const char *w, size_t n)
{
	if (el_suffix(w, n))
		return 2;
	if (!ra || !strmap_has(&ra->a64_registers, w, n))
		return 0;
	/* x0-x30, w0-w30, v/q/d/s/h/b0-31, p0-15: a letter and a number */
	int numbered = n >= 2 && isalpha((unsigned char)w[0]) && isdigit((unsigned char)w[1]);
	return numbered && strchr("xwvq", w[0]) ? 2 : 1;
}
