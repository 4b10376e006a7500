/* Per-architecture directories: `src/arch/x86_64/` in a tree whose build
 * picks `src/arch/$(ARCH)/` (stub_archdir.c). The target build never reads
 * such a directory; when the tree has no twin for the target (aarch64 or
 * arm64, riscv64 or riscv), `archport stub` creates it. */
#ifndef ARCHPORT_ARCH_DIRS_H
#define ARCHPORT_ARCH_DIRS_H

#include <stddef.h>
#include "walk.h"

struct arch_dirs;
/* The x86 directories of the walk that the build selects by architecture,
 * for `target`; for x86_64 (the reverse port) the aarch64 ones (arm64,
 * aarch64), whose twin is x86_64 (or amd64). Reads the build files. */
struct arch_dirs *arch_dirs_find(const struct walk_result *w, const char *target);
/* Is rel inside one that a build file picks through a variable? The
 * target build does not read such a file. */
int arch_dirs_contains(const struct arch_dirs *ad, const char *rel);
/* The i-th directory ("src/arch/x86_64") and its twin for the target
 * ("src/arch/aarch64"), or NULL when the tree has one already. */
size_t arch_dirs_len(const struct arch_dirs *ad);
const char *arch_dirs_x86(const struct arch_dirs *ad, size_t i);
const char *arch_dirs_twin(const struct arch_dirs *ad, size_t i);
/* Found through a build variable (else by its parent's name alone). */
int arch_dirs_by_variable(const struct arch_dirs *ad, size_t i);
void arch_dirs_free(struct arch_dirs *ad);

#endif
