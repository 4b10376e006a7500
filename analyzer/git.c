#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "git.h"
#include "util.h"

static void run_child(int out_fd, const char *dir, const char *const *args)
{
	int devnull = open("/dev/null", O_WRONLY);
	dup2(out_fd, 1);
	if (devnull >= 0)
		dup2(devnull, 2);
	/* The tree is untrusted: its .git/config must not make git run a
	 * program. ls-files would start core.fsmonitor's command; hooks
	 * and the untracked cache are turned off too, and git takes no
	 * optional locks (it never writes the index for us). */
	static const char *const safe[] = { "git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
		"-c", "core.untrackedCache=false", "-c", "core.splitIndex=false" };
	size_t nsafe = sizeof safe / sizeof *safe, nargs = 0;
	while (args[nargs])
		nargs++;
	const char **argv = xcalloc(nsafe + nargs + 3, sizeof *argv);
	size_t i = 0;
	for (; i < nsafe; i++)
		argv[i] = safe[i];
	argv[i++] = "-C";
	argv[i++] = dir;
	for (size_t a = 0; a < nargs; a++)
		argv[i++] = args[a];
	argv[i] = NULL;
	setenv("GIT_OPTIONAL_LOCKS", "0", 1);
	execvp("git", (char *const *)argv);
	_exit(127);
}

char *git_output(const char *dir, const char *const *args, size_t *len)
{
	int fds[2];
	if (pipe(fds) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(fds[1], dir, args);
	}
	close(fds[1]);
	struct strbuf sb = {0};
	sb_read_fd(&sb, fds[0]);   /* a read error: git's status says the rest */
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_detach(&sb);
}

/* Checking for uncommitted work runs as root on other users' checkouts
 * too (`sudo archport stub --write`), where git would refuse the
 * repository as not safe and the check would pass unseen: safe.directory
 * is allowed here because no program of the tree's configuration can run
 * (git_output turns them off, and hashing is done without filters). */
#define GIT_ANY_OWNER "-c", "safe.directory=*"

int git_inside_work_tree(const char *dir)
{
	static const char *const inside[] = { GIT_ANY_OWNER, "rev-parse", "--is-inside-work-tree", NULL };
	size_t len;
	char *s = git_output(dir, inside, &len);
	int yes = s && strncmp(s, "true", 4) == 0;
	free(s);
	return yes;
}

/* argv: prefix..., then rels[0..n), NULL. */
static const char **args_with(const char *const *prefix, size_t nprefix, const char *const *rels, size_t n)
{
	const char **argv = xcalloc(nprefix + n + 1, sizeof *argv);
	memcpy(argv, prefix, nprefix * sizeof *argv);
	memcpy(argv + nprefix, rels, n * sizeof *argv);
	return argv;
}

/* The index's blob id of each of rels (NULL: not tracked, or in a merge
 * conflict), from `git ls-files -s`, which reads no file's content. */
static int index_blobs(const char *dir, const char *const *rels, size_t n, char **blob)
{
	static const char *const ls[] = { GIT_ANY_OWNER, "--literal-pathspecs", "ls-files", "-z", "-s", "--" };
	const char **argv = args_with(ls, sizeof ls / sizeof *ls, rels, n);
	size_t len;
	char *out = git_output(dir, argv, &len);
	free(argv);
	if (!out)
		return -1;
	struct strmap ids = {0};
	for (size_t i = 0; i < len;) {   /* "MODE OID STAGE\tPATH\0" */
		const char *rec = out + i;
		size_t n_rec = strnlen(rec, len - i);
		const char *tab = memchr(rec, '\t', n_rec);
		const char *oid = memchr(rec, ' ', n_rec);
		if (tab && oid && oid < tab && tab[-1] == '0')
			strmap_get(&ids, tab + 1, strlen(tab + 1), 1)->value =
				xstrndup(oid + 1, (size_t)(strchr(oid + 1, ' ') - oid - 1));
		i += n_rec + 1;
	}
	for (size_t i = 0; i < n; i++) {
		void *v = strmap_value(&ids, rels[i], strlen(rels[i]));
		blob[i] = v ? xstrdup(v) : NULL;
	}
	strmap_free(&ids, free);
	free(out);
	return 0;
}

/* git_uncommitted for the files of one work tree, `top`; the list names
 * them with `prefix` (top relative to the root). */
static int uncommitted_in(const char *top, const char *prefix, const char *const *rels, size_t n,
			  struct strbuf *list)
{
	char **blob = xcalloc(n ? n : 1, sizeof *blob);
	const char **tracked = xcalloc(n ? n : 1, sizeof *tracked);
	size_t ntracked = 0;
	int count = index_blobs(top, rels, n, blob);
	for (size_t i = 0; count >= 0 && i < n; i++) {
		if (blob[i])
			tracked[ntracked++] = rels[i];
		else {
			sb_addf(list, "  %s%s (not committed)\n", prefix, rels[i]);
			count++;
		}
	}
	/* The work tree's blob ids, hashed as the bytes are: a clean filter
	 * would be a program of the tree's configuration. A file that git
	 * converts (eol, filter) therefore counts as changed: --force. */
	static const char *const hash[] = { GIT_ANY_OWNER, "hash-object", "--no-filters", "--" };
	const char **argv = ntracked ? args_with(hash, sizeof hash / sizeof *hash, tracked, ntracked) : NULL;
	size_t len = 0;
	char *ids = count >= 0 && ntracked ? git_output(top, argv, &len) : NULL;
	if (ntracked && !ids)
		count = -1;
	const char *id = ids;
	for (size_t i = 0, t = 0; count >= 0 && i < n; i++) {
		if (!blob[i])
			continue;
		size_t idlen = strcspn(id, "\n");
		if (strlen(blob[i]) != idlen || memcmp(blob[i], id, idlen) != 0) {
			sb_addf(list, "  %s%s\n", prefix, tracked[t]);
			count++;
		}
		id += idlen + (id[idlen] == '\n');
		t++;
	}
	for (size_t i = 0; i < n; i++)
		free(blob[i]);
	free(blob);
	free(tracked);
	free(argv);
	free(ids);
	return count;
}

/* How much of rel names the work tree that holds it: up to the deepest of
 * its directories with a .git of its own (a submodule, whose files the
 * superproject's index does not list); 0: dir's own. */
static size_t work_tree_prefix(const char *dir, const char *rel)
{
	for (size_t k = strlen(rel); k-- > 0;) {
		if (rel[k] != '/')
			continue;
		char *dotgit = xasprintf("%s/%.*s/.git", dir, (int)k, rel);
		struct stat st;
		int found = lstat(dotgit, &st) == 0;
		free(dotgit);
		if (found)
			return k + 1;
	}
	return 0;
}

int git_uncommitted(const char *dir, const char *const *rels, size_t n, char **out)
{
	struct strbuf list = {0};
	size_t *cut = xcalloc(n ? n : 1, sizeof *cut);
	char *done = xcalloc(n ? n : 1, 1);
	const char **group = xcalloc(n ? n : 1, sizeof *group);
	for (size_t i = 0; i < n; i++)
		cut[i] = work_tree_prefix(dir, rels[i]);
	int count = 0;
	for (size_t i = 0; count >= 0 && i < n; i++) {   /* each work tree once */
		if (done[i])
			continue;
		size_t ng = 0;
		for (size_t j = i; j < n; j++)
			if (!done[j] && cut[j] == cut[i] && strncmp(rels[j], rels[i], cut[i]) == 0) {
				done[j] = 1;
				group[ng++] = rels[j] + cut[i];
			}
		char *prefix = xstrndup(rels[i], cut[i]);
		char *top = cut[i] ? xasprintf("%s/%s", dir, prefix) : xstrdup(dir);
		/* no git, or not a checkout: no work to lose track of */
		int c = git_inside_work_tree(top) ? uncommitted_in(top, prefix, group, ng, &list) : 0;
		count = c < 0 ? -1 : count + c;
		free(prefix);
		free(top);
	}
	free(cut);
	free(done);
	free(group);
	*out = sb_detach(&list);
	return count;
}
