/* `archport rules [list | show RULE]` and `archport explain RULE`. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "rules.h"

static int list_rules(void)
{
	size_t n;
	const struct rule_info *r = rule_all(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-8s %s\n", r[i].id, severity_name(r[i].severity), r[i].summary);
	return 0;
}

/* Edit distance of two short ids (rule ids are under 32 characters). */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(b), row[64];
	if (n >= 64 || strlen(a) >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; a[i - 1]; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[n];
}

/* The rule id closest to `id`: same name in another area, else the fewest
 * edits (at most a third of the id). */
static const char *closest_rule(const char *id)
{
	size_t n, best = (size_t)-1;
	const struct rule_info *r = rule_all(&n);
	const char *name = strchr(id, '/') ? strchr(id, '/') + 1 : id, *found = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *rn = strchr(r[i].id, '/') + 1;
		size_t d = !strcmp(rn, name) ? 0 : distance(id, r[i].id);
		if (d < best)
			best = d, found = r[i].id;
	}
	return best <= strlen(id) / 3 ? found : NULL;
}

static int show_rule(const char *id)
{
	const struct rule_info *r = rule_find(id);
	if (!r) {
		const char *near = closest_rule(id);
		if (near)
			fprintf(stderr, "archport: no rule '%s'; did you mean '%s'? (see `archport rules list`)\n", id,
				near);
		else
			fprintf(stderr, "archport: no rule '%s' (see `archport rules list`)\n", id);
		return 2;
	}
	const char *doc = rule_doc(id);
	if (doc)
		fputs(doc, stdout);
	else
		printf("%s (%s): %s\n", r->id, severity_name(r->severity), r->summary);
	return 0;
}

static int is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && is_help(argv[1])) {
		puts("usage: archport rules [list | show RULE]\n"
		     "Lists every rule with its default severity, or prints one rule's page.");
		return 0;
	}
	if (argc < 2 || !strcmp(argv[1], "list"))
		return list_rules();
	if (!strcmp(argv[1], "show") && argc == 3)
		return show_rule(argv[2]);
	fprintf(stderr, "usage: archport rules [list | show RULE]\n");
	return 2;
}

int cmd_explain(int argc, char **argv)
{
	if (argc == 2 && is_help(argv[1])) {
		puts("usage: archport explain RULE\n"
		     "Why the rule's construct breaks the target build, with the compiler's message,\n"
		     "an example and the fix (the page docs/rules/<area>-<name>.md).");
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: archport explain RULE\n");
		return 2;
	}
	return show_rule(argv[1]);
}
