#include <stdlib.h>
#include <string.h>
#include "patch.h"

void patch_load(struct file_patch *fp, const char *rel, const char *data, size_t len)
{
	memset(fp, 0, sizeof *fp);
	fp->rel = xstrdup(rel);
	size_t cap = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		GROW(fp->lines, fp->nlines, cap);
		fp->lines[fp->nlines++] = xstrndup(p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
	fp->final_newline = len == 0 || data[len - 1] == '\n';
}

void patch_new_file(struct file_patch *fp, const char *rel)
{
	memset(fp, 0, sizeof *fp);
	fp->rel = xstrdup(rel);
	fp->final_newline = 1;
	fp->new_file = 1;
}

static void add_edit(struct file_patch *fp, size_t line, int replace, const char *text)
{
	GROW(fp->edits, fp->nedits, fp->cap);
	struct line_edit *e = &fp->edits[fp->nedits];
	e->line = line > fp->nlines ? fp->nlines : line;
	e->replace = replace;
	e->text = xstrdup(text);
	e->seq = fp->nedits++;
}

void patch_insert(struct file_patch *fp, size_t line, const char *text)
{
	add_edit(fp, line, 0, text);
}

void patch_replace(struct file_patch *fp, size_t line, const char *text)
{
	for (size_t i = 0; i < fp->nedits; i++)   /* a line is replaced once */
		if (fp->edits[i].replace && fp->edits[i].line == line)
			return;
	add_edit(fp, line, 1, text);
}

int patch_has_edits(const struct file_patch *fp)
{
	return fp->nedits > 0;
}

static int compare_edits(const void *pa, const void *pb)
{
	const struct line_edit *a = pa, *b = pb;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->replace != b->replace)
		return a->replace - b->replace;   /* insertions before the replacement */
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The patched file as a sequence: for each output line, either an original
 * line (kept) or a new one; deleted originals are listed too, for diffs. */
enum op_kind { OP_KEEP, OP_DEL, OP_ADD };
struct op {
	enum op_kind kind;
	size_t old;          /* OP_KEEP / OP_DEL */
	const char *text;    /* OP_ADD: the line, without '\n' */
	size_t len;
};

static void push_op(struct op **ops, size_t *n, size_t *cap, enum op_kind kind, size_t old,
		    const char *text, size_t len)
{
	GROW(*ops, *n, *cap);
	(*ops)[(*n)++] = (struct op){ kind, old, text, len };
}

static void push_text(struct op **ops, size_t *n, size_t *cap, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		push_op(ops, n, cap, OP_ADD, 0, p, len);
		p += len + (nl != NULL);
	}
}

static struct op *build_ops(struct file_patch *fp, size_t *nops)
{
	qsort(fp->edits, fp->nedits, sizeof *fp->edits, compare_edits);
	struct op *ops = NULL;
	size_t n = 0, cap = 0, e = 0;
	for (size_t line = 0; line <= fp->nlines; line++) {
		int replaced = 0;
		for (; e < fp->nedits && fp->edits[e].line == line; e++) {
			/* the replaced line goes out before its replacement, as diff shows it */
			if (fp->edits[e].replace && line < fp->nlines && !replaced)
				push_op(&ops, &n, &cap, OP_DEL, line, NULL, 0);
			push_text(&ops, &n, &cap, fp->edits[e].text);
			replaced |= fp->edits[e].replace;
		}
		if (line < fp->nlines && !replaced)
			push_op(&ops, &n, &cap, OP_KEEP, line, NULL, 0);
	}
	*nops = n;
	return ops;
}

char *patch_render(struct file_patch *fp, size_t *len)
{
	size_t n;
	struct op *ops = build_ops(fp, &n);
	struct strbuf sb = {0};
	size_t last_out = 0;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind == OP_DEL)
			continue;
		if (ops[i].kind == OP_KEEP)
			sb_adds(&sb, fp->lines[ops[i].old]);
		else
			sb_add(&sb, ops[i].text, ops[i].len);
		sb_addc(&sb, '\n');
		last_out = i;
	}
	/* an unedited file end keeps its missing final newline */
	if (!fp->final_newline && sb.len && n && ops[last_out].kind == OP_KEEP &&
	    ops[last_out].old == fp->nlines - 1)
		sb.buf[--sb.len] = '\0';
	free(ops);
	*len = sb.len;
	return sb_detach(&sb);
}

static void diff_line(struct strbuf *out, char sign, const char *text, size_t len)
{
	sb_addc(out, sign);
	sb_add(out, text, len);
	sb_addc(out, '\n');
}

/* The original's last line lacks '\n' and the new text gives it one (or
 * not): diff shows it as removed and added, with git's marker. */
static int is_unterminated_last(const struct file_patch *fp, const struct op *op)
{
	return !fp->final_newline && op->kind != OP_ADD && op->old == fp->nlines - 1;
}

static void emit_hunk(struct file_patch *fp, const struct op *ops, size_t from, size_t to,
		      struct strbuf *out)
{
	size_t old_start = 0, new_start = 0, old_n = 0, new_n = 0;
	/* line numbers: count what precedes `from` */
	size_t o = 0, nw = 0;
	for (size_t i = 0; i < from; i++) {
		o += ops[i].kind != OP_ADD;
		nw += ops[i].kind != OP_DEL;
	}
	for (size_t i = from; i < to; i++) {
		old_n += ops[i].kind != OP_ADD;
		new_n += ops[i].kind != OP_DEL;
	}
	old_start = old_n ? o + 1 : o;
	new_start = new_n ? nw + 1 : nw;
	sb_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", old_start, old_n, new_start, new_n);
	for (size_t i = from; i < to; i++) {
		const struct op *op = &ops[i];
		if (op->kind == OP_ADD) {
			diff_line(out, '+', op->text, op->len);
			continue;
		}
		const char *t = fp->lines[op->old];
		int last_changed = is_unterminated_last(fp, op) && i + 1 < to;
		if (op->kind == OP_KEEP && last_changed) {   /* gains a newline: - and + */
			diff_line(out, '-', t, strlen(t));
			sb_adds(out, "\\ No newline at end of file\n");
			diff_line(out, '+', t, strlen(t));
			continue;
		}
		diff_line(out, op->kind == OP_KEEP ? ' ' : '-', t, strlen(t));
		if (is_unterminated_last(fp, op) && !last_changed)
			sb_adds(out, "\\ No newline at end of file\n");
	}
}

void patch_diff(struct file_patch *fp, struct strbuf *out)
{
	size_t n;
	struct op *ops = build_ops(fp, &n);
	if (fp->new_file)
		sb_addf(out, "--- /dev/null\n+++ b/%s\n", fp->rel);
	else
		sb_addf(out, "--- a/%s\n+++ b/%s\n", fp->rel, fp->rel);
	const size_t ctx = 3;
	size_t i = 0;
	while (i < n) {
		while (i < n && ops[i].kind == OP_KEEP)
			i++;
		if (i >= n)
			break;
		size_t from = i > ctx ? i - ctx : 0, to = i;
		for (;;) {   /* extend while the next change is within 2*ctx */
			while (to < n && ops[to].kind != OP_KEEP)
				to++;
			size_t k = to;
			while (k < n && ops[k].kind == OP_KEEP && k - to < 2 * ctx)
				k++;
			if (k < n && ops[k].kind != OP_KEEP) {
				to = k;
				continue;
			}
			to = to + ctx < n ? to + ctx : n;
			break;
		}
		emit_hunk(fp, ops, from, to, out);
		i = to;
	}
	free(ops);
}

void patch_free(struct file_patch *fp)
{
	for (size_t i = 0; i < fp->nlines; i++)
		free(fp->lines[i]);
	for (size_t i = 0; i < fp->nedits; i++)
		free(fp->edits[i].text);
	free(fp->lines);
	free(fp->edits);
	free(fp->rel);
	memset(fp, 0, sizeof *fp);
}
