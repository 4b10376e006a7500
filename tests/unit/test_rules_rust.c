/* End to end, the Rust porting-work and runtime-hazard rules of
 * rust_hazard.c: rust/x86-registers, rust/x86-api, rust/build-x86 and
 * rust/jit-x86. Each test writes a small tree (no Cargo.toml unless the
 * test needs one: every .rs file is then a crate root of its own), scans
 * it in-process with `archport scan --format json` and checks the
 * findings. None of these rules may fire for the x86_64 target, or as more
 * than a note for code gated out for the target. */
#include <string.h>
#include "unit.h"

#define A64 "aarch64"
#define RV64 "riscv64"
#define X64 "x86_64"

#define REGISTERS "rust/x86-registers"
#define API "rust/x86-api"
#define BUILD "rust/build-x86"
#define JIT "rust/jit-x86"
#define GATED "rust/gated-x86"

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

/* The finding at rule/line, with its column and a piece of its message. */
static void expect_at(const struct scan_result *r, const char *rule, const char *sev, const char *file, int line,
		      int col, const char *text)
{
	const struct rfinding *f = find_finding(r, rule, sev, file, line);
	ck_assert_msg(f != NULL, "expected %s %s at %s:%d; the report has:\n%s", rule, sev, file, line, r->listing);
	ck_assert_msg(f->column == col, "%s at %s:%d: column %d, expected %d", rule, file, line, f->column, col);
	ck_assert_msg(!text || strstr(f->message, text), "%s at %s:%d: message lacks \"%s\": %s", rule, file, line,
		      text, f->message);
}

/* None of the four rules, at any severity, nor a note they turned into. */
static void expect_none_of_ours(const struct scan_result *r)
{
	EXPECT_NO_FINDING(r, REGISTERS, NULL, NULL);
	EXPECT_NO_FINDING(r, API, NULL, NULL);
	EXPECT_NO_FINDING(r, BUILD, NULL, NULL);
	EXPECT_NO_FINDING(r, JIT, NULL, NULL);
	EXPECT_NO_FINDING(r, GATED, NULL, NULL);
}

/* ---- rust/x86-registers ---- */

static const char regs_src[] =
	"#[derive(Default, Clone, Copy)]\n"
	"pub struct CommonRegisters {\n"
	"    pub rax: u64,\n"
	"    pub rbx: u64,\n"
	"    pub rip: u64,\n"
	"    pub rflags: u64,\n"
	"}\n"
	"pub struct SpecialRegisters { pub cr0: u64, pub cr3: u64, pub cr4: u64, pub efer: u64 }\n"
	"pub union Frame { pub rip: u64, pub cs: u64, pub rflags: u64, pub rsp: u64, pub ss: u64 }\n";

START_TEST(registers_struct_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "regs.rs", regs_src, &t, &r);
	expect_at(&r, REGISTERS, "warning", "regs.rs", 2, 12,
		  "struct CommonRegisters has x86 register fields (rax, rbx, rip, rflags): the aarch64 build keeps an "
		  "x86 register layout");
	ck_assert_str_eq(find_finding(&r, REGISTERS, NULL, NULL, 2)->fix, "stub");
	/* efer is x86 state beyond the assembler's registers */
	expect_at(&r, REGISTERS, "warning", "regs.rs", 8, 12, "(cr0, cr3, cr4, efer)");
	/* the short names count next to unambiguous ones; at most four listed */
	expect_at(&r, REGISTERS, "warning", "regs.rs", 9, 11, "union Frame has x86 register fields (rip, cs, rflags, rsp, ... 5 in all)");
	ck_assert_int_eq(count_findings(&r, REGISTERS, NULL, NULL), 3);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);

	scan_one_file(RV64, "regs.rs", regs_src, &t, &r);
	expect_at(&r, REGISTERS, "warning", "regs.rs", 2, 12, "the riscv64 build keeps");
	done(&t, &r);
}
END_TEST

START_TEST(registers_ordinary_structs_are_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "types.rs",
		      "pub struct Point { pub x: i32, pub y: i32 }\n"
		      "pub struct Flags { pub ah: u8, pub cs: u8 }\n"
		      /* 32-bit Arm registers: r8-r15 are also x86 names */
		      "pub struct Arm32 { pub r8: u32, pub r9: u32, pub r10: u32, pub r11: u32, pub sp: u32, pub pc: u32 }\n"
		      /* one register among other fields */
		      "pub struct Trap { pub rip: u64, pub flags: u32, pub data: Vec<u8> }\n"
		      /* KVM's shared kvm_run: cr8 and apic_base among many fields */
		      "pub struct Run { pub exit_reason: u32, pub ready: u8, pub if_flag: u8, pub flags: u16,\n"
		      "    pub cr8: u64, pub apic_base: u64, pub valid: u64, pub dirty: u64, pub immediate_exit: u8 }\n"
		      /* the target's own registers */
		      "pub struct A64Regs { pub regs: [u64; 31], pub sp: u64, pub pc: u64, pub pstate: u64, pub fpsr: u32 }\n"
		      "pub struct Pair(pub u64, pub u64);\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

START_TEST(registers_gated_is_a_note)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "regs.rs",
		      "#[cfg(target_arch = \"x86_64\")]\n"
		      "pub struct Regs { pub rax: u64, pub rbx: u64, pub rip: u64 }\n"
		      "#[cfg(target_arch = \"aarch64\")]\n"
		      "pub struct Regs { pub regs: [u64; 31], pub sp: u64, pub pc: u64 }\n"
		      /* fields gated out do not count */
		      "pub struct Mixed {\n"
		      "    #[cfg(target_arch = \"x86_64\")]\n"
		      "    pub rax: u64,\n"
		      "    #[cfg(target_arch = \"x86_64\")]\n"
		      "    pub rip: u64,\n"
		      "    pub x0: u64,\n"
		      "}\n",
		      &t, &r);
	expect_at(&r, GATED, "note", "regs.rs", 2, 12, "struct Regs has x86 register fields (rax, rbx, rip)");
	EXPECT_NO_FINDING(&r, REGISTERS, NULL, NULL);
	ck_assert_int_eq(r.notes, 1);
	done(&t, &r);
}
END_TEST

START_TEST(registers_x86_target_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(X64, "regs.rs", regs_src, &t, &r);
	expect_none_of_ours(&r);
	ck_assert_int_eq(r.warnings + r.errors + r.notes, 0);
	done(&t, &r);
}
END_TEST

/* ---- rust/x86-api ---- */

START_TEST(api_kvm_names)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "vcpu.rs",
		      "use kvm_bindings::{kvm_regs, kvm_segment, kvm_sregs};\n"
		      "pub fn f(s: &kvm_sregs) -> kvm_segment {\n"
		      "    let e = kvm_bindings::kvm_msr_entry::default();\n"
		      "    let c = ::kvm_bindings::CpuId::new(1);\n"
		      "    let again: kvm_bindings::kvm_segment = Default::default();\n"
		      "    todo!()\n"
		      "}\n",
		      &t, &r);
	/* the crate defines it only for x86_64: the target build fails */
	expect_at(&r, API, "error", "vcpu.rs", 1, 30,
		  "`kvm_bindings::kvm_segment` does not exist on aarch64 (unresolved import or name): kvm-bindings "
		  "defines it only for x86_64");
	ck_assert_str_eq(find_finding(&r, API, "error", NULL, 1)->fix, "gate");
	/* an empty struct on aarch64: builds, but has none of the x86 fields */
	expect_at(&r, API, "warning", "vcpu.rs", 1, 43, "`kvm_bindings::kvm_sregs` is an empty struct on aarch64");
	expect_at(&r, API, "error", "vcpu.rs", 3, 27, "kvm_bindings::kvm_msr_entry");
	expect_at(&r, API, "error", "vcpu.rs", 4, 29, "kvm_bindings::CpuId");
	/* one finding per name per file; kvm_regs exists on every arch */
	ck_assert_int_eq(count_findings(&r, API, NULL, NULL), 4);
	ck_assert_int_eq(r.errors, 3);
	ck_assert_int_eq(r.rc, 1);
	done(&t, &r);
}
END_TEST

START_TEST(api_glob_import)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "vcpu.rs",
		      "use kvm_bindings::*;\n"
		      "pub fn f(m: &mut kvm_msrs, r: &kvm_regs) {}\n",
		      &t, &r);
	expect_at(&r, API, "error", "vcpu.rs", 2, 18, "kvm_bindings::kvm_msrs");
	ck_assert_int_eq(count_findings(&r, API, NULL, NULL), 1);
	done(&t, &r);

	/* without the import, a bare kvm_msrs is some local type */
	scan_one_file(A64, "vcpu.rs",
		      "pub struct kvm_msrs;\n"
		      "pub fn f(m: &mut kvm_msrs) {}\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

START_TEST(api_other_crates)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "debug.rs",
		      "use gdbstub_arch::x86::X86_64_SSE;\n"
		      "use iced_x86::{Decoder, DecoderOptions};\n"
		      "pub fn halt() -> u32 { mshv_bindings::hv_message_type_HVMSG_X64_HALT }\n"
		      "pub fn rax() -> u32 { mshv_bindings::hv_register_name_HV_X64_REGISTER_RAX }\n"
		      "pub fn mmu() -> gdbstub_arch::aarch64::AArch64 { todo!() }\n",
		      &t, &r);
	expect_at(&r, API, "warning", "debug.rs", 1, 19, "`gdbstub_arch::x86` builds on aarch64 but is x86-only");
	expect_at(&r, API, "warning", "debug.rs", 2, 5, "`iced_x86` builds on aarch64 but is x86-only");
	/* declared for arm64 too: a warning; x86_64 only: an error */
	expect_at(&r, API, "warning", "debug.rs", 3, 39, "mshv_bindings::hv_message_type_HVMSG_X64_HALT");
	expect_at(&r, API, "error", "debug.rs", 4, 38, "mshv_bindings::hv_register_name_HV_X64_REGISTER_RAX");
	ck_assert_int_eq(count_findings(&r, API, NULL, NULL), 4);
	done(&t, &r);
}
END_TEST

START_TEST(api_hyperv_names_of_the_tree)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "hv.rs",
		      "pub fn id() -> u32 { HV_X64_MSR_GUEST_OS_ID }\n"
		      "pub const HV_X64_MSR_GUEST_OS_ID: u32 = 0x4000_0000;\n"
		      "pub fn call() -> u32 { crate::hyperv::HV_X64_MSR_HYPERCALL }\n"
		      "pub fn call2() -> u32 { crate::hyperv::HV_X64_MSR_HYPERCALL }\n",
		      &t, &r);
	/* defined in the file: not reported, even used before the definition */
	expect_at(&r, API, "warning", "hv.rs", 3, 39, "`HV_X64_MSR_HYPERCALL` builds on aarch64 but is x86-only");
	ck_assert_int_eq(count_findings(&r, API, NULL, NULL), 1);
	done(&t, &r);
}
END_TEST

START_TEST(api_gated_and_undecidable)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "vcpu.rs",
		      "#[cfg(target_arch = \"x86_64\")]\n"
		      "use kvm_bindings::kvm_segment;\n"
		      "#[cfg(some_custom_cfg)]\n"
		      "pub fn f(d: kvm_bindings::kvm_debugregs) {}\n"
		      "pub fn g() {\n"
		      "    if cfg!(target_arch = \"x86_64\") {\n"
		      "        let d = iced_x86::Decoder::new();\n"
		      "        let x: kvm_bindings::kvm_xcrs = Default::default();\n"
		      "    }\n"
		      "}\n",
		      &t, &r);
	expect_at(&r, GATED, "note", "vcpu.rs", 2, 19, "kvm_bindings::kvm_segment");
	/* an error under a cfg archport cannot decide becomes a warning */
	expect_at(&r, API, "warning", "vcpu.rs", 4, 27, "(under a cfg archport cannot decide)");
	/* `if cfg!(...)` never runs on the target: only what fails to compile */
	expect_at(&r, API, "error", "vcpu.rs", 8, 30, "kvm_bindings::kvm_xcrs");
	ck_assert_int_eq(count_findings(&r, API, NULL, NULL), 2);
	done(&t, &r);
}
END_TEST

START_TEST(api_x86_target_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(X64, "vcpu.rs",
		      "use kvm_bindings::{kvm_segment, kvm_sregs};\n"
		      "use gdbstub_arch::x86::X86_64_SSE;\n"
		      "pub fn rax() -> u32 { mshv_bindings::hv_register_name_HV_X64_REGISTER_RAX }\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

/* ---- rust/build-x86 ---- */

static const char build_src[] =
	"fn main() {\n"
	"    let mut b = cc::Build::new();\n"
	"    b.file(\"src/crc.c\").flag(\"-msse4.2\").flag_if_supported(\"-mavx2\");\n"
	"    println!(\"cargo:rustc-link-search=native=/usr/lib/x86_64-linux-gnu\");\n"
	"    std::process::Command::new(\"clang\").arg(\"--target=x86_64-unknown-linux-gnu\");\n"
	"    if cfg!(target_arch = \"x86_64\") {\n"
	"        b.flag(\"-march=x86-64-v3\");\n"
	"    }\n"
	"}\n";

START_TEST(build_script_hard_codes_x86)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "build.rs", build_src, &t, &r);
	expect_at(&r, BUILD, "warning", "build.rs", 3, 30,
		  "x86 compiler option `-msse4.2` in a build script: the aarch64 compiler rejects it");
	expect_at(&r, BUILD, "warning", "build.rs", 4, 14,
		  "x86 path `/usr/lib/x86_64-linux-gnu` in a build script: the aarch64 build would use x86 headers or "
		  "libraries (its own are under aarch64-linux-gnu)");
	expect_at(&r, BUILD, "warning", "build.rs", 5, 45, "x86 target triple `x86_64-unknown-linux-gnu`");
	/* cfg! in build.rs tests the build machine, so its branch is not a gate */
	expect_at(&r, BUILD, "warning", "build.rs", 6, 8,
		  "`cfg!(target_arch = \"x86_64\")` in a build script tests the machine the build runs on");
	expect_at(&r, BUILD, "warning", "build.rs", 7, 16, "x86 CPU `-march=x86-64-v3`");
	ck_assert_str_eq(find_finding(&r, BUILD, NULL, NULL, 3)->fix, "gate");
	ck_assert_int_eq(count_findings(&r, BUILD, NULL, NULL), 5);   /* not flag_if_supported */
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);

	/* a crate's build script, next to its Cargo.toml */
	tree_init(&t);
	tree_file(&t, "guest/Cargo.toml", "[package]\nname = \"guest\"\nversion = \"0.1.0\"\n");
	tree_file(&t, "guest/src/lib.rs", "pub fn f() {}\n");
	tree_file(&t, "guest/build.rs",
		  "fn main() {\n    println!(\"cargo:rustc-env=GUEST_TARGET=x86_64-unknown-none\");\n}\n");
	scan_tree(&t, RV64, &r);
	expect_at(&r, BUILD, "warning", "guest/build.rs", 2, 14,
		  "x86 target triple `x86_64-unknown-none` in a build script: it stays x86 when building for riscv64");
	done(&t, &r);
}
END_TEST

START_TEST(build_script_that_reads_the_target_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "build.rs",
		      "use std::env;\n"
		      "fn main() {\n"
		      "    let target = env::var(\"TARGET\").unwrap_or_else(|_| \"x86_64-unknown-linux-gnu\".into());\n"
		      "    let arch = env::var(\"CARGO_CFG_TARGET_ARCH\").unwrap();\n"
		      "    let mut b = cc::Build::new();\n"
		      "    match target.as_str() {\n"
		      "        \"x86_64-unknown-linux-gnu\" => { b.flag(\"-msse4.2\"); }\n"
		      "        \"i686-unknown-linux-gnu\" | \"i586-unknown-linux-gnu\" => {}\n"
		      "        _ => {}\n"
		      "    }\n"
		      "    if target.starts_with(\"x86_64\") {\n"
		      "        b.file(\"src/arch/x86_64/crc.S\");\n"
		      "    }\n"
		      "    if arch == \"x86_64\" && target != \"x86_64-apple-darwin\" {\n"
		      "        println!(\"cargo:rustc-link-search=native=/usr/lib/x86_64-linux-gnu\");\n"
		      "    }\n"
		      "    assert!(matches!(arch.as_str(), \"x86\" | \"x86_64\" | \"aarch64\"));\n"
		      "    b.flag_if_supported(\"-mpclmul\").flag(\"-march=native\");\n"
		      "    println!(\"cargo:warning=the x86_64 kernels are faster\");\n"
		      "    if arch == \"riscv32\" { panic!(\"only x86_64 and aarch64 are supported\"); }\n"
		      "}\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

START_TEST(build_rule_is_for_build_scripts_only)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "lib.rs",
		      "pub const TRIPLE: &str = \"x86_64-unknown-linux-gnu\";\n"
		      "pub fn flags() -> &'static str { \"-msse4.2\" }\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);

	scan_one_file(X64, "build.rs", build_src, &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

/* ---- rust/jit-x86 ---- */

static const char emitter_src[] =
	"#[repr(u8)]\n"
	"pub enum Reg {\n"
	"    Rax = 0, Rcx = 1, Rdx = 2, Rbx = 3, Rsp = 4, Rbp = 5, Rsi = 6, Rdi = 7,\n"
	"    R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15,\n"
	"}\n"
	"pub unsafe fn compile(code: &[u8]) -> extern \"C\" fn() -> u32 {\n"
	"    let p = libc::mmap(core::ptr::null_mut(), 4096, libc::PROT_READ | libc::PROT_WRITE,\n"
	"                       libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);\n"
	"    core::ptr::copy_nonoverlapping(code.as_ptr(), p as *mut u8, code.len());\n"
	"    libc::mprotect(p, 4096, libc::PROT_READ | libc::PROT_EXEC);\n"
	"    libc::mprotect(p, 4096, libc::PROT_EXEC);\n"
	"    core::mem::transmute::<*mut libc::c_void, extern \"C\" fn() -> u32>(p)\n"
	"}\n";

START_TEST(jit_emitter_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "jit.rs", emitter_src, &t, &r);
	expect_at(&r, JIT, "warning", "jit.rs", 2, 10,
		  "x86 register numbering (Rax=0 ... R15=15) in enum Reg: this emitter writes x86 machine code; on "
		  "aarch64 it builds but the bytes it emits cannot run there");
	/* mmap without PROT_EXEC is not the finding; one per kind per file */
	expect_at(&r, JIT, "warning", "jit.rs", 10, 5, "`libc::mprotect` makes memory executable");
	expect_at(&r, JIT, "warning", "jit.rs", 12, 5, "transmute to a fn pointer in a file that numbers x86 registers");
	ck_assert_int_eq(count_findings(&r, JIT, NULL, NULL), 3);
	ck_assert_str_eq(find_finding(&r, JIT, NULL, NULL, 2)->fix, "gate");
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);

	scan_one_file(X64, "jit.rs", emitter_src, &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

START_TEST(jit_register_consts_and_fn_alias)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "asm.rs",
		      "pub struct Reg(pub u8);\n"
		      "impl Reg {\n"
		      "    pub const RAX: Reg = Reg(0); pub const RCX: Reg = Reg(1); pub const RDX: Reg = Reg(2);\n"
		      "    pub const RBX: Reg = Reg(3); pub const RSP: Reg = Reg(4); pub const RBP: Reg = Reg(5);\n"
		      "    pub const RSI: Reg = Reg(6); pub const RDI: Reg = Reg(7); pub const R8: Reg = Reg(0x8);\n"
		      "}\n"
		      "pub unsafe fn call(p: *const u8) -> u64 {\n"
		      "    let f: JitFn = std::mem::transmute(p);\n"
		      "    f(1)\n"
		      "}\n"
		      "type JitFn = unsafe extern \"C\" fn(u64) -> u64;\n",
		      &t, &r);
	expect_at(&r, JIT, "warning", "asm.rs", 3, 5, "x86 register numbering (RAX=0 ... R8=8) in 9 consts");
	/* the alias is declared after its use */
	expect_at(&r, JIT, "warning", "asm.rs", 8, 20, "transmute to a fn pointer");
	ck_assert_int_eq(count_findings(&r, JIT, NULL, NULL), 2);
	done(&t, &r);
}
END_TEST

START_TEST(jit_lookalikes_are_clean)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "regs.rs",
		      /* DWARF numbering: rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp */
		      "pub struct Dwarf;\n"
		      "impl Dwarf {\n"
		      "    pub const RAX: u16 = 0; pub const RDX: u16 = 1; pub const RCX: u16 = 2; pub const RBX: u16 = 3;\n"
		      "    pub const RSI: u16 = 4; pub const RDI: u16 = 5; pub const RBP: u16 = 6; pub const RSP: u16 = 7;\n"
		      "    pub const R8: u16 = 8; pub const R9: u16 = 9; pub const R10: u16 = 10; pub const R11: u16 = 11;\n"
		      "}\n"
		      /* gdb's i386 ids: encoding order, but 32-bit names and data variants */
		      "pub enum GdbReg { Eax, Ecx, Edx, Ebx, Esp, Ebp, Esi, Edi, Eip, Eflags, Segment(u8) }\n"
		      "pub enum Mixed { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, Seg(u8) }\n"
		      /* dlsym and a fn pointer: not a JIT */
		      "pub unsafe fn sym(p: *mut u8) -> extern \"C\" fn() { std::mem::transmute(p) }\n"
		      /* a mapping that is not executable */
		      "pub unsafe fn buf() -> *mut u8 {\n"
		      "    libc::mmap(core::ptr::null_mut(), 4096, libc::PROT_READ | libc::PROT_WRITE, 0, -1, 0) as *mut u8\n"
		      "}\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);

	/* a JIT that flushes the instruction cache is written for non-x86 too */
	scan_one_file(A64, "exec.rs",
		      "extern \"C\" { fn __clear_cache(b: *mut u8, e: *mut u8); }\n"
		      "pub unsafe fn finish(p: *mut u8, n: usize) -> extern \"C\" fn() {\n"
		      "    assert_eq!(libc::mprotect(p as _, n, libc::PROT_READ | libc::PROT_EXEC), 0);\n"
		      "    __clear_cache(p, p.add(n));\n"
		      "    std::mem::transmute(p)\n"
		      "}\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);

	/* a branch `if cfg!` keeps from running on the target */
	scan_one_file(A64, "exec.rs",
		      "pub unsafe fn run(p: *mut libc::c_void) {\n"
		      "    if cfg!(target_arch = \"x86_64\") {\n"
		      "        libc::mprotect(p, 4096, libc::PROT_READ | libc::PROT_EXEC);\n"
		      "    }\n"
		      "}\n",
		      &t, &r);
	expect_none_of_ours(&r);
	done(&t, &r);
}
END_TEST

START_TEST(jit_in_macro_tokens)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "exec.rs",
		      "pub unsafe fn protect(p: *mut libc::c_void) {\n"
		      "    assert_eq!(libc::mprotect(p, 4096, libc::PROT_READ | libc::PROT_EXEC), 0);\n"
		      "}\n",
		      &t, &r);
	expect_at(&r, JIT, "warning", "exec.rs", 2, 22, "`mprotect` makes memory executable");
	done(&t, &r);
}
END_TEST

START_TEST(jit_gated_is_a_note)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "lib.rs",
		      "#[cfg(target_arch = \"x86_64\")]\n"
		      "mod x86 {\n"
		      "    pub enum Reg { Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15 }\n"
		      "    pub unsafe fn exec(p: *mut libc::c_void) {\n"
		      "        libc::mprotect(p, 4096, libc::PROT_READ | libc::PROT_EXEC);\n"
		      "    }\n"
		      "}\n",
		      &t, &r);
	expect_at(&r, GATED, "note", "lib.rs", 3, 14, "x86 register numbering (Rax=0 ... R15=15) in enum Reg");
	expect_at(&r, GATED, "note", "lib.rs", 5, 9, "`libc::mprotect` makes memory executable");
	EXPECT_NO_FINDING(&r, JIT, NULL, NULL);
	ck_assert_int_eq(r.warnings, 0);
	done(&t, &r);
}
END_TEST

/* ---- rust/runtime-hazard (the reverse port) ---- */

#define RUNTIME "rust/runtime-hazard"

static const char reverse_src[] =
	"use std::os::raw::c_char;\n"
	"pub const PAGE_SIZE: usize = 0x10000;\n"
	"pub const PAGE_SHIFT: u32 = 14;\n"
	"pub static GUARD_PAGE: usize = 64 * 1024;\n"
	"pub const SMALL_PAGE: usize = 4096;\n"
	"pub const RING: usize = 65536;\n"
	"#[cfg(target_arch = \"aarch64\")]\n"
	"pub const GRANULE_PAGE: usize = 65536;\n"
	"pub fn class(c: c_char, t: &[u8; 256]) -> u8 { t[c as usize] }\n"
	"pub fn high(c: c_char) -> bool { c > 127 }\n"
	"pub fn same(c: c_char) -> bool { c == 65 || c as u8 > 127 }\n"
	"pub unsafe fn read(p: *const c_char) -> u32 { *p as u32 }\n"
	"pub fn other(c: i8) -> usize { c as usize }\n";

START_TEST(reverse_runtime_hazards)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(X64, "lib.rs", reverse_src, &t, &r);
	expect_at(&r, RUNTIME, "warning", "lib.rs", 2, 11, "64 KiB pages");
	expect_at(&r, RUNTIME, "warning", "lib.rs", 3, 11, "16 KiB pages");
	expect_at(&r, RUNTIME, "warning", "lib.rs", 4, 12, "x86_64 pages are always 4 KiB");
	expect_at(&r, RUNTIME, "warning", "lib.rs", 9, 50, "c_char is i8 on x86_64 and u8 on aarch64");
	expect_at(&r, RUNTIME, "warning", "lib.rs", 10, 34, "flips");
	expect_at(&r, RUNTIME, "warning", "lib.rs", 12, 47, "sign-extend");
	ck_assert_int_eq(count_findings(&r, RUNTIME, NULL, NULL), 6);   /* not 4096, RING, gated, ==, u8, i8 */
	done(&t, &r);
}
END_TEST

START_TEST(reverse_runtime_hazards_not_forward)
{
	struct tmptree t;
	struct scan_result r;
	scan_one_file(A64, "lib.rs", reverse_src, &t, &r);
	ck_assert_int_eq(count_findings(&r, RUNTIME, NULL, NULL), 0);
	done(&t, &r);
}
END_TEST

Suite *rules_rust_suite(void)
{
	Suite *s = suite_create("rules-rust");
	TCase *tc = tcase_create("x86-registers");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, registers_struct_is_a_warning);
	tcase_add_test(tc, registers_ordinary_structs_are_clean);
	tcase_add_test(tc, registers_gated_is_a_note);
	tcase_add_test(tc, registers_x86_target_is_clean);
	suite_add_tcase(s, tc);

	tc = tcase_create("x86-api");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, api_kvm_names);
	tcase_add_test(tc, api_glob_import);
	tcase_add_test(tc, api_other_crates);
	tcase_add_test(tc, api_hyperv_names_of_the_tree);
	tcase_add_test(tc, api_gated_and_undecidable);
	tcase_add_test(tc, api_x86_target_is_clean);
	suite_add_tcase(s, tc);

	tc = tcase_create("build-x86");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, build_script_hard_codes_x86);
	tcase_add_test(tc, build_script_that_reads_the_target_is_clean);
	tcase_add_test(tc, build_rule_is_for_build_scripts_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("jit-x86");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, jit_emitter_is_a_warning);
	tcase_add_test(tc, jit_register_consts_and_fn_alias);
	tcase_add_test(tc, jit_lookalikes_are_clean);
	tcase_add_test(tc, jit_in_macro_tokens);
	tcase_add_test(tc, jit_gated_is_a_note);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime-hazard");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, reverse_runtime_hazards);
	tcase_add_test(tc, reverse_runtime_hazards_not_forward);
	suite_add_tcase(s, tc);
	return s;
}
