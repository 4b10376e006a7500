/* archport: find what breaks when an x86_64 tree is built for another
 * architecture. This file only dispatches to the commands. */
#include <stdio.h>
#include <string.h>
#include "commands.h"

static void usage(FILE *out)
{
	fputs("usage: archport <command> [options]\n\n"
	      "  scan    [PATH...] [--target T] [--format F] [-o FILE] [-j N] [--fail-on S]\n"
	      "          report every construct that breaks the target build\n"
	      "  stub    [PATH] [--target T] [-o PATCH | --write] [--simde]\n"
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
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
