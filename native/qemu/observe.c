/*
 * The helper's side of an `observe` network: owns the wire (wire.c), sends
 * its statistics to the daemon as "net" events at most once a second when
 * they changed, and serves the net-* control commands.
 */

#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "wire.h"

#define NET_EVENT_MS	1000

static struct wire	*wire;
static int64_t		 last_sent;
static int		 dirty;

void
observe_open(const char *sock, const char *remote)
{
	if ((wire = wire_open(sock, remote)) != NULL)
		return;
	error_event("observe network", errno);
}

int
observe_fd(void)
{
	return wire != NULL ? wire_fd(wire) : -1;
}

static void
send_stats(void)
{
	char	 json[8192];

	if (wire == NULL)
		return;
	memcpy(json, "{\"event\":\"net\",", 15);
	wire_stats_json(wire, json + 14, sizeof(json) - 14);
	json[14] = ',';
	conn_event(json);
	last_sent = now_ms();
	dirty = 0;
}

int
observe_timeout(void)
{
	int	 t, left;

	if (wire == NULL)
		return -1;
	t = wire_timeout(wire);
	if (dirty) {
		left = (int)(last_sent + NET_EVENT_MS - now_ms());
		if (left < 0)
			left = 0;
		if (t < 0 || left < t)
			t = left;
	}
	return t;
}

void
observe_poll(int revents)
{
	if (wire == NULL)
		return;
	if (revents & POLLIN)
		wire_readable(wire);
	wire_tick(wire);
	if (wire_changed(wire))
		dirty = 1;
	if (dirty && now_ms() - last_sent >= NET_EVENT_MS)
		send_stats();
}

static int
nowire(void)
{
	if (wire != NULL)
		return 0;
	conn_event("{\"event\":\"error\",\"message\":"
	    "\"this VM has no observe network (--net observe)\"}");
	return 1;
}

/* The integer value of "key", or def: the daemon sends flat objects. */
static long
json_getint(const unsigned char *p, size_t n, const char *key, long def)
{
	char	 buf[32], pat[40];
	size_t	 i, k, o;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	k = strlen(pat);
	for (i = 0; i + k <= n; i++) {
		if (memcmp(p + i, pat, k) != 0)
			continue;
		for (i += k; i < n && (p[i] == ' ' || p[i] == ':'); i++)
			;
		for (o = 0; i < n && o + 1 < sizeof(buf) &&
		    ((p[i] >= '0' && p[i] <= '9') || p[i] == '-'); i++)
			buf[o++] = p[i];
		buf[o] = '\0';
		return o ? strtol(buf, NULL, 10) : def;
	}
	return def;
}

void
ctl_net_stats(const unsigned char *p, size_t n)
{
	(void)p;
	(void)n;
	if (!nowire())
		send_stats();
}

void
ctl_net_probe(const unsigned char *p, size_t n)
{
	if (nowire())
		return;
	wire_probe_start(wire, (int)json_getint(p, n, "max", 65535));
	send_stats();
}

void
ctl_net_pcap(const unsigned char *p, size_t n)
{
	char	 path[1024];

	if (nowire())
		return;
	if (json_getstr(p, n, "path", path, sizeof(path)) == -1)
		path[0] = '\0';	/* null or absent: stop recording */
	if (wire_pcap(wire, path) == -1) {
		error_event("pcap", errno);
		return;
	}
	send_stats();
}
