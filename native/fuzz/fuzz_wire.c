/*
 * libFuzzer target: the observe network's frame handling (native/qemu/
 * wire.c).  The guest controls every byte of every frame, so nothing it
 * sends may read or write out of bounds, and what we answer must be a
 * well-formed frame.
 *
 * An input is a list of records, op | u16 big-endian n | bytes:
 *	op % 4 == 0	a frame of the next n bytes (fewer at the end),
 *			copied to a buffer of exactly that size so that
 *			AddressSanitizer sees a read past its end;
 *	op % 4 == 1	the same with 65536 + n bytes, cut to FRAME_MAX as
 *			recvfrom(2) cuts a longer datagram;
 *	op % 4 == 2	start an MTU probe up to n;
 *	op % 4 == 3	the probe's timer expires.
 * After each record the answers are checked and the statistics formatted.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qemu/wire.c"
#include "fuzz.h"

static struct wire	*fw;
static int		 peer = -1;

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un	 sun;
	char			 dir[] = "/tmp/obsdtui-fuzz-wire.XXXXXX";
	char			 sock[128], remote[128];
	int			 sz = 4 * 1024 * 1024;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		fz_die("mkdtemp: %s", strerror(errno));
	snprintf(sock, sizeof(sock), "%s/net.sock", dir);
	snprintf(remote, sizeof(remote), "%s/vm-net.sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", remote);
	if ((peer = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(peer, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fz_die("%s: %s", remote, strerror(errno));
	fcntl(peer, F_SETFL, fcntl(peer, F_GETFL) | O_NONBLOCK);
	setsockopt(peer, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if ((fw = wire_open(sock, remote)) == NULL)
		fz_die("wire_open %s: %s", sock, strerror(errno));
	/* The sockets stay open; their names are not needed any more. */
	unlink(sock);
	unlink(remote);
	rmdir(dir);
	return 0;
}

/* What the wire sent "QEMU" must be a frame we would send. */
static void
check_answers(void)
{
	static uint8_t	 r[FRAME_MAX + 1];
	ssize_t		 n;
	size_t		 hl, tl;

	while ((n = recv(peer, r, sizeof(r), 0)) >= 0) {
		if (n < ETHER_HDR || n > FRAME_MAX)
			fz_die("answer of %zd bytes", n);
		if (memcmp(r + 6, host_mac, 6) != 0)
			fz_die("answer not from the host's MAC");
		switch (get16(r + 12)) {
		case ETHERTYPE_ARP:
			if (n != 42 || get16(r + 20) != 2)
				fz_die("bad ARP reply (%zd bytes)", n);
			break;
		case ETHERTYPE_IP:
			if (n < ETHER_HDR + 20 || r[ETHER_HDR] >> 4 != 4)
				fz_die("answer is not IPv4");
			hl = (size_t)(r[ETHER_HDR] & 0x0f) * 4;
			tl = get16(r + ETHER_HDR + 2);
			if (hl < 20 || tl < hl + 8 || ETHER_HDR + tl != (size_t)n)
				fz_die("IPv4 answer of %zd bytes says %zu", n, tl);
			if (cksum(r + ETHER_HDR, hl) != 0)
				fz_die("IPv4 header checksum is wrong");
			if (cksum(r + ETHER_HDR + hl, tl - hl) != 0)
				fz_die("ICMP checksum is wrong");
			break;
		default:
			fz_die("answer of ethertype 0x%04x", get16(r + 12));
		}
	}
}

static void
check_stats(void)
{
	char	 json[8192];
	size_t	 n;

	/* As observe.c's send_stats() formats it. */
	n = wire_stats_json(fw, json, sizeof(json) - 14);
	if (n >= sizeof(json) - 14 || json[0] != '{' || json[n - 1] != '}')
		fz_die("statistics do not fit: %zu bytes", n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*f;
	size_t	 i, n;
	int	 op, fd, have_remote;
	struct sockaddr_un remote;

	/* A fresh wire on the same sockets: inputs must not see each other. */
	fd = fw->fd;
	remote = fw->remote;
	have_remote = fw->have_remote;
	memset(fw, 0, offsetof(struct wire, buf));
	fw->fd = fd;
	fw->remote = remote;
	fw->have_remote = have_remote;
	fz_drain(peer);

	for (i = 0; i + 3 <= size; ) {
		op = data[i] % 4;
		n = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		switch (op) {
		case 1:
			n += 65536;
			if (n > FRAME_MAX)
				n = FRAME_MAX;
			/* FALLTHROUGH */
		case 0:
			if (n > size - i)
				n = size - i;
			if ((f = malloc(n ? n : 1)) == NULL)
				fz_die("malloc");
			memcpy(f, data + i, n);
			wire_input(fw, f, n);
			free(f);
			i += n;
			break;
		case 2:
			wire_probe_start(fw, (int)n);
			break;
		case 3:
			fw->probe.deadline = 0;
			wire_tick(fw);
			break;
		}
		if (fw->probe.state == PROBE_RUNNING &&
		    (fw->probe.cur < PROBE_MIN || fw->probe.cur > 65535))
			fz_die("probe of %d bytes", fw->probe.cur);
		check_answers();
		check_stats();
	}
	return 0;
}
