/* Running a tree's own build in a scratch copy: what `verify` and `port`
 * share. Every build of a job happens in the same directory, job->tree
 * (and job->build for CMake and Cargo), because the compiler writes the
 * build directory and source paths into the debug info: two copies at
 * different paths never give identical `-g` objects. */
#ifndef ARCHPORT_BUILD_RUN_H
#define ARCHPORT_BUILD_RUN_H

#include <sys/stat.h>
#include "util.h"

/* The cross libc for the emulated program. With -L alone the cross ld.so
 * reads the host's ld.so.cache, which points at the multiarch libc6:arm64
 * that libstd-rust-dev:arm64 pulls in: a different glibc build than the
 * cross loader, and the pair hangs in the first pthread_create. */
#define QEMU_LIBS "LD_LIBRARY_PATH=/usr/%s/lib"

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#else
#define HOST_ARCH "host"
#endif

/* run_cmd's results besides an exit status (0..255, 128+signal). */
#define RUN_FAILED (-1)
#define RUN_TIMEOUT (-2)

/* Source builds are compared object by object: the objects rustc writes
 * with -C save-temps, one codegen unit per crate, at -C opt-level=2 -g. */
#define RUST_COMPARE_FLAGS "-C opt-level=2 -g -C codegen-units=1 -C save-temps"

struct arch {
	const char *name;    /* --target value, CMAKE_SYSTEM_PROCESSOR */
	const char *triple;  /* compiler prefix; the sysroot is /usr/<triple> */
	const char *rust;    /* Rust target triple */
	int elf_machine;     /* e_machine of its executables */
};
const struct arch *arch_named(const char *name);
/* The source of a port to `target`: x86_64, or aarch64 for the reverse
 * port to x86_64. Its build is the reference that must stay identical. */
const struct arch *arch_source_of(const struct arch *target);

enum buildsys { BS_CUSTOM, BS_MAKE, BS_CMAKE, BS_CARGO };
extern const char *const buildsys_names[];   /* "--build", "make", ... */

/* One tree's builds: where, how, in which direction. The functions below
 * that take `target` build for job->target when it is 1 and for
 * job->source, the reference build, when it is 0; either side is native
 * or cross (the reverse port's reference is the aarch64 cross build). */
struct build_job {
	const struct arch *source, *target;
	enum buildsys bs;
	const char *build_cmd;   /* --build CMD (BS_CUSTOM) */
	int jobs;
	char *epoch;             /* SOURCE_DATE_EPOCH, the same for every build */
	char *scratch, *tree, *build;
	const char *rust_bin;    /* cargo/rustc/rustdoc from "" (PATH) or "/usr/bin/" */
	const char *const *wrapper;   /* the build runs under this (bear --output F --), or NULL */
};
const struct arch *build_arch(const struct build_job *job, int target);
/* Whether that side needs the cross compiler (and QEMU for its tests). */
int build_is_cross(const struct build_job *job, int target);

struct strvec {
	char **v;            /* NULL-terminated */
	size_t len, cap;
};
void sv_add(struct strvec *s, char *owned);
void sv_push(struct strvec *s, const char *str);
void sv_free(struct strvec *s);
int cmp_str(const void *a, const void *b);   /* qsort of char * */

int str_ends(const char *s, const char *suffix);
int path_exists(const char *path);           /* lstat: a dangling link exists */
int has_file(const char *dir, const char *name);
char *read_all(const char *path);            /* NULL when unreadable */

struct cmd {
	struct strvec argv;
	struct strvec env;   /* NAME=VALUE to set, NAME alone to unset */
	const char *cwd;
	const char *log;     /* stdout and stderr are appended here */
	int timeout;         /* seconds, 0 for none */
};
/* Runs the command, its output appended to c->log after the command line;
 * returns its exit status, 128+signal, RUN_FAILED or RUN_TIMEOUT. */
int run_cmd(const struct cmd *c);
void cmd_free(struct cmd *c);
/* SIGINT/SIGTERM/SIGHUP handler: kills a running timed command's group. */
void build_on_signal(int sig);

void rm_rf(const char *path);
int copy_file(const char *src, const char *dst, mode_t mode);
/* Copies a tree without version control or build outputs (`cargo`: nor a
 * top-level target/); symlinks stay links, modes and times are kept. */
int copy_tree(const char *src, const char *dst, int top, int cargo);

/* The line of a log a person wants first (the compiler's first error),
 * shortened for a table. */
char *first_error(const char *log);

struct patch_stats {
	int files, added, removed, text;
};
void patch_stats(const char *path, struct patch_stats *ps);

/* The program `name` for the source (target 0) or the target: "gcc" or
 * "aarch64-linux-gnu-gcc". */
char *build_tool(const struct build_job *job, int target, const char *name);
/* The environment every build and test gets (scrub_flags: drop the
 * caller's CFLAGS and friends). */
void build_env(const struct build_job *job, struct cmd *c, int target, int scrub_flags);
void make_argv(const struct build_job *job, int target, struct strvec *a);
void cargo_env(const struct build_job *job, int target, struct cmd *c);
void cargo_argv(const struct build_job *job, int target, const char *what, struct strvec *a);
void shell_argv(const char *script, struct strvec *a);
/* Builds job->tree for the source (0) or the target (1); returns the first
 * failing status. */
int build_run(const struct build_job *job, int target, const char *log);
char *build_summary(const struct build_job *job, int target);
/* Whether rustc (from `bin`) has the standard library of that side. */
int rust_target_installed(const struct build_job *job, int target, const char *bin, const char *log);
/* job->rust_bin: "" (PATH), or "/usr/bin/" when the toolchain on PATH (rustup's,
 * say) lacks the standard library of a cross side that Debian's has. */
void rust_choose_bin(struct build_job *job, const char *log);

/* The build system of the tree at `path` (--system NAME, --build CMD in
 * job->build_cmd, else its files); -1 after a message naming `command`. */
int build_detect(struct build_job *job, const char *path, const char *system, const char *command);
/* job->scratch, ->tree, ->build and ->epoch; -1 after a message. */
int build_scratch(struct build_job *job, const char *command);
/* Frees what build_scratch made (the directory itself stays). */
void build_job_release(struct build_job *job);
/* A fresh copy of `path` at job->tree, and no job->build directory. */
int build_fresh_copy(const struct build_job *job, const char *path);
/* `patch -p1 --forward` in `tree`: a patch that looks reversed is an
 * error, never silently un-applied; rejects are discarded. Returns its
 * exit status; its output goes to `log`. */
int apply_patch_file(const char *tree, const char *patch, const char *log);

/* Decides whether a regular file (root-relative `rel`, path `full`) goes
 * in a collect_files list. */
typedef int (*file_filter)(const void *ctx, const char *rel, const char *full, const struct stat *st);
/* Every regular file below root/rel that `keep` accepts, depth first. With
 * `skip_build_dirs`, hidden entries and CMakeFiles/ are not entered. */
void collect_files(const char *root, const char *rel, file_filter keep, const void *ctx,
		   int skip_build_dirs, struct strvec *out);
void list_objects(const char *root, const char *rel, struct strvec *out);

struct comparison {
	struct strvec identical, differ, missing, added;
	int linked;   /* no objects on either side: the linked files were compared */
};
/* Every object below `before` and `after`, compared byte for byte. A build
 * that compiles and links in one step (cc a.c -o prog) leaves no object:
 * then its ELF executables, shared objects and ar archives are compared,
 * which are identical when the objects that went into them would be (the
 * same directory, SOURCE_DATE_EPOCH, Debian's deterministic ar). */
void compare_objects(const char *before, const char *after, struct comparison *cmp);
void comparison_free(struct comparison *cmp);
void write_comparison(const char *log, const struct comparison *cmp);
/* "objects" or "linked files": what `cmp` compared, for messages. */
const char *comparison_kind(const struct comparison *cmp);
/* "src/a.o src/b.o ..." with at most three names. */
char *some_names(const struct strvec *s);

#endif
