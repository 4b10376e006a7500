/* `archport scan`: walk, index, scan in parallel, report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "causes.h"
#include "components.h"
#include "commands.h"
#include "suppress.h"
#include "deep_clang.h"
#include "rules.h"
#include "scan.h"

struct scan_options {
	const char **paths;
	size_t npaths;
	const char *target;
	const char *format;
	const char *output;
	int jobs;
	int fail_on;
	int notes;
	const char *compile_commands;   /* --compile-commands FILE, or NULL */
	const char *baseline;           /* --baseline FILE: a previous JSON report */
	const char *color;              /* --color auto|always|never */
	int show_notes;                 /* --show-notes, -v */
	int quiet;                      /* --quiet, -q */
	const char *docs_url;           /* --docs-url URL: SARIF helpUri base */
};

static void usage_scan(FILE *out)
{
	fprintf(out, "usage: archport scan [PATH...] [--target aarch64|riscv64|x86_64]\n"
		     "                     [--format text|json|sarif|markdown|html] [-o FILE] [-j N]\n"
		     "                     [--fail-on error|warning|note|never] [--no-notes]\n"
		     "                     [--compile-commands FILE | --build-commands FILE]\n"
		     "                     [--baseline REPORT.json] [--show-notes | -v] [--quiet | -q]\n"
		     "                     [--color auto|always|never] [--docs-url URL]\n");
}

static void help_scan(void)
{
	usage_scan(stdout);
	fputs("\nReports every construct that breaks the build of PATH (default .) for the target.\n"
	      "Reads the tree only: no program of it runs (in a git checkout, git lists the files,\n"
	      "with its configured helpers off; ARCHPORT_NO_GIT=1 walks the directory instead).\n\n"
	      "  --target T              the architecture to port to: aarch64 (default; arm64 too),\n"
	      "                          riscv64, x86_64 (amd64)\n"
	      "  --format F              text (default), json, sarif, markdown or html\n"
	      "  -o FILE                 write the report to FILE (atomically), not standard output\n"
	      "  -j N                    N scanning threads (1-256; default one per CPU, up to 64)\n"
	      "  --fail-on S             exit 1 when a finding at or above S is found (default error;\n"
	      "                          never: always 0)\n"
	      "  --no-notes              leave out notes (source-arch code already handled for the target)\n"
	      "  --show-notes, -v        text: list the notes too (by default they are only counted)\n"
	      "  --verbose               the same option\n"
	      "  --quiet, -q             text: print only the totals line (the exit status is the same)\n"
	      "  --color WHEN            text: ANSI colour auto (default: when standard output is a\n"
	      "                          terminal and NO_COLOR is unset), always or never\n"
	      "  --compile-commands FILE a compile database (bear -- make, or CMake's\n"
	      "                          CMAKE_EXPORT_COMPILE_COMMANDS): its -D/-U decide each file's\n"
	      "                          macros, and libclang parses every unit for the target;\n"
	      "                          default: compile_commands.json at the root, if any\n"
	      "  --build-commands FILE   the same option\n"
	      "  --docs-url URL          sarif: the rule pages' base URI for helpUri (URL/c-asm-x86.md;\n"
	      "                          default: file: URI of the docs archport was built with)\n"
	      "  --baseline FILE         a previous `--format json` report: leave out what it holds,\n"
	      "                          report only new findings (and say how many were known)\n"
	      "In the tree, `archport: ignore[RULE,...]` in a comment on a line, or alone on the\n"
	      "line before, leaves that line's findings of those rules out (no list: every rule).\n\n"
	      "Options take --name=value and -oFILE too. Exit status: 0 nothing at or above\n"
	      "--fail-on, 1 something, 2 usage or I/O error. `archport explain RULE` tells why a\n"
	      "rule's construct breaks and how to fix it.\n", stdout);
}

static int parse_jobs(const char *s, int *jobs)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 256)
		return -1;
	*jobs = (int)v;
	return 0;
}

/* Returns 0, or 2 after a message on a usage error. */
static int parse_scan_args(int argc, char **argv, struct scan_options *o)
{
	o->paths = xcalloc((size_t)argc + 1, sizeof *o->paths);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (!strcmp(a, "--target") && v)
			o->target = v;
		else if (!strcmp(a, "--format") && v)
			o->format = v;
		else if (!strcmp(a, "-o") && v)
			o->output = v;
		else if (!strcmp(a, "-j") && v) {
			if (parse_jobs(v, &o->jobs)) {
				fprintf(stderr, "archport scan: -j takes a number from 1 to 256\n");
				return 2;
			}
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			takes = 0;
			if (parse_jobs(a + 2, &o->jobs)) {
				fprintf(stderr, "archport scan: -j takes a number from 1 to 256\n");
				return 2;
			}
		} else if (!strcmp(a, "--fail-on") && v) {
			if ((o->fail_on = severity_parse(v)) < 0) {
				fprintf(stderr, "archport scan: --fail-on takes error, warning, note or never\n");
				return 2;
			}
		} else if ((!strcmp(a, "--compile-commands") || !strcmp(a, "--build-commands")) && v) {
			o->compile_commands = v;
		} else if (!strcmp(a, "--docs-url") && v) {
			o->docs_url = v;
		} else if (!strcmp(a, "--baseline") && v) {
			o->baseline = v;
		} else if (!strcmp(a, "--color") && v) {
			if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "never")) {
				fprintf(stderr, "archport scan: --color takes auto, always or never\n");
				return 2;
			}
			o->color = v;
		} else if (!strcmp(a, "--no-notes")) {
			o->notes = 0;
			takes = 0;
		} else if (!strcmp(a, "--show-notes") || !strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->show_notes = 1;
			takes = 0;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = 1;
			takes = 0;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help_scan();
			exit(0);
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "archport scan: unknown option or missing value: %s\n", a);
			usage_scan(stderr);
			return 2;
		} else {
			o->paths[o->npaths++] = a;
			takes = 0;
		}
		i += takes;
	}
	if (!o->npaths)
		o->paths[o->npaths++] = ".";
	static const char *formats[] = { "text", "json", "sarif", "markdown", "html" };
	for (size_t i = 0; i < 5; i++)
		if (!strcmp(o->format, formats[i]))
			return 0;
	fprintf(stderr, "archport scan: unknown format '%s' (text, json, sarif, markdown, html)\n", o->format);
	return 2;
}


static char *prefixed(const char *prefix, const char *rel)
{
	return prefix ? xasprintf("%s/%s", prefix, rel) : xstrdup(rel);
}

/* A cause names its file relative to the root it was found in; with
 * several roots, the report names it under `prefix/`, and so must the cause. */
static char *prefixed_cause(const char *prefix, const struct finding *f)
{
	const char *at = prefix && f->cause_file ? strstr(f->cause, f->cause_file) : NULL;
	if (!at)
		return xstrdup(f->cause);
	return xasprintf("%.*s%s/%s", (int)(at - f->cause), f->cause, prefix, at);
}

/* With a compile database (in the root, or --compile-commands), the libclang
 * pass runs too and wins where the two disagree (deep_merge). */
static int deep_pass(const struct knowledge *k, const char *root, const char *compile_commands, int jobs,
		     struct finding_list *fast, const struct arch_dirs *arch)
{
	struct finding_list deep = {0};
	struct strmap covered = {0};
	int rc = deep_scan_cover(root, compile_commands, k, jobs, &deep, &covered, arch);
	if (rc == 0)
		deep_merge(fast, &deep, &covered);
	findings_free(&deep);
	strmap_free(&covered, NULL);
	return rc < 0 ? -1 : 0;
}

/* Scans one root; findings get `prefix/` when several roots were given. */
static int scan_root(const struct knowledge *k, const char *root, const char *prefix, int jobs, int notes,
		     const char *compile_commands, struct finding_list *all, size_t *files, size_t *lines,
		     size_t *suppressed, struct strmap *dependents, struct component_list *components)
{
	struct tree_scan ts;
	if (tree_scan_run_db(&ts, k, root, jobs, compile_commands) != 0)
		return -1;
	for (size_t i = 0; i < ts.walk.nproblems; i++) {
		char *rel = prefixed(prefix, ts.walk.problems[i].path);
		report_unreadable(all, rel, ts.walk.problems[i].why);
		free(rel);
	}
	struct finding_list fast = {0};
	for (size_t i = 0; i < ts.walk.len; i++) {
		struct file_scan *r = &ts.results[i];
		*files += r->scanned;
		*lines += r->lines;
		findings_take(&fast, &r->findings);
	}
	int rc = deep_pass(k, root, compile_commands, jobs, &fast, ts.ix.arch);
	*suppressed += suppress_inline(root, &fast);
	if (dependents)   /* NULL: a scan for a verdict only, no report */
		causes_count_dependents(dependents, &ts.ix, &fast, prefix);
	if (components)   /* NULL: the report does not show them */
		components_collect(components, &ts.ix, prefix);
	for (size_t j = 0; j < fast.len; j++) {
		struct finding *f = &fast.items[j];
		if (!notes && f->severity == SEV_NOTE)
			continue;
		char *file = prefixed(prefix, f->file);
		char *cause_file = f->cause_file ? prefixed(prefix, f->cause_file) : NULL;
		char *cause = f->cause ? prefixed_cause(prefix, f) : NULL;
		struct finding named = *f;
		named.file = file;
		named.cause = cause;
		named.cause_file = cause_file;
		findings_add(all, &named);
		free(file);
		free(cause);
		free(cause_file);
	}
	findings_free(&fast);
	tree_scan_free(&ts);
	return rc;
}

/* Findings that say something about the tree's code (the input rules only say
 * what archport could not read). */
static size_t code_findings(const struct finding_list *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->len; i++)
		n += !rule_is_input(l->items[i].rule);
	return n;
}

/* The reverse port found nothing: scan the same roots as a forward port
 * (x86 to aarch64) to tell an x86 tree, which already targets x86_64, from
 * a portable one. Returns the sentence for the report, or NULL. */
static char *reverse_source_note(const struct knowledge *k, const struct scan_options *o,
				 const struct finding_list *all)
{
	if (!k->target_is_x86 || code_findings(all))
		return NULL;
	struct knowledge *forward = knowledge_load("aarch64");
	struct finding_list x86 = {0};
	size_t files = 0, lines = 0, suppressed = 0;
	for (size_t i = 0; forward && i < o->npaths; i++)
		scan_root(forward, o->paths[i], NULL, o->jobs, 1, NULL, &x86, &files, &lines, &suppressed, NULL, NULL);
	size_t n = code_findings(&x86), gated = findings_count(&x86, SEV_NOTE);
	knowledge_free(forward);
	findings_free(&x86);
	if (n > gated)
		return xasprintf("no %s code found: the tree's code is x86 (%zu x86 finding%s for aarch64), "
				 "so it already targets %s", k->source->name, n, n == 1 ? "" : "s", k->target);
	if (n)
		return xasprintf("no %s code found: the tree's x86 code is gated by architecture (%zu note%s for "
				 "aarch64), and %s builds its x86 arms", k->source->name, n, n == 1 ? "" : "s", k->target);
	return xasprintf("no %s code found: nothing in the tree is specific to %s or x86, so it builds for %s "
			 "as it is", k->source->name, k->source->name, k->target);
}

static report_writer writer_for(const char *format)
{
	if (!strcmp(format, "json"))
		return report_json;
	if (!strcmp(format, "sarif"))
		return report_sarif;
	if (!strcmp(format, "markdown"))
		return report_markdown;
	if (!strcmp(format, "html"))
		return report_html;
	return report_text;
}

/* The report is made in memory, then written as write_output writes:
 * -o never leaves a half-written report nor replaces a device, and a
 * full disk or closed pipe is an error with a message. */
static int write_report(const struct scan_options *o, const struct report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		perror("archport: report");
		return -1;
	}
	int rc = writer_for(o->format)(f, r);
	if (fclose(f) != 0)
		rc = -1;
	rc = rc == 0 ? write_output(o->output, text, len) : -1;
	free(text);
	return rc;
}

/* --color auto: a terminal, and no NO_COLOR (https://no-color.org). */
static int wants_color(const struct scan_options *o)
{
	if (strcmp(o->format, "text") || !strcmp(o->color, "never"))
		return 0;
	if (!strcmp(o->color, "always"))
		return 1;
	const char *no_color = getenv("NO_COLOR");
	return (!o->output || !strcmp(o->output, "-")) && isatty(1) && !(no_color && *no_color);
}

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_options o = { NULL, 0, "aarch64", "text", NULL, default_jobs(), SEV_ERROR, 1, NULL, NULL, "auto",
				  0, 0, NULL };
	int rc = parse_scan_args(argc, argv, &o);
	if (rc) {
		free(o.paths);
		return rc;
	}
	struct knowledge *k = knowledge_load(o.target);
	if (!k) {
		free(o.paths);
		return 2;
	}
	struct finding_list all = {0};
	size_t files = 0, lines = 0, suppressed = 0;
	struct strmap dependents = {0};
	struct component_list components = {0};
	int want_components = !strcmp(o.format, "html");
	int io_error = 0;
	for (size_t i = 0; i < o.npaths; i++)
		if (scan_root(k, o.paths[i], o.npaths > 1 ? o.paths[i] : NULL, o.jobs, o.notes, o.compile_commands,
			      &all, &files, &lines, &suppressed, &dependents,
			      want_components ? &components : NULL) != 0)
			io_error = 1;
	components_sort(&components);
	size_t known = 0;
	struct baseline base;
	if (o.baseline && baseline_load(o.baseline, &base) != 0) {
		io_error = 1;
	} else if (o.baseline) {
		known = baseline_filter(&base, &all);
		baseline_free(&base);
	}
	findings_sort(&all);
	struct cause_list causes;
	causes_build(&causes, &all, &dependents);
	strmap_free(&dependents, NULL);
	char *source_note = io_error || known ? NULL : reverse_source_note(k, &o, &all);
	struct report r = { ARCHPORT_VERSION, k->target, o.npaths == 1 ? o.paths[0] : ".", files, lines, &all,
			    wants_color(&o), suppressed, known, o.baseline != NULL, &causes, o.show_notes, o.quiet,
			    source_note, o.docs_url, want_components ? &components : NULL };
	if (write_report(&o, &r) != 0)
		io_error = 1;
	free(source_note);
	int found = 0;
	for (size_t i = 0; i < all.len; i++)
		found |= o.fail_on != SEV_NEVER && (int)all.items[i].severity >= o.fail_on;
	causes_free(&causes);
	components_free(&components);
	findings_free(&all);
	knowledge_free(k);
	free(o.paths);
	return io_error ? 2 : found ? 1 : 0;
}
