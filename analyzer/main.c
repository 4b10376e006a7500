/* archport: find what breaks when an x86_64 tree is built for another
 * architecture. This file only dispatches to the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "util.h"

static void usage(FILE *out)
{
	fputs("usage: archport <command> [options]\n\n"
	      "  scan    [PATH...] [--target T] [--format F] [-o FILE] [-j N] [--fail-on S]\n"
	      "          report every construct that breaks the target build\n"
	      "  stub    [PATH] [--target T] [-o PATCH | --write [--force]] [--simde]\n"
	      "          the patch that gates x86 code and adds target stubs\n"
	      "  verify  [PATH] [--target T] [--build CMD] [--test CMD] [--patch FILE] [--keep]\n"
	      "          build before/after the stub patch, compare objects, run tests under QEMU\n"
	      "  port    [PATH] [--target T] [-o PATCH] [--rounds N] [--build CMD] [--keep]\n"
	      "          the stub patch with the target build in the loop, until it builds\n"
	      "  rules   [list | show RULE]   the rules archport checks\n"
	      "  explain RULE                 why a rule's construct breaks, and the fix\n\n"
	      "Targets: aarch64 (default), riscv64, x86_64. Exit status of scan: 0 clean,\n"
	      "1 findings at or above --fail-on (default error), 2 usage or I/O error.\n", out);
}

/* The spellings other tools accept, in the one form the commands parse:
 * `--name=value` is `--name value`, `-oFILE` is `-o FILE`, and a target
 * may be named as the Linux kernel and Debian do (arm64, amd64). */
static char **normalize_args(int argc, char **argv, int *out_argc)
{
	char **v = xcalloc((size_t)argc * 2 + 1, sizeof *v);
	int n = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		if (i > 0 && a[0] == '-' && a[1] == '-' && eq && eq > a + 2) {
			v[n++] = xstrndup(a, (size_t)(eq - a));
			v[n++] = xstrdup(eq + 1);
		} else if (i > 0 && a[0] == '-' && a[1] == 'o' && a[2]) {
			v[n++] = xstrdup("-o");
			v[n++] = xstrdup(a + 2);
		} else {
			v[n++] = xstrdup(a);
		}
		if (n >= 2 && !strcmp(v[n - 2], "--target")) {
			static const char *const alias[][2] = { { "arm64", "aarch64" }, { "amd64", "x86_64" },
								{ "x64", "x86_64" }, { "riscv", "riscv64" } };
			for (size_t k = 0; k < sizeof alias / sizeof *alias; k++)
				if (!strcmp(v[n - 1], alias[k][0])) {
					free(v[n - 1]);
					v[n - 1] = xstrdup(alias[k][1]);
				}
		}
	}
	*out_argc = n;
	return v;
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
	int n;
	char **args = normalize_args(argc, argv, &n);
	int rc = run_command(n, args);
	for (int i = 0; i < n; i++)
		free(args[i]);
	free(args);
	return rc;
}

static int run_command(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") && argc > 2) {   /* `archport help scan` is `archport scan --help` */
		char *help[] = { argv[0], argv[2], "--help", NULL };
		return run_command(3, help);
	}
	if (!strcmp(cmd, "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
		printf("archport %s\n", ARCHPORT_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "stub"))
		return cmd_stub(argc - 1, argv + 1);
	if (!strcmp(cmd, "port"))
		return cmd_port(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 1, argv + 1);
	fprintf(stderr, "archport: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
