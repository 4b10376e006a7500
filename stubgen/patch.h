/* A file's edits as line insertions and replacements, rendered either as
 * the new text or as a unified diff hunk list. Edits never reorder or drop
 * original lines, which is what keeps line numbers restorable. */
#ifndef ARCHPORT_PATCH_H
#define ARCHPORT_PATCH_H

#include <stddef.h>
#include "util.h"

struct line_edit {
	size_t line;      /* 0-based original line; == nlines for the end */
	int replace;      /* replace that line instead of inserting before it */
	char *text;       /* whole lines, each ending in '\n' (any bytes, NUL too) */
	size_t len;
	size_t seq;       /* insertion order, for stable sorting */
};

struct file_patch {
	char *rel;                /* path relative to the root */
	/* Original lines without their end ("\n" or "\r\n"), each a
	 * NUL-terminated copy that may hold NUL bytes of its own: lens[i] is
	 * the true length, and only it may be used to copy a line out. */
	char **lines;
	size_t *lens;
	unsigned char *crlf;      /* line i ended in "\r\n" */
	size_t nlines;
	int final_newline;        /* the original ends with '\n' */
	int crlf_file;            /* most lines end in "\r\n": new lines do too */
	int new_file;             /* no original: created by the patch */
	struct line_edit *edits;
	size_t nedits, cap;
};

void patch_load(struct file_patch *fp, const char *rel, const char *data, size_t len);
void patch_new_file(struct file_patch *fp, const char *rel);
void patch_insert(struct file_patch *fp, size_t line, const char *text);
void patch_replace(struct file_patch *fp, size_t line, const char *text);
/* The same for text of `len` bytes, which may hold NUL bytes. */
void patch_replace_bytes(struct file_patch *fp, size_t line, const char *text, size_t len);
/* Appends original line `line`, all its bytes, without its end. */
void patch_add_line(struct strbuf *sb, const struct file_patch *fp, size_t line);
int patch_has_edits(const struct file_patch *fp);
/* The patched text. */
char *patch_render(struct file_patch *fp, size_t *len);
/* Appends a unified diff (a/ and b/ prefixes, 3 lines of context), names
 * quoted as git quotes them, lines with every byte and their own ends. */
void patch_diff(struct file_patch *fp, struct strbuf *out);
void patch_free(struct file_patch *fp);

#endif
