/* The scan library used directly, the way cmd_scan.c drives it: walk_tree,
 * the index pass (index_defines / index_build_file), include resolution,
 * scan_c / scan_asm / scan_build into a struct file_scan, and the small
 * pieces around them (textfile, findings, rule registry). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch_dirs.h"
#include "components.h"
#include "finding.h"
#include "rules.h"
#include "scan.h"
#include "textfile.h"
#include "walk.h"
#include "unit.h"

/* A tree scanned through the library: the walk, its index, per-file results. */
struct lib_scan {
	struct tmptree t;
	struct knowledge *k;
	struct walk_result w;
	struct tree_index ix;
	struct file_scan *results;
};

/* The first pass (scan_index_tree), as cmd_scan.c runs it. */
static void lib_index(struct lib_scan *s, const char *target)
{
	s->k = knowledge_load(target);
	ck_assert_ptr_nonnull(s->k);
	memset(&s->w, 0, sizeof s->w);
	ck_assert_int_eq(walk_tree(s->t.root, &s->w), 0);
	index_init(&s->ix, s->k, &s->w);
	scan_index_tree(&s->ix, &s->w);
	s->ix.includes = include_cache_new(s->w.len);
	s->results = calloc(s->w.len ? s->w.len : 1, sizeof *s->results);
}

static int file_index(const struct lib_scan *s, const char *rel)
{
	for (size_t i = 0; i < s->w.len; i++)
		if (!strcmp(s->w.files[i].rel, rel))
			return (int)i;
	ck_abort_msg("%s is not in the walk", rel);
	return -1;
}

/* The second pass for one file (scan_file). */
static struct file_scan *lib_scan_file(struct lib_scan *s, const char *rel)
{
	int i = file_index(s, rel);
	scan_file(&s->ix, (size_t)i, &s->results[i]);
	ck_assert_msg(s->results[i].scanned, "%s was not scanned", rel);
	return &s->results[i];
}

static void lib_free(struct lib_scan *s)
{
	for (size_t i = 0; s->results && i < s->w.len; i++) {
		findings_free(&s->results[i].findings);
		free(s->results[i].refs);
	}
	free(s->results);
	include_cache_free(s->ix.includes);
	index_free(&s->ix);
	walk_free(&s->w);
	knowledge_free(s->k);
	tree_cleanup(&s->t);
}

static const struct finding *lib_find(const struct file_scan *r, const char *rule, enum severity sev, int line)
{
	for (size_t i = 0; i < r->findings.len; i++) {
		const struct finding *f = &r->findings.items[i];
		if (!strcmp(f->rule, rule) && f->severity == sev && (line == 0 || f->line == line))
			return f;
	}
	return NULL;
}

START_TEST(classify)
{
	ck_assert_int_eq(classify_path("a.c"), FK_C);
	ck_assert_int_eq(classify_path("dir/x.h"), FK_C);
	ck_assert_int_eq(classify_path("foo.cpp"), FK_C);
	ck_assert_int_eq(classify_path("foo.hpp"), FK_C);
	ck_assert_int_eq(classify_path("entry.S"), FK_ASM_CPP);
	ck_assert_int_eq(classify_path("entry.s"), FK_ASM);
	ck_assert_int_eq(classify_path("fast.asm"), FK_NASM);
	ck_assert_int_eq(classify_path("Makefile"), FK_MAKE);
	ck_assert_int_eq(classify_path("sub/Makefile.am"), FK_MAKE);
	ck_assert_int_eq(classify_path("rules.mk"), FK_MAKE);
	ck_assert_int_eq(classify_path("CMakeLists.txt"), FK_CMAKE);
	ck_assert_int_eq(classify_path("cmake/x86.cmake"), FK_CMAKE);
	ck_assert_int_eq(classify_path("meson.build"), FK_MESON);
	ck_assert_int_eq(classify_path("configure.ac"), FK_AUTOCONF);
	ck_assert_int_eq(classify_path("README.md"), FK_NONE);
	ck_assert_int_eq(classify_path("a.o"), FK_NONE);
}
END_TEST

START_TEST(walk)
{
	struct tmptree t;
	tree_init(&t);
	tree_file(&t, "b.c", "int b;\n");
	tree_file(&t, "a/x.h", "int x;\n");
	tree_file(&t, "README.md", "# readme\n");
	tree_file(&t, ".git/hooks/h.c", "int h;\n");
	tree_file(&t, "Makefile", "all:\n");
	struct walk_result w = {0};
	ck_assert_int_eq(walk_tree(t.root, &w), 0);
	ck_assert_uint_eq(w.len, 3);   /* README.md has no kind; .git is skipped */
	ck_assert_str_eq(w.files[0].rel, "Makefile");   /* sorted by name */
	ck_assert_str_eq(w.files[1].rel, "a/x.h");
	ck_assert_str_eq(w.files[2].rel, "b.c");
	ck_assert_int_eq(w.files[0].kind, FK_MAKE);
	ck_assert_int_eq(w.files[1].kind, FK_C);
	char want[700];
	snprintf(want, sizeof want, "%s/a/x.h", t.root);
	ck_assert_str_eq(w.files[1].path, want);
	ck_assert_uint_eq(w.nproblems, 0);
	walk_free(&w);

	/* a single file is its own root */
	char single[700];
	snprintf(single, sizeof single, "%s/b.c", t.root);
	ck_assert_int_eq(walk_tree(single, &w), 0);
	ck_assert_uint_eq(w.len, 1);
	ck_assert_str_eq(w.files[0].rel, "b.c");
	walk_free(&w);

	char missing[700];
	snprintf(missing, sizeof missing, "%s/no-such-dir", t.root);
	ck_assert_int_eq(walk_tree(missing, &w), -1);
	walk_free(&w);
	tree_cleanup(&t);
}
END_TEST

/* arch/$(ARCH) layouts in both directions: the source arch's directory
 * and the target's twin, none when the tree has the target's one. */
START_TEST(arch_dirs_both_ways)
{
	struct tmptree t;
	tree_init(&t);
	tree_file(&t, "Makefile", "ARCH ?= $(shell $(CC) -dumpmachine | cut -d- -f1)\nCPPFLAGS += -Isrc/arch/$(ARCH)\n");
	tree_file(&t, "src/arch/aarch64/cpu.h", "int cpu(void);\n");
	tree_file(&t, "src/arch/x86_64/cpu.h", "int cpu(void);\n");
	tree_file(&t, "lib/arch/arm64/io.h", "int io(void);\n");
	struct walk_result w = {0};
	ck_assert_int_eq(walk_tree(t.root, &w), 0);
	struct arch_dirs *rev = arch_dirs_find(&w, "x86_64");
	ck_assert_uint_eq(arch_dirs_len(rev), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *src = arch_dirs_x86(rev, i), *twin = arch_dirs_twin(rev, i);
		if (!strcmp(src, "src/arch/aarch64"))
			ck_assert_ptr_null(twin);   /* src/arch/x86_64 exists */
		else
			ck_assert_msg(!strcmp(src, "lib/arch/arm64") && twin && !strcmp(twin, "lib/arch/x86_64"),
				      "%s -> %s", src, twin ? twin : "(none)");
	}
	ck_assert(arch_dirs_contains(rev, "src/arch/aarch64/cpu.h"));
	ck_assert(!arch_dirs_contains(rev, "src/arch/x86_64/cpu.h"));
	struct arch_dirs *fwd = arch_dirs_find(&w, "aarch64");
	ck_assert_uint_eq(arch_dirs_len(fwd), 1);
	ck_assert_str_eq(arch_dirs_x86(fwd, 0), "src/arch/x86_64");
	ck_assert_ptr_null(arch_dirs_twin(fwd, 0));
	arch_dirs_free(rev);
	arch_dirs_free(fwd);
	walk_free(&w);
	tree_cleanup(&t);
}
END_TEST

START_TEST(index_and_include_resolution)
{
	struct lib_scan s;
	tree_init(&s.t);
	tree_file(&s.t, "src/a.c", "#define LOCAL_ONLY 1\n");
	tree_file(&s.t, "src/b.h", "  #  define SPACED 2\n");
	tree_file(&s.t, "include/c.h", "#define FOO\n");
	tree_file(&s.t, "lib/inc/d.h", "int d;\n");
	tree_file(&s.t, "Makefile", "CFLAGS += -Ilib/inc -DFROM_MAKE=1\n");
	lib_index(&s, "aarch64");
	int a = file_index(&s, "src/a.c"), b = file_index(&s, "src/b.h");
	int c = file_index(&s, "include/c.h"), d = file_index(&s, "lib/inc/d.h");

	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "b.h", 3, 0), b);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "b.h", 3, 1), -1);   /* <> skips the dir */
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "c.h", 3, 0), c);    /* include/ */
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "c.h", 3, 1), c);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "d.h", 3, 1), d);    /* -Ilib/inc */
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "../src/b.h", 10, 0), b);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "./b.h", 5, 0), b);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "../../etc/x.h", 13, 0), -1);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "stdio.h", 7, 1), -1);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "/usr/include/stdio.h", 20, 0), -1);
	ck_assert_int_eq(index_resolve_include(&s.ix, "src/a.c", "src/a.c", 7, 0), a);   /* from the root */

	const struct def_sites *ds = strmap_value(&s.ix.defs, "LOCAL_ONLY", 10);
	ck_assert_ptr_nonnull(ds);
	ck_assert_int_eq(ds->nfiles, 1);
	ck_assert_int_eq(ds->files[0], a);
	ck_assert_int_eq((int)ds->nbuild, 0);
	ds = strmap_value(&s.ix.defs, "SPACED", 6);
	ck_assert_ptr_nonnull(ds);
	ck_assert_int_eq(ds->files[0], b);
	ds = strmap_value(&s.ix.defs, "FOO", 3);
	ck_assert_ptr_nonnull(ds);
	ds = strmap_value(&s.ix.defs, "FROM_MAKE", 9);
	ck_assert_ptr_nonnull(ds);
	ck_assert_int_eq((int)ds->nbuild, 1);
	const struct build_define *bd = &s.ix.build_defines.items[ds->build[0]];
	ck_assert_str_eq(bd->value, "1");
	ck_assert_int_eq(bd->when, TRI_TRUE);
	ck_assert_str_eq(bd->origin, "Makefile:1 (-DFROM_MAKE=1)");
	ck_assert_ptr_null(strmap_value(&s.ix.defs, "NOWHERE", 7));
	ck_assert_int_eq(s.ix.has_build_files, 1);
	lib_free(&s);
}
END_TEST

START_TEST(scan_c_records_findings_and_includes)
{
	struct lib_scan s;
	tree_init(&s.t);
	tree_file(&s.t, "arch/x86.h", "#define RELAX() __asm__ volatile(\"pause\")\n");
	tree_file(&s.t, "util.h", "#ifndef UTIL_H\n#define UTIL_H\nint util(void);\n#endif\n");
	tree_file(&s.t, "main.c",
		  "#include \"util.h\"\n"
		  "#if defined(__x86_64__)\n"
		  "#include \"arch/x86.h\"\n"
		  "#endif\n"
		  "void f(void)\n"
		  "{\n"
		  "\t__asm__ volatile(\"rdtsc\");\n"
		  "}\n");
	lib_index(&s, "aarch64");
	struct file_scan *r = lib_scan_file(&s, "main.c");
	ck_assert_int_eq(r->scanned, 1);
	ck_assert_uint_eq(r->lines, 8);
	const struct finding *f = lib_find(r, RULE_ASM_X86, SEV_ERROR, 7);
	ck_assert_msg(f != NULL, "no c/asm-x86 error at line 7 (%zu findings)", r->findings.len);
	ck_assert_str_eq(f->file, "main.c");
	ck_assert_int_eq(f->column, 19);
	ck_assert_ptr_nonnull(f->source_line);
	ck_assert_str_eq(f->source_line, "\t__asm__ volatile(\"rdtsc\");");
	ck_assert_uint_eq(findings_count(&r->findings, SEV_ERROR), 1);

	/* the include references: util.h reachable, arch/x86.h only from the x86 arm */
	int util = file_index(&s, "util.h"), x86 = file_index(&s, "arch/x86.h");
	int seen_util = -1, seen_x86 = -1;
	for (size_t i = 0; i < r->nrefs; i++) {
		if (r->refs[i].file == util)
			seen_util = r->refs[i].reachable;
		if (r->refs[i].file == x86)
			seen_x86 = r->refs[i].reachable;
	}
	ck_assert_int_eq(seen_util, 1);
	ck_assert_int_eq(seen_x86, 0);
	lib_free(&s);
}
END_TEST

START_TEST(scan_asm_and_build_directly)
{
	struct lib_scan s;
	tree_init(&s.t);
	tree_file(&s.t, "sw.S", "\t.text\n\tmovq %rsp, (%rdi)\n\tret\n");
	tree_file(&s.t, "Makefile", "CFLAGS += -mavx2 -march=haswell\n");
	lib_index(&s, "riscv64");
	struct file_scan *a = lib_scan_file(&s, "sw.S");
	ck_assert_ptr_nonnull(lib_find(a, RULE_ASM_FILE, SEV_ERROR, 2));
	struct file_scan *m = lib_scan_file(&s, "Makefile");
	ck_assert_ptr_nonnull(lib_find(m, RULE_BUILD_FLAG, SEV_ERROR, 1));
	ck_assert_ptr_nonnull(lib_find(m, RULE_BUILD_MARCH, SEV_ERROR, 1));
	ck_assert_uint_eq(m->findings.len, 2);
	lib_free(&s);
}
END_TEST

START_TEST(textfile)
{
	struct tmptree t;
	tree_init(&t);
	static const char nul[] = "int a;\0int b;\n/* a comment that makes the file longer than a hundred bytes, "
				  "so one NUL is a stray byte */\n";
	tree_bytes(&t, "nul.c", nul, sizeof nul - 1);
	unsigned char bin[256];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)i;
	tree_bytes(&t, "bin.c", bin, sizeof bin);
	char path[700];
	struct textfile tf;
	char *why = NULL;

	snprintf(path, sizeof path, "%s/nul.c", t.root);
	ck_assert_int_eq(textfile_read(path, &tf, &why), 0);
	ck_assert_uint_eq(tf.len, sizeof nul - 1);
	ck_assert_int_eq(tf.has_nul, 1);
	ck_assert_int_eq(tf.data[tf.len], '\0');
	textfile_free(&tf);

	snprintf(path, sizeof path, "%s/bin.c", t.root);
	ck_assert_int_eq(textfile_read(path, &tf, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, "binary") != NULL, "why: %s", why);
	free(why);
	why = NULL;

	ck_assert_int_eq(textfile_read(t.root, &tf, &why), -1);   /* a directory */
	ck_assert_ptr_nonnull(why);
	free(why);

	ck_assert_uint_eq(count_lines("", 0), 0);
	ck_assert_uint_eq(count_lines("a", 1), 1);
	ck_assert_uint_eq(count_lines("a\n", 2), 1);
	ck_assert_uint_eq(count_lines("a\nb", 3), 2);
	ck_assert_uint_eq(count_lines("\n\n", 2), 2);
	tree_cleanup(&t);
}
END_TEST

START_TEST(findings_order_and_severities)
{
	struct finding_list l = {0};
	struct finding f1 = { RULE_GATED, SEV_NOTE, "a.c", 1, 1, 1, 2, "n", "none", NULL, NULL, NULL };
	struct finding f2 = { RULE_ASM_X86, SEV_ERROR, "b.c", 9, 1, 9, 2, "e2", "gate", NULL, NULL, NULL };
	struct finding f3 = { RULE_HEADER, SEV_ERROR, "b.c", 2, 5, 2, 6, "e1", "gate", NULL, NULL, NULL };
	struct finding f4 = { RULE_BUILD_FLAG, SEV_WARNING, "Makefile", 3, 1, 3, 2, "w", "gate", NULL, NULL, NULL };
	findings_add(&l, &f1);
	findings_add(&l, &f2);
	findings_add(&l, &f3);
	findings_add(&l, &f4);
	findings_sort(&l);
	ck_assert_str_eq(l.items[0].message, "e1");
	ck_assert_str_eq(l.items[1].message, "e2");
	ck_assert_str_eq(l.items[2].message, "w");
	ck_assert_str_eq(l.items[3].message, "n");
	ck_assert_uint_eq(findings_count(&l, SEV_ERROR), 2);
	ck_assert_ptr_ne(l.items[0].file, f3.file);   /* copied */

	struct finding_list m = {0};
	findings_take(&m, &l);
	ck_assert_uint_eq(m.len, 4);
	ck_assert_uint_eq(l.len, 0);
	findings_free(&m);
	findings_free(&l);

	ck_assert_int_eq(severity_parse("error"), SEV_ERROR);
	ck_assert_int_eq(severity_parse("warning"), SEV_WARNING);
	ck_assert_int_eq(severity_parse("note"), SEV_NOTE);
	ck_assert_int_eq(severity_parse("never"), SEV_NEVER);
	ck_assert_int_eq(severity_parse("fatal"), -1);
	ck_assert_str_eq(severity_name(SEV_WARNING), "warning");
}
END_TEST

START_TEST(rule_registry)
{
	static const char *const ids[] = { RULE_ASM_X86, RULE_ASM_CONSTRAINT, RULE_ASM_CLOBBER, RULE_INTRINSIC,
		RULE_VECTOR_TYPE, RULE_HEADER, RULE_ERROR_DIRECTIVE, RULE_ARCH_CHAIN, RULE_TARGET_ATTR,
		RULE_CONTEXT_REG, RULE_PORT_IO, RULE_GATED, RULE_ASM_FILE, RULE_BUILD_FLAG, RULE_BUILD_MARCH,
		RULE_BUILD_NASM, RULE_INPUT, RULE_LIMIT, RULE_PARSE, RULE_CLANG_ERROR, RULE_TARGET_BUILD, RULE_RUNTIME_HAZARD, RULE_ARCH_DIR, RULE_RUST_ASM_X86,
		RULE_RUST_ARCH_X86, RULE_RUST_TARGET_FEATURE, RULE_RUST_COMPILE_ERROR, RULE_RUST_MISSING_MODULE,
		RULE_RUST_GATED, RULE_RUST_GATED_USE, RULE_RUST_TARGET_DEP, RULE_RUST_X86_REGISTERS, RULE_RUST_X86_API,
		RULE_RUST_BUILD_X86, RULE_RUST_JIT_X86, RULE_RUST_ASM_AARCH64, RULE_RUST_ARCH_AARCH64,
		RULE_RUST_AARCH64_REGISTERS, RULE_RUST_RUNTIME_HAZARD, RULE_ASM_AARCH64, RULE_INTRINSIC_ARM, RULE_HEADER_ARM,
		RULE_GATED_AARCH64, RULE_ASM_FILE_AARCH64, RULE_BUILD_FLAG_AARCH64, RULE_BUILD_MARCH_AARCH64 };
	size_t n = 0;
	rule_all(&n);
	ck_assert_uint_eq(n, sizeof ids / sizeof *ids);
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		const struct rule_info *ri = rule_find(ids[i]);
		ck_assert_msg(ri != NULL, "rule %s is not registered", ids[i]);
		ck_assert_str_eq(ri->id, ids[i]);
		ck_assert_msg(ri->summary && *ri->summary, "rule %s has no summary", ids[i]);
		ck_assert_msg(ri->fix && *ri->fix, "rule %s says no fix in words", ids[i]);
		const char *doc = rule_doc(ids[i]);
		ck_assert_msg(doc != NULL && strstr(doc, ids[i]) != NULL, "rule %s has no doc page", ids[i]);
	}
	ck_assert_int_eq(rule_find(RULE_GATED)->severity, SEV_NOTE);
	ck_assert_int_eq(rule_find(RULE_INPUT)->severity, SEV_WARNING);
	ck_assert_int_eq(rule_find(RULE_ASM_X86)->severity, SEV_ERROR);
	ck_assert_ptr_null(rule_find("c/no-such-rule"));
	ck_assert_ptr_null(rule_doc("c/no-such-rule"));
}
END_TEST

/* Two projects in one tree, each with -Iinclude and a header of the same
 * name: each file finds its own project's header, not the first -I dir
 * of the tree; a file no build file covers still finds one. */
START_TEST(include_dirs_are_scoped_to_their_build_file)
{
	struct lib_scan s;
	tree_init(&s.t);
	tree_file(&s.t, "a/Makefile", "CFLAGS += -Iinclude\n");
	tree_file(&s.t, "a/include/same.h", "int a;\n");
	tree_file(&s.t, "a/src/x.c", "#include \"same.h\"\n");
	tree_file(&s.t, "b/Makefile", "CFLAGS += -Iinclude\n");
	tree_file(&s.t, "b/include/same.h", "int b;\n");
	tree_file(&s.t, "b/src/y.c", "#include \"same.h\"\n");
	tree_file(&s.t, "tools/t.c", "#include \"same.h\"\n");
	lib_index(&s, "aarch64");
	int ha = file_index(&s, "a/include/same.h"), hb = file_index(&s, "b/include/same.h");
	ck_assert_int_eq(index_resolve_include(&s.ix, "a/src/x.c", "same.h", 6, 0), ha);
	ck_assert_int_eq(index_resolve_include(&s.ix, "b/src/y.c", "same.h", 6, 0), hb);
	ck_assert_int_eq(index_resolve_include(&s.ix, "b/src/y.c", "same.h", 6, 1), hb);
	int other = index_resolve_include(&s.ix, "tools/t.c", "same.h", 6, 0);
	ck_assert(other == ha || other == hb);
	ck_assert_uint_eq(s.ix.includers[hb].len, 1);
	ck_assert_int_eq(s.ix.includers[hb].v[0], file_index(&s, "b/src/y.c"));
	lib_free(&s);
}
END_TEST

static const struct component *component_named(const struct component_list *l, const char *dir)
{
	for (size_t i = 0; i < l->len; i++)
		if (!strcmp(l->items[i].dir, dir))
			return &l->items[i];
	ck_abort_msg("no component %s", dir);
	return NULL;
}

/* The crates of a workspace with their path and other dependencies, and
 * the C directories of a library with the #include edges between them. */
START_TEST(components_of_a_tree)
{
	struct tmptree t;
	tree_init(&t);
	tree_file(&t, "Cargo.toml", "[workspace]\nmembers = [\"base\", \"app\"]\n");
	tree_file(&t, "base/Cargo.toml", "[package]\nname = \"base-crate\"\nversion = \"0.1.0\"\n");
	tree_file(&t, "base/src/lib.rs", "pub fn f() {}\n");
	tree_file(&t, "app/Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\n"
		  "base-crate = { path = \"../base\" }\nlog = \"0.4\"\n"
		  "[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n");
	tree_file(&t, "app/src/main.rs", "fn main() { base_crate::f(); }\n");
	tree_file(&t, "lib/Makefile", "CFLAGS += -Iinclude\n");
	tree_file(&t, "lib/include/l.h", "int l(void);\n");
	tree_file(&t, "lib/src/l.c", "#include \"l.h\"\nint l(void) { return 0; }\n");
	tree_file(&t, "lib/test.c", "#include \"l.h\"\nint main(void) { return l(); }\n");
	struct knowledge *k = knowledge_load("aarch64");
	struct tree_scan ts;
	ck_assert_int_eq(tree_scan_run(&ts, k, t.root, 1), 0);
	struct component_list l = {0};
	components_collect(&l, &ts.ix, "p");
	components_sort(&l);
	ck_assert_uint_eq(l.len, 5);
	ck_assert_int_eq(l.items[0].kind, COMPONENT_CRATE);
	const struct component *app = component_named(&l, "p/app");
	ck_assert_str_eq(app->name, "app");
	ck_assert_uint_eq(app->ndeps, 1);
	ck_assert_str_eq(app->deps[0].dir, "p/base");
	ck_assert_ptr_null(app->deps[0].pred);
	ck_assert_uint_eq(app->nexternal, 2);
	ck_assert_str_eq(app->external[0], "libc (cfg(unix))");
	ck_assert_str_eq(app->external[1], "log");
	ck_assert_str_eq(component_named(&l, "p/base")->name, "base-crate");
	const struct component *src = component_named(&l, "p/lib/src"), *top = component_named(&l, "p/lib");
	ck_assert_int_eq(src->kind, COMPONENT_C);
	ck_assert_str_eq(src->library, "p/lib");
	ck_assert_uint_eq(src->ndeps, 1);
	ck_assert_str_eq(src->deps[0].dir, "p/lib/include");
	ck_assert_uint_eq(top->ndeps, 1);
	ck_assert_uint_eq(top->files, 1);
	ck_assert_uint_eq(component_named(&l, "p/lib/include")->ndeps, 0);
	ck_assert_int_eq(component_of_file(&l, "p/app/src/main.rs"), (long)(app - l.items));
	ck_assert_int_eq(component_of_file(&l, "p/lib/src/l.c"), (long)(src - l.items));
	ck_assert_int_eq(component_of_file(&l, "p/lib/Makefile"), (long)(top - l.items));
	ck_assert_int_eq(component_of_file(&l, "q/x.c"), -1);
	components_free(&l);
	tree_scan_free(&ts);
	knowledge_free(k);
	tree_cleanup(&t);
}
END_TEST

Suite *scan_lib_suite(void)
{
	Suite *s = suite_create("scan-library");
	TCase *tc = tcase_create("walk-index");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, classify);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, arch_dirs_both_ways);
	tcase_add_test(tc, index_and_include_resolution);
	tcase_add_test(tc, include_dirs_are_scoped_to_their_build_file);
	tcase_add_test(tc, components_of_a_tree);
	suite_add_tcase(s, tc);

	tc = tcase_create("front-ends");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, scan_c_records_findings_and_includes);
	tcase_add_test(tc, scan_asm_and_build_directly);
	suite_add_tcase(s, tc);

	tc = tcase_create("pieces");
	tcase_add_test(tc, textfile);
	tcase_add_test(tc, findings_order_and_severities);
	tcase_add_test(tc, rule_registry);
	suite_add_tcase(s, tc);
	return s;
}
