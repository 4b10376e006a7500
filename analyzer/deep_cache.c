/* The deep pass's cache (see deep_cache.h).  An entry is a small text file:
 *
 *   archport-deep-cache 1
 *   key <16 hex>
 *   main <path>
 *   F <16 hex> <path>        a file the parse read, with the hash of its bytes
 *   A <path>                 a path a missing #include was looked for at
 *   C <root-relative path>   a covered file
 *   R <rule> TAB <severity> TAB <file> TAB <line> TAB <col> TAB <end line>
 *     TAB <end col> TAB <fix> TAB <message> TAB -|=<source line>
 *   end <16 hex>             the hash of every byte before this line
 *
 * Strings are escaped (\\, \t, \n, \r) so that each record is one line. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "deep_cache.h"
#include "rules.h"

#ifndef ARCHPORT_VERSION
#define ARCHPORT_VERSION "0.1.0"
#endif

#define CACHE_MAGIC "archport-deep-cache 1"
#define ENTRY_MAX_SIZE (256u << 20)

struct file_hash {
	uint64_t hash;
	int ok;
};

struct deep_cache {
	char *dir;
	char *base_key;        /* what every key of this run starts with */
	size_t base_len;
	pthread_mutex_t lock;
	struct strmap hashes;  /* path -> struct file_hash: each file is read once per scan */
};

/* The whole file, malloc'd; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *len, size_t limit)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= limit) {
		size_t size = (size_t)st.st_size, got = 0;
		buf = xmalloc(size + 1);
		ssize_t n = 1;
		while (got < size && (n = read(fd, buf + got, size - got)) > 0)
			got += (size_t)n;
		if (got != size || n < 0) {   /* shrank or failed under us */
			free(buf);
			buf = NULL;
		} else {
			buf[size] = '\0';
			*len = size;
		}
	}
	close(fd);
	return buf;
}

/* ---- opening ---- */

static int mkdir_p(const char *path)
{
	char *copy = xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			free(copy);
			return -1;
		}
		*p = '/';
	}
	int rc = mkdir(copy, 0700) == 0 || errno == EEXIST ? 0 : -1;
	free(copy);
	return rc;
}

/* NULL when the user turned the cache off or there is nowhere to put it. */
static char *cache_dir(void)
{
	const char *own = getenv("ARCHPORT_CACHE_DIR");
	if (own)
		return *own ? xasprintf("%s/deep", own) : NULL;
	const char *xdg = getenv("XDG_CACHE_HOME");
	if (xdg && xdg[0] == '/')   /* the XDG spec: relative values are ignored */
		return xasprintf("%s/archport/deep", xdg);
	const char *home = getenv("HOME");
	return home && *home ? xasprintf("%s/.cache/archport/deep", home) : NULL;
}

/* The binary itself is part of the key: a rebuilt archport may judge the
 * same parse differently (new rules data, new checks) under one version. */
static uint64_t self_hash(void)
{
	size_t len = 0;
	char *exe = read_all("/proc/self/exe", &len, 1u << 30);
	uint64_t h = exe ? hash64(exe, len) : 0;
	free(exe);
	return h;
}

static void add_field(struct strbuf *sb, const char *s)
{
	sb_add(sb, s ? s : "", s ? strlen(s) + 1 : 1);   /* with its NUL: fields cannot run together */
}

struct deep_cache *deep_cache_open(const char *triple, const char *root, const char *clang_version)
{
	char *dir = cache_dir();
	if (!dir)
		return NULL;
	if (mkdir_p(dir) != 0) {
		free(dir);
		return NULL;
	}
	struct deep_cache *c = xcalloc(1, sizeof *c);
	c->dir = dir;
	pthread_mutex_init(&c->lock, NULL);
	struct strbuf sb = {0};
	char self[32];
	snprintf(self, sizeof self, "%016llx", (unsigned long long)self_hash());
	const char *fields[] = { CACHE_MAGIC, ARCHPORT_VERSION, self, clang_version, triple, root,
		/* libclang searches these like -I: they change what a TU reads */
		getenv("CPATH"), getenv("C_INCLUDE_PATH"), getenv("CPLUS_INCLUDE_PATH"), getenv("OBJC_INCLUDE_PATH") };
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		add_field(&sb, fields[i]);
	c->base_len = sb.len;
	c->base_key = sb_detach(&sb);
	return c;
}

void deep_cache_close(struct deep_cache *c)
{
	if (!c)
		return;
	strmap_free(&c->hashes, free);
	pthread_mutex_destroy(&c->lock);
	free(c->base_key);
	free(c->dir);
	free(c);
}

uint64_t deep_cache_key(const struct deep_cache *c, const char *main_file, char *const *args, int nargs)
{
	struct strbuf sb = {0};
	sb_add(&sb, c->base_key, c->base_len);
	add_field(&sb, main_file);
	for (int i = 0; i < nargs; i++)
		add_field(&sb, args[i]);
	uint64_t key = hash64(sb.buf, sb.len);
	sb_free(&sb);
	return key;
}

/* ---- escaping ---- */

static void add_escaped(struct strbuf *sb, const char *s)
{
	static const char special[] = "\\\t\n\r", letter[] = "\\tnr";
	for (; s && *s; s++) {
		const char *e = strchr(special, *s);
		if (e) {
			sb_addc(sb, '\\');
			sb_addc(sb, letter[e - special]);
		} else {
			sb_addc(sb, *s);
		}
	}
}

/* Unescapes s[0..n) in place (the result is never longer); NUL-terminates. */
static char *unescape(char *s, size_t n)
{
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		char ch = s[r];
		if (ch == '\\' && r + 1 < n) {
			ch = s[++r];
			ch = ch == 't' ? '\t' : ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch;
		}
		s[w++] = ch;
	}
	s[w] = '\0';
	return s;
}

/* ---- recording ---- */

void deep_record_file(struct deep_record *r, const char *path, const void *bytes, size_t n)
{
	if (!bytes) {
		r->uncacheable = 1;
		return;
	}
	sb_addf(&r->deps, "F %016llx ", (unsigned long long)hash64(bytes, n));
	add_escaped(&r->deps, path);
	sb_addc(&r->deps, '\n');
}

void deep_record_absent(struct deep_record *r, const char *path)
{
	sb_adds(&r->deps, "A ");
	add_escaped(&r->deps, path);
	sb_addc(&r->deps, '\n');
}

void deep_record_free(struct deep_record *r)
{
	sb_free(&r->deps);
}

/* ---- storing ---- */

static void add_finding_line(struct strbuf *sb, const struct finding *f)
{
	sb_addf(sb, "R %s\t%d\t", f->rule, (int)f->severity);
	add_escaped(sb, f->file);
	sb_addf(sb, "\t%d\t%d\t%d\t%d\t%s\t", f->line, f->column, f->end_line, f->end_column, f->fix ? f->fix : "");
	add_escaped(sb, f->message);
	sb_addc(sb, '\t');
	sb_addc(sb, f->source_line ? '=' : '-');
	add_escaped(sb, f->source_line);
	sb_addc(sb, '\n');
}

static char *entry_path(const struct deep_cache *c, uint64_t key)
{
	return xasprintf("%s/%016llx.tu", c->dir, (unsigned long long)key);
}

/* Temporary file in the same directory, then rename(2): a reader sees the
 * old entry or the new one, never a mix, however many scans run. */
static void write_atomically(const char *path, const struct strbuf *sb)
{
	char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd >= 0) {
		int ok = write_fd_all(fd, sb->buf, sb->len) == 0;
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(tmp);
}

void deep_cache_store(struct deep_cache *c, uint64_t key, const char *main_file, const struct deep_record *r,
		      struct deep_outcome in)
{
	if (!c || r->uncacheable)
		return;
	struct strbuf sb = {0};
	sb_addf(&sb, "%s\nkey %016llx\nmain ", CACHE_MAGIC, (unsigned long long)key);
	add_escaped(&sb, main_file);
	sb_addc(&sb, '\n');
	if (r->deps.len)
		sb_add(&sb, r->deps.buf, r->deps.len);
	for (size_t i = 0; i < *in.ncovered; i++) {
		sb_adds(&sb, "C ");
		add_escaped(&sb, (*in.covered)[i]);
		sb_addc(&sb, '\n');
	}
	for (size_t i = 0; i < in.findings->len; i++)
		add_finding_line(&sb, &in.findings->items[i]);
	sb_addf(&sb, "end %016llx\n", (unsigned long long)hash64(sb.buf, sb.len));
	char *path = entry_path(c, key);
	write_atomically(path, &sb);
	free(path);
	sb_free(&sb);
}

/* ---- loading ---- */

/* The hash of a file's bytes now, computed once per scan. */
static int current_hash(struct deep_cache *c, const char *path, uint64_t *hash)
{
	size_t n = strlen(path);
	pthread_mutex_lock(&c->lock);
	struct file_hash *known = strmap_value(&c->hashes, path, n);
	struct file_hash fh = known ? *known : (struct file_hash){0, 0};
	pthread_mutex_unlock(&c->lock);
	if (!known) {
		size_t len = 0;
		char *bytes = read_all(path, &len, ENTRY_MAX_SIZE);
		fh.ok = bytes != NULL;
		fh.hash = bytes ? hash64(bytes, len) : 0;
		free(bytes);
		pthread_mutex_lock(&c->lock);
		struct strmap_entry *e = strmap_get(&c->hashes, path, n, 1);
		if (!e->value)   /* another worker may have been first: same answer */
			e->value = xmalloc(sizeof fh);
		*(struct file_hash *)e->value = fh;
		pthread_mutex_unlock(&c->lock);
	}
	*hash = fh.hash;
	return fh.ok;
}

/* The entry minus its "end" line, after checking that line's checksum;
 * NULL for a missing, truncated or corrupt entry. */
static char *checked_body(const char *path, size_t *body_len)
{
	size_t len = 0;
	char *text = read_all(path, &len, ENTRY_MAX_SIZE);
	if (!text)
		return NULL;
	size_t tail = strlen("end ") + 16 + 1;
	char *end = len >= tail ? text + len - tail : NULL;
	unsigned long long sum = 0;
	char nl = 0;
	if (!end || (end > text && end[-1] != '\n') || sscanf(end, "end %16llx%c", &sum, &nl) != 2 || nl != '\n' ||
	    sum != hash64(text, (size_t)(end - text))) {
		free(text);
		return NULL;
	}
	*end = '\0';
	*body_len = (size_t)(end - text);
	return text;
}

/* Splits `line` at tabs into at most `max` fields; returns the count. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	for (char *p = line; n < max;) {
		fields[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static const char *known_fix(const char *fix)
{
	static const char *const fixes[] = { "gate", "port", "stub", "remove", "none", NULL };
	for (const char *const *f = fixes; *f; f++)
		if (!strcmp(fix, *f))
			return *f;
	return NULL;
}

static int parse_finding(char *line, struct finding_list *out)
{
	char *v[10];
	if (split_tabs(line, v, 10) != 10)
		return -1;
	const struct rule_info *rule = rule_find(v[0]);
	const char *fix = known_fix(v[7]);
	int sev = atoi(v[1]);
	if (!rule || !fix || sev < SEV_NOTE || sev > SEV_ERROR || (v[9][0] != '-' && v[9][0] != '='))
		return -1;
	struct finding f = { rule->id, (enum severity)sev, unescape(v[2], strlen(v[2])), atoi(v[3]), atoi(v[4]),
			     atoi(v[5]), atoi(v[6]), unescape(v[8], strlen(v[8])), fix,
			     v[9][0] == '=' ? unescape(v[9] + 1, strlen(v[9] + 1)) : NULL, NULL, NULL };
	findings_add(out, &f);
	return 0;
}

/* Does the file at this "F"/"A" record still look as the parse saw it? */
static int dep_holds(struct deep_cache *c, char kind, char *rest)
{
	if (kind == 'A')
		return access(unescape(rest, strlen(rest)), F_OK) != 0;
	unsigned long long want;
	char space;
	if (sscanf(rest, "%16llx%c", &want, &space) != 2 || space != ' ' || strlen(rest) < 18)
		return 0;
	char *path = unescape(rest + 17, strlen(rest + 17));
	uint64_t now;
	return current_hash(c, path, &now) && now == want;
}

struct parsed_entry {
	struct finding_list findings;
	char **covered;
	size_t ncovered, cap;
};

static void parsed_free(struct parsed_entry *p)
{
	findings_free(&p->findings);
	for (size_t i = 0; i < p->ncovered; i++)
		free(p->covered[i]);
	free(p->covered);
}

/* One line after the header; 0 when it is well formed and still holds. */
static int take_line(struct deep_cache *c, char *line, struct parsed_entry *p)
{
	if (line[0] && line[1] != ' ')
		return -1;
	switch (line[0]) {
	case 'F':
	case 'A':
		return dep_holds(c, line[0], line + 2) ? 0 : -1;
	case 'C':
		GROW(p->covered, p->ncovered, p->cap);
		p->covered[p->ncovered++] = xstrdup(unescape(line + 2, strlen(line + 2)));
		return 0;
	case 'R':
		return parse_finding(line + 2, &p->findings);
	default:
		return -1;
	}
}

static int header_matches(char **cursor, uint64_t key, const char *main_file)
{
	char want[64];
	snprintf(want, sizeof want, "%s\nkey %016llx\nmain ", CACHE_MAGIC, (unsigned long long)key);
	size_t n = strlen(want);
	if (strncmp(*cursor, want, n) != 0)
		return 0;
	char *line = *cursor + n, *nl = strchr(line, '\n');
	if (!nl)
		return 0;
	*nl = '\0';
	*cursor = nl + 1;
	return strcmp(unescape(line, (size_t)(nl - line)), main_file) == 0;
}

static void move_into(struct parsed_entry *p, struct deep_outcome out)
{
	findings_take(out.findings, &p->findings);
	for (size_t i = 0; i < p->ncovered; i++) {
		GROW(*out.covered, *out.ncovered, *out.cap);
		(*out.covered)[(*out.ncovered)++] = p->covered[i];
	}
	p->ncovered = 0;
}

int deep_cache_load(struct deep_cache *c, uint64_t key, const char *main_file, struct deep_outcome out)
{
	if (!c)
		return 0;
	char *path = entry_path(c, key);
	size_t len = 0;
	char *text = checked_body(path, &len);
	free(path);
	if (!text)
		return 0;
	struct parsed_entry p = {0};
	char *cursor = text;
	int ok = header_matches(&cursor, key, main_file);
	while (ok && *cursor) {
		char *nl = strchr(cursor, '\n');
		if (!nl)
			ok = 0;
		else {
			*nl = '\0';
			ok = take_line(c, cursor, &p) == 0;
			cursor = nl + 1;
		}
	}
	if (ok)
		move_into(&p, out);
	parsed_free(&p);
	free(text);
	return ok;
}
