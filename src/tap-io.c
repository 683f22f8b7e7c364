/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frames on the tap: the virtio-net header in front of each (the tap is
 * opened with IFF_VNET_HDR, src/tap.c), checksums the guest offloaded, and
 * the merging of libslirp's segments (slirp-filter/offload.c).
 *
 * Every write to the tap goes through here so that frames reach the guest
 * in the order they were made: a frame of ours (an RST, a DNS answer) first
 * writes out whatever libslirp segments are staged.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon.h"

/* Ethernet, IPv6 and a TCP header with the most options: a SYN fits */
#define SYN_FRAME_MAX (14 + 40 + 60)

/* #syscalls: write writev: frames to the tap */
static void write_vectors(Daemon *d, struct iovec *iov, int n)
{
	ssize_t rc;

	do
		rc = writev(d->tapfd, iov, n);
	while (rc < 0 && errno == EINTR);
	/* a tap write only fails when the guest side is gone or the frame is
	 * bad; count it, libslirp retransmits TCP itself */
	if (rc < 0)
		d->tap_write_errors++;
}

void daemon_tap_flush(Daemon *d)
{
	const uint8_t *out;
	size_t n = sf_coalescer_take(&d->tx, &out);

	if (n > 0) {
		struct iovec iov = { .iov_base = (void *)out, .iov_len = n };

		write_vectors(d, &iov, 1);
	}
}

void daemon_tap_write(Daemon *d, const uint8_t *buf, size_t len)
{
	static const uint8_t plain[SF_VNET_HDR_LEN]; /* no offload asked for */
	struct iovec iov[2] = {
		{ .iov_base = (void *)plain, .iov_len = sizeof(plain) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};

	daemon_tap_flush(d);
	write_vectors(d, iov, 2);
}

void daemon_tap_send(Daemon *d, const uint8_t *buf, size_t len)
{
	if (!d->tap_offloads) { /* --disable-offload, or the kernel refused: frame by frame */
		daemon_tap_write(d, buf, len);
		return;
	}
	if (sf_coalescer_add(&d->tx, buf, len))
		return;
	daemon_tap_flush(d);
	if (sf_coalescer_add(&d->tx, buf, len))
		return;
	/* TSO is IPv4 only (src/tap.c): IPv6 SYNs keep their MSS */
	if (d->mss_clamp > 0 && len <= SYN_FRAME_MAX && len > 14 && buf[12] == 0x08 && buf[13] == 0x00) {
		uint8_t syn[SYN_FRAME_MAX];

		memcpy(syn, buf, len);
		if (sf_offload_clamp_mss(syn, len, d->mss_clamp)) {
			daemon_tap_write(d, syn, len);
			return;
		}
	}
	daemon_tap_write(d, buf, len);
}

/* #syscalls: readv: the virtio-net header and the frame in one call */
int daemon_tap_read(Daemon *d, size_t *len)
{
	struct iovec iov[2] = {
		{ .iov_base = d->frame_vnet, .iov_len = sizeof(d->frame_vnet) },
		{ .iov_base = d->frame, .iov_len = sizeof(d->frame) },
	};
	ssize_t n;

	do
		n = readv(d->tapfd, iov, 2);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			d->tap_read_errors++;
			g_warning("read from the tap: %s", g_strerror(errno));
		}
		return 0;
	}
	if (n == 0)
		return 0;
	if (n < (ssize_t)SF_VNET_HDR_LEN || !sf_offload_rx(d->frame, (size_t)n - SF_VNET_HDR_LEN,
							   d->frame_vnet)) {
		d->tap_offload_dropped++;
		return -1;
	}
	if (d->frame_vnet[1] != SF_VNET_GSO_NONE)
		d->tap_gso_frames_in++;
	*len = (size_t)n - SF_VNET_HDR_LEN; /* an empty frame is the filter's to count */
	return 1;
}
