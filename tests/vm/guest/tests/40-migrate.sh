# 40-migrate.sh — sourced by /init: NODAL_MIGRATE moves real pages across the guest's
# nodes when its cgroup v2 cpuset's mems shrink and grow back; without it (the control)
# nothing comes back (tests/vm/guest/migrate.c).
if [ -x /vm/migrate ]; then
	/vm/migrate run
	echo "@@DIAG migrate run exited $?"
fi
