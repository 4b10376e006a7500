/* knowledge.h: the tables loaded for each target. The expectations are
 * what the cross compilers do (aarch64-linux-gnu-gcc, riscv64-linux-gnu-gcc
 * 12 on Debian), e.g. `-mgeneral-regs-only` is an aarch64 option too. */
#include <stdio.h>
#include <string.h>
#include "knowledge.h"
#include "unit.h"

static struct knowledge *ka, *kr, *kx;

static void load_knowledge(void)
{
	ka = knowledge_load("aarch64");
	kr = knowledge_load("riscv64");
	kx = knowledge_load("x86_64");
}

static void free_knowledge(void)
{
	knowledge_free(ka);
	knowledge_free(kr);
	knowledge_free(kx);
	ka = kr = kx = NULL;
}

static int has(const struct strmap *m, const char *key)
{
	return strmap_has(m, key, strlen(key));
}

static unsigned kinds(const struct knowledge *k, const char *name)
{
	const struct x86_name *x = knowledge_name(k, name, strlen(name));
	return x ? x->kinds : 0;
}

#define IN(map, key, target)                                                                 \
	ck_assert_msg(has((map), (key)), "%s: `%s` missing from " #map, (target), (key))
#define NOT_IN(map, key, target)                                                             \
	ck_assert_msg(!has((map), (key)), "%s: `%s` should not be in " #map, (target), (key))

static void expect_layout(const struct knowledge *k, const char *name, unsigned size, unsigned align)
{
	const struct x86_name *x = knowledge_name(k, name, strlen(name));
	ck_assert_msg(x && x->size == size && x->align == align, "%s: layout %u/%u, expected %u/%u", name,
		      x ? x->size : 0, x ? x->align : 0, size, align);
}

/* The placeholders' layouts: the source arch's (AAPCS64 for the NEON
 * types: a Q register type is 16 bytes aligned to 16, a tuple of them
 * keeps the alignment), none for SVE's sizeless types. */
START_TEST(type_layouts)
{
	expect_layout(ka, "__m128i", 16, 16);
	expect_layout(ka, "__m512i", 64, 64);
	expect_layout(kx, "uint8x16_t", 16, 16);
	expect_layout(kx, "uint8x16x2_t", 32, 16);
	expect_layout(kx, "int32x2x3_t", 24, 8);
	expect_layout(kx, "float64x1_t", 8, 8);
	expect_layout(kx, "svfloat32_t", 0, 0);
}
END_TEST

START_TEST(unknown_target_is_null)
{
	ck_assert_ptr_null(knowledge_load("sparc64"));
	ck_assert_ptr_null(knowledge_load(""));
	ck_assert_ptr_null(knowledge_load("AARCH64"));
	knowledge_free(NULL);   /* harmless */
}
END_TEST

START_TEST(target_rows)
{
	ck_assert_ptr_nonnull(ka);
	ck_assert_ptr_nonnull(kr);
	ck_assert_ptr_nonnull(kx);
	ck_assert_str_eq(ka->target, "aarch64");
	ck_assert_str_eq(ka->triple, "aarch64-linux-gnu");
	ck_assert_str_eq(kr->triple, "riscv64-linux-gnu");
	ck_assert_int_eq(ka->target_is_x86, 0);
	ck_assert_int_eq(kr->target_is_x86, 0);
	ck_assert_int_eq(kx->target_is_x86, 1);
	/* __attribute__((target("sse4.2"))): an error on aarch64, a warning on riscv64 */
	ck_assert_int_eq(ka->x86_target_attr, ATTR_ERROR);
	ck_assert_int_eq(kr->x86_target_attr, ATTR_IGNORED);
	/* x86_64's source is aarch64: target("+crc") is an error for x86_64 gcc */
	ck_assert_int_eq(kx->x86_target_attr, ATTR_ERROR);
	ck_assert_int_eq(kx->x86_pragma_target, ATTR_ERROR);
	const char *names = knowledge_target_names();
	ck_assert_msg(strstr(names, "aarch64") && strstr(names, "riscv64") && strstr(names, "x86_64"),
		      "target names: %s", names);
}
END_TEST

/* The reverse port: the aarch64 tables fill the same maps for x86_64. */
START_TEST(aarch64_names)
{
	ck_assert_str_eq(kx->source->name, "aarch64");
	ck_assert_str_eq(ka->source->name, "x86");
	ck_assert_uint_ne(kinds(kx, "uint8x16_t") & X86_TYPE, 0);
	ck_assert_uint_ne(kinds(kx, "svfloat32_t") & X86_TYPE, 0);
	ck_assert_uint_ne(kinds(kx, "vaddq_u8") & X86_INTRINSIC, 0);
	ck_assert_uint_eq(kinds(kx, "__crc32b"), 0);   /* x86's ia32intrin.h has it too */
	ck_assert_uint_eq(kinds(kx, "_mm_add_ps"), 0);
	ck_assert_int_eq(has(&kx->headers, "arm_neon.h"), 1);
	ck_assert_int_eq(has(&ka->headers, "arm_neon.h"), 0);
	ck_assert_int_eq(has(&kx->bad_mnemonics, "eret"), 1);
	ck_assert_int_eq(has(&kx->bad_march, "march=armv8-a"), 1);
	ck_assert_ptr_nonnull(knowledge_x86_register_class(kx, "hcr_el2", 7));
}
END_TEST

START_TEST(x86_names)
{
	ck_assert_uint_ne(kinds(ka, "__m128i") & X86_TYPE, 0);
	ck_assert_uint_ne(kinds(ka, "__m256d") & X86_TYPE, 0);
	ck_assert_uint_ne(kinds(ka, "_mm_add_ps") & X86_INTRINSIC, 0);
	ck_assert_uint_ne(kinds(ka, "_mm_pause") & X86_INTRINSIC, 0);
	ck_assert_uint_ne(kinds(ka, "REG_RIP") & X86_CONTEXT_REG, 0);
	ck_assert_uint_ne(kinds(ka, "JB_RSP") & X86_CONTEXT_REG, 0);
	ck_assert_uint_ne(kinds(ka, "outb") & X86_PORT_IO, 0);
	ck_assert_uint_ne(kinds(ka, "inl") & X86_PORT_IO, 0);
	ck_assert_uint_ne(kinds(ka, "ioperm") & X86_PORT_IO, 0);
	ck_assert_uint_ne(kinds(ka, "__x86_64__") & X86_ARCH_MACRO, 0);
	ck_assert_uint_ne(kinds(kr, "__m128i") & X86_TYPE, 0);
	ck_assert_uint_ne(kinds(kr, "REG_RIP") & X86_CONTEXT_REG, 0);

	const struct x86_name *x = knowledge_name(ka, "_mm_add_ps", 10);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_nonnull(x->header);
	ck_assert_str_eq(x->header, "xmmintrin.h");

	/* not x86 names */
	ck_assert_uint_eq(kinds(ka, "printf"), 0);
	ck_assert_uint_eq(kinds(ka, "vaddq_f32"), 0);
	ck_assert_uint_eq(kinds(ka, "int32x4_t"), 0);
	ck_assert_uint_eq(kinds(ka, "__m128ix"), 0);
	ck_assert_uint_eq(kinds(ka, "_mm_add_p"), 0);
	/* a prefix of a name is not the name */
	ck_assert_ptr_null(knowledge_name(ka, "_mm_add_ps", 9));
}
END_TEST

START_TEST(x86_target_has_no_x86_names)
{
	/* nothing is foreign on x86_64 */
	ck_assert_ptr_null(knowledge_name(kx, "_mm_add_ps", 10));
	ck_assert_ptr_null(knowledge_name(kx, "__m128i", 7));
	ck_assert_int_eq(has(&kx->headers, "immintrin.h"), 0);
	ck_assert_int_eq(has(&kx->bad_mflags, "-msse4.2"), 0);
}
END_TEST

START_TEST(missing_headers)
{
	IN(&ka->headers, "immintrin.h", "aarch64");
	IN(&ka->headers, "cpuid.h", "aarch64");
	IN(&ka->headers, "sys/io.h", "aarch64");
	IN(&ka->headers, "x86intrin.h", "aarch64");
	IN(&kr->headers, "immintrin.h", "riscv64");
	IN(&kr->headers, "sys/io.h", "riscv64");
	NOT_IN(&ka->headers, "stdio.h", "aarch64");
	NOT_IN(&ka->headers, "arm_neon.h", "aarch64");
	NOT_IN(&ka->headers, "sys/ucontext.h", "aarch64");
}
END_TEST

START_TEST(bad_constraints)
{
	static const char *const x86_regs[] = { "a", "b", "c", "d", "S", "D" };
	for (size_t i = 0; i < sizeof x86_regs / sizeof *x86_regs; i++) {
		IN(&ka->bad_constraints, x86_regs[i], "aarch64");
		IN(&kr->bad_constraints, x86_regs[i], "riscv64");
	}
	NOT_IN(&ka->bad_constraints, "r", "aarch64");
	NOT_IN(&ka->bad_constraints, "m", "aarch64");
	NOT_IN(&ka->bad_constraints, "i", "aarch64");
	NOT_IN(&ka->bad_constraints, "Q", "aarch64");   /* aarch64: single-register memory */
	NOT_IN(&ka->bad_constraints, "w", "aarch64");   /* aarch64: FP/SIMD register */
	NOT_IN(&kr->bad_constraints, "f", "riscv64");   /* riscv64: FP register */
}
END_TEST

START_TEST(bad_clobbers)
{
	static const char *const regs[] = { "eax", "rax", "xmm0", "flags" };
	for (size_t i = 0; i < sizeof regs / sizeof *regs; i++) {
		IN(&ka->bad_registers, regs[i], "aarch64");
		IN(&kr->bad_registers, regs[i], "riscv64");
	}
	NOT_IN(&ka->bad_registers, "memory", "aarch64");
	NOT_IN(&ka->bad_registers, "cc", "aarch64");
	NOT_IN(&ka->bad_registers, "x0", "aarch64");
	NOT_IN(&ka->bad_registers, "sp", "aarch64");   /* a register on aarch64 too */
	IN(&ka->x86_registers, "rsp", "aarch64");
	IN(&ka->x86_registers, "sp", "aarch64");
}
END_TEST

START_TEST(bad_mflags)
{
	IN(&ka->bad_mflags, "-msse4.2", "aarch64");
	IN(&ka->bad_mflags, "-mavx2", "aarch64");
	IN(&kr->bad_mflags, "-msse4.2", "riscv64");
	IN(&kr->bad_mflags, "-mavx2", "riscv64");
	NOT_IN(&ka->bad_mflags, "-march=", "aarch64");
	NOT_IN(&ka->bad_mflags, "-mcpu=", "aarch64");
	/* aarch64-linux-gnu-gcc accepts -mgeneral-regs-only; riscv64 does not */
	NOT_IN(&ka->bad_mflags, "-mgeneral-regs-only", "aarch64");
	IN(&kr->bad_mflags, "-mgeneral-regs-only", "riscv64");
}
END_TEST

START_TEST(bad_march)
{
	IN(&ka->bad_march, "march=haswell", "aarch64");
	IN(&ka->bad_march, "march=x86-64-v3", "aarch64");
	IN(&ka->bad_march, "mtune=k8", "aarch64");
	IN(&kr->bad_march, "march=haswell", "riscv64");
	NOT_IN(&ka->bad_march, "march=armv8-a", "aarch64");
	NOT_IN(&ka->bad_march, "mtune=generic", "aarch64");   /* aarch64 gcc has -mtune=generic */
	NOT_IN(&ka->bad_march, "haswell", "aarch64");         /* keys carry the option */
}
END_TEST

START_TEST(predefined_macros)
{
	IN(&ka->macros, "__aarch64__", "aarch64");
	IN(&ka->macros, "__ARM_NEON", "aarch64");
	IN(&ka->macros, "__CHAR_UNSIGNED__", "aarch64");
	NOT_IN(&ka->macros, "__x86_64__", "aarch64");
	NOT_IN(&ka->macros, "__SSE2__", "aarch64");
	NOT_IN(&ka->macros, "__riscv", "aarch64");
	IN(&kr->macros, "__riscv", "riscv64");
	NOT_IN(&kr->macros, "__aarch64__", "riscv64");
	const char *xlen = strmap_value(&kr->macros, "__riscv_xlen", 12);
	ck_assert_ptr_nonnull(xlen);
	ck_assert_str_eq(xlen, "64");
	IN(&kx->macros, "__x86_64__", "x86_64");
	IN(&kx->macros, "__SSE2__", "x86_64");
}
END_TEST

/* The row of `name` in k's register set, or NULL; *index gets its position. */
static const struct target_register *reg(const struct knowledge *k, const char *name, size_t *index)
{
	const struct target_register *regs;
	size_t n = knowledge_register_set(k, &regs);
	for (size_t i = 0; i < n; i++)
		if (strcmp(regs[i].name, name) == 0) {
			if (index)
				*index = i;
			return &regs[i];
		}
	return NULL;
}

#define REG(k, target, name, cls, type)                                                      \
	do {                                                                                 \
		const struct target_register *r_ = reg((k), (name), NULL);                   \
		ck_assert_msg(r_, "%s: register %s missing", (target), (name));              \
		ck_assert_str_eq(r_->reg_class, (cls));                                      \
		ck_assert_str_eq(r_->rust_type, (type));                                     \
		ck_assert_ptr_nonnull(r_->description);                                      \
	} while (0)

START_TEST(register_sets)
{
	char name[16];
	const struct target_register *regs;
	size_t n = knowledge_register_set(ka, &regs);
	/* aarch64: struct kvm_regs order, x0 first, then the EL1 system registers */
	ck_assert_uint_ge(n, 31 + 3 + 32 + 2 + 1);
	ck_assert_str_eq(regs[0].name, "x0");
	for (int i = 0; i <= 30; i++) {
		snprintf(name, sizeof name, "x%d", i);
		size_t at = 0;
		REG(ka, "aarch64", name, "gpr", "u64");
		reg(ka, name, &at);
		ck_assert_uint_eq(at, (size_t)i);
	}
	for (int i = 0; i <= 31; i++) {
		snprintf(name, sizeof name, "v%d", i);
		REG(ka, "aarch64", name, "fp", "u128");
	}
	REG(ka, "aarch64", "sp", "sp", "u64");
	REG(ka, "aarch64", "pc", "pc", "u64");
	REG(ka, "aarch64", "pstate", "flags", "u64");
	REG(ka, "aarch64", "fpcr", "fpctl", "u32");   /* struct user_fpsimd_state: __u32 */
	REG(ka, "aarch64", "fpsr", "fpctl", "u32");
	REG(ka, "aarch64", "sctlr_el1", "sysreg", "u64");
	REG(ka, "aarch64", "ttbr0_el1", "sysreg", "u64");
	REG(ka, "aarch64", "elr_el1", "sysreg", "u64");
	REG(ka, "aarch64", "spsr_el1", "sysreg", "u64");
	ck_assert_ptr_null(reg(ka, "x31", NULL));     /* x31 is sp or xzr, not a field */
	ck_assert_ptr_null(reg(ka, "rax", NULL));
	ck_assert_ptr_null(reg(ka, "ra", NULL));

	/* riscv64: user_regs_struct order, pc first, then x1..x31 by ABI name */
	n = knowledge_register_set(kr, &regs);
	ck_assert_uint_ge(n, 1 + 31 + 32 + 1 + 9);
	ck_assert_str_eq(regs[0].name, "pc");
	ck_assert_str_eq(regs[1].name, "ra");
	REG(kr, "riscv64", "pc", "pc", "u64");
	REG(kr, "riscv64", "ra", "gpr", "u64");
	REG(kr, "riscv64", "sp", "sp", "u64");
	REG(kr, "riscv64", "a0", "gpr", "u64");
	REG(kr, "riscv64", "t6", "gpr", "u64");
	REG(kr, "riscv64", "f0", "fp", "u64");
	REG(kr, "riscv64", "f31", "fp", "u64");
	REG(kr, "riscv64", "fcsr", "fpctl", "u32");   /* struct __riscv_d_ext_state: __u32 */
	REG(kr, "riscv64", "sstatus", "sysreg", "u64");
	REG(kr, "riscv64", "satp", "sysreg", "u64");
	ck_assert_ptr_null(reg(kr, "x0", NULL));
	ck_assert_ptr_null(reg(kr, "zero", NULL));
	ck_assert_ptr_null(reg(kr, "sctlr_el1", NULL));

	/* x86_64: no twin set */
	regs = (const struct target_register *)1;
	ck_assert_uint_eq(knowledge_register_set(kx, &regs), 0);
	ck_assert_ptr_null(regs);
}
END_TEST

Suite *knowledge_suite(void)
{
	Suite *s = suite_create("knowledge");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, unknown_target_is_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("tables");
	tcase_add_unchecked_fixture(tc, load_knowledge, free_knowledge);
	tcase_add_test(tc, target_rows);
	tcase_add_test(tc, x86_names);
	tcase_add_test(tc, x86_target_has_no_x86_names);
	tcase_add_test(tc, aarch64_names);
	tcase_add_test(tc, type_layouts);
	tcase_add_test(tc, missing_headers);
	tcase_add_test(tc, bad_constraints);
	tcase_add_test(tc, bad_clobbers);
	tcase_add_test(tc, bad_mflags);
	tcase_add_test(tc, bad_march);
	tcase_add_test(tc, predefined_macros);
	tcase_add_test(tc, register_sets);
	suite_add_tcase(s, tc);
	return s;
}
