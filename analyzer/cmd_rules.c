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

static int show_rule(const char *id)
{
	const struct rule_info *r = rule_find(id);
	if (!r) {
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

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "list"))
		return list_rules();
	if (!strcmp(argv[1], "show") && argc == 3)
		return show_rule(argv[2]);
	fprintf(stderr, "usage: archport rules [list | show RULE]\n");
	return 2;
}

int cmd_explain(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: archport explain RULE\n");
		return 2;
	}
	return show_rule(argv[1]);
}
