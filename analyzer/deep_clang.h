/* The deep pass: every translation unit of a compile database parsed by
 * libclang with its own flags, retargeted to the target triple.  Clang's
 * errors become findings with causes; an AST walk adds what clang does not
 * diagnose before code generation (x86 mnemonics in inline asm) and
 * runtime hazards that need types (plain char sign, 4 KiB page constants,
 * va_list used as a pointer or after a by-value pass, long double layout;
 * deep_hazard.c).  A TU none of whose input files changed since the last
 * scan is not parsed again: its findings come from the cache (deep_cache.h). */
#ifndef ARCHPORT_DEEP_CLANG_H
#define ARCHPORT_DEEP_CLANG_H

#include "finding.h"
#include "rules.h"
#include "knowledge.h"
#include "util.h"

/* The compile database to use: `explicit_file` when given, else
 * <root>/compile_commands.json when it exists.  Returns a malloc'd path or
 * NULL (no database: the fast scan stands alone). */
char *deep_find_database(const char *root, const char *explicit_file);

/* Parses every TU of `compile_commands` (a compile_commands.json path;
 * NULL means look in `root`) with `jobs` threads and appends the findings,
 * files relative to `root`, de-duplicated.  When `covered` is not NULL,
 * every root-relative file a TU read (main files and in-tree headers) is
 * added to it as a key, so the caller can let the deep verdict win there.
 * Returns 0 after a run, 1 when there is no database, -1 on an error (after
 * a message on stderr).  With ARCHPORT_TIMING set, prints the pass's time
 * and how many TUs were parsed and how many came from the cache. */
struct arch_dirs;
/* `arch` (may be NULL): an arch/$(ARCH) layout, whose x86 directory the
 * target build does not compile or search (analyzer/arch_dirs.h). */
int deep_scan_cover(const char *root, const char *compile_commands, const struct knowledge *k,
		    int jobs, struct finding_list *out, struct strmap *covered, const struct arch_dirs *arch);
int deep_scan(const char *root, const char *compile_commands, const struct knowledge *k, int jobs,
	      struct finding_list *out);

/* "Both agree or the deep pass wins": fast-scan errors in files the deep
 * pass parsed but found no error in are downgraded to warnings (the real
 * front end accepted the file for the target); fast findings that repeat a
 * deep finding (same file, line and rule) are dropped.  Then the deep
 * findings are moved into `fast`. */
void deep_merge(struct finding_list *fast, struct finding_list *deep, const struct strmap *covered);

#endif
