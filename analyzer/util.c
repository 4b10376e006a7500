#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

static void out_of_memory(void)
{
	fputs("archport: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return xstrdup("");
	sb.buf = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void grow_array(void **items, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap * 2 : 8;
	while (n < need)
		n *= 2;
	*items = xrealloc(*items, n * size);
	*cap = n;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	grow_array((void **)&sb->buf, &sb->cap, sb->len + n + 1, 1);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow_array((void **)&sb->buf, &sb->cap, sb->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/* Bytes [i, i + 2) are UTF-8 for a C1 control, which terminals obey. */
static int is_c1_control(const unsigned char *s, size_t n, size_t i)
{
	return i + 1 < n && s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f;
}

static int escaped_byte(const unsigned char *s, size_t n, size_t i, unsigned flags)
{
	unsigned char c = s[i];
	if (c == '\t')
		return !(flags & ESC_KEEP_TAB);
	if (flags & ESC_GIT)
		return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
	return c < 0x20 || c == 0x7f || is_c1_control(s, n, i) || (i > 0 && is_c1_control(s, n, i - 1));
}

void sb_add_escaped(struct strbuf *sb, const char *s, size_t n, unsigned flags)
{
	static const char named[] = "abtnvfr";   /* \a .. \r: bytes 7..13, as git writes them */
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (!escaped_byte(u, n, i, flags))
			sb_addc(sb, (char)c);
		else if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c >= 7 && c <= 13)
			sb_addf(sb, "\\%c", named[c - 7]);
		else
			sb_addf(sb, "\\%03o", c);
	}
}

void fput_escaped(FILE *out, const char *s, size_t n, unsigned flags)
{
	struct strbuf sb = {0};
	sb_add_escaped(&sb, s, n, flags);
	fputs(sb.buf ? sb.buf : "", out);
	sb_free(&sb);
}

void warn_about(const char *who, const char *name, const char *what)
{
	fprintf(stderr, "%s: ", who);
	fput_escaped(stderr, name, strlen(name), 0);
	fprintf(stderr, ": %s\n", what);
}

int needs_git_quote(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (escaped_byte((const unsigned char *)s, n, i, ESC_GIT))
			return 1;
	return 0;
}

char *sb_detach(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int sb_read_fd(struct strbuf *sb, int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		sb_add(sb, buf, (size_t)r);
	}
}

int write_fd_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;   /* FNV-1a: short identifiers, good spread */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static void strmap_rehash(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct strmap_entry *ns = xcalloc(ncap, sizeof *ns);
	for (size_t i = 0; i < m->cap; i++) {
		struct strmap_entry *e = &m->slots[i];
		if (!e->key)
			continue;
		size_t j = e->hash & (ncap - 1);
		while (ns[j].key)
			j = (j + 1) & (ncap - 1);
		ns[j] = *e;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

struct strmap_entry *strmap_get(struct strmap *m, const char *key, size_t n, int create)
{
	if (!m->cap) {
		if (!create)
			return NULL;
		strmap_rehash(m);
	}
	uint32_t h = hash_bytes(key, n);
	size_t j = h & (m->cap - 1);
	while (m->slots[j].key) {
		struct strmap_entry *e = &m->slots[j];
		if (e->hash == h && e->keylen == n && memcmp(e->key, key, n) == 0)
			return e;
		j = (j + 1) & (m->cap - 1);
	}
	if (!create)
		return NULL;
	if ((m->len + 1) * 4 > m->cap * 3) {
		strmap_rehash(m);
		return strmap_get(m, key, n, create);
	}
	struct strmap_entry *e = &m->slots[j];
	e->key = xstrndup(key, n);
	e->keylen = n;
	e->hash = h;
	e->value = NULL;
	m->len++;
	return e;
}

void *strmap_value(const struct strmap *m, const char *key, size_t n)
{
	struct strmap_entry *e = strmap_get((struct strmap *)m, key, n, 0);
	return e ? e->value : NULL;
}

int strmap_has(const struct strmap *m, const char *key, size_t n)
{
	return strmap_get((struct strmap *)m, key, n, 0) != NULL;
}

void strmap_free(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * FNV_PRIME;
	return h ^ (h >> 29);
}

uint64_t hash64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = mix(FNV_OFFSET, n);
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = mix(h, w);
	}
	for (; n; p++, n--)
		h = mix(h, *p);
	return mix(h, h >> 32);
}

int str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *directive_word(const char *line, size_t *len)
{
	if (!line)
		return NULL;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '#')
		return NULL;
	line++;
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = 0;
	while (isalpha((unsigned char)line[n]))
		n++;
	*len = n;
	return line;
}

/* A device or pipe (/dev/null, /dev/stdout) is written as it is: renaming
 * a temporary file over it would replace the device. */
static int is_special(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

static int write_all(FILE *f, const char *data, size_t len)
{
	int ok = fwrite(data ? data : "", 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

int write_output(const char *path, const char *data, size_t len)
{
	if (!path || !strcmp(path, "-")) {
		int ok = fwrite(data ? data : "", 1, len, stdout) == len;
		if (fflush(stdout) == 0 && ok && !ferror(stdout))
			return 0;
		perror("archport: standard output");   /* a full disk or a closed pipe */
		return -1;
	}
	if (is_special(path)) {
		FILE *f = fopen(path, "w");
		int rc = f ? write_all(f, data, len) : -1;
		if (rc)
			perror(path);
		return rc;
	}
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int rc = f ? write_all(f, data, len) : -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc != 0) {
		perror(path);
		remove(tmp);
	}
	free(tmp);
	return rc;
}

void path_fold(char *path)
{
	char *out = path, *p = path;
	while (*p) {
		while (*p == '/' && p[1] == '/')
			p++;
		if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || !p[2])) {
			p += 2;
		} else if (p[0] == '/' && p[1] == '.' && p[2] == '.' && (p[3] == '/' || !p[3])) {
			while (out > path && *--out != '/')
				;
			p += 3;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
}

size_t lower_word(const char *s, size_t n, char *buf, size_t size)
{
	if (n == 0 || n >= size)
		return 0;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[n] = '\0';
	return n;
}
