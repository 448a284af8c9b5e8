/*
 * obsdtui-helper: owns one console (a command's pty, a serial device, or
 * QEMU's telnet chardev), writes every byte of it to the boot log first, and
 * serves one daemon connection at a time.  See docs/helper-protocol.md.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define PROTOCOL_VERSION	1
#define OUTQ_MAX	(4 * 1024 * 1024)	/* output queued for daemon */
#define INQ_MAX		(1024 * 1024)		/* input queued for console */
#define FRAME_MAX	(1024 * 1024)		/* largest daemon frame */
#define READ_CHUNK	65536
#define TSTAMP_MS	100		/* min gap between t records */
#define DRAIN_MS	2000		/* read the console after exit */
#define FLUSH_MS	2000		/* flush the daemon after exit */
#define CONNECT_MS	10000		/* wait for QEMU's console socket */

enum srckind {
	SRC_EXEC,
	SRC_SERIAL,
	SRC_QEMU
};

struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

struct source {
	enum srckind	 kind;
	int		 fd;		/* -1 once the console hit EOF */
	int		 hold;		/* exec: the pty master after EOF */
	pid_t		 pid;		/* -1: no child (serial) */
	int		 pgrp;		/* signal the child's process group */
	int		 telnet;	/* qemu: the socket speaks telnet */
	int		 tn;		/* telnet parser state */
	struct buf	 out;		/* bytes waiting for the console */
};

struct helper {
	pid_t		 pid;		/* ours, not a forked child's */
	char		*vmdir;
	int		 boot;
	char		 logpath[1024];
	char		 idxpath[1024];
	char		 sockpath[1024];
	char		 pidpath[1024];
	int		 logfd;
	int		 idxfd;
	off_t		 logoff;	/* the log's size */
	off_t		 streamoff;	/* console bytes so far: O frames */
	off_t		 logmax;	/* -L: the log's cap, 0 if none */
	int		 logfull;	/* past the cap: nothing more logged */
	int64_t		 last_t;
	int64_t		 started;
	struct source	 src;
	int		 running;	/* the child (or device) is alive */
	int		 status;	/* exit status, -1 if none */
	int		 signal;	/* terminating signal, 0 if none */
	int		 listenfd;
	int		 connfd;
};

extern struct helper h;

/* buf.c */
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_consume(struct buf *, size_t);
int	 writeall(int, const void *, size_t);
void	 setnonblock(int);
void	 setcloexec(int);
size_t	 json_str(char *, size_t, const char *, size_t);
int	 json_getstr(const unsigned char *, size_t, const char *, char *,
	    size_t);
const char *signame(int);

/* log.c */
int64_t	 now_ms(void);
void	 log_open(void);
void	 log_output(const unsigned char *, size_t);
void	 log_full(void);
void	 log_audit(const unsigned char *, size_t);
void	 event(const char *);
void	 error_event(const char *, int);

/* conn.c */
void	 conn_accept(void);
void	 conn_close(void);
void	 conn_output(off_t, const unsigned char *, size_t);
void	 conn_event(const char *);
void	 conn_readable(void);
void	 conn_flush(void);
size_t	 conn_pending(void);

/* observe.c: the host end of an observe network (wire.c) */
void	 observe_open(const char *, const char *);
int	 observe_fd(void);
int	 observe_timeout(void);
void	 observe_poll(int);
void	 ctl_net_stats(const unsigned char *, size_t);
void	 ctl_net_probe(const unsigned char *, size_t);
void	 ctl_net_pcap(const unsigned char *, size_t);

/* source.c */
void	 src_exec(char **, int, int);
void	 src_serial(const char *, long, const char *, const char *);
int	 src_qemu(char **, const char *, int);
void	 src_readable(void);
void	 src_writable(void);
void	 src_input(const unsigned char *, size_t);
void	 src_break(void);
void	 src_kill(int);
void	 src_close(void);
