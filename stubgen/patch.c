#include <stdlib.h>
#include <string.h>
#include "patch.h"

void patch_load(struct file_patch *fp, const char *rel, const char *data, size_t len)
{
	memset(fp, 0, sizeof *fp);
	fp->rel = xstrdup(rel);
	size_t cap = 0, ncrlf = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		int crlf = nl && e > p && e[-1] == '\r';
		size_t cap_before = cap;
		GROW(fp->lines, fp->nlines, cap);
		if (cap != cap_before) {   /* the parallel arrays follow `lines` */
			fp->lens = xrealloc(fp->lens, cap * sizeof *fp->lens);
			fp->crlf = xrealloc(fp->crlf, cap);
		}
		fp->lens[fp->nlines] = (size_t)(e - p) - (size_t)crlf;
		fp->crlf[fp->nlines] = (unsigned char)crlf;
		fp->lines[fp->nlines++] = xstrndup(p, (size_t)(e - p) - (size_t)crlf);
		ncrlf += (size_t)crlf;
		p = nl ? nl + 1 : end;
	}
	fp->final_newline = len == 0 || data[len - 1] == '\n';
	fp->crlf_file = ncrlf * 2 > fp->nlines;
}

void patch_add_line(struct strbuf *sb, const struct file_patch *fp, size_t line)
{
	sb_add(sb, fp->lines[line], fp->lens[line]);
}

void patch_new_file(struct file_patch *fp, const char *rel)
{
	memset(fp, 0, sizeof *fp);
	fp->rel = xstrdup(rel);
	fp->final_newline = 1;
	fp->new_file = 1;
}

static void add_edit(struct file_patch *fp, size_t line, int replace, const char *text, size_t len)
{
	GROW(fp->edits, fp->nedits, fp->cap);
	struct line_edit *e = &fp->edits[fp->nedits];
	e->line = line > fp->nlines ? fp->nlines : line;
	e->replace = replace;
	e->text = xstrndup(text, len);
	e->len = len;
	e->seq = fp->nedits++;
}

void patch_insert(struct file_patch *fp, size_t line, const char *text)
{
	add_edit(fp, line, 0, text, strlen(text));
}

void patch_replace(struct file_patch *fp, size_t line, const char *text)
{
	patch_replace_bytes(fp, line, text, strlen(text));
}

void patch_replace_bytes(struct file_patch *fp, size_t line, const char *text, size_t len)
{
	for (size_t i = 0; i < fp->nedits; i++)   /* a line is replaced once */
		if (fp->edits[i].replace && fp->edits[i].line == line)
			return;
	add_edit(fp, line, 1, text, len);
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
	size_t old;          /* OP_KEEP / OP_DEL; OP_ADD: the line it replaces, or NO_LINE */
	const char *text;    /* OP_ADD: the line, without '\n' */
	size_t len;
};

static void push_op(struct op **ops, size_t *n, size_t *cap, enum op_kind kind, size_t old,
		    const char *text, size_t len)
{
	GROW(*ops, *n, *cap);
	(*ops)[(*n)++] = (struct op){ kind, old, text, len };
}

#define NO_LINE ((size_t)-1)

/* The lines of an edit; in a CRLF file a "\r\n" the text brings (copied
 * from a source) is one end, not a CR before the file's own "\r\n". */
static void push_text(struct op **ops, size_t *n, size_t *cap, const struct file_patch *fp,
		      const struct line_edit *e)
{
	const char *p = e->text, *end = e->text + e->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int cr = fp->crlf_file && nl && len && p[len - 1] == '\r';
		push_op(ops, n, cap, OP_ADD, e->replace && e->line < fp->nlines ? e->line : NO_LINE, p, len - (size_t)cr);
		p += len + (nl != NULL);
	}
}

static struct op *build_ops(struct file_patch *fp, size_t *nops)
{
	if (fp->nedits)   /* qsort(NULL, 0) is undefined */
		qsort(fp->edits, fp->nedits, sizeof *fp->edits, compare_edits);
	struct op *ops = NULL;
	size_t n = 0, cap = 0, e = 0;
	for (size_t line = 0; line <= fp->nlines; line++) {
		int replaced = 0;
		for (; e < fp->nedits && fp->edits[e].line == line; e++) {
			/* the replaced line goes out before its replacement, as diff shows it */
			if (fp->edits[e].replace && line < fp->nlines && !replaced)
				push_op(&ops, &n, &cap, OP_DEL, line, NULL, 0);
			push_text(&ops, &n, &cap, fp, &fp->edits[e]);
			replaced |= fp->edits[e].replace;
		}
		if (line < fp->nlines && !replaced)
			push_op(&ops, &n, &cap, OP_KEEP, line, NULL, 0);
	}
	*nops = n;
	return ops;
}

/* The original's last line lacks '\n' and the new text gives it one (or
 * not): diff shows it as removed and added, with git's marker. */
static int is_unterminated(const struct file_patch *fp, size_t line)
{
	return !fp->final_newline && line == fp->nlines - 1;
}

static int is_unterminated_last(const struct file_patch *fp, const struct op *op)
{
	return op->kind != OP_ADD && is_unterminated(fp, op->old);
}

/* Each original line gets its own end back, and so do the lines that
 * replace it; a new line, or a last line that gains an end, gets the
 * file's usual one. */
static const char *op_eol(const struct file_patch *fp, const struct op *op)
{
	int own = op->old != NO_LINE && !is_unterminated(fp, op->old);
	int crlf = own ? fp->crlf[op->old] : fp->crlf_file;
	return crlf ? "\r\n" : "\n";
}

static void add_op_text(struct strbuf *sb, const struct file_patch *fp, const struct op *op)
{
	if (op->kind == OP_ADD)
		sb_add(sb, op->text, op->len);
	else
		patch_add_line(sb, fp, op->old);
}

char *patch_render(struct file_patch *fp, size_t *len)
{
	size_t n;
	struct op *ops = build_ops(fp, &n);
	size_t last_out = n;
	for (size_t i = 0; i < n; i++)
		if (ops[i].kind != OP_DEL)
			last_out = i;
	struct strbuf sb = {0};
	for (size_t i = 0; i < n; i++) {
		if (ops[i].kind == OP_DEL)
			continue;
		add_op_text(&sb, fp, &ops[i]);
		/* an unedited file end keeps its missing final newline */
		if (i != last_out || !is_unterminated_last(fp, &ops[i]))
			sb_adds(&sb, op_eol(fp, &ops[i]));
	}
	free(ops);
	*len = sb.len;
	return sb_detach(&sb);
}

static void diff_line(struct strbuf *out, char sign, const struct file_patch *fp, const struct op *op)
{
	sb_addc(out, sign);
	add_op_text(out, fp, op);
	sb_adds(out, op_eol(fp, op));
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
		static const char sign[] = { [OP_KEEP] = ' ', [OP_DEL] = '-', [OP_ADD] = '+' };
		if (!is_unterminated_last(fp, op)) {
			diff_line(out, sign[op->kind], fp, op);
			continue;
		}
		/* lines follow it: it gains a newline, shown as - and + */
		int gains_newline = op->kind == OP_KEEP && i + 1 < to;
		sb_addc(out, gains_newline ? '-' : sign[op->kind]);
		patch_add_line(out, fp, op->old);
		sb_adds(out, "\n\\ No newline at end of file\n");
		if (gains_newline)
			diff_line(out, '+', fp, op);
	}
}

/* A ---/+++ name as git writes it: C-quoted when it holds a control
 * byte, '"', '\\' or a byte >= 0x80; a tab after a name with a space, so
 * that patch(1) does not read the rest as a date. */
static void diff_name(struct strbuf *out, const char *marker, const char *prefix, const char *name)
{
	sb_adds(out, marker);
	size_t n = strlen(name);
	if (needs_git_quote(name, n)) {
		sb_addc(out, '"');
		sb_adds(out, prefix);
		sb_add_escaped(out, name, n, ESC_GIT);
		sb_adds(out, "\"\n");
		return;
	}
	sb_adds(out, prefix);
	sb_adds(out, name);
	sb_adds(out, strchr(name, ' ') ? "\t\n" : "\n");
}

void patch_diff(struct file_patch *fp, struct strbuf *out)
{
	size_t n;
	struct op *ops = build_ops(fp, &n);
	if (fp->new_file)
		sb_adds(out, "--- /dev/null\n");
	else
		diff_name(out, "--- ", "a/", fp->rel);
	diff_name(out, "+++ ", "b/", fp->rel);
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
	free(fp->lens);
	free(fp->crlf);
	free(fp->edits);
	free(fp->rel);
	memset(fp, 0, sizeof *fp);
}
