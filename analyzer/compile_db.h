/* A compile database (compile_commands.json, as `bear -- make` or CMake's
 * CMAKE_EXPORT_COMPILE_COMMANDS write it) read for the fast scan: the
 * -D, -U and -include flags of every translation unit, in order, so that
 * the macros of a file it lists are decided exactly. A header takes the
 * flags of the translation units that include it, where they all agree.
 * The file is only read: no command of it is run. */
#ifndef ARCHPORT_COMPILE_DB_H
#define ARCHPORT_COMPILE_DB_H

#include <stddef.h>
#include "build_macros.h"

struct tree_index;
struct compile_db;

/* Reads `path` for the tree `root` whose index `ix` is built (its files
 * and includers). Returns NULL after a message on stderr when the file
 * cannot be read or parsed. */
struct compile_db *compile_db_load(const char *path, const char *root, const struct tree_index *ix);
void compile_db_free(struct compile_db *db);

/* What the database says about NAME in the file: 0 when it lists neither
 * the file nor (for a header) every translation unit that includes it. */
int compile_db_decide(const struct compile_db *db, int file_index, const char *name, size_t n,
		      struct macro_decision *d);

/* 1 when the database compiles the file itself (it has an entry of its own). */
int compile_db_lists(const struct compile_db *db, int file_index);

/* The tree files the file's compile command forces in with -include, in
 * order (a file listed several times: its first entry). */
size_t compile_db_forced_includes(const struct compile_db *db, int file_index, const int **files);

/* One entry of a compile database as the build ran it (archport port). */
struct compile_command {
	char *dir;      /* its working directory */
	char *file;     /* the source, absolute */
	char **argv;    /* the compiler first; NULL-terminated */
	int argc;
};
/* Every entry of `path` with its words ("arguments", or "command" split
 * as sh would); returns their number, 0 when the file cannot be read or
 * parsed. Free with compile_commands_free. */
size_t compile_commands_read(const char *path, struct compile_command **out);
void compile_commands_free(struct compile_command *v, size_t n);

/* Exposed for the unit tests: splits a shell command line into words
 * (quotes and backslashes as sh reads them); returns the count. */
size_t compile_db_split_command(const char *cmd, char ***words);

#endif
