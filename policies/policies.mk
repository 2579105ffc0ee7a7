# policies/policies.mk: the policy engine — generic code (src/mempolicy.c) and one ops row
# per mode (policies/<mode>.c); see src/mempolicy.h.
libnodal_core_la_SOURCES += src/mempolicy.c src/weights.c \
	policies/default.c policies/local.c policies/preferred.c policies/preferred_many.c \
	policies/bind.c policies/interleave.c policies/weighted_interleave.c
noinst_HEADERS += src/mempolicy.h src/weights.h policies/mpol_impl.h
