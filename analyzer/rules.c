#include <string.h>
#include "rules.h"
#include "ruledata.h"

static const struct rule_info rules[] = {
	{ RULE_ASM_X86, SEV_ERROR,
	  "x86 instruction or register in inline asm reachable on the target",
	  "gate it under #if defined(__x86_64__) with a target twin (an idiom: pause -> yield; else a trap); `archport stub` does" },
	{ RULE_ASM_CONSTRAINT, SEV_ERROR,
	  "x86 register constraint (\"a\", \"b\", \"c\", \"d\", \"S\", \"D\", ...) in inline asm",
	  "gate the asm under #if defined(__x86_64__); the target's twin uses its own register classes (\"r\"); `archport stub` does" },
	{ RULE_ASM_CLOBBER, SEV_ERROR,
	  "x86 register name in an inline asm clobber list",
	  "gate the asm statement under #if defined(__x86_64__); the target's version names its own registers (or only \"memory\")" },
	{ RULE_INTRINSIC, SEV_ERROR,
	  "x86 intrinsic or builtin (_mm_*, __rdtsc, __builtin_ia32_*, __builtin_cpu_supports)",
	  "gate it under #if defined(__x86_64__) with a portable or NEON twin, or map it through SIMDe (`archport stub --simde`)" },
	{ RULE_VECTOR_TYPE, SEV_ERROR,
	  "x86-only type: vector types (__m128i, __m256d, __mmask16, ...), __float80, __float128, __seg_gs",
	  "gate it under #if defined(__x86_64__); a type others need keeps its size in a placeholder twin (`archport stub`)" },
	{ RULE_HEADER, SEV_ERROR,
	  "x86-only header (immintrin.h family, cpuid.h, sys/io.h, ...) included on the target",
	  "include it only under #if defined(__x86_64__) (with --simde, the SIMDe header otherwise); `archport stub` gates it" },
	{ RULE_ERROR_DIRECTIVE, SEV_ERROR,
	  "#error reachable on the target",
	  "add an #elif arm for the target with its own definitions; `archport stub` adds one with stubs marked TODO" },
	{ RULE_ARCH_CHAIN, SEV_ERROR,
	  "#if/#elif chain with arms only for other architectures, whose definitions are used",
	  "give the #if chain an arm for the target that defines the names its users need; `archport stub` adds it, copying the x86_64 arm" },
	{ RULE_ARCH_DIR, SEV_ERROR,
	  "header the build takes from its arch/$(ARCH)/ directory, which the tree has for x86 only",
	  "create the target's directory beside the x86 one with the same headers and functions; `archport stub` creates it with trapping twins" },
	{ RULE_TARGET_ATTR, SEV_ERROR,
	  "__attribute__((target(\"...\"))) or #pragma GCC target with x86 features",
	  "put the attribute or pragma under #if defined(__x86_64__); `archport stub` gates it" },
	{ RULE_CONTEXT_REG, SEV_ERROR,
	  "ucontext/jmp_buf x86 register index (REG_RIP, JB_RSP, ...)",
	  "read the target's own register slot (uc_mcontext.pc on aarch64, __gregs[REG_PC] on riscv64) under an #elif" },
	{ RULE_PORT_IO, SEV_ERROR,
	  "x86 port I/O (inb, outb, ioperm, iopl from sys/io.h)",
	  "gate the port I/O under #if defined(__x86_64__); the target reaches devices through memory-mapped registers or the kernel" },
	{ RULE_GATED, SEV_NOTE,
	  "x86-specific code already gated out for the target",
	  "nothing to do for the target build" },
	{ RULE_ASM_FILE, SEV_ERROR,
	  "assembly source with x86 instructions that the build assembles for the target",
	  "assemble it for x86 only; the target gets a .S with the same symbols (`archport stub`: trapping ones)" },
	{ RULE_BUILD_FLAG, SEV_ERROR,
	  "x86 -m<feature> compiler option not under an architecture condition",
	  "pass the option only when the compiler targets x86 (a per-architecture variable); `archport stub` rewrites it so" },
	{ RULE_BUILD_MARCH, SEV_ERROR,
	  "-march=/-mtune=/-mcpu= with an x86 value not under an architecture condition",
	  "pass the -march/-mtune value only when the compiler targets x86; `archport stub` rewrites it so" },
	{ RULE_BUILD_NASM, SEV_ERROR,
	  "nasm/yasm invoked by the build for every architecture",
	  "run nasm/yasm only for x86 and build C or target assembly twins elsewhere" },
	{ RULE_CLANG_ERROR, SEV_ERROR,
	  "another error clang reports for the target (--compile-commands deep pass)",
	  "read clang's message: the target's front end rejects the file with the build's own flags" },
	{ RULE_TARGET_BUILD, SEV_ERROR,
	  "an error the tree's own target build still reports after the patch (archport port)",
	  "read the compiler's message: `archport port` gates the construct at that line in its next round" },
	{ RULE_RUNTIME_HAZARD, SEV_WARNING,
	  "builds on the target but behaves differently: plain char sign, 4 KiB page constants, va_list used as a pointer or after a by-value pass, x87 long double layout",
	  "make the assumption explicit: signed char, sysconf(_SC_PAGESIZE), va_copy, or a layout check" },
	{ RULE_RUST_ASM_X86, SEV_ERROR,
	  "asm!/global_asm! with x86 instructions, registers, register classes or options(att_syntax)",
	  "put the item under #[cfg(target_arch = \"x86_64\")] with a twin for the target; `archport stub` writes a todo!() twin" },
	{ RULE_RUST_ARCH_X86, SEV_ERROR,
	  "core::arch::x86_64 / std::arch::x86 paths and is_x86_feature_detected! compiled for the target",
	  "put the use and the item under #[cfg(target_arch = \"x86_64\")] with a target twin (core::arch::aarch64, or portable code)" },
	{ RULE_RUST_TARGET_FEATURE, SEV_ERROR,
	  "#[target_feature(enable = \"...\")] with an x86 feature (avx2, sse4.2, ...)",
	  "put the fn under #[cfg(target_arch = \"x86_64\")] with a twin for the target" },
	{ RULE_RUST_COMPILE_ERROR, SEV_ERROR,
	  "compile_error! reachable on the target",
	  "let the target into the predicate, with its own definitions; `archport stub` adds it" },
	{ RULE_RUST_MISSING_MODULE, SEV_ERROR,
	  "mod item whose file does not exist for the target (E0583): a path mapping with no target arm",
	  "add the target's arm to the path mapping and create its file with the same public items; `archport stub` does both" },
	{ RULE_RUST_ASM_AARCH64, SEV_ERROR,
	  "asm!/global_asm! with aarch64 instructions (mrs/msr, dmb, eret, b), registers or register classes, compiled for x86_64",
	  "put the item under #[cfg(target_arch = \"aarch64\")] with an x86_64 twin; `archport stub` writes one (an idiom: dmb -> fence, yield -> spin_loop, cntvct_el0 -> _rdtsc; else todo!())" },
	{ RULE_RUST_ARCH_AARCH64, SEV_ERROR,
	  "core::arch::aarch64 paths and names (NEON intrinsics and types) and is_aarch64_feature_detected! compiled for x86_64",
	  "put the use and the items that name it under #[cfg(target_arch = \"aarch64\")] with an x86_64 twin (core::arch::x86_64, or portable code)" },
	{ RULE_RUST_AARCH64_REGISTERS, SEV_WARNING,
	  "a struct x86_64 compiles whose fields are aarch64 registers (x0-x30, elr_el2, spsr_el2, sctlr_el1, ...)",
	  "move it behind #[cfg(target_arch = \"aarch64\")] and give x86_64 its own register set (rip, rflags, rax, ...)" },
	{ RULE_ASM_AARCH64, SEV_ERROR,
	  "aarch64 instruction (mrs/msr of *_EL1/EL2 system registers, dmb ish, isb, eret), register or #immediate in inline asm compiled for x86_64",
	  "gate it under #if defined(__aarch64__) with an x86_64 twin (an idiom: dmb ish -> mfence, yield -> pause, cntvct_el0 -> rdtsc; else a trap)" },
	{ RULE_INTRINSIC_ARM, SEV_ERROR,
	  "NEON/ACLE/SVE intrinsic, type or builtin (vaddq_u8, uint8x16_t, svfloat32_t, __builtin_aarch64_*) compiled for x86_64",
	  "gate it under #if defined(__aarch64__) with an SSE or portable twin, or map NEON through SIMDe (arm/neon.h)" },
	{ RULE_HEADER_ARM, SEV_ERROR,
	  "aarch64-only header (arm_neon.h, arm_acle.h, arm_sve.h, arm_fp16.h, asm/sve_context.h, ...) included on x86_64",
	  "include it only under #if defined(__aarch64__) (SIMDe's arm/neon.h otherwise)" },
	{ RULE_GATED_AARCH64, SEV_NOTE,
	  "aarch64-specific code already gated out for x86_64",
	  "nothing to do for the x86_64 build" },
	{ RULE_ASM_FILE_AARCH64, SEV_ERROR,
	  "assembly source with aarch64 instructions (exception vectors, eret, msr) that the build assembles for x86_64",
	  "assemble it for aarch64 only; x86_64 gets a .S with the same symbols" },
	{ RULE_BUILD_FLAG_AARCH64, SEV_ERROR,
	  "aarch64 -m<option> (-mstrict-align, -moutline-atomics, -mbranch-protection=) not under an architecture condition, built for x86_64",
	  "pass the option only when the compiler targets aarch64 (a per-architecture variable)" },
	{ RULE_BUILD_MARCH_AARCH64, SEV_ERROR,
	  "-march=/-mcpu=/-mtune= with an aarch64 value (armv8-a+crc, cortex-a72) not under an architecture condition, built for x86_64",
	  "pass the value only when the compiler targets aarch64; x86_64 takes -march=x86-64-v2 or none" },
	{ RULE_RUST_GATED, SEV_NOTE,
	  "x86-specific Rust code already gated out for the target by cfg or module structure",
	  "nothing to do for the target build" },
	{ RULE_RUST_GATED_USE, SEV_ERROR,
	  "item gated out for the target (cfg on a mod, fn, type, const or re-export) but used by code the target compiles (E0432/E0433/E0425)",
	  "give the target the item too (a twin under the negated cfg, or a module for the target); `archport stub` writes it" },
	{ RULE_RUST_TARGET_DEP, SEV_ERROR,
	  "crate that Cargo.toml lists only under [target.'cfg(x86...)'.dependencies], used by code the target compiles",
	  "gate the uses of the crate under the same cfg as the dependency, with twins for the target" },
	{ RULE_RUST_X86_REGISTERS, SEV_WARNING,
	  "type compiled for the target whose fields are x86 registers (rax, rip, rflags, cr3, ...): porting work",
	  "move the type behind #[cfg(target_arch = \"x86_64\")] and give the target a twin with its own registers; `archport stub` does" },
	{ RULE_RUST_X86_API, SEV_WARNING,
	  "x86-only API of a well-known crate (kvm-bindings x86 structs, mshv HV_X64_*, gdbstub_arch::x86, iced-x86) compiled for the target: an error where the crate has no such name for the target, else porting work",
	  "use the target's API (kvm-bindings arm64 structs, the target's gdbstub_arch) behind a cfg" },
	{ RULE_RUST_BUILD_X86, SEV_WARNING,
	  "build.rs passing an x86 target triple or x86 include path to a tool, whatever the target",
	  "make build.rs choose the triple, paths and flags from CARGO_CFG_TARGET_ARCH" },
	{ RULE_RUST_JIT_X86, SEV_WARNING,
	  "x86 code emitter compiled for every arch (x86 register numbering, PROT_EXEC memory, transmute to fn): builds, emits x86 bytes at run time",
	  "give the JIT a back end for the target, or keep it behind #[cfg(target_arch = \"x86_64\")]" },
	{ RULE_INPUT, SEV_WARNING,
	  "a file archport could not read or scan (binary, too large, unreadable)",
	  "check the file: archport could not read it as source" },
	{ RULE_LIMIT, SEV_WARNING,
	  "an #if expression, cfg predicate or Rust syntax tree nested deeper than archport follows: that part is left undecided or unscanned",
	  "flatten the nesting (generated code?): archport follows 256 levels in #if and cfg, 1000 in Rust syntax" },
	{ RULE_PARSE, SEV_WARNING,
	  "a region of a .rs file that does not parse (truncated, unfinished, or not Rust): its items may be scanned only in part",
	  "fix the syntax at that line (does rustc accept the file?), then scan again" },
};

const struct rule_info *rule_all(size_t *count)
{
	*count = sizeof rules / sizeof rules[0];
	return rules;
}

const struct rule_info *rule_find(const char *id)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

const char *rule_doc(const char *id)
{
	for (size_t i = 0; i < rd_doc_count; i++)
		if (strcmp(rd_docs[i].rule, id) == 0)
			return rd_docs[i].text;
	return NULL;
}

int rule_is_input(const char *id)
{
	return strncmp(id, "input/", 6) == 0;
}
