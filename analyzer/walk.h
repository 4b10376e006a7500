/* Finding the files to scan: in a git checkout the files git tracks,
 * elsewhere every file, never following a symlink out of the tree or into
 * a loop; a file reached through a link in the tree is listed once, under
 * its own name. */
#ifndef ARCHPORT_WALK_H
#define ARCHPORT_WALK_H

#include <stddef.h>

enum file_kind {
	FK_NONE,
	FK_C,        /* C/C++ sources and headers */
	FK_ASM_CPP,  /* .S: assembly through the C preprocessor */
	FK_ASM,      /* .s: plain assembly */
	FK_NASM,     /* .asm/.nasm: nasm/yasm syntax */
	FK_RUST,     /* .rs (before FK_MAKE: not a build file for the C index) */
	FK_CARGO,    /* Cargo.toml */
	FK_MAKE,
	FK_CMAKE,
	FK_MESON,
	FK_AUTOCONF,
};

struct source_file {
	char *path;      /* as opened: root + '/' + rel */
	char *rel;       /* relative to the root, '/' separators */
	enum file_kind kind;
};

struct walk_problem {
	char *path;      /* relative to the root */
	char *why;
};

struct walk_result {
	struct source_file *files;
	size_t len, cap;
	struct walk_problem *problems;
	size_t nproblems, problems_cap;
};

enum file_kind classify_path(const char *rel);
/* By file name: a C/C++ header, a C/C++ source, and the language (0 C,
 * 1 C++, -1 a .h that could be either, or not C at all). */
int path_is_header(const char *rel);
int path_is_c_source(const char *rel);
int path_language(const char *rel);
/* Walks `root` (a directory or a single file). Returns -1 with a message on
 * stderr when the root itself cannot be read. */
int walk_tree(const char *root, struct walk_result *out);
void walk_free(struct walk_result *w);

#endif
