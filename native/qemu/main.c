/*
 * obsdtui-helper: one per VM.  Starts the console source, logs every byte
 * first, serves the daemon, and outlives it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

struct helper h;

static int			 sigfd[2];
static volatile sig_atomic_t	 gotterm, gotchld;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: obsdtui-helper -d vmdir -b boot exec [-L bytes] "
	    "[-w colsxrows] -- command ...\n"
	    "       obsdtui-helper -d vmdir -b boot serial [-L bytes] "
	    "-D device -S speed\n"
	    "           [-P 8N1] [-F none|rtscts|xonxoff]\n"
	    "       obsdtui-helper -d vmdir -b boot qemu [-L bytes] "
	    "-s console.sock [-T telnet|raw]\n"
	    "           [-n net.sock -r vm-net.sock] -- "
	    "qemu-system-aarch64 ...\n");
	exit(1);
}

static void
handler(int sig)
{
	int	 save = errno;

	if (sig == SIGCHLD)
		gotchld = 1;
	else
		gotterm++;
	(void)write(sigfd[1], "", 1);
	errno = save;
}

static void
path(char *dst, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(dst, sizeof(h.logpath), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(h.logpath))
		errx(1, "%s: path too long", h.vmdir);
}

/*
 * Claim VMDIR/helper.sock.  A live socket means another helper owns this
 * VM; a dead one is left over from a crash.  listen(2) comes later, once
 * the console is up, so a connection always finds a working helper.
 */
static void
claim_socket(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(h.sockpath) >= sizeof(sun.sun_path))
		errx(1, "%s: path too long for a unix socket", h.sockpath);
	strncpy(sun.sun_path, h.sockpath, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		errx(1, "another helper is running for %s", h.vmdir);
	close(fd);
	if (unlink(h.sockpath) == -1 && errno != ENOENT)
		err(1, "%s", h.sockpath);
	if ((h.listenfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (bind(h.listenfd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s", h.sockpath);
	if (chmod(h.sockpath, 0600) == -1)
		err(1, "%s", h.sockpath);
	setnonblock(h.listenfd);
	setcloexec(h.listenfd);
}

static int	 released;	/* helper.sock and helper.pid given up */

/*
 * Give up helper.sock and helper.pid, so a new helper for this VM can start.
 * Done before the exit is announced: whoever sees `exited` (a daemon running
 * `down` then `up`) may start the next helper at once, while this one still
 * flushes to its daemon.  After this, the names may be the next helper's.
 */
static void
release(void)
{
	if (released || getpid() != h.pid)
		return;
	released = 1;
	if (h.listenfd != -1) {
		close(h.listenfd);
		h.listenfd = -1;
	}
	unlink(h.sockpath);
	unlink(h.pidpath);
}

/* Also on err(3): a helper that failed to start leaves no stale socket. */
static void
cleanup(void)
{
	release();
}

static void
write_pid(void)
{
	char	 buf[32];
	int	 fd, n;

	if ((fd = open(h.pidpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		err(1, "%s", h.pidpath);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (writeall(fd, buf, n) == -1 || close(fd) == -1)
		err(1, "%s", h.pidpath);
}

static void
signals(void)
{
	struct sigaction	 sa;

	if (pipe(sigfd) == -1)
		err(1, "pipe");
	setnonblock(sigfd[0]);
	setnonblock(sigfd[1]);
	setcloexec(sigfd[0]);
	setcloexec(sigfd[1]);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

static void
reap(void)
{
	pid_t	 pid;
	int	 st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != h.src.pid)
			continue;
		h.running = 0;
		if (WIFEXITED(st))
			h.status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			h.signal = WTERMSIG(st);
	}
}

static void
on_signals(void)
{
	static int	 forwarded;
	char		 b[64];

	while (read(sigfd[0], b, sizeof(b)) > 0)
		;
	if (gotchld) {
		gotchld = 0;
		reap();
	}
	/* A second SIGTERM means "now". */
	while (forwarded < gotterm)
		src_kill(forwarded++ == 0 ? SIGTERM : SIGKILL);
}

static void
loop(void)
{
	struct pollfd	 pfd[5];
	int64_t		 deadline = 0, now;
	int		 timeout, connfd, t;

	for (;;) {
		if (h.running && h.src.pid == -1 && h.src.fd == -1) {
			event("{\"event\":\"error\",\"message\":"
			    "\"the serial device closed\"}");
			h.running = 0;
		}
		timeout = -1;
		if (!h.running) {
			/* Drain what the dead child left, with a bound. */
			if (h.src.fd == -1)
				break;
			now = now_ms();
			if (deadline == 0)
				deadline = now + DRAIN_MS;
			else if (now >= deadline)
				break;
			timeout = deadline - now;
		}
		pfd[0].fd = sigfd[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = h.listenfd;
		pfd[1].events = POLLIN;
		pfd[2].fd = connfd = h.connfd;
		pfd[2].events = (h.src.out.len < INQ_MAX ? POLLIN : 0) |
		    (conn_pending() ? POLLOUT : 0);
		pfd[3].fd = h.src.fd;
		pfd[3].events = POLLIN | (h.src.out.len ? POLLOUT : 0);
		pfd[4].fd = observe_fd();
		pfd[4].events = POLLIN;
		if ((t = observe_timeout()) >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		if (poll(pfd, 5, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd[0].revents)
			on_signals();
		if (pfd[3].revents & POLLOUT)
			src_writable();
		if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR) &&
		    h.src.fd != -1)
			src_readable();
		if (connfd != -1 && connfd == h.connfd) {
			if (pfd[2].revents & POLLOUT)
				conn_flush();
			if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR) &&
			    h.connfd != -1)
				conn_readable();
		}
		if (pfd[1].revents & POLLIN)
			conn_accept();
		observe_poll(pfd[4].revents);
	}
}

static void
flush_daemon(void)
{
	struct pollfd	 pfd;
	int64_t		 deadline = now_ms() + FLUSH_MS, now;

	while (h.connfd != -1 && conn_pending() > 0 &&
	    (now = now_ms()) < deadline) {
		pfd.fd = h.connfd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, deadline - now) > 0)
			conn_flush();
	}
	conn_close();
}

static void __attribute__((noreturn))
finish(int code)
{
	char	 json[256], sig[32];

	if (h.signal)
		snprintf(sig, sizeof(sig), "\"%s\"", signame(h.signal));
	else
		snprintf(sig, sizeof(sig), "null");
	if (h.status >= 0)
		snprintf(json, sizeof(json), "{\"event\":\"exited\","
		    "\"status\":%d,\"signal\":%s,\"log_size\":%" PRId64 "}",
		    h.status, sig, (int64_t)h.logoff);
	else
		snprintf(json, sizeof(json), "{\"event\":\"exited\","
		    "\"status\":null,\"signal\":%s,\"log_size\":%" PRId64 "}",
		    sig, (int64_t)h.logoff);
	release();
	event(json);
	src_close();
	flush_daemon();
	exit(code);
}

/* Start QEMU; on failure wait for it, so its exit status is recorded. */
static void
start_qemu(char **argv, const char *console, int telnet)
{
	char	 json[256];
	int	 st;

	if (src_qemu(argv, console, telnet) == 0)
		return;
	snprintf(json, sizeof(json), "{\"event\":\"error\",\"message\":"
	    "\"QEMU did not open its console socket\"}");
	event(json);
	if (h.running) {
		kill(h.src.pid, SIGKILL);
		if (waitpid(h.src.pid, &st, 0) == h.src.pid) {
			h.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			h.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		}
		h.running = 0;
	}
	finish(1);
}

static void
started(void)
{
	static const char *names[] = { "exec", "serial", "qemu" };
	char	 json[256];

	if (h.src.pid > 0)
		snprintf(json, sizeof(json), "{\"event\":\"started\","
		    "\"source\":\"%s\",\"child_pid\":%ld}",
		    names[h.src.kind], (long)h.src.pid);
	else
		snprintf(json, sizeof(json), "{\"event\":\"started\","
		    "\"source\":\"%s\",\"child_pid\":null}",
		    names[h.src.kind]);
	event(json);
}

static long
number(const char *s, long min, long max, const char *what)
{
	const char	*errstr = NULL;
	char		*end;
	long		 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0)
		errstr = "not a number";
	else if (n < min || n > max)
		errstr = "out of range";
	if (errstr != NULL)
		errx(1, "%s %s: %s", what, s, errstr);
	return n;
}

int
main(int argc, char *argv[])
{
	const char	*dir = NULL, *sub, *dev = NULL, *console = NULL;
	const char	*netsock = NULL, *netremote = NULL;
	const char	*mode = "8N1", *flow = "none", *size = "80x24";
	const char	*proto = "telnet";
	long		 speed = 0;
	int		 i, cols, rows;
	char		 x;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-d") == 0)
			dir = argv[i + 1];
		else if (strcmp(argv[i], "-b") == 0)
			h.boot = number(argv[i + 1], 1, 999999, "boot");
		else
			usage();
	}
	if (dir == NULL || h.boot == 0 || i >= argc)
		usage();
	sub = argv[i++];
	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (i + 1 >= argc || strlen(argv[i]) != 2 || argv[i][0] != '-')
			usage();
		switch (argv[i][1]) {
		case 'w':
			size = argv[i + 1];
			break;
		case 'L':
			h.logmax = number(argv[i + 1], 1, LONG_MAX, "log cap");
			break;
		case 'D':
			dev = argv[i + 1];
			break;
		case 'S':
			speed = number(argv[i + 1], 1, 100000000, "speed");
			break;
		case 'P':
			mode = argv[i + 1];
			break;
		case 'F':
			flow = argv[i + 1];
			break;
		case 's':
			console = argv[i + 1];
			break;
		case 'T':
			proto = argv[i + 1];
			break;
		case 'n':
			netsock = argv[i + 1];
			break;
		case 'r':
			netremote = argv[i + 1];
			break;
		default:
			usage();
		}
	}
	if (i < argc)
		i++;	/* "--" */
	if (strcmp(sub, "serial") == 0) {
		if (dev == NULL || speed == 0 || i < argc)
			usage();
	} else if (strcmp(sub, "exec") == 0) {
		if (i >= argc ||
		    sscanf(size, "%dx%d%c", &cols, &rows, &x) != 2 ||
		    cols < 1 || cols > 10000 || rows < 1 || rows > 10000)
			usage();
	} else if (strcmp(sub, "qemu") == 0) {
		if (i >= argc || console == NULL ||
		    (strcmp(proto, "telnet") != 0 && strcmp(proto, "raw") != 0))
			usage();
	} else
		usage();

	/* Outlive the daemon that started us, and its terminal. */
	if (getsid(0) != getpid() && setsid() == -1)
		warn("setsid");
	umask(077);
	signals();
	if ((h.vmdir = realpath(dir, NULL)) == NULL)
		err(1, "%s", dir);
	path(h.logpath, "%s/boot.%03d.log", h.vmdir, h.boot);
	path(h.idxpath, "%s/boot.%03d.idx", h.vmdir, h.boot);
	path(h.sockpath, "%s/helper.sock", h.vmdir);
	path(h.pidpath, "%s/helper.pid", h.vmdir);
	h.connfd = h.listenfd = -1;
	h.src.fd = h.src.hold = -1;
	h.src.pid = -1;
	h.status = -1;
	h.started = now_ms();
	claim_socket();
	h.pid = getpid();
	atexit(cleanup);
	write_pid();
	log_open();
	/* Bound before QEMU starts, so the guest's first frames are seen. */
	if (netsock != NULL)
		observe_open(netsock, netremote);

	h.running = 1;
	if (strcmp(sub, "exec") == 0)
		src_exec(argv + i, cols, rows);
	else if (strcmp(sub, "serial") == 0)
		src_serial(dev, speed, mode, flow);
	else
		start_qemu(argv + i, console, strcmp(proto, "telnet") == 0);
	started();
	/* A restarted helper of a boot whose log is full logs no more. */
	if (h.logmax > 0 && h.logoff >= h.logmax)
		log_full();
	if (listen(h.listenfd, 8) == -1)
		err(1, "listen");
	loop();
	finish(0);
}
