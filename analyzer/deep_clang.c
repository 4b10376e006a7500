/* The deep pass (see deep_clang.h).  Each TU is parsed by libclang with the
 * flags of its compile command, minus what only makes sense for the x86
 * build (-m*, -march, -o, dependency output), retargeted to the target
 * triple.  Workers share nothing but the job counter and the cache (whose
 * file-hash memo has its own lock): one CXIndex each, and findings go to
 * per-TU lists, parsed or read from the cache, that the main thread merges
 * in job order, so the report does not depend on scheduling or on what was
 * cached. */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "asm_check.h"
#include "arch_dirs.h"
#include "deep_clang.h"
#include "deep_internal.h"
#include "rules.h"

/* ---- jobs ---- */

char *deep_take(CXString s)
{
	const char *p = clang_getCString(s);
	char *copy = xstrdup(p ? p : "");
	clang_disposeString(s);
	return copy;
}

static char *absolute_in(const char *dir, const char *path)
{
	return path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
}

/* ---- command-line rewriting ---- */

static int is_one_of(const char *a, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(a, *list))
			return 1;
	return 0;
}

/* Flags dropped with their value: output and dependency files, and the
 * build's own target (ours replaces it). */
static int drops_with_value(const char *a)
{
	static const char *const list[] = { "-o", "-MF", "-MT", "-MQ", "-target", "-mllvm", NULL };
	return is_one_of(a, list);
}

/* Flags dropped alone.  -m* are x86 machine flags (-msse4.2, -march=,
 * -mtune=): the build files carry them and the build scan reports them, so
 * they are not the TU's fault.  -Werror and friends would turn the hazard
 * warnings we enable into errors. */
static int drops_alone(const char *a)
{
	static const char *const list[] = { "-c", "-S", "-E", "-M", "-MM", "-MD", "-MMD", "-MP", "-MG",
		"-w", "-pedantic-errors", "-Wfatal-errors", "-fsyntax-only", NULL };
	if (is_one_of(a, list))
		return 1;
	if (!strncmp(a, "-o", 2) || !strncmp(a, "-MF", 3) || !strncmp(a, "-MT", 3) || !strncmp(a, "-MQ", 3))
		return 1;
	return !strncmp(a, "-m", 2) || !strncmp(a, "--target=", 9) || !strncmp(a, "-Werror", 7);
}

static void push_arg(struct tu_job *j, size_t *cap, const char *a)
{
	GROW(j->args, j->nargs, *cap);
	j->args[j->nargs++] = xstrdup(a);
}

/* What we add: the target, every error (no limit), no warnings (plain char
 * sign hazards are judged byte by byte in deep_sign.c, not by clang's
 * tautology warnings, which miss `c > 127` and `table[c]`), and the
 * entry's directory for the relative -I paths (workers cannot chdir: it is
 * per process). */
static void add_target_args(struct tu_job *j, size_t *cap, const char *triple)
{
	const char *extra[] = { "-target", triple, "-ferror-limit=0", "-Wno-everything", "-working-directory", j->dir };
	for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
		push_arg(j, cap, extra[i]);
}

static void rewrite_command(CXCompileCommand cmd, struct tu_job *j, const char *triple)
{
	size_t cap = 0;
	unsigned n = clang_CompileCommand_getNumArgs(cmd);
	for (unsigned i = 1; i < n; i++) {   /* argv[0] is the build's compiler */
		char *a = deep_take(clang_CompileCommand_getArg(cmd, i));
		char *abs = absolute_in(j->dir, a);
		if (drops_with_value(a))
			i++;
		else if (!drops_alone(a) && strcmp(abs, j->file) != 0)
			push_arg(j, &cap, a);
		free(abs);
		free(a);
	}
	add_target_args(j, &cap, triple);
}

static int is_c_family(const char *file)
{
	const char *dot = strrchr(file, '.');
	static const char *const exts[] = { ".c", ".cc", ".cpp", ".cxx", ".c++", ".C", ".m", ".mm", NULL };
	return dot && is_one_of(dot, exts);
}

static size_t load_jobs(CXCompilationDatabase db, const char *triple, struct tu_job **out)
{
	CXCompileCommands cmds = clang_CompilationDatabase_getAllCompileCommands(db);
	unsigned n = clang_CompileCommands_getSize(cmds);
	struct tu_job *jobs = xcalloc(n ? n : 1, sizeof *jobs);
	size_t len = 0;
	for (unsigned i = 0; i < n; i++) {
		CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, i);
		struct tu_job *j = &jobs[len];
		j->dir = deep_take(clang_CompileCommand_getDirectory(cmd));
		char *file = deep_take(clang_CompileCommand_getFilename(cmd));
		j->file = absolute_in(j->dir, file);
		free(file);
		if (!is_c_family(j->file)) {    /* .S files: the asm scan's job */
			free(j->dir);
			free(j->file);
			continue;
		}
		rewrite_command(cmd, j, triple);
		len++;
	}
	clang_CompileCommands_dispose(cmds);
	*out = jobs;
	return len;
}

/* root-relative form of an absolute path under root, else NULL */
static const char *under_root(const char *abs, const char *root, size_t rootlen)
{
	if (strncmp(abs, root, rootlen) != 0 || (abs[rootlen] != '/' && abs[rootlen] != '\0'))
		return NULL;
	return abs[rootlen] ? abs + rootlen + 1 : abs + rootlen;
}

/* `-I src/arch/x86_64` of an arch/$(ARCH) layout: the target build looks in
 * the target's directory instead (which may not exist). */
static char *retarget_include_dir(const struct arch_dirs *ad, const char *dir, const char *abs,
				  const char *root, size_t rootlen)
{
	const char *rel = under_root(abs, root, rootlen);
	for (size_t i = 0; rel && i < arch_dirs_len(ad); i++) {
		const char *x86 = arch_dirs_x86(ad, i), *twin = arch_dirs_twin(ad, i);
		size_t n = strlen(x86);
		if (twin && arch_dirs_by_variable(ad, i) && !strncmp(rel, x86, n) && (rel[n] == '\0' || rel[n] == '/'))
			return xasprintf("%s/%s%s", root, twin, rel + n);
	}
	(void)dir;
	return NULL;
}

/* The x86 compile database of an arch/$(ARCH) tree: its x86 directory is
 * not compiled for the target, and its -I points at the target's twin. */
static size_t retarget_arch_dirs(struct tu_job *jobs, size_t n, const struct arch_dirs *ad,
				 const char *root, size_t rootlen)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct tu_job *j = &jobs[i];
		const char *rel = under_root(j->file, root, rootlen);
		if (rel && arch_dirs_contains(ad, rel)) {
			for (int a = 0; a < j->nargs; a++)
				free(j->args[a]);
			free(j->args);
			free(j->dir);
			free(j->file);
			continue;
		}
		for (int a = 0; a < j->nargs; a++) {
			int joined = !strncmp(j->args[a], "-I", 2) && j->args[a][2];
			int separate = !strcmp(j->args[a], "-I") && a + 1 < j->nargs;
			if (!joined && !separate)
				continue;
			int v = separate ? a + 1 : a;
			char *abs = absolute_in(j->dir, joined ? j->args[a] + 2 : j->args[v]);
			char *moved = retarget_include_dir(ad, j->dir, abs, root, rootlen);
			if (moved) {
				free(j->args[v]);
				j->args[v] = joined ? xasprintf("-I%s", moved) : xstrdup(moved);
				free(moved);
			}
			free(abs);
			a = v;
		}
		jobs[kept++] = *j;
	}
	return kept;
}

static void free_jobs(struct tu_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int a = 0; a < jobs[i].nargs; a++)
			free(jobs[i].args[a]);
		free(jobs[i].args);
		free(jobs[i].dir);
		free(jobs[i].file);
	}
	free(jobs);
}

/* ---- the compile database ---- */

char *deep_find_database(const char *root, const char *explicit_file)
{
	if (explicit_file)
		return xstrdup(explicit_file);
	char *path = xasprintf("%s/compile_commands.json", root);
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* libclang loads a database from a directory holding a file of that exact
 * name; another name is linked into a private directory first. */
static CXCompilationDatabase open_database(const char *file)
{
	char real[PATH_MAX];
	if (!realpath(file, real))
		return NULL;
	CXCompilationDatabase_Error err;
	const char *base = strrchr(real, '/');
	if (!strcmp(base + 1, "compile_commands.json")) {
		char *dir = xstrndup(real, (size_t)(base - real));
		CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(*dir ? dir : "/", &err);
		free(dir);
		return err == CXCompilationDatabase_NoError ? db : NULL;
	}
	char tmp[] = "/tmp/archport-ccdb-XXXXXX";
	if (!mkdtemp(tmp))
		return NULL;
	char *link = xasprintf("%s/compile_commands.json", tmp);
	CXCompilationDatabase db = NULL;
	if (symlink(real, link) == 0) {
		db = clang_CompilationDatabase_fromDirectory(tmp, &err);   /* reads it now */
		if (err != CXCompilationDatabase_NoError)
			db = NULL;
		unlink(link);
	}
	rmdir(tmp);
	free(link);
	return db;
}

/* ---- per-TU state ---- */

struct include_site {
	CXFile file;        /* the in-tree file with the #include */
	char *rel;
	unsigned line, col;
	int reported;
};

/* The file's path relative to the root, or NULL when outside; cached per
 * CXFile because the AST walk asks for every top-level declaration. */
const char *deep_rel(struct tu_state *st, CXFile f)
{
	if (!f)
		return NULL;
	struct strmap_entry *e = strmap_get(&st->in_root, (const char *)&f, sizeof f, 1);
	if (!e->value) {
		char *path = deep_take(clang_File_tryGetRealPathName(f));
		if (!*path) {
			char real[PATH_MAX], *name = deep_take(clang_getFileName(f));
			free(path);
			path = xstrdup(realpath(name, real) ? real : name);
			free(name);
		}
		size_t n = st->run->rootlen;
		int inside = !strncmp(path, st->run->root, n) && path[n] == '/';
		e->value = xstrdup(inside ? path + n + 1 : "");
		free(path);
	}
	const char *rel = e->value;
	return *rel ? rel : NULL;
}

void deep_expansion(CXSourceLocation loc, CXFile *f, unsigned *line, unsigned *col)
{
	clang_getExpansionLocation(loc, f, line, col, NULL);
}

char *deep_line_text(CXTranslationUnit tu, CXFile f, unsigned line)
{
	size_t size = 0;
	const char *p = clang_getFileContents(tu, f, &size), *end = p + size;
	if (!p)
		return NULL;
	for (unsigned l = 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return xstrndup(p, (size_t)((nl ? nl : end) - p));
}

static int is_error_directive(const char *text)
{
	size_t n;
	const char *d = directive_word(text, &n);
	return d && n == 5 && !strncmp(d, "error", 5) && d[5] != '_' && !isdigit((unsigned char)d[5]);
}

/* The header name of an #include line, malloc'd, or NULL. */
static char *include_name(const char *text)
{
	size_t n;
	const char *d = directive_word(text, &n);
	if (!d || n != 7 || strncmp(d, "include", 7))
		return NULL;
	d += 7;
	while (*d == ' ' || *d == '\t')
		d++;
	char close = *d == '<' ? '>' : *d == '"' ? '"' : 0;
	const char *e = close ? strchr(d + 1, close) : NULL;
	return e ? xstrndup(d + 1, (size_t)(e - d - 1)) : NULL;
}

void deep_add_finding(struct tu_state *st, const char *rule, enum severity sev, const char *rel,
		      unsigned line, unsigned col, const char *fix, char *message, char *source)
{
	struct finding f = { rule, sev, (char *)rel, (int)line, (int)col, (int)line, (int)col,
			     message, fix, source, NULL, NULL };
	findings_add(&st->res->findings, &f);
	free(message);
	free(source);
}

/* ---- includes: coverage and where outside headers come in ---- */

static void add_covered(struct tu_result *r, const char *rel)
{
	GROW(r->covered, r->ncovered, r->cap);
	r->covered[r->ncovered++] = xstrdup(rel);
}

/* Every file the parse read, in the tree or not, goes into the cache
 * entry with the hash of the bytes clang saw (not of the file now: an edit
 * during the parse must not be taken for what was parsed). */
static void record_read(struct tu_state *st, CXFile f)
{
	struct strmap_entry *e = strmap_get(&st->read, (const char *)&f, sizeof f, 1);
	if (e->value)
		return;   /* a header without a guard, included again */
	e->value = (void *)1;
	size_t size = 0;
	const char *bytes = clang_getFileContents(st->tu, f, &size);
	char *name = deep_take(clang_File_tryGetRealPathName(f));
	if (!*name) {
		free(name);
		name = deep_take(clang_getFileName(f));
	}
	char *path = absolute_in(st->job->dir, name);
	deep_record_file(&st->rec, path, bytes, size);
	free(path);
	free(name);
}

/* stack[0] is the #include that read `f`, stack[len-1] is in the main
 * file; the innermost in-tree entry is where the tree asked for it. */
static void visit_inclusion(CXFile f, CXSourceLocation *stack, unsigned len, CXClientData data)
{
	struct tu_state *st = data;
	record_read(st, f);
	const char *rel = deep_rel(st, f);
	if (rel) {
		add_covered(st->res, rel);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		CXFile in;
		unsigned line, col;
		deep_expansion(stack[i], &in, &line, &col);
		const char *site_rel = deep_rel(st, in);
		if (!site_rel)
			continue;
		struct strmap_entry *e = strmap_get(&st->sites, (const char *)&f, sizeof f, 1);
		if (e->value)
			return;   /* included again: the first site stands */
		struct include_site *s = xcalloc(1, sizeof *s);
		s->file = in;
		s->rel = xstrdup(site_rel);
		s->line = line;
		s->col = col;
		e->value = s;
		return;
	}
}

static void free_site(void *p)
{
	struct include_site *s = p;
	free(s->rel);
	free(s);
}

/* ---- diagnostics ---- */

/* The first 'quoted' name of a clang message, into buf. */
static size_t quoted_name(const char *msg, char *buf, size_t size)
{
	const char *a = strchr(msg, '\'');
	const char *b = a ? strchr(a + 1, '\'') : NULL;
	if (!b || (size_t)(b - a - 1) >= size)
		return 0;
	memcpy(buf, a + 1, (size_t)(b - a - 1));
	buf[b - a - 1] = '\0';
	return (size_t)(b - a - 1);
}

static const char *rule_for_name(const struct knowledge *k, const char *name, size_t n)
{
	const struct x86_name *x = n ? knowledge_name(k, name, n) : NULL;
	if (!x)
		return NULL;
	if (x->kinds & X86_INTRINSIC)
		return k->source->rule_intrinsic;
	if (x->kinds & X86_TYPE)
		return k->source->rule_type;
	if (x->kinds & X86_CONTEXT_REG)
		return RULE_CONTEXT_REG;
	return x->kinds & X86_PORT_IO ? RULE_PORT_IO : NULL;
}

/* Clang's message (and the source line, for #error) to a rule. */
static const char *classify(const struct knowledge *k, const char *msg, const char *text)
{
	char name[256];
	size_t n = quoted_name(msg, name, sizeof name);
	if (strstr(msg, "file not found"))
		return n && strmap_has(&k->headers, name, n) ? k->source->rule_header : RULE_CLANG_ERROR;
	if (is_error_directive(text))
		return RULE_ERROR_DIRECTIVE;
	if (strstr(msg, "invalid output constraint") || strstr(msg, "invalid input constraint"))
		return RULE_ASM_CONSTRAINT;
	if (strstr(msg, "unknown register name"))
		return RULE_ASM_CLOBBER;
	if (strstr(msg, "builtin is not supported on this target"))
		return k->source->rule_intrinsic;
	const char *by_name = rule_for_name(k, name, n);
	return by_name ? by_name : RULE_CLANG_ERROR;
}

/* After a missing header, what clang says about the names that header
 * would have declared is the same problem again. */
static int is_consequence(const char *msg)
{
	return strstr(msg, "undeclared") || strstr(msg, "unknown type name") ||
	       strstr(msg, "implicit declaration") || strstr(msg, "incomplete type") ||
	       strstr(msg, "builtin is not supported");
}

/* An error inside a header outside the tree is reported once, at the
 * in-tree #include that brought the header in. */
static void outside_error(struct tu_state *st, CXFile f, unsigned line, const char *msg)
{
	struct include_site *s = strmap_value(&st->sites, (const char *)&f, sizeof f);
	if (!s || s->reported)
		return;
	s->reported = 1;
	char *hdr_line = deep_line_text(st->tu, f, line);
	int x86_error = is_error_directive(hdr_line);   /* clang's own x86 headers #error */
	free(hdr_line);
	char *src = deep_line_text(st->tu, s->file, s->line), *name = include_name(src);
	int known = name && strmap_has(&st->run->k->headers, name, strlen(name));
	if (known || x86_error) {
		st->fatal = 1;
		deep_add_finding(st, st->run->k->source->rule_header, SEV_ERROR, s->rel, s->line, s->col, "gate",
				 xasprintf("<%s> is an %s header, not available on %s (clang: %s)", name ? name : "?",
					   st->run->k->source->name, st->run->k->target, msg), src);
	} else {
		deep_add_finding(st, RULE_CLANG_ERROR, SEV_ERROR, s->rel, s->line, s->col, "port",
				 xasprintf("in a header included here: %s", msg), src);
	}
	free(name);
}

/* The directories a TU's #include looks in that its own flags name. */
static int is_include_flag(const char *a, size_t *len)
{
	static const char *const flags[] = { "-I", "-iquote", "-isystem", "-idirafter", NULL };
	for (const char *const *fl = flags; *fl; fl++)
		if (str_starts(a, *fl)) {
			*len = strlen(*fl);
			return 1;
		}
	return 0;
}

static void record_absent_in(struct tu_state *st, const char *dir, const char *name)
{
	char *rel = xasprintf("%s/%s", dir, name);
	char *path = absolute_in(st->job->dir, rel);
	deep_record_absent(&st->rec, path);
	free(path);
	free(rel);
}

/* A missing header may be added later: the cache entry then lists where
 * it was looked for (the includer's directory, the main file's, every -I
 * style directory of the command) and is dropped once one of them exists.
 * The compiler's own system directories are not listed. */
static void record_missing(struct tu_state *st, CXFile includer, const char *msg)
{
	char name[PATH_MAX];
	if (!quoted_name(msg, name, sizeof name))
		return;
	char *inc = includer ? deep_take(clang_getFileName(includer)) : xstrdup(st->job->file);
	const char *dirs[] = { inc, st->job->file };
	for (size_t i = 0; i < 2; i++) {
		const char *slash = strrchr(dirs[i], '/');
		char *dir = slash ? xstrndup(dirs[i], (size_t)(slash - dirs[i])) : xstrdup(".");
		record_absent_in(st, *dir ? dir : "/", name);
		free(dir);
	}
	free(inc);
	for (int i = 0; i < st->job->nargs; i++) {
		size_t n;
		const char *a = st->job->args[i];
		if (!is_include_flag(a, &n))
			continue;
		const char *dir = a[n] ? a + n : i + 1 < st->job->nargs ? st->job->args[++i] : NULL;
		if (dir)
			record_absent_in(st, dir, name);
	}
}

static void one_diagnostic(struct tu_state *st, CXDiagnostic d)
{
	enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
	if (sev < CXDiagnostic_Error)   /* warnings are off (-Wno-everything); what is left is not ours */
		return;
	CXFile f;
	unsigned line, col;
	deep_expansion(clang_getDiagnosticLocation(d), &f, &line, &col);
	const char *rel = deep_rel(st, f);
	char *msg = deep_take(clang_getDiagnosticSpelling(d));
	if (strstr(msg, "file not found"))
		record_missing(st, f, msg);
	if (!rel) {
		if (f)
			outside_error(st, f, line, msg);
	} else if (!(st->fatal && is_consequence(msg))) {
		char *src = deep_line_text(st->tu, f, line);
		const char *rule = classify(st->run->k, msg, src);
		if (sev == CXDiagnostic_Fatal)
			st->fatal = 1;
		const char *fix = !strcmp(rule, RULE_ERROR_DIRECTIVE) ? "port" : "gate";
		deep_add_finding(st, rule, SEV_ERROR, rel, line, col, fix, hazard_explain_error(st->run->k, msg), src);
	}
	free(msg);
}

static void collect_diagnostics(struct tu_state *st)
{
	unsigned n = clang_getNumDiagnostics(st->tu);
	for (unsigned i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(st->tu, i);
		one_diagnostic(st, d);
		clang_disposeDiagnostic(d);
	}
}

/* ---- the AST: inline asm ---- */

static int is_spelled(CXTranslationUnit tu, CXToken t, const char *const *words)
{
	char *s = deep_take(clang_getTokenSpelling(tu, t));
	int hit = is_one_of(s, words);
	free(s);
	return hit;
}

/* Appends a string literal's bytes, with the escapes an asm template uses. */
static void append_literal(struct strbuf *sb, const char *s)
{
	const char *q = strchr(s, '"'), *end = strrchr(s, '"');
	for (const char *p = q ? q + 1 : end; p && p < end; p++) {
		if (*p != '\\' || p + 1 >= end) {
			sb_addc(sb, *p);
			continue;
		}
		char c = *++p;
		sb_addc(sb, c == 'n' ? '\n' : c == 't' ? '\t' : c);
	}
}

/* The template of `asm [qualifiers] ( "..." "..."`: string literals, with
 * identifiers between them (macros for prefixes) skipped. */
static char *template_of(CXTranslationUnit tu, CXToken *t, unsigned n)
{
	static const char *const kw[] = { "asm", "__asm", "__asm__", NULL };
	static const char *const qual[] = { "volatile", "__volatile__", "__volatile", "goto", "inline",
		"__inline__", "__inline", NULL };
	static const char *const open[] = { "(", NULL };
	unsigned i = 0;
	if (n == 0 || !is_spelled(tu, t[i++], kw))
		return NULL;
	while (i < n && is_spelled(tu, t[i], qual))
		i++;
	if (i >= n || !is_spelled(tu, t[i++], open))
		return NULL;
	struct strbuf sb = {0};
	sb_add(&sb, "", 0);
	for (; i < n; i++) {
		enum CXTokenKind kind = clang_getTokenKind(t[i]);
		char *s = deep_take(clang_getTokenSpelling(tu, t[i]));
		int go = kind == CXToken_Identifier || (kind == CXToken_Literal && strchr(s, '"'));
		if (kind == CXToken_Literal && go)
			append_literal(&sb, s);
		free(s);
		if (!go)
			break;
	}
	return sb_detach(&sb);
}

/* Reads the statement at the spelling of its `asm` keyword, which is in a
 * macro definition when the statement comes from a macro: the expansion
 * site alone shows only the macro's name. */
static char *asm_template(CXTranslationUnit tu, CXCursor c)
{
	CXFile f;
	unsigned off;
	clang_getSpellingLocation(clang_getCursorLocation(c), &f, NULL, NULL, &off);
	size_t size = 0;
	if (!f || !clang_getFileContents(tu, f, &size) || off >= size)
		return NULL;
	unsigned end = size - off > 4096 ? off + 4096 : (unsigned)size;
	CXSourceRange r = clang_getRange(clang_getLocationForOffset(tu, f, off),
					 clang_getLocationForOffset(tu, f, end));
	CXToken *toks = NULL;
	unsigned n = 0;
	clang_tokenize(tu, r, &toks, &n);
	char *text = template_of(tu, toks, n);
	clang_disposeTokens(tu, toks, n);
	return text;
}

/* Clang does not look inside asm templates before code generation, so an
 * x86 mnemonic parses fine for aarch64; the target assembler rejects it. */
static void check_asm(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line,
		      unsigned col, int top_level)
{
	char *text = asm_template(st->tu, c);
	struct asm_issue issue;
	if (text && asm_check_text(st->run->k, text, strlen(text), ASM_TEMPLATE, &issue))
		deep_add_finding(st, st->run->k->source->rule_asm, SEV_ERROR, rel, line, col, "gate",
				 xasprintf("%s in %sasm is not valid on %s", issue.what,
					   top_level ? "top-level " : "inline ", st->run->k->target),
				 deep_line_text(st->tu, f, line));
	free(text);
}

/* ---- the AST: page size constants ----
 * Leaving x86: 4096 (or 1 << 12) named as a page, wrong on aarch64 kernels
 * with 16 KiB or 64 KiB pages.  Coming to x86_64 (the reverse port): 16384
 * or 65536 (1 << 14, 1 << 16), or a page shift of 14 or 16: x86_64 pages
 * are always 4 KiB (its huge pages are 2 MiB and 1 GiB, never 16 or 64 KiB). */

static int is_page_name(const char *s)
{
	for (; *s; s++)
		if (!strncasecmp(s, "page", 4))
			return 1;
	return 0;
}

static int is_shift_name(const char *s)
{
	for (; *s; s++)
		if (!strncasecmp(s, "shift", 5) || !strncasecmp(s, "bits", 4) || !strncasecmp(s, "order", 5))
			return 1;
	return 0;
}

/* The value is a page size (or, for a shift, its log2) of the source arch
 * that the target does not have. */
static int is_foreign_page(const struct knowledge *k, const char *name, unsigned long long v)
{
	if (!k->target_is_x86)
		return v == 4096;
	if (is_shift_name(name))
		return v == 14 || v == 16;
	return v == 16384 || v == 65536;
}

/* An integer literal (4096, 0x1000, 4096UL); 0 when it is not one. */
static int literal_value(const char *s, unsigned long long *v)
{
	char *end;
	*v = strtoull(s, &end, 0);
	while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L')
		end++;
	return !*end && end != s;
}

/* The body of `#define NAME ...` without parentheses, spaces and integer
 * suffixes is a literal, or 1 << literal; 0 when it is anything else. */
static int macro_value(CXTranslationUnit tu, CXCursor c, unsigned long long *out)
{
	CXToken *t = NULL;
	unsigned n = 0, lits = 0, shift = 0, ok = 1;
	unsigned long long v[2] = { 0, 0 };
	clang_tokenize(tu, clang_getCursorExtent(c), &t, &n);
	for (unsigned i = 1; i < n && ok; i++) {
		char *s = deep_take(clang_getTokenSpelling(tu, t[i]));
		if (clang_getTokenKind(t[i]) == CXToken_Literal)
			ok = lits < 2 && literal_value(s, &v[lits++]);
		else if (!strcmp(s, "<<"))
			ok = lits == 1 && !shift++;
		else
			ok = !strcmp(s, "(") || !strcmp(s, ")");   /* anything else: an expression we do not judge */
		free(s);
	}
	clang_disposeTokens(tu, t, n);
	if (!ok || lits != 1 + shift || (shift && (v[0] != 1 || v[1] > 62)))
		return 0;
	*out = shift ? 1ULL << v[1] : v[0];
	return 1;
}

static int decl_value(CXCursor c, unsigned long long *out)
{
	if (clang_getCursorKind(c) == CXCursor_EnumConstantDecl) {
		*out = (unsigned long long)clang_getEnumConstantDeclValue(c);
		return 1;
	}
	CXCursor init = clang_Cursor_getVarDeclInitializer(c);
	if (clang_Cursor_isNull(init))
		return 0;
	CXEvalResult ev = clang_Cursor_Evaluate(init);
	int hit = ev && clang_EvalResult_getKind(ev) == CXEval_Int;
	if (hit)
		*out = (unsigned long long)clang_EvalResult_getAsLongLong(ev);
	if (ev)
		clang_EvalResult_dispose(ev);
	return hit;
}

static char *page_message(const struct knowledge *k, const char *name, unsigned long long v)
{
	if (!k->target_is_x86)
		return xasprintf("`%s` assumes 4 KiB pages; %s Linux kernels may use 16 KiB or 64 KiB pages (ask "
				 "sysconf(_SC_PAGESIZE))", name, k->target);
	if (v < 64)
		return xasprintf("`%s` is %llu: %llu KiB pages, as %s kernels with a %llu KiB granule have; x86_64 "
				 "pages are always 4 KiB (shift 12), so page arithmetic with it is wrong there (ask "
				 "sysconf(_SC_PAGESIZE))", name, v, (1ULL << v) / 1024, k->source->name,
				 (1ULL << v) / 1024);
	return xasprintf("`%s` assumes %llu KiB pages, as %s kernels with a %llu KiB granule have; x86_64 pages "
			 "are always 4 KiB, so page counts, page-aligned offsets and guard pages computed with it are "
			 "wrong there (ask sysconf(_SC_PAGESIZE))", name, v / 1024, k->source->name, v / 1024);
}

static void check_page(struct tu_state *st, CXCursor c, const char *rel, CXFile f, unsigned line,
		       unsigned col)
{
	char *name = deep_take(clang_getCursorSpelling(c));
	int macro = clang_getCursorKind(c) == CXCursor_MacroDefinition;
	unsigned long long v = 0;
	if (is_page_name(name) && (macro ? macro_value(st->tu, c, &v) : decl_value(c, &v)) &&
	    is_foreign_page(st->run->k, name, v))
		deep_add_finding(st, RULE_RUNTIME_HAZARD, SEV_WARNING, rel, line, col, "port",
				 page_message(st->run->k, name, v), deep_line_text(st->tu, f, line));
	free(name);
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data)
{
	struct tu_state *st = data;
	CXFile f;
	unsigned line, col;
	deep_expansion(clang_getCursorLocation(c), &f, &line, &col);
	const char *rel = deep_rel(st, f);
	if (!rel)
		return CXChildVisit_Continue;   /* system headers: not ours to judge */
	hazard_visit(st, c, parent, rel, f, line, col);
	switch (clang_getCursorKind(c)) {
	case CXCursor_StaticAssert:         /* a size asserted is not a layout assumed */
		return CXChildVisit_Continue;
	case CXCursor_AsmStmt:
		check_asm(st, c, rel, f, line, col, 0);
		return CXChildVisit_Continue;
	case CXCursor_UnexposedDecl:        /* file-scope asm("...") among others */
		if (clang_getCursorKind(parent) == CXCursor_TranslationUnit)
			check_asm(st, c, rel, f, line, col, 1);
		return CXChildVisit_Recurse;
	case CXCursor_MacroDefinition:
		check_page(st, c, rel, f, line, col);
		return CXChildVisit_Continue;
	case CXCursor_MacroExpansion:
	case CXCursor_InclusionDirective:
		return CXChildVisit_Continue;
	case CXCursor_VarDecl:
	case CXCursor_EnumConstantDecl:
		check_page(st, c, rel, f, line, col);
		return CXChildVisit_Recurse;
	default:
		return CXChildVisit_Recurse;
	}
}

/* ---- workers ---- */

/* The outcome of TU i, as the cache reads and writes it. */
static struct deep_outcome outcome_of(struct tu_result *r)
{
	return (struct deep_outcome){ &r->findings, &r->covered, &r->ncovered, &r->cap };
}

static void parse_one(struct deep_run *run, CXIndex idx, size_t i, uint64_t key)
{
	struct tu_job *j = &run->jobs[i];
	CXTranslationUnit tu = NULL;
	unsigned opts = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing;
	enum CXErrorCode err = clang_parseTranslationUnit2(idx, j->file, (const char *const *)j->args, j->nargs,
							    NULL, 0, opts, &tu);
	if (err != CXError_Success || !tu) {
		fprintf(stderr, "archport: deep pass: libclang could not parse %s (error %d)\n", j->file, (int)err);
		return;
	}
	struct tu_state st = { .run = run, .job = j, .tu = tu, .res = &run->results[i],
			       .char_sign_fixed = sign_fixed_by_flags(j) };
	clang_getInclusions(tu, visit_inclusion, &st);   /* first: diagnostics need the sites */
	collect_diagnostics(&st);
	clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, &st);
	deep_cache_store(run->cache, key, j->file, &st.rec, outcome_of(st.res));
	deep_record_free(&st.rec);
	hazard_free_state(&st);
	strmap_free(&st.in_root, free);
	strmap_free(&st.sites, free_site);
	strmap_free(&st.read, NULL);
	clang_disposeTranslationUnit(tu);
}

static size_t next_job(struct deep_run *run)
{
	pthread_mutex_lock(&run->lock);
	size_t i = run->next++;
	pthread_mutex_unlock(&run->lock);
	return i;
}

/* A valid cache entry stands for the parse; the index is made on the
 * first TU that must really be parsed (a warm rescan never makes one). */
static void *worker(void *arg)
{
	struct deep_run *run = arg;
	CXIndex idx = NULL;   /* per thread: an index is not shared safely */
	for (size_t i; (i = next_job(run)) < run->njobs;) {
		struct tu_job *j = &run->jobs[i];
		uint64_t key = run->cache ? deep_cache_key(run->cache, j->file, j->args, j->nargs) : 0;
		if (deep_cache_load(run->cache, key, j->file, outcome_of(&run->results[i]))) {
			run->results[i].cached = 1;
			continue;
		}
		if (!idx)
			idx = clang_createIndex(0, 0);
		parse_one(run, idx, i, key);
	}
	if (idx)
		clang_disposeIndex(idx);
	return NULL;
}

static void run_workers(struct deep_run *run, int jobs)
{
	size_t n = jobs < 1 ? 1 : (size_t)jobs;
	if (n > run->njobs)
		n = run->njobs;
	if (n <= 1) {
		worker(run);
		return;
	}
	pthread_t *threads = xcalloc(n, sizeof *threads);
	size_t started = 0;
	for (; started < n; started++)
		if (pthread_create(&threads[started], NULL, worker, run) != 0)
			break;
	if (started == 0)
		worker(run);   /* no thread at all: do the work here */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
}

/* ---- results ---- */

static char *finding_key(const struct finding *f)
{
	return xasprintf("%s:%d:%d:%s", f->file, f->line, f->column, f->rule);
}

/* Job order, first of each (file, line, column, rule): a header's problem
 * is reported once however many TUs include it. */
static void merge_results(struct deep_run *run, struct finding_list *out, struct strmap *covered)
{
	struct strmap seen = {0};
	for (size_t i = 0; i < run->njobs; i++) {
		struct tu_result *r = &run->results[i];
		for (size_t j = 0; j < r->findings.len; j++) {
			char *key = finding_key(&r->findings.items[j]);
			struct strmap_entry *e = strmap_get(&seen, key, strlen(key), 1);
			if (!e->value)
				findings_add(out, &r->findings.items[j]);
			e->value = (void *)1;
			free(key);
		}
		for (size_t j = 0; j < r->ncovered; j++) {
			if (covered)
				strmap_get(covered, r->covered[j], strlen(r->covered[j]), 1);
			free(r->covered[j]);
		}
		findings_free(&r->findings);
		free(r->covered);
	}
	strmap_free(&seen, NULL);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct deep_cache *open_cache(const struct deep_run *run)
{
	char *version = deep_take(clang_getClangVersion());   /* another libclang may diagnose otherwise */
	struct deep_cache *c = deep_cache_open(run->k->triple, run->root, version);
	free(version);
	return c;
}

static void report_timing(const struct deep_run *run, const char *root, int jobs, double s)
{
	size_t cached = 0;
	for (size_t i = 0; i < run->njobs; i++)
		cached += run->results[i].cached;
	fprintf(stderr, "archport: %s: deep pass %.3f s (%zu TUs, %zu parsed, %zu cached, %d jobs%s)\n", root, s,
		run->njobs, run->njobs - cached, cached, jobs, run->cache ? "" : ", no cache");
}

int deep_scan_cover(const char *root, const char *compile_commands, const struct knowledge *k,
		    int jobs, struct finding_list *out, struct strmap *covered, const struct arch_dirs *arch)
{
	char *db_path = deep_find_database(root, compile_commands);
	if (!db_path)
		return 1;
	if (libclang_load() != 0) {
		free(db_path);
		return -1;
	}
	char real_root[PATH_MAX];
	CXCompilationDatabase db = realpath(root, real_root) ? open_database(db_path) : NULL;
	if (!db) {
		fprintf(stderr, "archport: %s: cannot load the compile database\n", db_path);
		free(db_path);
		return -1;
	}
	struct deep_run run = { .root = real_root, .rootlen = strlen(real_root), .k = k,
				.lock = PTHREAD_MUTEX_INITIALIZER };
	run.njobs = load_jobs(db, k->triple, &run.jobs);
	if (arch)
		run.njobs = retarget_arch_dirs(run.jobs, run.njobs, arch, real_root, run.rootlen);
	clang_CompilationDatabase_dispose(db);
	run.results = xcalloc(run.njobs ? run.njobs : 1, sizeof *run.results);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run.cache = open_cache(&run);
	run_workers(&run, jobs);
	if (getenv("ARCHPORT_TIMING"))
		report_timing(&run, root, jobs, seconds_since(&t0));
	deep_cache_close(run.cache);
	merge_results(&run, out, covered);
	free(run.results);
	free_jobs(run.jobs, run.njobs);
	free(db_path);
	return 0;
}

int deep_scan(const char *root, const char *compile_commands, const struct knowledge *k, int jobs,
	      struct finding_list *out)
{
	return deep_scan_cover(root, compile_commands, k, jobs, out, NULL, NULL);
}

/* ---- merging with the fast scan ---- */

static char *line_key(const struct finding *f)
{
	return xasprintf("%s:%d:%s", f->file, f->line, f->rule);
}

static void index_deep(const struct finding_list *deep, struct strmap *broken, struct strmap *at)
{
	for (size_t i = 0; i < deep->len; i++) {
		const struct finding *f = &deep->items[i];
		char *key = line_key(f);
		strmap_get(at, key, strlen(key), 1);
		free(key);
		if (f->severity == SEV_ERROR)
			strmap_get(broken, f->file, strlen(f->file), 1);
	}
}

void deep_merge(struct finding_list *fast, struct finding_list *deep, const struct strmap *covered)
{
	struct strmap broken = {0}, at = {0};
	index_deep(deep, &broken, &at);
	size_t keep = 0;
	for (size_t i = 0; i < fast->len; i++) {
		struct finding f = fast->items[i];
		char *key = line_key(&f);
		int repeat = strmap_has(&at, key, strlen(key));
		free(key);
		if (repeat) {
			finding_free(&f);
			continue;
		}
		size_t n = strlen(f.file);
		if (f.severity == SEV_ERROR && covered && strmap_has(covered, f.file, n) &&
		    !strmap_has(&broken, f.file, n)) {
			char *m = xasprintf("%s (clang accepts this file for the target with its compile "
					    "command, so this may not break the build)", f.message);
			free(f.message);
			f.message = m;
			f.severity = SEV_WARNING;
		}
		fast->items[keep++] = f;
	}
	fast->len = keep;
	findings_take(fast, deep);
	strmap_free(&broken, NULL);
	strmap_free(&at, NULL);
}
