/* `stub --write` as one transaction: every file is staged first (its new
 * text and a backup of the original written, fsync'd and read back in a
 * staging directory), then all are committed; when one fails, those
 * already committed get their original bytes back, so the tree is as
 * before. Nothing is written through a symlink or outside the tree.
 *
 * A changed file is written in place, into its own inode, rather than
 * renamed over from a temporary file: a rename makes a new inode, which
 * drops the file's other hard links and makes it belong to whoever runs
 * archport (root, under sudo). The staged copy is what makes the in-place
 * write safe: it is complete and checked before the original is touched,
 * and the backup stays until the end. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build_run.h"
#include "stub_internal.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

struct txn {
	int tree;              /* the root directory */
	char *staging;         /* TMPDIR/archport-stub-XXXXXX */
	char **made_dirs;      /* created by the commit, relative, in order */
	size_t nmade, made_cap;
};

/* The owner a new file or directory gets: that of its directory when
 * running as root (so `sudo archport stub --write` leaves the tree its
 * owner's), else the caller (the kernel's default). */
static int own_like_parent(int parent, int fd)
{
	struct stat st;
	if (geteuid() != 0)
		return 0;
	return fstat(parent, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) == 0 ? 0 : -1;
}

/* Why the component `name` in `dir` cannot be walked through. */
static char *blocked_why(int dir, const char *name, int err)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return xstrdup("is a symlink; archport does not write through symlinks");
	if (err == ENOTDIR || err == ELOOP)
		return xstrdup("is not a directory");
	return xstrdup(strerror(err));
}

/* Opens the directory that holds rel, one component at a time and never
 * through a symlink. `create`: missing directories are made (and kept
 * in t->made_dirs for a rollback). Returns the fd and sets *leaf to the
 * last component; -1 with *why (naming the component in *where). */
static int open_parent(struct txn *t, const char *rel, int create, const char **leaf, char **where, char **why)
{
	int fd = dup(t->tree);
	const char *p = rel;
	for (const char *slash; fd >= 0 && (slash = strchr(p, '/')); p = slash + 1) {
		char *name = xstrndup(p, (size_t)(slash - p));
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create && mkdirat(fd, name, 0777) == 0) {
			GROW(t->made_dirs, t->nmade, t->made_cap);
			t->made_dirs[t->nmade++] = xstrndup(rel, (size_t)(slash - rel));
			next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next >= 0 && own_like_parent(fd, next) != 0) {
				close(next);
				next = -1;
			}
		}
		if (next < 0) {
			*where = xstrndup(rel, (size_t)(slash - rel));
			*why = blocked_why(fd, name, errno);
		}
		free(name);
		close(fd);
		fd = next;
	}
	*leaf = p;
	return fd;
}

/* Checks that a new file can be made: each existing component of its
 * path is a real directory (not a symlink, not a file) and nothing is at
 * its name yet; the missing directories are made at commit. */
static int check_new(struct txn *t, const struct tree_edit *e, char **where, char **why)
{
	int fd = dup(t->tree), rc = 0;
	for (const char *p = e->rel; fd >= 0;) {
		const char *slash = strchr(p, '/');
		char *name = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
		struct stat st;
		int exists = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
		int next = exists && slash && S_ISDIR(st.st_mode)
				   ? openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		if (exists && (!slash || next < 0)) {
			*where = slash ? xstrndup(e->rel, (size_t)(slash - e->rel)) : xstrdup(e->rel);
			*why = !slash ? xstrdup("exists already; archport does not replace it") : blocked_why(fd, name, ENOTDIR);
			rc = -1;
		}
		free(name);
		close(fd);
		fd = next;
		p = slash ? slash + 1 : p;
	}
	return rc;
}

/* Stages edit i: the original read (through no symlink) into e->orig and
 * the staging directory, the new text written there and read back. */
static int stage_one(struct txn *t, struct tree_edit *e, size_t i, char **where, char **why)
{
	if (e->is_new && check_new(t, e, where, why) != 0)
		return -1;
	if (!e->is_new) {
		const char *leaf;
		int dir = open_parent(t, e->rel, 0, &leaf, where, why);
		int fd = dir < 0 ? -1 : openat(dir, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat st;
		int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && sb_read_fd(&e->orig, fd) == 0;
		int same = ok && e->orig.len == e->read_len && hash_bytes(e->orig.buf ? e->orig.buf : "", e->orig.len) == e->read_hash;
		if (!same && dir >= 0) {
			*where = xstrdup(e->rel);
			*why = fd < 0 ? blocked_why(dir, leaf, errno)
			     : ok     ? xstrdup("changed while archport ran; run it again")
				      : xstrdup("is not a regular file");
		}
		ok = same;
		if (fd >= 0)
			close(fd);
		if (dir >= 0)
			close(dir);
		if (!ok)
			return -1;
	}
	struct { const char *suffix; const char *data; size_t len; } copies[] = {
		{ "new", e->text, e->len }, { "orig", e->orig.buf ? e->orig.buf : "", e->orig.len } };
	for (size_t c = 0; c < (e->is_new ? 1u : 2u); c++) {
		char *path = xasprintf("%s/%zu.%s", t->staging, i, copies[c].suffix);
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		struct strbuf back = {0};
		int ok = fd >= 0 && write_fd_all(fd, copies[c].data, copies[c].len) == 0 && fsync(fd) == 0 &&
			 lseek(fd, 0, SEEK_SET) == 0 && sb_read_fd(&back, fd) == 0 && back.len == copies[c].len &&
			 memcmp(back.buf ? back.buf : "", copies[c].data, back.len) == 0;
		if (!ok) {
			*where = path;
			*why = xasprintf("cannot stage a copy: %s", errno ? strerror(errno) : "read back differs");
		} else
			free(path);
		sb_free(&back);
		if (fd >= 0)
			close(fd);
		if (!ok)
			return -1;
	}
	return 0;
}

/* *why, prefixed with the directory that stopped a write (if any). */
static void name_where(char **why, char *where)
{
	if (where) {
		char *w = xasprintf("%s: %s", where, *why);
		free(*why);
		*why = w;
		free(where);
	}
}

/* Closes fd (if open) after a write that went `ok`: a close error (NFS,
 * quotas) fails it too. Returns ok, with *why set when it is 0. */
static int close_checked(int fd, int ok, char **why)
{
	if (!ok && !*why)
		*why = xstrdup(strerror(errno));
	if (fd >= 0 && close(fd) != 0 && ok) {
		ok = 0;
		*why = xstrdup(strerror(errno));
	}
	return ok;
}

/* Writes data into the existing file rel, in place (see the top; no
 * O_TRUNC: the file is cut to the new length after the write). Returns 0;
 * -1 when the file was not opened; -2 when it was and may be half
 * written. */
static int overwrite(struct txn *t, const char *rel, const char *data, size_t len, char **why)
{
	const char *leaf;
	char *where = NULL;
	int dir = open_parent(t, rel, 0, &leaf, &where, why);
	int fd = dir < 0 ? -1 : openat(dir, leaf, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int ok = fd >= 0 && write_fd_all(fd, data, len) == 0 && ftruncate(fd, (off_t)len) == 0 && fsync(fd) == 0;
	ok = close_checked(fd, ok, why);
	if (dir >= 0)
		close(dir);
	name_where(why, where);
	return ok ? 0 : fd >= 0 ? -2 : -1;
}

/* Makes the new file rel (and its missing directories); never replaces
 * anything: O_EXCL. */
static int create(struct txn *t, const char *rel, const char *data, size_t len, char **why)
{
	const char *leaf;
	char *where = NULL;
	int dir = open_parent(t, rel, 1, &leaf, &where, why);
	int fd = dir < 0 ? -1 : openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	int ok = fd >= 0 && own_like_parent(dir, fd) == 0 && write_fd_all(fd, data, len) == 0 && fsync(fd) == 0;
	ok = close_checked(fd, ok, why);
	if (!ok && fd >= 0)
		unlinkat(dir, leaf, 0);
	if (dir >= 0)
		close(dir);
	name_where(why, where);
	return ok ? 0 : -1;
}

static int remove_new(struct txn *t, const char *rel)
{
	return unlinkat(t->tree, rel, 0) == 0 || errno == ENOENT ? 0 : -1;
}

/* Undoes edits [0, n) (committed) and the directories made, newest first.
 * Returns how many could not be undone (each said). */
static size_t roll_back(struct txn *t, struct tree_edit *edits, size_t n)
{
	size_t failed = 0;
	for (size_t i = n; i-- > 0;) {
		struct tree_edit *e = &edits[i];
		char *why = NULL;
		int rc = e->is_new ? remove_new(t, e->rel)
				   : overwrite(t, e->rel, e->orig.buf ? e->orig.buf : "", e->orig.len, &why);
		if (rc != 0) {
			failed++;
			fprintf(stderr, "archport stub: could not restore %s (%s): its original is %s/%zu.orig\n", e->rel,
				why ? why : strerror(errno), t->staging, i);
		}
		free(why);
	}
	for (size_t i = t->nmade; i-- > 0;)
		if (unlinkat(t->tree, t->made_dirs[i], AT_REMOVEDIR) != 0) {
			failed++;
			fprintf(stderr, "archport stub: could not remove the new directory %s: %s\n", t->made_dirs[i],
				strerror(errno));
		}
	return failed;
}

static int commit(struct txn *t, struct tree_edit *edits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		struct tree_edit *e = &edits[i];
		int rc = e->is_new ? create(t, e->rel, e->text, e->len, &why) : overwrite(t, e->rel, e->text, e->len, &why);
		if (rc == 0)
			continue;
		char *what = xasprintf("cannot write: %s", why);
		warn_about("archport stub", e->rel, what);
		free(what);
		free(why);
		size_t touched = i + (rc == -2);   /* a file opened for writing may be half written */
		size_t failed = roll_back(t, edits, touched);
		if (failed)
			fprintf(stderr, "archport stub: rolled back %zu of %zu written files; the staging directory %s "
				"keeps the originals\n", touched - failed, touched, t->staging);
		else
			fprintf(stderr, "archport stub: rolled back the %zu file%s already written: the tree is as before\n",
				touched, touched == 1 ? "" : "s");
		return failed ? -2 : -1;
	}
	return 0;
}

int tree_write_all(const char *root, struct tree_edit *edits, size_t n)
{
	struct txn t = { .tree = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
	if (t.tree < 0) {
		fprintf(stderr, "archport stub: %s: %s\n", root, strerror(errno));
		return -1;
	}
	struct build_job job = {0};
	if (build_scratch(&job, "stub") != 0) {
		close(t.tree);
		return -1;
	}
	t.staging = job.scratch;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *where = NULL, *why = NULL;
		errno = 0;
		if (stage_one(&t, &edits[i], i, &where, &why) != 0) {
			char *what = xasprintf("%s; nothing was written", why);
			warn_about("archport stub", where, what);
			free(what);
			rc = -1;
		}
		free(where);
		free(why);
	}
	/* Ctrl-C (or a hangup) between two files of the commit would leave
	 * the tree half patched: such signals wait until it is done. */
	sigset_t stop, old;
	sigemptyset(&stop);
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		sigaddset(&stop, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (rc == 0)
		rc = commit(&t, edits, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
	{
		fputs("archport stub: wrote ", stderr);
		fput_escaped(stderr, edits[i].rel, strlen(edits[i].rel), 0);
		fputc('\n', stderr);
	}
	if (rc != -2)   /* -2: the originals are still needed */
		rm_rf(job.scratch);
	for (size_t i = 0; i < t.nmade; i++)
		free(t.made_dirs[i]);
	free(t.made_dirs);
	build_job_release(&job);
	close(t.tree);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc ? -1 : 0;
}
