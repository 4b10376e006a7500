/* End to end, the C rules: each test writes a small tree, scans it with
 * `archport scan --format json` (in-process) and checks the findings.
 * Every negative case is code the cross compilers accept as it stands
 * (checked with aarch64-linux-gnu-gcc / riscv64-linux-gnu-gcc -c). */
#include <stdio.h>
#include <string.h>
#include "unit.h"

#define A64 "aarch64"
#define RV64 "riscv64"

/* One file, one scan: the common shape of these tests. */
static void scan_one_file(const char *target, const char *rel, const char *src, struct tmptree *t,
			  struct scan_result *r)
{
	tree_init(t);
	tree_file(t, rel, src);
	scan_tree(t, target, r);
}

static void done(struct tmptree *t, struct scan_result *r)
{
	scan_result_free(r);
	tree_cleanup(t);
}

/* ---- c/asm-x86 ---- */

START_TEST(asm_x86_error)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "cpu.c",
		      "void serialize(void)\n"
		      "{\n"
		      "\t__asm__ volatile(\"cpuid\" ::: \"memory\");\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "cpu.c", 3);
	const struct rfinding *f = find_finding(&r, "c/asm-x86", "error", "cpu.c", 3);
	ck_assert_int_eq(f->column, 19);   /* the template string */
	ck_assert_msg(strstr(f->message, "cpuid") != NULL, "message: %s", f->message);
	ck_assert_int_eq(r.errors, 1);
	ck_assert_int_eq(r.rc, 1);
	done(&t, &r);

	scan_one_file(RV64, "cpu.c", "void s(void) { __asm__ volatile(\"rdtsc\"); }\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "cpu.c", 1);
	done(&t, &r);
}
END_TEST

/* An x86 name passed to an in-tree macro is code only when the target's
 * definition of the macro uses that argument (checked with
 * aarch64-linux-gnu-gcc: the first file compiles, the second fails at
 * `_mm_getcsr`). */
START_TEST(intrinsic_in_macro_argument)
{
	struct tmptree t;
	struct scan_result r;
	const char *unused =
		"#if defined(__x86_64__)\n"
		"#include <xmmintrin.h>\n"
		"#define CALL(x86, other) x86()\n"
		"#elif __has_include(<project_simd.h>)\n"
		"#define CALL(x86, other) (other() + 1)\n"
		"#else\n"
		"#define CALL(x86, other) other()\n"
		"#endif\n"
		"static int portable(void) { return 1; }\n"
		"int f(void) { return CALL(_mm_getcsr, portable); }\n";
	scan_one_file(A64, "csr.c", unused, &t, &r);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.warnings, 0);
	done(&t, &r);

	const char *used =
		"#if defined(__x86_64__)\n"
		"#define CALL(x86, other) x86()\n"
		"#else\n"
		"#define CALL(x86, other) (other() + x86())\n"
		"#endif\n"
		"static int portable(void) { return 1; }\n"
		"int f(void) { return CALL(_mm_getcsr, portable); }\n";
	scan_one_file(A64, "csr.c", used, &t, &r);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "error", "csr.c", 7);
	done(&t, &r);

	/* an arm archport cannot decide may be the live one: it uses the
	 * argument, so the name is a warning (gcc takes the #else arm here,
	 * having no such header; archport does not know the include path) */
	const char *maybe =
		"#if __has_include(<project_simd.h>)\n"
		"#define CALL(x86, other) x86()\n"
		"#else\n"
		"#define CALL(x86, other) other()\n"
		"#endif\n"
		"static int portable(void) { return 1; }\n"
		"int f(void) { return CALL(_mm_getcsr, portable); }\n";
	scan_one_file(A64, "csr.c", maybe, &t, &r);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "warning", "csr.c", 7);
	ck_assert_int_eq(r.errors, 0);
	done(&t, &r);
}
END_TEST

START_TEST(asm_x86_aarch64_code_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "relax.c",
		      "static inline void relax(void) { __asm__ volatile(\"yield\" ::: \"memory\"); }\n"
		      "static inline void barrier(void) { __asm__ volatile(\"dmb ish\" ::: \"memory\"); }\n"
		      "unsigned long ticks(void)\n"
		      "{\n"
		      "\tunsigned long v;\n"
		      "\t__asm__ volatile(\"mrs %0, cntvct_el0\" : \"=r\"(v));\n"
		      "\trelax();\n"
		      "\tbarrier();\n"
		      "\treturn v;\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);
}
END_TEST

START_TEST(asm_x86_gated_arm_is_a_note)
{
	static const char src[] =
		"static inline void cpu_relax(void)\n"
		"{\n"
		"#if defined(__x86_64__) || defined(__i386__)\n"
		"\t__asm__ volatile(\"pause\");\n"
		"#elif defined(__aarch64__)\n"
		"\t__asm__ volatile(\"yield\");\n"
		"#endif\n"
		"}\n"
		"void spin(void) { cpu_relax(); }\n";
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "relax.c", src, &t, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "relax.c", 4);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);
}
END_TEST

START_TEST(asm_x86_basic_asm_with_att_registers)
{
	/* basic asm (no operands): %rsp is a register, not an operand.
	 * aarch64-linux-gnu-gcc: "operand 1 must be an integer register --
	 * `mov %rsp,%rbp'" */
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "frame.c", "void f(void)\n{\n\t__asm__ volatile(\"mov %rsp, %rbp\");\n}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "frame.c", 3);
	done(&t, &r);
}
END_TEST

START_TEST(asm_x86_toplevel_asm)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "entry.c",
		      "__asm__(\".globl entry\\n\"\n"
		      "        \"entry:\\n\"\n"
		      "        \"\\tmovq %rsp, %rdi\\n\"\n"
		      "        \"\\tret\\n\");\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "entry.c", 3);
	done(&t, &r);
}
END_TEST

/* ---- c/asm-constraint, c/asm-clobber ---- */

START_TEST(asm_constraint)
{
	struct tmptree t;
	struct scan_result r;
	/* aarch64-linux-gnu-gcc: "impossible constraint in 'asm'" */
	scan_one_file(A64, "c.c",
		      "unsigned lo(void)\n"
		      "{\n"
		      "\tunsigned v;\n"
		      "\t__asm__ volatile(\"\" : \"=a\"(v));\n"
		      "\treturn v;\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-constraint", "error", "c.c", 4);
	done(&t, &r);

	scan_one_file(A64, "c.c",
		      "unsigned lo(unsigned x)\n"
		      "{\n"
		      "\tunsigned v;\n"
		      "\t__asm__ volatile(\"mov %w0, %w1\" : \"=r\"(v) : \"r\"(x) : \"memory\");\n"
		      "\treturn v;\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(asm_constraint_aarch64_multiletter)
{
	/* aarch64's own constraints: flag outputs (=@cc<cond>, GCC 10+) and
	 * Ump (a load/store-pair address); aarch64-linux-gnu-gcc -c accepts both */
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "a64.c",
		      "int is_equal(long a, long b)\n"
		      "{\n"
		      "\tint eq;\n"
		      "\t__asm__(\"cmp %1, %2\" : \"=@cceq\"(eq) : \"r\"(a), \"r\"(b));\n"
		      "\treturn eq;\n"
		      "}\n"
		      "void st(long *p, long a, long b)\n"
		      "{\n"
		      "\t__asm__ volatile(\"stp %1, %2, %0\" : \"=Ump\"(*p) : \"r\"(a), \"r\"(b));\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(asm_clobber)
{
	struct tmptree t;
	struct scan_result r;
	/* "unknown register name 'rax' in 'asm'" on both targets */
	scan_one_file(RV64, "k.c", "void f(void)\n{\n\t__asm__ volatile(\"\" ::: \"rax\", \"memory\");\n}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-clobber", "error", "k.c", 3);
	done(&t, &r);

	scan_one_file(A64, "k.c", "void f(void)\n{\n\t__asm__ volatile(\"\" ::: \"memory\", \"cc\");\n}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- c/intrinsic-x86, c/vector-type-x86, c/header-x86 ---- */

START_TEST(intrinsic)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "spin.c",
		      "void spin(void)\n"
		      "{\n"
		      "\t_mm_pause();\n"
		      "\t__builtin_ia32_pause();\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "error", "spin.c", 3);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "error", "spin.c", 4);
	done(&t, &r);

	scan_one_file(A64, "neon.c",
		      "#include <arm_neon.h>\n"
		      "float32x4_t add(float32x4_t a, float32x4_t b)\n"
		      "{\n"
		      "\tif (__builtin_expect(a[0] > 0, 1))\n"
		      "\t\treturn vaddq_f32(a, b);\n"
		      "\treturn b;\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(vector_type)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "vec.h",
		      "struct block {\n"
		      "\t__m128i lanes[4];\n"
		      "};\n", &t, &r);
	EXPECT_FINDING(&r, "c/vector-type-x86", "error", "vec.h", 2);
	done(&t, &r);

	scan_one_file(A64, "vec.h",
		      "typedef long long lane_t __attribute__((vector_size(16)));\n"
		      "struct block {\n"
		      "\tlane_t lanes[4];\n"
		      "};\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(header)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "h.c",
		      "#include <stdio.h>\n"
		      "#include <immintrin.h>\n"
		      "#include <cpuid.h>\n", &t, &r);
	EXPECT_FINDING(&r, "c/header-x86", "error", "h.c", 2);
	EXPECT_FINDING(&r, "c/header-x86", "error", "h.c", 3);
	ck_assert_int_eq(count_findings(&r, "c/header-x86", NULL, NULL), 2);
	done(&t, &r);

	scan_one_file(RV64, "io.c", "#include <sys/io.h>\n", &t, &r);
	EXPECT_FINDING(&r, "c/header-x86", "error", "io.c", 1);
	done(&t, &r);

	scan_one_file(A64, "h.c",
		      "#include <stdio.h>\n"
		      "#include <arm_neon.h>\n"
		      "#if defined(__x86_64__)\n"
		      "#include <immintrin.h>\n"
		      "#endif\n", &t, &r);
	EXPECT_NO_FINDING(&r, "c/header-x86", NULL, NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "h.c", 4);
	done(&t, &r);
}
END_TEST

START_TEST(header_through_macro)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "m.c",
		      "#define SIMD_HEADER <immintrin.h>\n"
		      "#include SIMD_HEADER\n", &t, &r);
	EXPECT_FINDING(&r, "c/header-x86", "error", "m.c", 2);
	done(&t, &r);
}
END_TEST

/* ---- c/error-directive, c/arch-chain ---- */

START_TEST(error_directive)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "page.h",
		      "#if defined(__x86_64__)\n"
		      "#define PAGE_SHIFT 12\n"
		      "#else\n"
		      "#error \"unsupported architecture\"\n"
		      "#endif\n", &t, &r);
	EXPECT_FINDING(&r, "c/error-directive", "error", "page.h", 4);
	const struct rfinding *f = find_finding(&r, "c/error-directive", "error", "page.h", 4);
	ck_assert_msg(strstr(f->message, "unsupported architecture") != NULL, "message: %s", f->message);
	done(&t, &r);

	/* a target arm: the #error is not reached */
	scan_one_file(A64, "page.h",
		      "#if defined(__x86_64__)\n"
		      "#define PAGE_SHIFT 12\n"
		      "#elif defined(__aarch64__) || defined(__riscv)\n"
		      "#define PAGE_SHIFT 12\n"
		      "#else\n"
		      "#error \"unsupported architecture\"\n"
		      "#endif\n"
		      "int shift = PAGE_SHIFT;\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);

	/* an #error in the x86 arm is not reached either */
	scan_one_file(RV64, "x.h",
		      "#if defined(__i386__)\n"
		      "#error \"32-bit x86 is not supported\"\n"
		      "#endif\n", &t, &r);
	EXPECT_NO_FINDING(&r, "c/error-directive", NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(arch_chain_typedef)
{
	/* typedefs are what such a chain defines too: a plain one, a function
	 * pointer type, a struct; the unused one is no error */
	static const char chain[] =
		"#if defined(__x86_64__)\n"
		"typedef unsigned long word_t;\n"
		"typedef void (*hook_fn)(int code);\n"
		"typedef struct { int a; } pair_t __attribute__((aligned(8)));\n"
		"typedef int unused_t;\n"
		"#elif defined(__i386__)\n"
		"typedef unsigned int word_t;\n"
		"#endif\n"
		"word_t w;\n"
		"hook_fn h;\n"
		"pair_t p;\n";
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "chain.c", chain, &t, &r);
	EXPECT_FINDING(&r, "c/arch-chain", "error", "chain.c", 9);
	EXPECT_FINDING(&r, "c/arch-chain", "error", "chain.c", 10);
	EXPECT_FINDING(&r, "c/arch-chain", "error", "chain.c", 11);
	ck_assert_int_eq(count_findings(&r, "c/arch-chain", "error", NULL), 3);
	const struct rfinding *f = find_finding(&r, "c/arch-chain", "error", "chain.c", 10);
	ck_assert_msg(strstr(f->message, "`hook_fn`") != NULL, "message: %s", f->message);
	done(&t, &r);

	/* with an #else arm, or a generic typedef before the chain, nothing */
	scan_one_file(RV64, "chain.c",
		      "#if defined(__x86_64__)\n"
		      "typedef unsigned long word_t;\n"
		      "#else\n"
		      "typedef unsigned long long word_t;\n"
		      "#endif\n"
		      "word_t w;\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
	scan_one_file(RV64, "chain.c",
		      "typedef long word_t;\n"
		      "#if defined(__x86_64__)\n"
		      "typedef long word_t;\n"
		      "#endif\n"
		      "word_t w;\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(arch_chain)
{
	static const char x86_ppc_only[] =
		"#if defined(__x86_64__)\n"
		"#define CACHE_LINE 64\n"
		"#elif defined(__powerpc64__)\n"
		"#define CACHE_LINE 128\n"
		"#endif\n"
		"int line_size = CACHE_LINE;\n";
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "chain.c", x86_ppc_only, &t, &r);
	EXPECT_FINDING(&r, "c/arch-chain", "error", "chain.c", 6);
	const struct rfinding *f = find_finding(&r, "c/arch-chain", "error", "chain.c", 6);
	ck_assert_msg(strstr(f->message, "CACHE_LINE") != NULL, "message: %s", f->message);
	done(&t, &r);

	/* an aarch64 arm: fine on aarch64, still missing on riscv64 */
	static const char with_aarch64[] =
		"#if defined(__x86_64__)\n"
		"#define CACHE_LINE 64\n"
		"#elif defined(__aarch64__)\n"
		"#define CACHE_LINE 64\n"
		"#endif\n"
		"int line_size = CACHE_LINE;\n";
	scan_one_file(A64, "chain.c", with_aarch64, &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
	scan_one_file(RV64, "chain.c", with_aarch64, &t, &r);
	EXPECT_FINDING(&r, "c/arch-chain", "error", "chain.c", 6);
	done(&t, &r);

	/* an #else arm covers every architecture */
	scan_one_file(RV64, "chain.c",
		      "#if defined(__x86_64__)\n"
		      "#define CACHE_LINE 64\n"
		      "#else\n"
		      "#define CACHE_LINE 128\n"
		      "#endif\n"
		      "int line_size = CACHE_LINE;\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- c/target-attribute ---- */

START_TEST(target_attribute)
{
	static const char src[] =
		"__attribute__((target(\"sse4.2\"))) int crc(void) { return 0; }\n"
		"#pragma GCC target(\"avx2\")\n"
		"int other(void) { return 1; }\n";
	struct tmptree t;
	struct scan_result r;
	/* aarch64-linux-gnu-gcc rejects both; riscv64-linux-gnu-gcc warns */
	scan_one_file(A64, "attr.c", src, &t, &r);
	EXPECT_FINDING(&r, "c/target-attribute", "error", "attr.c", 1);
	EXPECT_FINDING(&r, "c/target-attribute", "error", "attr.c", 2);
	done(&t, &r);
	scan_one_file(RV64, "attr.c", src, &t, &r);
	EXPECT_FINDING(&r, "c/target-attribute", "warning", "attr.c", 1);
	EXPECT_FINDING(&r, "c/target-attribute", "warning", "attr.c", 2);
	EXPECT_NO_FINDING(&r, "c/target-attribute", "error", NULL);
	done(&t, &r);

	/* the other spellings gcc takes: no parentheses, the _Pragma operator
	 * (on its own and in a macro, reported at the use) */
	static const char spellings[] =
		"#pragma GCC target \"popcnt\"\n"
		"_Pragma(\"GCC target(\\\"avx2\\\")\")\n"
		"#define FOR_AVX2 _Pragma(\"GCC target(\\\"avx2\\\")\")\n"
		"FOR_AVX2\n"
		"int f(void) { return 0; }\n";
	scan_one_file(A64, "attr.c", spellings, &t, &r);
	EXPECT_FINDING(&r, "c/target-attribute", "error", "attr.c", 1);
	EXPECT_FINDING(&r, "c/target-attribute", "error", "attr.c", 2);
	EXPECT_FINDING(&r, "c/target-attribute", "error", "attr.c", 4);
	ck_assert_int_eq(count_findings(&r, NULL, NULL, NULL), 3);
	done(&t, &r);
	scan_one_file(RV64, "attr.c", spellings, &t, &r);
	ck_assert_int_eq(count_findings(&r, "c/target-attribute", "warning", NULL), 3);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);

	/* an aarch64 target string is the target's own */
	scan_one_file(A64, "attr.c", "__attribute__((target(\"arch=armv8.2-a\"))) int f(void) { return 0; }\n", &t,
		      &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- c/context-register ---- */

START_TEST(context_register)
{
	static const char fault[] =
		"#define _GNU_SOURCE\n"
		"#include <ucontext.h>\n"
		"unsigned long fault_pc(void *ctx)\n"
		"{\n"
		"\tucontext_t *uc = ctx;\n"
		"\treturn uc->uc_mcontext.gregs[REG_RIP];\n"
		"}\n";
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "fault.c", fault, &t, &r);
	EXPECT_FINDING(&r, "c/context-register", "error", "fault.c", 6);
	done(&t, &r);
	scan_one_file(RV64, "fault.c", fault, &t, &r);
	EXPECT_FINDING(&r, "c/context-register", "error", "fault.c", 6);
	done(&t, &r);

	/* the file's own JB_RSP builds, but reads the wrong slot: a warning */
	scan_one_file(A64, "coro.c",
		      "#include <setjmp.h>\n"
		      "#define JB_RSP 6\n"
		      "void *saved_stack(jmp_buf env)\n"
		      "{\n"
		      "\treturn (void *)((long *)env)[JB_RSP];\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/context-register", "warning", "coro.c", 5);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);

	/* the aarch64 accessor */
	scan_one_file(A64, "fault.c",
		      "#define _GNU_SOURCE\n"
		      "#include <ucontext.h>\n"
		      "unsigned long fault_pc(const ucontext_t *uc)\n"
		      "{\n"
		      "\treturn uc->uc_mcontext.pc;\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- c/port-io ---- */

START_TEST(port_io)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "post.c", "void post(unsigned char code)\n{\n\toutb(code, 0x80);\n}\n", &t, &r);
	EXPECT_FINDING(&r, "c/port-io", "error", "post.c", 3);
	done(&t, &r);

	/* a struct member named like the function is not port I/O */
	scan_one_file(A64, "regs.c",
		      "struct regs { int inb, outb; };\n"
		      "int get(const struct regs *r)\n"
		      "{\n"
		      "\treturn r->inb + r->outb;\n"
		      "}\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- c/gated-x86 ---- */

START_TEST(gated_x86_note)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "g.c",
		      "void spin(void)\n"
		      "{\n"
		      "#if defined(__x86_64__)\n"
		      "\t_mm_pause();\n"
		      "#endif\n"
		      "#ifdef __SSE2__\n"
		      "\t__asm__ volatile(\"pause\");\n"
		      "#endif\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "g.c", 4);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "g.c", 7);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);

	/* an x86 arm without x86 code gives no note */
	scan_one_file(A64, "g.c",
		      "#if defined(__x86_64__)\n"
		      "#define CACHE_LINE 64\n"
		      "#else\n"
		      "#define CACHE_LINE 64\n"
		      "#endif\n"
		      "int line_size = CACHE_LINE;\n", &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- conditions archport cannot decide ---- */

START_TEST(macro_defined_in_another_file_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "config.h", "#define USE_SSE 1\n");
	tree_file(&t, "relax.c",
		  "void relax(void)\n"
		  "{\n"
		  "#ifdef USE_SSE\n"
		  "\t__asm__ volatile(\"pause\");\n"
		  "#endif\n"
		  "}\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "warning", "relax.c", 4);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	const struct rfinding *f = find_finding(&r, "c/asm-x86", "warning", "relax.c", 4);
	ck_assert_msg(strstr(f->message, "USE_SSE") != NULL, "message: %s", f->message);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);
}
END_TEST

START_TEST(macro_defined_by_the_build_under_an_undecidable_condition_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile", "ifdef FAST\nCFLAGS += -O2 -DUSE_SSE=1\nendif\nall: relax.o\n");
	tree_file(&t, "relax.c",
		  "#if USE_SSE\n"
		  "#include <emmintrin.h>\n"
		  "#endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/header-x86", "warning", "relax.c", 2);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);
}
END_TEST

/* A macro defined under a condition archport cannot decide is certain
 * further down inside that same #if (xxhash.h sets XXH_VECTOR under
 * XXH_IMPLEMENTATION and tests it below, under the same #if), and only
 * there. Checked with aarch64-linux-gnu-gcc: a file that defines
 * LIB_IMPLEMENTATION and includes vec.h compiles (LIB_VEC is 0 there);
 * one that includes fast.h fails at <emmintrin.h>. */
START_TEST(macro_defined_in_an_undecided_arm_is_certain_inside_it)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "config.c", "#define LIB_IMPLEMENTATION\n");
	tree_file(&t, "vec.h",
		  "#if defined(LIB_IMPLEMENTATION)\n"
		  "#  if defined(__SSE2__)\n"
		  "#    define LIB_VEC 2\n"
		  "#  else\n"
		  "#    define LIB_VEC 0\n"
		  "#  endif\n"
		  "#  if LIB_VEC == 2\n"
		  "#    include <emmintrin.h>\n"
		  "#  endif\n"
		  "#endif\n");
	tree_file(&t, "fast.h",
		  "#if defined(LIB_IMPLEMENTATION)\n"
		  "#  define LIB_FAST 1\n"
		  "#endif\n"
		  "#if LIB_FAST\n"
		  "#  include <emmintrin.h>\n"
		  "#endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "vec.h", 8);
	EXPECT_NO_FINDING(&r, NULL, "warning", "vec.h");
	EXPECT_FINDING(&r, "c/header-x86", "warning", "fast.h", 5);
	done(&t, &r);
}
END_TEST

START_TEST(macro_defined_in_the_same_file_is_decided)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "relax.c",
		      "#define USE_SSE 1\n"
		      "void relax(void)\n"
		      "{\n"
		      "#ifdef USE_SSE\n"
		      "\t__asm__ volatile(\"pause\");\n"
		      "#endif\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "relax.c", 5);
	done(&t, &r);

	/* ... and so is an #undef */
	scan_one_file(A64, "relax.c",
		      "#define USE_SSE 1\n"
		      "#undef USE_SSE\n"
		      "#ifdef USE_SSE\n"
		      "#include <emmintrin.h>\n"
		      "#endif\n", &t, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	done(&t, &r);
}
END_TEST

START_TEST(macro_defined_nowhere_is_false)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "dead.c",
		      "void relax(void)\n"
		      "{\n"
		      "#ifdef NEVER_DEFINED_ANYWHERE\n"
		      "\t__asm__ volatile(\"pause\");\n"
		      "\t_mm_pause();\n"
		      "#endif\n"
		      "}\n", &t, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);
}
END_TEST

START_TEST(has_builtin_ia32_is_false_off_x86)
{
	/* aarch64 gcc: __has_builtin(__builtin_ia32_pause) is 0, the file builds */
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "hb.c",
		      "void relax(void)\n"
		      "{\n"
		      "#if __has_builtin(__builtin_ia32_pause)\n"
		      "\t__builtin_ia32_pause();\n"
		      "#endif\n"
		      "}\n", &t, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	done(&t, &r);
}
END_TEST

/* SIMDe's native aliases, each case checked with aarch64-linux-gnu-gcc
 * -c and libsimde-dev 0.7.4: with SIMDE_ENABLE_NATIVE_ALIASES defined
 * before <simde/x86/sse2.h>, __m128i and _mm_add_epi32 compile (a.c: no
 * error, one note for the file); without it they do not (b.c: 3 errors);
 * _mm_shuffle_epi8 is SSSE3, which sse2.h does not define (c.c: 1 error);
 * a tree header that includes ssse3.h with the alias gives its includer
 * _mm_shuffle_epi8 (d.c: no error). */
START_TEST(simde_native_aliases_are_the_targets_names)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "a.c", "#define SIMDE_ENABLE_NATIVE_ALIASES\n#include <simde/x86/sse2.h>\n"
			     "__m128i f(__m128i a, __m128i b) { return _mm_add_epi32(a, b); }\n");
	tree_file(&t, "c.c", "#define SIMDE_ENABLE_NATIVE_ALIASES\n#include <simde/x86/sse2.h>\n"
			     "__m128i f(__m128i a, __m128i b) { return _mm_shuffle_epi8(a, b); }\n");
	tree_file(&t, "compat.h", "#define SIMDE_ENABLE_NATIVE_ALIASES\n#include <simde/x86/ssse3.h>\n");
	tree_file(&t, "d.c", "#include \"compat.h\"\n"
			     "__m128i f(__m128i a, __m128i b) { return _mm_shuffle_epi8(a, b); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", "a.c");
	EXPECT_FINDING(&r, "c/gated-x86", "note", "a.c", 3);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "error", "c.c", 3);
	EXPECT_NO_FINDING(&r, "c/vector-type-x86", NULL, "c.c");
	EXPECT_NO_FINDING(&r, NULL, "error", "d.c");
	done(&t, &r);
	/* alone in its tree: nothing else defines the alias macro */
	scan_one_file(A64, "b.c", "#include <simde/x86/sse2.h>\n"
				  "__m128i f(__m128i a, __m128i b) { return _mm_add_epi32(a, b); }\n", &t, &r);
	EXPECT_FINDING(&r, "c/vector-type-x86", "error", "b.c", 2);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "error", "b.c", 2);
	done(&t, &r);
}
END_TEST

/* The alias macro under a condition archport cannot decide (USE_SIMDE is
 * defined in another file of the tree, which e.c may get through the
 * build): whether the names exist depends on it, a warning. (aarch64 gcc
 * with -DUSE_SIMDE: no error; without: 3 errors.) */
START_TEST(simde_under_an_undecided_condition_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "other.c", "#define USE_SIMDE 1\n");
	tree_file(&t, "e.c", "#ifdef USE_SIMDE\n#define SIMDE_ENABLE_NATIVE_ALIASES\n#endif\n"
			     "#include <simde/x86/sse2.h>\n"
			     "__m128i f(__m128i a, __m128i b) { return _mm_add_epi32(a, b); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/intrinsic-x86", "warning", "e.c", 5);
	done(&t, &r);
}
END_TEST

START_TEST(runaway_macro_in_condition_terminates)
{
	/* gcc -E: `#if D` with `#define D (D + D)` is (0 + 0), false. A timeout
	 * here means the scan hangs: the evaluator expands both copies of D
	 * again, 2^depth times */
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "d.c",
		  "#define D (D + D)\n"
		  "#if D\n"
		  "#include <immintrin.h>\n"
		  "#endif\n");
	mark_point();   /* a timeout is reported at this line: the scan hung */
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);
}
END_TEST

/* ---- macros with x86 bodies ---- */

START_TEST(function_like_macro_unused_is_silent)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "relax.h",
		      "#define CPU_RELAX() __asm__ volatile(\"pause\")\n"
		      "#define SERIALIZE() __asm__ volatile(\"cpuid\" ::: \"eax\", \"ebx\", \"ecx\", \"edx\")\n",
		      &t, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(function_like_macro_used_is_an_error_at_the_use)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "spin.c",
		      "#define CPU_RELAX() __asm__ volatile(\"pause\")\n"
		      "void spin(volatile int *flag)\n"
		      "{\n"
		      "\twhile (!*flag)\n"
		      "\t\tCPU_RELAX();\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "spin.c", 5);
	ck_assert_int_eq(count_findings(&r, NULL, "error", NULL), 1);
	done(&t, &r);
}
END_TEST

START_TEST(object_like_macro_used_is_an_error_at_the_use)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "spin.c",
		      "#define RELAX __asm__ volatile(\"rep; nop\")\n"
		      "void spin(void)\n"
		      "{\n"
		      "\tRELAX;\n"
		      "}\n", &t, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "spin.c", 4);
	ck_assert_int_eq(count_findings(&r, NULL, "error", NULL), 1);
	done(&t, &r);
}
END_TEST

START_TEST(macro_from_included_header)
{
	/* #include MACRO resolved to an in-tree header, whose macro is used here */
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "arch_x86.h", "#define X86_RELAX() __asm__ volatile(\"pause\")\n");
	tree_file(&t, "spin.c",
		  "#define ARCH_HEADER \"arch_x86.h\"\n"
		  "#include ARCH_HEADER\n"
		  "void spin(void)\n"
		  "{\n"
		  "\tX86_RELAX();\n"
		  "}\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "spin.c", 5);
	EXPECT_NO_FINDING(&r, NULL, NULL, "arch_x86.h");
	done(&t, &r);
}
END_TEST

START_TEST(each_use_names_the_definition_it_expands)
{
	/* two files, each with its own CPU_RELAX, and a header with a third:
	 * every use names the #define the stub must gate */
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "spin_wait.h",
		  "#define CPU_RELAX() __asm__ volatile(\"pause\")\n"
		  "static inline void spin(volatile int *f) { while (!*f) CPU_RELAX(); }\n");
	tree_file(&t, "a.c", "\n#define CPU_RELAX() __asm__ volatile(\"pause\")\nvoid a(void) { CPU_RELAX(); }\n");
	tree_file(&t, "b.c", "#define CPU_RELAX() \\\n  __asm__ volatile(\"rep; nop\")\nvoid b(void) { CPU_RELAX(); }\n");
	tree_file(&t, "c.c", "#include \"spin_wait.h\"\nvoid c(volatile int *f) { spin(f); }\n");
	scan_tree(&t, A64, &r);
	const struct rfinding *fa = find_finding(&r, "c/asm-x86", "error", "a.c", 3);
	const struct rfinding *fb = find_finding(&r, "c/asm-x86", "error", "b.c", 3);
	const struct rfinding *fh = find_finding(&r, "c/asm-x86", "error", "spin_wait.h", 2);
	ck_assert_msg(fa && fb && fh, "a use is not reported; the report has:\n%s", r.listing);
	ck_assert_msg(strstr(fa->message, "(defined at a.c:2)"), "%s", fa->message);
	ck_assert_msg(strstr(fb->message, "(defined at b.c:1)"), "%s", fb->message);
	ck_assert_msg(strstr(fh->message, "(defined at spin_wait.h:1)"), "%s", fh->message);
	done(&t, &r);
}
END_TEST

/* ---- local shims ---- */

START_TEST(local_shim_suppresses_uses)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "sse_shim.h",
		  "#include <arm_neon.h>\n"
		  "typedef float32x4_t __m128;\n"
		  "static inline __m128 _mm_add_ps(__m128 a, __m128 b) { return vaddq_f32(a, b); }\n");
	tree_file(&t, "math.c",
		  "#include \"sse_shim.h\"\n"
		  "__m128 add(__m128 a, __m128 b)\n"
		  "{\n"
		  "\treturn _mm_add_ps(a, b);\n"
		  "}\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, NULL, "math.c");
	done(&t, &r);
}
END_TEST

START_TEST(local_shim_declaration_is_not_an_error)
{
	/* aarch64-linux-gnu-gcc -c compiles this file cleanly: its own
	 * definitions of __m128 and _mm_add_ps are not x86 uses */
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "sse_shim.c",
		      "#include <arm_neon.h>\n"
		      "typedef float32x4_t __m128;\n"
		      "static inline __m128 _mm_add_ps(__m128 a, __m128 b) { return vaddq_f32(a, b); }\n"
		      "__m128 add(__m128 a, __m128 b) { return _mm_add_ps(a, b); }\n", &t, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);
}
END_TEST

/* ---- headers of the tree ---- */

START_TEST(include_guarded_header_is_scanned)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "include/simd.h",
		  "#ifndef SIMD_H\n"
		  "#define SIMD_H\n"
		  "static inline void relax(void) { __asm__ volatile(\"pause\"); }\n"
		  "#endif\n");
	tree_file(&t, "include/other.h",
		  "#if !defined(OTHER_H)\n"
		  "#define OTHER_H\n"
		  "#include <immintrin.h>\n"
		  "#endif /* OTHER_H */\n");
	tree_file(&t, "src/main.c",
		  "#include \"simd.h\"\n"
		  "#include \"other.h\"\n"
		  "int main(void) { relax(); return 0; }\n");
	scan_tree(&t, A64, &r);
	/* the guard is decided (the header defines it itself): errors, not warnings */
	EXPECT_FINDING(&r, "c/asm-x86", "error", "include/simd.h", 3);
	EXPECT_FINDING(&r, "c/header-x86", "error", "include/other.h", 3);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	EXPECT_NO_FINDING(&r, NULL, NULL, "src/main.c");
	done(&t, &r);
}
END_TEST

START_TEST(include_guard_shared_by_two_headers)
{
	/* two headers with the same guard name (vendored copies, per-directory
	 * util.h): each one's guard is still undefined when it is first
	 * included, so its x86 code breaks the build, an error */
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "a/util.h",
		  "#ifndef UTIL_H\n"
		  "#define UTIL_H\n"
		  "static inline void relax(void) { __asm__ volatile(\"pause\"); }\n"
		  "#endif\n");
	tree_file(&t, "b/util.h",
		  "#ifndef UTIL_H\n"
		  "#define UTIL_H\n"
		  "int other(void);\n"
		  "#endif\n");
	tree_file(&t, "a/main.c", "#include \"util.h\"\nvoid f(void) { relax(); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "a/util.h", 3);
	done(&t, &r);
}
END_TEST

START_TEST(header_included_only_from_x86_arm_is_gated)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "arch/x86_relax.h", "static inline void relax(void) { __asm__ volatile(\"pause\"); }\n");
	tree_file(&t, "arch/arm_relax.h", "static inline void relax(void) { __asm__ volatile(\"yield\"); }\n");
	tree_file(&t, "spin.c",
		  "#if defined(__x86_64__)\n"
		  "#include \"arch/x86_relax.h\"\n"
		  "#else\n"
		  "#include \"arch/arm_relax.h\"\n"
		  "#endif\n"
		  "void spin(void) { relax(); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "arch/x86_relax.h", 1);
	done(&t, &r);

	/* included unconditionally somewhere else: the error stays */
	tree_init(&t);
	tree_file(&t, "arch/x86_relax.h", "static inline void relax(void) { __asm__ volatile(\"pause\"); }\n");
	tree_file(&t, "spin.c",
		  "#if defined(__x86_64__)\n"
		  "#include \"arch/x86_relax.h\"\n"
		  "#endif\n");
	tree_file(&t, "other.c", "#include \"arch/x86_relax.h\"\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "arch/x86_relax.h", 1);
	done(&t, &r);
}
END_TEST

/* A unity build's parts: .c files that main.c #includes, under a macro
 * nothing defines (sse-impl.c) or always (scalar-impl.c), never compiled
 * alone (the Makefile names them as prerequisites). Checked by hand:
 * `make CC=aarch64-linux-gnu-gcc` (and riscv64) builds this tree; with
 * scalar-impl.c using <emmintrin.h> it stops in scalar-impl.c ("fatal
 * error: emmintrin.h: No such file or directory"), while sse-impl.c never
 * gets an error. (sse4-strstr's avx2-*.cpp gave 630 false errors this way.) */
static void unity_tree(struct tmptree *t, const char *scalar)
{
	tree_init(t);
	tree_file(t, "main.c",
		  "#include \"kernels.h\"\n"
		  "#ifdef HAVE_SSE\n"
		  "#include \"sse-impl.c\"\n"
		  "#endif\n"
		  "#include \"scalar-impl.c\"\n"
		  "int main(void) { return sum(0); }\n");
	tree_file(t, "kernels.h", "int sum(int x);\n");
	tree_file(t, "sse-impl.c",
		  "#include <emmintrin.h>\n"
		  "static __m128i twice(__m128i a) { return _mm_add_epi8(a, a); }\n");
	tree_file(t, "scalar-impl.c", scalar);
	tree_file(t, "Makefile", "all: prog\nprog: main.c sse-impl.c scalar-impl.c\n\t$(CC) -O2 -o $@ main.c\n");
}

START_TEST(included_source_is_read_through_its_includer)
{
	struct tmptree t;
	struct scan_result r;
	unity_tree(&t, "int sum(int x) { return x + 1; }\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "sse-impl.c", 2);
	const struct rfinding *f = find_finding(&r, "c/gated-x86", "note", "sse-impl.c", 2);
	ck_assert_msg(strstr(f->message, "only code gated out for this target includes this file"), "%s", f->message);
	done(&t, &r);

	/* the part included unconditionally is compiled: its error stays */
	unity_tree(&t, "#include <emmintrin.h>\n"
		       "int sum(int x) { __m128i v = _mm_set1_epi32(x); return _mm_cvtsi128_si32(v); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/header-x86", "error", "scalar-impl.c", 1);
	EXPECT_NO_FINDING(&r, NULL, "error", "sse-impl.c");
	EXPECT_NO_FINDING(&r, NULL, "error", "main.c");
	done(&t, &r);
}
END_TEST

/* A header only an #include under an undecided condition reaches: the
 * Makefile passes -DHAVE_SSE only when the user sets SSE=1. Checked by
 * hand: `make CC=aarch64-linux-gnu-gcc` builds, `make
 * CC=aarch64-linux-gnu-gcc SSE=1` stops in sse.h ("fatal error:
 * emmintrin.h: No such file or directory"), and gcc builds both: sse.h
 * breaks only if that #include is compiled, a warning as for code in an
 * undecided #if arm (it was four errors). (A -D that only the recipe of
 * a goal `make` never builds passes is decided instead: not defined for
 * a plain build, make_goals.c.) */
START_TEST(header_behind_undecided_include_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "main.c", "#ifdef HAVE_SSE\n#include \"sse.h\"\n#endif\nint main(void) { return 0; }\n");
	tree_file(&t, "sse.h",
		  "#include <emmintrin.h>\n"
		  "static inline __m128i twice(__m128i a) { return _mm_add_epi8(a, a); }\n");
	tree_file(&t, "Makefile",
		  "FLAGS = -O2\n"
		  "ifeq ($(SSE),1)\n"
		  "FLAGS += -DHAVE_SSE\n"
		  "endif\n"
		  "all: prog\n"
		  "prog: main.c\n\t$(CC) $(FLAGS) -o $@ main.c\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/header-x86", "warning", "sse.h", 1);
	ck_assert_int_eq(count_findings(&r, NULL, "warning", "sse.h"), 4);
	const struct rfinding *f = find_finding(&r, "c/intrinsic-x86", "warning", "sse.h", 2);
	ck_assert_msg(f && strstr(f->message, "only if the #include at main.c:2 holds on aarch64"), "%s", r.listing);
	done(&t, &r);

	/* a file that includes it for certain keeps the errors */
	tree_init(&t);
	tree_file(&t, "main.c", "#ifdef HAVE_SSE\n#include \"sse.h\"\n#endif\nint main(void) { return 0; }\n");
	tree_file(&t, "sse.h",
		  "#include <emmintrin.h>\n"
		  "static inline __m128i twice(__m128i a) { return _mm_add_epi8(a, a); }\n");
	tree_file(&t, "kern.c", "#include \"sse.h\"\n");
	tree_file(&t, "Makefile",
		  "FLAGS_SSE = $(FLAGS) -DHAVE_SSE\n"
		  "all: prog\n"
		  "prog: main.c kern.c\n\t$(CC) -o $@ main.c kern.c\n"
		  "prog_sse: main.c\n\t$(CC) $(FLAGS_SSE) -o $@ main.c\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/header-x86", "error", "sse.h", 1);
	done(&t, &r);
}
END_TEST

/* CMake's include_directories(): src/k.cpp finds common.h in headers/,
 * whose aarch64 arm includes SIMDe; SIMDE_ENABLE_NATIVE_ALIASES comes
 * only with -DWANT=ON. Checked by hand with
 * -DCMAKE_CXX_COMPILER=aarch64-linux-gnu-g++: it builds with -DWANT=ON
 * and stops on "'__m128i' does not name a type" without: a warning. The
 * scan did not read include_directories, missed common.h and gave an
 * error (FastPFor: 26,318 errors in 4 files this way). */
START_TEST(cmake_include_directories_are_followed)
{
	static const char *const dirs[] = {
		"include_directories(headers)\n",
		"target_include_directories(k PRIVATE \"${CMAKE_CURRENT_SOURCE_DIR}/headers\")\n",
		"target_include_directories(k PUBLIC ./headers)\n",
	};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		struct tmptree t;
		struct scan_result r;
		char cmake[512];
		snprintf(cmake, sizeof cmake,
			 "cmake_minimum_required(VERSION 3.13)\nproject(k CXX)\nadd_library(k STATIC src/k.cpp)\n%s"
			 "if(WANT)\n target_compile_definitions(k PRIVATE SIMDE_ENABLE_NATIVE_ALIASES)\nendif()\n",
			 dirs[i]);
		tree_init(&t);
		tree_file(&t, "CMakeLists.txt", cmake);
		tree_file(&t, "headers/common.h",
			  "#pragma once\n#if defined(__x86_64__)\n#include <immintrin.h>\n"
			  "#elif defined(__aarch64__)\n#include <simde/x86/sse4.1.h>\n#endif\n");
		tree_file(&t, "src/k.cpp", "#include \"common.h\"\nstatic inline void f(const __m128i *a) { (void)a; }\n");
		scan_tree(&t, A64, &r);
		EXPECT_NO_FINDING(&r, NULL, "error", NULL);
		EXPECT_FINDING(&r, "c/vector-type-x86", "warning", "src/k.cpp", 2);
		done(&t, &r);
	}
}
END_TEST

START_TEST(source_built_only_for_x86_is_gated)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "SRCS = main.c\n"
		  "ifeq ($(ARCH),x86_64)\n"
		  "SRCS += sse_impl.c\n"
		  "endif\n");
	tree_file(&t, "main.c", "int main(void) { return 0; }\n");
	tree_file(&t, "sse_impl.c", "#include <immintrin.h>\nvoid f(void) { _mm_pause(); }\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "sse_impl.c", 1);
	done(&t, &r);
}
END_TEST

START_TEST(ported_tree_has_no_errors)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "include/cpu.h",
		  "#ifndef CPU_H\n"
		  "#define CPU_H\n"
		  "#if defined(__x86_64__) || defined(__i386__)\n"
		  "#include <immintrin.h>\n"
		  "#define cpu_relax() _mm_pause()\n"
		  "#define CACHE_LINE 64\n"
		  "#elif defined(__aarch64__)\n"
		  "#define cpu_relax() __asm__ volatile(\"yield\" ::: \"memory\")\n"
		  "#define CACHE_LINE 64\n"
		  "#elif defined(__riscv)\n"
		  "#define cpu_relax() __asm__ volatile(\"nop\")\n"
		  "#define CACHE_LINE 64\n"
		  "#else\n"
		  "#error \"port me\"\n"
		  "#endif\n"
		  "#endif\n");
	tree_file(&t, "src/spin.c",
		  "#include \"cpu.h\"\n"
		  "char pad[CACHE_LINE];\n"
		  "void spin(volatile int *f) { while (!*f) cpu_relax(); }\n");
	tree_file(&t, "Makefile",
		  "CFLAGS += -O2 -Iinclude\n"
		  "ifeq ($(shell uname -m),x86_64)\n"
		  "CFLAGS += -msse4.2\n"
		  "endif\n"
		  "spin.o: src/spin.c\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(r.errors == 0 && r.warnings == 0, "expected no errors or warnings; the report has:\n%s",
		      r.listing);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);

	tree_init(&t);
	tree_file(&t, "include/cpu.h",
		  "#if defined(__x86_64__)\n"
		  "#define cpu_relax() __asm__ volatile(\"pause\")\n"
		  "#elif defined(__riscv)\n"
		  "#define cpu_relax() __asm__ volatile(\"nop\")\n"
		  "#elif defined(__aarch64__)\n"
		  "#define cpu_relax() __asm__ volatile(\"yield\")\n"
		  "#endif\n");
	tree_file(&t, "src/spin.c", "#include \"../include/cpu.h\"\nvoid spin(void) { cpu_relax(); }\n");
	scan_tree(&t, RV64, &r);
	ck_assert_msg(r.errors == 0 && r.warnings == 0, "expected no errors or warnings; the report has:\n%s",
		      r.listing);
	done(&t, &r);
}
END_TEST

Suite *rules_c_suite(void)
{
	Suite *s = suite_create("rules-c");
	TCase *tc = tcase_create("asm");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, asm_x86_error);
	tcase_add_test(tc, intrinsic_in_macro_argument);
	tcase_add_test(tc, asm_x86_aarch64_code_is_clean);
	tcase_add_test(tc, asm_x86_gated_arm_is_a_note);
	tcase_add_test(tc, asm_x86_basic_asm_with_att_registers);
	tcase_add_test(tc, asm_x86_toplevel_asm);
	tcase_add_test(tc, asm_constraint);
	tcase_add_test(tc, asm_constraint_aarch64_multiletter);
	tcase_add_test(tc, asm_clobber);
	suite_add_tcase(s, tc);

	tc = tcase_create("names-headers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, intrinsic);
	tcase_add_test(tc, vector_type);
	tcase_add_test(tc, header);
	tcase_add_test(tc, header_through_macro);
	tcase_add_test(tc, context_register);
	tcase_add_test(tc, port_io);
	tcase_add_test(tc, target_attribute);
	suite_add_tcase(s, tc);

	tc = tcase_create("preprocessor");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, error_directive);
	tcase_add_test(tc, arch_chain);
	tcase_add_test(tc, arch_chain_typedef);
	tcase_add_test(tc, gated_x86_note);
	tcase_add_test(tc, macro_defined_in_another_file_is_a_warning);
	tcase_add_test(tc, macro_defined_by_the_build_under_an_undecidable_condition_is_a_warning);
	tcase_add_test(tc, macro_defined_in_the_same_file_is_decided);
	tcase_add_test(tc, macro_defined_in_an_undecided_arm_is_certain_inside_it);
	tcase_add_test(tc, macro_defined_nowhere_is_false);
	tcase_add_test(tc, has_builtin_ia32_is_false_off_x86);
	suite_add_tcase(s, tc);

	tc = tcase_create("runaway");
	tcase_set_timeout(tc, 8);
	tcase_add_test(tc, runaway_macro_in_condition_terminates);
	suite_add_tcase(s, tc);

	tc = tcase_create("macros-shims");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, function_like_macro_unused_is_silent);
	tcase_add_test(tc, function_like_macro_used_is_an_error_at_the_use);
	tcase_add_test(tc, object_like_macro_used_is_an_error_at_the_use);
	tcase_add_test(tc, macro_from_included_header);
	tcase_add_test(tc, each_use_names_the_definition_it_expands);
	tcase_add_test(tc, local_shim_suppresses_uses);
	tcase_add_test(tc, local_shim_declaration_is_not_an_error);
	tcase_add_test(tc, simde_native_aliases_are_the_targets_names);
	tcase_add_test(tc, simde_under_an_undecided_condition_is_a_warning);
	suite_add_tcase(s, tc);

	tc = tcase_create("tree");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, include_guarded_header_is_scanned);
	tcase_add_test(tc, include_guard_shared_by_two_headers);
	tcase_add_test(tc, header_included_only_from_x86_arm_is_gated);
	tcase_add_test(tc, source_built_only_for_x86_is_gated);
	tcase_add_test(tc, included_source_is_read_through_its_includer);
	tcase_add_test(tc, header_behind_undecided_include_is_a_warning);
	tcase_add_test(tc, cmake_include_directories_are_followed);
	tcase_add_test(tc, ported_tree_has_no_errors);
	suite_add_tcase(s, tc);
	return s;
}
