/*
 * libFuzzer target: the console input path (native/qemu/source.c's read
 * and telnet decoding, log.c's log and its cap, conn.c's O frames).  The
 * input is what the guest writes on its console, after a two-byte header:
 * bit 0 of the first byte turns the telnet decoder on, the second caps
 * the log (0: no cap).  The helper must log exactly what the console
 * delivered (up to the cap), hand the daemon every byte once at the right
 * offsets, and never read or write out of bounds.
 */

#include <sys/types.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qemu/helper.h"
#include "fuzz.h"

struct helper	 h;
static int	 devnull = -1, logfd = -1;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 path[] = "/tmp/obsdtui-fuzz-log.XXXXXX";

	(void)argc;
	(void)argv;
	if ((devnull = open("/dev/null", O_WRONLY)) == -1)
		fz_die("/dev/null: %s", strerror(errno));
	if ((logfd = mkstemp(path)) == -1)
		fz_die("mkstemp: %s", strerror(errno));
	unlink(path);
	return 0;
}

static int
waiting(int fd)
{
	int	 n = 0;

	if (ioctl(fd, FIONREAD, &n) == -1)
		return 0;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	*log;
	struct fz_frames	 fr;
	int			 conn[2], con[2], closed = 0;
	size_t			 off, logged, want;
	ssize_t			 w;

	if (size < 2)
		return 0;
	memset(&h, 0, sizeof(h));
	memset(&fr, 0, sizeof(fr));
	h.pid = getpid();
	h.boot = 1;
	if (ftruncate(logfd, 0) == -1 || lseek(logfd, 0, SEEK_SET) == -1)
		fz_die("log: %s", strerror(errno));
	h.logfd = logfd;
	h.idxfd = devnull;
	h.listenfd = -1;
	h.status = -1;
	h.logmax = data[1] * 97;
	fz_pair(con);
	h.src.kind = data[0] & 1 ? SRC_QEMU : SRC_EXEC;
	h.src.telnet = data[0] & 1;
	h.src.fd = con[0];
	h.src.hold = -1;
	h.src.pid = -1;
	h.running = 1;	/* an exec console holds its pty at EOF */
	fz_pair(conn);
	h.connfd = conn[0];
	data += 2;
	size -= 2;

	for (off = 0; h.src.fd != -1; ) {
		if (off < size) {
			w = write(con[1], data + off, size - off);
			if (w > 0)
				off += (size_t)w;
		} else if (!closed && waiting(h.src.fd) == 0) {
			close(con[1]);
			closed = 1;
		}
		src_readable();
		fz_frames_read(&fr, conn[1]);
	}
	if (h.src.kind == SRC_EXEC && h.src.hold != con[0])
		fz_die("exec console not held at EOF");
	conn_close();
	fz_frames_read(&fr, conn[1]);
	h.running = 0;
	src_close();

	/* Every console byte reached the daemon, once, in order. */
	if (!h.src.telnet && (fr.slen != size || (size > 0 &&
	    memcmp(fr.stream, data, size) != 0)))
		fz_die("daemon got %zu bytes of %zu, or other bytes", fr.slen,
		    size);
	if (fr.slen > 2 * size)
		fz_die("telnet made %zu bytes of %zu", fr.slen, size);
	if ((off_t)fr.slen != h.streamoff)
		fz_die("stream offset %lld for %zu bytes",
		    (long long)h.streamoff, fr.slen);
	/* The log is that stream, up to the cap. */
	want = h.logmax > 0 && (off_t)fr.slen > h.logmax ? (size_t)h.logmax :
	    fr.slen;
	if ((off_t)want != h.logoff || !!h.logfull != (want < fr.slen))
		fz_die("log of %lld bytes, want %zu", (long long)h.logoff,
		    want);
	if ((log = realloc(log, want + 1)) == NULL)
		fz_die("realloc");
	if (lseek(logfd, 0, SEEK_SET) == -1)
		fz_die("lseek: %s", strerror(errno));
	for (logged = 0; logged < want; logged += (size_t)w)
		if ((w = read(logfd, log + logged, want - logged)) <= 0)
			break;
	if (logged != want || lseek(logfd, 0, SEEK_END) != (off_t)want ||
	    (want > 0 && memcmp(log, fr.stream, want) != 0))
		fz_die("the log is not the console's bytes");

	close(conn[1]);
	if (!closed)
		close(con[1]);
	fz_frames_free(&fr);
	return 0;
}
