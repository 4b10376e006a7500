/* The deep pass's cache: one entry per translation unit, so that a rescan
 * does not parse a TU none of whose inputs changed.
 *
 * An entry is named by a hash of everything that decides the parse (the
 * archport binary, libclang's version, the target triple, the scanned root,
 * the include-path environment, the TU's rewritten arguments and its main
 * file).  It lists every file the parse read with a hash of its bytes (not
 * size and mtime: an edit that keeps both must still count), the paths a
 * missing #include could have been found at, and the TU's findings and
 * covered files.  It is valid while every listed file hashes the same and
 * every absent path is still absent.
 *
 * Entries are written to a temporary file and renamed, so parallel scans
 * never see half an entry; an entry that does not parse or whose checksum
 * does not match is ignored (the TU is parsed again and the entry
 * rewritten).  The directory is $ARCHPORT_CACHE_DIR, else
 * $XDG_CACHE_HOME/archport, else ~/.cache/archport; ARCHPORT_CACHE_DIR set
 * but empty turns the cache off. */
#ifndef ARCHPORT_DEEP_CACHE_H
#define ARCHPORT_DEEP_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "finding.h"
#include "util.h"

struct deep_cache;

/* Returns NULL when the cache is off or its directory cannot be made (the
 * deep pass then parses everything, as before). */
struct deep_cache *deep_cache_open(const char *triple, const char *root, const char *clang_version);
void deep_cache_close(struct deep_cache *c);

/* The entry's key for one TU. */
uint64_t deep_cache_key(const struct deep_cache *c, const char *main_file, char *const *args, int nargs);

/* What one parse read: filled while the TU is walked, then stored. */
struct deep_record {
	struct strbuf deps;   /* "F <hash> <path>" and "A <path>" lines */
	int uncacheable;      /* some input could not be hashed */
};
void deep_record_file(struct deep_record *r, const char *path, const void *bytes, size_t n);
void deep_record_absent(struct deep_record *r, const char *path);
void deep_record_free(struct deep_record *r);

/* The TU's outcome, as the deep pass keeps it per job. */
struct deep_outcome {
	struct finding_list *findings;
	char ***covered;      /* root-relative paths */
	size_t *ncovered, *cap;
};

/* Returns 1 and appends the entry's findings and covered files when a
 * valid entry exists; 0 otherwise (nothing appended).  Thread-safe. */
int deep_cache_load(struct deep_cache *c, uint64_t key, const char *main_file, struct deep_outcome out);

/* Writes the entry atomically; failures are silent (a cache is optional). */
void deep_cache_store(struct deep_cache *c, uint64_t key, const char *main_file, const struct deep_record *r,
		      struct deep_outcome in);

#endif
