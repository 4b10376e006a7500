/* Asking git about a tree that is not trusted: no program of its
 * configuration ever runs (walk.c lists files, stub --write checks for
 * uncommitted work). */
#ifndef ARCHPORT_GIT_H
#define ARCHPORT_GIT_H

#include <stddef.h>

/* Runs `git -C dir ARGS...` (NULL-terminated) and returns its stdout, or
 * NULL when git is missing or fails. */
char *git_output(const char *dir, const char *const *args, size_t *len);
/* Is dir inside a git work tree (and git installed)? */
int git_inside_work_tree(const char *dir);

/* The files of rels[0..n) (relative to dir) whose work-tree bytes differ
 * from the index of their work tree (dir's, or a submodule's or nested
 * checkout's), or that git does not track there, one per line in *out.
 * Files in no work tree (or with no git installed) are not counted.
 * Returns the number of such files, or -1 when git could not tell. */
int git_uncommitted(const char *dir, const char *const *rels, size_t n, char **out);

#endif
