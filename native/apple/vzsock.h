/*
 * Socket plumbing for obsdtui-vz-helper, in C because sockaddr_un is
 * clumsy from Swift.  Each returns a descriptor or -1 with errno set.
 */

#ifndef VZSOCK_H
#define VZSOCK_H

/* 1 if something accepts connections on the unix socket at path. */
int	 sock_alive(const char *);
/* Unlink path, bind a stream socket there (0600), non-blocking, close-on-exec. */
int	 sock_bind(const char *);
/* Accept one connection: non-blocking, close-on-exec. */
int	 sock_accept(int);
/*
 * The guest's end of an observe network: a datagram socket bound at local
 * and connected to remote (where the wire listens), sized for jumbo frames.
 */
int	 dgram_connect(const char *, const char *);
/* A stream socketpair for the console: fds[0] ours (non-blocking), fds[1] VZ's. */
int	 console_pair(int [2]);
/* O_NONBLOCK and FD_CLOEXEC on fd. */
int	 nonblock(int);

#endif
