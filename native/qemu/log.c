/*
 * The boot log and its index.  Every console byte is appended to the log
 * before anyone else sees it: the log is the truth, the daemon a copy.
 */

#include <sys/stat.h>
#include <sys/time.h>

#include <err.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

int64_t
now_ms(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void
log_open(void)
{
	struct stat	 st;

	if ((h.logfd = open(h.logpath, O_WRONLY | O_APPEND | O_CREAT,
	    0600)) == -1)
		err(1, "%s", h.logpath);
	if ((h.idxfd = open(h.idxpath, O_WRONLY | O_APPEND | O_CREAT,
	    0600)) == -1)
		err(1, "%s", h.idxpath);
	setcloexec(h.logfd);
	setcloexec(h.idxfd);
	/* A restarted helper continues the same boot at its end. */
	if (fstat(h.logfd, &st) == -1)
		err(1, "%s", h.logpath);
	h.logoff = h.streamoff = st.st_size;
	h.last_t = 0;
}

/* One whole line per write(2), so a reader never sees half a record. */
static void
idx_record(char kind, int64_t ms, const char *text, size_t n)
{
	char	 head[64];
	int	 hn;
	struct buf line = { NULL, 0, 0 };

	hn = snprintf(head, sizeof(head), "%c %" PRId64 " %" PRId64, kind,
	    (int64_t)h.logoff, ms);
	buf_append(&line, head, hn);
	if (text != NULL) {
		buf_append(&line, " ", 1);
		buf_append(&line, text, n);
	}
	buf_append(&line, "\n", 1);
	if (writeall(h.idxfd, line.data, line.len) == -1)
		warn("%s", h.idxpath);
	free(line.data);
}

/*
 * Past the cap (-L) the log stops, so a flooding guest cannot fill the
 * host's disk, but the console goes on: the daemon still gets every byte,
 * with offsets that count on as if it had been logged.
 */
void
log_output(const unsigned char *p, size_t n)
{
	int64_t	 now;
	off_t	 off = h.streamoff;
	size_t	 fit = n;

	if (n == 0)
		return;
	if (!h.logfull) {
		if (h.logmax > 0 && h.logoff + (off_t)n > h.logmax)
			fit = h.logoff < h.logmax ? h.logmax - h.logoff : 0;
		now = now_ms();
		if (fit > 0 && now - h.last_t >= TSTAMP_MS) {
			idx_record('t', now, NULL, 0);
			h.last_t = now;
		}
		if (fit > 0 && writeall(h.logfd, p, fit) == -1)
			err(1, "%s", h.logpath);
		h.logoff += fit;
		if (fit < n)
			log_full();
	}
	h.streamoff += n;
	conn_output(off, p, n);
}

/* Once per helper: the daemon learns that the log no longer has it all. */
void
log_full(void)
{
	char	 json[128];

	h.logfull = 1;
	snprintf(json, sizeof(json), "{\"event\":\"log_full\","
	    "\"max\":%" PRId64 "}", (int64_t)h.logmax);
	event(json);
}

void
log_audit(const unsigned char *p, size_t n)
{
	char	*text;
	size_t	 i;

	if ((text = malloc(n + 1)) == NULL)
		err(1, "malloc");
	/* One record is one line. */
	for (i = 0; i < n; i++)
		text[i] = (p[i] == '\r' || p[i] == '\n' || p[i] == '\0') ?
		    ' ' : p[i];
	idx_record('a', now_ms(), text, n);
	free(text);
}

/* A helper event: recorded in the index, and sent to the daemon if any. */
void
event(const char *json)
{
	idx_record('e', now_ms(), json, strlen(json));
	conn_event(json);
}

/*
 * Something asked of the helper failed: one event shape for all of them, with a
 * message a person can read ("pcap: Permission denied"), as viewers show it.
 */
void
error_event(const char *what, int errnum)
{
	char	 text[256], msg[512], json[640];

	snprintf(text, sizeof(text), "%s: %s", what, strerror(errnum));
	json_str(msg, sizeof(msg), text, strlen(text));
	snprintf(json, sizeof(json), "{\"event\":\"error\",\"cmd\":\"%s\","
	    "\"message\":%s}", what, msg);
	event(json);
}
