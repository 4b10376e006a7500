/* End to end, the crate-wide path resolution of rust_resolve.c:
 * rust/gated-use and rust/target-dependency. The compiler-graded fixtures
 * (tests/test_rust.py) hold the main cases; these pin down the shapes that
 * real trees (cloud-hypervisor, firecracker, kvm-ioctls) showed must give
 * no error: gates the x86_64 build shares, #[cfg] on match arms, fn-local
 * `use` declarations, locals named like a gated import. */
#include <string.h>
#include "unit.h"

#define GATED_USE "rust/gated-use"
#define TARGET_DEP "rust/target-dependency"

static const char toml[] = "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n"
			   "[features]\ndefault = []\nextra = []\n";

static void scan_lib(const char *lib, const char *target, struct tmptree *t, struct scan_result *r)
{
	tree_init(t);
	tree_file(t, "Cargo.toml", toml);
	tree_file(t, "src/lib.rs", lib);
	scan_tree(t, target, r);
}

static void done(struct tmptree *t, struct scan_result *r)
{
	scan_result_free(r);
	tree_cleanup(t);
}

START_TEST(gated_module_used_by_name)
{
	struct tmptree t;
	struct scan_result r;
	scan_lib("#[cfg(target_arch = \"x86_64\")]\nmod x86 { pub fn ticks() -> u64 { 0 } }\n\n"
		 "pub fn now() -> u64 {\n    x86::ticks()\n}\n",
		 "aarch64", &t, &r);
	const struct rfinding *f = find_finding(&r, GATED_USE, "error", "src/lib.rs", 5);
	ck_assert_msg(f != NULL, "no rust/gated-use error at src/lib.rs:5:\n%s", r.listing);
	ck_assert_msg(strstr(f->message, "`x86::ticks`") && strstr(f->message, "src/lib.rs:2"), "%s", f->message);
	done(&t, &r);
	scan_lib("#[cfg(target_arch = \"x86_64\")]\nmod x86 { pub fn ticks() -> u64 { 0 } }\n\n"
		 "pub fn now() -> u64 {\n    x86::ticks()\n}\n",
		 "x86_64", &t, &r);
	EXPECT_NO_FINDING(&r, GATED_USE, NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(ported_twin_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_lib("#[cfg(target_arch = \"x86_64\")]\nconst MACHINE: u16 = 62;\n"
		 "#[cfg(target_arch = \"aarch64\")]\nconst MACHINE: u16 = 183;\n"
		 "pub fn machine() -> u16 { MACHINE }\n",
		 "aarch64", &t, &r);
	EXPECT_NO_FINDING(&r, GATED_USE, NULL, NULL);
	done(&t, &r);
	/* riscv64 has no arm: the same code fails there */
	scan_lib("#[cfg(target_arch = \"x86_64\")]\nconst MACHINE: u16 = 62;\n"
		 "#[cfg(target_arch = \"aarch64\")]\nconst MACHINE: u16 = 183;\n"
		 "pub fn machine() -> u16 { MACHINE }\n",
		 "riscv64", &t, &r);
	ck_assert_msg(find_finding(&r, GATED_USE, "error", "src/lib.rs", 5) != NULL, "%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(host_shared_gates_are_not_porting_errors)
{
	struct tmptree t;
	struct scan_result r;
	/* a feature the default build lacks gates the item and (somewhere
	 * archport does not follow) its use: x86_64 has the same gate */
	scan_lib("#[cfg(feature = \"extra\")]\nfn extra() -> u32 { 1 }\n"
		 "pub fn f() -> u32 { extra() }\n",
		 "aarch64", &t, &r);
	EXPECT_NO_FINDING(&r, GATED_USE, NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(match_arm_cfg_covers_the_arm)
{
	struct tmptree t;
	struct scan_result r;
	scan_lib("pub enum D { A, B }\n#[cfg(target_arch = \"x86_64\")]\nfn b() -> u32 { 2 }\n"
		 "pub fn f(d: D) -> u32 {\n    match d {\n        D::A => 1,\n"
		 "        #[cfg(target_arch = \"x86_64\")]\n        D::B => b(),\n"
		 "        #[cfg(not(target_arch = \"x86_64\"))]\n        D::B => 0,\n    }\n}\n",
		 "aarch64", &t, &r);
	EXPECT_NO_FINDING(&r, GATED_USE, NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(local_use_and_locals_shadow)
{
	struct tmptree t;
	struct scan_result r;
	scan_lib("#[cfg(target_arch = \"x86_64\")]\nuse crate::acpi;\npub mod acpi { pub const A: u8 = 1; }\n"
		 "#[cfg(target_arch = \"x86_64\")]\nuse std::fs;\n"
		 "pub fn f() -> u8 {\n    use crate::acpi;\n    let fs = 3u8;\n    acpi::A + fs\n}\n",
		 "aarch64", &t, &r);
	EXPECT_NO_FINDING(&r, GATED_USE, NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(target_specific_dependency)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Cargo.toml", "[package]\nname = \"t\"\nversion = \"0.1.0\"\n\n"
				    "[target.'cfg(target_arch = \"x86_64\")'.dependencies]\ncpuid = { path = \"cpuid\" }\n"
				    "[target.'cfg(unix)'.dependencies]\nposix = { path = \"posix\" }\n");
	tree_file(&t, "src/lib.rs", "use cpuid::vendor;\nuse posix::getpid;\npub fn f() {}\n");
	tree_file(&t, "cpuid/Cargo.toml", "[package]\nname = \"cpuid\"\nversion = \"0.1.0\"\n");
	tree_file(&t, "cpuid/src/lib.rs", "pub fn vendor() {}\n");
	tree_file(&t, "posix/Cargo.toml", "[package]\nname = \"posix\"\nversion = \"0.1.0\"\n");
	tree_file(&t, "posix/src/lib.rs", "pub fn getpid() {}\n");
	scan_tree(&t, "aarch64", &r);
	const struct rfinding *f = find_finding(&r, TARGET_DEP, "error", "src/lib.rs", 1);
	ck_assert_msg(f != NULL, "%s", r.listing);
	ck_assert_msg(strstr(f->message, "Cargo.toml:6"), "%s", f->message);
	ck_assert_msg(find_finding(&r, TARGET_DEP, NULL, "src/lib.rs", 2) == NULL, "cfg(unix) holds on aarch64:\n%s",
		      r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(glob_reexport_through_gated_module)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Cargo.toml", toml);
	tree_file(&t, "src/lib.rs", "pub mod arch;\npub mod vcpu;\n");
	tree_file(&t, "src/arch/mod.rs", "#[cfg(target_arch = \"x86_64\")]\nmod x86_64;\n"
					 "#[cfg(target_arch = \"x86_64\")]\npub use self::x86_64::*;\n");
	tree_file(&t, "src/arch/x86_64.rs", "pub struct Regs { pub rip: u64 }\n");
	tree_file(&t, "src/vcpu.rs", "use crate::arch::Regs;\npub fn pc(r: &Regs) -> u64 { 0 }\n"
				     "use crate::arch::NotThere;\n");
	scan_tree(&t, "aarch64", &r);
	const struct rfinding *f = find_finding(&r, GATED_USE, "error", "src/vcpu.rs", 1);
	ck_assert_msg(f != NULL, "%s", r.listing);
	ck_assert_msg(strstr(f->message, "src/arch/mod.rs:4"), "%s", f->message);
	/* a name no arm has: rustc fails on x86_64 too, not a porting error */
	ck_assert_msg(find_finding(&r, GATED_USE, NULL, "src/vcpu.rs", 3) == NULL, "%s", r.listing);
	done(&t, &r);
}
END_TEST

Suite *rust_resolve_suite(void)
{
	Suite *s = suite_create("rust-resolve");
	TCase *tc = tcase_create("gated-use");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, gated_module_used_by_name);
	tcase_add_test(tc, ported_twin_is_clean);
	tcase_add_test(tc, host_shared_gates_are_not_porting_errors);
	tcase_add_test(tc, match_arm_cfg_covers_the_arm);
	tcase_add_test(tc, local_use_and_locals_shadow);
	tcase_add_test(tc, target_specific_dependency);
	tcase_add_test(tc, glob_reexport_through_gated_module);
	suite_add_tcase(s, tc);
	return s;
}
