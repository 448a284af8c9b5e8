/*
 * Test driver for wire.c (built by test/integration/wire-*.test.ts, not
 * shipped): runs the wire in a poll loop and takes one command per stdin
 * line: "stats", "probe MAXMTU", "pcap PATH", "nopcap".  Each command is
 * answered with one line on stdout.
 */

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../wire.h"

static void
command(struct wire *w, char *line)
{
	static char	 out[8192];

	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, "stats") == 0) {
		wire_stats_json(w, out, sizeof(out));
		printf("%s\n", out);
	} else if (strncmp(line, "probe ", 6) == 0) {
		wire_probe_start(w, atoi(line + 6));
		printf("ok\n");
	} else if (strncmp(line, "pcap ", 5) == 0) {
		if (wire_pcap(w, line + 5) == -1)
			printf("error %s\n", strerror(errno));
		else
			printf("ok\n");
	} else if (strcmp(line, "nopcap") == 0) {
		wire_pcap(w, NULL);
		printf("ok\n");
	} else
		printf("error unknown command\n");
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct wire	*w;
	struct pollfd	 pfd[2];
	char		 line[2048];

	if (argc != 2 && argc != 3)
		errx(2, "usage: wiretest netsock [remotesock]");
	if ((w = wire_open(argv[1], argc == 3 ? argv[2] : NULL)) == NULL)
		err(1, "%s", argv[1]);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = wire_fd(w);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, wire_timeout(w)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[1].revents & POLLIN)
			wire_readable(w);
		wire_tick(w);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
			command(w, line);
		}
	}
	wire_close(w);
	return 0;
}
