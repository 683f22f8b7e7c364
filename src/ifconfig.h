/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuring the tap inside the container namespace (the -c option). */
#pragma once

#include "cli.h"

/**
 * ifconfig_apply:
 * Brings lo up, sets the tap's MAC (if given), MTU, address (+100), netmask,
 * brings it up and adds the default route via the gateway (+2). Must run in
 * the target network namespace. Returns 0 or -errno after printing the step.
 */
int ifconfig_apply(const CliOptions *opts);
