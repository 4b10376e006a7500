/* The rule registry: stable ids, default severities, one-line summaries.
 * Each rule has a page docs/rules/<area>-<name>.md, embedded for `explain`. */
#ifndef ARCHPORT_RULES_H
#define ARCHPORT_RULES_H

#include <stddef.h>
#include "finding.h"

struct rule_info {
	const char *id;
	enum severity severity;  /* default; some findings are downgraded */
	const char *summary;
	const char *fix;         /* what to do, in words, for the text report */
};

const struct rule_info *rule_find(const char *id);
const struct rule_info *rule_all(size_t *count);
/* The embedded markdown page for a rule, or NULL. */
const char *rule_doc(const char *id);
/* input/...: says what archport could not read, whether the target compiles the file or not. */
int rule_is_input(const char *id);

#define RULE_ASM_X86          "c/asm-x86"
#define RULE_ASM_CONSTRAINT   "c/asm-constraint"
#define RULE_ASM_CLOBBER      "c/asm-clobber"
#define RULE_INTRINSIC        "c/intrinsic-x86"
#define RULE_VECTOR_TYPE      "c/vector-type-x86"
#define RULE_HEADER           "c/header-x86"
#define RULE_ERROR_DIRECTIVE  "c/error-directive"
#define RULE_ARCH_CHAIN       "c/arch-chain"
#define RULE_ARCH_DIR         "c/arch-dir-missing"
#define RULE_TARGET_ATTR      "c/target-attribute"
#define RULE_CONTEXT_REG      "c/context-register"
#define RULE_PORT_IO          "c/port-io"
#define RULE_GATED            "c/gated-x86"
#define RULE_ASM_FILE         "asm/x86-file"
#define RULE_BUILD_FLAG       "build/x86-flag"
#define RULE_BUILD_MARCH      "build/x86-march"
#define RULE_BUILD_NASM       "build/nasm"
#define RULE_INPUT            "input/unreadable"
#define RULE_LIMIT            "input/limit"
#define RULE_PARSE            "input/parse-error"
#define RULE_CLANG_ERROR      "c/clang-error"
#define RULE_RUNTIME_HAZARD   "c/runtime-hazard"
#define RULE_TARGET_BUILD     "build/target-error"
#define RULE_RUST_ASM_X86         "rust/asm-x86"
#define RULE_RUST_ARCH_X86        "rust/arch-x86"
#define RULE_RUST_TARGET_FEATURE  "rust/target-feature"
#define RULE_RUST_COMPILE_ERROR   "rust/compile-error"
#define RULE_RUST_MISSING_MODULE  "rust/missing-module"
#define RULE_RUST_GATED           "rust/gated-x86"
#define RULE_RUST_GATED_USE       "rust/gated-use"
#define RULE_RUST_TARGET_DEP      "rust/target-dependency"
#define RULE_RUST_X86_REGISTERS   "rust/x86-registers"
#define RULE_RUST_X86_API         "rust/x86-api"
#define RULE_RUST_BUILD_X86       "rust/build-x86"
#define RULE_RUST_JIT_X86         "rust/jit-x86"
/* the reverse port (--target x86_64): aarch64 code in Rust */
#define RULE_RUST_ASM_AARCH64     "rust/asm-aarch64"
#define RULE_RUST_ARCH_AARCH64    "rust/arch-aarch64"
#define RULE_RUST_AARCH64_REGISTERS "rust/aarch64-registers"
#define RULE_RUST_RUNTIME_HAZARD  "rust/runtime-hazard"
/* the reverse port (--target x86_64): aarch64 code in C, headers, .S files */
#define RULE_ASM_AARCH64          "c/asm-aarch64"
#define RULE_INTRINSIC_ARM        "c/intrinsic-arm"
#define RULE_HEADER_ARM           "c/header-arm"
#define RULE_GATED_AARCH64        "c/gated-aarch64"
#define RULE_ASM_FILE_AARCH64     "asm/aarch64-file"
#define RULE_BUILD_FLAG_AARCH64   "build/aarch64-flag"
#define RULE_BUILD_MARCH_AARCH64  "build/aarch64-march"

#endif
