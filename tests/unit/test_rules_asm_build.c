/* End to end, the assembly, build-file and input rules, and the exit
 * status of `archport scan`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "make_goals.h"
#include "unit.h"
#include "util.h"

#define A64 "aarch64"
#define RV64 "riscv64"

static void done(struct tmptree *t, struct scan_result *r)
{
	scan_result_free(r);
	tree_cleanup(t);
}

static const char x86_switch[] =
	"\t.text\n"
	"\t.globl ctx_switch\n"
	"ctx_switch:\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tret\n";

/* ---- asm/x86-file ---- */

START_TEST(asm_file_x86)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "x86/switch.S", x86_switch);
	tree_file(&t, "plain.s", "\t.text\n\tpushq %rbp\n\tret\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "asm/x86-file", "error", "x86/switch.S", 4);
	const struct rfinding *f = find_finding(&r, "asm/x86-file", "error", "x86/switch.S", 4);
	ck_assert_int_eq(f->column, 2);
	ck_assert_msg(strstr(f->message, "movq") != NULL, "message: %s", f->message);
	ck_assert_int_eq(count_findings(&r, "asm/x86-file", NULL, "x86/switch.S"), 1);   /* one per file */
	EXPECT_FINDING(&r, "asm/x86-file", "error", "plain.s", 2);
	done(&t, &r);

	tree_init(&t);
	tree_file(&t, "x86/switch.S", x86_switch);
	scan_tree(&t, RV64, &r);
	EXPECT_FINDING(&r, "asm/x86-file", "error", "x86/switch.S", 4);
	done(&t, &r);
}
END_TEST

START_TEST(asm_file_target_code_is_clean)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "switch.S",
		  "/* aarch64 context switch */\n"
		  "#include \"asm.h\"\n"
		  "\t.text\n"
		  "\t.globl ctx_switch\n"
		  "ctx_switch:\n"
		  "\tmov x9, sp   // save\n"
		  "\tstr x9, [x0]\n"
		  "\tldr x9, [x1]\n"
		  "\tmov sp, x9\n"
		  "\tret\n");
	tree_file(&t, "asm.h", "#define ENTRY(x) .globl x; x:\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(asm_file_gated_by_preprocessor_is_a_note)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "switch.S",
		  "#if defined(__x86_64__)\n"
		  "\t.text\n"
		  "\tmovq %rsp, (%rdi)\n"
		  "\tret\n"
		  "#elif defined(__aarch64__)\n"
		  "\t.text\n"
		  "\tmov x9, sp\n"
		  "\tstr x9, [x0]\n"
		  "\tret\n"
		  "#endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	EXPECT_FINDING(&r, "asm/x86-file", "note", "switch.S", 3);
	done(&t, &r);
}
END_TEST

START_TEST(asm_file_under_undecidable_condition_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile", "ifeq ($(FAST),1)\nASFLAGS += -DHAVE_X86_ASM\nendif\nall: fast.o\n");
	tree_file(&t, "fast.S",
		  "#ifdef HAVE_X86_ASM\n"
		  "\tmovq %rsp, (%rdi)\n"
		  "#endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "asm/x86-file", "warning", "fast.S", 2);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);
}
END_TEST

START_TEST(asm_file_gated_by_makefile_is_a_note)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "x86/switch.S", x86_switch);
	tree_file(&t, "Makefile",
		  "OBJS = main.o\n"
		  "ifeq ($(ARCH),x86_64)\n"
		  "OBJS += x86/switch.o\n"
		  "SRCS += x86/switch.S\n"
		  "endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "asm/x86-file", "note", "x86/switch.S", 4);
	done(&t, &r);

	/* listed for every architecture: the error stays */
	tree_init(&t);
	tree_file(&t, "x86/switch.S", x86_switch);
	tree_file(&t, "Makefile", "SRCS = main.c x86/switch.S\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "asm/x86-file", "error", "x86/switch.S", 4);
	done(&t, &r);
}
END_TEST

/* ---- build/x86-flag, build/x86-march, build/nasm ---- */

START_TEST(build_flag)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "CFLAGS = -O2 -Wall\n"
		  "CFLAGS += -msse4.2\n"
		  "ifeq ($(ARCH),x86_64)\n"
		  "CFLAGS += -mavx2\n"
		  "endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "error", "Makefile", 2);
	const struct rfinding *f = find_finding(&r, "build/x86-flag", "error", "Makefile", 2);
	ck_assert_int_eq(f->column, 11);
	ck_assert_int_eq(count_findings(&r, "build/x86-flag", NULL, NULL), 1);
	done(&t, &r);

	/* no space after the `=`: `make CC=aarch64-linux-gnu-gcc` with this
	 * Makefile and a main.c stops on "unrecognized command-line option
	 * '-msse4.2'" (checked by hand); the scan used to read the word
	 * `CFLAGS=-msse4.2` as a name and miss the flag */
	tree_init(&t);
	tree_file(&t, "Makefile", "CFLAGS=-msse4.2 -O2\nall: main\nmain: main.c\n\t$(CC) $(CFLAGS) main.c -o main\n");
	tree_file(&t, "main.c", "int main(void) { return 0; }\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "error", "Makefile", 1);
	ck_assert_int_eq(find_finding(&r, "build/x86-flag", "error", "Makefile", 1)->column, 8);
	done(&t, &r);

	/* aarch64 options are not x86 flags */
	tree_init(&t);
	tree_file(&t, "Makefile", "CFLAGS = -O2 -mgeneral-regs-only -mcpu=cortex-a72 -march=armv8-a\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* The variables `archport stub` writes: the option only in the THEN of an
 * $(if) on a `$(filter x86_64 i386 ...,...)` variable, which a scan after
 * the patch must not report; the ELSE and a filter of other words are
 * every build's. */
START_TEST(build_flag_in_x86_if_is_gated)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "archport_x86 = $(filter x86_64 i386 i486 i586 i686,$(firstword $(subst -, ,$(shell $(CC) -dumpmachine))))\n"
		  "ARCHPORT_X86_msse4_2 = $(if $(archport_x86),-msse4.2)\n"
		  "BOTH = $(if $(archport_x86),-O3,-mavx2)\n"
		  "arm = $(filter aarch64 x86_64,$(shell uname -m))\n"
		  "OTHER = $(if $(arm),-mavx)\n"
		  "CFLAGS += $(ARCHPORT_X86_msse4_2) $(BOTH) $(OTHER)\n");
	scan_tree(&t, A64, &r);
	ck_assert_ptr_null(find_finding(&r, "build/x86-flag", NULL, "Makefile", 2));
	EXPECT_FINDING(&r, "build/x86-flag", "error", "Makefile", 3);   /* the ELSE */
	EXPECT_FINDING(&r, "build/x86-flag", "error", "Makefile", 5);   /* not an x86 predicate */
	done(&t, &r);
}
END_TEST

START_TEST(build_flag_cmake)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "CMakeLists.txt",
		  "cmake_minimum_required(VERSION 3.10)\n"
		  "project(p C)\n"
		  "if(CMAKE_SYSTEM_PROCESSOR MATCHES \"x86_64|AMD64\")\n"
		  "  add_compile_options(-mavx2)\n"
		  "endif()\n"
		  "add_compile_options(-mpclmul)\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "error", "CMakeLists.txt", 6);
	ck_assert_msg(r.len == 1, "expected only the ungated -mpclmul; the report has:\n%s", r.listing);
	done(&t, &r);

	/* The flags of a configure probe (FastPFor's DetectCPUFeatures.cmake
	 * does this) compile no target. Checked by hand: with a main.c, this
	 * tree configures and builds with -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc
	 * (and riscv64-linux-gnu-gcc), HAVE_SSE42 empty in the cache; the host
	 * gcc sets it to 1. The scan gave two errors on line 4. */
	tree_init(&t);
	tree_file(&t, "CMakeLists.txt",
		  "cmake_minimum_required(VERSION 3.13)\n"
		  "project(probe C)\n"
		  "include(CheckCSourceCompiles)\n"
		  "set(CMAKE_REQUIRED_FLAGS \"-march=native -msse4.2\")\n"
		  "check_c_source_compiles(\"int main(void) { return 0; }\" HAVE_SSE42)\n"
		  "list(APPEND CMAKE_REQUIRED_FLAGS -mavx2)\n"
		  "unset(CMAKE_REQUIRED_FLAGS)\n"
		  "add_executable(prog main.c)\n"
		  "target_compile_options(prog PRIVATE -mpclmul)\n");
	tree_file(&t, "main.c", "int main(void) { return 0; }\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(count_findings(&r, "build/x86-flag", NULL, "CMakeLists.txt") == 1 &&
			      find_finding(&r, "build/x86-flag", NULL, "CMakeLists.txt", 9),
		      "expected only the target's -mpclmul; the report has:\n%s", r.listing);
	EXPECT_NO_FINDING(&r, "build/x86-march", NULL, NULL);
	done(&t, &r);
}
END_TEST

START_TEST(build_flag_under_undecidable_condition_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "ifdef USE_AVX\n"
		  "CFLAGS += -mavx2\n"
		  "endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "warning", "Makefile", 2);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	done(&t, &r);
}
END_TEST

/* ---- goal reachability (make_goals.c): a recipe that `make` with no goal
 * never runs breaks only `make THAT-TARGET`: a warning ---- */

static const char *const bench32_rule =
	"bench32: bench.c\n"
	"\t$(CC) -m32 -msse4.2 -o $@ bench.c\n";

/* A Makefile of `head` (its default goal) followed by the bench32 rule. */
static void bench_tree(struct tmptree *t, const char *head)
{
	char *mk = xasprintf("%s%s", head, bench32_rule);
	tree_init(t);
	tree_file(t, "main.c", "int main(void) { return 0; }\n");
	tree_file(t, "bench.c", "int main(void) { return 0; }\n");
	tree_file(t, "Makefile", mk);
	free(mk);
}

START_TEST(build_flag_in_unbuilt_goal_is_a_warning)
{
	struct tmptree t;
	struct scan_result r;
	bench_tree(&t, ".PHONY: all bench32\n"      /* a special target first: not the default goal */
		       "bench32: CFLAGS += -O3\n"     /* a target-specific variable: not a rule */
		       "all: prog\n"
		       "prog: main.c\n"
		       "\t$(CC) -O2 -o $@ main.c\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "warning", "Makefile", 7);
	ck_assert_int_eq(count_findings(&r, "build/x86-flag", "warning", "Makefile"), 2);   /* -m32, -msse4.2 */
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	const struct rfinding *f = find_finding(&r, "build/x86-flag", "warning", "Makefile", 7);
	ck_assert_msg(strstr(f->message, "only in the recipe of `bench32`, which the default goal `all` does not build"),
		      "message: %s", f->message);
	done(&t, &r);
}
END_TEST

/* Each way the default goal can come to build bench32 keeps the error. */
/* Rules that reach other targets only: the bench32 recipe stays a warning. */
START_TEST(build_flag_in_unbuilt_goal_other_rules)
{
	static const char *const heads[] = {
		"all:: prog\nprog:\n\techo\nx.stamp: %.stamp: bench32\n\ttouch $@\n",  /* x.stamp is never wanted */
		"OBJS = $(patsubst %.c,%.o,$(wildcard *.c))\nall: $(OBJS)\n%.o: %.c\n\t$(CC) -c $<\n",
		"BUILD_DIR ?= obj\nall: $(BUILD_DIR)/prog\n$(BUILD_DIR)/%: %.c\n\t$(CC) -o $@ $<\n",
		"all: prog\n\t$(MAKE) -C sub bench32\nprog:\n\techo\n",                  /* another Makefile's bench32 */
		"-include $(wildcard *.d)\nall: prog\nprog:\n\techo\n",                   /* no dependency file yet */
	};
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		struct tmptree t;
		struct scan_result r;
		bench_tree(&t, heads[i]);
		scan_tree(&t, A64, &r);
		ck_assert_msg(count_findings(&r, "build/x86-flag", "warning", "Makefile") == 2 &&
			      count_findings(&r, NULL, "error", NULL) == 0,
			      "case %zu: expected 2 warnings, no error; the report has:\n%s", i, r.listing);
		done(&t, &r);
	}
}
END_TEST

START_TEST(build_flag_in_reached_goal_is_an_error)
{
	static const char *const heads[] = {
		"all: prog bench32\nprog: main.c\n\t$(CC) -o $@ main.c\n",               /* a prerequisite */
		"GOALS = prog\nGOALS += bench32\nall: $(GOALS)\nprog:\n\techo\n",         /* through a variable */
		"all: prog\n\t$(MAKE) bench32\nprog:\n\techo\n",                          /* a recursive make */
		"all: prog\n\tcd . && $(MAKE) -C . bench32 CFLAGS=-O2\nprog:\n\techo\n",  /* -C, cd, VAR=value */
		".DEFAULT_GOAL := bench32\nall: prog\nprog:\n\techo\n",
		"all: $(shell cat goals.txt)\nprog:\n\techo\n",                           /* unknown: uncertain */
		"all: prog\n$(eval $(call rules))\nprog:\n\techo\n",                      /* $(eval): uncertain */
		"include goals.mk\nall: prog\nprog:\n\techo\n",                           /* not in the tree: uncertain */
		"all: prog\nprog: bench32.stamp\n\techo\n%.stamp: %\n\ttouch $@\n",       /* a pattern rule's stem */
		"ifeq ($(V),1)\nall: bench32\nelse\nall: prog\nendif\nprog:\n\techo\n",  /* both branches count */
		"all:: prog\nall:: bench32\nprog:\n\techo\n",                          /* double-colon rules */
		"all: x.stamp\nx.stamp y.stamp: %.stamp: bench32\n\ttouch $@\n",          /* a static pattern rule */
		"B = bench\nall: $(addsuffix 32,$(B))\n",                                /* a function */
		"all: lib\n\t$(MAKE) -C . $(notdir sub/bench32) || :\nlib:\n\techo\n",
		"G = bench32\nall:\n\t$(foreach g,$(G),$(MAKE) $(g);)\n",               /* goals make cannot name */
		"all: bench32-run\n%-run:\n\t$(MAKE) $(@:-run=)\n",                      /* $(@:a=b) */
		"include gen.mk\nall: prog\nprog:\n\techo\ngen.mk: bench32\n\techo > $@\n", /* make remakes includes */
	};
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		struct tmptree t;
		struct scan_result r;
		bench_tree(&t, heads[i]);
		scan_tree(&t, A64, &r);
		ck_assert_msg(find_finding(&r, "build/x86-flag", "error", "Makefile", 0) != NULL,
			      "case %zu: expected an error; the report has:\n%s", i, r.listing);
		done(&t, &r);
	}
}
END_TEST

/* Across Makefiles: the top Makefile's default goal asks sub/ for bench32
 * (error there), or only for sub's default goal (warning). */
START_TEST(build_flag_goal_asked_by_another_makefile)
{
	static const char *const top[] = { "all:\n\t$(MAKE) -C sub bench32\n", "all:\n\t$(MAKE) -C sub\n",
					   "all:\n\techo\nother:\n\t$(MAKE) -C sub bench32\n" };
	static const char *const sev[] = { "error", "warning", "warning" };
	for (size_t i = 0; i < 3; i++) {
		struct tmptree t;
		struct scan_result r;
		char *mk = xasprintf("all: prog\nprog:\n\techo\n%s", bench32_rule);
		tree_init(&t);
		tree_file(&t, "Makefile", top[i]);
		tree_file(&t, "sub/Makefile", mk);
		free(mk);
		scan_tree(&t, A64, &r);
		ck_assert_msg(find_finding(&r, "build/x86-flag", sev[i], "sub/Makefile", 5) != NULL,
			      "case %zu: expected %s; the report has:\n%s", i, sev[i], r.listing);
		ck_assert_int_eq(count_findings(&r, "build/x86-flag", NULL, NULL), 2);
		done(&t, &r);
	}
}
END_TEST

/* sub/Makefile is included by the top Makefile, whose default goal builds
 * bench32: what sub's own default goal builds does not decide. */
START_TEST(build_flag_in_included_makefile)
{
	struct tmptree t;
	struct scan_result r;
	char *mk = xasprintf("lib: prog\nprog:\n\techo\n%s", bench32_rule);
	tree_init(&t);
	tree_file(&t, "Makefile", "all: bench32\ninclude sub/Makefile\n");
	tree_file(&t, "sub/Makefile", mk);
	free(mk);
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "error", "sub/Makefile", 5);
	done(&t, &r);
}
END_TEST

/* A variable only unreached recipes name: its flags are warnings too; any
 * other use keeps the error. */
START_TEST(build_flag_in_variable_of_unbuilt_goal)
{
	static const char *const tail =
		"all: prog\n"
		"prog: main.c\n"
		"\t$(CC) $(CFLAGS) -o $@ main.c\n"
		"bench32: bench.c\n"
		"\t$(BENCH_CC) -o $@ bench.c\n";
	static const char *const heads[] = {
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\n",          /* warning */
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\nCFLAGS += $(BENCH_FLAGS)\n",
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\nexport BENCH_FLAGS\n",
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\nP = BENCH\nX = $($(P)_FLAGS)\n",
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\nOK := $(shell $(BENCH_CC) -v)\n",
		"BENCH_FLAGS = -m32 -msse4.2\nBENCH_CC = $(CC) $(BENCH_FLAGS)\ndefine LINK\n$(BENCH_CC) -o $@\nendef\n",
	};
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		struct tmptree t;
		struct scan_result r;
		char *mk = xasprintf("%s%s", heads[i], tail);
		tree_init(&t);
		tree_file(&t, "Makefile", mk);
		free(mk);
		scan_tree(&t, A64, &r);
		const char *sev = i == 0 ? "warning" : "error";
		ck_assert_msg(count_findings(&r, "build/x86-flag", sev, "Makefile") == 2,
			      "case %zu: expected 2 %ss on line 1; the report has:\n%s", i, sev, r.listing);
		if (i == 0) {
			const struct rfinding *f = find_finding(&r, "build/x86-flag", "warning", "Makefile", 1);
			ck_assert_msg(f && strstr(f->message, "only in the recipe of `bench32`, which the default goal "
						  "`all` does not build, through `BENCH_FLAGS`"), "%s", r.listing);
		}
		done(&t, &r);
	}
}
END_TEST

/* Target-specific lines (`fast.o: CFLAGS += -mavx2`) hold while their
 * target is made: an error when the default goal surely makes it, a
 * warning naming the target when no plain make does, and the undecided
 * warning of before when archport cannot tell. */
static const char *const tv_tail =
	"prog: main.o fast.o\n"
	"\t$(CC) -o $@ main.o fast.o\n"
	"%.o: %.c\n"
	"\t$(CC) $(CFLAGS) -c -o $@ $<\n";

static const struct rfinding *tv_scan(struct tmptree *t, struct scan_result *r, const char *head)
{
	char *mk = xasprintf("%s%s", head, tv_tail);
	tree_init(t);
	tree_file(t, "main.c", "int main(void) { return 0; }\n");
	tree_file(t, "fast.c", "int fast;\n");
	tree_file(t, "Makefile", mk);
	free(mk);
	scan_tree(t, A64, r);
	return find_finding(r, "build/x86-flag", NULL, "Makefile", 0);
}

START_TEST(target_variable_of_a_made_target_is_an_error)
{
	static const char *const heads[] = {
		"all: prog\nfast.o: CFLAGS += -mavx2\n",                       /* a prerequisite's prerequisite */
		"all: prog\n%.o: CFLAGS += -mavx2\n",                          /* a pattern that matches one */
		"all: prog\nall: CFLAGS += -mavx2\n",                          /* the default goal itself */
		"OBJS = prog\nall: $(OBJS)\nprog: override CFLAGS += -mavx2\n", /* a sure variable */
		"F = fast.o\nall: prog\n$(F) main.o: CFLAGS += -mavx2\n",
	};
	for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
		struct tmptree t;
		struct scan_result r;
		const struct rfinding *f = tv_scan(&t, &r, heads[i]);
		ck_assert_msg(f && !strcmp(f->severity, "error"), "case %zu: expected an error; the report has:\n%s", i,
			      r.listing);
		done(&t, &r);
	}
}
END_TEST

START_TEST(target_variable_of_an_unmade_target_is_a_warning)
{
	static const struct { const char *head, *says; } cases[] = {
		{ "all: prog\nbench.o: CFLAGS += -mavx2\n", "(only for `bench.o`, which the default goal `all` does not build)" },
		{ "all: prog\n%_x.o: CFLAGS += -mavx2\n", "(only for `%_x.o`, none of which the default goal `all` builds)" },
		/* uncertain: the old warning */
		{ "all: $(OBJS)\nOBJS = prog\nfast.o: CFLAGS += -mavx2\n", "(only for the make target this line names, if it is built)" },
		{ "ifdef FAST\nX = prog\nendif\nall: $(X)\nprog: CFLAGS += -mavx2\n", "(only for the make target this line names" },
		{ "all: prog $(shell cat more)\nfast.o: CFLAGS += -mavx2\n", "(only for the make target this line names" },
		{ "ifdef FAST\nall: prog\nendif\nall2: prog\nfast.o: CFLAGS += -mavx2\n", "(only for the make target this line names" },
		{ "$(eval $(X))\nall: prog\nfast.o: CFLAGS += -mavx2\n", "(only for the make target this line names" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct tmptree t;
		struct scan_result r;
		const struct rfinding *f = tv_scan(&t, &r, cases[i].head);
		ck_assert_msg(f && !strcmp(f->severity, "warning") && strstr(f->message, cases[i].says),
			      "case %zu: expected a warning saying %s; the report has:\n%s", i, cases[i].says, r.listing);
		ck_assert_int_eq(count_findings(&r, NULL, "error", NULL), 0);
		done(&t, &r);
	}
}
END_TEST

/* No recipe names CFLAGS, but make's built-in %.o rule passes it to the
 * compile of main.o: a variable CFLAGS names is not "only bench's". */
START_TEST(build_flag_through_a_builtin_rule_variable)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "main.c", "int main(void) { return 0; }\n");
	tree_file(&t, "bench.c", "int main(void) { return 0; }\n");
	tree_file(&t, "Makefile", "X86_FLAGS = -msse4.2\nCFLAGS = -O2 $(X86_FLAGS)\nall: prog\nprog: main.o\n"
				  "bench: bench.c\n\t$(CC) $(CFLAGS) -o $@ bench.c\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-flag", "error", "Makefile", 1);
	done(&t, &r);
}
END_TEST

START_TEST(make_glob_meet_patterns)
{
	ck_assert(!make_glob_meet("*/zstd", "zstd32"));
	ck_assert(make_glob_meet("*.o", "bench32.o"));
	ck_assert(make_glob_meet("obj/*", "*/x.o"));
	ck_assert(!make_glob_meet("a*b", "*c"));
	ck_assert(make_glob_meet("*", ""));
	ck_assert(!make_glob_meet("zstd", "zstd32"));
	ck_assert(make_glob_meet("z*d*2", "zstd32"));
}
END_TEST

START_TEST(build_march)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "CFLAGS = -O2 -march=haswell\n"
		  "CXXFLAGS = -march=x86-64-v3 -mtune=generic\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/x86-march", "error", "Makefile", 1);
	EXPECT_FINDING(&r, "build/x86-march", "error", "Makefile", 2);
	/* -mtune=generic is an aarch64 value too */
	ck_assert_int_eq(count_findings(&r, "build/x86-march", NULL, NULL), 2);
	done(&t, &r);

	tree_init(&t);
	tree_file(&t, "Makefile",
		  "CFLAGS = -O2 -march=armv8.2-a\n"
		  "ifneq ($(filter x86_64 i686,$(ARCH)),)\n"
		  "CFLAGS += -march=haswell\n"
		  "endif\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

START_TEST(build_nasm)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "all: fast.o\n"
		  "fast.o: fast.asm\n"
		  "\tnasm -f elf64 fast.asm -o fast.o\n");
	tree_file(&t, "fast.asm", "section .text\nglobal f\nf:\n\tmov rax, 1\n\tret\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/nasm", "error", "Makefile", 3);
	/* the .asm file itself is covered by the build rule */
	EXPECT_NO_FINDING(&r, NULL, NULL, "fast.asm");
	done(&t, &r);

	tree_init(&t);
	tree_file(&t, "CMakeLists.txt", "project(p C)\nenable_language(ASM_NASM)\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "build/nasm", "error", "CMakeLists.txt", 2);
	done(&t, &r);

	tree_init(&t);
	tree_file(&t, "Makefile",
		  "ifeq ($(ARCH),x86_64)\n"
		  "fast.o: fast.asm\n"
		  "\tnasm -f elf64 fast.asm -o fast.o\n"
		  "endif\n");
	scan_tree(&t, A64, &r);
	ck_assert_msg(r.len == 0, "expected no findings; the report has:\n%s", r.listing);
	done(&t, &r);
}
END_TEST

/* ---- input/unreadable ---- */

START_TEST(binary_file_is_unreadable)
{
	struct tmptree t;
	struct scan_result r;
	unsigned char blob[512];
	for (size_t i = 0; i < sizeof blob; i++)
		blob[i] = (unsigned char)(i * 7 + 1);
	memcpy(blob, "\x7f" "ELF\x02\x01\x01\0\0\0\0\0", 12);
	tree_init(&t);
	tree_bytes(&t, "blob.c", blob, sizeof blob);
	tree_file(&t, "ok.c", "int x;\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "input/unreadable", "warning", "blob.c", 1);
	const struct rfinding *f = find_finding(&r, "input/unreadable", "warning", "blob.c", 1);
	ck_assert_msg(strstr(f->message, "binary") != NULL, "message: %s", f->message);
	EXPECT_NO_FINDING(&r, NULL, NULL, "ok.c");
	ck_assert_int_eq(r.rc, 0);   /* a warning does not fail the scan by default */
	done(&t, &r);
}
END_TEST

START_TEST(stray_nul_is_still_scanned)
{
	/* gcc warns about a NUL in a source file and goes on; so does archport
	 * (for a file of some size: the binary test counts control bytes) */
	static const char src[] = "int x;\0\nvoid f(void) { __asm__ volatile(\"cpuid\"); }\n"
				  "/* a comment that makes the file longer than a hundred bytes */\n";
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_bytes(&t, "nul.c", src, sizeof src - 1);
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, "input/unreadable", NULL, NULL);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "nul.c", 2);
	done(&t, &r);
}
END_TEST

START_TEST(dangling_symlink_is_unreadable)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "ok.c", "int x;\n");
	char link[700];
	snprintf(link, sizeof link, "%s/gone.c", t.root);
	ck_assert_int_eq(symlink("does-not-exist.c", link), 0);
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "input/unreadable", "warning", "gone.c", 1);
	done(&t, &r);
}
END_TEST

/* ---- the exit status ---- */

START_TEST(exit_status)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile", "ifdef USE_AVX\nCFLAGS += -mavx2\nendif\n");   /* one warning */
	scan_tree(&t, A64, &r);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.rc, 0);
	scan_result_free(&r);

	static const char *const on_warning[] = { "--fail-on", "warning", NULL };
	scan_tree_args(&t, A64, &r, on_warning);
	ck_assert_int_eq(r.rc, 1);
	scan_result_free(&r);

	tree_file(&t, "cpu.c", "void f(void) { __asm__ volatile(\"cpuid\"); }\n");
	scan_tree(&t, A64, &r);
	ck_assert_int_eq(r.errors, 1);
	ck_assert_int_eq(r.rc, 1);
	scan_result_free(&r);

	static const char *const never[] = { "--fail-on", "never", NULL };
	scan_tree_args(&t, A64, &r, never);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(r.errors, 1);
	scan_result_free(&r);

	/* x86_64 is the source arch: nothing is foreign there */
	scan_tree(&t, "x86_64", &r);
	ck_assert_msg(r.errors == 0, "x86_64 scan found errors:\n%s", r.listing);
	ck_assert_int_eq(r.rc, 0);
	done(&t, &r);
}
END_TEST

START_TEST(summary_counts_match_findings)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "a.c",
		  "#include <immintrin.h>\n"
		  "#ifdef SOMEWHERE\n"
		  "void f(void) { _mm_pause(); }\n"
		  "#endif\n"
		  "#if defined(__x86_64__)\n"
		  "void g(void) { _mm_pause(); }\n"
		  "#endif\n");
	tree_file(&t, "b.h", "#define SOMEWHERE 1\n");
	scan_tree(&t, A64, &r);
	ck_assert_int_eq(r.errors, (int)count_findings(&r, NULL, "error", NULL));
	ck_assert_int_eq(r.warnings, (int)count_findings(&r, NULL, "warning", NULL));
	ck_assert_int_eq(r.notes, (int)count_findings(&r, NULL, "note", NULL));
	ck_assert_msg(r.errors == 1 && r.warnings == 1 && r.notes == 1, "report:\n%s", r.listing);
	/* errors first */
	ck_assert_str_eq(r.items[0].severity, "error");
	ck_assert_str_eq(r.items[r.len - 1].severity, "note");
	done(&t, &r);
}
END_TEST

Suite *rules_asm_build_suite(void)
{
	Suite *s = suite_create("rules-asm-build");
	TCase *tc = tcase_create("asm-files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, asm_file_x86);
	tcase_add_test(tc, asm_file_target_code_is_clean);
	tcase_add_test(tc, asm_file_gated_by_preprocessor_is_a_note);
	tcase_add_test(tc, asm_file_under_undecidable_condition_is_a_warning);
	tcase_add_test(tc, asm_file_gated_by_makefile_is_a_note);
	suite_add_tcase(s, tc);

	tc = tcase_create("build-files");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, build_flag);
	tcase_add_test(tc, build_flag_in_x86_if_is_gated);
	tcase_add_test(tc, build_flag_cmake);
	tcase_add_test(tc, build_flag_under_undecidable_condition_is_a_warning);
	tcase_add_test(tc, build_flag_in_unbuilt_goal_is_a_warning);
	tcase_add_test(tc, build_flag_in_unbuilt_goal_other_rules);
	tcase_add_test(tc, build_flag_in_reached_goal_is_an_error);
	tcase_add_test(tc, build_flag_goal_asked_by_another_makefile);
	tcase_add_test(tc, build_flag_in_included_makefile);
	tcase_add_test(tc, build_flag_in_variable_of_unbuilt_goal);
	tcase_add_test(tc, build_flag_through_a_builtin_rule_variable);
	tcase_add_test(tc, target_variable_of_a_made_target_is_an_error);
	tcase_add_test(tc, target_variable_of_an_unmade_target_is_a_warning);
	tcase_add_test(tc, make_glob_meet_patterns);
	tcase_add_test(tc, build_march);
	tcase_add_test(tc, build_nasm);
	suite_add_tcase(s, tc);

	tc = tcase_create("input");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, binary_file_is_unreadable);
	tcase_add_test(tc, stray_nul_is_still_scanned);
	tcase_add_test(tc, dangling_symlink_is_unreadable);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, exit_status);
	tcase_add_test(tc, summary_counts_match_findings);
	suite_add_tcase(s, tc);
	return s;
}
