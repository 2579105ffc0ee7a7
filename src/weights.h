/*
 * weights.h — default weights for WEIGHTED_INTERLEAVE policies that carry none of their
 * own (DESIGN.md "Weights"): the first source found wins, for all nodes at once —
 *   1. NODAL_WEIGHTS ("0*3,1*1,2-3*2", policy_spec.h nodal_weights_parse);
 *   2. the kernel's /sys/kernel/mm/mempolicy/weighted_interleave/nodeN files;
 *   3. hwloc bandwidth (topology.h bandwidth_mbs), reduced the kernel's way
 *      (reduce_interleave_weights(): 32 * bw / sum, at least 1, divided by the GCD);
 *   4. 1.
 * Within the chosen source a node it says nothing about gets 1; every entry of the
 * result is 1..255, so it can go straight into struct nodal_mpol_env.default_weights.
 *
 * Reads files with open/read into a stack buffer: no malloc, safe to call while the
 * preloaded allocator initialises (not from a signal handler). No global state.
 * Errors: 0, or EINVAL when NODAL_WEIGHTS is malformed — then the message is in
 * nodal_last_error() and @out holds the rest of the chain (sysfs, bandwidth, 1).
 */
#ifndef NODAL_WEIGHTS_H
#define NODAL_WEIGHTS_H

#include <stdint.h>

#include "topology.h"

#define NODAL_WEIGHTS_SYSFS "/sys/kernel/mm/mempolicy/weighted_interleave"

/* Which source nodal_default_weights() used. */
enum nodal_weights_source {
	NODAL_WEIGHTS_FROM_ENV = 1,
	NODAL_WEIGHTS_FROM_SYSFS,
	NODAL_WEIGHTS_FROM_BANDWIDTH,
	NODAL_WEIGHTS_FROM_DEFAULT,
};

/* @nodal_weights_env: the value of NODAL_WEIGHTS, or NULL/"" when unset. */
int nodal_default_weights(const struct nodal_topology *t, const char *nodal_weights_env,
			  uint8_t out[NODAL_MAX_NUMNODES]);

/* The same with the sysfs directory given (tests; NULL = skip sysfs), reporting the
 * source used in *@source (may be NULL). */
int nodal_default_weights_from(const struct nodal_topology *t, const char *nodal_weights_env,
			       const char *sysfs_dir, uint8_t out[NODAL_MAX_NUMNODES],
			       enum nodal_weights_source *source);

#endif
