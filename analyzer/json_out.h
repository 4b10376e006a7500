/* Output helpers shared by the report writers. Everything a report prints
 * from a finding (file names, messages, source lines) comes from the scanned
 * tree and is untrusted: it may hold any bytes, including invalid UTF-8. */
#ifndef ARCHPORT_JSON_OUT_H
#define ARCHPORT_JSON_OUT_H

#include <stddef.h>
#include <stdio.h>

#define UTF8_REPLACEMENT 0xFFFDul

/* Decodes one character at `s`. Returns the bytes it takes (0 at the
 * terminating NUL) and stores its code point in *cp. An ill-formed sequence
 * (stray continuation byte, overlong form, surrogate, above U+10FFFF,
 * truncated) yields U+FFFD for its maximal subpart, as Unicode recommends,
 * so every byte of the input is consumed exactly once. */
size_t utf8_decode(const char *s, unsigned long *cp);

/* Writes code point `cp` (<= U+10FFFF, not a surrogate) as UTF-8. */
void utf8_write(FILE *out, unsigned long cp);

/* Writes `s` as a JSON string literal with its quotes (RFC 8259): '"', '\\'
 * and control characters escaped, invalid UTF-8 replaced by U+FFFD, so the
 * output is always valid UTF-8 JSON. NULL is written as "". */
void json_write_string(FILE *out, const char *s);

#endif
