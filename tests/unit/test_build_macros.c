/* The macros the build defines: the -D/-U flags the index pass finds in
 * Makefiles and CMake files with their conditions (build_scan.c), the
 * decision over them (build_macros.c), what the C scan then reports, and
 * the compile database read by the fast scan (compile_db.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build_macros.h"
#include "compile_db.h"
#include "scan.h"
#include "unit.h"

#define A64 "aarch64"

/* ---- the index pass over build files ---- */

struct indexed {
	struct tmptree t;
	struct knowledge *k;
	struct tree_scan ts;
};

static void index_tree(struct indexed *x, const char *target)
{
	x->k = knowledge_load(target);
	ck_assert_ptr_nonnull(x->k);
	ck_assert_int_eq(tree_scan_run_db(&x->ts, x->k, x->t.root, 1, NULL), 0);
}

static void indexed_free(struct indexed *x)
{
	tree_scan_free(&x->ts);
	knowledge_free(x->k);
	tree_cleanup(&x->t);
}

/* The one record of NAME (the test trees set each name once). */
static const struct build_define *record(const struct indexed *x, const char *name)
{
	const struct def_sites *d = strmap_value(&x->ts.ix.defs, name, strlen(name));
	ck_assert_msg(d && d->nbuild == 1, "%s: expected one build record, got %d", name, d ? (int)d->nbuild : 0);
	return &x->ts.ix.build_defines.items[d->build[0]];
}

static int file_of(const struct indexed *x, const char *rel)
{
	for (size_t i = 0; i < x->ts.walk.len; i++)
		if (!strcmp(x->ts.walk.files[i].rel, rel))
			return (int)i;
	ck_abort_msg("%s is not in the walk", rel);
	return -1;
}

static struct macro_decision decide(const struct indexed *x, const char *rel, const char *name)
{
	struct macro_decision d;
	ck_assert_msg(index_build_macro(&x->ts.ix, file_of(x, rel), name, strlen(name), &d),
		      "%s: the build says nothing about %s", rel, name);
	return d;
}

static const struct finding *finding_in(const struct indexed *x, const char *rel, const char *rule,
					enum severity sev, int line)
{
	const struct finding_list *l = &x->ts.results[file_of(x, rel)].findings;
	for (size_t i = 0; i < l->len; i++)
		if (!strcmp(l->items[i].rule, rule) && l->items[i].severity == sev &&
		    (!line || l->items[i].line == line))
			return &l->items[i];
	return NULL;
}

START_TEST(makefile_defines_and_their_conditions)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile",
		  "UNAME_S := $(shell uname -s)\n"
		  "CPPFLAGS += -Iinclude -DPLAIN -DLEVEL=3 -UNDEBUG\n"
		  "ifeq ($(UNAME_S),Linux)\n"
		  "CPPFLAGS += -DON_LINUX\n"
		  "endif\n"
		  "ifeq ($(UNAME_S),Darwin)\n"
		  "CPPFLAGS += -DON_DARWIN\n"
		  "else ifeq ($(OS),Windows_NT)\n"
		  "CPPFLAGS += -DON_WINDOWS\n"
		  "endif\n"
		  "ifneq ($(UNAME_S),Linux)\n"
		  "CPPFLAGS += -DNOT_LINUX\n"
		  "endif\n"
		  "ifeq ($(ARCH),x86_64)\n"
		  "CPPFLAGS += -DHAVE_X86_ASM\n"
		  "endif\n"
		  "ifdef FAST\n"
		  "CFLAGS += -DFAST_PATH\n"
		  "endif\n"
		  "ifdef HAVE_LINUX_AIO\n"            /* a user's variable, not the system */
		  "CFLAGS += -DUSE_AIO\n"
		  "endif\n"
		  "SYS_DEFS = -DVIA_VARIABLE\n"
		  "CPPFLAGS += $(SYS_DEFS)\n"
		  "UNUSED_DEFS = -DNEVER_PASSED\n"
		  "prog: CFLAGS += -DONE_TARGET\n"
		  "ASFLAGS += -DASM_ONLY\n"
		  "CFLAGS += -D SPACED \\\n"
		  "\t-DCONTINUED\n"
		  "all: main.o\n");
	tree_file(&x.t, "main.c", "int main(void) { return 0; }\n");
	index_tree(&x, A64);

	const struct build_define *r = record(&x, "PLAIN");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_str_eq(r->value, "1");
	ck_assert_str_eq(r->origin, "Makefile:2 (-DPLAIN)");
	ck_assert_str_eq(record(&x, "LEVEL")->value, "3");
	ck_assert_int_eq(record(&x, "NDEBUG")->undef, 1);
	ck_assert_int_eq(record(&x, "ON_LINUX")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "ON_DARWIN")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "ON_WINDOWS")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "NOT_LINUX")->when, TRI_FALSE);
	r = record(&x, "HAVE_X86_ASM");
	ck_assert_int_eq(r->when, TRI_FALSE);
	ck_assert_int_eq(r->arch, 1);
	ck_assert_int_eq(record(&x, "FAST_PATH")->when, TRI_UNKNOWN);
	ck_assert_int_eq(record(&x, "USE_AIO")->when, TRI_UNKNOWN);
	ck_assert_int_eq(record(&x, "VIA_VARIABLE")->when, TRI_TRUE);
	r = record(&x, "NEVER_PASSED");
	ck_assert_int_eq(r->when, TRI_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(r->why_unknown, "UNUSED_DEFS"));
	/* only for prog, which the default goal `all` never makes */
	r = record(&x, "ONE_TARGET");
	ck_assert_int_eq(r->when, TRI_FALSE);
	ck_assert_str_eq(r->unbuilt, "only for `prog`, which the default goal `all` does not build");
	r = record(&x, "ASM_ONLY");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_int_eq(r->lang, BM_LANG_ASM);
	ck_assert_int_eq(record(&x, "SPACED")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CONTINUED")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CONTINUED")->lang, BM_LANG_C);
	indexed_free(&x);
}
END_TEST

START_TEST(makefile_recipes_and_per_system_targets)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile",
		  "all: lib.a\n"
		  "lib.a: $(OBJS) generated.o\n"
		  "%.o: %.c\n"
		  "\t$(CC) $(CPPFLAGS) $(EXTRA) -DIN_PATTERN -c -o $@ $<\n"
		  "EXTRA = -DVIA_RECIPE\n"
		  "linux-debug:\n"
		  "\t$(MAKE) CFLAGS=\"-O0 -DLINUX_BUILD\" all\n"
		  "darwin freebsd:\n"
		  "\t$(MAKE) CFLAGS=\"-DBSD_BUILD\" all\n"
		  "OBJS = special.o\n"
		  "ifdef WITH_EXTRA\nOBJS += extra.o\nendif\n"
		  "special.o: special.c special.h\n"
		  "\t$(CC) -DONLY_SPECIAL -c special.c\n"
		  "extra.o: extra.c\n"
		  "\t$(CC) -DONLY_EXTRA -c extra.c\n"
		  "generated.o: generated.c\n"
		  "\t$(CC) -DONLY_GENERATED -c generated.c\n");
	tree_file(&x.t, "special.c", "int s;\n");
	tree_file(&x.t, "extra.c", "int e;\n");
	index_tree(&x, A64);
	const struct build_define *r = record(&x, "IN_PATTERN");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_int_eq(r->lang, BM_LANG_C);
	ck_assert_int_eq(record(&x, "VIA_RECIPE")->when, TRI_TRUE);
	/* the Linux build, though the default goal does not run it: a target
	 * named for a system is the build its users name */
	ck_assert_int_eq(record(&x, "LINUX_BUILD")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "BSD_BUILD")->when, TRI_FALSE);
	r = record(&x, "ONLY_SPECIAL");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_int_eq((int)r->nscope, 1);
	ck_assert_int_eq(r->scope[0], file_of(&x, "special.c"));
	/* an object the build makes only under a condition archport cannot decide */
	ck_assert_int_eq(record(&x, "ONLY_EXTRA")->when, TRI_UNKNOWN);
	/* a source the tree does not have (made by the build): unknown */
	ck_assert_int_eq(record(&x, "ONLY_GENERATED")->when, TRI_UNKNOWN);
	indexed_free(&x);
}
END_TEST

/* state-threads: `DEFINES = -D$(OS)`, OS given by the per-system targets */
START_TEST(makefile_define_named_by_a_variable)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile",
		  "ifeq ($(OS), Windows_NT)\nOS =\nendif\n"
		  "DEFINES = -D$(OS)\n"
		  "ifeq ($(OS), LINUX)\nDEFINES += -DMD_HAVE_EPOLL\nendif\n"
		  "CFLAGS = $(DEFINES) -O2\n"
		  "linux-debug:\n\t$(MAKE) OS=\"LINUX\" BUILD=\"DBG\"\n"
		  "darwin-debug:\n\t$(MAKE) OS=\"DARWIN\" BUILD=\"DBG\"\n"
		  "irix-debug:\n\t$(MAKE) OS=\"IRIX\" BUILD=\"DBG\"\n");
	index_tree(&x, A64);
	const struct build_define *r = record(&x, "LINUX");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_str_eq(r->origin, "Makefile:4 (-D$(OS) with OS=LINUX at line 10)");
	ck_assert_int_eq(record(&x, "DARWIN")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "IRIX")->when, TRI_FALSE);
	ck_assert_ptr_null(strmap_value(&x.ts.ix.defs, "DBG", 3));   /* BUILD is not a -D */
	ck_assert_int_eq(record(&x, "MD_HAVE_EPOLL")->when, TRI_TRUE);
	indexed_free(&x);
}
END_TEST

START_TEST(cmake_definitions)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "CMakeLists.txt",
		  "cmake_minimum_required(VERSION 3.13)\n"
		  "project(p C)\n"
		  "add_definitions(-DCM_ADD -DCM_VALUE=7)\n"
		  "add_compile_definitions(CM_BARE CM_PAIR=2)\n"
		  "add_compile_definitions(\n"
		  "    CM_MULTI\n"
		  ")\n"
		  "if(WIN32)\n"
		  "  add_compile_definitions(CM_WIN)\n"
		  "elseif(CMAKE_SYSTEM_NAME STREQUAL \"Linux\")\n"
		  "  add_definitions(-DCM_LINUX)\n"
		  "endif()\n"
		  "if(CMAKE_SYSTEM_PROCESSOR MATCHES \"x86_64|AMD64\")\n"
		  "  add_compile_definitions(CM_X86)\n"
		  "endif()\n"
		  "set(CMAKE_C_FLAGS \"${CMAKE_C_FLAGS} -DCM_FLAGS\")\n"
		  "if(UNIX AND NOT APPLE)\n  add_compile_definitions(CM_UNIX_NOT_APPLE)\nendif()\n"
		  "if(CMAKE_SYSTEM_NAME MATCHES \"Darwin|FreeBSD\")\n  add_compile_definitions(CM_BSDS)\nendif()\n"
		  "if(USE_FAST AND UNIX)\n  add_compile_definitions(CM_FAST_UNIX)\nendif()\n"
		  "if(USE_FAST AND (WIN32 OR APPLE))\n  add_compile_definitions(CM_FAST_WIN)\nendif()\n"
		  "add_library(p STATIC p.c)\n"
		  "target_compile_definitions(p PRIVATE CM_TARGET)\n"
		  "target_compile_definitions(p PUBLIC CM_PUBLIC)\n"
		  "target_compile_definitions(imported INTERFACE CM_NO_SOURCES)\n");
	tree_file(&x.t, "p.c", "int p;\n");
	index_tree(&x, A64);
	ck_assert_int_eq(record(&x, "CM_ADD")->when, TRI_TRUE);
	ck_assert_str_eq(record(&x, "CM_VALUE")->value, "7");
	ck_assert_int_eq(record(&x, "CM_BARE")->when, TRI_TRUE);
	ck_assert_str_eq(record(&x, "CM_PAIR")->value, "2");
	ck_assert_int_eq(record(&x, "CM_MULTI")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CM_WIN")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "CM_LINUX")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CM_X86")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "CM_FLAGS")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CM_UNIX_NOT_APPLE")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "CM_BSDS")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "CM_FAST_UNIX")->when, TRI_UNKNOWN);
	ck_assert_int_eq(record(&x, "CM_FAST_WIN")->when, TRI_FALSE);
	const struct build_define *r = record(&x, "CM_TARGET");
	ck_assert_int_eq(r->when, TRI_TRUE);
	ck_assert_int_eq((int)r->nscope, 1);
	ck_assert_int_eq(r->scope[0], file_of(&x, "p.c"));
	ck_assert_int_eq(r->scope_leaks, 0);
	r = record(&x, "CM_PUBLIC");
	ck_assert_int_eq(r->scope_leaks, 1);
	ck_assert_int_eq(record(&x, "CM_NO_SOURCES")->when, TRI_UNKNOWN);
	ck_assert_ptr_null(strmap_value(&x.ts.ix.defs, "PRIVATE", 7));
	ck_assert_ptr_null(strmap_value(&x.ts.ix.defs, "p", 1));
	indexed_free(&x);
}
END_TEST

START_TEST(automake_kbuild_and_meson_flags)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile.am", "AM_CPPFLAGS = -I$(srcdir)/include -DAM_DEF\nlib_LTLIBRARIES = libx.la\n");
	tree_file(&x.t, "drv/Kbuild", "obj-m += drv.o\nccflags-y += -DKBUILD_DEF\n");
	tree_file(&x.t, "meson.build",
		  "project('m', 'c')\n"
		  "add_project_arguments('-DMESON_DEF', language: 'c')\n"
		  "if host_machine.system() == 'windows'\n"
		  "  add_project_arguments('-DMESON_WIN', language: 'c')\n"
		  "endif\n"
		  "executable('t', 't.c', c_args: ['-DMESON_ONE_TARGET'])\n");
	index_tree(&x, A64);
	ck_assert_int_eq(record(&x, "AM_DEF")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "KBUILD_DEF")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "MESON_DEF")->when, TRI_TRUE);
	ck_assert_int_eq(record(&x, "MESON_WIN")->when, TRI_FALSE);
	ck_assert_int_eq(record(&x, "MESON_ONE_TARGET")->when, TRI_UNKNOWN);
	indexed_free(&x);
}
END_TEST

/* ---- the decision over records ---- */

static size_t add(struct build_defines *bd, const char *name, const char *value, int undef, enum tri when,
		  int arch, int lang)
{
	return build_defines_add(bd, name, strlen(name), value, value ? strlen(value) : 0, undef, when, arch, lang,
				 "Makefile:1 (-DX)", NULL);
}

static const struct bm_file c_file = { 0, BM_LANG_C, NULL, 0, 1 }, asm_file = { 0, BM_LANG_ASM, NULL, 0, 1 };

START_TEST(decision_over_records)
{
	struct build_defines bd = {0};
	struct macro_decision d;
	size_t recs[3] = { 0, 0, 0 };
	ck_assert_int_eq(build_defines_decide(&bd, recs, 0, &c_file, NULL, &d), 0);

	recs[0] = add(&bd, "X", "2", 0, TRI_TRUE, 0, BM_LANG_ALL);
	recs[1] = add(&bd, "X", "2", 0, TRI_TRUE, 0, BM_LANG_C);
	recs[2] = add(&bd, "X", "9", 0, TRI_FALSE, 1, BM_LANG_ALL);   /* the x86 build's other value */
	ck_assert_int_eq(build_defines_decide(&bd, recs, 3, &c_file, NULL, &d), 1);
	ck_assert_int_eq(d.state, TRI_TRUE);
	ck_assert_str_eq(d.body, "2");
	/* an .S file does not get CFLAGS from make's rules */
	build_defines_decide(&bd, recs, 3, &asm_file, NULL, &d);
	ck_assert_int_eq(d.state, TRI_UNKNOWN);
	/* a tree file that #defines it too */
	build_defines_decide(&bd, recs, 2, &c_file, "but config.h #defines it too", &d);
	ck_assert_int_eq(d.state, TRI_UNKNOWN);
	char *text = macro_decision_text("X", 1, &d);
	ck_assert_str_eq(text, "X is set by Makefile:1 (-DX) but config.h #defines it too");
	free(text);

	recs[1] = add(&bd, "X", "3", 0, TRI_TRUE, 0, BM_LANG_ALL);   /* two values */
	build_defines_decide(&bd, recs, 2, &c_file, NULL, &d);
	ck_assert_int_eq(d.state, TRI_UNKNOWN);

	recs[0] = add(&bd, "Y", "1", 0, TRI_FALSE, 1, BM_LANG_ALL);
	build_defines_decide(&bd, recs, 1, &c_file, NULL, &d);
	ck_assert_int_eq(d.state, TRI_FALSE);
	ck_assert_int_eq(d.arch, 1);
	text = macro_decision_text("Y", 1, &d);
	ck_assert_str_eq(text, "Y is set only for other architectures (Makefile:1 (-DX))");
	free(text);
	/* only for other architectures, but a tree file defines it: the tree decides */
	ck_assert_int_eq(build_defines_decide(&bd, recs, 1, &c_file, "but a.h #defines it too", &d), 0);

	recs[0] = add(&bd, "Z", NULL, 1, TRI_TRUE, 0, BM_LANG_ALL);
	build_defines_decide(&bd, recs, 1, &c_file, NULL, &d);
	ck_assert_int_eq(d.state, TRI_FALSE);
	ck_assert_int_eq(d.by_undef, 1);
	recs[1] = add(&bd, "Z", NULL, 0, TRI_UNKNOWN, 0, BM_LANG_ALL);
	build_defines_decide(&bd, recs, 2, &c_file, NULL, &d);
	ck_assert_int_eq(d.state, TRI_UNKNOWN);
	build_defines_free(&bd);
}
END_TEST

/* ---- what the C scan reports ---- */

static const char md_h[] =
	"#if defined(LINUX)\n"
	"#if defined(__x86_64__)\n"
	"#define MD_STACK_ALIGN 16\n"
	"#else\n"
	"#error \"Unknown CPU architecture\"\n"
	"#endif\n"
	"#elif defined(DARWIN)\n"
	"#define MD_STACK_ALIGN 16\n"
	"#include <immintrin.h>\n"
	"#endif\n";

START_TEST(error_under_a_macro_the_build_defines)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile",
		  "OS ?= $(shell uname -s | tr a-z A-Z)\n"
		  "ifeq ($(OS),LINUX)\n"
		  "DEFINES = -DLINUX\n"
		  "endif\n"
		  "ifeq ($(OS),DARWIN)\n"
		  "DEFINES = -DDARWIN\n"
		  "endif\n"
		  "CPPFLAGS += $(DEFINES)\n"
		  "all: md.o\n");
	tree_file(&t, "md.c", md_h);
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/error-directive", "error", "md.c", 5);
	const struct rfinding *f = find_finding(&r, "c/error-directive", "error", "md.c", 5);
	ck_assert_msg(strstr(f->message, "LINUX is defined by Makefile:3 (-DLINUX)"), "message: %s", f->message);
	/* DARWIN is set only for other systems: its arm is a note */
	EXPECT_FINDING(&r, "c/gated-x86", "note", "md.c", 9);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	scan_result_free(&r);
	tree_cleanup(&t);
}
END_TEST

/* -D flags of rules a plain make never builds: a recipe, a target-specific
 * line, a variable only such recipes name; reached or uncertain ones keep
 * the reach they had. */
START_TEST(makefile_defines_of_unbuilt_goals)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile",
		  "BENCH_DEFS = -DBENCH_VAR\n"
		  "all: prog\n"
		  "prog: main.o\n"
		  "\t$(CC) -DREACHED_LINK -o $@ main.o\n"
		  "%.o: %.c\n"
		  "\t$(CC) $(CFLAGS) -c -o $@ $<\n"
		  "main.o: CFLAGS += -DREACHED_TV\n"
		  "portable: CFLAGS += -DPORTABLE_TV\n"
		  "portable: all\n"
		  "bench: bench.c\n"
		  "\t$(CC) -DBENCH_RECIPE $(BENCH_DEFS) -o $@ bench.c\n"
		  "linux-debug: CFLAGS += -DLINUX_TV\n");
	tree_file(&x.t, "main.c", "int main(void) { return 0; }\n");
	tree_file(&x.t, "bench.c", "int main(void) { return 0; }\n");
	index_tree(&x, A64);
	const struct build_define *r = record(&x, "BENCH_RECIPE");
	ck_assert_int_eq(r->when, TRI_FALSE);
	ck_assert_str_eq(r->unbuilt, "only in the recipe of `bench`, which the default goal `all` does not build");
	r = record(&x, "BENCH_VAR");
	ck_assert_int_eq(r->when, TRI_FALSE);
	ck_assert_ptr_nonnull(strstr(r->unbuilt, "through `BENCH_DEFS`"));
	r = record(&x, "PORTABLE_TV");
	ck_assert_int_eq(r->when, TRI_FALSE);
	ck_assert_str_eq(r->unbuilt, "only for `portable`, which the default goal `all` does not build");
	struct macro_decision d = decide(&x, "main.c", "PORTABLE_TV");
	ck_assert_int_eq(d.state, TRI_FALSE);
	char *text = macro_decision_text("PORTABLE_TV", 11, &d);
	ck_assert_str_eq(text, "PORTABLE_TV is set only for `portable`, which the default goal `all` does not build "
			       "(Makefile:8 (-DPORTABLE_TV))");
	free(text);
	/* reached: as before (the recipe of one target; a target-specific line) */
	ck_assert_ptr_null(record(&x, "REACHED_LINK")->unbuilt);
	ck_assert_int_eq(record(&x, "REACHED_TV")->when, TRI_UNKNOWN);
	/* a target named for a system: the build its users name, as before */
	ck_assert_int_eq(record(&x, "LINUX_TV")->when, TRI_UNKNOWN);
	indexed_free(&x);

	/* a Makefile whose goals are not sure: as before */
	tree_init(&x.t);
	tree_file(&x.t, "Makefile", "$(eval $(RULES))\nall: prog\nportable: CFLAGS += -DPORTABLE_TV\n"
				    "bench:\n\t$(CC) -DBENCH_RECIPE -o $@ bench.c\n");
	index_tree(&x, A64);
	ck_assert_int_eq(record(&x, "PORTABLE_TV")->when, TRI_UNKNOWN);
	ck_assert_int_eq(record(&x, "BENCH_RECIPE")->when, TRI_UNKNOWN);
	indexed_free(&x);
}
END_TEST

/* `make portable` defines PORTABLE; a plain make does not, so the #error
 * fires on the target (as aarch64-linux-gnu-gcc says). */
START_TEST(error_hidden_only_by_an_unbuilt_goal)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile", "all: lib.o\nportable: CFLAGS += -DPORTABLE\nportable: all\n"
				  "%.o: %.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n");
	tree_file(&t, "lib.c", "#if !defined(PORTABLE) && !defined(__x86_64__)\n#error \"x86 only\"\n#endif\nint x;\n");
	scan_tree(&t, A64, &r);
	const struct rfinding *f = find_finding(&r, "c/error-directive", "error", "lib.c", 2);
	ck_assert_msg(f && strstr(f->message, "PORTABLE is set only for `portable`"), "report:\n%s", r.listing);
	scan_result_free(&r);
	tree_cleanup(&t);

	/* the other way: x86 code only `make bench` compiles is already gated */
	tree_init(&t);
	tree_file(&t, "Makefile", "all: lib.o\nbench: CFLAGS += -DBENCH_PAUSE\nbench: all\n"
				  "%.o: %.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n");
	tree_file(&t, "lib.c", "#ifdef BENCH_PAUSE\nvoid spin(void) { __asm__ volatile(\"pause\"); }\n#endif\nint x;\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_FINDING(&r, "c/gated-x86", "note", "lib.c", 2);
	scan_result_free(&r);
	tree_cleanup(&t);
}
END_TEST

START_TEST(a_tree_undef_keeps_it_undecided)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "Makefile", "CPPFLAGS += -DUSE_ASM\nall: a.o\n");
	tree_file(&t, "a.c", "#ifdef USE_ASM\nvoid f(void) { __asm__ volatile(\"pause\"); }\n#endif\n");
	tree_file(&t, "cfg.h", "#undef USE_ASM\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	const struct rfinding *f = find_finding(&r, "c/asm-x86", "warning", "a.c", 2);
	ck_assert_msg(f && strstr(f->message, "cfg.h #undefs it"), "report:\n%s", r.listing);
	scan_result_free(&r);
	tree_cleanup(&t);

	/* a default under #ifndef does not override -D */
	tree_init(&t);
	tree_file(&t, "Makefile", "CPPFLAGS += -DUSE_ASM=1\nall: a.o\n");
	tree_file(&t, "a.c", "#include \"cfg.h\"\n#if USE_ASM\nvoid f(void) { __asm__ volatile(\"pause\"); }\n#endif\n");
	tree_file(&t, "cfg.h", "#ifndef USE_ASM\n#define USE_ASM 0\n#endif\n");
	scan_tree(&t, A64, &r);
	EXPECT_FINDING(&r, "c/asm-x86", "error", "a.c", 3);
	scan_result_free(&r);
	tree_cleanup(&t);
}
END_TEST

START_TEST(macro_set_only_for_x86_gates_its_code)
{
	struct tmptree t;
	struct scan_result r;
	tree_init(&t);
	tree_file(&t, "CMakeLists.txt",
		  "add_library(m STATIC m.c)\n"
		  "if(CMAKE_SYSTEM_PROCESSOR MATCHES \"x86_64\")\n"
		  "  add_compile_definitions(HAVE_SSE_COPY)\n"
		  "endif()\n");
	tree_file(&t, "m.c", "#ifdef HAVE_SSE_COPY\n#include <emmintrin.h>\n#endif\nint m;\n");
	scan_tree(&t, A64, &r);
	EXPECT_NO_FINDING(&r, NULL, "error", NULL);
	EXPECT_NO_FINDING(&r, NULL, "warning", NULL);
	const struct rfinding *f = find_finding(&r, "c/gated-x86", "note", "m.c", 2);
	ck_assert_msg(f && strstr(f->message, "HAVE_SSE_COPY is set only for other architectures"), "report:\n%s",
		      r.listing);
	scan_result_free(&r);
	tree_cleanup(&t);
}
END_TEST

START_TEST(define_for_one_source_file)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile",
		  "CFLAGS = -O2\n"
		  "all: kern.o dispatch.o\n"
		  "dispatch.o: dispatch.c kern.h\n"
		  "\t$(CC) -c $(CFLAGS) -DKERN_CPU_DISPATCH $< -o $@\n");
	static const char body[] = "#ifdef KERN_CPU_DISPATCH\nvoid %s(void) { __asm__ volatile(\"cpuid\"); }\n#endif\n";
	char text[256];
	snprintf(text, sizeof text, "#include \"dispatch.h\"\n#include \"kern.h\"\n%s", body);
	tree_file(&x.t, "dispatch.c", text);
	tree_file(&x.t, "kern.c", "#include \"kern.h\"\n#ifdef KERN_CPU_DISPATCH\nvoid k(void) { __asm__ volatile(\"cpuid\"); }\n#endif\n");
	tree_file(&x.t, "dispatch.h", "#ifdef KERN_CPU_DISPATCH\nstatic inline void d(void) { __asm__ volatile(\"pause\"); }\n#endif\n");
	tree_file(&x.t, "kern.h", "#ifdef KERN_CPU_DISPATCH\nstatic inline void h(void) { __asm__ volatile(\"pause\"); }\n#endif\n");
	index_tree(&x, A64);
	ck_assert_ptr_nonnull(finding_in(&x, "dispatch.c", "c/asm-x86", SEV_ERROR, 4));
	const struct finding *f = finding_in(&x, "kern.c", "c/gated-x86", SEV_NOTE, 3);
	ck_assert_msg(f && strstr(f->message, "KERN_CPU_DISPATCH is set only for other files"), "%s",
		      f ? f->message : "no note");
	/* a header only the one file includes gets its flag; one both include does not know */
	ck_assert_ptr_nonnull(finding_in(&x, "dispatch.h", "c/asm-x86", SEV_ERROR, 2));
	ck_assert_ptr_nonnull(finding_in(&x, "kern.h", "c/asm-x86", SEV_WARNING, 2));
	indexed_free(&x);
}
END_TEST

/* ---- the compile database in the fast scan ---- */

START_TEST(shell_words)
{
	char **w;
	size_t n = compile_db_split_command("gcc -DA '-DB=\"x y\"' -DC=\\\"z\\\" \"-I my dir\" -c a.c", &w);
	ck_assert_int_eq((int)n, 7);
	ck_assert_str_eq(w[1], "-DA");
	ck_assert_str_eq(w[2], "-DB=\"x y\"");
	ck_assert_str_eq(w[3], "-DC=\"z\"");
	ck_assert_str_eq(w[4], "-I my dir");
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}
END_TEST

static void write_database(struct tmptree *t, const char *name)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "[\n"
		 " {\"directory\": \"%s\", \"file\": \"src/a.c\", \"output\": \"a.o\",\n"
		 "  \"arguments\": [\"cc\", \"-Iinclude\", \"-DFAST\", \"-DLEVEL=3\", \"-include\", \"include/cfg.h\", \"-c\", \"src/a.c\"]},\n"
		 " {\"directory\": \"%s/src\", \"file\": \"b.c\",\n"
		 "  \"command\": \"cc -I../include -DLEVEL=3 -D NAME=\\\"\\\\\\\"b\\\\\\\"\\\" -c b.c\"},\n"
		 " {\"directory\": \"/elsewhere\", \"file\": \"/elsewhere/x.c\", \"arguments\": [\"cc\", \"-c\", \"x.c\"]}\n"
		 "]\n", t->root, t->root);
	tree_file(t, name, text);
}

static void database_tree(struct indexed *x, const char *db_name)
{
	tree_init(&x->t);
	tree_file(&x->t, "Makefile", "CPPFLAGS += -DLINUX\nall: src/a.o src/b.o\n");
	tree_file(&x->t, "src/a.c",
		  "#include \"both.h\"\n#include \"only_a.h\"\n"
		  "#ifdef FAST\nvoid a(void) { __asm__ volatile(\"pause\"); }\n#endif\n"
		  "#if FORCED > 1\nvoid a2(void) { __asm__ volatile(\"mfence\"); }\n#endif\n");
	tree_file(&x->t, "src/b.c",
		  "#include \"both.h\"\n#ifdef FAST\nvoid b(void) { __asm__ volatile(\"pause\"); }\n#endif\n");
	tree_file(&x->t, "include/both.h",
		  "#ifdef FAST\nstatic inline void h(void) { __asm__ volatile(\"lfence\"); }\n#endif\n"
		  "#if LEVEL > 2\nstatic inline void l(void) { __asm__ volatile(\"sfence\"); }\n#endif\n");
	tree_file(&x->t, "include/only_a.h",
		  "#ifdef FAST\nstatic inline void o(void) { __asm__ volatile(\"lfence\"); }\n#endif\n");
	tree_file(&x->t, "include/cfg.h", "#define FORCED 2\n");
	write_database(&x->t, db_name);
}

START_TEST(database_decides_per_file)
{
	struct indexed x;
	database_tree(&x, "compile_commands.json");   /* found at the root */
	index_tree(&x, A64);
	ck_assert_ptr_nonnull(x.ts.ix.db);
	ck_assert_ptr_nonnull(finding_in(&x, "src/a.c", "c/asm-x86", SEV_ERROR, 4));
	ck_assert_ptr_null(finding_in(&x, "src/b.c", "c/asm-x86", SEV_ERROR, 0));
	ck_assert_ptr_nonnull(finding_in(&x, "src/b.c", "c/gated-x86", SEV_NOTE, 3));
	/* -include cfg.h comes first */
	ck_assert_ptr_nonnull(finding_in(&x, "src/a.c", "c/asm-x86", SEV_ERROR, 7));
	/* headers: where the includers agree (LEVEL) the flag decides; where
	 * they do not (FAST), it is unknown */
	ck_assert_ptr_nonnull(finding_in(&x, "include/both.h", "c/asm-x86", SEV_ERROR, 5));
	const struct finding *f = finding_in(&x, "include/both.h", "c/asm-x86", SEV_WARNING, 2);
	ck_assert_msg(f && strstr(f->message, "for some of the files that include this header"), "%s",
		      f ? f->message : "no warning");
	ck_assert_ptr_nonnull(finding_in(&x, "include/only_a.h", "c/asm-x86", SEV_ERROR, 2));

	struct macro_decision d = decide(&x, "src/a.c", "LEVEL");
	ck_assert_int_eq(d.state, TRI_TRUE);
	ck_assert_str_eq(d.body, "3");
	ck_assert_str_eq(d.origin, "compile_commands.json: src/a.c (-DLEVEL=3)");
	d = decide(&x, "src/b.c", "NAME");
	ck_assert_str_eq(d.body, "\"b\"");
	/* the database is exact: -DLINUX of the Makefile is not in it */
	d = decide(&x, "src/b.c", "LINUX");
	ck_assert_int_eq(d.state, TRI_FALSE);
	ck_assert_int_eq(d.from_database, 1);
	indexed_free(&x);
}
END_TEST

START_TEST(database_given_by_option)
{
	struct indexed x;
	database_tree(&x, "build/commands.json");
	x.k = knowledge_load(A64);
	char path[700];
	snprintf(path, sizeof path, "%s/build/commands.json", x.t.root);
	ck_assert_int_eq(tree_scan_run_db(&x.ts, x.k, x.t.root, 1, path), 0);
	ck_assert_ptr_nonnull(finding_in(&x, "src/a.c", "c/asm-x86", SEV_ERROR, 4));
	tree_scan_free(&x.ts);
	/* without it, FAST is defined nowhere: the code is not compiled */
	ck_assert_int_eq(tree_scan_run_db(&x.ts, x.k, x.t.root, 1, NULL), 0);
	ck_assert_ptr_null(x.ts.ix.db);
	ck_assert_ptr_null(finding_in(&x, "src/a.c", "c/asm-x86", SEV_ERROR, 4));
	indexed_free(&x);
}
END_TEST

START_TEST(database_of_the_x86_build_gives_way_to_arch_conditions)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "Makefile", "ifeq ($(ARCH),x86_64)\nCPPFLAGS += -DHAVE_SSE\nendif\nall: a.o\n");
	tree_file(&x.t, "a.c", "#ifdef HAVE_SSE\n#include <emmintrin.h>\n#endif\nint a;\n");
	char text[1024];
	snprintf(text, sizeof text,
		 "[{\"directory\": \"%s\", \"file\": \"a.c\", \"arguments\": [\"gcc\", \"-DHAVE_SSE\", \"-c\", \"a.c\"]}]\n",
		 x.t.root);
	tree_file(&x.t, "compile_commands.json", text);
	index_tree(&x, A64);
	ck_assert_ptr_nonnull(x.ts.ix.db);
	struct macro_decision d = decide(&x, "a.c", "HAVE_SSE");
	ck_assert_int_eq(d.state, TRI_FALSE);
	ck_assert_int_eq(d.arch, 1);
	ck_assert_ptr_null(finding_in(&x, "a.c", "c/header-x86", SEV_ERROR, 2));
	ck_assert_ptr_nonnull(finding_in(&x, "a.c", "c/gated-x86", SEV_NOTE, 2));
	indexed_free(&x);
}
END_TEST

START_TEST(database_that_is_not_json)
{
	struct indexed x;
	tree_init(&x.t);
	tree_file(&x.t, "compile_commands.json", "[{\"directory\": \"/x\", \"file\": ");
	tree_file(&x.t, "a.c", "int a;\n");
	index_tree(&x, A64);
	ck_assert_ptr_null(x.ts.ix.db);
	indexed_free(&x);
}
END_TEST

Suite *build_macros_suite(void)
{
	Suite *s = suite_create("build-macros");
	TCase *tc = tcase_create("build-files");
	tcase_add_test(tc, makefile_defines_and_their_conditions);
	tcase_add_test(tc, makefile_recipes_and_per_system_targets);
	tcase_add_test(tc, makefile_define_named_by_a_variable);
	tcase_add_test(tc, makefile_defines_of_unbuilt_goals);
	tcase_add_test(tc, cmake_definitions);
	tcase_add_test(tc, automake_kbuild_and_meson_flags);
	tcase_add_test(tc, decision_over_records);
	suite_add_tcase(s, tc);
	tc = tcase_create("c-scan");
	tcase_add_test(tc, error_under_a_macro_the_build_defines);
	tcase_add_test(tc, a_tree_undef_keeps_it_undecided);
	tcase_add_test(tc, error_hidden_only_by_an_unbuilt_goal);
	tcase_add_test(tc, macro_set_only_for_x86_gates_its_code);
	tcase_add_test(tc, define_for_one_source_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("compile-database");
	tcase_add_test(tc, shell_words);
	tcase_add_test(tc, database_decides_per_file);
	tcase_add_test(tc, database_given_by_option);
	tcase_add_test(tc, database_of_the_x86_build_gives_way_to_arch_conditions);
	tcase_add_test(tc, database_that_is_not_json);
	suite_add_tcase(s, tc);
	return s;
}
