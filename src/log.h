/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics on stderr (Podman shows them), filtered by --filter-log-level. */
#pragma once

/** log_init: installs the GLib log handler; @level 0 errors .. 3 debug. */
void log_init(int level);
