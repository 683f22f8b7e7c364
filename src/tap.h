/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Creating the container's tap device from inside its network namespace. */
#pragma once

#include "cli.h"

/**
 * tap_create:
 * Forks a child that joins the target user namespace (only with
 * --userns-path, or the target's own in PID mode) and network namespace,
 * opens /dev/net/tun as IFF_TAP|IFF_NO_PI|IFF_VNET_HDR (every frame carries a
 * virtio-net header: slirp-filter/offload.h), configures the interface when
 * opts->configure is set, and passes the tap fd back over SCM_RIGHTS.
 * The caller stays in its own namespaces, where libslirp opens host sockets.
 * Returns the tap fd (non-blocking, close-on-exec) or -1 after printing why.
 */
int tap_create(const CliOptions *opts);

/**
 * tap_enable_offloads:
 * Lets the guest leave TCP/UDP checksums and IPv4 TCP segmentation to us
 * (TUNSETOFFLOAD). Returns false, after a warning, when the kernel refuses:
 * the guest then sends MSS-sized, checksummed frames, which work as well.
 */
bool tap_enable_offloads(int tapfd);
