/*
 * Console sources: a command on a new pty (exec), a serial device (serial),
 * or QEMU's serial chardev in telnet mode (qemu).  Each gives one
 * non-blocking descriptor, read into the log and written from the daemon.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#if defined(__linux__)
#include <pty.h>
#else
#include <util.h>
#endif

#include "helper.h"

#define IAC	255
#define DONT	254
#define DO	253
#define WONT	252
#define WILL	251
#define SB	250
#define BRK	243
#define SE	240

enum { TN_DATA, TN_IAC, TN_OPT, TN_SB, TN_SBIAC };

/*
 * Fork with our signals blocked: a SIGTERM that reaches the child before it
 * reset its handlers would run our handler there and be lost.  The child
 * also must not inherit our ignored SIGPIPE (execve keeps SIG_IGN).
 */
static pid_t
forkchild(void)
{
	sigset_t	 all, old;
	pid_t		 pid;

	sigemptyset(&all);
	sigaddset(&all, SIGCHLD);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/*
 * The pty is the command's serial line, so it must not change what the
 * command writes: output processing (OPOST: ONLCR's \n -> \r\n, tab
 * expansion) is off, and the log holds the command's bytes exactly, as it
 * holds a guest's.  Input processing stays (ICRNL, echo, ^C), so a shell
 * still reads the lines typed into it; a command that wants the old
 * translation runs `stty opost onlcr` itself.
 */
void
src_exec(char **argv, int cols, int rows)
{
	struct winsize	 ws;
	struct termios	 t;
	pid_t		 pid;
	int		 m, s;

	memset(&ws, 0, sizeof(ws));
	ws.ws_col = cols;
	ws.ws_row = rows;
	if (openpty(&m, &s, NULL, NULL, &ws) == -1)
		err(1, "openpty");
	if (tcgetattr(s, &t) == -1)
		err(1, "tcgetattr");
	t.c_oflag &= ~OPOST;
	if (tcsetattr(s, TCSANOW, &t) == -1)
		err(1, "tcsetattr");
	if ((pid = forkchild()) == 0) {
		close(m);
		if (setsid() == -1 || ioctl(s, TIOCSCTTY, 0) == -1 ||
		    dup2(s, 0) == -1 || dup2(s, 1) == -1 || dup2(s, 2) == -1) {
			dprintf(s, "obsdtui-helper: pty setup: %s\r\n",
			    strerror(errno));
			_exit(127);
		}
		if (s > 2)
			close(s);
		execvp(argv[0], argv);
		/* This lands in the console log, where the user looks. */
		dprintf(2, "obsdtui-helper: %s: %s\r\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(s);
	setnonblock(m);
	setcloexec(m);
	h.src.kind = SRC_EXEC;
	h.src.fd = m;
	h.src.pid = pid;
	h.src.pgrp = 1;
}

static speed_t
baud(long n)
{
	static const struct {
		long	n;
		speed_t	s;
	} t[] = {
		{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 },
		{ 150, B150 }, { 200, B200 }, { 300, B300 }, { 600, B600 },
		{ 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 },
		{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
		{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
		{ 230400, B230400 },
#ifdef B460800
		{ 460800, B460800 },
#endif
#ifdef B500000
		{ 500000, B500000 },
#endif
#ifdef B921600
		{ 921600, B921600 },
#endif
#ifdef B1000000
		{ 1000000, B1000000 },
#endif
#ifdef B1500000
		{ 1500000, B1500000 },
#endif
#ifdef B2000000
		{ 2000000, B2000000 },
#endif
#ifdef B3000000
		{ 3000000, B3000000 },
#endif
#ifdef B4000000
		{ 4000000, B4000000 },
#endif
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].n == n)
			return t[i].s;
#if defined(__linux__)
	errx(1, "unsupported serial speed %ld", n);
#else
	/* BSD and macOS take the number itself. */
	return n;
#endif
}

static void
serial_mode(struct termios *t, const char *mode, const char *flow)
{
	if (strlen(mode) != 3 || mode[0] < '5' || mode[0] > '8' ||
	    strchr("NEO", mode[1]) == NULL || strchr("12", mode[2]) == NULL)
		errx(1, "bad serial mode %s: want data bits, N/E/O, stop "
		    "bits, like 8N1", mode);
	t->c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB);
	t->c_cflag |= CLOCAL | CREAD;
	switch (mode[0]) {
	case '5':
		t->c_cflag |= CS5;
		break;
	case '6':
		t->c_cflag |= CS6;
		break;
	case '7':
		t->c_cflag |= CS7;
		break;
	default:
		t->c_cflag |= CS8;
		break;
	}
	if (mode[1] == 'E')
		t->c_cflag |= PARENB;
	else if (mode[1] == 'O')
		t->c_cflag |= PARENB | PARODD;
	if (mode[2] == '2')
		t->c_cflag |= CSTOPB;
	t->c_iflag &= ~(IXON | IXOFF | IXANY);
	t->c_cflag &= ~CRTSCTS;
	if (strcmp(flow, "rtscts") == 0)
		t->c_cflag |= CRTSCTS;
	else if (strcmp(flow, "xonxoff") == 0)
		t->c_iflag |= IXON | IXOFF;
	else if (strcmp(flow, "none") != 0)
		errx(1, "bad flow control %s: want none, rtscts or xonxoff",
		    flow);
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

void
src_serial(const char *dev, long speed, const char *mode, const char *flow)
{
	struct termios	 t;
	int		 fd;

	if ((fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK)) == -1)
		err(1, "%s", dev);
	setcloexec(fd);
	if (tcgetattr(fd, &t) == -1)
		err(1, "%s", dev);
	cfmakeraw(&t);
	serial_mode(&t, mode, flow);
	if (cfsetispeed(&t, baud(speed)) == -1 ||
	    cfsetospeed(&t, baud(speed)) == -1)
		err(1, "%s: speed %ld", dev, speed);
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		err(1, "%s", dev);
	/* Like cu(1): one program talks to the line at a time. */
	(void)ioctl(fd, TIOCEXCL);
	h.src.kind = SRC_SERIAL;
	h.src.fd = fd;
	h.src.pid = -1;
}

/*
 * Run QEMU, then connect to its console socket.  QEMU waits for this
 * connection (wait=on) before it starts the guest.  With telnet=on, QEMU
 * 7.2 can still drop the guest's first bytes while it negotiates; a raw
 * socket (telnet=off) does not.  Returns -1 if QEMU died or never made the
 * socket.
 */
int
src_qemu(char **argv, const char *path, int telnet)
{
	struct sockaddr_un	 sun;
	int64_t			 deadline;
	pid_t			 pid;
	int			 fd, st, null;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "%s: path too long for a unix socket", path);
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	h.src.kind = SRC_QEMU;
	h.src.telnet = telnet;
	if ((pid = forkchild()) == 0) {
		if ((null = open("/dev/null", O_RDONLY)) != -1)
			dup2(null, 0);
		execvp(argv[0], argv);
		warn("%s", argv[0]);
		_exit(127);
	}
	h.src.pid = pid;
	h.src.pgrp = 0;
	deadline = now_ms() + CONNECT_MS;
	for (;;) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		close(fd);
		if (errno != ENOENT && errno != ECONNREFUSED) {
			warn("%s", path);
			return -1;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			h.running = 0;
			h.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			h.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
			warnx("%s exited before its console socket %s appeared",
			    argv[0], path);
			return -1;
		}
		if (now_ms() > deadline) {
			warnx("no console socket %s after %d s", path,
			    CONNECT_MS / 1000);
			return -1;
		}
		/* QEMU holds the guest until we connect: do not sleep long. */
		usleep(10000);
	}
	setnonblock(fd);
	setcloexec(fd);
	h.src.fd = fd;
	return 0;
}

/* Strip telnet negotiation; keep IAC IAC as one 0xff. */
static size_t
telnet(const unsigned char *p, size_t n, unsigned char *out)
{
	size_t		 i, o = 0;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = p[i];
		switch (h.src.tn) {
		case TN_DATA:
			if (c == IAC)
				h.src.tn = TN_IAC;
			else
				out[o++] = c;
			break;
		case TN_IAC:
			h.src.tn = TN_DATA;
			if (c == IAC)
				out[o++] = IAC;
			else if (c >= WILL && c <= DONT)
				h.src.tn = TN_OPT;
			else if (c == SB)
				h.src.tn = TN_SB;
			else if (c < SE) {
				/* Not a command: an unescaped 0xff. */
				out[o++] = IAC;
				out[o++] = c;
			}
			break;
		case TN_OPT:
			h.src.tn = TN_DATA;
			break;
		case TN_SB:
			if (c == IAC)
				h.src.tn = TN_SBIAC;
			break;
		case TN_SBIAC:
			h.src.tn = c == SE ? TN_DATA : TN_SB;
			break;
		}
	}
	return o;
}

void
src_close(void)
{
	if (h.src.hold != -1) {
		close(h.src.hold);
		h.src.hold = -1;
	}
	if (h.src.fd == -1)
		return;
	if (h.src.kind == SRC_SERIAL)
		(void)ioctl(h.src.fd, TIOCNXCL);
	close(h.src.fd);
	h.src.fd = -1;
	h.src.out.len = 0;
}

/*
 * Closing a pty master hangs up the command's session: a command that only
 * closed its terminal keeps running, so hold the master until it exits.
 */
static void
src_eof(void)
{
	if (h.src.kind == SRC_EXEC && h.running) {
		h.src.hold = h.src.fd;
		h.src.fd = -1;
		h.src.out.len = 0;
		return;
	}
	src_close();
}

void
src_readable(void)
{
	static unsigned char	 buf[READ_CHUNK], out[2 * READ_CHUNK];
	ssize_t			 r;

	if ((r = read(h.src.fd, buf, sizeof(buf))) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		/* EIO: every slave of the pty is closed. */
		if (errno != EIO)
			warn("console read");
		src_eof();
		return;
	}
	if (r == 0) {
		src_eof();
		return;
	}
	if (h.src.telnet)
		log_output(out, telnet(buf, r, out));
	else
		log_output(buf, r);
}

void
src_writable(void)
{
	ssize_t	 w;

	if (h.src.fd == -1 || h.src.out.len == 0)
		return;
	if ((w = write(h.src.fd, h.src.out.data, h.src.out.len)) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		/* The console is going away; its EOF will follow. */
		h.src.out.len = 0;
		return;
	}
	buf_consume(&h.src.out, w);
}

void
src_input(const unsigned char *p, size_t n)
{
	static const unsigned char	 iac2[2] = { IAC, IAC };
	size_t				 i, start;

	if (h.src.fd == -1)
		return;
	if (!h.src.telnet)
		buf_append(&h.src.out, p, n);
	else {
		for (i = start = 0; i < n; i++) {
			if (p[i] != IAC)
				continue;
			buf_append(&h.src.out, p + start, i - start);
			buf_append(&h.src.out, iac2, 2);
			start = i + 1;
		}
		buf_append(&h.src.out, p + start, n - start);
	}
	src_writable();
}

void
src_break(void)
{
	static const unsigned char	 brk[2] = { IAC, BRK };

	if (h.src.fd == -1)
		return;
	switch (h.src.kind) {
	case SRC_EXEC:
		event("{\"event\":\"break_unsupported\","
		    "\"message\":\"a command's pty has no BREAK\"}");
		break;
	case SRC_SERIAL:
		if (tcsendbreak(h.src.fd, 0) == -1)
			error_event("break", errno);
		break;
	case SRC_QEMU:
		if (!h.src.telnet) {
			event("{\"event\":\"break_unsupported\",\"message\":"
			    "\"the console socket is raw: send the BREAK with "
			    "QMP chardev-send-break\"}");
			break;
		}
		/* In order with typed input; QEMU makes it a PL011 break. */
		buf_append(&h.src.out, brk, 2);
		src_writable();
		break;
	}
}

void
src_kill(int sig)
{
	if (!h.running)
		return;
	if (h.src.pid == -1) {
		/* A serial line has no child: "killing" it ends the helper. */
		h.running = 0;
		h.signal = sig;
		src_close();
		return;
	}
	if (h.src.pgrp && kill(-h.src.pid, sig) == 0)
		return;
	kill(h.src.pid, sig);
}
