/* Small utilities: growable buffers, full writes, JSON strings. */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

void
buf_append(struct buf *b, const void *p, size_t n)
{
	size_t	 cap;

	/* An empty 'I' frame: memcpy to a NULL data is undefined even for 0. */
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		if ((b->data = realloc(b->data, cap)) == NULL)
			err(1, "realloc");
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n == 0)
		return;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	/* A burst of input must not pin its peak size forever. */
	if (b->len == 0 && b->cap > 65536) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
	}
}

/* Write all of p to a blocking fd; -1 on a real error. */
int
writeall(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= w;
	}
	return 0;
}

void
setnonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		err(1, "fcntl O_NONBLOCK");
}

/* Our descriptors must not leak into the child (QEMU or the command). */
void
setcloexec(int fd)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		err(1, "fcntl FD_CLOEXEC");
}

/* Quote s (n bytes) as a JSON string into dst; returns the length written. */
size_t
json_str(char *dst, size_t size, const char *s, size_t n)
{
	size_t		 o = 0, i;
	unsigned char	 c;

	if (size < 3)
		return 0;
	dst[o++] = '"';
	for (i = 0; i < n && o + 8 < size; i++) {
		c = s[i];
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = c;
		} else if (c < 0x20 || c == 0x7f)
			o += snprintf(dst + o, size - o, "\\u%04x", c);
		else
			dst[o++] = c;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return o;
}

/*
 * Find "key": "value" in a flat JSON object.  Enough for {"cmd": ...};
 * the daemon never escapes anything in a command name.
 */
int
json_getstr(const unsigned char *p, size_t n, const char *key, char *val,
    size_t size)
{
	size_t	 i, k = strlen(key), o;

	for (i = 0; i + k + 2 <= n; i++) {
		if (p[i] != '"' || memcmp(p + i + 1, key, k) != 0 ||
		    p[i + 1 + k] != '"')
			continue;
		i += k + 2;
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r'))
			i++;
		if (i >= n || p[i++] != ':')
			return -1;
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
		    p[i] == '\r'))
			i++;
		if (i >= n || p[i++] != '"')
			return -1;
		for (o = 0; i < n && p[i] != '"'; i++) {
			if (p[i] == '\\' || o + 1 >= size)
				return -1;
			val[o++] = p[i];
		}
		if (i >= n)
			return -1;
		val[o] = '\0';
		return 0;
	}
	return -1;
}

const char *
signame(int sig)
{
	static char	 buf[16];

	switch (sig) {
	case SIGHUP:	return "SIGHUP";
	case SIGINT:	return "SIGINT";
	case SIGQUIT:	return "SIGQUIT";
	case SIGILL:	return "SIGILL";
	case SIGABRT:	return "SIGABRT";
	case SIGFPE:	return "SIGFPE";
	case SIGKILL:	return "SIGKILL";
	case SIGBUS:	return "SIGBUS";
	case SIGSEGV:	return "SIGSEGV";
	case SIGPIPE:	return "SIGPIPE";
	case SIGALRM:	return "SIGALRM";
	case SIGTERM:	return "SIGTERM";
	case SIGUSR1:	return "SIGUSR1";
	case SIGUSR2:	return "SIGUSR2";
	}
	snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}
