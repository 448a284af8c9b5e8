/*
 * libFuzzer target: the helper's decoder of daemon frames (native/qemu/
 * conn.c: u32 length | type | payload, then 'I', 'B', 'A', 'K' and 'C'
 * with its JSON command).  The input is the byte stream "the daemon"
 * writes; the helper must never read out of bounds, and whatever it answers
 * must be well-formed frames (checked in fuzz.c).
 *
 * The first byte picks the console: bits 0-1 the source kind, bit 2
 * telnet.  The console is a socket pair and the helper has no child
 * (h.running is 0), so 'K' never signals anything; there is no observe
 * network, so net-pcap never opens a file.
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
static int	 devnull = -1;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((devnull = open("/dev/null", O_WRONLY)) == -1)
		fz_die("/dev/null: %s", strerror(errno));
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
	struct fz_frames	 fr;
	int			 conn[2], con[2];
	size_t			 off;
	ssize_t			 w;

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	memset(&fr, 0, sizeof(fr));
	snprintf(h.logpath, sizeof(h.logpath), "/fuzz/boot-1.log");
	h.pid = getpid();
	h.boot = 1;
	h.logfd = h.idxfd = devnull;
	h.listenfd = -1;
	h.status = -1;
	fz_pair(con);
	h.src.kind = (enum srckind)(data[0] % 3);
	h.src.telnet = (data[0] >> 2) & 1;
	h.src.fd = con[0];
	h.src.hold = -1;
	h.src.pid = -1;
	fz_pair(conn);
	h.connfd = conn[0];
	data++;
	size--;

	for (off = 0; h.connfd != -1; ) {
		if (off < size) {
			w = write(conn[1], data + off, size - off);
			if (w > 0)
				off += (size_t)w;
		} else if (waiting(h.connfd) == 0)
			break;
		conn_readable();
		fz_frames_read(&fr, conn[1]);
		fz_drain(con[1]);
		if (h.src.out.len > size * 2 + 2)
			fz_die("console output of %zu bytes from %zu input",
			    h.src.out.len, size);
	}
	conn_close();
	fz_frames_read(&fr, conn[1]);
	src_close();
	free(h.src.out.data);
	close(conn[1]);
	close(con[1]);
	fz_frames_free(&fr);
	return 0;
}
