/* Build-file conditions decided for the target (build_cond.c). */
#ifndef ARCHPORT_BUILD_COND_H
#define ARCHPORT_BUILD_COND_H

#include <stddef.h>
#include "knowledge.h"
#include "pp_expr.h"
#include "walk.h"

/* An operating-system word: 1 Linux (CMake's UNIX holds there too), -1
 * another system (Darwin, Windows_NT, WIN32, ...), 0 none. */
int build_os_word(const char *w, size_t n);

/* Is the condition text `s` of an `ifeq`/`if(`/`if`/`elif` (keyword kw)
 * true for the target? *arch: an architecture test decided it; *os: a
 * system test did. UNKNOWN when it is about neither. */
enum tri build_condition_taken(const struct knowledge *k, enum file_kind kind, const char *kw, const char *s,
			       size_t n, int *arch, int *os);

#endif
