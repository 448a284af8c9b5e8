/*
 * The host end of an `observe` network: QEMU's -netdev dgram sends each
 * guest Ethernet frame as one datagram to our socket.  We answer ARP and
 * ICMP echo so the guest can ping us, count frame sizes, optionally write a
 * pcap, and can probe the largest frame the guest answers.
 *
 * The caller owns the poll loop: poll wire_fd() for POLLIN and call
 * wire_readable(); call wire_tick() when wire_timeout() milliseconds pass.
 */

#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>

struct wire;

struct wire	*wire_open(const char *, const char *);
void		 wire_close(struct wire *);
int		 wire_fd(struct wire *);
void		 wire_readable(struct wire *);
int		 wire_timeout(struct wire *);
void		 wire_tick(struct wire *);
int		 wire_pcap(struct wire *, const char *);
void		 wire_probe_start(struct wire *, int);
int		 wire_changed(struct wire *);
size_t		 wire_stats_json(struct wire *, char *, size_t);

#endif
