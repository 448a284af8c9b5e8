/*
 * The host end of an `observe` network (see wire.h).  One datagram is one
 * Ethernet frame without FCS, in both directions.  We pretend to be one
 * host: whatever IPv4 address the guest ARPs for (other than its own) is
 * ours, so `ping` to its gateway works whatever the guest's address plan.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

#define FRAME_MAX	(65535 + 14 + 64)
#define ETHER_HDR	14
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define PROBE_MS	1000	/* wait for one echo reply */
#define PROBE_MIN	84	/* IP length of a default 56-byte ping */
#define PROBE_ID	0x6f62	/* "ob": tells our probes from guest pings */
#define NBUCKETS	13

static const int bucket_max[NBUCKETS] = {
	64, 128, 256, 512, 1024, 1514, 2048, 4096, 8192, 9014, 16384,
	32768, FRAME_MAX
};

/* Locally administered, so it can never clash with a real NIC. */
static const uint8_t host_mac[6] = { 0x02, 0x6f, 0x62, 0x73, 0x64, 0x01 };

enum probestate {
	PROBE_IDLE,
	PROBE_RUNNING,
	PROBE_DONE,
	PROBE_FAILED
};

struct probe {
	enum probestate	 state;
	int		 max;		/* largest IP length to try */
	int		 lo;		/* largest IP length answered */
	int		 hi;		/* smallest IP length not answered */
	int		 cur;		/* IP length in flight */
	int		 tries;
	int		 again;		/* resends left for the first try */
	uint16_t	 seq;
	int64_t		 deadline;
	const char	*error;
};

struct wire {
	int			 fd;
	struct sockaddr_un	 remote;
	int			 have_remote;
	uint8_t			 guest_mac[6];
	int			 have_mac;
	uint32_t		 guest_ip;	/* network order, 0 = unknown */
	uint32_t		 host_ip;
	uint64_t		 in_frames, in_bytes, out_frames, out_bytes;
	uint64_t		 out_errors, runts, fragments;
	uint64_t		 arp_replies, echo_replies;
	uint64_t		 hist[NBUCKETS];
	int			 largest_in, largest_out;
	FILE			*pcap;
	char			 pcappath[1024];
	struct probe		 probe;
	int			 changed;
	uint8_t			 buf[FRAME_MAX];
};

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return v;	/* addresses stay in network order */
}

static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t	sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
pcap_put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);	/* pcap is written in host order */
}

static void
pcap_record(struct wire *w, const uint8_t *frame, size_t len)
{
	struct timespec	ts;

	if (w->pcap == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pcap_put32(w->pcap, (uint32_t)ts.tv_sec);
	pcap_put32(w->pcap, (uint32_t)(ts.tv_nsec / 1000));
	pcap_put32(w->pcap, (uint32_t)len);
	pcap_put32(w->pcap, (uint32_t)len);
	fwrite(frame, 1, len, w->pcap);
	/* Readers (tcpdump -r) may look while we run. */
	fflush(w->pcap);
}

static void
wire_send(struct wire *w, const uint8_t *frame, size_t len)
{
	ssize_t	n;

	if (!w->have_remote) {
		w->out_errors++;
		return;
	}
	n = sendto(w->fd, frame, len, 0, (struct sockaddr *)&w->remote,
	    sizeof(w->remote));
	if (n != (ssize_t)len) {
		w->out_errors++;
		return;
	}
	w->out_frames++;
	w->out_bytes += len;
	if ((int)len > w->largest_out)
		w->largest_out = (int)len;
	pcap_record(w, frame, len);
	w->changed = 1;
}

struct wire *
wire_open(const char *sockpath, const char *remotepath)
{
	struct wire		*w;
	struct sockaddr_un	 sun;
	int			 sz, save;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path) || (remotepath != NULL &&
	    strlen(remotepath) >= sizeof(w->remote.sun_path))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if ((w->fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1) {
		free(w);
		return NULL;
	}
	/* A socket file left by a dead helper would make bind fail. */
	unlink(sockpath);
	if (bind(w->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sockpath, 0600) == -1) {
		save = errno;
		close(w->fd);
		free(w);
		errno = save;
		return NULL;
	}
	fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
	fcntl(w->fd, F_SETFD, FD_CLOEXEC);
	/* Bursts of jumbo frames must not be dropped by a small queue. */
	sz = 4 * 1024 * 1024;
	setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	sz = 1024 * 1024;
	setsockopt(w->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (remotepath != NULL) {
		w->remote.sun_family = AF_UNIX;
		snprintf(w->remote.sun_path, sizeof(w->remote.sun_path), "%s",
		    remotepath);
		w->have_remote = 1;
	}
	return w;
}

void
wire_close(struct wire *w)
{
	if (w == NULL)
		return;
	if (w->pcap != NULL)
		fclose(w->pcap);
	close(w->fd);
	free(w);
}

int
wire_fd(struct wire *w)
{
	return w->fd;
}

int
wire_pcap(struct wire *w, const char *path)
{
	static const uint16_t	 version[2] = { 2, 4 };
	FILE			*f;
	int			 fd;

	if (w->pcap != NULL) {
		fclose(w->pcap);
		w->pcap = NULL;
		w->pcappath[0] = '\0';
		w->changed = 1;
	}
	if (path == NULL || *path == '\0')
		return 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	pcap_put32(f, 0xa1b2c3d4);
	fwrite(&version, sizeof(version), 1, f);
	pcap_put32(f, 0);		/* thiszone */
	pcap_put32(f, 0);		/* sigfigs */
	pcap_put32(f, FRAME_MAX);	/* snaplen */
	pcap_put32(f, 1);		/* LINKTYPE_ETHERNET */
	fflush(f);
	w->pcap = f;
	snprintf(w->pcappath, sizeof(w->pcappath), "%s", path);
	w->changed = 1;
	return 0;
}

static void
arp_input(struct wire *w, const uint8_t *f, size_t len)
{
	uint8_t		 r[42];
	const uint8_t	*a = f + ETHER_HDR;
	uint32_t	 spa, tpa;

	if (len < 42 || get16(a) != 1 || get16(a + 2) != ETHERTYPE_IP ||
	    a[4] != 6 || a[5] != 4)
		return;
	spa = get32(a + 14);
	tpa = get32(a + 24);
	if (spa != 0)
		w->guest_ip = spa;
	/* Requests for the guest's own address are its duplicate check. */
	if (get16(a + 6) != 1 || tpa == spa || tpa == 0 || tpa == w->guest_ip)
		return;
	w->host_ip = tpa;
	memcpy(r, f + 6, 6);
	memcpy(r + 6, host_mac, 6);
	put16(r + 12, ETHERTYPE_ARP);
	put16(r + 14, 1);
	put16(r + 16, ETHERTYPE_IP);
	r[18] = 6;
	r[19] = 4;
	put16(r + 20, 2);
	memcpy(r + 22, host_mac, 6);
	memcpy(r + 28, &tpa, 4);
	memcpy(r + 32, a + 8, 6);
	memcpy(r + 38, &spa, 4);
	w->arp_replies++;
	wire_send(w, r, sizeof(r));
}

static void	probe_answer(struct wire *, int, int);
static void	probe_next(struct wire *);

static void
ip_input(struct wire *w, uint8_t *f, size_t len)
{
	uint8_t		*ip = f + ETHER_HDR, *icmp;
	size_t		 hl, tl;
	uint32_t	 src, dst;
	uint16_t	 off;

	if (len < ETHER_HDR + 20 || (ip[0] >> 4) != 4)
		return;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	tl = get16(ip + 2);
	if (hl < 20 || tl < hl || ETHER_HDR + tl > len)
		return;
	src = get32(ip + 12);
	dst = get32(ip + 16);
	if (src != 0 && w->have_mac && memcmp(f + 6, w->guest_mac, 6) == 0)
		w->guest_ip = src;
	off = get16(ip + 6);
	if ((off & 0x3fff) != 0) {
		/* MF or an offset: the guest fragmented for a smaller MTU. */
		w->fragments++;
		if (ip[9] == 1 && (off & 0x1fff) == 0 && tl >= hl + 8 &&
		    ip[hl] == 0 && get16(ip + hl + 4) == PROBE_ID)
			probe_answer(w, get16(ip + hl + 6), 0);
		return;
	}
	if (ip[9] != 1 || tl < hl + 8)
		return;
	icmp = ip + hl;
	if (icmp[0] == 0 && get16(icmp + 4) == PROBE_ID) {
		probe_answer(w, get16(icmp + 6), (int)tl);
		return;
	}
	if (icmp[0] != 8 || dst == w->guest_ip || dst == 0)
		return;
	if (w->host_ip == 0)
		w->host_ip = dst;
	/* Echo it back in place: same size, so the guest sees its MTU used. */
	memcpy(f, f + 6, 6);
	memcpy(f + 6, host_mac, 6);
	memcpy(ip + 12, &dst, 4);
	memcpy(ip + 16, &src, 4);
	ip[8] = 64;
	put16(ip + 10, 0);
	put16(ip + 10, cksum(ip, hl));
	icmp[0] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 2, cksum(icmp, tl - hl));
	w->echo_replies++;
	wire_send(w, f, ETHER_HDR + tl);
}

/*
 * One frame from the guest, len bytes at f (changed in place to answer an
 * echo request).  Every byte is the guest's: nothing here may read past len.
 */
static void
wire_input(struct wire *w, uint8_t *f, size_t len)
{
	int	 i;

	w->changed = 1;
	w->in_frames++;
	w->in_bytes += len;
	if ((int)len > w->largest_in)
		w->largest_in = (int)len;
	for (i = 0; i < NBUCKETS - 1 && (int)len > bucket_max[i]; i++)
		;
	w->hist[i]++;
	pcap_record(w, f, len);
	if (len < ETHER_HDR) {
		w->runts++;
		return;
	}
	if ((f[6] & 1) == 0 && memcmp(f + 6, host_mac, 6) != 0) {
		memcpy(w->guest_mac, f + 6, 6);
		w->have_mac = 1;
	}
	switch (get16(f + 12)) {
	case ETHERTYPE_ARP:
		arp_input(w, f, len);
		break;
	case ETHERTYPE_IP:
		ip_input(w, f, len);
		break;
	}
}

void
wire_readable(struct wire *w)
{
	struct sockaddr_un	 from;
	socklen_t		 fromlen;
	ssize_t			 n;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(w->fd, w->buf, sizeof(w->buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1)
			return;	/* EAGAIN, or nothing we can act on */
		/* Without a configured peer, answer whoever sends. */
		if (!w->have_remote && fromlen > sizeof(sa_family_t) &&
		    from.sun_family == AF_UNIX && from.sun_path[0] != '\0') {
			w->remote = from;
			w->have_remote = 1;
		}
		wire_input(w, w->buf, (size_t)n);
	}
}

/* The source address of our probes when the guest has not ARPed yet. */
static uint32_t
probe_src(struct wire *w)
{
	uint8_t	a[4];

	if (w->host_ip != 0)
		return w->host_ip;
	memcpy(a, &w->guest_ip, 4);
	a[3] = a[3] == 1 ? 2 : 1;
	memcpy(&w->host_ip, a, 4);
	return w->host_ip;
}

static void
probe_send(struct wire *w)
{
	struct probe	*p = &w->probe;
	uint8_t		*f = w->buf, *ip = f + ETHER_HDR, *icmp = ip + 20;
	uint32_t	 src = probe_src(w);
	int		 i;

	p->seq++;
	p->tries++;
	memcpy(f, w->guest_mac, 6);
	memcpy(f + 6, host_mac, 6);
	put16(f + 12, ETHERTYPE_IP);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)p->cur);
	put16(ip + 4, p->seq);
	put16(ip + 6, 0x4000);	/* DF: one frame or nothing */
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &w->guest_ip, 4);
	put16(ip + 10, cksum(ip, 20));
	icmp[0] = 8;
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, PROBE_ID);
	put16(icmp + 6, p->seq);
	for (i = 8; i < p->cur - 20; i++)
		icmp[i] = (uint8_t)i;
	put16(icmp + 2, cksum(icmp, (size_t)p->cur - 20));
	p->deadline = mono_ms() + PROBE_MS;
	wire_send(w, f, ETHER_HDR + (size_t)p->cur);
}

void
wire_probe_start(struct wire *w, int maxmtu)
{
	struct probe	*p = &w->probe;

	memset(p, 0, sizeof(*p));
	w->changed = 1;
	if (!w->have_mac || w->guest_ip == 0) {
		p->state = PROBE_FAILED;
		p->error = "guest address not seen on the wire yet";
		return;
	}
	if (maxmtu < PROBE_MIN || maxmtu > 65535)
		maxmtu = 65535;
	p->state = PROBE_RUNNING;
	p->max = maxmtu;
	p->hi = maxmtu + 1;
	p->cur = PROBE_MIN;
	p->again = 2;	/* the guest may drop the first while it ARPs */
	probe_send(w);
}

static void
probe_next(struct wire *w)
{
	struct probe	*p = &w->probe;

	if (p->lo == 0) {
		p->state = PROBE_FAILED;
		p->error = "guest does not answer ping";
		return;
	}
	if (p->lo == PROBE_MIN && p->hi == p->max + 1 && p->cur == PROBE_MIN)
		p->cur = p->max;	/* the common case answers at once */
	else if (p->hi - p->lo > 1)
		p->cur = p->lo + (p->hi - p->lo) / 2;
	else {
		p->state = PROBE_DONE;
		return;
	}
	probe_send(w);
}

static void
probe_answer(struct wire *w, int seq, int iplen)
{
	struct probe	*p = &w->probe;

	if (p->state != PROBE_RUNNING || seq != p->seq)
		return;
	/* A fragmented answer (iplen 0) did not come back in one frame. */
	if (iplen == p->cur)
		p->lo = p->cur;
	else
		p->hi = p->cur;
	w->changed = 1;
	probe_next(w);
}

int
wire_timeout(struct wire *w)
{
	int64_t	left;

	if (w->probe.state != PROBE_RUNNING)
		return -1;
	left = w->probe.deadline - mono_ms();
	return left < 0 ? 0 : (int)left;
}

void
wire_tick(struct wire *w)
{
	struct probe	*p = &w->probe;

	if (p->state != PROBE_RUNNING || mono_ms() < p->deadline)
		return;
	w->changed = 1;
	if (p->lo == 0 && p->again-- > 0) {
		probe_send(w);
		return;
	}
	p->hi = p->cur;
	probe_next(w);
}

int
wire_changed(struct wire *w)
{
	int	c = w->changed;

	w->changed = 0;
	return c;
}

static void
fmt_ip(char *s, size_t sz, uint32_t a)
{
	const uint8_t	*b = (const uint8_t *)&a;

	if (a == 0)
		snprintf(s, sz, "null");
	else
		snprintf(s, sz, "\"%u.%u.%u.%u\"", b[0], b[1], b[2], b[3]);
}

size_t
wire_stats_json(struct wire *w, char *out, size_t sz)
{
	static const char *states[] = { "idle", "running", "done", "failed" };
	struct probe	*p = &w->probe;
	char		 mac[32], gip[24], hip[24], *q;
	char		 pcap[2 * sizeof(w->pcappath) + 3];
	const char	*s;
	size_t		 n;
	int		 i;

	if (w->have_mac)
		snprintf(mac, sizeof(mac),
		    "\"%02x:%02x:%02x:%02x:%02x:%02x\"", w->guest_mac[0],
		    w->guest_mac[1], w->guest_mac[2], w->guest_mac[3],
		    w->guest_mac[4], w->guest_mac[5]);
	else
		snprintf(mac, sizeof(mac), "null");
	fmt_ip(gip, sizeof(gip), w->guest_ip);
	fmt_ip(hip, sizeof(hip), w->host_ip);
	if (w->pcap != NULL) {
		q = pcap;
		*q++ = '"';
		for (s = w->pcappath; *s != '\0'; s++) {
			if ((unsigned char)*s < 0x20)
				continue;
			if (*s == '"' || *s == '\\')
				*q++ = '\\';
			*q++ = *s;
		}
		*q++ = '"';
		*q = '\0';
	} else
		snprintf(pcap, sizeof(pcap), "null");
	n = (size_t)snprintf(out, sz,
	    "{\"framesIn\":%llu,\"bytesIn\":%llu,\"framesOut\":%llu,"
	    "\"bytesOut\":%llu,\"outErrors\":%llu,\"runts\":%llu,"
	    "\"fragments\":%llu,\"largestIn\":%d,\"largestOut\":%d,"
	    "\"arpReplies\":%llu,\"echoReplies\":%llu,\"guestMac\":%s,"
	    "\"guestIp\":%s,\"hostIp\":%s,\"pcap\":%s,\"histogram\":[",
	    (unsigned long long)w->in_frames, (unsigned long long)w->in_bytes,
	    (unsigned long long)w->out_frames,
	    (unsigned long long)w->out_bytes,
	    (unsigned long long)w->out_errors, (unsigned long long)w->runts,
	    (unsigned long long)w->fragments, w->largest_in, w->largest_out,
	    (unsigned long long)w->arp_replies,
	    (unsigned long long)w->echo_replies, mac, gip, hip, pcap);
	for (i = 0; i < NBUCKETS && n < sz; i++)
		n += (size_t)snprintf(out + n, sz - n, "%s[%d,%llu]",
		    i ? "," : "", bucket_max[i], (unsigned long long)w->hist[i]);
	if (n < sz)
		n += (size_t)snprintf(out + n, sz - n,
		    "],\"probe\":{\"state\":\"%s\",\"max\":%d,\"mtu\":%d,"
		    "\"tries\":%d,\"error\":%s%s%s}}", states[p->state], p->max,
		    p->state == PROBE_DONE ? p->lo : 0, p->tries,
		    p->error ? "\"" : "", p->error ? p->error : "null",
		    p->error ? "\"" : "");
	return n;
}
