/* The Rust patch writer. Rust has no #line, so the x86_64 objects stay
 * byte-identical only if no original line moves: every edit here puts text
 * at the start or the end of an existing line, at the end of the file, or
 * in a new file. Per file:
 *  - a path mapping with no target arm (rust/missing-module): a target arm
 *    on the attribute's line, and the target file with the x86 file's
 *    public surface (signatures with todo!() bodies);
 *  - x86-only fns (rust/asm-x86, rust/arch-x86, rust/target-feature):
 *    `#[cfg(target_arch = "x86_64")]` at the start of the item's first
 *    line, or, when that line has code whose columns the debug info
 *    records (a one-line fn), at the end of the line before; a todo!()
 *    twin for the other arches at the end of the file; an x86 `use` is
 *    gated, and so are the fns that use what it imports;
 *  - an x86 global_asm!: gated, and a target global_asm! defines its
 *    global symbols as traps;
 *  - compile_error! under `cfg(not(... "x86_64"))`: the target joins the
 *    predicate;
 *  - items gated out but used, and shared register structs: twins written
 *    by stub_rust_twins.c, twin files by stub_rust_surface.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>
#include "rules.h"
#include "rust_arch.h"
#include "rust_scan.h"
#include "scan.h"
#include "stub_rust.h"
#include "textfile.h"

const TSLanguage *tree_sitter_rust(void);

const char *rs_text(const char *src, TSNode n, size_t *len)
{
	*len = ts_node_end_byte(n) - ts_node_start_byte(n);
	return src + ts_node_start_byte(n);
}

TSTree *rs_parse(TSParser *p, const char *src, size_t len)
{
	return ts_parser_parse_string(p, NULL, src, (uint32_t)len);
}

/* ---- the twin of a fn: its signature and a todo!() body ---- */

int rs_is(TSNode n, const char *type)
{
	return !ts_node_is_null(n) && !strcmp(ts_node_type(n), type);
}

/* `sig { todo!() }`, unused parameters allowed since the body reads none. */
void rs_fn_twin(const char *src, TSNode fn, const char *indent, struct strbuf *out)
{
	TSNode body = ts_node_child_by_field_name(fn, "body", 4);
	if (ts_node_is_null(body))
		return;
	uint32_t s = ts_node_start_byte(fn), e = ts_node_start_byte(body);
	while (e > s && isspace((unsigned char)src[e - 1]))
		e--;
	sb_addf(out, "%s#[allow(unused_variables)]\n%s%.*s {\n%s    todo!()\n%s}\n", indent, indent, (int)(e - s),
		src + s, indent, indent);
}

/* ---- the twin of a global_asm! ---- */

/* The `global_asm!` invocation a top-level node is (or wraps), or null. */
TSNode rs_global_asm(const char *src, TSNode n)
{
	TSNode none = { 0 };
	if (rs_is(n, "expression_statement"))
		n = ts_node_named_child(n, 0);
	if (!rs_is(n, "macro_invocation"))
		return none;
	size_t len;
	const char *name = rs_text(src, ts_node_child_by_field_name(n, "macro", 5), &len);
	return len >= 10 && !memcmp(name + len - 10, "global_asm", 10) && (len == 10 || name[len - 11] == ':') ? n : none;
}

/* The text of a string literal, escapes decoded (\n \t \\ \" \' \0,
 * line continuations; others kept as written); raw strings as they are. */
static void string_value(const char *src, TSNode lit, struct strbuf *out)
{
	size_t n;
	const char *t = rs_text(src, lit, &n);
	const char *open = memchr(t, '"', n), *close = memrchr(t, '"', n);
	if (!open || close <= open)
		return;
	if (rs_is(lit, "raw_string_literal")) {
		sb_addf(out, "%.*s", (int)(close - open - 1), open + 1);
		return;
	}
	static const char from[] = "nt\\\"'0r", to[] = "\n\t\\\"'\0\r";
	for (const char *p = open + 1; p < close; p++) {
		const char *e = p[0] == '\\' && p + 1 < close ? strchr(from, p[1]) : NULL;
		if (p[0] == '\\' && p + 1 < close && p[1] == '\n') {
			for (p += 2; p < close && isspace((unsigned char)*p); p++)
				;
			p--;
		} else if (e && *e) {
			sb_addc(out, to[e - from]);
			p++;
		} else {
			sb_addc(out, *p);
		}
	}
}

/* The assembly of a global_asm!: its leading string arguments, one per
 * line as the macro joins them. */
static char *global_asm_text(const char *src, TSNode mac)
{
	TSNode tt = ts_node_named_child(mac, ts_node_named_child_count(mac) - 1);
	struct strbuf sb = { 0 };
	uint32_t count = ts_node_named_child_count(tt);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(tt, i);
		if (!rs_is(c, "string_literal") && !rs_is(c, "raw_string_literal"))
			break;   /* operands and options follow the templates */
		string_value(src, c, &sb);
		sb_addc(&sb, '\n');
	}
	return sb_detach(&sb);
}

/* The target's global_asm! for an x86 one: each of its global symbols
 * defined as a trap (stub_asm_twin, as for a .S file), so the Rust that
 * declares them in `extern` blocks links, and a call stops at once. */
void rs_global_asm_twin(struct rs_file *rf, TSNode mac, struct strbuf *out)
{
	char *text = global_asm_text(rf->src, mac);
	struct strbuf lines_sb = { 0 };
	char **lines = NULL;
	size_t nlines = 0, cap = 0;
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		GROW(lines, nlines, cap);
		lines[nlines++] = line;
	}
	char *twin = stub_asm_twin(rf->c->k->target, lines, nlines);
	sb_addf(out, "\n#[cfg(target_arch = \"%s\")]\ncore::arch::global_asm!(\n", rf->arch);
	for (char *line = twin, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		sb_adds(&lines_sb, "    \"");
		for (const char *p = line; p < nl; p++) {
			if (*p == '"' || *p == '\\')
				sb_addc(&lines_sb, '\\');
			sb_addc(&lines_sb, *p == '\t' ? ' ' : *p);
		}
		sb_adds(&lines_sb, "\",\n");
	}
	sb_addf(out, "%s);\n", lines_sb.buf ? lines_sb.buf : "");
	sb_free(&lines_sb);
	free(lines);
	free(twin);
	free(text);
}

/* ---- the target file of a path mapping ---- */

/* An identifier of s that core::arch::aarch64 declares (uint8x16_t). */
static int names_aarch64_item(const struct knowledge *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '_'))
			e++;
		if (e > i && rust_arch_item(k->rust_arch, s + i, e - i))
			return 1;
		i = e > i ? e : i + 1;
	}
	return 0;
}

/* Types and paths that exist only on the source arch: a copied item must
 * not name them (x86 ones; aarch64 ones in the reverse port). */
int rs_mentions_x86(const struct knowledge *k, const char *s, size_t n)
{
	static const char *const words[] = { "x86", "__m128", "__m256", "__m512", "__cpuid", "_rdtsc", NULL };
	if (k->target_is_x86)
		return memmem(s, n, "arch::aarch64", 13) || names_aarch64_item(k, s, n);
	for (const char *const *w = words; *w; w++)
		if (memmem(s, n, *w, strlen(*w)))
			return 1;
	return 0;
}

int rs_is_pub(TSNode item)
{
	TSNode v = ts_node_named_child(item, 0);
	return rs_is(v, "visibility_modifier");
}

/* The item's outer attributes (derive, repr, doc) as they stand before it. */
void rs_copy_attrs(const char *src, TSNode list, uint32_t first, uint32_t item, struct strbuf *out)
{
	for (uint32_t i = first; i < item; i++) {
		size_t n;
		TSNode a = ts_node_named_child(list, i);
		const char *t = rs_text(src, a, &n);
		if (rs_is(a, "attribute_item") && !memmem(t, n, "target_feature", 14) && !memmem(t, n, "inline", 6))
			sb_addf(out, "%.*s\n", (int)n, t);
	}
}

/* const/static: the x86 value, flagged, since a const cannot be todo!()
 * and a 0 could turn a division into a compile-time error. */
void rs_const_twin(const char *src, TSNode item, const char *source, struct strbuf *out)
{
	size_t n;
	const char *t = rs_text(src, item, &n);
	sb_addf(out, "// TODO(archport): the %s value; check it for this target\n%.*s\n", source, (int)n, t);
}

/* An impl block: its header, and a todo!() twin of each fn. */
void rs_impl_twin(const char *src, TSNode impl, struct strbuf *out)
{
	TSNode body = ts_node_child_by_field_name(impl, "body", 4);
	if (ts_node_is_null(body))
		return;
	uint32_t s = ts_node_start_byte(impl), e = ts_node_start_byte(body);
	sb_addf(out, "%.*s{\n", (int)(e - s), src + s);
	uint32_t count = ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(body, i);
		size_t n;
		const char *t = rs_text(src, c, &n);
		if (rs_is(c, "function_item"))
			rs_fn_twin(src, c, "    ", out);
		else if (rs_is(c, "const_item") || rs_is(c, "type_item"))
			sb_addf(out, "    %.*s\n", (int)n, t);
	}
	sb_adds(out, "}\n");
}
/* ---- locating items ---- */

/* The top-level item (index into the root's named children) that holds
 * byte `at`, and the index of its first outer attribute. */
int rs_top_item(struct rs_file *rf, uint32_t at, uint32_t *item, uint32_t *first)
{
	TSNode root = ts_tree_root_node(rf->tree);
	uint32_t count = ts_node_named_child_count(root);
	int in_attr = 0;   /* `at` is in an attribute: the item is the next one */
	*first = 0;
	for (uint32_t i = 0; i < count; i++) {
		TSNode c = ts_node_named_child(root, i);
		const char *type = ts_node_type(c);
		if (!strcmp(type, "line_comment") || !strcmp(type, "block_comment"))
			continue;   /* doc comments may sit between attributes */
		int holds = ts_node_end_byte(c) > at && ts_node_start_byte(c) <= at;
		if (!strcmp(type, "attribute_item")) {
			in_attr |= holds;
			continue;
		}
		if (holds || in_attr) {
			*item = i;
			return 1;
		}
		*first = i + 1;
	}
	return 0;
}

TSNode rs_root_child(struct rs_file *rf, uint32_t i)
{
	return ts_node_named_child(ts_tree_root_node(rf->tree), i);
}

/* The first non-comment node from `first` (an attribute or the item). */
static TSNode item_head(struct rs_file *rf, uint32_t first, uint32_t item)
{
	for (uint32_t i = first; i < item; i++) {
		TSNode c = rs_root_child(rf, i);
		if (rs_is(c, "attribute_item"))
			return c;
	}
	return rs_root_child(rf, item);
}

/* ---- where a gate goes: no column that debug info records may move ---- */

/* Whether node `n` has code on `row` that the DWARF line table records
 * with its column: a fn body's statements and closing brace, a closure.
 * A body's opening brace records nothing, so a signature line is free. */
static int row_has_code(TSNode n, uint32_t row)
{
	if (ts_node_start_point(n).row > row || ts_node_end_point(n).row < row)
		return 0;
	if (rs_is(n, "closure_expression"))
		return 1;
	if (rs_is(n, "block")) {
		TSNode after_brace = ts_node_child(n, 1);
		return ts_node_start_point(n).row < row ||
		       (!ts_node_is_null(after_brace) && ts_node_start_point(after_brace).row == row);
	}
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		if (row_has_code(ts_node_named_child(n, i), row))
			return 1;
	return 0;
}

/* Whether text put before `head` would move a recorded column: code of
 * its item, or of any later sibling, on the rest of its line. */
static int moves_code(TSNode head)
{
	uint32_t row = ts_node_start_point(head).row;
	for (TSNode s = head; !ts_node_is_null(s) && ts_node_start_point(s).row <= row; s = ts_node_next_named_sibling(s))
		if (row_has_code(s, row))
			return 1;
	return 0;
}

static int is_comment(TSNode n)
{
	return rs_is(n, "line_comment") || rs_is(n, "block_comment");
}

/* `//!` and `/\*!`: an outer attribute may not stand before them. */
static int is_inner_doc(struct rs_file *rf, TSNode n)
{
	return is_comment(n) && ts_node_end_byte(n) - ts_node_start_byte(n) > 2 && rf->src[ts_node_start_byte(n) + 2] == '!';
}

/* The comment that holds the end of line `row` (a trailing `// ...`, or
 * a block comment open across it), if any: text put there would be
 * commented out. */
static TSNode comment_at_eol(struct rs_file *rf, uint32_t row)
{
	TSNode none = { 0 };
	uint32_t eol = (uint32_t)(rf->line_start[row] + rf->fp->lens[row]);
	if (eol == 0)
		return none;   /* a blank first line */
	TSNode n = ts_node_descendant_for_byte_range(ts_tree_root_node(rf->tree), eol - 1, eol);
	for (; !ts_node_is_null(n); n = ts_node_parent(n)) {
		if (!is_comment(n))
			continue;
		int open_across = ts_node_start_byte(n) < eol && eol < ts_node_end_byte(n);
		int ends_line = rs_is(n, "line_comment") && ts_node_start_point(n).row == row;
		return open_across || ends_line ? n : none;
	}
	return none;
}

/* line[0..len) with its `cut` bytes at `at` replaced by `text`, every
 * other byte kept (a NUL too). */
static void splice(struct strbuf *out, const char *line, size_t len, size_t at, size_t cut, const char *text)
{
	sb_add(out, line, at);
	sb_adds(out, text);
	sb_add(out, line + at + cut, len - at - cut);
}

/* Puts `text` at column `col` of line `row`: at its start, at its end, or
 * inside it (one splice per line). 0 when that line was rewritten already. */
static int insert_at(struct rs_file *rf, uint32_t row, uint32_t col, const char *text)
{
	const char *line = rf->fp->lines[row];
	size_t len = rf->fp->lens[row];
	if (col >= len)   /* a blank line too */
		sb_addf(&rf->post[row], "%s%s", len ? " " : "", text);
	else if (col == 0)
		sb_addf(&rf->pre[row], "%s ", text);
	else if (rf->repl[row].len)
		return 0;
	else {
		char *spaced = xasprintf("%s ", text);
		splice(&rf->repl[row], line, len, col, 0, spaced);
		free(spaced);
	}
	return 1;
}

/* The gate in front of `head` (an item or its first attribute). At the
 * head itself when that moves no recorded column; else at the end of the
 * line before, or before the comment that ends that line (moving only the
 * comment), provided only comments and this item's attributes come
 * between. 0 when there is no such place: the item shares its line with
 * the one before, or starts the file or block, or follows an inner doc
 * comment. */
static int place_gate(struct rs_file *rf, TSNode head)
{
	char attr[64];
	snprintf(attr, sizeof attr, "#[cfg(target_arch = \"%s\")]", rf->source);
	TSPoint at = ts_node_start_point(head);
	if (!moves_code(head))
		return insert_at(rf, at.row, at.column, attr);
	TSNode prev = ts_node_prev_named_sibling(head), parent = ts_node_parent(head);
	while (!ts_node_is_null(prev) && is_comment(prev))
		prev = ts_node_prev_named_sibling(prev);
	/* the row where what comes before ends: the previous item, a block's `{` */
	uint32_t before = !ts_node_is_null(prev) ? ts_node_end_point(prev).row
			  : rs_is(parent, "source_file") ? 0 : ts_node_start_point(parent).row;
	if (at.row == 0 || before >= at.row)
		return 0;
	uint32_t row = at.row - 1, col = (uint32_t)rf->fp->lens[row];
	TSNode c = comment_at_eol(rf, row);
	if (!ts_node_is_null(c)) {
		if (ts_node_start_point(c).row < before || (!ts_node_is_null(prev) && ts_node_start_byte(c) < ts_node_end_byte(prev)))
			return 0;
		row = ts_node_start_point(c).row;
		col = ts_node_start_point(c).column;
	}
	uint32_t from = (uint32_t)rf->line_start[row] + col;
	for (TSNode s = ts_node_prev_named_sibling(head); !ts_node_is_null(s) && ts_node_start_byte(s) >= from;
	     s = ts_node_prev_named_sibling(s))
		if (is_inner_doc(rf, s))
			return 0;
	return insert_at(rf, row, col, attr);
}

static int already_gated(struct rs_file *rf, uint32_t start)
{
	for (size_t i = 0; i < rf->ngated; i++)
		if (rf->gated[i] == start)
			return 1;
	GROW(rf->gated, rf->ngated, rf->gated_cap);
	rf->gated[rf->ngated++] = start;
	return 0;
}

/* ---- the edits ---- */

/* The gate in front of `head`, or, where the file has no place for one,
 * the whole module behind the cfg with a twin file (rs_gate_module). 0
 * when neither can be done. */
static int gate_at(struct rs_file *rf, TSNode head)
{
	if (place_gate(rf, head))
		return 1;
	return rs_gate_module(rf);
}

/* A fn whose signature (everything before its body) names a type only
 * the source arch has: its twin could not be written. */
static int signature_names_source_type(struct rs_file *rf, TSNode fn)
{
	TSNode body = ts_node_child_by_field_name(fn, "body", 4);
	uint32_t s = ts_node_start_byte(fn), e = ts_node_is_null(body) ? ts_node_end_byte(fn) : ts_node_start_byte(body);
	return rs_mentions_x86(rf->c->k, rf->src + s, e - s);
}

/* Gates top-level item `item` for the source arch; a fn gets its twin. */
static void gate_item(struct rs_file *rf, uint32_t first, uint32_t item)
{
	TSNode node = rs_root_child(rf, item), head = item_head(rf, first, item);
	if (already_gated(rf, ts_node_start_byte(node)) || !gate_at(rf, head))
		return;
	if (rs_is(node, "function_item")) {
		if (rf->c->k->target_is_x86 && signature_names_source_type(rf, node))
			return;   /* x86_64 has no twin of the NEON type it names */
		sb_addf(&rf->tail, "\n#[cfg(not(target_arch = \"%s\"))]\n", rf->source);
		if (!rf->c->k->target_is_x86 || !rs_idiom_fn_twin(rf, node, &rf->tail))
			rs_fn_twin(rf->src, node, "", &rf->tail);
	} else if (rs_is(node, "impl_item")) {
		sb_addf(&rf->tail, "\n#[cfg(not(target_arch = \"%s\"))]\n", rf->source);
		rs_impl_twin(rf->src, node, &rf->tail);
	} else if (!ts_node_is_null(rs_global_asm(rf->src, node))) {
		rs_global_asm_twin(rf, rs_global_asm(rf->src, node), &rf->tail);
	}
}

/* The fn of an impl block's body that holds byte `at`, or a null node. */
static TSNode method_at(TSNode impl, uint32_t at)
{
	TSNode none = { 0 }, body = ts_node_child_by_field_name(impl, "body", 4);
	uint32_t count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode m = ts_node_named_child(body, i);
		if (rs_is(m, "function_item") && ts_node_start_byte(m) <= at && at < ts_node_end_byte(m))
			return m;
	}
	return none;
}

/* The first of the attributes right before a method (or the method). */
static TSNode method_head(TSNode m)
{
	TSNode head = m;
	for (TSNode p = ts_node_prev_named_sibling(m); !ts_node_is_null(p) && rs_is(p, "attribute_item");
	     p = ts_node_prev_named_sibling(p))
		head = p;
	return head;
}

/* One x86 method of an impl block. An inherent impl can be split: the
 * method is gated and its twin goes into a second `impl` of the same type
 * at the end of the file. A trait impl cannot: it is gated whole. */
static void gate_method(struct rs_file *rf, uint32_t first, uint32_t item, TSNode method)
{
	TSNode impl = rs_root_child(rf, item), head = method_head(method);
	if (!ts_node_is_null(ts_node_child_by_field_name(impl, "trait", 5))) {
		gate_item(rf, first, item);
		return;
	}
	if (already_gated(rf, ts_node_start_byte(method)) || !gate_at(rf, head))
		return;
	TSNode body = ts_node_child_by_field_name(impl, "body", 4);
	uint32_t s = ts_node_start_byte(impl), e = ts_node_start_byte(body);
	sb_addf(&rf->tail, "\n#[cfg(not(target_arch = \"%s\"))]\n%.*s{\n", rf->source, (int)(e - s), rf->src + s);
	rs_fn_twin(rf->src, method, "    ", &rf->tail);
	sb_adds(&rf->tail, "}\n");
}

/* Whether the subtree of `n` has an identifier spelled like s[0, len). */
static int uses_name(const char *src, TSNode n, const char *s, size_t len)
{
	size_t tn;
	const char *t = rs_text(src, n, &tn);
	if (!memmem(t, tn, s, len))
		return 0;
	if (rs_is(n, "identifier"))
		return tn == len && !memcmp(t, s, len);
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		if (uses_name(src, ts_node_named_child(n, i), s, len))
			return 1;
	return 0;
}

static void gate_methods_using(struct rs_file *rf, uint32_t first, uint32_t item, const char *name, size_t len)
{
	TSNode body = ts_node_child_by_field_name(rs_root_child(rf, item), "body", 4);
	uint32_t count = ts_node_is_null(body) ? 0 : ts_node_named_child_count(body);
	for (uint32_t i = 0; i < count; i++) {
		TSNode m = ts_node_named_child(body, i);
		if (rs_is(m, "function_item") && uses_name(rf->src, m, name, len))
			gate_method(rf, first, item, m);
	}
}

/* Each identifier a gated `use` imports: the top-level fns naming it are
 * gated too (else they fail to resolve on the target). */
static void gate_users(struct rs_file *rf, TSNode use, TSNode n)
{
	if (rs_is(n, "identifier") || rs_is(n, "type_identifier")) {
		size_t len;
		const char *name = rs_text(rf->src, n, &len);
		TSNode root = ts_tree_root_node(rf->tree);
		uint32_t count = ts_node_named_child_count(root), first = 0;
		for (uint32_t i = 0; i < count; i++) {
			TSNode c = ts_node_named_child(root, i);
			const char *type = ts_node_type(c);
			if (!strcmp(type, "attribute_item") || strstr(type, "comment"))
				continue;
			if (rs_is(c, "function_item") && uses_name(rf->src, c, name, len))
				gate_item(rf, first, i);
			else if (rs_is(c, "impl_item") && uses_name(rf->src, c, name, len))
				gate_methods_using(rf, first, i, name, len);
			first = i + 1;
		}
		return;
	}
	/* only the names a use brings in: not its path, not a glob */
	if (rs_is(n, "scoped_identifier") || rs_is(n, "use_as_clause") || rs_is(n, "scoped_use_list")) {
		const char *field = rs_is(n, "scoped_identifier") ? "name" : rs_is(n, "use_as_clause") ? "alias" : "list";
		TSNode sub = ts_node_child_by_field_name(n, field, (uint32_t)strlen(field));
		if (!ts_node_is_null(sub))
			gate_users(rf, use, sub);
		return;
	}
	if (!rs_is(n, "use_list"))
		return;
	uint32_t count = ts_node_named_child_count(n);
	for (uint32_t i = 0; i < count; i++)
		gate_users(rf, use, ts_node_named_child(n, i));
}

void rs_fix_x86_item(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!rs_top_item(rf, at, &item, &first))
		return;
	TSNode node = rs_root_child(rf, item);
	if (rs_is(node, "use_declaration")) {
		gate_item(rf, first, item);
		TSNode arg = ts_node_child_by_field_name(node, "argument", 8);
		if (rs_is(arg, "scoped_identifier"))
			arg = ts_node_child_by_field_name(arg, "name", 4);
		else if (rs_is(arg, "scoped_use_list"))
			arg = ts_node_child_by_field_name(arg, "list", 4);
		if (!ts_node_is_null(arg))
			gate_users(rf, node, arg);
	} else if (rs_is(node, "function_item") || !ts_node_is_null(rs_global_asm(rf->src, node))) {
		gate_item(rf, first, item);
	} else if (rs_is(node, "impl_item")) {
		TSNode m = method_at(node, at);
		if (!ts_node_is_null(m))
			gate_method(rf, first, item, m);
	}
}

/* `arch/amd64/layout.rs` -> `arch/aarch64/layout.rs`: the source arch's
 * name in the path becomes the target's (`arch/aarch64/regs.rs` ->
 * `arch/x86_64/regs.rs` in the reverse port); a path without one gets a
 * `<arch>_` file. */
static char *target_path(const char *p, size_t n, const char *arch)
{
	static const char *const x86_names[] = { "x86_64", "amd64", "x86", "x64", NULL };
	static const char *const arm_names[] = { "aarch64", "arm64", NULL };
	const char *const *names = strcmp(arch, "x86_64") ? x86_names : arm_names;
	for (const char *const *w = names; *w; w++) {
		const char *hit = memmem(p, n, *w, strlen(*w));
		if (hit)
			return xasprintf("%.*s%s%.*s", (int)(hit - p), p, arch, (int)(p + n - hit - strlen(*w)),
					 hit + strlen(*w));
	}
	const char *slash = memrchr(p, '/', n);
	size_t d = slash ? (size_t)(slash + 1 - p) : 0;
	return xasprintf("%.*s%s_%.*s", (int)d, p, arch, (int)(n - d), p + d);
}

/* The `path = "..."` of an attribute whose cfg names the source arch only. */
static int x86_path_arm(const char *source, const char *t, size_t n, const char **p, size_t *pn)
{
	char pred[48];
	snprintf(pred, sizeof pred, "target_arch = \"%s\"", source);
	if (!memmem(t, n, "cfg_attr", 8) || !memmem(t, n, pred, strlen(pred)) || memmem(t, n, "any(", 4) ||
	    memmem(t, n, "not(", 4))
		return 0;
	const char *k = memmem(t, n, "path", 4);
	const char *q = k ? memchr(k, '"', (size_t)(t + n - k)) : NULL;
	const char *e = q ? memchr(q + 1, '"', (size_t)(t + n - q - 1)) : NULL;
	if (!e)
		return 0;
	*p = q + 1;
	*pn = (size_t)(e - q - 1);
	return 1;
}

static char *dir_join(const char *rel, const char *p)
{
	const char *slash = strrchr(rel, '/');
	return slash ? xasprintf("%.*s/%s", (int)(slash - rel), rel, p) : xstrdup(p);
}

/* Adds the target arm after the x86 one, on its line, and creates the
 * file it names. */
static void fix_path_mapping(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!rs_top_item(rf, at, &item, &first))
		return;
	for (uint32_t i = first; i < item; i++) {
		TSNode a = rs_root_child(rf, i);
		size_t n, pn;
		const char *t = rs_text(rf->src, a, &n), *p;
		uint32_t row = ts_node_end_point(a).row;
		if (!rs_is(a, "attribute_item") || !x86_path_arm(rf->source, t, n, &p, &pn))
			continue;
		/* after the attribute only blanks: else the arm would land in a comment */
		for (size_t b = ts_node_end_byte(a); b < rf->len && rf->src[b] != '\n'; b++)
			if (!isspace((unsigned char)rf->src[b]))
				return;
		char *tp = target_path(p, pn, rf->arch), *xp = xstrndup(p, pn);
		char *trel = dir_join(rf->fp->rel, tp), *xrel = dir_join(rf->fp->rel, xp);
		char *text = rs_surface_file(rf, xrel, trel);
		struct file_patch *nf = text ? rf->c->new_file(rf->c, trel) : NULL;
		if (nf) {
			patch_insert(nf, 0, text);
			sb_addf(&rf->post[row], " #[cfg_attr(target_arch = \"%s\", path = \"%s\")]", rf->arch, tp);
		}
		free(text);
		free(tp);
		free(xp);
		free(trel);
		free(xrel);
		return;
	}
}

/* `not(target_arch = "x86_64")` or `not(any(..., target_arch = "x86_64"))`
 * on one line: the target joins it. */
static void fix_compile_error(struct rs_file *rf, uint32_t at)
{
	uint32_t item, first;
	if (!rs_top_item(rf, at, &item, &first))
		return;
	for (uint32_t i = first; i < item; i++) {
		TSNode a = rs_root_child(rf, i);
		uint32_t row = ts_node_start_point(a).row;
		if (!rs_is(a, "attribute_item") || row != ts_node_end_point(a).row || rf->repl[row].len)
			continue;
		const char *line = rf->fp->lines[row];
		size_t len = rf->fp->lens[row];
		static const char any[] = "not(any(";
		char one[48];
		snprintf(one, sizeof one, "not(target_arch = \"%s\")", rf->source);
		const char *hit = strstr(line, one);
		if (hit && strstr(line, "#[cfg(")) {
			char *both = xasprintf("not(any(target_arch = \"%s\", target_arch = \"%s\"))", rf->source, rf->arch);
			splice(&rf->repl[row], line, len, (size_t)(hit - line), strlen(one), both);
			free(both);
			return;
		}
		hit = strstr(line, any);
		const char *close = hit ? strstr(hit, "))") : NULL;
		if (close && strstr(line, "#[cfg(") && strstr(hit, "target_arch") && !memchr(hit + 8, '(', (size_t)(close - hit - 8))) {
			char *arm = xasprintf(", target_arch = \"%s\"", rf->arch);
			splice(&rf->repl[row], line, len, (size_t)(close - line), 0, arm);
			free(arm);
			return;
		}
	}
}
/* ---- the driver ---- */

static void load(struct rs_file *rf)
{
	struct strbuf sb = { 0 };
	size_t n = rf->fp->nlines;
	rf->line_start = xcalloc(n + 1, sizeof *rf->line_start);
	for (size_t i = 0; i < n; i++) {
		rf->line_start[i] = sb.len;
		patch_add_line(&sb, rf->fp, i);
		sb_addc(&sb, '\n');
	}
	rf->line_start[n] = sb.len;
	rf->len = sb.len;
	rf->src = sb_detach(&sb);
	rf->pre = xcalloc(n + 1, sizeof *rf->pre);
	rf->post = xcalloc(n + 1, sizeof *rf->post);
	rf->repl = xcalloc(n + 1, sizeof *rf->repl);
	rf->parser = ts_parser_new();
	ts_parser_set_language(rf->parser, tree_sitter_rust());
	rf->tree = rs_parse(rf->parser, rf->src, rf->len);
}

/* One replacement per changed line: its start, its (new) text, its end. */
static void flush(struct rs_file *rf)
{
	if (rf->module_gated)
		return;   /* the target compiles the twin module, not this file */
	for (size_t i = 0; i < rf->fp->nlines; i++) {
		if (!rf->pre[i].len && !rf->post[i].len && !rf->repl[i].len)
			continue;
		struct strbuf t = { 0 };
		const struct strbuf *line = rf->repl[i].len ? &rf->repl[i] : NULL;
		sb_adds(&t, rf->pre[i].len ? rf->pre[i].buf : "");
		if (line)
			sb_add(&t, line->buf, line->len);
		else
			patch_add_line(&t, rf->fp, i);
		sb_adds(&t, rf->post[i].len ? rf->post[i].buf : "");
		sb_addc(&t, '\n');
		patch_replace_bytes(rf->fp, i, t.buf, t.len);
		sb_free(&t);
	}
	if (rf->tail.len)
		patch_insert(rf->fp, rf->fp->nlines, rf->tail.buf);
}

static void release(struct rs_file *rf)
{
	for (size_t i = 0; i <= rf->fp->nlines; i++) {
		sb_free(&rf->pre[i]);
		sb_free(&rf->post[i]);
		sb_free(&rf->repl[i]);
	}
	free(rf->pre);
	free(rf->post);
	free(rf->repl);
	free(rf->line_start);
	free(rf->src);
	free(rf->gated);
	sb_free(&rf->tail);
	ts_tree_delete(rf->tree);
	ts_parser_delete(rf->parser);
}

void stub_rust_file(struct stub_ctx *c, struct file_patch *fp)
{
	const char *target = c->o->target ? c->o->target : "aarch64";
	struct rs_file rf = { .c = c, .fp = fp, .arch = rust_target_arch(target), .source = rust_source_arch(target) };
	load(&rf);
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct finding *f = &c->findings[i];
		if (f->line < 1 || (size_t)f->line > fp->nlines)
			continue;
		uint32_t at = (uint32_t)(rf.line_start[f->line - 1] + (size_t)(f->column > 0 ? f->column - 1 : 0));
		if (!strcmp(f->rule, RULE_RUST_MISSING_MODULE))
			fix_path_mapping(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_COMPILE_ERROR))
			fix_compile_error(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_GATED_USE))
			rs_fix_gated_use(&rf, f, at);
		else if (!strcmp(f->rule, RULE_RUST_TARGET_DEP))
			rs_fix_x86_item(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_X86_REGISTERS))
			rs_fix_register_file(&rf, at);
		else if (!strcmp(f->rule, RULE_RUST_ASM_X86) || !strcmp(f->rule, RULE_RUST_ARCH_X86) ||
			 !strcmp(f->rule, RULE_RUST_ASM_AARCH64) || !strcmp(f->rule, RULE_RUST_ARCH_AARCH64) ||
			 !strcmp(f->rule, RULE_RUST_TARGET_FEATURE) || !strcmp(f->rule, RULE_TARGET_BUILD))
			rs_fix_x86_item(&rf, at);   /* a target build error (port): its item, like x86 code */
	}
	flush(&rf);
	release(&rf);
}
