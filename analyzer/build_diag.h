/* What a build log says went wrong: the errors of gcc/clang, GNU as, the
 * linker and rustc, as file:line records. `port` turns them into findings
 * for the next round of its patch. Parsing only: nothing here runs. */
#ifndef ARCHPORT_BUILD_DIAG_H
#define ARCHPORT_BUILD_DIAG_H

#include <stddef.h>

enum diag_kind {
	DIAG_COMPILE,     /* gcc/clang "file:line:col: error: ..." */
	DIAG_ASSEMBLER,   /* GNU as "file.s:line: Error: ..." */
	DIAG_LINK,        /* ld "undefined reference to `sym'" */
	DIAG_RUST,        /* rustc "error[E...]: ..." with its "--> file:line:col" */
	DIAG_FAILED,      /* make "*** [Makefile:5: obj.o] Error 1": a target that failed */
};

struct diag {
	enum diag_kind kind;
	char *file;       /* absolute when make's directory was known, else as printed; may be NULL */
	int line, column; /* 0 when not given */
	char *message;    /* the tool's own words, one line */
	char *symbol;     /* DIAG_LINK: the undefined symbol; DIAG_FAILED: the target */
};

struct diag_list {
	struct diag *v;
	size_t len, cap;
};

/* Appends the errors of `log` (a build's stdout and stderr) to `out`, in
 * order, each once. Relative paths are taken from `cwd`, or from the
 * directory make says it entered. */
void diag_parse(const char *log, const char *cwd, struct diag_list *out);
void diag_free(struct diag_list *l);

/* In gcc's assembly output `s_text` (compiled with -g), the source
 * position of assembly line `s_line`: the last `.loc` before it and its
 * `.file` name. Returns 0 and sets *file (malloc'd, as gcc wrote it) and
 * *line, or -1 when the line has no source position. */
int diag_asm_source(const char *s_text, int s_line, char **file, int *line);

#endif
