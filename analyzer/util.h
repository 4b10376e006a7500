/* Small helpers every pass uses: checked allocation, growable buffers,
 * a string set/map keyed by byte ranges. */
#ifndef ARCHPORT_UTIL_H
#define ARCHPORT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows `*items` (of `*cap` elements of `size` bytes) to hold `need`. */
void grow_array(void **items, size_t *cap, size_t need, size_t size);
#define GROW(arr, len, cap) \
	grow_array((void **)&(arr), &(cap), (len) + 1, sizeof *(arr))

struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) with each control byte as a C escape, the way git's
 * quote_c_style writes them (\t, \n, \033, ...), so no byte of a hostile
 * name reaches a terminal raw or splits a line. ESC_GIT: '"', '\\' and
 * every byte >= 0x80 too, as git quotes a path; else UTF-8 passes and only
 * the C1 controls (U+0080..U+009F) are escaped. ESC_KEEP_TAB: tabs pass. */
enum { ESC_GIT = 1, ESC_KEEP_TAB = 2 };
void sb_add_escaped(struct strbuf *sb, const char *s, size_t n, unsigned flags);
/* s[0..n) written to `out` through sb_add_escaped(flags). */
void fput_escaped(FILE *out, const char *s, size_t n, unsigned flags);
/* "WHO: NAME: WHAT\n" on stderr, the name (from the tree) escaped. */
void warn_about(const char *who, const char *name, const char *what);
/* Whether sb_add_escaped(ESC_GIT) changes s[0..n): git quotes the path. */
int needs_git_quote(const char *s, size_t n);
char *sb_detach(struct strbuf *sb);   /* NUL-terminated, caller frees */
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* Appends everything fd has left to read (EINTR retried); 0, or -1 on a
 * read error. */
int sb_read_fd(struct strbuf *sb, int fd);
/* Writes all n bytes (EINTR and short writes retried); 0, or -1. */
int write_fd_all(int fd, const char *p, size_t n);

/* A hash map from byte strings to a pointer-sized value. Keys are copied. */
struct strmap_entry {
	char *key;
	size_t keylen;
	uint32_t hash;
	void *value;
};
struct strmap {
	struct strmap_entry *slots;
	size_t cap, len;
};
uint32_t hash_bytes(const char *s, size_t n);
/* 64-bit FNV-1a over 8-byte words, with a fold after each multiply so that
 * high bits reach the low ones: fast enough to hash every header of every
 * TU on each rescan (the deep pass's cache), and the same in every run on
 * a little-endian host (SARIF fingerprints). */
uint64_t hash64(const void *data, size_t n);
/* Returns the entry for the key, creating it (value NULL) when `create`. */
struct strmap_entry *strmap_get(struct strmap *m, const char *key, size_t n, int create);
void *strmap_value(const struct strmap *m, const char *key, size_t n);
int strmap_has(const struct strmap *m, const char *key, size_t n);
void strmap_free(struct strmap *m, void (*free_value)(void *));

int str_starts(const char *s, const char *prefix);
/* The directive word of a preprocessor line ("if" of "  #  if X"), its
 * length in *len; NULL when the line is no directive. */
const char *directive_word(const char *line, size_t *len);
/* "/a/./b/../c" -> "/a/c", in place (an absolute path, or one relative to
 * a directory it does not climb out of). */
void path_fold(char *path);
/* Lower-cased copy of the word s[0..n) into buf; returns its length, 0
 * when it is empty or does not fit in `size`. */
size_t lower_word(const char *s, size_t n, char *buf, size_t size);

/* Writes `data` to `path` ("-" or NULL: standard output) through a
 * temporary file and rename(2), never a half-written file; a device or
 * pipe is written directly. Returns 0, or -1 after perror. */
int write_output(const char *path, const char *data, size_t len);

#include <string.h>
/* a[0..n) == s; inline so that strlen of a literal folds away (this runs
 * for every identifier of every file). */
static inline int mem_eq(const char *a, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(a, s, n) == 0;
}

#endif
