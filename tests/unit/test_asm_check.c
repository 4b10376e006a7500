/* asm_check_text (asm_check.h) with the real knowledge of each target.
 * What is x86 follows what the target's GNU as says (checked with
 * aarch64-linux-gnu-gcc / riscv64-linux-gnu-gcc on the same templates). */
#include <string.h>
#include "asm_check.h"
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

static int check(const struct knowledge *k, const char *text, enum asm_dialect d, struct asm_issue *is)
{
	ck_assert_ptr_nonnull(k);
	memset(is, 0, sizeof *is);
	return asm_check_text(k, text, strlen(text), d, is);
}

/* x86 at byte `off`, `len` bytes long (len 0: any), `what` mentioning `word`. */
#define X86_AT(k, text, d, OFF_, LEN_, word)                                                      \
	do {                                                                                      \
		struct asm_issue is_;                                                             \
		int r_ = check((k), (text), (d), &is_);                                           \
		ck_assert_msg(r_ == 1, "%s: \"%s\" not reported as x86", (k)->target, (text));     \
		ck_assert_msg(is_.offset == (size_t)(OFF_) && ((LEN_) == 0 || is_.len == (size_t)(LEN_)), \
			      "%s: \"%s\": issue at %zu+%zu (%s), expected %d+%d", (k)->target,     \
			      (text), is_.offset, is_.len, is_.what, (OFF_), (LEN_));             \
		ck_assert_msg(strstr(is_.what, (word)) != NULL,                                   \
			      "%s: \"%s\": what is \"%s\", expected \"%s\" in it", (k)->target,    \
			      (text), is_.what, (word));                                          \
	} while (0)

#define CLEAN(k, text, d)                                                                     \
	do {                                                                                  \
		struct asm_issue is_;                                                         \
		int r_ = check((k), (text), (d), &is_);                                       \
		ck_assert_msg(r_ == 0, "%s: \"%s\" reported as x86: %s at %zu", (k)->target,   \
			      (text), is_.what, is_.offset);                                  \
	} while (0)

START_TEST(x86_instructions_on_aarch64)
{
	X86_AT(ka, "cpuid", ASM_TEMPLATE, 0, 5, "cpuid");
	X86_AT(ka, "rdtsc", ASM_TEMPLATE, 0, 5, "rdtsc");
	X86_AT(ka, "pause", ASM_TEMPLATE, 0, 5, "pause");
	X86_AT(ka, "  CPUID", ASM_TEMPLATE, 2, 5, "CPUID");   /* gas mnemonics are case-insensitive */
	X86_AT(ka, "cpuid", ASM_TEMPLATE, 0, 5, "instruction");
}
END_TEST

START_TEST(x86_instructions_on_riscv64)
{
	/* riscv64 gas (rv64gc) rejects `pause`: Zihintpause is not enabled */
	X86_AT(kr, "pause", ASM_TEMPLATE, 0, 5, "pause");
	X86_AT(kr, "cpuid", ASM_TEMPLATE, 0, 5, "cpuid");
	X86_AT(kr, "rdtsc", ASM_TEMPLATE, 0, 5, "rdtsc");
	/* `mov` is not a riscv mnemonic (riscv64-linux-gnu-as: unrecognized opcode) */
	X86_AT(kr, "mov %1, %0", ASM_TEMPLATE, 0, 3, "mov");
}
END_TEST

START_TEST(nop_and_empty_are_fine)
{
	CLEAN(ka, "", ASM_TEMPLATE);
	CLEAN(ka, "nop", ASM_TEMPLATE);
	CLEAN(ka, "   \n\t", ASM_TEMPLATE);
	CLEAN(kr, "", ASM_TEMPLATE);
	CLEAN(kr, "nop", ASM_TEMPLATE);
	CLEAN(ka, "", ASM_SOURCE);
	CLEAN(ka, "nop", ASM_SOURCE);
}
END_TEST

START_TEST(aarch64_code_is_fine)
{
	CLEAN(ka, "yield", ASM_TEMPLATE);
	CLEAN(ka, "dmb ish", ASM_TEMPLATE);
	CLEAN(ka, "isb", ASM_TEMPLATE);
	CLEAN(ka, "mrs %0, cntvct_el0", ASM_TEMPLATE);
	CLEAN(ka, "ldaxr %w0, [%1]", ASM_TEMPLATE);
	CLEAN(ka, "add %0, %1, #1", ASM_TEMPLATE);
	CLEAN(ka, "prfm pldl1keep, [%0]", ASM_TEMPLATE);
	CLEAN(ka, "mov x0, sp\n\tret", ASM_SOURCE);
	CLEAN(ka, "stp x29, x30, [sp, #-16]!", ASM_SOURCE);
}
END_TEST

START_TEST(riscv64_code_is_fine)
{
	CLEAN(kr, "fence rw, rw", ASM_TEMPLATE);
	CLEAN(kr, "rdtime %0", ASM_TEMPLATE);
	CLEAN(kr, "addi %0, %1, 1", ASM_TEMPLATE);
	CLEAN(kr, "mv a0, sp\n\tret", ASM_SOURCE);
}
END_TEST

START_TEST(shared_mnemonic_with_operand_refs)
{
	/* aarch64 has `mov` too; %0/%1 are operand references */
	CLEAN(ka, "mov %1, %0", ASM_TEMPLATE);
	CLEAN(ka, "mov %w0, %w1", ASM_TEMPLATE);
	CLEAN(ka, "mov %[dst], %[src]", ASM_TEMPLATE);
}
END_TEST

START_TEST(att_register_in_template)
{
	/* movl is x86-only; either the mnemonic or the operands give it away */
	struct asm_issue is;
	ck_assert_int_eq(check(ka, "movl $1, %%eax", ASM_TEMPLATE, &is), 1);
	ck_assert_msg(is.offset < 14, "issue offset %zu outside the text", is.offset);
	/* a shared mnemonic with an x86 register: %%eax is the register */
	X86_AT(ka, "mov $1, %%eax", ASM_TEMPLATE, 8, 5, "%%eax");
	X86_AT(ka, "mov %%rsp, %0", ASM_TEMPLATE, 4, 5, "register");
	X86_AT(kr, "movl $1, %%eax", ASM_TEMPLATE, 0, 4, "movl");
}
END_TEST

START_TEST(att_immediate_in_template)
{
	/* aarch64 as: "operand 1 must be an integer register -- `ror $0x11,x0'" */
	X86_AT(ka, "ror $0x11, %0", ASM_TEMPLATE, 4, 1, "immediate");
	X86_AT(ka, "mov $1, %0", ASM_TEMPLATE, 4, 1, "immediate");
	X86_AT(ka, "and $-16, %0", ASM_TEMPLATE, 4, 1, "immediate");
	/* the aarch64 form of the same rotate is fine */
	CLEAN(ka, "ror %w0, %w1, #17", ASM_TEMPLATE);
}
END_TEST

START_TEST(labels)
{
	X86_AT(ka, "1: pause", ASM_TEMPLATE, 3, 5, "pause");
	X86_AT(ka, "%=: cpuid", ASM_TEMPLATE, 4, 5, "cpuid");
	X86_AT(ka, "retry: rdtsc", ASM_TEMPLATE, 7, 5, "rdtsc");
	CLEAN(ka, "1:\n\tnop\n\tb 1b", ASM_TEMPLATE);
	CLEAN(ka, "loop%=:\n\tyield\n\tcbnz %0, loop%=", ASM_TEMPLATE);
	CLEAN(ka, "retry:\n\tldaxr %w0, [%1]", ASM_TEMPLATE);
}
END_TEST

START_TEST(multiple_statements)
{
	X86_AT(ka, "nop\n\tcpuid", ASM_TEMPLATE, 5, 5, "cpuid");
	X86_AT(ka, "nop; rdtsc", ASM_TEMPLATE, 5, 5, "rdtsc");
	X86_AT(ka, "yield\n\tnop; pause", ASM_TEMPLATE, 12, 5, "pause");
	X86_AT(ka, "dmb ish\n\tisb\n\tcpuid\n\tnop", ASM_TEMPLATE, 14, 5, "cpuid");
	CLEAN(ka, "dmb ish\n\tisb; nop\n", ASM_TEMPLATE);
}
END_TEST

START_TEST(x86_directives)
{
	X86_AT(ka, ".code64", ASM_SOURCE, 0, 7, "directive");
	X86_AT(ka, "nop\n.code32", ASM_SOURCE, 4, 7, ".code32");
	X86_AT(ka, ".intel_syntax noprefix", ASM_TEMPLATE, 0, 13, ".intel_syntax");
	X86_AT(kr, ".code64", ASM_SOURCE, 0, 7, "directive");
	CLEAN(ka, ".text", ASM_SOURCE);
	CLEAN(ka, ".p2align 4", ASM_SOURCE);
	CLEAN(ka, ".globl f\n.type f, %function", ASM_SOURCE);
	CLEAN(ka, ".balign 8\n.quad 0", ASM_SOURCE);
}
END_TEST

START_TEST(source_dialect)
{
	X86_AT(ka, "movq %rsp, (%rdi)", ASM_SOURCE, 0, 4, "movq");
	/* a shared mnemonic: the %register is what aarch64 as rejects */
	X86_AT(ka, "\tmov %rsp, %rbp", ASM_SOURCE, 5, 4, "%rsp");
	X86_AT(kr, "movq %rsp, (%rdi)", ASM_SOURCE, 0, 4, "movq");
	X86_AT(ka, "ctx_switch: movq %rsi, %rsp", ASM_SOURCE, 12, 4, "movq");
}
END_TEST

START_TEST(intel_syntax_registers)
{
	X86_AT(ka, "mov rax, rbx", ASM_SOURCE, 4, 3, "rax");
	X86_AT(ka, "mov eax, 1", ASM_TEMPLATE, 4, 3, "eax");
	CLEAN(ka, "mov x0, x1", ASM_SOURCE);
	CLEAN(ka, "mov w0, #1", ASM_SOURCE);
}
END_TEST

START_TEST(x86_target_reports_nothing)
{
	ck_assert_ptr_nonnull(kx);
	CLEAN(kx, "cpuid", ASM_TEMPLATE);
	CLEAN(kx, "movl $1, %%eax", ASM_TEMPLATE);
	CLEAN(kx, "movq %rsp, (%rdi)", ASM_SOURCE);
	CLEAN(kx, ".code64", ASM_SOURCE);
}
END_TEST

START_TEST(what_is_bounded)
{
	/* a very long word must not overflow `what` */
	char text[400];
	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	struct asm_issue is;
	check(ka, text, ASM_SOURCE, &is);
	ck_assert_uint_lt(strlen(is.what), sizeof is.what);
	memcpy(text, ".code64 ", 8);
	ck_assert_int_eq(check(ka, text, ASM_SOURCE, &is), 1);
	ck_assert_uint_lt(strlen(is.what), sizeof is.what);
}
END_TEST

Suite *asm_check_suite(void)
{
	Suite *s = suite_create("asm_check");
	TCase *tc = tcase_create("templates");
	tcase_add_unchecked_fixture(tc, load_knowledge, free_knowledge);
	tcase_add_test(tc, x86_instructions_on_aarch64);
	tcase_add_test(tc, x86_instructions_on_riscv64);
	tcase_add_test(tc, nop_and_empty_are_fine);
	tcase_add_test(tc, aarch64_code_is_fine);
	tcase_add_test(tc, riscv64_code_is_fine);
	tcase_add_test(tc, shared_mnemonic_with_operand_refs);
	tcase_add_test(tc, att_register_in_template);
	tcase_add_test(tc, att_immediate_in_template);
	tcase_add_test(tc, labels);
	tcase_add_test(tc, multiple_statements);
	tcase_add_test(tc, x86_directives);
	tcase_add_test(tc, source_dialect);
	tcase_add_test(tc, intel_syntax_registers);
	tcase_add_test(tc, x86_target_reports_nothing);
	tcase_add_test(tc, what_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}
