/* What archport knows about the x86 source arch and the chosen target,
 * loaded once from the embedded rules/ tables into hash maps that every
 * worker thread reads (never writes) during the scan. */
#ifndef ARCHPORT_KNOWLEDGE_H
#define ARCHPORT_KNOWLEDGE_H

#include "util.h"

struct rust_arch;

enum attr_verdict { ATTR_OK, ATTR_IGNORED, ATTR_ERROR };

/* The architecture a port starts from, whose code the scanners look for:
 * x86 when the target is aarch64 or riscv64, aarch64 when the target is
 * x86_64 (the reverse port). Its constructs are reported under its own
 * rule ids; the knowledge maps below hold its names, headers, mnemonics
 * and registers (the X86_* kinds and x86_* maps stand for "the source
 * arch's" in the reverse port). */
struct source_arch {
	const char *name;            /* "x86", "aarch64": for messages */
	const char *gate_macro;      /* "__x86_64__", "__aarch64__": what a gate tests */
	const char *builtin_prefix;  /* "__builtin_ia32_", "__builtin_aarch64_" */
	const char *rule_asm, *rule_intrinsic, *rule_type, *rule_header;
	const char *rule_asm_file, *rule_gated;
	const char *rule_build_flag, *rule_build_march;
};

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
	/* X86_TYPE: sizeof and the member alignment on the source arch
	 * (rules/x86/types.tsv on x86_64, rules/aarch64/types.tsv on aarch64),
	 * for placeholders of the same layout; 0 when unknown (SVE: sizeless) */
	unsigned size, align;
};

/* A row of rules/rust/x86-api.tsv: an x86-only name of a well-known crate. */
enum rust_api_match { AM_EXACT, AM_PREFIX, AM_CONTAINS, AM_MODULE, AM_CRATE };
enum rust_api_target { AT_MISSING, AT_EMPTY, AT_BUILDS };   /* what the target has */
struct rust_api_row {
	const char *crate;   /* NULL: any identifier */
	const char *name, *why;
	enum rust_api_match match;
	enum rust_api_target on;
};

struct predefined_macro {
	const char *value;
};

/* One register of the target's register file (rules/target-registers.tsv),
 * for register-struct twins: a Rust `struct Regs { rax: u64, rip: u64 }`
 * gets a twin with the target's registers as fields. */
struct target_register {
	const char *name;          /* "x0", "sp", "pc", "v31", "sctlr_el1"; "ra", "f31", "satp" */
	const char *reg_class;     /* gpr, sp, pc, flags, fp, fpctl, sysreg */
	const char *rust_type;     /* u64, u128 (aarch64 v0-v31), u32 (fpsr, fpcr, fcsr) */
	const char *description;   /* "System Control Register", "x10, argument / return value" */
};

struct knowledge {
	const char *target;          /* "aarch64" */
	const char *triple;
	int target_is_x86;
	const struct source_arch *source;   /* whose code the port starts from */
	/* the target gcc's verdict on the source arch's target("...") attributes and pragmas */
	enum attr_verdict x86_target_attr, x86_pragma_target;
	struct strmap macros;        /* predefined by the target gcc */
	struct strmap names;         /* identifier -> struct x86_name */
	struct strmap headers;       /* header -> origin, missing on target */
	struct strmap bad_mnemonics; /* x86 mnemonics unknown to the target as */
	struct strmap x86_mnemonics; /* every x86 mnemonic (value: target knows it?) */
	struct strmap target_arity;  /* reverse: mnemonic both know -> most operands x86 as takes ("2") */
	struct strmap bad_registers; /* clobber names the target gcc rejects */
	struct strmap x86_registers; /* every x86 register name -> its class */
	struct strmap x86_state_fields; /* rules/rust/x86-state-fields.tsv: name -> strength */
	struct rust_api_row *rust_api;  /* rules/rust/x86-api.tsv */
	size_t nrust_api;
	struct strmap bad_constraints;
	struct strmap bad_mflags;    /* "-msse4.2", "-mfpmath=" */
	struct strmap bad_march;     /* "march=haswell", "mtune=k8" */
	/* SIMDe (rules/<source>/simde*.tsv): the source-arch names its headers
	 * define on the target under SIMDE_ENABLE_NATIVE_ALIASES */
	struct strmap simde_names;   /* name -> the SIMDe header that defines it ("simde/x86/sse2.h") */
	struct strmap simde_reads;   /* SIMDe header -> the SIMDe headers it reads, space-separated */
	struct rust_arch *rust_arch;   /* rustc's per-arch verdicts (rust_arch.h) */
	struct target_register *registers;   /* the target's register file, in order */
	size_t nregisters;                    /* 0 on x86_64 */
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

/* The target's register set in the order of its Linux/KVM structs (aarch64:
 * x0-x30, sp, pc, pstate, sp_el1, elr_el1, spsr_el1, v0-v31, fpsr, fpcr, EL1
 * system registers; riscv64: pc, ra..t6, f0-f31, fcsr, S-mode CSRs). Sets
 * *out to the first row (NULL when there is none) and returns the count;
 * x86_64 has none. The rows live as long as k. */
/* The class of an x86 register name in rules/x86/registers.tsv ("gpr",
 * "control", "sse", ...), or NULL when it is not one (lowercase names). */
const char *knowledge_x86_register_class(const struct knowledge *k, const char *s, size_t n);
size_t knowledge_register_set(const struct knowledge *k, const struct target_register **out);

#endif
