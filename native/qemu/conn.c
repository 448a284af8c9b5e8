/*
 * The daemon connection: one at a time, frames both ways
 * (u32 big-endian payload length | u8 type | payload).  The helper never
 * waits for the daemon: output beyond OUTQ_MAX is dropped from the queue
 * (it is in the log), and a daemon that misbehaves is disconnected.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

struct frame {
	struct frame	*next;
	size_t		 len;
	size_t		 sent;
	unsigned char	 data[];
};

struct ctlcmd {
	const char	*name;
	void		(*fn)(const unsigned char *, size_t);
};

static void	 ctl_status(const unsigned char *, size_t);

/* Network-observer commands (net-*, wire.c) are added to this table. */
static const struct ctlcmd ctlcmds[] = {
	{ "status",	ctl_status },
	{ "net-stats",	ctl_net_stats },
	{ "net-probe",	ctl_net_probe },
	{ "net-pcap",	ctl_net_pcap },
	{ NULL,		NULL }
};

static struct frame	*qhead;
static struct frame	**qtail = &qhead;
static size_t		 qbytes;
static int		 dropped;	/* output dropped since the last O frame */
static struct buf	 in;

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
enqueue(char type, const unsigned char *head, size_t hn,
    const unsigned char *p, size_t n)
{
	struct frame	*f;

	if ((f = malloc(sizeof(*f) + 5 + hn + n)) == NULL)
		err(1, "malloc");
	f->next = NULL;
	f->len = 5 + hn + n;
	f->sent = 0;
	put32(f->data, hn + n);
	f->data[4] = type;
	if (hn)
		memcpy(f->data + 5, head, hn);
	if (n)
		memcpy(f->data + 5 + hn, p, n);
	*qtail = f;
	qtail = &f->next;
	qbytes += f->len;
}

static void
status_json(char *dst, size_t size, const char *kind)
{
	static const char *names[] = { "exec", "serial", "qemu" };
	char	 path[2100], child[32];

	json_str(path, sizeof(path), h.logpath, strlen(h.logpath));
	if (h.src.pid > 0)
		snprintf(child, sizeof(child), "%ld", (long)h.src.pid);
	else
		snprintf(child, sizeof(child), "null");
	snprintf(dst, size, "{%s\"protocol\":%d,\"helper_pid\":%ld,"
	    "\"child_pid\":%s,\"source\":\"%s\",\"boot\":%d,\"log\":%s,"
	    "\"log_size\":%" PRId64 ",\"started_ms\":%" PRId64 ","
	    "\"running\":%s}", kind, PROTOCOL_VERSION, (long)getpid(), child,
	    names[h.src.kind], h.boot, path, (int64_t)h.logoff, h.started,
	    h.running ? "true" : "false");
}

void
conn_accept(void)
{
	char	 hello[4096];
	int	 fd;

	if ((fd = accept(h.listenfd, NULL, NULL)) == -1) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			warn("accept");
		return;
	}
	/* The newest daemon wins: a restarted daemon can always re-adopt. */
	if (h.connfd != -1)
		conn_close();
	setnonblock(fd);
	setcloexec(fd);
	h.connfd = fd;
	status_json(hello, sizeof(hello), "");
	enqueue('H', NULL, 0, (unsigned char *)hello, strlen(hello));
	conn_flush();
}

void
conn_close(void)
{
	struct frame	*f, *next;

	if (h.connfd == -1)
		return;
	close(h.connfd);
	h.connfd = -1;
	for (f = qhead; f != NULL; f = next) {
		next = f->next;
		free(f);
	}
	qhead = NULL;
	qtail = &qhead;
	qbytes = 0;
	dropped = 0;
	free(in.data);
	memset(&in, 0, sizeof(in));
}

void
conn_output(off_t off, const unsigned char *p, size_t n)
{
	unsigned char	 head[8];
	uint64_t	 o = off;

	if (h.connfd == -1)
		return;
	/* The daemon sees the gap in the next offset and reads the log. */
	if (qbytes + 13 + n > OUTQ_MAX) {
		dropped = 1;
		return;
	}
	dropped = 0;
	put32(head, o >> 32);
	put32(head + 4, o & 0xffffffff);
	enqueue('O', head, 8, p, n);
	conn_flush();
}

/* Events are never dropped: they are few and the daemon needs them. */
void
conn_event(const char *json)
{
	if (h.connfd == -1)
		return;
	enqueue('E', NULL, 0, (const unsigned char *)json, strlen(json));
	conn_flush();
}

size_t
conn_pending(void)
{
	return qbytes;
}

void
conn_flush(void)
{
	struct iovec	 iov[64];
	unsigned char	 head[8];
	struct frame	*f;
	ssize_t		 w;
	size_t		 n;
	int		 i;

	while (h.connfd != -1 && qhead != NULL) {
		for (i = 0, f = qhead; f != NULL && i < 64; f = f->next, i++) {
			iov[i].iov_base = f->data + f->sent;
			iov[i].iov_len = f->len - f->sent;
		}
		if ((w = writev(h.connfd, iov, i)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close();
			return;
		}
		for (n = w; n > 0 && qhead != NULL; ) {
			f = qhead;
			if (n < f->len - f->sent) {
				f->sent += n;
				break;
			}
			n -= f->len - f->sent;
			qbytes -= f->len;
			if ((qhead = f->next) == NULL)
				qtail = &qhead;
			free(f);
		}
	}
	/*
	 * A burst that ended with dropped output has no next frame to show
	 * the gap: once the queue is empty, an empty O frame at the end of
	 * the stream tells the daemon to read the rest from the log now.
	 */
	if (h.connfd != -1 && qhead == NULL && dropped) {
		dropped = 0;
		put32(head, (uint64_t)h.streamoff >> 32);
		put32(head + 4, (uint64_t)h.streamoff & 0xffffffff);
		enqueue('O', head, 8, NULL, 0);
		conn_flush();
	}
}

static void
ctl_status(const unsigned char *p, size_t n)
{
	char	 json[4096];

	(void)p;
	(void)n;
	status_json(json, sizeof(json), "\"event\":\"status\",");
	conn_event(json);
}

static void
control(const unsigned char *p, size_t n)
{
	const struct ctlcmd	*c;
	char			 cmd[64], q[160], json[256];

	if (json_getstr(p, n, "cmd", cmd, sizeof(cmd)) == -1) {
		conn_event("{\"event\":\"error\",\"message\":"
		    "\"control frame without a \\\"cmd\\\" string\"}");
		return;
	}
	for (c = ctlcmds; c->name != NULL; c++) {
		if (strcmp(c->name, cmd) == 0) {
			c->fn(p, n);
			return;
		}
	}
	json_str(q, sizeof(q), cmd, strlen(cmd));
	snprintf(json, sizeof(json), "{\"event\":\"error\",\"message\":"
	    "\"unknown control command\",\"cmd\":%s}", q);
	conn_event(json);
}

/* Returns -1 if the frame is malformed. */
static int
dispatch(int type, const unsigned char *p, size_t n)
{
	switch (type) {
	case 'I':
		src_input(p, n);
		return 0;
	case 'B':
		src_break();
		return 0;
	case 'A':
		log_audit(p, n);
		return 0;
	case 'K':
		if (n == 4 && memcmp(p, "TERM", 4) == 0)
			src_kill(SIGTERM);
		else if (n == 4 && memcmp(p, "KILL", 4) == 0)
			src_kill(SIGKILL);
		else
			return -1;
		return 0;
	case 'C':
		control(p, n);
		return 0;
	}
	return -1;
}

void
conn_readable(void)
{
	uint32_t	 len;
	ssize_t		 r;
	int		 type;

	if (in.cap - in.len < READ_CHUNK) {
		if ((in.data = realloc(in.data, in.len + READ_CHUNK)) == NULL)
			err(1, "realloc");
		in.cap = in.len + READ_CHUNK;
	}
	if ((r = read(h.connfd, in.data + in.len, in.cap - in.len)) == -1) {
		if (errno != EINTR && errno != EAGAIN)
			conn_close();
		return;
	}
	if (r == 0) {
		conn_close();
		return;
	}
	in.len += r;
	while (h.connfd != -1 && in.len >= 5) {
		len = (uint32_t)in.data[0] << 24 | in.data[1] << 16 |
		    in.data[2] << 8 | in.data[3];
		type = in.data[4];
		if (len > FRAME_MAX || strchr("IBAKC", type) == NULL ||
		    type == '\0') {
			warnx("malformed frame from the daemon: dropping it");
			conn_close();
			return;
		}
		if (in.len < 5 + len)
			break;
		if (dispatch(type, in.data + 5, len) == -1) {
			warnx("malformed '%c' frame from the daemon: "
			    "dropping it", type);
			conn_close();
			return;
		}
		buf_consume(&in, 5 + len);
	}
}
