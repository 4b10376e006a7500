#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "textfile.h"
#include "util.h"

/* Binary: many control bytes near the start. A stray NUL in a text file
 * (which gcc ignores with a warning) does not make it binary. */
static int looks_binary(const char *data, size_t len)
{
	size_t n = len < 8192 ? len : 8192, control = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b)
			control++;
	}
	return control > 2 && control * 100 > n;   /* more than 1%, and not a stray byte */
}

static int read_all(int fd, char *buf, size_t size, size_t *got)
{
	size_t off = 0;
	while (off < size) {
		ssize_t r = read(fd, buf + off, size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	*got = off;
	return 0;
}

int textfile_read(const char *path, struct textfile *tf, char **why)
{
	memset(tf, 0, sizeof *tf);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*why = xasprintf("cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = xstrdup("not a regular file");
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > TEXTFILE_MAX_SIZE) {
		*why = xasprintf("too large (%llu MiB, the limit is %u MiB); not scanned",
				 (unsigned long long)st.st_size >> 20, TEXTFILE_MAX_SIZE >> 20);
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	char *buf = xmalloc(size + 1);
	size_t got;
	if (read_all(fd, buf, size, &got) != 0) {
		*why = xasprintf("cannot read: %s", strerror(errno));
		free(buf);
		close(fd);
		return -1;
	}
	close(fd);
	buf[got] = '\0';
	if (looks_binary(buf, got)) {
		*why = xstrdup("binary file; not scanned");
		free(buf);
		return -1;
	}
	tf->data = buf;
	tf->len = got;
	tf->has_nul = memchr(buf, '\0', got) != NULL;
	return 0;
}

void textfile_free(struct textfile *tf)
{
	free(tf->data);
	tf->data = NULL;
	tf->len = 0;
}

size_t count_lines(const char *data, size_t len)
{
	size_t n = 0;
	const char *p = data, *end = data + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n + (len > 0 && data[len - 1] != '\n');
}
