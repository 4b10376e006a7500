/* The compile database for the fast scan (see compile_db.h): a small JSON
 * reader for the array of {directory, file, command | arguments} objects,
 * a shell word splitter for `command`, and the per-file decision. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_db.h"
#include "json_in.h"
#include "scan.h"
#include "textfile.h"

/* One -D or -U, or (name NULL) nothing. */
struct db_op {
	char *name;
	char *value;     /* NULL for -U */
	char *origin;    /* "compile_commands.json: src/a.c (-DLINUX)" */
};

struct db_entry {
	struct db_op *ops;
	size_t nops, ops_cap;
	int *forced;     /* -include'd tree files */
	size_t nforced, forced_cap;
	char *origin;    /* "compile_commands.json: src/a.c" */
};

struct db_file {
	struct db_entry *entries;
	size_t len, cap;
	/* a header: the listed translation units that include it, or
	 * undecided when one of its includers is not listed */
	int *roots;
	size_t nroots, roots_cap;
	int undecided;
};

struct compile_db {
	const struct tree_index *ix;
	struct db_file *files;   /* per walk index */
	size_t nfiles;
};

/* More includers than this between a header and its translation units:
 * the header is left to the build files. */
#define MAX_ROOT_SEARCH 1024

/* ---- shell words ---- */

size_t compile_db_split_command(const char *cmd, char ***words)
{
	char **out = NULL;
	size_t len = 0, cap = 0;
	const char *p = cmd;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		struct strbuf w = {0};
		sb_add(&w, "", 0);
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
				sb_add(&w, p + 1, n);
				p += n + 1 + (e != NULL);
			} else if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					sb_addc(&w, *p);
				}
				p += *p == '"';
			} else if (*p == '\\' && p[1]) {
				sb_addc(&w, p[1]);
				p += 2;
			} else {
				sb_addc(&w, *p++);
			}
		}
		GROW(out, len, cap);
		out[len++] = sb_detach(&w);
	}
	*words = out;
	return len;
}

/* ---- paths ---- */


/* The walk index of a path (absolute, or relative to dir), or -1. */
static int tree_file_of(const struct tree_index *ix, const char *root, const char *dir, const char *path)
{
	char *abs = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
	path_fold(abs);
	char real[PATH_MAX];
	const char *p = realpath(abs, real) ? real : abs;
	size_t rn = strlen(root);
	int idx = -1;
	if (!strncmp(p, root, rn) && p[rn] == '/') {
		void *v = strmap_value(&ix->files, p + rn + 1, strlen(p + rn + 1));
		idx = v ? (int)((intptr_t)v - 1) : -1;
	}
	free(abs);
	return idx;
}

/* ---- entries ---- */

static void add_op(struct db_entry *e, const char *flag, const char *def, int undef)
{
	size_t n = strcspn(def, "=");
	if (!n)
		return;
	GROW(e->ops, e->nops, e->ops_cap);
	struct db_op *op = &e->ops[e->nops++];
	op->name = xstrndup(def, n);
	op->value = undef ? NULL : xstrdup(def[n] ? def + n + 1 : "1");
	op->origin = xasprintf("%s (%s%s)", e->origin, flag, def);
}

/* The flags of one command that decide macros, in order. */
static void read_flags(struct compile_db *db, const char *root, struct db_entry *e, const char *dir,
		       char **args, size_t nargs)
{
	for (size_t i = 1; i < nargs; i++) {
		const char *a = args[i];
		const char *next = i + 1 < nargs ? args[i + 1] : NULL;
		if ((!strcmp(a, "-D") || !strcmp(a, "-U")) && next) {
			add_op(e, a, next, a[1] == 'U');
			i++;
		} else if (!strncmp(a, "-D", 2) || !strncmp(a, "-U", 2)) {
			char flag[3] = { '-', a[1], 0 };
			add_op(e, flag, a + 2, a[1] == 'U');
		} else if ((!strcmp(a, "-include") || !strcmp(a, "-imacros")) && next) {
			int idx = tree_file_of(db->ix, root, dir, next);
			if (idx >= 0) {
				GROW(e->forced, e->nforced, e->forced_cap);
				e->forced[e->nforced++] = idx;
			}
			i++;
		}
	}
}

struct raw_entry {
	char *directory, *file, *command;
	char **args;
	size_t nargs, args_cap;
};

static void free_raw(struct raw_entry *r)
{
	free(r->directory);
	free(r->file);
	free(r->command);
	for (size_t i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->args);
}

static void read_object(struct json *j, struct raw_entry *r)
{
	if (!json_eat(j, '{')) {
		j->bad = 1;
		return;
	}
	if (json_eat(j, '}'))
		return;
	do {
		char *key = json_string(j);
		if (!key || !json_eat(j, ':')) {
			free(key);
			j->bad = 1;
			return;
		}
		char **slot = !strcmp(key, "directory") ? &r->directory : !strcmp(key, "file") ? &r->file
			    : !strcmp(key, "command") ? &r->command : NULL;
		if (slot) {
			free(*slot);
			*slot = json_string(j);
		} else if (!strcmp(key, "arguments") && json_eat(j, '[')) {
			if (!json_eat(j, ']')) {
				do {
					char *a = json_string(j);
					if (!a)
						break;
					GROW(r->args, r->nargs, r->args_cap);
					r->args[r->nargs++] = a;
				} while (json_eat(j, ','));
				if (!json_eat(j, ']'))
					j->bad = 1;
			}
		} else {
			json_skip(j, 1);
		}
		free(key);
	} while (!j->bad && json_eat(j, ','));
	if (!json_eat(j, '}'))
		j->bad = 1;
}

/* What the database reader does with each entry it parsed. */
struct db_reader {
	void (*entry)(struct db_reader *rd, struct raw_entry *r);
};

struct flags_reader {
	struct db_reader rd;
	struct compile_db *db;
	const char *root, *base;
};

static void add_entry(struct db_reader *rd, struct raw_entry *r)
{
	struct flags_reader *fr = (struct flags_reader *)rd;
	struct compile_db *db = fr->db;
	if (!r->file || !r->directory)
		return;
	int idx = tree_file_of(db->ix, fr->root, r->directory, r->file);
	if (idx < 0)
		return;   /* outside the tree */
	if (!r->nargs && r->command)
		r->nargs = r->args_cap = compile_db_split_command(r->command, &r->args);
	struct db_file *f = &db->files[idx];
	GROW(f->entries, f->len, f->cap);
	struct db_entry *e = &f->entries[f->len++];
	memset(e, 0, sizeof *e);
	e->origin = xasprintf("%s: %s", fr->base, db->ix->walk->files[idx].rel);
	read_flags(db, fr->root, e, r->directory, r->args, r->nargs);
}

static int parse_database(struct db_reader *rd, const char *text, size_t len)
{
	struct json j = { text, text + len, 0 };
	if (!json_eat(&j, '['))
		return -1;
	if (json_eat(&j, ']'))
		return 0;
	do {
		struct raw_entry r = {0};
		read_object(&j, &r);
		if (!j.bad)
			rd->entry(rd, &r);
		free_raw(&r);
	} while (!j.bad && json_eat(&j, ','));
	return j.bad || !json_eat(&j, ']') ? -1 : 0;
}

/* ---- the commands as they are (archport port) ---- */

struct command_reader {
	struct db_reader rd;
	struct compile_command *v;
	size_t len, cap;
};

static void add_command(struct db_reader *rd, struct raw_entry *r)
{
	struct command_reader *cr = (struct command_reader *)rd;
	if (!r->file || !r->directory)
		return;
	if (!r->nargs && r->command)
		r->nargs = r->args_cap = compile_db_split_command(r->command, &r->args);
	if (!r->nargs)
		return;
	GROW(cr->v, cr->len, cr->cap);
	struct compile_command *c = &cr->v[cr->len++];
	c->dir = r->directory;
	c->file = r->file[0] == '/' ? r->file : xasprintf("%s/%s", r->directory, r->file);
	if (c->file != r->file)
		free(r->file);
	c->argc = (int)r->nargs;
	c->argv = xcalloc(r->nargs + 1, sizeof *c->argv);
	memcpy(c->argv, r->args, r->nargs * sizeof *c->argv);
	free(r->args);
	memset(r, 0, sizeof *r);   /* the strings moved into c */
}

size_t compile_commands_read(const char *path, struct compile_command **out)
{
	*out = NULL;
	struct textfile tf;
	char *why = NULL;
	if (textfile_read(path, &tf, &why) != 0) {
		free(why);
		return 0;
	}
	struct command_reader cr = { { add_command }, NULL, 0, 0 };
	if (parse_database(&cr.rd, tf.data, tf.len) != 0) {
		compile_commands_free(cr.v, cr.len);
		cr.v = NULL;
		cr.len = 0;
	}
	textfile_free(&tf);
	*out = cr.v;
	return cr.len;
}

void compile_commands_free(struct compile_command *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int a = 0; a < v[i].argc; a++)
			free(v[i].argv[a]);
		free(v[i].argv);
		free(v[i].dir);
		free(v[i].file);
	}
	free(v);
}

/* ---- headers: the translation units that include them ---- */

static void find_roots(struct compile_db *db, int header)
{
	const struct tree_index *ix = db->ix;
	struct db_file *f = &db->files[header];
	char *seen = xcalloc(db->nfiles ? db->nfiles : 1, 1);
	int *queue = xcalloc(db->nfiles ? db->nfiles : 1, sizeof *queue);
	size_t head = 0, tail = 0;
	queue[tail++] = header;
	seen[header] = 1;
	while (head < tail && !f->undecided) {
		int at = queue[head++];
		const struct file_list *up = &ix->includers[at];
		if (at != header && db->files[at].len) {
			GROW(f->roots, f->nroots, f->roots_cap);
			f->roots[f->nroots++] = at;
			continue;
		}
		if (!up->len || !path_is_header(ix->walk->files[at].rel) || tail > MAX_ROOT_SEARCH) {
			f->undecided = 1;   /* an includer the database does not list, or a public header */
			break;
		}
		for (size_t i = 0; i < up->len; i++)
			if (!seen[up->v[i]]) {
				seen[up->v[i]] = 1;
				queue[tail++] = up->v[i];
			}
	}
	if (!f->nroots)
		f->undecided = 1;
	free(seen);
	free(queue);
}

struct compile_db *compile_db_load(const char *path, const char *root, const struct tree_index *ix)
{
	struct textfile tf;
	char *why = NULL;
	if (textfile_read(path, &tf, &why) != 0) {
		fprintf(stderr, "archport: %s: %s\n", path, why);
		free(why);
		return NULL;
	}
	char real_root[PATH_MAX];
	if (!realpath(root, real_root)) {
		textfile_free(&tf);
		return NULL;
	}
	struct compile_db *db = xcalloc(1, sizeof *db);
	db->ix = ix;
	db->nfiles = ix->walk->len;
	db->files = xcalloc(db->nfiles ? db->nfiles : 1, sizeof *db->files);
	const char *base = strrchr(path, '/');
	struct flags_reader fr = { { add_entry }, db, real_root, base ? base + 1 : path };
	int rc = parse_database(&fr.rd, tf.data, tf.len);
	textfile_free(&tf);
	if (rc != 0) {
		fprintf(stderr, "archport: %s: not a JSON compile database; the fast scan does without it\n", path);
		compile_db_free(db);
		return NULL;
	}
	for (size_t i = 0; i < db->nfiles; i++)
		if (!db->files[i].len)
			find_roots(db, (int)i);
	return db;
}

void compile_db_free(struct compile_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nfiles; i++) {
		struct db_file *f = &db->files[i];
		for (size_t k = 0; k < f->len; k++) {
			struct db_entry *e = &f->entries[k];
			for (size_t o = 0; o < e->nops; o++) {
				free(e->ops[o].name);
				free(e->ops[o].value);
				free(e->ops[o].origin);
			}
			free(e->ops);
			free(e->forced);
			free(e->origin);
		}
		free(f->entries);
		free(f->roots);
	}
	free(db->files);
	free(db);
}

/* ---- the decision ---- */

/* One command: the last -D/-U of the name wins, as in the compiler. */
static void entry_decision(const struct db_entry *e, const char *name, size_t n, struct macro_decision *d)
{
	memset(d, 0, sizeof *d);
	d->state = TRI_FALSE;
	d->origin = e->origin;
	d->from_database = 1;
	for (size_t i = 0; i < e->nops; i++)
		if (mem_eq(name, n, e->ops[i].name)) {
			d->state = e->ops[i].value ? TRI_TRUE : TRI_FALSE;
			d->body = e->ops[i].value;
			d->by_undef = !e->ops[i].value;
			d->origin = e->ops[i].origin;
		}
}

static int same_decision(const struct macro_decision *a, const struct macro_decision *b)
{
	if (a->state != b->state)
		return 0;
	return a->state != TRI_TRUE || (a->body && b->body && !strcmp(a->body, b->body));
}

/* Every command of the file (a file built twice, with other flags). */
static int file_decision(const struct db_file *f, const char *name, size_t n, struct macro_decision *d)
{
	entry_decision(&f->entries[0], name, n, d);
	for (size_t i = 1; i < f->len; i++) {
		struct macro_decision other;
		entry_decision(&f->entries[i], name, n, &other);
		if (!same_decision(d, &other)) {
			d->state = TRI_UNKNOWN;
			d->why_unknown = "in one compile command of this file and not in another";
			return 0;
		}
	}
	return 1;
}

int compile_db_decide(const struct compile_db *db, int file_index, const char *name, size_t n,
		      struct macro_decision *d)
{
	const struct db_file *f = &db->files[file_index];
	if (f->len) {
		file_decision(f, name, n, d);
		return 1;
	}
	if (f->undecided)
		return 0;
	if (!file_decision(&db->files[f->roots[0]], name, n, d))
		return 1;
	for (size_t i = 1; i < f->nroots; i++) {
		struct macro_decision other;
		if (!file_decision(&db->files[f->roots[i]], name, n, &other) || !same_decision(d, &other)) {
			d->state = TRI_UNKNOWN;
			d->origin = other.origin;
			d->why_unknown = "for some of the files that include this header and not for others";
			return 1;
		}
	}
	return 1;
}

size_t compile_db_forced_includes(const struct compile_db *db, int file_index, const int **files)
{
	const struct db_file *f = &db->files[file_index];
	if (!f->len)
		return 0;
	*files = f->entries[0].forced;
	return f->entries[0].nforced;
}

int compile_db_lists(const struct compile_db *db, int file_index)
{
	return db && file_index >= 0 && (size_t)file_index < db->nfiles && db->files[file_index].len > 0;
}
