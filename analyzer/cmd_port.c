/* `archport port`: the stub with the target build in the loop.
 *
 * On a scratch copy, never on the user's tree:
 *   learn    build the copy for the source under bear: the real compile
 *            commands, and the source objects every round is compared with;
 *   round N  write the stub patch (the scan's findings plus the errors of
 *            the rounds before), apply it to a fresh copy, build it for the
 *            source and compare every object byte for byte, then build
 *            another copy for the target and read what its compiler,
 *            assembler and linker say (build_diag.c). Each error that
 *            points into the tree becomes a build/target-error finding of
 *            the next round, fixed like a scan finding at its line.
 * The loop ends when the target build succeeds, when a round finds nothing
 * new to fix, when the source objects differ, or after --rounds rounds. The
 * patch of the last round goes to -o (or stdout); what is left is listed
 * with the compiler's own message.
 *
 * The source is the host, x86_64; in the reverse port (--target x86_64) it
 * is aarch64, built with the cross compiler, and the target is native.
 *
 * Assembler errors of inline asm name gcc's temporary .s file: the failing
 * translation unit is compiled again from its recorded command with -S -g,
 * assembled, and the failing line is traced to its C line by `.loc`. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "build_diag.h"
#include "build_run.h"
#include "commands.h"
#include "compile_db.h"
#include "knowledge.h"
#include "port_link.h"
#include "rules.h"
#include "scan.h"
#include "stub.h"

#define DEFAULT_ROUNDS 8

struct port {
	const char *path, *out, *system;
	struct build_job job;
	struct stub_options so;
	int rounds, keep, have_bear;
	char *logs, *before, *patch_file, *source_db, *target_db;
	char *tree_db;               /* source_db with PATH's paths, for the stub's scan */
	struct finding_list extra;   /* the target build's errors, for the stub */
	struct finding_list flags;   /* the scan's undecided build-flag warnings */
	struct strvec build_files;   /* Makefiles and CMake files of the tree, rel */
	struct strbuf patch;         /* the last round's */
	struct diag_list left;       /* what the last target build reported */
	int built, identical;        /* the last round's verdicts */
	size_t compared;             /* source objects the last round compared */
	const char *compared_kind;   /* "objects", or "linked files" for a build that leaves none */
};

static char *port_log(const struct port *p, const char *fmt, int round)
{
	char *name = xasprintf(fmt, round);
	char *path = xasprintf("%s/%s.log", p->logs, name);
	free(name);
	return path;
}

/* A fresh copy of PATH at job.tree, and no build directory. */
static int fresh_tree(struct port *p)
{
	return build_fresh_copy(&p->job, p->path);
}

/* Where a build of job.tree leaves its objects. */
static const char *objects_of(const struct port *p)
{
	return p->job.bs == BS_CMAKE || p->job.bs == BS_CARGO ? p->job.build : p->job.tree;
}

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	for (const char *d = path; d && *d;) {
		size_t n = strcspn(d, ":");
		char *full = xasprintf("%.*s/%s", (int)n, d, prog);
		int ok = access(full, X_OK) == 0;
		free(full);
		if (ok)
			return 1;
		d += n + (d[n] == ':');
	}
	return 0;
}

/* Builds job.tree, under bear writing `db` when bear is there. */
static int build_recorded(struct port *p, int target, const char *db, const char *log)
{
	const char *wrapper[] = { "bear", "--output", db, "--", NULL };
	p->job.wrapper = p->have_bear && db && p->job.bs != BS_CARGO ? wrapper : NULL;
	int rc = build_run(&p->job, target, log);
	p->job.wrapper = NULL;
	return rc;
}

/* ---- learning the build ---- */

static size_t count_commands(const char *db)
{
	struct compile_command *cmds;
	size_t n = path_exists(db) ? compile_commands_read(db, &cmds) : 0;
	if (n)
		compile_commands_free(cmds, n);
	return n;
}


/* The source build's commands name the scratch copy: the stub scans PATH,
 * so its copy of them names PATH (the scratch path is a plain
 * mkdtemp name, never escaped in JSON). */
static int retarget_database(struct port *p)
{
	char real[PATH_MAX];
	char *text = read_all(p->source_db);
	if (!text || !realpath(p->path, real)) {
		free(text);
		return -1;
	}
	struct strbuf sb = {0};
	size_t n = strlen(p->job.tree);
	for (const char *s = text, *hit; *s; s = hit + n) {
		hit = strstr(s, p->job.tree);
		if (!hit) {
			sb_adds(&sb, s);
			break;
		}
		sb_add(&sb, s, (size_t)(hit - s));
		sb_adds(&sb, hit[n] == '/' || hit[n] == '"' ? real : p->job.tree);
	}
	free(text);
	int rc = write_output(p->tree_db, sb.buf, sb.len);
	sb_free(&sb);
	return rc;
}

/* The source build of the pristine copy: its objects (moved to before/)
 * are what every round's source build must reproduce. */
static int learn(struct port *p)
{
	if (fresh_tree(p))
		return -1;
	char *log = port_log(p, "source-before", 0);
	int rc = build_recorded(p, 0, p->source_db, log);
	if (rc != 0) {
		char *why = first_error(log);
		fprintf(stderr, "archport port: the %s build fails before any patch: %s\n  log: %s\n",
			p->job.source->name, why, log);
		free(why);
		free(log);
		return -1;
	}
	free(log);
	struct strvec objs = {0};
	list_objects(objects_of(p), "", &objs);
	size_t ncmds = count_commands(p->source_db);
	if (ncmds && retarget_database(p) == 0)
		p->so.compile_commands = p->tree_db;
	fprintf(stderr, "archport port: learned the build: %s", buildsys_names[p->job.bs]);
	if (p->job.bs != BS_CARGO)
		fprintf(stderr, ", %zu compile command%s%s", ncmds, ncmds == 1 ? "" : "s",
			p->have_bear ? "" : " (bear is not installed: no compile commands)");
	if (objs.len)
		fprintf(stderr, ", %zu %s object%s\n", objs.len, p->job.source->name, objs.len == 1 ? "" : "s");
	else
		fprintf(stderr, ", no %s object (its executables and libraries are compared)\n", p->job.source->name);
	sv_free(&objs);
	if (rename(objects_of(p), p->before) != 0) {
		fprintf(stderr, "archport port: cannot move %s aside: %s\n", objects_of(p), strerror(errno));
		return -1;
	}
	return 0;
}

/* Was a finding at rel:line (and at `col`, when > 0) given to the stub? */
static int already_asked(const struct port *p, const char *rel, int line, int col)
{
	for (size_t i = 0; i < p->extra.len; i++) {
		const struct finding *f = &p->extra.items[i];
		if (f->line == line && (col <= 0 || f->column == col) && !strcmp(f->file, rel))
			return 1;
	}
	return 0;
}

/* Build-file flags the scan could not decide (a condition on a user
 * variable): the target compiler's verdict on them settles it. */
static int scan_flag_warnings(struct port *p)
{
	struct knowledge *k = knowledge_load(p->job.target->name);
	struct tree_scan ts;
	if (!k || tree_scan_run_db(&ts, k, p->path, p->job.jobs, p->so.compile_commands) != 0) {
		knowledge_free(k);
		return -1;
	}
	for (size_t i = 0; i < ts.walk.len; i++) {
		if (ts.walk.files[i].kind == FK_MAKE || ts.walk.files[i].kind == FK_CMAKE)
			sv_push(&p->build_files, ts.walk.files[i].rel);
		for (size_t j = 0; j < ts.results[i].findings.len; j++) {
			const struct finding *f = &ts.results[i].findings.items[j];
			if (f->severity == SEV_WARNING && f->source_line &&
			    (!strcmp(f->rule, k->source->rule_build_flag) || !strcmp(f->rule, k->source->rule_build_march)))
				findings_add(&p->flags, f);
		}
	}
	tree_scan_free(&ts);
	knowledge_free(k);
	return 0;
}

/* The option a driver error names: "unrecognized command-line option
 * '-msse4'", "unknown value 'native' for '-march'" (-march=native), x86
 * gcc's "bad value 'armv8-a+crc' for '-march=' switch". */
static char *rejected_option(const char *msg)
{
	const char *q1 = strchr(msg, '\''), *e1 = q1 ? strchr(q1 + 1, '\'') : NULL;
	if (!e1)
		return NULL;
	const char *q2 = strchr(e1 + 1, '\''), *e2 = q2 ? strchr(q2 + 1, '\'') : NULL;
	if (strstr(msg, "unknown value") && e2)
		return xasprintf("%.*s=%.*s", (int)(e2 - q2 - 1), q2 + 1, (int)(e1 - q1 - 1), q1 + 1);
	if (strstr(msg, "bad value") && e2 && e2 > q2 + 1 && e2[-1] == '=')
		return xasprintf("%.*s%.*s", (int)(e2 - q2 - 1), q2 + 1, (int)(e1 - q1 - 1), q1 + 1);
	return q1[1] == '-' ? xstrndup(q1 + 1, (size_t)(e1 - q1 - 1)) : NULL;
}

static int option_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("-=._,+", c));
}

/* The option at `at` is `opt` as a whole word. */
static int option_at(const char *at, const char *opt, size_t n)
{
	return !strncmp(at, opt, n) && !option_char(at[n]);
}

/* A flag finding for the stub, at rel:line:col of a build file. */
static void ask_flag(struct port *p, const char *rel, int line, int col, const char *text, const char *opt)
{
	char *msg = xasprintf("%s rejects `%s`", p->job.target->triple, opt);
	struct finding f = { .rule = RULE_BUILD_FLAG, .severity = SEV_ERROR, .file = (char *)rel, .line = line,
			     .column = col, .message = msg, .fix = "gate", .source_line = (char *)text };
	findings_add(&p->extra, &f);
	free(msg);
}

/* Every whole-word use of `opt` outside comments in the build files. */
static size_t locate_option(struct port *p, const char *opt)
{
	size_t added = 0, n = strlen(opt);
	for (size_t i = 0; i < p->build_files.len; i++) {
		char *path = xasprintf("%s/%s", p->path, p->build_files.v[i]);
		char *text = read_all(path);
		free(path);
		int line = 1;
		for (char *l = text; l && *l; line++) {
			char *end = l + strcspn(l, "\n"), save = *end;
			*end = '\0';
			for (char *at = l; *at && *at != '#'; at++)
				if ((at == l || !option_char(at[-1])) && option_at(at, opt, n) &&
				    !already_asked(p, p->build_files.v[i], line, (int)(at - l) + 1)) {
					ask_flag(p, p->build_files.v[i], line, (int)(at - l) + 1, l, opt);
					added++;
				}
			*end = save;
			l = save ? end + 1 : end;
		}
		free(text);
	}
	return added;
}

/* An option the target compiler rejected: the scan's undecided warnings
 * on it become errors for the stub, and where the scan had none, the
 * build files' own uses of it. Returns how many are new. */
static size_t confirm_flags(struct port *p, const char *msg)
{
	char *opt = rejected_option(msg);
	size_t added = 0, known = 0, n = opt ? strlen(opt) : 0;
	for (size_t i = 0; opt && i < p->flags.len; i++) {
		struct finding f = p->flags.items[i];
		const char *at = (size_t)f.column <= strlen(f.source_line) ? f.source_line + f.column - 1 : "";
		if (!option_at(at, opt, n))
			continue;
		known++;
		if (already_asked(p, f.file, f.line, f.column))
			continue;
		f.severity = SEV_ERROR;
		findings_add(&p->extra, &f);
		added++;
	}
	if (opt && !known)
		added = locate_option(p, opt);
	free(opt);
	return added;
}

/* ---- one round ---- */


/* A fresh copy with this round's patch. */
static int patched_tree(struct port *p, const char *log)
{
	if (fresh_tree(p))
		return -1;
	if (!p->patch.len)
		return 0;
	if (apply_patch_file(p->job.tree, p->patch_file, log) != 0) {
		char *why = first_error(log);
		fprintf(stderr, "archport port: the patch does not apply: %s\n", why);
		free(why);
		return -1;
	}
	return 0;
}

/* The patched source build against the objects of `learn`. Returns 1 when
 * every object is identical, 0 when not (printed), -1 on a failure. */
static int source_round(struct port *p, int round, size_t *nobjects)
{
	char *log = port_log(p, "source-%d", round);
	int rc = patched_tree(p, log) ? -1 : build_run(&p->job, 0, log);
	if (rc != 0) {
		char *why = first_error(log);
		fprintf(stderr, "archport port: round %d: the patched %s build fails: %s\n  log: %s\n", round,
			p->job.source->name, why, log);
		free(why);
		free(log);
		return -1;
	}
	free(log);
	struct comparison cmp = {0};
	compare_objects(p->before, objects_of(p), &cmp);
	*nobjects = cmp.identical.len + cmp.differ.len + cmp.missing.len;
	p->compared_kind = comparison_kind(&cmp);
	int same = !cmp.differ.len && !cmp.missing.len;
	if (!same) {
		char *names = some_names(cmp.differ.len ? &cmp.differ : &cmp.missing);
		fprintf(stderr, "archport port: round %d: %s %s %s: %s\n", round, p->job.source->name,
			p->compared_kind, cmp.differ.len ? "differ" : "are missing", names);
		free(names);
	}
	comparison_free(&cmp);
	return same;
}

/* The object a compile command writes (its -o), absolute. */
static char *output_of(const struct compile_command *c)
{
	for (int a = 1; a < c->argc; a++) {
		const char *o = !strcmp(c->argv[a], "-o") && a + 1 < c->argc ? c->argv[a + 1]
				: !strncmp(c->argv[a], "-o", 2) && c->argv[a][2] ? c->argv[a] + 2 : NULL;
		if (o)
			return o[0] == '/' ? xstrdup(o) : xasprintf("%s/%s", c->dir, o);
	}
	return NULL;
}

/* The command again, writing assembly with line information to `s_file`. */
static void assembly_argv(const struct compile_command *c, const char *s_file, struct strvec *a)
{
	for (int i = 0; i < c->argc; i++) {
		if (!strcmp(c->argv[i], "-o")) {
			i++;
			continue;
		}
		if (!strcmp(c->argv[i], "-c") || !strncmp(c->argv[i], "-o", 2) || !strncmp(c->argv[i], "-M", 2))
			continue;
		sv_push(a, c->argv[i]);
	}
	const char *tail[] = { "-S", "-g", "-o", s_file };
	for (size_t i = 0; i < sizeof tail / sizeof *tail; i++)
		sv_push(a, tail[i]);
}

/* Assembles `s_file` with the command's compiler; each "Error:" line is
 * traced to its C line and added to `out`. */
static void trace_assembler(const struct port *p, const struct compile_command *c, const char *s_file,
			    struct diag_list *out)
{
	char *log = xasprintf("%s/as.log", p->logs);
	unlink(log);
	struct cmd as = { .cwd = c->dir, .log = log };
	build_env(&p->job, &as, 1, 0);
	/* never -o /dev/null: gcc removes its output file when it fails, and
	 * run as root it would remove the device */
	char *obj = xasprintf("%s/unit.o", p->job.scratch);
	const char *args[] = { c->argv[0], "-c", s_file, "-o", obj };
	for (size_t i = 0; i < sizeof args / sizeof *args; i++)
		sv_push(&as.argv, args[i]);
	int rc = run_cmd(&as);
	cmd_free(&as);
	unlink(obj);
	free(obj);
	char *text = rc != 0 ? read_all(log) : NULL, *s_text = text ? read_all(s_file) : NULL;
	struct diag_list found = {0};
	if (s_text)
		diag_parse(text, c->dir, &found);
	for (size_t i = 0; i < found.len; i++) {
		struct diag *d = &found.v[i];
		char *src = NULL;
		int line = 0;
		if (d->kind != DIAG_ASSEMBLER || diag_asm_source(s_text, d->line, &src, &line) != 0)
			continue;
		GROW(out->v, out->len, out->cap);
		struct diag *n = &out->v[out->len++];
		*n = (struct diag){ DIAG_ASSEMBLER, src[0] == '/' ? src : xasprintf("%s/%s", c->dir, src), line, 0,
				    d->message, NULL };
		if (src[0] != '/')
			free(src);
		d->message = NULL;
	}
	diag_free(&found);
	free(s_text);
	free(text);
	free(log);
}

/* Inline asm errors name gcc's temporary file: every translation unit of
 * the target build that made no object is compiled again (with its
 * recorded command) to find the C lines. */
static void trace_failed_units(const struct port *p, struct diag_list *out)
{
	struct compile_command *cmds;
	size_t n = path_exists(p->target_db) ? compile_commands_read(p->target_db, &cmds) : 0;
	char *s_file = xasprintf("%s/unit.s", p->job.scratch);
	char *log = xasprintf("%s/unit.log", p->logs);
	for (size_t i = 0; i < n; i++) {
		char *obj = output_of(&cmds[i]);
		int failed = obj && !path_exists(obj);
		free(obj);
		if (!failed)
			continue;
		unlink(log);
		struct cmd cc = { .cwd = cmds[i].dir, .log = log };
		build_env(&p->job, &cc, 1, 0);
		assembly_argv(&cmds[i], s_file, &cc.argv);
		int rc = run_cmd(&cc);
		cmd_free(&cc);
		if (rc == 0)
			trace_assembler(p, &cmds[i], s_file, out);
		unlink(s_file);
	}
	if (n)
		compile_commands_free(cmds, n);
	free(s_file);
	free(log);
}

/* The file of a diagnostic relative to the scratch tree, or NULL when it
 * is outside (a system header, gcc's temporary .s). */
static const char *tree_rel(const struct port *p, const char *file)
{
	size_t n = strlen(p->job.tree);
	if (!file || strncmp(file, p->job.tree, n) || file[n] != '/')
		return NULL;
	return file + n + 1;
}


/* A rustc error that follows from an item gated away on the target
 * ("unresolved import", "failed to resolve", "cannot find": E0432, E0433,
 * E0412, E0425): in the unpatched tree the scan's own findings (a gated
 * module's twin) fix its cause, and gating its line as well would replace
 * working code with todo!(). Round 0 leaves it to the patched build, which
 * reports it again if it remains. */
static int rust_resolution_error(const struct diag *d)
{
	static const char *const words[] = { "unresolved import", "failed to resolve", "cannot find" };
	for (size_t i = 0; d->kind == DIAG_RUST && i < sizeof words / sizeof *words; i++)
		if (strstr(d->message, words[i]))
			return 1;
	return 0;
}

static int asked(const void *ctx, const char *rel, int line)
{
	return already_asked(ctx, rel, line, 0);
}

/* A symbol the target link misses that the tree defines for the source
 * only (port_link.h): its definition gets the target's twin, and the code
 * calling it stays. A .S file (libco's coctx_swap.S: `.globl coctx_swap`,
 * its body under `#if defined(__i386__) ... #elif defined(__x86_64__)`)
 * gets the trap twin of stub_asm_file; a C function in an #if chain with
 * no arm for the target (libco's coctx_make in coctx.cpp) gets the arm,
 * as c/arch-chain does. Returns 1 when it added that finding. */
static int learn_link_symbol(struct port *p, const struct diag *d)
{
	struct gated_definition g;
	if (!find_gated_definition(p->path, p->job.source->name, d->symbol, asked, p, &g))
		return 0;
	char *msg = g.if_line
		? xasprintf("`%s` is defined only in the #if chain at %s:%d, which has no arm for %s "
			    "(the linker's undefined reference)", d->symbol, g.rel, g.if_line, p->job.target->name)
		: xasprintf("the linker's undefined reference to `%s` on %s: this file defines it for %s only",
			    d->symbol, p->job.target->name, p->job.source->name);
	struct finding f = { .rule = g.if_line ? RULE_ARCH_CHAIN : RULE_TARGET_BUILD, .severity = SEV_ERROR,
			     .file = g.rel, .line = g.line, .column = 1, .message = msg, .fix = "stub" };
	findings_add(&p->extra, &f);
	free(msg);
	gated_definition_free(&g);
	return 1;
}

/* New findings for the next round from the target build's errors;
 * returns how many. An `#error` becomes c/error-directive, which the stub
 * answers with an arm for the target. `unpatched`: the errors of round 0. */
static size_t learn_errors(struct port *p, const struct diag_list *d, int unpatched)
{
	size_t added = 0;
	char *cc = build_tool(&p->job, 1, "gcc");
	struct strmap asm_symbols = {0};
	for (size_t i = 0; i < d->len; i++) {
		if (!d->v[i].file && d->v[i].kind == DIAG_COMPILE)
			added += confirm_flags(p, d->v[i].message);
		if (d->v[i].kind == DIAG_LINK && d->v[i].symbol) {
			const char *sym = d->v[i].symbol;
			if (strmap_has(&asm_symbols, sym, strlen(sym)))
				continue;   /* its .S file has its finding: every call of it waits for that */
			if (learn_link_symbol(p, &d->v[i])) {
				strmap_get(&asm_symbols, sym, strlen(sym), 1);
				added++;
				continue;
			}
		}
		const char *rel = tree_rel(p, d->v[i].file);
		if (!rel || d->v[i].line <= 0 || d->v[i].kind == DIAG_FAILED || already_asked(p, rel, d->v[i].line, 0) ||
		    (unpatched && rust_resolution_error(&d->v[i])))
			continue;
		int is_error_directive = !strncmp(d->v[i].message, "#error", 6);
		char *msg = xasprintf("%s: %s", d->v[i].kind == DIAG_RUST ? "rustc" : cc, d->v[i].message);
		struct finding f = { .rule = is_error_directive ? RULE_ERROR_DIRECTIVE : RULE_TARGET_BUILD,
				     .severity = SEV_ERROR, .file = (char *)rel, .line = d->v[i].line,
				     .column = d->v[i].column > 0 ? d->v[i].column : 1, .message = msg, .fix = "gate" };
		findings_add(&p->extra, &f);
		free(msg);
		added++;
	}
	strmap_free(&asm_symbols, NULL);
	free(cc);
	return added;
}

/* Errors of one target build: its log, and the C lines of assembler
 * errors in gcc's temporary files. */
static void read_target_errors(struct port *p, const char *log, struct diag_list *out)
{
	char *text = read_all(log);
	diag_parse(text, p->job.tree, out);
	free(text);
	int temp_asm = 0;
	for (size_t i = 0; i < out->len; i++)
		temp_asm |= out->v[i].kind == DIAG_ASSEMBLER && !tree_rel(p, out->v[i].file);
	if (temp_asm)
		trace_failed_units(p, out);
}

/* A diagnostic that says what went wrong, where: not make's "*** [x.o]
 * Error 1" echo, nor an assembler line about gcc's temporary file (traced
 * to its C line separately). */
static int is_cause(const struct port *p, const struct diag *d)
{
	return d->kind != DIAG_FAILED && !(d->kind == DIAG_ASSEMBLER && !tree_rel(p, d->file));
}

static size_t count_errors(const struct port *p, const struct diag_list *d, size_t *files)
{
	size_t n = 0;
	struct strmap seen = {0};
	for (size_t i = 0; i < d->len; i++) {
		if (!is_cause(p, &d->v[i]))
			continue;
		n++;
		if (d->v[i].file)
			strmap_get(&seen, d->v[i].file, strlen(d->v[i].file), 1);
	}
	*files = seen.len;
	strmap_free(&seen, NULL);
	return n;
}

/* Returns 1 to go on with another round, 0 to stop, -1 on a failure. */
static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int round_once(struct port *p, int round)
{
	double t0 = seconds_now();
	sb_reset(&p->patch);
	p->so.extra = p->extra.items;
	p->so.nextra = p->extra.len;
	if (stub_tree(p->path, &p->so, &p->patch) != 0 || write_output(p->patch_file, p->patch.buf, p->patch.len) != 0)
		return -1;
	struct patch_stats ps;
	patch_stats(p->patch_file, &ps);
	size_t nobj = 0;
	p->identical = source_round(p, round, &nobj);
	p->compared = nobj;
	if (p->identical < 0)
		return -1;
	char *log = port_log(p, "target-%d", round);
	unlink(p->target_db);
	int rc = patched_tree(p, log) ? -1 : build_recorded(p, 1, p->target_db, log);
	diag_free(&p->left);
	if (rc != 0)
		read_target_errors(p, log, &p->left);
	p->built = rc == 0;
	size_t files = 0, errors = count_errors(p, &p->left, &files);
	size_t fresh = p->built || !p->identical ? 0 : learn_errors(p, &p->left, 0);
	fprintf(stderr, "round %d: patch %d file%s +%d -%d; %s %s ", round, ps.files, ps.files == 1 ? "" : "s",
		ps.added, ps.removed, p->job.source->name, p->compared_kind ? p->compared_kind : "objects");
	if (nobj)
		fprintf(stderr, "%s (%zu)", p->identical ? "identical" : "DIFFER", nobj);
	else
		fputs("none to compare", stderr);
	fprintf(stderr, "; %s build %s", p->job.target->name, p->built ? "ok" : "failed");
	if (!p->built)
		fprintf(stderr, ": %zu error%s in %zu file%s, %zu new to fix", errors, errors == 1 ? "" : "s", files,
			files == 1 ? "" : "s", fresh);
	fprintf(stderr, " [%.1f s]\n", seconds_now() - t0);
	if (!p->built && !errors) {
		char *why = first_error(log);
		fprintf(stderr, "  the build failed with no error archport can place: %s\n  log: %s\n", why, log);
		free(why);
	}
	free(log);
	return !p->built && p->identical && fresh > 0;
}

/* Round 0: the target build of the tree as it is. When it succeeds there is
 * nothing to patch, whatever the scan says of files this build never
 * compiles (xxHash's xxh_x86dispatch.c on aarch64); when it fails, its
 * errors join the scan's findings from round 1 on. Returns 1 when the
 * tree already builds, 0 when not, -1 on a failure. */
static int round_zero(struct port *p)
{
	double t0 = seconds_now();
	if (fresh_tree(p))
		return -1;
	char *log = port_log(p, "target-%d", 0);
	unlink(p->target_db);
	int rc = build_recorded(p, 1, p->target_db, log);
	diag_free(&p->left);
	if (rc != 0)
		read_target_errors(p, log, &p->left);
	p->built = rc == 0;
	p->identical = 1;   /* no patch: the source build is the learned one */
	size_t files = 0, errors = count_errors(p, &p->left, &files);
	size_t fresh = p->built ? 0 : learn_errors(p, &p->left, 1);
	fprintf(stderr, "round 0: the tree as it is; %s build %s", p->job.target->name, p->built ? "ok" : "failed");
	if (!p->built)
		fprintf(stderr, ": %zu error%s in %zu file%s, %zu new to fix", errors,
			errors == 1 ? "" : "s", files, files == 1 ? "" : "s", fresh);
	fprintf(stderr, " [%.1f s]\n", seconds_now() - t0);
	free(log);
	return p->built;
}

/* ---- the end ---- */

static void print_left(const struct port *p)
{
	if (p->built && p->identical) {
		if (p->compared)
			fprintf(stderr, "archport port: the %s build succeeds; %s %s are identical\n",
				p->job.target->name, p->job.source->name, p->compared_kind);
		else
			fprintf(stderr, "archport port: the %s build succeeds; the %s build leaves no object, "
				"executable or library to compare\n", p->job.target->name, p->job.source->name);
		return;
	}
	if (!p->identical)
		fprintf(stderr, "archport port: the patch changes the %s build (a bug of archport: please report it)\n",
			p->job.source->name);
	size_t shown = 0;
	for (size_t i = 0; i < p->left.len; i++) {
		const struct diag *d = &p->left.v[i];
		if (!is_cause(p, d))
			continue;
		if (!shown++)
			fprintf(stderr, "left to port (%s build):\n", p->job.target->name);
		const char *rel = tree_rel(p, d->file);
		if (d->file && d->line)
			fprintf(stderr, "  %s:%d:%d: %s\n", rel ? rel : d->file, d->line, d->column, d->message);
		else
			fprintf(stderr, "  %s%s%s\n", rel ? rel : d->file ? d->file : "", d->file ? ": " : "", d->message);
	}
}


static int run_port(struct port *p)
{
	p->have_bear = p->job.bs != BS_CARGO && on_path("bear");
	if (learn(p) != 0 || scan_flag_warnings(p) != 0)   /* with the build's commands, as the stub scans */
		return -1;
	int round = 0, go = round_zero(p);
	if (go < 0)
		return -1;
	if (go > 0) {
		fprintf(stderr, "archport port: the tree builds for %s as it is: nothing to patch\n",
			p->job.target->name);
		return write_output(p->out, "", 0);
	}
	go = 1;
	while (go > 0 && round < p->rounds)
		go = round_once(p, ++round);
	if (go < 0)
		return -1;
	if (go > 0)
		fprintf(stderr, "archport port: stopped after %d rounds (--rounds)\n", round);
	else if (!p->built && p->identical)
		fprintf(stderr, "archport port: round %d found nothing new that a rule can fix\n", round);
	print_left(p);
	return write_output(p->out, p->patch.buf, p->patch.len);
}

/* ---- options ---- */

static void usage_port(FILE *out)
{
	fputs("usage: archport port [PATH] [--target aarch64|riscv64|x86_64] [-o PATCH] [--rounds N]\n"
	      "                     [--simde] [--build CMD] [--system make|cmake|cargo] [-j N] [--keep]\n"
	      "Writes the stub patch with the target build in the loop, on a scratch copy: learns the\n"
	      "build (run under bear for the source), then, round by round, patches, checks that every\n"
	      "source object stays byte-identical, builds for the target, and turns the compiler's\n"
	      "errors into fixes for the next round. The source is the host, x86_64; with --target\n"
	      "x86_64 it is aarch64 (the cross compiler) and the target build is native. Runs the\n"
	      "tree's build (never in PATH itself). Prints the last patch (or writes it to -o) and what\n"
	      "is left. Exit status: 0 the target builds and the source objects are identical, 1\n"
	      "something is left, 2 usage or I/O error.\n", out);
}

static int port_usage_error(const char *fmt, const char *what)
{
	fputs("archport port: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return 2;
}

static int parse_port_args(int argc, char **argv, struct port *p, const char **target)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = !strcmp(a, "--target") ? target : !strcmp(a, "-o") ? &p->out
				  : !strcmp(a, "--build") ? &p->job.build_cmd : !strcmp(a, "--system") ? &p->system : NULL;
		int *num = !strcmp(a, "--rounds") ? &p->rounds : !strcmp(a, "-j") ? &p->job.jobs : NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_port(stdout);
			exit(0);
		} else if ((slot || num) && v) {
			i++;
			if (slot)
				*slot = v;
			else if ((*num = atoi(v)) < 1 || *num > 100)
				return port_usage_error("%s takes a number from 1 to 100", a);
		} else if (!strcmp(a, "--simde")) {
			p->so.simde = 1;
		} else if (!strcmp(a, "--keep")) {
			p->keep = 1;
		} else if (a[0] == '-' && a[1]) {
			port_usage_error("unknown option or missing value: %s", a);
			usage_port(stderr);
			return 2;
		} else if (p->path) {
			return port_usage_error("one PATH only (got '%s' too)", a);
		} else {
			p->path = a;
		}
	}
	return 0;
}

static int setup(struct port *p, int argc, char **argv)
{
	const char *target = "aarch64";
	p->rounds = DEFAULT_ROUNDS;
	p->job.jobs = 2;
	p->job.rust_bin = "";
	int rc = parse_port_args(argc, argv, p, &target);
	if (rc)
		return rc;
	if (!p->path)
		p->path = ".";
	if (!(p->job.target = arch_named(target)))
		return port_usage_error("unknown target '%s' (aarch64, riscv64, x86_64)", target);
	p->job.source = arch_source_of(p->job.target);
	p->so.target = target;
	p->so.jobs = p->job.jobs;
	struct stat st;
	if (stat(p->path, &st) != 0 || !S_ISDIR(st.st_mode))
		return port_usage_error("%s: no such directory", p->path);
	if (build_detect(&p->job, p->path, p->system, "port") != 0 || build_scratch(&p->job, "port") != 0)
		return 2;
	p->logs = xasprintf("%s/logs", p->job.scratch);
	p->before = xasprintf("%s/before", p->job.scratch);
	p->patch_file = xasprintf("%s/stub.patch", p->job.scratch);
	p->source_db = xasprintf("%s/source-commands.json", p->job.scratch);
	p->target_db = xasprintf("%s/target-commands.json", p->job.scratch);
	p->tree_db = xasprintf("%s/tree-commands.json", p->job.scratch);
	if (mkdir(p->logs, 0755) != 0)
		return port_usage_error("cannot make the log directory: %s", strerror(errno));
	char *log = xasprintf("%s/rustc.log", p->logs);
	if (p->job.bs == BS_CARGO)
		rust_choose_bin(&p->job, log);
	free(log);
	return 0;
}

static void port_free(struct port *p, int failed)
{
	if (p->job.scratch && p->keep)
		fprintf(stderr, "archport port: kept %s (logs/, before/: the %s objects)\n", p->job.scratch,
			p->job.source->name);
	else if (p->job.scratch && failed)
		fprintf(stderr, "archport port: logs kept in %s\n", p->logs);
	if (p->job.scratch && !p->keep) {
		rm_rf(p->job.tree);
		rm_rf(p->job.build);
		rm_rf(p->before);
		if (!failed)
			rm_rf(p->job.scratch);
	}
	findings_free(&p->extra);
	findings_free(&p->flags);
	sv_free(&p->build_files);
	diag_free(&p->left);
	sb_free(&p->patch);
	free(p->logs);
	free(p->before);
	free(p->patch_file);
	free(p->source_db);
	free(p->target_db);
	free(p->tree_db);
	build_job_release(&p->job);
}

int cmd_port(int argc, char **argv)
{
	struct port p = {0};
	int rc = setup(&p, argc, argv);
	signal(SIGINT, build_on_signal);
	signal(SIGTERM, build_on_signal);
	signal(SIGHUP, build_on_signal);
	if (rc == 0)
		rc = run_port(&p) != 0 ? 2 : p.built && p.identical ? 0 : 1;
	port_free(&p, rc != 0);
	return rc;
}
