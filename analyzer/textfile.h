/* Reading source files defensively: size limit, binary detection, and a
 * reason in words when a file cannot be scanned. */
#ifndef ARCHPORT_TEXTFILE_H
#define ARCHPORT_TEXTFILE_H

#include <stddef.h>

#define TEXTFILE_MAX_SIZE (64u << 20)

struct textfile {
	char *data;     /* NUL-terminated copy of the bytes */
	size_t len;
	int has_nul;    /* NUL bytes inside otherwise text: lexed as spaces */
};

/* Returns 0 on success; otherwise -1 and *why says what went wrong. */
int textfile_read(const char *path, struct textfile *tf, char **why);
void textfile_free(struct textfile *tf);
/* Counts lines the way editors do (a last line without newline counts). */
size_t count_lines(const char *data, size_t len);

#endif
