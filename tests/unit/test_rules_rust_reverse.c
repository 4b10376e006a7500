/* End to end, the Rust scan of the reverse port (--target x86_64, source
 * aarch64): rust/asm-aarch64, rust/arch-aarch64, rust/target-feature and
 * rust/aarch64-registers, and that the same code is clean for aarch64.
 * Each test writes one .rs file (a crate root of its own) and scans it
 * in-process. What rustc itself says about these constructs is graded by
 * tests/test_rust.py on fixtures/rust-hyp; these pin the edges. */
#include <string.h>
#include "unit.h"

#define ASM "rust/asm-aarch64"
#define ARCH "rust/arch-aarch64"
#define FEATURE "rust/target-feature"
#define REGS "rust/aarch64-registers"

static void scan_src(const char *target, const char *src, struct tmptree *t, struct scan_result *r)
{
	tree_init(t);
	tree_file(t, "lib.rs", src);
	scan_tree(t, target, r);
}

static void done(struct tmptree *t, struct scan_result *r)
{
	scan_result_free(r);
	tree_cleanup(t);
}

static void expect_at(const struct scan_result *r, const char *rule, const char *sev, int line, int col,
		      const char *text)
{
	const struct rfinding *f = find_finding(r, rule, sev, "lib.rs", line);
	ck_assert_msg(f != NULL, "expected %s %s at line %d; the report has:\n%s", rule, sev, line, r->listing);
	ck_assert_msg(f->column == col, "%s at line %d: column %d, expected %d", rule, line, f->column, col);
	ck_assert_msg(!text || strstr(f->message, text), "%s at line %d: message lacks \"%s\": %s", rule, line, text,
		      f->message);
}

static const char sysreg_src[] =
	"pub fn hcr() -> u64 { let v: u64; unsafe { core::arch::asm!(\"mrs {}, hcr_el2\", out(reg) v) }; v }\n"
	"pub fn inc(a: u64) -> u64 { let r: u64; unsafe { core::arch::asm!(\"add {0}, {1}, #1\", out(reg) r, in(reg) a) }; r }\n"
	"pub fn call(f: u64) { unsafe { core::arch::asm!(\"\", in(\"x0\") f) } }\n"
	"pub fn lanes(f: u64) { unsafe { core::arch::asm!(\"/* {} */\", in(vreg) f) } }\n"
	"pub fn copy(a: u64) -> u64 { let r: u64; unsafe { core::arch::asm!(\"mov {0}, {1}\", out(reg) r, in(reg) a) }; r }\n";

START_TEST(aarch64_asm_on_x86_64)
{
	struct tmptree t;
	struct scan_result r;
	scan_src("x86_64", sysreg_src, &t, &r);
	expect_at(&r, ASM, "error", 1, 62, "aarch64 instruction `mrs`");
	expect_at(&r, ASM, "error", 2, 82, "aarch64 immediate");
	expect_at(&r, ASM, "error", 3, 53, "aarch64 register `x0`");
	expect_at(&r, ASM, "error", 4, 62, "aarch64 register class `vreg`");
	ck_assert_int_eq(r.errors, 4);   /* `mov {0}, {1}` reads on both */
	done(&t, &r);
	scan_src("aarch64", sysreg_src, &t, &r);
	ck_assert_msg(r.errors == 0 && r.warnings == 0, "aarch64 builds this:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(cfg_macro_branch_is_not_assembled)
{
	struct tmptree t;
	struct scan_result r;
	scan_src("x86_64",
		 "pub fn sync() { if cfg!(target_arch = \"aarch64\") { unsafe { core::arch::asm!(\"isb\") } } }\n"
		 "pub fn hvc(f: u64) { if cfg!(target_arch = \"aarch64\") { unsafe { core::arch::asm!(\"hvc #0\", in(\"x0\") f) } } }\n",
		 &t, &r);
	/* line 1: rustc drops the branch, the assembler never sees its template */
	ck_assert_msg(find_finding(&r, ASM, NULL, "lib.rs", 1) == NULL, "isb under cfg! reported:\n%s", r.listing);
	ck_assert_int_eq(r.errors, 1);
	EXPECT_FINDING(&r, ASM, "error", "lib.rs", 2);   /* its operand is checked at expansion */
	done(&t, &r);
}
END_TEST

START_TEST(neon_names_and_features)
{
	struct tmptree t;
	struct scan_result r;
	static const char src[] =
		"#[cfg(target_arch = \"aarch64\")]\n"
		"use core::arch::aarch64::*;\n"
		"#[target_feature(enable = \"neon\")]\n"
		"pub unsafe fn xor(a: *const u8, b: *const u8, o: *mut u8) { vst1q_u8(o, veorq_u8(vld1q_u8(a), vld1q_u8(b))) }\n"
		"#[target_feature(enable = \"aes\")]\n"
		"pub unsafe fn both_have_aes() {}\n"
		"pub fn neon() -> bool { std::arch::is_aarch64_feature_detected!(\"neon\") }\n";
	scan_src("x86_64", src, &t, &r);
	expect_at(&r, "rust/gated-x86", "note", 2, 5, "aarch64 intrinsics module");
	expect_at(&r, FEATURE, "error", 3, 3, "aarch64 target feature `neon`");
	expect_at(&r, ARCH, "error", 4, 61, "`vst1q_u8` is an intrinsic of core::arch::aarch64");
	expect_at(&r, ARCH, "error", 7, 25, "is_aarch64_feature_detected!");
	ck_assert_int_eq(r.errors, 3);   /* one per item; aes is an x86 feature too */
	done(&t, &r);
	scan_src("aarch64", src, &t, &r);
	ck_assert_msg(r.errors == 0, "aarch64 builds this:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(intrinsic_names_need_the_import)
{
	struct tmptree t;
	struct scan_result r;
	scan_src("x86_64", "pub fn vld1q_u8(p: *const u8) -> u8 { unsafe { *p } }\npub fn f(p: *const u8) -> u8 { vld1q_u8(p) }\n",
		 &t, &r);
	EXPECT_NO_FINDING(&r, ARCH, NULL, NULL);   /* the crate's own vld1q_u8 */
	done(&t, &r);
}
END_TEST

START_TEST(aarch64_register_struct)
{
	struct tmptree t;
	struct scan_result r;
	static const char src[] = "pub struct TrapFrame { pub x0: u64, pub x1: u64, pub elr_el2: u64, pub spsr_el2: u64 }\n"
				  "pub struct Point { pub x: u64, pub y: u64, pub pc: u64 }\n";
	scan_src("x86_64", src, &t, &r);
	expect_at(&r, REGS, "warning", 1, 12, "aarch64 register fields (x0, x1, elr_el2, spsr_el2)");
	ck_assert_int_eq(r.warnings, 1);
	done(&t, &r);
	scan_src("aarch64", src, &t, &r);
	EXPECT_NO_FINDING(&r, REGS, NULL, NULL);
	done(&t, &r);
}
END_TEST

Suite *rules_rust_reverse_suite(void)
{
	Suite *s = suite_create("rules-rust-reverse");
	TCase *tc = tcase_create("x86_64-target");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, aarch64_asm_on_x86_64);
	tcase_add_test(tc, cfg_macro_branch_is_not_assembled);
	tcase_add_test(tc, neon_names_and_features);
	tcase_add_test(tc, intrinsic_names_need_the_import);
	tcase_add_test(tc, aarch64_register_struct);
	suite_add_tcase(s, tc);
	return s;
}
