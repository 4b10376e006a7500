/* The Rust front end: parses a .rs file with tree-sitter-rust, evaluates
 * every #[cfg] on the way down for the target, resolves `mod x;` items the
 * way rustc does (so a path mapping without a target arm is found, E0583),
 * and reports x86 asm, x86 arch paths, x86 target features and reachable
 * compile_error!. Items gated out for the target give notes. The modules a
 * file declares are recorded as refs, so rust_apply_gating() can tell which
 * files no crate compiled for the target reaches. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>
#include "asm_check.h"
#include "rules.h"
#include "rust_arch.h"
#include "rust_internal.h"

const TSLanguage *tree_sitter_rust(void);

const char *rust_node_text(const struct rust_file *rf, TSNode n, size_t *len)
{
	uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
	*len = e - s;
	return rf->src + s;
}

/* Line and column (1-based, bytes) of a byte offset. Reports come mostly
 * in file order, so the scan resumes from the last line start it found
 * rather than from the top of the file each time. */
static void position(struct rust_file *rf, uint32_t at, int *line, int *col)
{
	if (at > rf->len)
		at = (uint32_t)rf->len;
	if (at < rf->pos_start || !rf->pos_line) {
		rf->pos_start = 0;
		rf->pos_line = 1;
	}
	for (uint32_t i = rf->pos_start; i < at; i++)
		if (rf->src[i] == '\n') {
			rf->pos_line++;
			rf->pos_start = i + 1;
		}
	*line = rf->pos_line;
	*col = (int)(at - rf->pos_start) + 1;
}

void rust_report(struct rust_file *rf, const char *rule, enum severity sev, enum tri reach, uint32_t start,
		 uint32_t end, const char *fix, const char *msg)
{
	int line, col, eline, ecol;
	position(rf, start, &line, &col);
	position(rf, end, &eline, &ecol);
	if (reach == TRI_FALSE) {
		emit(&rf->em, RULE_RUST_GATED, SEV_NOTE, line, col, eline, ecol, "none",
		     "%s (already gated out for %s)", msg, rf->k->target);
		return;
	}
	if (reach == TRI_UNKNOWN && sev == SEV_ERROR) {
		emit(&rf->em, rule, SEV_WARNING, line, col, eline, ecol, fix,
		     "%s (under a cfg archport cannot decide)", msg);
		return;
	}
	if (rf->in_cfg_macro && sev == SEV_ERROR)
		emit(&rf->em, rule, sev, line, col, eline, ecol, fix,
		     "%s (inside `if cfg!(...)`, which %s never takes but still compiles: gate the code with #[cfg] instead)",
		     msg, rf->k->target);
	else
		emit(&rf->em, rule, sev, line, col, eline, ecol, fix, "%s", msg);
}

/* ---- attributes ---- */

/* Splits `name(args)` / `name = value` text into its name and the inside of
 * the outer parentheses (args_n is 0 when there are none). */
static void attr_parts(const char *s, size_t n, size_t *name_n, const char **args, size_t *args_n)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
		i++;
	*name_n = i;
	*args = NULL;
	*args_n = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i < n && s[i] == '(' && s[n - 1] == ')') {
		*args = s + i + 1;
		*args_n = n - i - 2;
	}
}

/* The first top-level comma of a cfg_attr argument list. */
static size_t top_comma(const char *s, size_t n)
{
	int depth = 0, quoted = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
			quoted = !quoted;
		else if (!quoted && s[i] == '(')
			depth++;
		else if (!quoted && s[i] == ')')
			depth--;
		else if (!quoted && !depth && s[i] == ',')
			return i;
	}
	return n;
}

/* `path = "x.rs"`: the string's contents. */
static int path_value(const char *s, size_t n, const char **v, size_t *vn)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	if (n < 4 || memcmp(s, "path", 4) != 0)
		return 0;
	const char *q = memchr(s, '"', n);
	const char *e = q ? memchr(q + 1, '"', (size_t)(s + n - q - 1)) : NULL;
	if (!e)
		return 0;
	*v = q + 1;
	*vn = (size_t)(e - q - 1);
	return 1;
}

static void add_path_arm(struct item_attrs *a, enum tri when, const char *p, size_t n)
{
	if (a->npaths < MAX_PATH_ARMS) {
		a->paths[a->npaths].when = when;
		a->paths[a->npaths].path = p;
		a->paths[a->npaths++].n = n;
	}
}

static void read_attribute(struct rust_file *rf, TSNode item, struct item_attrs *a)
{
	TSNode attr = ts_node_named_child(item, 0);
	size_t n, name_n, args_n;
	const char *s = rust_node_text(rf, attr, &n), *args;
	attr_parts(s, n, &name_n, &args, &args_n);
	if (mem_eq(s, name_n, "cfg") && args) {
		int too_deep = 0;
		a->cfg = tri_and(a->cfg, rust_cfg_eval_depth(&rf->env, args, args_n, &too_deep));
		if (too_deep)
			rust_report(rf, RULE_LIMIT, SEV_WARNING, TRI_TRUE, ts_node_start_byte(attr), ts_node_start_byte(attr),
				    "none", "cfg predicate nested deeper than 256 levels: the item is left undecided");
		a->host_off |= rust_cfg_eval(&rf->host_env, args, args_n) == TRI_FALSE;
		a->cfg_src = args;
		a->cfg_n = args_n;
	} else if (mem_eq(s, name_n, "path")) {
		const char *v;
		size_t vn;
		if (path_value(s, n, &v, &vn))
			add_path_arm(a, TRI_TRUE, v, vn);
	} else if (mem_eq(s, name_n, "target_feature")) {
		a->target_feature = attr;
		a->target_feature_when = TRI_TRUE;
	} else if (mem_eq(s, name_n, "cfg_attr") && args) {
		size_t c = top_comma(args, args_n);
		if (c == args_n)
			return;
		enum tri when = rust_cfg_eval(&rf->env, args, c);
		const char *rest = args + c + 1, *v;
		size_t rn = args_n - c - 1, vn;
		while (rn && isspace((unsigned char)*rest))
			rest++, rn--;
		if (path_value(rest, rn, &v, &vn))
			add_path_arm(a, when, v, vn);
		else if (rn >= 14 && memcmp(rest, "target_feature", 14) == 0 && when != TRI_FALSE) {
			a->target_feature = attr;
			a->target_feature_when = when;
		}
	}
}

/* ---- module resolution ---- */

/* Joins dir and a relative path, folding "." and ".." segments. */
static char *join_rel(const char *dir, const char *p, size_t n)
{
	char *joined = *dir ? xasprintf("%s/%.*s", dir, (int)n, p) : xstrndup(p, n);
	char *out = rust_fold_path(joined);
	free(joined);
	return out;
}

/* The walk index of a relative path, -1 when the walk does not list it;
 * *exists also looks on disk (untracked or ignored files rustc still reads). */
static int find_file(const struct rust_file *rf, const char *rel, int *exists)
{
	intptr_t v = (intptr_t)strmap_value(&rf->ix->files, rel, strlen(rel));
	if (v > 0) {
		*exists = 1;
		return (int)v - 1;
	}
	char *path = xasprintf("%s%s", rf->root, rel);
	struct stat st;
	*exists = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return -1;
}

static void add_ref(struct rust_file *rf, int file, enum tri reach)
{
	struct file_scan *r = rf->out;
	GROW(r->refs, r->nrefs, r->refs_cap);
	r->refs[r->nrefs].file = file;
	r->refs[r->nrefs++].reachable = (int)reach;
}

/* One candidate location of a module: found (and recorded), or not. */
static int try_module(struct rust_file *rf, const char *rel, enum tri reach)
{
	int exists;
	int idx = find_file(rf, rel, &exists);
	if (idx >= 0) {
		add_ref(rf, idx, reach);
		rf->module_file = idx;
	}
	return exists;
}

static int try_default(struct rust_file *rf, const char *mod_dir, const char *name, size_t n, enum tri reach,
		       char **tried)
{
	char *a = xasprintf("%.*s.rs", (int)n, name), *b = xasprintf("%.*s/mod.rs", (int)n, name);
	char *ra = join_rel(mod_dir, a, strlen(a)), *rb = join_rel(mod_dir, b, strlen(b));
	int found = try_module(rf, ra, reach) || try_module(rf, rb, reach);
	*tried = xasprintf("`%s` or `%s`", ra, rb);
	free(a);
	free(b);
	free(ra);
	free(rb);
	return found;
}

static void missing_module(struct rust_file *rf, TSNode mod, const char *name, size_t n, const char *tried,
			   enum tri reach, int mapped)
{
	char *msg = xasprintf("file not found for module `%.*s` on %s (rustc E0583): %s; looked for %s", (int)n, name,
			      rf->k->target,
			      mapped ? "its #[cfg_attr(..., path = ...)] mapping has no arm for this target"
				     : "no such file",
			      tried);
	rust_report(rf, RULE_RUST_MISSING_MODULE, SEV_ERROR, reach, ts_node_start_byte(mod), ts_node_end_byte(mod),
	       "stub", msg);
	free(msg);
}

/* `mod name;`: rustc takes the #[path] (or the cfg_attr path arm that is
 * on for the target), else mod_dir/name.rs or mod_dir/name/mod.rs. Paths
 * from attributes are relative to the file's own directory. */
static void resolve_module(struct rust_file *rf, TSNode mod, const struct item_attrs *a, enum tri reach,
			   const char *mod_dir)
{
	size_t n;
	const char *name = rust_node_text(rf, ts_node_child_by_field_name(mod, "name", 4), &n);
	int uncertain = 0, found;
	char *tried = NULL;
	for (int i = 0; i < a->npaths; i++)
		if (a->paths[i].when == TRI_TRUE) {
			char *rel = join_rel(rf->dir, a->paths[i].path, a->paths[i].n);
			found = try_module(rf, rel, reach);
			tried = xasprintf("`%s`", rel);
			free(rel);
			if (!found)
				missing_module(rf, mod, name, n, tried, reach, 0);
			free(tried);
			return;
		}
	for (int i = 0; i < a->npaths; i++)
		if (a->paths[i].when == TRI_UNKNOWN) {
			char *rel = join_rel(rf->dir, a->paths[i].path, a->paths[i].n);
			try_module(rf, rel, TRI_UNKNOWN);
			uncertain = 1;
			free(rel);
		}
	found = try_default(rf, mod_dir, name, n, uncertain ? TRI_UNKNOWN : reach, &tried);
	if (!found)
		missing_module(rf, mod, name, n, tried, uncertain ? TRI_UNKNOWN : reach, a->npaths > 0);
	free(tried);
}

/* The file of `mod name;` whatever the cfgs say (the x86 arm of a path
 * mapping, a module gated out): where the crate-wide pass looks for what
 * the x86 build would find. No ref is recorded. */
static int module_file_any(struct rust_file *rf, TSNode mod, const struct item_attrs *a, const char *mod_dir)
{
	int exists, idx = -1;
	for (int i = 0; i < a->npaths && idx < 0; i++) {
		char *rel = join_rel(rf->dir, a->paths[i].path, a->paths[i].n);
		idx = find_file(rf, rel, &exists);
		free(rel);
	}
	size_t n;
	const char *name = rust_node_text(rf, ts_node_child_by_field_name(mod, "name", 4), &n);
	for (int form = 0; form < 2 && idx < 0; form++) {
		char *leaf = xasprintf(form ? "%.*s/mod.rs" : "%.*s.rs", (int)n, name);
		char *rel = join_rel(mod_dir, leaf, strlen(leaf));
		idx = find_file(rf, rel, &exists);
		free(leaf);
		free(rel);
	}
	return idx;
}

/* ---- the rules ---- */

/* The rule of source-arch asm and arch paths: x86 ones, or aarch64 ones in
 * the reverse port (--target x86_64). */
static const char *asm_rule(const struct rust_file *rf)
{
	return rf->k->target_is_x86 ? RULE_RUST_ASM_AARCH64 : RULE_RUST_ASM_X86;
}

static const char *arch_rule(const struct rust_file *rf)
{
	return rf->k->target_is_x86 ? RULE_RUST_ARCH_AARCH64 : RULE_RUST_ARCH_X86;
}

static const char *const x86_feature_names[] = { "sse", "sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "sse4a",
	"avx", "avx2", "fma", "bmi1", "bmi2", "lzcnt", "popcnt", "pclmulqdq", "rdrand", "rdseed", "adx", "f16c",
	"xsave", "xsaveopt", "xsavec", "xsaves", "fxsr", "movbe", "cmpxchg16b", "tbm", "ermsb", "sha", "gfni",
	"vaes", "vpclmulqdq", "rtm", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", "avx512ifma",
	"avx512vbmi", "avx512vbmi2", "avx512vnni", "avx512bitalg", "avx512vpopcntdq", "avx512bf16", "avx512fp16",
	"avxvnni", "mmx", NULL };

/* A feature the source arch's rustc takes and the target's rejects
 * (rules/rust/target-features.tsv); *decided is 0 when the table has no
 * verdict for the target (riscv64: rustc has no std for it here). */
static int feature_off_target(const struct rust_file *rf, const char *f, size_t n, int *decided)
{
	const char *target = rust_target_arch(rf->k->target), *source = rust_source_arch(rf->k->target);
	enum rust_verdict on_target = rust_feature_on(rf->k->rust_arch, f, n, target);
	enum rust_verdict on_source = rust_feature_on(rf->k->rust_arch, f, n, source);
	*decided = on_target != RV_UNLISTED;   /* else the hand list below (riscv64) */
	return on_target == RV_INVALID && (on_source == RV_VALID || on_source == RV_UNSTABLE);
}

static void report_feature(struct rust_file *rf, const struct item_attrs *a, enum tri reach, const char *f, size_t n)
{
	char *msg = xasprintf("%s target feature `%.*s` in #[target_feature]: not valid for %s",
			      rf->k->target_is_x86 ? "aarch64" : "x86", (int)n, f, rf->k->target);
	rust_report(rf, RULE_RUST_TARGET_FEATURE, SEV_ERROR, tri_and(reach, a->target_feature_when),
		    ts_node_start_byte(a->target_feature), ts_node_end_byte(a->target_feature), "gate", msg);
	free(msg);
}

/* #[target_feature(enable = "avx2,fma")]: rustc rejects feature names the
 * target does not have (E0658 aside: a nightly-only name is still a name). */
static void check_target_feature(struct rust_file *rf, const struct item_attrs *a, enum tri reach)
{
	if (ts_node_is_null(a->target_feature))
		return;
	size_t n;
	const char *s = rust_node_text(rf, a->target_feature, &n);
	const char *q = memchr(s, '"', n);
	const char *e = q ? memchr(q + 1, '"', (size_t)(s + n - q - 1)) : NULL;
	for (const char *p = q ? q + 1 : e; p && p < e;) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		const char *fe = c ? c : e;
		int decided;
		if (feature_off_target(rf, p, (size_t)(fe - p), &decided)) {
			report_feature(rf, a, reach, p, (size_t)(fe - p));
			return;
		}
		for (const char *const *f = x86_feature_names; !decided && !rf->k->target_is_x86 && *f; f++)
			if (mem_eq(p, (size_t)(fe - p), *f)) {
				report_feature(rf, a, reach, *f, strlen(*f));
				return;
			}
		p = fe + 1;
	}
}

/* Whether the word at w names an arch module rustc has for another
 * target_arch than the target's (core::arch::<m> exists only for m). */
static size_t foreign_module_word(const struct rust_file *rf, const char *w, int *foreign)
{
	size_t n = 0;
	while (isalnum((unsigned char)w[n]) || w[n] == '_')
		n++;
	*foreign = n && rust_arch_module_known(rf->k->rust_arch, w, n) && !mem_eq(w, n, rust_target_arch(rf->k->target));
	return n;
}

/* The path after `arch::` names a foreign module: `aarch64::...`, or an
 * entry of a `{x86_64::..., ...}` list. */
static int foreign_arch_module(const struct rust_file *rf, const char *p)
{
	int foreign;
	if (*p != '{') {
		foreign_module_word(rf, p, &foreign);
		return foreign;
	}
	int depth = 0;
	for (const char *w = p + 1; *w; w++) {
		if (depth == 0 && (w[-1] == '{' || w[-1] == ',')) {
			size_t n = foreign_module_word(rf, w, &foreign);
			if (foreign)
				return 1;
			if (n) {
				w += n - 1;
				continue;
			}
		}
		if (*w == '{')
			depth++;
		else if (*w == '}' && depth-- == 0)
			break;
	}
	return 0;
}

/* `core::arch::x86_64::…`, `std::arch::x86`, `std::arch::{x86_64::…}`;
 * `core::arch::aarch64::…` on x86_64. */
static int is_foreign_arch_path(const struct rust_file *rf, const char *s, size_t n)
{
	char buf[256];
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < sizeof buf; i++)
		if (!isspace((unsigned char)s[i]))
			buf[o++] = s[i];
	buf[o] = '\0';
	const char *p = buf;
	if (str_starts(p, "::"))
		p += 2;
	if (str_starts(p, "core::arch::"))
		p += 12;
	else if (str_starts(p, "std::arch::"))
		p += 11;
	else
		return 0;
	return foreign_arch_module(rf, p);
}

static void check_path(struct rust_file *rf, TSNode n, enum tri reach)
{
	size_t len;
	const char *s = rust_node_text(rf, n, &len);
	if (!is_foreign_arch_path(rf, s, len))
		return;
	if (rf->k->target_is_x86)
		rf->foreign_arch_use = 1;
	char *msg = xasprintf("`%.*s`: the %s intrinsics module does not exist on %s", (int)(len > 60 ? 60 : len), s,
			      rf->k->target_is_x86 ? "aarch64" : "x86", rf->k->target);
	rust_report(rf, arch_rule(rf), SEV_ERROR, reach, ts_node_start_byte(n), ts_node_end_byte(n), "gate", msg);
	free(msg);
}

/* A name of core::arch::aarch64 (vld1q_u8, uint8x16_t) in code x86_64
 * compiles, in a file that imports from that module: with the import gated
 * out (or failing) the name resolves to nothing (E0425, E0412). Once per
 * top-level item: the rest of its body is the same port. */
static void check_arch_name(struct rust_file *rf, TSNode id, enum tri reach)
{
	if (!rf->k->target_is_x86 || !rf->foreign_arch_use || reach == TRI_FALSE ||
	    rf->arch_name_item == rf->item_start + 1)
		return;
	size_t n;
	const char *s = rust_node_text(rf, id, &n);
	const char *kind = rust_arch_item(rf->k->rust_arch, s, n);
	if (!kind)
		return;
	rf->arch_name_item = rf->item_start + 1;
	char *msg = xasprintf("`%.*s` is a%s of core::arch::aarch64, which %s does not have (rustc %s)", (int)n, s,
			      !strcmp(kind, "type") ? " NEON type" : !strcmp(kind, "fn") ? "n intrinsic" : "n item",
			      rf->k->target, !strcmp(kind, "type") ? "E0412" : "E0425");
	rust_report(rf, arch_rule(rf), SEV_ERROR, reach, ts_node_start_byte(id), ts_node_end_byte(id), "gate", msg);
	free(msg);
}

static const char *last_segment(const char *s, size_t n, size_t *out)
{
	const char *p = s + n;
	while (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		p--;
	*out = (size_t)(s + n - p);
	return p;
}

/* asm! operands: explicit x86 registers, x86 register classes,
 * att_syntax and x86 clobber ABIs. */
static const char *const x86_reg_classes[] = { "reg_abcd", "reg_byte", "xmm_reg", "ymm_reg", "zmm_reg", "kreg",
	"kreg0", "x87_reg", "mmx_reg", "tmm_reg", NULL };

static int x86_register_name(const struct rust_file *rf, const char *s, size_t n)
{
	char w[32];
	if (n == 0 || n >= sizeof w || mem_eq(s, n, "sp"))
		return 0;   /* sp is also an aarch64 and riscv64 register */
	for (size_t i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	return strmap_value(&rf->k->x86_registers, w, n) != NULL;
}

/* `("x0")` or `(vreg)`: a register or class the source arch's rustc takes
 * and the target's calls unknown (rules/rust/asm-operands.tsv). */
static int operand_off_target(const struct rust_file *rf, const char *s, size_t sn, char *what, size_t size)
{
	const char *b = s + 1, *e = s + sn - 1;   /* inside the parentheses */
	if (sn < 3 || *s != '(' || *e != ')')
		return 0;
	if (*b == '"' && e > b + 1 && e[-1] == '"')
		b++, e--;
	int is_class;
	const char *source = rust_source_arch(rf->k->target);
	enum rust_verdict t = rust_operand_on(rf->k->rust_arch, b, (size_t)(e - b), rust_target_arch(rf->k->target),
					      &is_class);
	enum rust_verdict src = rust_operand_on(rf->k->rust_arch, b, (size_t)(e - b), source, &is_class);
	if (t != RV_INVALID || src == RV_INVALID || src == RV_UNLISTED)
		return 0;
	snprintf(what, size, "%s register%s `%.*s`", rf->k->target_is_x86 ? "aarch64" : "x86", is_class ? " class" : "",
		 (int)(e - b), b);
	return 1;
}

static int operand_issue(struct rust_file *rf, TSNode kw, TSNode spec, char *what, size_t size)
{
	size_t kn, sn;
	const char *k = rust_node_text(rf, kw, &kn), *s = rust_node_text(rf, spec, &sn);
	if (mem_eq(k, kn, "options"))
		return memmem(s, sn, "att_syntax", 10) && snprintf(what, size, "option `att_syntax` (x86 only)");
	if (mem_eq(k, kn, "clobber_abi"))
		return (memmem(s, sn, "sysv64", 6) || memmem(s, sn, "win64", 5)) &&
		       snprintf(what, size, "x86 clobber ABI %.*s", (int)(sn > 40 ? 40 : sn), s);
	if (!mem_eq(k, kn, "in") && !mem_eq(k, kn, "out") && !mem_eq(k, kn, "inout") && !mem_eq(k, kn, "lateout") &&
	    !mem_eq(k, kn, "inlateout"))
		return 0;
	const char *q = memchr(s, '"', sn);
	if (operand_off_target(rf, s, sn, what, size))
		return 1;
	if (rf->k->target_is_x86)
		return 0;
	if (q) {
		const char *e = memchr(q + 1, '"', (size_t)(s + sn - q - 1));
		return e && x86_register_name(rf, q + 1, (size_t)(e - q - 1)) &&
		       snprintf(what, size, "x86 register `%.*s`", (int)(e - q - 1), q + 1);
	}
	for (const char *const *c = x86_reg_classes; *c; c++)
		if (sn == strlen(*c) + 2 && memcmp(s + 1, *c, sn - 2) == 0)
			return snprintf(what, size, "x86 register class `%s`", *c) > 0;
	return 0;
}

/* A template literal's contents with Rust's `{…}` placeholders and `\n`
 * escapes blanked, offsets kept; *body is where the contents start. */
static char *template_text(struct rust_file *rf, TSNode lit, uint32_t *body, size_t *n)
{
	size_t len;
	const char *s = rust_node_text(rf, lit, &len);
	const char *q = memchr(s, '"', len), *e = s + len;
	while (e > q && e[-1] != '"')
		e--;
	if (!q || e <= q + 1) {
		*n = 0;
		return NULL;
	}
	*body = ts_node_start_byte(lit) + (uint32_t)(q + 1 - s);
	*n = (size_t)(e - 1 - (q + 1));
	char *t = xstrndup(q + 1, *n);
	for (size_t i = 0; i < *n; i++) {
		if (t[i] == '\\' && i + 1 < *n) {
			t[i] = ' ';
			t[i + 1] = t[i + 1] == 'n' ? '\n' : ' ';
			i++;
		} else if (t[i] == '{') {
			while (i < *n && t[i] != '}')
				t[i++] = ' ';
			if (i < *n)
				t[i] = ' ';
		} else if (t[i] == '}') {
			t[i] = ' ';
		}
	}
	return t;
}

/* Intel syntax (Rust's default on x86): an x86 mnemonic with a bare x86
 * register operand or `ptr`, which no other assembler knows. */
static int intel_operands(struct rust_file *rf, const char *t, size_t n, struct asm_issue *issue)
{
	for (size_t ls = 0; ls < n;) {
		const char *nl = memchr(t + ls, '\n', n - ls);
		size_t le = nl ? (size_t)(nl - t) : n, i = ls;
		while (i < le && isspace((unsigned char)t[i]))
			i++;
		size_t m = i;
		while (m < le && isalnum((unsigned char)t[m]))
			m++;
		char mn[32];
		size_t mlen = m - i;
		for (size_t j = 0; j < mlen && j < sizeof mn - 1; j++)
			mn[j] = (char)tolower((unsigned char)t[i + j]);
		int x86 = mlen && mlen < sizeof mn && strmap_value(&rf->k->x86_mnemonics, mn, mlen);
		for (size_t w = m; x86 && w < le;) {
			if (!isalnum((unsigned char)t[w])) {
				w++;
				continue;
			}
			size_t we = w;
			while (we < le && (isalnum((unsigned char)t[we]) || t[we] == '_'))
				we++;
			if (x86_register_name(rf, t + w, we - w) || mem_eq(t + w, we - w, "ptr")) {
				issue->offset = w;
				issue->len = we - w;
				snprintf(issue->what, sizeof issue->what, "x86 operand `%.*s`", (int)(we - w), t + w);
				return 1;
			}
			w = we;
		}
		ls = le + 1;
	}
	return 0;
}

/* The word at t[i, end) (letters, digits, `_`, `.`), lower-cased into w. */
static size_t asm_word(const char *t, size_t i, size_t end, char *w, size_t wsize)
{
	size_t m = i;
	while (m < end && (isalnum((unsigned char)t[m]) || t[m] == '_' || t[m] == '.'))
		m++;
	if (m - i >= wsize)
		return 0;
	for (size_t j = i; j < m; j++)
		w[j - i] = (char)tolower((unsigned char)t[j]);
	w[m - i] = '\0';
	return m - i;
}

/* An operand x86 has no reading for: an aarch64 register (x0, w3, v1,
 * lr) or a `#1` / `#-16` / `#0x10` immediate (`#` starts a comment for the
 * x86 assembler, which then sees a missing operand; a `# note` after x86
 * code is such a comment, not an immediate). */
static int aarch64_operand(const struct rust_file *rf, const char *t, size_t from, size_t end, struct asm_issue *issue)
{
	char w[32];
	for (size_t i = from; i < end; i++) {
		if (t[i] == '#' && i + 1 < end && (isdigit((unsigned char)t[i + 1]) || t[i + 1] == '-')) {
			issue->offset = i;
			issue->len = 1;
			snprintf(issue->what, sizeof issue->what, "aarch64 immediate `#`");
			return 1;
		}
		if (!isalpha((unsigned char)t[i]) || (i > from && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_')))
			continue;
		size_t n = asm_word(t, i, end, w, sizeof w);
		int is_class;
		if (n && rust_operand_on(rf->k->rust_arch, w, n, "x86_64", &is_class) == RV_INVALID &&
		    rust_operand_on(rf->k->rust_arch, w, n, "aarch64", &is_class) != RV_INVALID && !is_class) {
			issue->offset = i;
			issue->len = n;
			snprintf(issue->what, sizeof issue->what, "aarch64 register `%s`", w);
			return 1;
		}
		i += n ? n - 1 : 0;
	}
	return 0;
}

/* aarch64 assembly in a template, for the x86_64 target: an instruction
 * LLVM's aarch64 assembler knows and its x86 one does not (mrs, dmb, eret,
 * b, yield; rules/rust/asm-mnemonics.tsv), or, for a word both know (mov,
 * add, str), an aarch64 operand. Labels, directives and comments pass. */
static int aarch64_template(struct rust_file *rf, const char *t, size_t n, struct asm_issue *issue)
{
	for (size_t ls = 0; ls < n;) {
		size_t le = ls;
		while (le < n && t[le] != '\n' && t[le] != ';')
			le++;
		size_t i = ls;
		while (i < le && isspace((unsigned char)t[i]))
			i++;
		char w[32];
		size_t wn = asm_word(t, i, le, w, sizeof w);
		int label = i + wn < le && t[i + wn] == ':';
		if (wn && !label && w[0] != '.') {
			char *dot = strchr(w, '.');   /* b.eq: the branch `b` with a condition */
			size_t mn = dot ? (size_t)(dot - w) : wn;
			int unknown = rust_a64_mnemonic_x86_unknown(rf->k->rust_arch, w, mn);
			if (unknown == 1) {
				issue->offset = i;
				issue->len = wn;
				snprintf(issue->what, sizeof issue->what, "aarch64 instruction `%s`", w);
				return 1;
			}
			if (unknown == 0 && aarch64_operand(rf, t, i + wn, le, issue))
				return 1;
		}
		ls = le + 1;
	}
	return 0;
}

static int check_template(struct rust_file *rf, TSNode lit, enum tri reach)
{
	if (rf->in_cfg_macro)
		return 0;   /* `if cfg!(false)` is dropped before code generation: LLVM never sees it (operands still count) */
	uint32_t body;
	size_t n;
	char *t = template_text(rf, lit, &body, &n);
	struct asm_issue issue;
	int found = t && (rf->k->target_is_x86 ? aarch64_template(rf, t, n, &issue)
				       : asm_check_text(rf->k, t, n, ASM_SOURCE, &issue) || intel_operands(rf, t, n, &issue));
	if (found) {
		char *msg = xasprintf("%s in asm! is not valid on %s", issue.what, rf->k->target);
		rust_report(rf, asm_rule(rf), SEV_ERROR, reach, body + (uint32_t)issue.offset,
		       body + (uint32_t)(issue.offset + issue.len), "gate", msg);
		free(msg);
	}
	free(t);
	return found;
}

/* asm!/global_asm!: templates are the leading string arguments, then
 * operands and options. The first x86 construct is reported. */
static void check_asm(struct rust_file *rf, TSNode tt, enum tri reach)
{
	uint32_t count = ts_node_child_count(tt);
	int templates = 1;
	TSNode prev = { 0 };
	int have_prev = 0;
	for (uint32_t i = 1; i + 1 < count; i++) {
		TSNode c = ts_node_child(tt, i);
		const char *type = ts_node_type(c);
		if (!strcmp(type, ",")) {
			have_prev = 0;
			continue;
		}
		if (templates && (!strcmp(type, "string_literal") || !strcmp(type, "raw_string_literal"))) {
			if (check_template(rf, c, reach))
				return;
			continue;
		}
		templates = 0;
		char what[96];
		if (!strcmp(type, "token_tree") && have_prev && operand_issue(rf, prev, c, what, sizeof what)) {
			char *msg = xasprintf("%s in asm! is not valid on %s", what, rf->k->target);
			rust_report(rf, asm_rule(rf), SEV_ERROR, reach, ts_node_start_byte(prev), ts_node_end_byte(c),
			       "gate", msg);
			free(msg);
			return;
		}
		prev = c;
		have_prev = 1;
	}
}

/* `is_<arch>_feature_detected`: std defines it for every arch, but only
 * the target's own may be used (`is_x86_feature_detected` on x86_64). */
static int foreign_detect_macro(const struct rust_file *rf, const char *s, size_t n)
{
	static const char pre[] = "is_", post[] = "_feature_detected";
	if (n <= strlen(pre) + strlen(post) || memcmp(s, pre, 3) != 0 || memcmp(s + n - strlen(post), post, strlen(post)))
		return 0;
	const char *arch = s + 3;
	size_t an = n - 3 - strlen(post);
	return !(rf->k->target_is_x86 ? mem_eq(arch, an, "x86") : mem_eq(arch, an, rust_target_arch(rf->k->target)));
}

static void check_macro(struct rust_file *rf, TSNode mac, enum tri reach)
{
	size_t n, ln;
	const char *name = rust_node_text(rf, ts_node_child_by_field_name(mac, "macro", 5), &n);
	const char *last = last_segment(name, n, &ln);
	TSNode tt = ts_node_named_child(mac, ts_node_named_child_count(mac) - 1);
	if (mem_eq(last, ln, "compile_error")) {
		if (reach == TRI_FALSE)
			return;   /* a gated-out fallback arm is not x86 code */
		size_t tn;
		const char *t = rust_node_text(rf, tt, &tn);
		char *msg = xasprintf("compile_error!%.*s stops the build for %s", (int)(tn > 80 ? 80 : tn), t, rf->k->target);
		rust_report(rf, RULE_RUST_COMPILE_ERROR, SEV_ERROR, reach, ts_node_start_byte(mac), ts_node_end_byte(mac),
		       "stub", msg);
		free(msg);
		return;
	}
	if (foreign_detect_macro(rf, last, ln)) {
		char *msg = xasprintf("%.*s! cannot be used on %s", (int)ln, last, rf->k->target);
		rust_report(rf, arch_rule(rf), SEV_ERROR, reach, ts_node_start_byte(mac), ts_node_end_byte(mac),
		       "gate", msg);
		free(msg);
	} else if ((mem_eq(last, ln, "asm") || mem_eq(last, ln, "global_asm")) && !strcmp(ts_node_type(tt), "token_tree")) {
		check_asm(rf, tt, reach);
	}
}

/* ---- the walk ---- */

static void visit(struct rust_file *rf, TSNode node, enum tri reach, const char *mod_dir);

/* `cfg!(pred)` as an if condition, with pred false on the target: the
 * branch never runs there, but rustc still compiles it. */
static int cfg_macro_false(struct rust_file *rf, TSNode cond)
{
	if (ts_node_is_null(cond) || strcmp(ts_node_type(cond), "macro_invocation") != 0)
		return 0;
	size_t n, tn;
	const char *name = rust_node_text(rf, ts_node_child_by_field_name(cond, "macro", 5), &n);
	TSNode tt = ts_node_named_child(cond, ts_node_named_child_count(cond) - 1);
	const char *t = rust_node_text(rf, tt, &tn);
	if (!mem_eq(name, n, "cfg") || tn < 2)
		return 0;
	return rust_cfg_eval(&rf->env, t + 1, tn - 2) == TRI_FALSE;
}

/* Findings in the taken-on-x86-only branch say why they still break. */
static void visit_cfg_macro_if(struct rust_file *rf, TSNode c, enum tri reach, const char *mod_dir)
{
	TSNode cons = ts_node_child_by_field_name(c, "consequence", 11);
	TSNode alt = ts_node_child_by_field_name(c, "alternative", 11);
	rf->in_cfg_macro++;
	if (!ts_node_is_null(cons))
		visit(rf, cons, reach, mod_dir);
	rf->in_cfg_macro--;
	if (!ts_node_is_null(alt))
		visit(rf, alt, reach, mod_dir);
}

/* `mod name;` or `mod name { ... }`: resolved for the target, recorded
 * as a declaration of the file (top) for the crate-wide pass. */
static void visit_mod(struct rust_file *rf, TSNode c, const struct item_attrs *a, enum tri reach, const char *mod_dir,
		      int top)
{
	TSNode body = ts_node_child_by_field_name(c, "body", 4);
	if (ts_node_is_null(body)) {
		rf->module_file = -1;
		if (reach != TRI_FALSE)
			resolve_module(rf, c, a, reach, mod_dir);
		int other = module_file_any(rf, c, a, mod_dir);
		if (top)
			rust_facts_item(rf, c, a, reach, rf->module_file, other == rf->module_file ? -1 : other);
		return;
	}
	if (top)
		rust_facts_item(rf, c, a, reach, -1, -1);
	size_t n;
	const char *name = rust_node_text(rf, ts_node_child_by_field_name(c, "name", 4), &n);
	char *sub = join_rel(mod_dir, name, n);
	rf->inline_depth++;
	visit(rf, body, reach, sub);
	rf->inline_depth--;
	free(sub);
}

static void visit_item(struct rust_file *rf, TSNode c, const struct item_attrs *a, enum tri reach,
		       const char *mod_dir, int top)
{
	const char *type = ts_node_type(c);
	rust_hazards_node(rf, c, reach);
	check_target_feature(rf, a, reach);
	if (!strcmp(type, "mod_item")) {
		visit_mod(rf, c, a, reach, mod_dir, top);
		return;
	}
	if (top)
		rust_facts_item(rf, c, a, reach, -1, -1);
	if (!strcmp(type, "macro_invocation")) {
		check_macro(rf, c, reach);
	} else if (!strcmp(type, "if_expression") && cfg_macro_false(rf, ts_node_child_by_field_name(c, "condition", 9))) {
		visit_cfg_macro_if(rf, c, reach, mod_dir);
	} else if (!strcmp(type, "use_declaration")) {
		check_path(rf, ts_node_child_by_field_name(c, "argument", 8), reach);
		rust_facts_use(rf, c, a, reach, top);
	} else if (!strcmp(type, "scoped_identifier") || !strcmp(type, "scoped_type_identifier")) {
		check_path(rf, c, reach);   /* the outermost path only */
		rust_facts_path(rf, c, reach);
	} else if (!strcmp(type, "identifier") || !strcmp(type, "type_identifier")) {
		check_arch_name(rf, c, reach);
		rust_facts_name(rf, c, reach, 0);
	} else if (!strcmp(type, "call_expression")) {
		TSNode fn = ts_node_child_by_field_name(c, "function", 8);
		if (!ts_node_is_null(fn) && !strcmp(ts_node_type(fn), "identifier"))
			rust_facts_name(rf, fn, reach, 1);   /* a called name is an item */
		visit(rf, c, reach, mod_dir);
	} else if (strcmp(type, "macro_definition") != 0) {
		visit(rf, c, reach, mod_dir);
	}
}

/* Children in order: outer attributes collect into the next item; inner
 * attributes (#![cfg(...)]) gate the rest of their container. */
/* Nodes whose own attributes come first among their children and cover
 * all of them: `#[cfg(feature = "x")] Pat => expr` gates the arm, not
 * just its pattern. */
static int attrs_cover_node(const char *type)
{
	static const char *const types[] = { "match_arm", "field_initializer", "shorthand_field_initializer",
		"field_declaration", "enum_variant", "parameter", NULL };
	for (const char *const *t = types; *t; t++)
		if (!strcmp(type, *t))
			return 1;
	return 0;
}

static void visit_children(struct rust_file *rf, TSNode node, enum tri reach, const char *mod_dir);

/* The walk recurses once per syntax level: past RUST_MAX_NESTING the
 * subtree is skipped, with one warning per file, instead of a stack overflow. */
static void visit(struct rust_file *rf, TSNode node, enum tri reach, const char *mod_dir)
{
	if (rf->nesting >= RUST_MAX_NESTING) {
		if (!rf->nesting_reported++)
			rust_report(rf, RULE_LIMIT, SEV_WARNING, TRI_TRUE, ts_node_start_byte(node), ts_node_start_byte(node),
				    "none", "Rust code nested deeper than 1000 syntax levels: what is below this point is not scanned");
		return;
	}
	rf->nesting++;
	visit_children(rf, node, reach, mod_dir);
	rf->nesting--;
}

static void visit_children(struct rust_file *rf, TSNode node, enum tri reach, const char *mod_dir)
{
	struct item_attrs a = { .cfg = TRI_TRUE };
	/* ts_node_parent walks down from the root: compare with it instead */
	int top = ts_node_eq(node, rf->root_node), covers = attrs_cover_node(ts_node_type(node));
	uint32_t count = ts_node_named_child_count(node);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(node, i);
		const char *type = ts_node_type(c);
		if (!strcmp(type, "attribute_item")) {
			read_attribute(rf, c, &a);
		} else if (!strcmp(type, "inner_attribute_item")) {
			struct item_attrs inner = { .cfg = TRI_TRUE };
			read_attribute(rf, c, &inner);
			reach = tri_and(reach, inner.cfg);
		} else if (strcmp(type, "line_comment") != 0 && strcmp(type, "block_comment") != 0) {
			if (top)
				rf->item_start = ts_node_start_byte(c);
			visit_item(rf, c, &a, tri_and(reach, a.cfg), mod_dir, top);
			if (covers) {
				reach = tri_and(reach, a.cfg);
				a.target_feature = (TSNode){ 0 };
				continue;
			}
			memset(&a, 0, sizeof a);
			a.cfg = TRI_TRUE;
		}
	}
}

/* ---- what tree-sitter could not parse ---- */

#define MAX_PARSE_REPORTS 20   /* per file: a binary or a wrong language gives thousands */

static void report_parse_error(struct rust_file *rf, TSNode n)
{
	int missing = ts_node_is_missing(n), last, col;
	uint32_t start = ts_node_start_byte(n), end = ts_node_end_byte(n);
	position(rf, end, &last, &col);
	char *msg = missing ? xasprintf("`%s` is missing here (a truncated or unfinished file?): the item around it is "
					"read as far as tree-sitter could parse it", ts_node_type(n))
			    : xasprintf("Rust code tree-sitter could not parse (to line %d): the items in it may be "
					"scanned only in part", last);
	rust_report(rf, RULE_PARSE, SEV_WARNING, TRI_TRUE, start, start, "none", msg);
	free(msg);
}

/* Reports each ERROR region (not what it contains) and each MISSING token,
 * in file order, with a cursor: no recursion over a tree of any depth. */
static void report_parse_errors(struct rust_file *rf, TSNode root)
{
	if (!ts_node_has_error(root))
		return;
	TSTreeCursor c = ts_tree_cursor_new(root);
	int reported = 0, descend = 1;
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		int bad = ts_node_is_missing(n) || !strcmp(ts_node_type(n), "ERROR");
		if (bad && reported++ < MAX_PARSE_REPORTS)
			report_parse_error(rf, n);
		if (descend && !bad && ts_node_has_error(n) && ts_tree_cursor_goto_first_child(&c))
			continue;
		descend = 1;
		if (ts_tree_cursor_goto_next_sibling(&c))
			continue;
		if (!ts_tree_cursor_goto_parent(&c))
			break;
		descend = 0;   /* back up: the parent's children are done, go on with its siblings */
	}
	ts_tree_cursor_delete(&c);
}

/* ---- per-file set-up ---- */

/* A mod-rs file (its `mod x;` items live in its own directory): mod.rs,
 * or a crate root, whatever its name. */
static int is_mod_rs(const struct tree_index *ix, const char *rel)
{
	const char *b = strrchr(rel, '/');
	return !strcmp(b ? b + 1 : rel, "mod.rs") || rust_is_crate_root(ix, rel);
}

/* The crate's default features, from the nearest Cargo.toml above the
 * file (read once per scan, cargo_manifest.c). */
static void load_crate_features(struct rust_file *rf)
{
	const struct cargo_manifest *m = cargo_manifest_for(&rf->ix->cargo, rf->sf->rel);
	if (!m)
		return;
	rf->env.features = rf->host_env.features = m->features;
	rf->env.nfeatures = rf->host_env.nfeatures = m->nfeatures;
}

void scan_rust(const struct tree_index *ix, int file_index, const struct textfile *tf, struct file_scan *out)
{
	const struct source_file *f = &ix->walk->files[file_index];
	struct rust_file rf = { .ix = ix, .k = ix->k, .sf = f, .src = tf->data, .len = tf->len,
				.em = { &out->findings, f->rel, tf->data, tf->data + tf->len, 0, NULL, NULL, NULL }, .out = out };
	rf.root = xstrndup(f->path, strlen(f->path) - strlen(f->rel));
	const char *slash = strrchr(f->rel, '/');
	rf.dir = slash ? xstrndup(f->rel, (size_t)(slash - f->rel)) : xstrdup("");
	rust_cfg_init(&rf.env, ix->k->target);
	rust_cfg_init(&rf.host_env, rust_source_arch(ix->k->target));
	load_crate_features(&rf);
	TSParser *parser = ts_parser_new();
	ts_parser_set_language(parser, tree_sitter_rust());
	TSTree *tree = ts_parser_parse_string(parser, NULL, tf->data, (uint32_t)tf->len);
	char *mod_dir;
	if (is_mod_rs(ix, f->rel)) {
		mod_dir = xstrdup(rf.dir);
	} else {
		size_t n = strlen(f->rel);
		mod_dir = xstrndup(f->rel, n > 3 && !strcmp(f->rel + n - 3, ".rs") ? n - 3 : n);
	}
	rf.is_build_script = !strcmp(slash ? slash + 1 : f->rel, "build.rs");
	rust_hazards_begin(&rf);
	rf.root_node = ts_tree_root_node(tree);
	report_parse_errors(&rf, rf.root_node);
	visit(&rf, rf.root_node, TRI_TRUE, mod_dir);
	rust_hazards_end(&rf);
	rust_facts_end(&rf);
	free(mod_dir);
	ts_tree_delete(tree);
	ts_parser_delete(parser);
	rust_cfg_free(&rf.env);
	rust_cfg_free(&rf.host_env);
	free(rf.root);
	free(rf.dir);
}
