/* Socket plumbing for obsdtui-vz-helper (see vzsock.h). */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vzsock.h"

static int
addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strncpy(sun->sun_path, path, sizeof(sun->sun_path) - 1);
	return 0;
}

int
nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

static int
fail(int fd)
{
	int	 save = errno;

	close(fd);
	errno = save;
	return -1;
}

int
sock_alive(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, ok;

	if (addr(&sun, path) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

int
sock_bind(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if (addr(&sun, path) == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0600) == -1 || nonblock(fd) == -1)
		return fail(fd);
	return fd;
}

int
sock_accept(int lfd)
{
	int	 fd;

	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return -1;
	if (nonblock(fd) == -1)
		return fail(fd);
	return fd;
}

int
dgram_connect(const char *local, const char *remote)
{
	struct sockaddr_un	 l, r;
	int			 fd, sz;

	if (addr(&l, local) == -1 || addr(&r, remote) == -1)
		return -1;
	if (unlink(local) == -1 && errno != ENOENT)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&l, sizeof(l)) == -1 ||
	    chmod(local, 0600) == -1 ||
	    connect(fd, (struct sockaddr *)&r, sizeof(r)) == -1)
		return fail(fd);
	/*
	 * Apple: the receive buffer at least twice the send buffer (four
	 * times recommended).  vfkit uses these sizes; on macOS the send
	 * buffer also bounds a datagram, and jumbo frames must fit (unverified).
	 */
	sz = 1024 * 1024;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sz = 4 * 1024 * 1024;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return fail(fd);
	return fd;
}

int
console_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return -1;
	if (nonblock(fds[0]) == -1 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}
