/* Goal reachability for Make: which rules of a Makefile `make` with no
 * goal on its command line builds. A recipe that only a goal the user must
 * name (`make zstd32`) runs does not break `make CC=aarch64-linux-gnu-gcc`,
 * so its x86 flags are warnings, not errors (build_scan.c asks here).
 *
 * Every Makefile of the tree is read in the index pass (make_goals_add);
 * make_goals_finish then follows, from each Makefile's default goal, the
 * prerequisites and the recursive `$(MAKE) [-C dir] goal` calls of the
 * recipes it reaches, across the Makefiles, until nothing new is reached.
 * Where the answer depends on something the text does not say ($(eval),
 * an include archport cannot read, a prerequisite made of $(shell ...)),
 * the Makefile is "uncertain" and nothing in it is downgraded.
 *
 * That reach errs on the side of more (every branch counts). For the
 * other question, is a target surely made (so that its target-specific
 * `t: CFLAGS += -mavx2` is an error), only prerequisites whose words are
 * the same in every plain make are followed (find_sure in make_goals.c).
 * A make that a shell script run by a recipe calls is not followed. */
#ifndef ARCHPORT_MAKE_GOALS_H
#define ARCHPORT_MAKE_GOALS_H

#include <stddef.h>

struct tree_index;
struct make_goals;

struct make_goals *make_goals_new(void);
/* Reads the rules of build file `file` (a walk index) and of the tree
 * files it includes. */
void make_goals_add(struct make_goals *g, const struct tree_index *ix, int file, const char *src, size_t len);
/* After every build file was added: the default goals and what they reach. */
void make_goals_finish(struct make_goals *g);
/* Is the rule whose header is on `line` of `file` certainly never built
 * by `make` with no goal? Then returns the reason, "only in the recipe of
 * `zstd32`, which the default goal `all` does not build" (owned by g);
 * else NULL. */
const char *make_goals_unbuilt(const struct make_goals *g, int file, int line);
/* Is variable `name` of `file` named only by recipes of rules the
 * default goal never builds (and by variables only those name)? Then the
 * reason, "only in the recipe of `bench32`, which the default goal `all`
 * does not build, through `BENCH_FLAGS`"; else NULL. */
const char *make_goals_var_unbuilt(const struct make_goals *g, int file, const char *name);
/* How that reason starts: the stub still gates a flag whose warning says
 * it (`make zstd32` breaks on the target as before). */
#define MAKE_GOALS_UNBUILT "only in the recipe of `"
/* Target-specific variable lines (`bench.o: CFLAGS += -mavx2`) are in
 * effect while their target is made. */
enum make_reach {
	MAKE_REACH_UNKNOWN,   /* not sure either way */
	MAKE_REACH_BUILT,     /* the default goal surely makes a target it names */
	MAKE_REACH_UNBUILT,   /* no plain make makes any */
};
/* For the target-specific line on `line` of `file`; *why gets the reason
 * of MAKE_REACH_UNBUILT, "only for `bench.o`, which the default goal
 * `all` does not build" (owned by g). */
enum make_reach make_goals_target_var(const struct make_goals *g, int file, int line, const char **why);
#define MAKE_GOALS_UNBUILT_FOR "only for `"
void make_goals_free(struct make_goals *g);

/* Exposed for the unit tests: do two patterns whose '*' stands for any
 * text have a string in common? */
int make_glob_meet(const char *a, const char *b);

#endif
