/* Porting work and runtime hazards in Rust code the target compiles:
 * x86 register fields in shared types (rust/x86-registers), x86-only APIs
 * of well-known crates (rust/x86-api), build scripts that hard-code x86
 * (rust/build-x86), and x86 code emitters (rust/jit-x86).
 *
 * rust_scan.c's walk hands every node it visits to rust_hazards_node with
 * its cfg reachability; it does not descend into paths, use trees or macro
 * token trees, so those are read here leaf by leaf. Gated-out code
 * (TRI_FALSE) goes through rust_report like everything else and becomes a
 * rust/gated-x86 note. Nothing is reported when the target is x86. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "knowledge.h"
#include "rules.h"
#include "rust_arch.h"
#include "rust_internal.h"

/* ---- vocabulary: rules/rust/x86-api.tsv (knowledge.c loads it) ---- */

static int is_api_crate(const struct knowledge *k, const char *s, size_t n)
{
	for (size_t i = 0; i < k->nrust_api; i++)
		if (k->rust_api[i].crate && mem_eq(s, n, k->rust_api[i].crate))
			return 1;
	return 0;
}

/* ---- per-file state ---- */

/* A deferred finding: the first candidate the target compiles wins over a
 * gated-out one, so a file reports each kind once. */
struct site {
	int set;
	uint32_t start, end;
	enum tri reach;
	char *msg;
};

/* Consts numbering x86 registers (`const RAX: u8 = 0;`), by encoding. */
struct regnum {
	unsigned mask;
	uint32_t name_start[16], name_end[16];
	struct site at;
};

enum fn_target { FT_NONE, FT_FN, FT_ALIAS };

struct transmute {
	uint32_t start, end;
	enum tri reach;
	enum fn_target kind;
	const char *alias;   /* the type name, inside the source */
	size_t alias_n;
};

/* A use of a name no listed crate provides (`-` rows), kept until the end
 * of the file: the file may define the name itself. */
struct pending_api {
	char *shown;
	uint32_t start, end;
	enum tri reach;
	const struct rust_api_row *row;
};

struct rust_hazards {
	const struct knowledge *k;
	struct strmap api_warned, api_noted;   /* names rust/x86-api reported */
	struct strmap api_defined;             /* `-` row names the file defines */
	struct strmap api_pending_ix;          /* name -> 1 + index in api_pending */
	struct pending_api *api_pending;
	size_t napi_pending, api_pending_cap;
	struct strmap globs;                   /* table crates with `use crate::*` */
	struct strmap fn_aliases;              /* `type F = extern "C" fn()` */
	struct site jit_enum, jit_exec;
	struct regnum consts_live, consts_all;
	struct transmute *transmutes;
	size_t ntransmutes, transmutes_cap;
	int icache_flush;                      /* the file flushes the icache */
};

void rust_hazards_begin(struct rust_file *rf)
{
	rf->hz = xcalloc(1, sizeof *rf->hz);
	rf->hz->k = rf->k;
}

static void site_offer(struct site *s, uint32_t start, uint32_t end, enum tri reach, char *msg)
{
	if (s->set && !(s->reach == TRI_FALSE && reach != TRI_FALSE)) {
		free(msg);
		return;
	}
	free(s->msg);
	*s = (struct site){ 1, start, end, reach, msg };
}

static void site_report(struct rust_file *rf, const struct site *s, const char *rule, const char *fix)
{
	if (s->set)
		rust_report(rf, rule, SEV_WARNING, s->reach, s->start, s->end, fix, s->msg);
}

static const char *field_text(const struct rust_file *rf, TSNode n, const char *field, size_t *len)
{
	TSNode c = ts_node_child_by_field_name(n, field, (uint32_t)strlen(field));
	*len = 0;
	return ts_node_is_null(c) ? NULL : rust_node_text(rf, c, len);
}

static int type_is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && !strcmp(ts_node_type(n), type);
}

/* ---- rust/x86-registers ---- */

/* Register classes of x86/registers.tsv whose names are never ordinary
 * words; segment (cs, ds), mask (k0), x87 (st) and the 8/16-bit gprs (ah,
 * bl, di) are, so they count only next to these. */
static const char *const strong_classes[] = { "control", "sse", "avx", "avx512", "mmx", "amx", "mpx", "ip" };

static int strong_register(const char *w, size_t n, const char *cls)
{
	for (size_t i = 0; i < sizeof strong_classes / sizeof *strong_classes; i++)
		if (!strcmp(cls, strong_classes[i]))
			return 1;
	if (!strcmp(cls, "debug"))
		return w[1] == 'r';   /* dr0-dr15; db0-db15 read like words */
	if (!strcmp(cls, "flags"))
		return n > 5;         /* rflags, eflags; not "flags" or "fpsr" */
	if (strcmp(cls, "gpr") != 0)
		return 0;
	/* rax..rsp, eax..esp and r8d/r10w/r15b; r8-r15 alone are also the
	 * 32-bit Arm registers, so they stay weak. */
	if (n == 3 && (w[0] == 'r' || w[0] == 'e') && isalpha((unsigned char)w[1]) && isalpha((unsigned char)w[2]))
		return 1;
	return w[0] == 'r' && isdigit((unsigned char)w[1]) && isalpha((unsigned char)w[n - 1]);
}

static int target_register(const struct knowledge *k, const char *w)
{
	const struct target_register *regs;
	size_t n = knowledge_register_set(k, &regs);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(regs[i].name, w))
			return 1;
	return 0;
}

/* 0: not an x86 register name; 1: weak (also a word); 2: strong. A name
 * the target itself has (sp, fpsr on aarch64) never counts. */
static int register_strength(const struct rust_file *rf, const char *s, size_t n)
{
	char w[32];
	if (!lower_word(s, n, w, sizeof w))
		return 0;
	if (rf->k->target_is_x86)   /* the reverse port: aarch64 registers */
		return rust_a64_register_strength(rf->k->rust_arch, w, n);
	if (target_register(rf->k, w))
		return 0;
	const char *extra = strmap_value(&rf->k->x86_state_fields, w, n);
	if (extra)
		return strcmp(extra, "strong") ? 1 : 2;
	const char *cls = knowledge_x86_register_class(rf->k, w, n);
	if (!cls)
		return 0;
	return strong_register(w, n, cls) ? 2 : 1;
}

/* A `#[cfg(...)]` attribute on a field, evaluated for the target. */
static enum tri field_attr_cfg(struct rust_file *rf, TSNode attr_item)
{
	TSNode attr = ts_node_named_child(attr_item, 0);
	size_t n, an;
	const char *name = rust_node_text(rf, ts_node_named_child(attr, 0), &n);
	const char *args = field_text(rf, attr, "arguments", &an);
	if (!mem_eq(name, n, "cfg") || !args || an < 2)
		return TRI_TRUE;
	return rust_cfg_eval(&rf->env, args + 1, an - 2);
}

#define MAX_LISTED 4

struct reg_fields {
	int fields, strong, weak;
	const char *names[MAX_LISTED];
	size_t lens[MAX_LISTED];
	int listed;
};

static void count_field(struct rust_file *rf, TSNode field, struct reg_fields *out)
{
	size_t n;
	const char *name = field_text(rf, field, "name", &n);
	int s = name ? register_strength(rf, name, n) : 0;
	if (!s)
		return;
	if (s == 2)
		out->strong++;
	else
		out->weak++;
	if (out->listed < MAX_LISTED) {
		out->names[out->listed] = name;
		out->lens[out->listed++] = n;
	}
}

static char *register_message(struct rust_file *rf, TSNode item, const struct reg_fields *f)
{
	size_t nn;
	const char *name = field_text(rf, item, "name", &nn);
	struct strbuf sb = { 0 };
	sb_addf(&sb, "%s %.*s has %s register fields (", type_is(item, "union_item") ? "union" : "struct",
		(int)nn, name, rf->k->target_is_x86 ? "aarch64" : "x86");
	for (int i = 0; i < f->listed; i++)
		sb_addf(&sb, "%s%.*s", i ? ", " : "", (int)f->lens[i], f->names[i]);
	if (f->strong + f->weak > f->listed)
		sb_addf(&sb, ", ... %d in all", f->strong + f->weak);
	sb_addf(&sb, "): the %s build keeps an %s register layout; give the target a twin with its own register set",
		rf->k->target, rf->k->target_is_x86 ? "aarch64" : "x86");
	return sb_detach(&sb);
}

/* Two names that are registers only (rax, rip, cr3, xmm0), or one next to
 * two of the short ones (cs, ss, ah): `struct Flags { ah: u8, cs: u8 }`
 * is not enough. And registers must make half the fields: KVM's shared
 * `struct kvm_run` has cr8 and apic_base among a dozen others. */
static void check_register_struct(struct rust_file *rf, TSNode item, enum tri reach)
{
	TSNode body = ts_node_child_by_field_name(item, "body", 4);
	if (!type_is(body, "field_declaration_list"))
		return;
	struct reg_fields f = { 0 };
	enum tri cfg = TRI_TRUE;
	for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
		TSNode c = ts_node_named_child(body, i);
		if (type_is(c, "attribute_item")) {
			cfg = tri_and(cfg, field_attr_cfg(rf, c));
		} else if (type_is(c, "field_declaration")) {
			if (cfg != TRI_FALSE) {
				f.fields++;
				count_field(rf, c, &f);
			}
			cfg = TRI_TRUE;
		}
	}
	if ((f.strong < 2 && !(f.strong == 1 && f.weak >= 2)) || 2 * (f.strong + f.weak) < f.fields)
		return;
	TSNode name = ts_node_child_by_field_name(item, "name", 4);
	char *msg = register_message(rf, item, &f);
	rust_report(rf, rf->k->target_is_x86 ? RULE_RUST_AARCH64_REGISTERS : RULE_RUST_X86_REGISTERS, SEV_WARNING,
		    reach, ts_node_start_byte(name), ts_node_end_byte(name), rf->k->target_is_x86 ? "port" : "stub", msg);
	free(msg);
}

/* ---- rust/x86-api ---- */

static int name_matches(const struct rust_api_row *row, const char *s, size_t n)
{
	size_t rn = strlen(row->name);
	switch (row->match) {
	case AM_PREFIX:
		return n >= rn && memcmp(s, row->name, rn) == 0;
	case AM_CONTAINS:
		for (size_t i = 0; i + rn <= n; i++)
			if (memcmp(s + i, row->name, rn) == 0)
				return 1;
		return 0;
	default:
		return mem_eq(s, n, row->name);
	}
}

/* Where an identifier sits: the first segment of its path (root), or a
 * later one (reached through root). */
struct token {
	TSNode node;
	const char *s;
	size_t n;
	const char *root;
	size_t root_n;
	int start;   /* the identifier is the path's first segment */
};

static const struct rust_api_row *api_lookup(const struct rust_hazards *hz, const struct token *t)
{
	for (size_t i = 0; i < hz->k->nrust_api; i++) {
		const struct rust_api_row *row = &hz->k->rust_api[i];
		if (!row->crate) {
			if (name_matches(row, t->s, t->n))
				return row;
			continue;
		}
		if (row->match == AM_CRATE) {
			if (t->start && mem_eq(t->s, t->n, row->crate))
				return row;
			continue;
		}
		int via = t->start ? hz->globs.len && strmap_has(&hz->globs, row->crate, strlen(row->crate))
				   : mem_eq(t->root, t->root_n, row->crate);
		if (via && (row->match == AM_MODULE ? mem_eq(t->s, t->n, row->name) : name_matches(row, t->s, t->n)))
			return row;
	}
	return NULL;
}

/* The definition of a name (`const HV_X64_FOO: u32 = 1;`) is not a use
 * of a crate's API. */
static int is_definition(TSNode n)
{
	TSNode p = ts_node_parent(n);
	return !ts_node_is_null(p) && ts_node_eq(ts_node_child_by_field_name(p, "name", 4), n);
}

/* One finding per name per file; a gated-out note does not hide a later
 * use the target compiles. */
static int api_first(struct rust_hazards *hz, const char *key, size_t n, enum tri reach)
{
	if (strmap_has(&hz->api_warned, key, n))
		return 0;
	if (reach == TRI_FALSE) {
		if (strmap_has(&hz->api_noted, key, n))
			return 0;
		strmap_get(&hz->api_noted, key, n, 1);
		return 1;
	}
	strmap_get(&hz->api_warned, key, n, 1);
	return 1;
}

static char *api_message(const struct rust_file *rf, const struct rust_api_row *row, const char *shown)
{
	const char *target = rf->k->target;
	switch (row->on) {
	case AT_MISSING:
		return xasprintf("`%s` does not exist on %s (unresolved import or name): %s", shown, target, row->why);
	case AT_EMPTY:
		return xasprintf("`%s` is an empty struct on %s: %s; port the code that uses it", shown, target,
				 row->why);
	default:
		return xasprintf("`%s` builds on %s but is x86-only: %s", shown, target, row->why);
	}
}

static void api_emit(struct rust_file *rf, const struct rust_api_row *row, const char *shown, uint32_t start,
		     uint32_t end, enum tri reach)
{
	if (!api_first(rf->hz, shown, strlen(shown), reach))
		return;
	char *msg = api_message(rf, row, shown);
	rust_report(rf, RULE_RUST_X86_API, row->on == AT_MISSING ? SEV_ERROR : SEV_WARNING, reach, start, end, "gate",
		    msg);
	free(msg);
}

/* The first use of a `-` row name, or the first the target compiles. */
static void api_defer(struct rust_hazards *hz, const struct rust_api_row *row, const struct token *t, enum tri reach)
{
	struct strmap_entry *e = strmap_get(&hz->api_pending_ix, t->s, t->n, 1);
	struct pending_api p = { NULL, ts_node_start_byte(t->node), ts_node_end_byte(t->node), reach, row };
	if (e->value) {
		struct pending_api *old = &hz->api_pending[(size_t)e->value - 1];
		if (old->reach == TRI_FALSE && reach != TRI_FALSE) {
			p.shown = old->shown;
			*old = p;
		}
		return;
	}
	p.shown = xstrndup(t->s, t->n);
	GROW(hz->api_pending, hz->napi_pending, hz->api_pending_cap);
	hz->api_pending[hz->napi_pending++] = p;
	e->value = (void *)hz->napi_pending;
}

static void api_token(struct rust_file *rf, const struct token *t, enum tri reach)
{
	const struct rust_api_row *row = api_lookup(rf->hz, t);
	/* In a branch `if cfg!(...)` keeps from running, only what fails to
	 * compile matters. */
	if (!row || (rf->in_cfg_macro && row->on != AT_MISSING))
		return;
	if (!row->crate) {
		if (t->start && is_definition(t->node))
			strmap_get(&rf->hz->api_defined, t->s, t->n, 1);
		else
			api_defer(rf->hz, row, t, reach);
		return;
	}
	char *shown = row->match == AM_CRATE ? xstrdup(row->crate)
					     : xasprintf("%s::%.*s", row->crate, (int)t->n, t->s);
	api_emit(rf, row, shown, ts_node_start_byte(t->node), ts_node_end_byte(t->node), reach);
	free(shown);
}

static void api_finish(struct rust_file *rf)
{
	struct rust_hazards *hz = rf->hz;
	for (size_t i = 0; i < hz->napi_pending; i++) {
		struct pending_api *p = &hz->api_pending[i];
		if (!strmap_has(&hz->api_defined, p->shown, strlen(p->shown)))
			api_emit(rf, p->row, p->shown, p->start, p->end, p->reach);
		free(p->shown);
	}
	free(hz->api_pending);
	strmap_free(&hz->api_pending_ix, NULL);
	strmap_free(&hz->api_defined, NULL);
}

/* ---- rust/jit-x86 ---- */

/* x86_64 register number in the ModRM/REX encoding (rax=0 ... r15=15),
 * or -1. Only the 64-bit names: gdb numbers the 32-bit ones (eax, ecx,
 * edx, ebx, ...) in the same order, so they do not tell an emitter. */
static int x86_reg_number(const char *s, size_t n)
{
	static const char *const low[8] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi" };
	char w[8];
	if (n < 2 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	w[n] = '\0';
	for (int i = 0; i < 8; i++)
		if (!strcmp(w, low[i]))
			return i;
	if (w[0] != 'r' || !isdigit((unsigned char)w[1]) || (n == 3 && !isdigit((unsigned char)w[2])))
		return -1;
	int v = atoi(w + 1);
	return v >= 8 && v <= 15 ? v : -1;
}

/* An integer literal (`7`, `0x0f`, `3u8`, `1_0`), or -1. */
static long int_literal(const struct rust_file *rf, TSNode n)
{
	if (!type_is(n, "integer_literal"))
		return -1;
	size_t len;
	const char *s = rust_node_text(rf, n, &len);
	char buf[32];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < sizeof buf; i++)
		if (s[i] != '_')
			buf[o++] = s[i];
	buf[o] = '\0';
	int base = 10;
	const char *p = buf;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
		base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		p += 2;
	}
	char *end;
	long v = strtol(p, &end, base);
	return end == p ? -1 : v;
}

/* The low eight in encoding order: DWARF (rax, rdx, rcx, ...) and gdb
 * (rax, rbx, rcx, ...) numberings share only rax, rbx and r8-r15. */
static int x86_numbering(unsigned mask)
{
	return __builtin_popcount(mask & 0xffu) >= 6 && __builtin_popcount(mask) >= 8;
}

static char *numbering_message(const struct rust_file *rf, const char *lo, size_t lon, int loi, const char *hi,
			       size_t hin, int hii, const char *where)
{
	return xasprintf("x86 register numbering (%.*s=%d ... %.*s=%d) in %s: this emitter writes x86 machine code; "
			 "on %s it builds but the bytes it emits cannot run there: gate it to x86_64 or add an %s "
			 "backend",
			 (int)lon, lo, loi, (int)hin, hi, hii, where, rf->k->target, rf->k->target);
}

static void check_register_enum(struct rust_file *rf, TSNode item, enum tri reach)
{
	TSNode body = ts_node_child_by_field_name(item, "body", 4);
	if (!type_is(body, "enum_variant_list"))
		return;
	unsigned mask = 0;
	long next = 0;
	TSNode names[16];
	for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
		TSNode v = ts_node_named_child(body, i);
		if (!type_is(v, "enum_variant"))
			continue;
		if (!ts_node_is_null(ts_node_child_by_field_name(v, "body", 4)))
			return;   /* `Segment(u8)`: a register id, not an encoding */
		TSNode value = ts_node_child_by_field_name(v, "value", 5);
		long val = ts_node_is_null(value) ? next : int_literal(rf, value);
		next = val < 0 ? -1 : val + 1;   /* implicit discriminants count on */
		size_t n;
		const char *name = field_text(rf, v, "name", &n);
		int r = name ? x86_reg_number(name, n) : -1;
		if (r >= 0 && val == r && !(mask & (1u << r))) {
			mask |= 1u << r;
			names[r] = ts_node_child_by_field_name(v, "name", 4);
		}
	}
	if (!x86_numbering(mask))
		return;
	int lo = __builtin_ctz(mask), hi = 31 - __builtin_clz(mask);
	size_t lon, hin, en;
	const char *l = rust_node_text(rf, names[lo], &lon), *h = rust_node_text(rf, names[hi], &hin);
	const char *ename = field_text(rf, item, "name", &en);
	char *where = xasprintf("enum %.*s", (int)en, ename);
	TSNode at = ts_node_child_by_field_name(item, "name", 4);
	site_offer(&rf->hz->jit_enum, ts_node_start_byte(at), ts_node_end_byte(at), reach,
		   numbering_message(rf, l, lon, lo, h, hin, hi, where));
	free(where);
}

/* `const RAX: u8 = 0;` or `pub const RAX: Reg = Reg(0);` (also in impls). */
static void note_register_const(struct rust_file *rf, TSNode item, enum tri reach)
{
	size_t n;
	const char *name = field_text(rf, item, "name", &n);
	int r = name ? x86_reg_number(name, n) : -1;
	if (r < 0)
		return;
	TSNode value = ts_node_child_by_field_name(item, "value", 5);
	if (type_is(value, "call_expression")) {
		TSNode args = ts_node_child_by_field_name(value, "arguments", 9);
		value = ts_node_named_child_count(args) == 1 ? ts_node_named_child(args, 0) : args;
	}
	if (int_literal(rf, value) != r)
		return;
	TSNode nm = ts_node_child_by_field_name(item, "name", 4);
	struct regnum *sets[2] = { &rf->hz->consts_all, reach != TRI_FALSE ? &rf->hz->consts_live : NULL };
	for (int i = 0; i < 2 && sets[i]; i++) {
		struct regnum *g = sets[i];
		if (g->mask & (1u << r))
			continue;
		g->mask |= 1u << r;
		g->name_start[r] = ts_node_start_byte(nm);
		g->name_end[r] = ts_node_end_byte(nm);
		if (!g->at.set)
			g->at = (struct site){ 1, ts_node_start_byte(item), ts_node_end_byte(nm), reach, NULL };
	}
}

static const char *last_segment_of(const struct rust_file *rf, TSNode fn, size_t *n)
{
	while (type_is(fn, "generic_function"))
		fn = ts_node_child_by_field_name(fn, "function", 8);
	if (type_is(fn, "scoped_identifier"))
		return field_text(rf, fn, "name", n);
	if (type_is(fn, "field_expression"))
		return field_text(rf, fn, "field", n);
	if (type_is(fn, "identifier"))
		return rust_node_text(rf, fn, n);
	*n = 0;
	return NULL;
}

static int in_list(const char *s, size_t n, const char *const *list)
{
	for (; s && *list; list++)
		if (mem_eq(s, n, *list))
			return 1;
	return 0;
}

/* Calls that map or re-protect memory, and the flags that make it
 * executable (libc, nix, rustix, region, windows-sys). */
static const char *const exec_map_calls[] = { "mmap", "mmap64", "mmap_anonymous", "mprotect", "pkey_mprotect",
	"protect", "alloc", "alloc_at", "VirtualAlloc", "VirtualProtect", NULL };
static const char *const exec_flags[] = { "PROT_EXEC", "EXEC", "EXECUTE", "READ_EXECUTE", "READ_WRITE_EXECUTE",
	"PAGE_EXECUTE", "PAGE_EXECUTE_READ", "PAGE_EXECUTE_READWRITE", NULL };
/* memmap2 turns a mapping executable by method. */
static const char *const exec_methods[] = { "make_exec", "map_exec", NULL };
/* Code that flushes the instruction cache after writing code knows that
 * non-x86 machines need it, so it is written for them too. */
static const char *const icache_flushes[] = { "__clear_cache", "clear_cache", "__builtin___clear_cache",
	"flush_icache", "sys_icache_invalidate", "FlushInstructionCache", NULL };

/* What a walk step says: go into the node's children, skip them, or stop. */
enum walk_step { WALK_SKIP, WALK_DESCEND, WALK_STOP };

/* Pre-order over `root` and all its children (named or not) with a cursor,
 * not recursion: a subtree 50,000 levels deep costs no stack. Returns 1
 * when `step` stopped the walk. */
static int walk_subtree(TSNode root, enum walk_step (*step)(void *ctx, TSNode n), void *ctx)
{
	TSTreeCursor c = ts_tree_cursor_new(root);
	int stopped = 0;
	for (;;) {
		enum walk_step w = step(ctx, ts_tree_cursor_current_node(&c));
		if (w == WALK_STOP) {
			stopped = 1;
			break;
		}
		if (w == WALK_DESCEND && ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto done;   /* back at root: the cursor never leaves it */
	}
done:
	ts_tree_cursor_delete(&c);
	return stopped;
}

struct mention {
	const struct rust_file *rf;
	const char *const *words;
};

static enum walk_step mention_step(void *ctx, TSNode n)
{
	const struct mention *m = ctx;
	if (ts_node_child_count(n) != 0)
		return WALK_DESCEND;
	size_t len;
	const char *s = rust_node_text(m->rf, n, &len);
	return (type_is(n, "identifier") || type_is(n, "field_identifier")) && in_list(s, len, m->words) ? WALK_STOP
													 : WALK_SKIP;
}

static int mentions(const struct rust_file *rf, TSNode n, const char *const *words)
{
	struct mention m = { rf, words };
	return walk_subtree(n, mention_step, &m);
}

static void offer_exec(struct rust_file *rf, TSNode at, const char *what, size_t n, enum tri reach)
{
	char *msg = xasprintf("`%.*s` makes memory executable for code generated at run time: on %s the code must be "
			      "%s instructions and the instruction cache must be flushed after writing it (x86 needs "
			      "neither); gate the x86 emitter to x86_64 or add an %s backend",
			      (int)n, what, rf->k->target, rf->k->target, rf->k->target);
	site_offer(&rf->hz->jit_exec, ts_node_start_byte(at), ts_node_end_byte(at), reach, msg);
}

/* The type a transmute produces: its turbofish `transmute::<A, B>`, or the
 * let, fn or closure type its value flows into unchanged. */
static TSNode transmute_target(TSNode call)
{
	TSNode fn = ts_node_child_by_field_name(call, "function", 8);
	if (type_is(fn, "generic_function")) {
		TSNode args = ts_node_child_by_field_name(fn, "type_arguments", 14);
		if (ts_node_named_child_count(args) == 2)
			return ts_node_named_child(args, 1);
	}
	TSNode c = call, p = ts_node_parent(call);
	while (type_is(p, "unsafe_block") || type_is(p, "parenthesized_expression") || type_is(p, "return_expression") ||
	       (type_is(p, "block") && ts_node_eq(ts_node_named_child(p, ts_node_named_child_count(p) - 1), c))) {
		c = p;
		p = ts_node_parent(p);
	}
	if (type_is(p, "let_declaration"))
		return ts_node_child_by_field_name(p, "type", 4);
	if (type_is(p, "function_item") || type_is(p, "closure_expression"))
		return ts_node_child_by_field_name(p, "return_type", 11);
	TSNode none = { 0 };
	return none;
}

static void note_transmute(struct rust_file *rf, TSNode call, enum tri reach)
{
	TSNode ty = transmute_target(call);
	struct transmute t = { ts_node_start_byte(call), ts_node_end_byte(call), reach, FT_NONE, NULL, 0 };
	if (type_is(ty, "function_type"))
		t.kind = FT_FN;
	else if (type_is(ty, "type_identifier")) {
		t.kind = FT_ALIAS;
		t.alias = rust_node_text(rf, ty, &t.alias_n);
	}
	if (t.kind == FT_NONE)
		return;
	struct rust_hazards *hz = rf->hz;
	GROW(hz->transmutes, hz->ntransmutes, hz->transmutes_cap);
	hz->transmutes[hz->ntransmutes++] = t;
}

static void check_call(struct rust_file *rf, TSNode call, enum tri reach)
{
	if (rf->in_cfg_macro)
		return;   /* `if cfg!(target_arch = "x86_64") { ... }`: never runs on the target */
	TSNode fn = ts_node_child_by_field_name(call, "function", 8);
	size_t n;
	const char *last = last_segment_of(rf, fn, &n);
	if (!last)
		return;
	if (mem_eq(last, n, "transmute")) {
		note_transmute(rf, call, reach);
	} else if (type_is(fn, "field_expression")
			   ? in_list(last, n, exec_methods)
			   : (in_list(last, n, exec_map_calls) &&
			      mentions(rf, ts_node_child_by_field_name(call, "arguments", 9), exec_flags))) {
		size_t fn_n;
		const char *fn_s = rust_node_text(rf, fn, &fn_n);
		offer_exec(rf, fn, fn_s, fn_n > 60 ? 60 : fn_n, reach);
	}
}

/* `type JitFn = unsafe extern "C" fn(u64) -> u64;` */
static void note_fn_alias(struct rust_file *rf, TSNode item)
{
	if (!type_is(ts_node_child_by_field_name(item, "type", 4), "function_type"))
		return;
	size_t n;
	const char *name = field_text(rf, item, "name", &n);
	if (name)
		strmap_get(&rf->hz->fn_aliases, name, n, 1);
}

static const struct transmute *pick_transmute(const struct rust_hazards *hz)
{
	const struct transmute *best = NULL;
	for (size_t i = 0; i < hz->ntransmutes; i++) {
		const struct transmute *t = &hz->transmutes[i];
		if (t->kind == FT_ALIAS && !strmap_has(&hz->fn_aliases, t->alias, t->alias_n))
			continue;
		if (!best || (best->reach == TRI_FALSE && t->reach != TRI_FALSE))
			best = t;
	}
	return best;
}

/* The register numbering consts, when enough of them were seen. */
static void consts_site(struct rust_file *rf, struct site *out)
{
	struct regnum *g = x86_numbering(rf->hz->consts_live.mask) ? &rf->hz->consts_live : &rf->hz->consts_all;
	if (!x86_numbering(g->mask))
		return;
	int lo = __builtin_ctz(g->mask), hi = 31 - __builtin_clz(g->mask);
	char *where = xasprintf("%d consts", __builtin_popcount(g->mask));
	*out = g->at;
	if (g == &rf->hz->consts_all)
		out->reach = TRI_FALSE;   /* the target compiles too few of them */
	out->msg = numbering_message(rf, rf->src + g->name_start[lo], g->name_end[lo] - g->name_start[lo], lo,
				     rf->src + g->name_start[hi], g->name_end[hi] - g->name_start[hi], hi, where);
	free(where);
}

/* Per file: the register numbering (enum, else consts), the executable
 * mapping, and a transmute to a fn pointer when the file has either. */
static void jit_finish(struct rust_file *rf)
{
	struct rust_hazards *hz = rf->hz;
	struct site consts = { 0 };
	if (!hz->jit_enum.set)
		consts_site(rf, &consts);
	int numbering = hz->jit_enum.set || consts.set;
	int exec = hz->jit_exec.set && !hz->icache_flush;
	site_report(rf, &hz->jit_enum, RULE_RUST_JIT_X86, "gate");
	site_report(rf, &consts, RULE_RUST_JIT_X86, "gate");
	free(consts.msg);
	if (exec)
		site_report(rf, &hz->jit_exec, RULE_RUST_JIT_X86, "gate");
	const struct transmute *t = numbering || exec ? pick_transmute(hz) : NULL;
	if (!t)
		return;
	char *msg = xasprintf("transmute to a fn pointer in a file that %s: it calls the generated x86 code, which "
			      "cannot run on %s; gate it to x86_64 with the emitter",
			      numbering ? "numbers x86 registers" : "maps executable memory", rf->k->target);
	rust_report(rf, RULE_RUST_JIT_X86, SEV_WARNING, t->reach, t->start, t->end, "gate", msg);
	free(msg);
}

/* ---- rust/build-x86 ---- */

enum x86_word { XW_NONE, XW_TRIPLE, XW_PATH, XW_ARCH, XW_FLAG, XW_MARCH };

static int word_char(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* The first x86 architecture name in s (x86_64, i686, amd64, ...) as a
 * whole word; *at is its offset. */
static size_t find_arch_word(const char *s, size_t n, size_t *at)
{
	static const char *const words[] = { "x86_64", "x86-64", "amd64", "i386", "i486", "i586", "i686", "x86" };
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && word_char(s[i - 1]))
			continue;
		for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
			size_t wn = strlen(words[w]);
			if (i + wn <= n && memcmp(s + i, words[w], wn) == 0 && (i + wn == n || !word_char(s[i + wn]))) {
				*at = i;
				return wn;
			}
		}
	}
	return 0;
}

/* An x86 -m option or -march=/-mtune= value the target compiler rejects. */
static enum x86_word x86_flag(const struct rust_file *rf, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	if (n > 7 && eq && (!memcmp(w, "-march=", 7) || !memcmp(w, "-mtune=", 7))) {
		if (mem_eq(eq + 1, n - 7, "native"))
			return XW_NONE;   /* not x86-specific */
		char *key = xasprintf("%.*s=%.*s", 5, w + 1, (int)(n - 7), eq + 1);
		int bad = strmap_has(&rf->k->bad_march, key, strlen(key));
		free(key);
		return bad ? XW_MARCH : XW_NONE;
	}
	if (n < 3 || w[0] != '-' || w[1] != 'm')
		return XW_NONE;
	return strmap_has(&rf->k->bad_mflags, w, eq ? (size_t)(eq - w) + 1 : n) ? XW_FLAG : XW_NONE;
}

/* Classifies a literal's text; the part to show starts at *ws, *wn long. */
static enum x86_word x86_literal(const struct rust_file *rf, const char *s, size_t n, size_t *ws, size_t *wn)
{
	for (size_t i = 0; i < n;) {
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		size_t j = i;
		while (j < n && !isspace((unsigned char)s[j]))
			j++;
		enum x86_word f = j > i ? x86_flag(rf, s + i, j - i) : XW_NONE;
		if (f != XW_NONE) {
			*ws = i;
			*wn = j - i;
			return f;
		}
		i = j;
	}
	size_t at, len = find_arch_word(s, n, &at);
	if (!len)
		return XW_NONE;
	size_t b = at, e = at + len;
	while (b > 0 && !isspace((unsigned char)s[b - 1]) && s[b - 1] != '=')
		b--;
	while (e < n && !isspace((unsigned char)s[e]))
		e++;
	*ws = b;
	*wn = e - b;
	if ((at > 0 && s[at - 1] == '/') || (at + len < n && s[at + len] == '/'))
		return XW_PATH;
	if (at + len + 1 < n && s[at + len] == '-' && isalpha((unsigned char)s[at + len + 1]))
		return XW_TRIPLE;
	return XW_ARCH;
}

/* The text between the quotes of a string or raw string literal. */
static const char *literal_body(const struct rust_file *rf, TSNode lit, size_t *n)
{
	size_t len;
	const char *s = rust_node_text(rf, lit, &len);
	const char *open = memchr(s, '"', len);
	const char *close = len ? s + len - 1 : s;
	while (close > s && *close != '"')
		close--;
	if (!open || close <= open) {
		*n = 0;
		return s;
	}
	*n = (size_t)(close - open - 1);
	return open + 1;
}

static int is_string(TSNode n)
{
	return type_is(n, "string_literal") || type_is(n, "raw_string_literal");
}

static const char *macro_name(const struct rust_file *rf, TSNode mac, size_t *n)
{
	size_t len;
	const char *s = field_text(rf, mac, "macro", &len);
	if (!s) {
		*n = 0;
		return "";
	}
	const char *p = s + len;
	while (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		p--;
	*n = (size_t)(s + len - p);
	return p;
}

/* An x86 string in a subtree, outside cfg!() (which in a build script
 * tests the build machine, not the target). */
static enum walk_step x86_string_step(void *ctx, TSNode n)
{
	const struct rust_file *rf = ctx;
	size_t mn, ws, wn;
	if (type_is(n, "macro_invocation")) {
		const char *name = macro_name(rf, n, &mn);
		if (mem_eq(name, mn, "cfg"))
			return WALK_SKIP;
	}
	if (is_string(n)) {
		size_t bn;
		const char *b = literal_body(rf, n, &bn);
		return x86_literal(rf, b, bn, &ws, &wn) != XW_NONE ? WALK_STOP : WALK_SKIP;
	}
	return WALK_DESCEND;
}

static int has_x86_string(const struct rust_file *rf, TSNode n)
{
	return walk_subtree(n, x86_string_step, (void *)rf);
}

static const char *const compare_methods[] = { "starts_with", "ends_with", "contains", "eq", "ne", "strip_prefix",
	"strip_suffix", "find", "rfind", "matches", "split_once", "unwrap_or", "unwrap_or_else", "flag_if_supported",
	"is_flag_supported", NULL };
/* Macros whose strings compare (matches!, assert_eq!) or only talk to
 * people (panic!, eprintln!): naming x86 there changes no build. */
static const char *const exempt_macros[] = { "matches", "assert", "assert_eq", "assert_ne", "debug_assert",
	"debug_assert_eq", "debug_assert_ne", "cfg", "panic", "unreachable", "unimplemented", "todo", "eprintln",
	"eprint", "error", "warn", "info", "debug", "trace", NULL };

/* One step up from `c` to its parent `p`: is the literal compared against
 * the target (==, match pattern, starts_with, a fallback for TARGET), or
 * inside the branch a comparison with an x86 name selects? */
static int target_aware_step(const struct rust_file *rf, TSNode c, TSNode p)
{
	size_t n;
	if (type_is(p, "match_pattern"))
		return 1;
	if (type_is(p, "binary_expression")) {
		const char *op = field_text(rf, p, "operator", &n);
		return op && (mem_eq(op, n, "==") || mem_eq(op, n, "!="));
	}
	if (type_is(p, "call_expression")) {
		if (!ts_node_eq(ts_node_child_by_field_name(p, "arguments", 9), c))
			return 0;   /* the receiver of a method chain: `.flag("x").flag_if_supported("y")` */
		TSNode fn = ts_node_child_by_field_name(p, "function", 8);
		const char *last = last_segment_of(rf, fn, &n);
		return type_is(fn, "field_expression") && in_list(last, n, compare_methods);
	}
	if (type_is(p, "macro_invocation")) {
		const char *name = macro_name(rf, p, &n);
		return in_list(name, n, exempt_macros);
	}
	if (type_is(p, "if_expression"))
		return ts_node_eq(ts_node_child_by_field_name(p, "consequence", 11), c) &&
		       has_x86_string(rf, ts_node_child_by_field_name(p, "condition", 9));
	if (type_is(p, "match_arm"))
		return ts_node_eq(ts_node_child_by_field_name(p, "value", 5), c) &&
		       has_x86_string(rf, ts_node_child_by_field_name(p, "pattern", 7));
	return 0;
}

static int target_aware(const struct rust_file *rf, TSNode lit)
{
	TSNode c = lit;
	for (TSNode p = ts_node_parent(c); !ts_node_is_null(p) && !type_is(p, "function_item"); p = ts_node_parent(p)) {
		if (target_aware_step(rf, c, p))
			return 1;
		c = p;
	}
	return 0;
}

/* What goes wrong when the value reaches the target build. */
static char *build_why(const struct rust_file *rf, enum x86_word kind, const char *w, size_t n)
{
	const char *t = rf->k->target;
	if (kind == XW_FLAG || kind == XW_MARCH)
		return xasprintf("the %s compiler rejects it", t);
	if (kind == XW_PATH && memmem(w, n, "-linux-gnu", 10))
		return xasprintf("the %s build would use x86 headers or libraries (its own are under %s)", t,
				 rf->k->triple);
	if (kind == XW_PATH)
		return xasprintf("the %s build would use the x86 files there", t);
	return xasprintf("it stays x86 when building for %s", t);
}

static void check_build_literal(struct rust_file *rf, TSNode lit, enum tri reach)
{
	size_t n, ws, wn;
	const char *s = literal_body(rf, lit, &n);
	enum x86_word kind = x86_literal(rf, s, n, &ws, &wn);
	if (kind == XW_NONE || (n >= 14 && !memcmp(s, "cargo:warning=", 14)) || target_aware(rf, lit))
		return;
	static const char *const what[] = { "", "x86 target triple", "x86 path", "x86 architecture name",
		"x86 compiler option", "x86 CPU" };
	char *why = build_why(rf, kind, s + ws, wn);
	int flag = kind == XW_FLAG || kind == XW_MARCH;
	char *msg = xasprintf("%s `%.*s` in a build script: %s; build.rs runs on the build machine and Cargo gives it "
			      "the target in env TARGET and CARGO_CFG_TARGET_ARCH: %s",
			      what[kind], (int)(wn > 80 ? 80 : wn), s + ws, why,
			      flag ? "pass it only when CARGO_CFG_TARGET_ARCH is x86_64" : "derive the value from them");
	rust_report(rf, RULE_RUST_BUILD_X86, SEV_WARNING, reach, ts_node_start_byte(lit), ts_node_end_byte(lit), "gate",
		    msg);
	free(why);
	free(msg);
}

/* The walk does not always visit an `if cfg!(...)` condition, so those
 * are checked from their if_expression instead. */
static int is_if_condition(TSNode n)
{
	TSNode p = ts_node_parent(n);
	return type_is(p, "if_expression") && ts_node_eq(ts_node_child_by_field_name(p, "condition", 9), n);
}

/* `cfg!(target_arch = "x86_64")` in build.rs is about the build machine. */
static void check_build_cfg(struct rust_file *rf, TSNode mac, enum tri reach)
{
	size_t n, tn, at;
	const char *name = macro_name(rf, mac, &n);
	const char *t = rust_node_text(rf, mac, &tn);
	if (!mem_eq(name, n, "cfg") || !memmem(t, tn, "target_arch", 11) || !find_arch_word(t, tn, &at))
		return;
	char *msg = xasprintf("`%.*s` in a build script tests the machine the build runs on, not the target: building "
			      "for %s on an x86_64 machine takes the x86 branch; test env CARGO_CFG_TARGET_ARCH instead",
			      (int)(tn > 60 ? 60 : tn), t, rf->k->target);
	rust_report(rf, RULE_RUST_BUILD_X86, SEV_WARNING, reach, ts_node_start_byte(mac), ts_node_end_byte(mac), "gate",
		    msg);
	free(msg);
}

/* ---- paths, use trees and macro token trees, leaf by leaf ---- */

enum prev_leaf { PL_OTHER, PL_COLONS, PL_OPEN, PL_COMMA };

#define MAX_GROUPS 8

struct path_scan {
	enum tri reach;
	enum prev_leaf prev;
	const char *root;   /* first segment of the current path */
	size_t root_n;
	int depth;          /* `{` groups; a `path::{a, b}` group keeps its root */
	const char *group_root[MAX_GROUPS];
	size_t group_root_n[MAX_GROUPS];
};

static int is_identifier_leaf(TSNode n)
{
	const char *t = ts_node_type(n);
	return !strcmp(t, "identifier") || !strcmp(t, "type_identifier") || !strcmp(t, "field_identifier") ||
	       !strcmp(t, "crate") || !strcmp(t, "self") || !strcmp(t, "super");
}

/* `mprotect(p, len, PROT_READ | PROT_EXEC)` inside a macro's tokens. */
static void token_tree_call(struct rust_file *rf, TSNode leaf, const char *s, size_t n, enum tri reach)
{
	if (!in_list(s, n, exec_map_calls))
		return;   /* before ts_node_next_sibling, which walks down from the root */
	TSNode args = ts_node_next_sibling(leaf);
	if (type_is(args, "token_tree") && mentions(rf, args, exec_flags))
		offer_exec(rf, leaf, s, n, reach);
}

static void path_identifier(struct rust_file *rf, struct path_scan *ps, TSNode leaf)
{
	struct token t = { leaf, NULL, 0, NULL, 0, 0 };
	t.s = rust_node_text(rf, leaf, &t.n);
	if (ps->prev == PL_COLONS && ps->root) {
		/* the path goes on */
	} else if ((ps->prev == PL_OPEN || ps->prev == PL_COMMA) && ps->depth > 0 && ps->depth <= MAX_GROUPS &&
		   ps->group_root[ps->depth - 1]) {   /* groups past MAX_GROUPS keep no root */
		ps->root = ps->group_root[ps->depth - 1];
		ps->root_n = ps->group_root_n[ps->depth - 1];
	} else {
		ps->root = t.s;
		ps->root_n = t.n;
		t.start = 1;
	}
	t.root = ps->root;
	t.root_n = ps->root_n;
	api_token(rf, &t, ps->reach);
	if (in_list(t.s, t.n, icache_flushes))
		rf->hz->icache_flush = 1;
	token_tree_call(rf, leaf, t.s, t.n, ps->reach);
	ps->prev = PL_OTHER;
}

static void path_punct(struct rust_file *rf, struct path_scan *ps, TSNode leaf)
{
	size_t n;
	const char *s = rust_node_text(rf, leaf, &n);
	enum prev_leaf prev = ps->prev;
	ps->prev = PL_OTHER;
	if (mem_eq(s, n, "::")) {
		ps->prev = PL_COLONS;
	} else if (mem_eq(s, n, ",")) {
		ps->prev = PL_COMMA;
	} else if (mem_eq(s, n, "{")) {
		if (ps->depth < MAX_GROUPS) {
			ps->group_root[ps->depth] = prev == PL_COLONS ? ps->root : NULL;
			ps->group_root_n[ps->depth] = prev == PL_COLONS ? ps->root_n : 0;
		}
		ps->depth++;
		ps->prev = PL_OPEN;
	} else if (mem_eq(s, n, "}")) {
		ps->depth -= ps->depth > 0;
	} else if (mem_eq(s, n, "*") && prev == PL_COLONS && ps->root && is_api_crate(rf->k, ps->root, ps->root_n)) {
		strmap_get(&rf->hz->globs, ps->root, ps->root_n, 1);   /* use kvm_bindings::*; */
	}
}

struct leaf_scan {
	struct rust_file *rf;
	struct path_scan ps;
};

static enum walk_step leaf_step(void *ctx, TSNode n)
{
	struct leaf_scan *ls = ctx;
	struct rust_file *rf = ls->rf;
	if (is_string(n)) {
		if (rf->is_build_script)
			check_build_literal(rf, n, ls->ps.reach);
		ls->ps.prev = PL_OTHER;
		return WALK_SKIP;
	}
	if (type_is(n, "macro_invocation") && rf->is_build_script && !is_if_condition(n))
		check_build_cfg(rf, n, ls->ps.reach);
	if (ts_node_child_count(n) != 0)
		return WALK_DESCEND;
	if (is_identifier_leaf(n))
		path_identifier(rf, &ls->ps, n);
	else
		path_punct(rf, &ls->ps, n);
	return WALK_SKIP;
}

static void scan_path_node(struct rust_file *rf, TSNode n, enum tri reach)
{
	struct leaf_scan ls = { rf, { .reach = reach } };
	walk_subtree(n, leaf_step, &ls);
}

/* ---- the reverse port (aarch64 -> x86_64): rust/runtime-hazard ----
 * Page constants of 16 or 64 KiB (x86_64 pages are always 4 KiB), and
 * `c_char`, which is u8 on aarch64 and i8 on x86_64: a cast to a wider type
 * sign-extends the high bytes there, and a relational comparison with
 * 0..127 flips for them.  (A literal outside 0..127 fails to compile on one
 * of the two, and `==` with one cannot differ.) */

static int contains_word(const char *s, size_t n, const char *w)
{
	size_t len = strlen(w);
	for (size_t i = 0; i + len <= n; i++)
		if (!strncasecmp(s + i, w, len))
			return 1;
	return 0;
}

/* A constant made of integer literals, `<<`, `*`, parentheses and `as`. */
static int const_value(const struct rust_file *rf, TSNode n, unsigned long long *v, int depth)
{
	const char *t = ts_node_type(n);
	if (depth > 16 || ts_node_is_null(n))
		return 0;
	if (!strcmp(t, "integer_literal")) {
		long x = int_literal(rf, n);
		*v = (unsigned long long)x;
		return x >= 0;
	}
	if (!strcmp(t, "parenthesized_expression"))
		return ts_node_named_child_count(n) == 1 && const_value(rf, ts_node_named_child(n, 0), v, depth + 1);
	if (!strcmp(t, "type_cast_expression"))
		return const_value(rf, ts_node_child_by_field_name(n, "value", 5), v, depth + 1);
	unsigned long long l, r;
	if (strcmp(t, "binary_expression") || !const_value(rf, ts_node_child_by_field_name(n, "left", 4), &l, depth + 1) ||
	    !const_value(rf, ts_node_child_by_field_name(n, "right", 5), &r, depth + 1))
		return 0;
	size_t len;
	const char *op = rust_node_text(rf, ts_node_child_by_field_name(n, "operator", 8), &len);
	if (mem_eq(op, len, "<<") && r < 62 && l < (1ULL << (62 - r)))
		*v = l << r;
	else if (mem_eq(op, len, "*") && (l == 0 || r <= (1ULL << 62) / l))
		*v = l * r;
	else
		return 0;
	return 1;
}

static void check_page_const(struct rust_file *rf, TSNode item, enum tri reach)
{
	size_t n;
	const char *name = field_text(rf, item, "name", &n);
	unsigned long long v;
	if (reach == TRI_FALSE || !name || !contains_word(name, n, "page") ||
	    !const_value(rf, ts_node_child_by_field_name(item, "value", 5), &v, 0))
		return;
	int shift = contains_word(name, n, "shift") || contains_word(name, n, "bits") || contains_word(name, n, "order");
	if (shift ? v != 14 && v != 16 : v != 16384 && v != 65536)
		return;
	unsigned long long kib = (shift ? 1ULL << v : v) / 1024;
	char *msg = xasprintf("`%.*s` %s %llu KiB pages, as %s kernels with a %llu KiB granule have; x86_64 pages "
			      "are always 4 KiB, so page counts, page-aligned offsets and guard pages computed with it are "
			      "wrong there (ask the OS: libc::sysconf(libc::_SC_PAGESIZE))", (int)n, name,
			      shift ? "is the shift of" : "assumes", kib, rf->k->source->name, kib);
	TSNode at = ts_node_child_by_field_name(item, "name", 4);
	rust_report(rf, RULE_RUST_RUNTIME_HAZARD, SEV_WARNING, reach, ts_node_start_byte(at), ts_node_end_byte(at),
		    "port", msg);
	free(msg);
}

/* `c_char`, `libc::c_char`, `core::ffi::c_char`, `std::os::raw::c_char`. */
static int is_c_char_path(const char *s, size_t n)
{
	return n >= 6 && !memcmp(s + n - 6, "c_char", 6) && (n == 6 || s[n - 7] == ':');
}

struct c_char_scan {
	struct rust_file *rf;
	enum tri reach;
	struct strmap values;      /* names bound as c_char */
	struct strmap pointers;    /* as *const c_char, *mut c_char, &c_char */
	struct strmap sequences;   /* as [c_char; N], &[c_char], &mut [c_char] */
};

static const char *bound_name(const struct rust_file *rf, TSNode pat, size_t *n)
{
	if (type_is(pat, "mut_pattern") && ts_node_named_child_count(pat) == 1)
		pat = ts_node_named_child(pat, 0);
	return type_is(pat, "identifier") ? rust_node_text(rf, pat, n) : NULL;
}

static int is_c_char_type(const struct rust_file *rf, TSNode type)
{
	size_t n;
	const char *s = ts_node_is_null(type) ? NULL : rust_node_text(rf, type, &n);
	return s && is_c_char_path(s, n);
}

/* Where a binding of this type goes; NULL when it holds no c_char. */
static struct strmap *binding_map(struct c_char_scan *cs, TSNode type)
{
	int indirect = 0;
	while (type_is(type, "pointer_type") || type_is(type, "reference_type")) {
		type = ts_node_child_by_field_name(type, "type", 4);
		indirect = 1;
	}
	if (type_is(type, "array_type"))   /* [c_char; N] and the slice [c_char] */
		return is_c_char_type(cs->rf, ts_node_child_by_field_name(type, "element", 7)) ? &cs->sequences : NULL;
	if (!is_c_char_type(cs->rf, type))
		return NULL;
	return indirect ? &cs->pointers : &cs->values;
}

static void note_binding(struct c_char_scan *cs, TSNode decl)
{
	size_t n;
	const char *name = bound_name(cs->rf, ts_node_child_by_field_name(decl, "pattern", 7), &n);
	TSNode type = ts_node_child_by_field_name(decl, "type", 4);
	struct strmap *map = name && !ts_node_is_null(type) ? binding_map(cs, type) : NULL;
	if (map)
		strmap_get(map, name, n, 1);
}

static enum walk_step binding_step(void *ctx, TSNode n)
{
	struct c_char_scan *cs = ctx;
	if (type_is(n, "function_item") || type_is(n, "closure_expression"))
		return WALK_SKIP;   /* their own scope */
	if (type_is(n, "parameter") || type_is(n, "let_declaration"))
		note_binding(cs, n);
	return WALK_DESCEND;
}

static int names_one_of(const struct c_char_scan *cs, TSNode n, const struct strmap *map)
{
	size_t len;
	const char *s = type_is(n, "identifier") ? rust_node_text(cs->rf, n, &len) : NULL;
	return s && strmap_has(map, s, len);
}

/* `c`, `(c)`, `*p` or `s[i]` with c a c_char binding, p a pointer or
 * reference to one, s an array or slice of them. */
static int is_c_char_value(const struct c_char_scan *cs, TSNode n)
{
	while (type_is(n, "parenthesized_expression") && ts_node_named_child_count(n) == 1)
		n = ts_node_named_child(n, 0);
	size_t len;
	const char *s;
	if (type_is(n, "identifier"))
		return names_one_of(cs, n, &cs->values);
	if (type_is(n, "index_expression"))
		return ts_node_named_child_count(n) == 2 && names_one_of(cs, ts_node_named_child(n, 0), &cs->sequences);
	if (!type_is(n, "unary_expression") || ts_node_named_child_count(n) != 1)
		return 0;
	s = rust_node_text(cs->rf, n, &len);
	return len && s[0] == '*' && names_one_of(cs, ts_node_named_child(n, 0), &cs->pointers);
}

static void c_char_report(struct c_char_scan *cs, TSNode at, const char *what)
{
	size_t n;
	const char *text = rust_node_text(cs->rf, at, &n);
	const char *src = cs->rf->k->source->name;
	char *msg = xasprintf("`%.*s`: c_char is i8 on x86_64 and u8 on %s, so %s", n > 60 ? 60 : (int)n, text, src,
			      what);
	rust_report(cs->rf, RULE_RUST_RUNTIME_HAZARD, SEV_WARNING, cs->reach, ts_node_start_byte(at),
		    ts_node_end_byte(at), "port", msg);
	free(msg);
}

static void c_char_cast(struct c_char_scan *cs, TSNode cast)
{
	static const char *const wide[] = { "i16", "i32", "i64", "i128", "isize", "u16", "u32", "u64", "u128",
		"usize", "f32", "f64", "char", NULL };
	size_t n;
	TSNode type = ts_node_child_by_field_name(cast, "type", 4);
	const char *t = ts_node_is_null(type) ? NULL : rust_node_text(cs->rf, type, &n);
	if (t && in_list(t, n, wide) && is_c_char_value(cs, ts_node_child_by_field_name(cast, "value", 5)))
		c_char_report(cs, cast, "the bytes 0x80..0xff sign-extend on x86_64 (0x80 becomes -128, or 2^N - 128 "
				       "unsigned) and zero-extend on aarch64 (128): convert through u8 first "
				       "(`as u8 as ...`)");
}

static void c_char_compare(struct c_char_scan *cs, TSNode bin)
{
	static const char *const relational[] = { "<", ">", "<=", ">=", NULL };
	size_t n;
	const char *op = rust_node_text(cs->rf, ts_node_child_by_field_name(bin, "operator", 8), &n);
	TSNode l = ts_node_child_by_field_name(bin, "left", 4), r = ts_node_child_by_field_name(bin, "right", 5);
	if (!op || !in_list(op, n, relational))
		return;
	int left = is_c_char_value(cs, l);
	if (!left && !is_c_char_value(cs, r))
		return;
	long k = int_literal(cs->rf, left ? r : l);
	if (k < 0 || k > 127)
		return;   /* not c_char against a literal both compile */
	c_char_report(cs, bin, "the result flips for the bytes 0x80..0xff (negative on x86_64, 128..255 on "
			       "aarch64): compare as u8 (`c as u8`)");
}

static enum walk_step use_step(void *ctx, TSNode n)
{
	struct c_char_scan *cs = ctx;
	if (type_is(n, "function_item") || type_is(n, "closure_expression"))
		return WALK_SKIP;
	if (type_is(n, "type_cast_expression"))
		c_char_cast(cs, n);
	else if (type_is(n, "binary_expression"))
		c_char_compare(cs, n);
	return WALK_DESCEND;
}

static void check_c_char(struct rust_file *rf, TSNode fn, enum tri reach)
{
	if (reach == TRI_FALSE)
		return;   /* gated to aarch64: u8 is what it is written for */
	struct c_char_scan cs = { rf, reach, {0}, {0}, {0} };
	TSNode params = ts_node_child_by_field_name(fn, "parameters", 10), body = ts_node_child_by_field_name(fn, "body", 4);
	if (!ts_node_is_null(params))
		walk_subtree(params, binding_step, &cs);
	if (!ts_node_is_null(body))
		walk_subtree(body, binding_step, &cs);
	if ((cs.values.len || cs.pointers.len || cs.sequences.len) && !ts_node_is_null(body))
		walk_subtree(body, use_step, &cs);
	strmap_free(&cs.values, NULL);
	strmap_free(&cs.pointers, NULL);
	strmap_free(&cs.sequences, NULL);
}

/* ---- the walk's entry points ---- */

void rust_hazards_node(struct rust_file *rf, TSNode n, enum tri reach)
{
	const char *t = ts_node_type(n);
	if (rf->k->target_is_x86) {   /* the reverse port: register layouts, page sizes, c_char */
		if (!strcmp(t, "struct_item") || !strcmp(t, "union_item"))
			check_register_struct(rf, n, reach);
		else if (!strcmp(t, "const_item") || !strcmp(t, "static_item"))
			check_page_const(rf, n, reach);
		else if (!strcmp(t, "function_item"))
			check_c_char(rf, n, reach);
		return;
	}
	if (!strcmp(t, "struct_item") || !strcmp(t, "union_item"))
		check_register_struct(rf, n, reach);
	else if (!strcmp(t, "enum_item"))
		check_register_enum(rf, n, reach);
	else if (!strcmp(t, "const_item"))
		note_register_const(rf, n, reach);
	else if (!strcmp(t, "type_item"))
		note_fn_alias(rf, n);
	else if (!strcmp(t, "call_expression"))
		check_call(rf, n, reach);
	else if (!strcmp(t, "if_expression") && rf->is_build_script &&
		 type_is(ts_node_child_by_field_name(n, "condition", 9), "macro_invocation"))
		check_build_cfg(rf, ts_node_child_by_field_name(n, "condition", 9), reach);
	/* What the walk does not descend into, and lone identifiers. */
	if (!strcmp(t, "use_declaration") || !strcmp(t, "scoped_identifier") || !strcmp(t, "scoped_type_identifier") ||
	    !strcmp(t, "macro_invocation") || !strcmp(t, "identifier") || !strcmp(t, "type_identifier") ||
	    (rf->is_build_script && is_string(n)))
		scan_path_node(rf, n, reach);
}

void rust_hazards_end(struct rust_file *rf)
{
	struct rust_hazards *hz = rf->hz;
	if (!rf->k->target_is_x86)
		jit_finish(rf);
	api_finish(rf);
	strmap_free(&hz->api_warned, NULL);
	strmap_free(&hz->api_noted, NULL);
	strmap_free(&hz->globs, NULL);
	strmap_free(&hz->fn_aliases, NULL);
	free(hz->jit_enum.msg);
	free(hz->jit_exec.msg);
	free(hz->transmutes);
	free(hz);
	rf->hz = NULL;
}
