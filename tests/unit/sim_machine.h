/*
 * sim_machine.h — start nodal on the sim OS backend for a unit test, and move the calling
 * thread between simulated CPUs. Header-only (static inline) so each criterion test
 * program includes it without another object; fails the running test through criterion's
 * asserts. Not thread-safe: call from the test's main thread before it starts others.
 */
#ifndef NODAL_TEST_SIM_MACHINE_H
#define NODAL_TEST_SIM_MACHINE_H

#include <criterion/criterion.h>
#include <stdlib.h>

#include "alloc.h"
#include "msg.h"
#include "nodal.h"
#include "os.h"
#include "os_sim.h"

/* Four nodes of one CPU each (CPU n on node n), 10 local / 20 remote. */
#define SIM_FOUR "synthetic:pack:4 numa:1 core:1 pu:1"

/*
 * nodal_init() on the sim backend with topology @topo (NULL: SIM_FOUR), process policy
 * @policy (NULL: none) and one more variable @extra_name=@extra_value (either NULL: none).
 */
static inline void sim_machine(const char *topo, const char *policy, const char *extra_name, const char *extra_value)
{
	setenv("NODAL_OS", "sim", 1);
	setenv("NODAL_TOPOLOGY", topo ? topo : SIM_FOUR, 1);
	if (policy)
		setenv("NODAL_POLICY", policy, 1);
	if (extra_name && extra_value)
		setenv(extra_name, extra_value, 1);
	int err = nodal_init();
	cr_assert_eq(err, 0, "nodal_init: %s", nodal_strerror_detail());
	cr_assert_str_eq(nodal_os()->name, "sim");
}

/* Run the calling thread on simulated @cpu and tell nodal, as the preload library would. */
static inline void sim_run_on(int cpu)
{
	cr_assert_eq(nodal_sim_set_cpu(cpu), 0);
	nodal_alloc_affinity_changed();
}

#endif
