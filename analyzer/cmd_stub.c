/* `archport stub [PATH] [--target T] [-o PATCH | --write] [--simde]` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "stub.h"

static void usage_stub(FILE *out)
{
	fputs("usage: archport stub [PATH] [--target aarch64|riscv64] [-o PATCH | --write] [--simde]\n", out);
}

int cmd_stub(int argc, char **argv)
{
	struct stub_options o = { .target = "aarch64" };
	const char *path = ".", *out = NULL;
	int write = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--target") && v)
			o.target = argv[++i];
		else if (!strcmp(a, "-o") && v)
			out = argv[++i];
		else if (!strcmp(a, "--write"))
			write = 1;
		else if (!strcmp(a, "--simde"))
			o.simde = 1;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage_stub(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "archport stub: unknown option or missing value: %s\n", a);
			usage_stub(stderr);
			return 2;
		} else {
			path = a;
		}
	}
	if (write && out) {
		fprintf(stderr, "archport stub: -o and --write exclude each other\n");
		return 2;
	}
	if (write)
		return stub_write(path, &o) == 0 ? 0 : 2;
	struct strbuf patch = {0};
	int rc = stub_tree(path, &o, &patch) == 0 && write_output(out, patch.buf, patch.len) == 0 ? 0 : 2;
	if (rc == 0 && !patch.len)   /* the empty patch on stdout says nothing to a person */
		fprintf(stderr, "archport stub: nothing to change: no error for %s in %s\n", o.target, path);
	sb_free(&patch);
	return rc;
}
