#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "knowledge.h"
#include "ruledata.h"
#include "rules.h"
#include "rust_arch.h"

/* Names that select x86 code in #if conditions (compiler-predefined on
 * x86 by gcc, clang or MSVC). */
static const char *const x86_arch_macros[] = {
	"__x86_64__", "__x86_64", "__amd64__", "__amd64", "__i386__", "__i386", "i386",
	"__i486__", "__i586__", "__i686__", "_M_X64", "_M_AMD64", "_M_IX86", "__X86__",
	"_X86_", "__SSE__", "__SSE2__", "__SSE3__", "__SSSE3__", "__SSE4_1__", "__SSE4_2__",
	"__AVX__", "__AVX2__", "__AVX512F__", "__MMX__",
};

/* Types and named address spaces gcc provides only on x86 (the aarch64 and
 * riscv64 compilers say "unknown type name"; checked with both). */
static const char *const x86_keyword_types[] = {
	"__float80", "__float128", "__seg_fs", "__seg_gs",
};

static const struct source_arch x86_source = {
	"x86", "__x86_64__", "__builtin_ia32_",
	RULE_ASM_X86, RULE_INTRINSIC, RULE_VECTOR_TYPE, RULE_HEADER, RULE_ASM_FILE, RULE_GATED,
	RULE_BUILD_FLAG, RULE_BUILD_MARCH,
};

/* NEON/ACLE types are reported with the intrinsics: one rule for the
 * arm_neon.h vocabulary. */
static const struct source_arch aarch64_source = {
	"aarch64", "__aarch64__", "__builtin_aarch64_",
	RULE_ASM_AARCH64, RULE_INTRINSIC_ARM, RULE_INTRINSIC_ARM, RULE_HEADER_ARM,
	RULE_ASM_FILE_AARCH64, RULE_GATED_AARCH64, RULE_BUILD_FLAG_AARCH64, RULE_BUILD_MARCH_AARCH64,
};

static const char *table_target_cell(const struct rd_table *t, size_t row, const char *target)
{
	int c = rd_column(t, target);
	return c < 0 ? NULL : rd_cell(t, row, (size_t)c);
}

/* Adds every row of `table` whose target column equals `bad` to `map`,
 * keyed by `key_col` with an optional prefix. */
static void load_bad(struct strmap *map, const char *table, const char *key_col,
		     const char *prefix_col, const char *target, const char *bad)
{
	const struct rd_table *t = rd_find(table);
	if (!t)
		return;
	int kc = rd_column(t, key_col);
	int pc = prefix_col ? rd_column(t, prefix_col) : -1;
	for (size_t r = 0; kc >= 0 && r < t->nrows; r++) {
		const char *v = table_target_cell(t, r, target);
		if (!v || strcmp(v, bad) != 0)
			continue;
		const char *key = rd_cell(t, r, (size_t)kc);
		if (pc >= 0) {
			char *k = xasprintf("%s=%s", rd_cell(t, r, (size_t)pc), key);
			strmap_get(map, k, strlen(k), 1)->value = (void *)rd_cell(t, r, (size_t)kc);
			free(k);
		} else {
			strmap_get(map, key, strlen(key), 1)->value = (void *)key;
		}
	}
}

static void add_name(struct knowledge *k, const char *name, unsigned kind, const char *header)
{
	unsigned key = knowledge_filter_key(name, strlen(name));
	k->name_filter[key >> 3] |= (unsigned char)(1u << (key & 7));
	struct strmap_entry *e = strmap_get(&k->names, name, strlen(name), 1);
	struct x86_name *x = e->value;
	if (!x) {
		x = xcalloc(1, sizeof *x);
		x->header = header;
		e->value = x;
	}
	x->kinds |= kind;
}

static void load_names(struct knowledge *k, const char *table, unsigned kind,
		       const char *header_col)
{
	const struct rd_table *t = rd_find(table);
	if (!t)
		return;
	int nc = rd_column(t, "name");
	int hc = header_col ? rd_column(t, header_col) : -1;
	for (size_t r = 0; nc >= 0 && r < t->nrows; r++) {
		const char *own = table_target_cell(t, r, k->target);
		if (own && strcmp(own, "target-too") == 0)
			continue;   /* the target declares the same name (ACLE __crc32d) */
		add_name(k, rd_cell(t, r, (size_t)nc), kind,
			 hc >= 0 ? rd_cell(t, r, (size_t)hc) : NULL);
	}
}

/* The source arch's layout of each vector type (x86_64's for __m128i,
 * aarch64's for uint8x16_t), so that the stub can keep a struct with
 * such a member complete on the target. */
static void load_type_layouts(struct knowledge *k, const char *table)
{
	const struct rd_table *t = rd_find(table);
	int nc = t ? rd_column(t, "name") : -1, sc = t ? rd_column(t, "size") : -1;
	int ac = t ? rd_column(t, "align") : -1;
	for (size_t r = 0; nc >= 0 && sc >= 0 && ac >= 0 && r < t->nrows; r++) {
		const char *name = rd_cell(t, r, (size_t)nc);
		struct x86_name *x = strmap_value(&k->names, name, strlen(name));
		if (x) {
			x->size = (unsigned)strtoul(rd_cell(t, r, (size_t)sc), NULL, 10);
			x->align = (unsigned)strtoul(rd_cell(t, r, (size_t)ac), NULL, 10);
		}
	}
}

/* REG_RIP and friends count only where the target does not define them. */
static void load_context_registers(struct knowledge *k)
{
	const struct rd_table *t = rd_find("x86/context-registers");
	if (!t)
		return;
	int nc = rd_column(t, "name");
	for (size_t r = 0; nc >= 0 && r < t->nrows; r++) {
		const char *v = table_target_cell(t, r, k->target);
		if (v && strcmp(v, "undefined") == 0)
			add_name(k, rd_cell(t, r, (size_t)nc), X86_CONTEXT_REG, "sys/ucontext.h");
	}
}

static void load_all_mnemonics(struct knowledge *k, const char *table)
{
	const struct rd_table *t = rd_find(table);
	if (!t)
		return;
	int mc = rd_column(t, "mnemonic");
	for (size_t r = 0; mc >= 0 && r < t->nrows; r++) {
		const char *m = rd_cell(t, r, (size_t)mc);
		const char *v = table_target_cell(t, r, k->target);
		strmap_get(&k->x86_mnemonics, m, strlen(m), 1)->value =
			(void *)(v && strcmp(v, "unknown") == 0 ? "unknown" : "known");
	}
}

static void load_all_registers(struct knowledge *k, const char *table)
{
	const struct rd_table *t = rd_find(table);
	if (!t)
		return;
	int nc = rd_column(t, "name"), cc = rd_column(t, "class");
	for (size_t r = 0; nc >= 0 && cc >= 0 && r < t->nrows; r++) {
		const char *n = rd_cell(t, r, (size_t)nc);
		strmap_get(&k->x86_registers, n, strlen(n), 1)->value = (void *)rd_cell(t, r, (size_t)cc);
	}
}

static enum rust_api_match parse_match(const char *s)
{
	if (!strcmp(s, "prefix"))
		return AM_PREFIX;
	if (!strcmp(s, "contains"))
		return AM_CONTAINS;
	if (!strcmp(s, "module"))
		return AM_MODULE;
	return !strcmp(s, "crate") ? AM_CRATE : AM_EXACT;
}

/* The Rust porting-work vocabulary: x86-only crate APIs and x86 state
 * field names beyond the register file. */
static void load_rust_tables(struct knowledge *k)
{
	const struct rd_table *t = rd_find("rust/x86-api");
	int cc = t ? rd_column(t, "crate") : -1, nc = t ? rd_column(t, "name") : -1;
	int mc = t ? rd_column(t, "match") : -1, oc = t ? rd_column(t, "on_target") : -1;
	int wc = t ? rd_column(t, "why") : -1;
	if (cc >= 0 && nc >= 0 && mc >= 0 && oc >= 0 && wc >= 0 && t->nrows) {
		k->rust_api = xcalloc(t->nrows, sizeof *k->rust_api);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *crate = rd_cell(t, r, (size_t)cc), *on = rd_cell(t, r, (size_t)oc);
			k->rust_api[r] = (struct rust_api_row){
				.crate = strcmp(crate, "-") ? crate : NULL,
				.name = rd_cell(t, r, (size_t)nc),
				.why = rd_cell(t, r, (size_t)wc),
				.match = parse_match(rd_cell(t, r, (size_t)mc)),
				.on = !strcmp(on, "missing") ? AT_MISSING : !strcmp(on, "empty") ? AT_EMPTY : AT_BUILDS,
			};
		}
		k->nrust_api = t->nrows;
	}
	t = rd_find("rust/x86-state-fields");
	nc = t ? rd_column(t, "name") : -1;
	int sc = t ? rd_column(t, "strength") : -1;
	for (size_t r = 0; nc >= 0 && sc >= 0 && r < t->nrows; r++) {
		const char *n = rd_cell(t, r, (size_t)nc);
		strmap_get(&k->x86_state_fields, n, strlen(n), 1)->value = (void *)rd_cell(t, r, (size_t)sc);
	}
}

static enum attr_verdict parse_verdict(const char *v)
{
	if (v && strcmp(v, "error") == 0)
		return ATTR_ERROR;
	if (v && strcmp(v, "ignored") == 0)
		return ATTR_IGNORED;
	return ATTR_OK;
}

/* How x86_64 gcc treats aarch64 target attributes and pragmas (the worst
 * verdict of each construct's probes). */
static void load_aarch64_attr_verdicts(struct knowledge *k)
{
	const struct rd_table *t = rd_find("aarch64/target-attr");
	int cc = t ? rd_column(t, "construct") : -1, vc = t ? rd_column(t, k->target) : -1;
	k->x86_target_attr = k->x86_pragma_target = ATTR_OK;
	for (size_t r = 0; cc >= 0 && vc >= 0 && r < t->nrows; r++) {
		enum attr_verdict v = parse_verdict(rd_cell(t, r, (size_t)vc));
		enum attr_verdict *slot = strcmp(rd_cell(t, r, (size_t)cc), "pragma") ? &k->x86_target_attr
										: &k->x86_pragma_target;
		if (v > *slot)
			*slot = v;
	}
}

/* How many operands x86 as takes for each mnemonic aarch64 shares with it:
 * `add x0, x1, x2` has one too many. */
static void load_target_arity(struct knowledge *k)
{
	const struct rd_table *t = rd_find("aarch64/mnemonics");
	int mc = t ? rd_column(t, "mnemonic") : -1, ac = t ? rd_column(t, "x86_operands") : -1;
	for (size_t r = 0; mc >= 0 && ac >= 0 && r < t->nrows; r++) {
		const char *m = rd_cell(t, r, (size_t)mc), *a = rd_cell(t, r, (size_t)ac);
		if (strcmp(a, "-") != 0)
			strmap_get(&k->target_arity, m, strlen(m), 1)->value = (void *)a;
	}
}

/* rules/aarch64/names.tsv: the kind column says intrinsic or type. */
static void load_aarch64_names(struct knowledge *k)
{
	const struct rd_table *t = rd_find("aarch64/names");
	int nc = t ? rd_column(t, "name") : -1, kc = t ? rd_column(t, "kind") : -1;
	int hc = t ? rd_column(t, "header") : -1;
	for (size_t r = 0; nc >= 0 && kc >= 0 && hc >= 0 && r < t->nrows; r++) {
		const char *own = table_target_cell(t, r, k->target);
		if (own && strcmp(own, "target-too") == 0)
			continue;   /* x86 declares it too (__crc32d, uint8_t) */
		add_name(k, rd_cell(t, r, (size_t)nc), strcmp(rd_cell(t, r, (size_t)kc), "type") ? X86_INTRINSIC : X86_TYPE,
			 rd_cell(t, r, (size_t)hc));
	}
}

/* column `key` -> column `value` of every row of `table`. */
static void load_pairs(struct strmap *map, const char *table, const char *key, const char *value)
{
	const struct rd_table *t = rd_find(table);
	int kc = t ? rd_column(t, key) : -1, vc = t ? rd_column(t, value) : -1;
	for (size_t r = 0; kc >= 0 && vc >= 0 && r < t->nrows; r++) {
		const char *k = rd_cell(t, r, (size_t)kc);
		strmap_get(map, k, strlen(k), 1)->value = (void *)rd_cell(t, r, (size_t)vc);
	}
}

/* The tables both directions have, from the source arch's directory
 * (rules/x86/, rules/aarch64/): what the target's gcc and as reject. */
static void load_source_tables(struct knowledge *k)
{
	const struct {
		struct strmap *map;
		const char *table, *key, *prefix, *bad;
	} tables[] = {
		{ &k->headers, "headers", "header", NULL, "missing" },
		{ &k->bad_mnemonics, "mnemonics", "mnemonic", NULL, "unknown" },
		{ &k->bad_registers, "registers", "name", NULL, "error" },
		{ &k->bad_constraints, "constraints", "constraint", NULL, "error" },
		{ &k->bad_mflags, "mflags", "option", NULL, "unknown" },
		{ &k->bad_march, "march", "value", "option", "invalid" },
	};
	const char *dir = k->source->name;
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		char *name = xasprintf("%s/%s", dir, tables[i].table);
		load_bad(tables[i].map, name, tables[i].key, tables[i].prefix, k->target, tables[i].bad);
		free(name);
	}
	char *simde = xasprintf("%s/simde", dir), *simde_headers = xasprintf("%s/simde-headers", dir);
	load_pairs(&k->simde_names, simde, "name", "header");
	load_pairs(&k->simde_reads, simde_headers, "header", "reads");
	free(simde);
	free(simde_headers);
	char *mnemonics = xasprintf("%s/mnemonics", dir), *registers = xasprintf("%s/registers", dir);
	load_all_mnemonics(k, mnemonics);
	load_all_registers(k, registers);
	free(mnemonics);
	free(registers);
}

const char *knowledge_x86_register_class(const struct knowledge *k, const char *s, size_t n)
{
	return strmap_value(&k->x86_registers, s, n);
}

/* The target's rows of rules/target-registers.tsv, ordered by their
 * `order` cell (the generator writes them sorted; the column says so). */
struct ordered_row {
	long order;
	size_t row;
};

static int cmp_order(const void *a, const void *b)
{
	long x = ((const struct ordered_row *)a)->order, y = ((const struct ordered_row *)b)->order;
	return (x > y) - (x < y);
}

static void load_register_set(struct knowledge *k)
{
	const struct rd_table *t = rd_find("target-registers");
	if (!t)
		return;
	int tc = rd_column(t, "target"), oc = rd_column(t, "order"), nc = rd_column(t, "name");
	int cc = rd_column(t, "class"), rc = rd_column(t, "rust_type");
	int dc = rd_column(t, "description");
	if (tc < 0 || oc < 0 || nc < 0 || cc < 0 || rc < 0 || dc < 0)
		return;
	struct ordered_row *rows = xcalloc(t->nrows ? t->nrows : 1, sizeof *rows);
	size_t n = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(rd_cell(t, r, (size_t)tc), k->target) == 0)
			rows[n++] = (struct ordered_row){ strtol(rd_cell(t, r, (size_t)oc), NULL, 10), r };
	qsort(rows, n, sizeof *rows, cmp_order);
	if (n)
		k->registers = xcalloc(n, sizeof *k->registers);
	for (size_t i = 0; i < n; i++) {
		size_t r = rows[i].row;
		k->registers[i] = (struct target_register){
			.name = rd_cell(t, r, (size_t)nc),
			.reg_class = rd_cell(t, r, (size_t)cc),
			.rust_type = rd_cell(t, r, (size_t)rc),
			.description = rd_cell(t, r, (size_t)dc),
		};
	}
	k->nregisters = n;
	free(rows);
}

size_t knowledge_register_set(const struct knowledge *k, const struct target_register **out)
{
	*out = k->registers;
	return k->nregisters;
}

static void load_macros(struct knowledge *k)
{
	char name[64];
	snprintf(name, sizeof name, "macros/%s.gcc", k->target);
	const struct rd_table *t = rd_find(name);
	if (!t)
		return;
	int nc = rd_column(t, "name"), vc = rd_column(t, "value");
	for (size_t r = 0; nc >= 0 && vc >= 0 && r < t->nrows; r++) {
		const char *n = rd_cell(t, r, (size_t)nc);
		strmap_get(&k->macros, n, strlen(n), 1)->value = (void *)rd_cell(t, r, (size_t)vc);
	}
}

static int load_target_row(struct knowledge *k, const char *target)
{
	const struct rd_table *t = rd_find("targets");
	if (!t)
		return 0;
	int nc = rd_column(t, "name");
	for (size_t r = 0; nc >= 0 && r < t->nrows; r++) {
		if (strcmp(rd_cell(t, r, (size_t)nc), target) != 0)
			continue;
		k->target = rd_cell(t, r, (size_t)nc);
		k->triple = rd_cell(t, r, (size_t)rd_column(t, "triple"));
		k->target_is_x86 = strcmp(rd_cell(t, r, (size_t)rd_column(t, "family")), "x86") == 0;
		k->x86_target_attr = parse_verdict(rd_cell(t, r, (size_t)rd_column(t, "x86_target_attr")));
		k->x86_pragma_target = parse_verdict(rd_cell(t, r, (size_t)rd_column(t, "x86_pragma_target")));
		return 1;
	}
	return 0;
}

const char *knowledge_target_names(void)
{
	static char names[256];
	const struct rd_table *t = rd_find("targets");
	names[0] = '\0';
	for (size_t r = 0; t && r < t->nrows; r++) {
		if (r)
			strncat(names, "|", sizeof names - strlen(names) - 1);
		strncat(names, rd_cell(t, r, 0), sizeof names - strlen(names) - 1);
	}
	return names;
}

struct knowledge *knowledge_load(const char *target)
{
	struct knowledge *k = xcalloc(1, sizeof *k);
	if (!load_target_row(k, target)) {
		fprintf(stderr, "archport: unknown target '%s' (known: %s)\n", target,
			knowledge_target_names());
		free(k);
		return NULL;
	}
	k->source = k->target_is_x86 ? &aarch64_source : &x86_source;
	load_macros(k);
	load_register_set(k);
	k->rust_arch = rust_arch_load();
	if (!k->target_is_x86) {
		load_names(k, "x86/intrinsics", X86_INTRINSIC, "header");
		load_names(k, "x86/types", X86_TYPE, "header");
		load_type_layouts(k, "x86/types");
		load_names(k, "x86/portio", X86_PORT_IO, NULL);
		load_context_registers(k);
		for (size_t i = 0; i < sizeof x86_arch_macros / sizeof *x86_arch_macros; i++)
			add_name(k, x86_arch_macros[i], X86_ARCH_MACRO, NULL);
		for (size_t i = 0; i < sizeof x86_keyword_types / sizeof *x86_keyword_types; i++)
			add_name(k, x86_keyword_types[i], X86_TYPE, "an x86 gcc extension");
		load_rust_tables(k);
	} else {   /* the reverse port: what only aarch64 has */
		load_aarch64_names(k);
		load_type_layouts(k, "aarch64/types");
		load_target_arity(k);
		load_aarch64_attr_verdicts(k);
	}
	load_source_tables(k);
	return k;
}

static void free_name(void *p)
{
	free(p);
}

void knowledge_free(struct knowledge *k)
{
	if (!k)
		return;
	strmap_free(&k->macros, NULL);
	strmap_free(&k->names, free_name);
	strmap_free(&k->headers, NULL);
	strmap_free(&k->bad_mnemonics, NULL);
	strmap_free(&k->x86_mnemonics, NULL);
	strmap_free(&k->target_arity, NULL);
	strmap_free(&k->bad_registers, NULL);
	strmap_free(&k->x86_registers, NULL);
	strmap_free(&k->x86_state_fields, NULL);
	free(k->rust_api);
	strmap_free(&k->bad_constraints, NULL);
	strmap_free(&k->bad_mflags, NULL);
	strmap_free(&k->bad_march, NULL);
	strmap_free(&k->simde_names, NULL);
	strmap_free(&k->simde_reads, NULL);
	free(k->registers);
	rust_arch_free(k->rust_arch);
	free(k);
}

const struct x86_name *knowledge_name(const struct knowledge *k, const char *s, size_t n)
{
	return strmap_value(&k->names, s, n);
}
