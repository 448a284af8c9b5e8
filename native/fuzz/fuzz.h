/*
 * Shared by the libFuzzer targets in this directory (see docs/fuzzing.md).
 * A target calls fz_die() when the code under test broke one of its
 * promises; libFuzzer then keeps the input as a crash.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct fz_frames {
	unsigned char	*data;		/* bytes not yet parsed */
	size_t		 len;
	size_t		 cap;
	unsigned char	*stream;	/* O payloads, in order */
	size_t		 slen;
	size_t		 scap;
	uint64_t	 next;		/* offset the next O frame must have */
	size_t		 events;
};

void	 fz_die(const char *, ...) __attribute__((noreturn));
void	 fz_pair(int [2]);
void	 fz_drain(int);
void	 fz_frames_read(struct fz_frames *, int);
void	 fz_frames_free(struct fz_frames *);

#endif
