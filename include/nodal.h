/*
 * nodal.h — public API of libnodal: the Linux kernel's NUMA memory-policy semantics
 * for userspace heaps.
 *
 * Error convention: functions returning int return 0 or a positive errno value;
 * functions returning a pointer return NULL and set errno.
 */
#ifndef NODAL_H
#define NODAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NODAL_API __attribute__((visibility("default")))

/* Policy modes: the kernel's uapi MPOL_* values. */
enum nodal_mode {
	NODAL_MPOL_DEFAULT = 0,
	NODAL_MPOL_PREFERRED = 1,
	NODAL_MPOL_BIND = 2,
	NODAL_MPOL_INTERLEAVE = 3,
	NODAL_MPOL_LOCAL = 4,
	NODAL_MPOL_PREFERRED_MANY = 5,
	NODAL_MPOL_WEIGHTED_INTERLEAVE = 6,
};

/* Mode flags: the kernel's bits. */
#define NODAL_MPOL_F_STATIC_NODES (1 << 15)
#define NODAL_MPOL_F_RELATIVE_NODES (1 << 14)
#define NODAL_MPOL_F_NUMA_BALANCING (1 << 13)

#ifdef __cplusplus
}
#endif

#endif
