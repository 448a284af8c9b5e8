/* Helpers shared by the fuzz targets: socket pairs and the helper's frames. */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

void
fz_die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* A non-blocking stream socket pair with room for a large burst. */
void
fz_pair(int fds[2])
{
	int	 i, sz = 1024 * 1024;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		fz_die("socketpair: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
}

/* Read and forget whatever is waiting on fd. */
void
fz_drain(int fd)
{
	char	 buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void
grow(unsigned char **p, size_t *cap, size_t need)
{
	size_t	 c = *cap ? *cap : 65536;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	if ((*p = realloc(*p, c)) == NULL)
		fz_die("realloc");
	*cap = c;
}

/*
 * Read what the helper sent the daemon and check that it is well formed:
 * u32 length | type H, O or E | payload, O frames with contiguous offsets
 * (their payloads are collected in stream), events one JSON object.
 */
void
fz_frames_read(struct fz_frames *f, int fd)
{
	ssize_t		 r;
	uint32_t	 len;
	uint64_t	 off;
	unsigned char	*p;
	size_t		 i;

	for (;;) {
		grow(&f->data, &f->cap, f->len + 65536);
		if ((r = read(fd, f->data + f->len, 65536)) <= 0)
			break;
		f->len += (size_t)r;
	}
	while (f->len >= 5) {
		p = f->data;
		len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
		if (p[4] != 'H' && p[4] != 'O' && p[4] != 'E')
			fz_die("helper sent a frame of type 0x%02x", p[4]);
		if (len > 8 * 1024 * 1024)
			fz_die("helper sent a frame of %u bytes", len);
		if (f->len < 5 + (size_t)len)
			break;
		if (p[4] == 'O') {
			if (len < 8)
				fz_die("O frame without an offset");
			for (off = 0, i = 0; i < 8; i++)
				off = off << 8 | p[5 + i];
			if (off != f->next)
				fz_die("O frame at %llu, expected %llu",
				    (unsigned long long)off,
				    (unsigned long long)f->next);
			f->next += len - 8;
			grow(&f->stream, &f->scap, f->slen + len - 8);
			memcpy(f->stream + f->slen, p + 13, len - 8);
			f->slen += len - 8;
		} else {
			if (len < 2 || p[5] != '{' || p[4 + len] != '}')
				fz_die("%c frame is not a JSON object", p[4]);
			for (i = 0; i < len; i++)
				if (p[5 + i] < 0x20)
					fz_die("control byte 0x%02x in an event",
					    p[5 + i]);
			f->events++;
		}
		memmove(f->data, f->data + 5 + len, f->len - 5 - len);
		f->len -= 5 + len;
	}
}

void
fz_frames_free(struct fz_frames *f)
{
	free(f->data);
	free(f->stream);
	memset(f, 0, sizeof(*f));
}
