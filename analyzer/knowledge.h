/* What archport knows about the x86 source arch and the chosen target,
 * loaded once from the embedded rules/ tables into hash maps that every
 * worker thread reads (never writes) during the scan. */
#ifndef ARCHPORT_KNOWLEDGE_H
#define ARCHPORT_KNOWLEDGE_H

#include "util.h"

enum attr_verdict { ATTR_OK, ATTR_IGNORED, ATTR_ERROR };

/* Kinds of x86 identifier (bit mask). */
enum {
	X86_INTRINSIC = 1 << 0,
	X86_TYPE = 1 << 1,
	X86_CONTEXT_REG = 1 << 2,   /* REG_RIP, JB_RSP: undefined on the target */
	X86_PORT_IO = 1 << 3,
	X86_ARCH_MACRO = 1 << 4,    /* __x86_64__, _M_X64: names that select x86 */
};

struct x86_name {
	unsigned kinds;
	const char *header;   /* where it is declared, for messages */
};

struct predefined_macro {
	const char *value;
};

struct knowledge {
	const char *target;          /* "aarch64" */
	const char *triple;
	int target_is_x86;
	enum attr_verdict x86_target_attr, x86_pragma_target;
	struct strmap macros;        /* predefined by the target gcc */
	struct strmap names;         /* identifier -> struct x86_name */
	struct strmap headers;       /* header -> origin, missing on target */
	struct strmap bad_mnemonics; /* x86 mnemonics unknown to the target as */
	struct strmap x86_mnemonics; /* every x86 mnemonic (value: target knows it?) */
	struct strmap bad_registers; /* clobber names the target gcc rejects */
	struct strmap x86_registers; /* every x86 register name */
	struct strmap bad_constraints;
	struct strmap bad_mflags;    /* "-msse4.2", "-mfpmath=" */
	struct strmap bad_march;     /* "march=haswell", "mtune=k8" */
	unsigned char name_filter[8192];   /* 64K-bit prefilter over `names` */
};

/* A cheap key from the first, second and last byte and the length: most
 * identifiers of a file miss the filter and need no hash lookup. */
static inline unsigned knowledge_filter_key(const char *s, size_t n)
{
	unsigned a = (unsigned char)s[0], b = n > 1 ? (unsigned char)s[1] : 0;
	unsigned z = (unsigned char)s[n - 1];
	return ((a << 9) ^ (b << 4) ^ (z * 37u) ^ ((unsigned)n * 1031u)) & 0xffffu;
}

static inline int knowledge_maybe_name(const struct knowledge *k, const char *s, size_t n)
{
	unsigned key = knowledge_filter_key(s, n);
	return n > 0 && (k->name_filter[key >> 3] >> (key & 7)) & 1;
}

/* Returns NULL and prints a message when the target is unknown. */
struct knowledge *knowledge_load(const char *target);
void knowledge_free(struct knowledge *k);
/* Comma-separated list of targets from rules/targets.tsv. */
const char *knowledge_target_names(void);

const struct x86_name *knowledge_name(const struct knowledge *k, const char *s, size_t n);

#endif
