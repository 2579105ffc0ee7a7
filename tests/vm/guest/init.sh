#!/bin/sh
# init.sh — /init of the VM tier's guests (packed by tests/vm/vm.py).
# The kernel console is ttyS0 (a log file on the host); everything here goes to ttyS1,
# the result channel the host parses: @@TAP / @@DIAG lines from the test programs,
# @@FILE <name> ... @@EOF blocks of raw data the host checks, and @@DONE at the end.
# The exit status reaches the host through isa-debug-exit (probe exit V -> 2V+1).
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/ttyS1 2>&1
dmesg -n 1
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/usr/local/lib
export HOME=/tmp
cd /tmp
dmesg >/tmp/dmesg

dump() { # name file...
	echo "@@FILE $1"
	shift
	cat "$@" 2>&1
	echo "@@EOF"
}

dump uname /proc/sys/kernel/osrelease
dump cmdline /proc/cmdline
echo "@@FILE fallback"
grep 'Fallback order for Node' /tmp/dmesg
echo "@@EOF"
for f in possible online has_cpu has_memory; do
	dump "$f" "/sys/devices/system/node/$f"
done
for d in /sys/devices/system/node/node*; do
	n=${d##*/}
	dump "$n/cpulist" "$d/cpulist"
	dump "$n/distance" "$d/distance"
	dump "$n/meminfo" "$d/meminfo"
	for a in "$d"/access0/initiators/*_latency "$d"/access0/initiators/*_bandwidth; do
		[ -f "$a" ] && dump "$n/access0/${a##*/}" "$a"
	done
	if [ -d "$d/access0/initiators" ]; then
		echo "@@FILE $n/access0/initiators"
		ls "$d/access0/initiators" | grep '^node'
		echo "@@EOF"
	fi
done

# Kernel-level mempolicy behaviour (raw syscalls).
/vm/probe kernel /tmp/dmesg
echo "@@DIAG probe kernel exited $?"

# cgroup v2 with the cpuset controller, and one cpuset cgroup that lives until power-off.
# Creating the first cpuset cgroup and removing the last one flip the kernel's cpuset
# static keys (cpusets_enabled() sits in __alloc_pages), i.e. live patching of kernel text;
# under TCG a vCPU can then still meet the patch's int3 after the patch is complete
# ("Oops: int3" in __alloc_pages_noprof, seen when the migrate test's rmdir ran on a
# kworker while init powered off). With this cgroup the keys flip once, here, while
# nothing else runs, and the tests' cgroups never flip them again.
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null && echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control; then
	mkdir -p /sys/fs/cgroup/nodal-keep
else
	echo "@@DIAG no cgroup v2 cpuset controller in this kernel"
fi

# nodal inside the guest: each script runs its tests or reports why they are skipped.
for t in /vm/tests/*.sh; do
	[ -f "$t" ] && . "$t"
done

echo "@@DONE"
sync
/vm/probe exit 0
poweroff -f
