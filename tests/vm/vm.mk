# The VM tier (tests/vm/, docs/vm-tier.md): real Linux kernels under qemu with emulated
# NUMA topologies. Each .vm file is one test group (a topology on a kernel) run by
# tests/vm/vm.py, which prints TAP (one line per guest test) for automake's tap-driver.
# Run with `make check-vm`; it is not part of `make check`.
check_PROGRAMS += tests/vm/guest/probe
tests_vm_guest_probe_SOURCES = tests/vm/guest/probe.c tests/vm/guest/guest.c tests/vm/guest/guest.h
tests_vm_guest_probe_LDADD = -lpthread
check_PROGRAMS += tests/vm/guest/place
tests_vm_guest_place_SOURCES = tests/vm/guest/place.c tests/vm/guest/guest.c tests/vm/guest/guest.h
tests_vm_guest_place_LDADD = -lpthread -ldl

check_PROGRAMS += tests/vm/guest/migrate
tests_vm_guest_migrate_SOURCES = tests/vm/guest/migrate.c tests/vm/guest/guest.c tests/vm/guest/guest.h
tests_vm_guest_migrate_LDADD = -lpthread -ldl

VM_PY = /usr/bin/python3
VM_GUEST_BINS = tests/vm/guest/probe tests/vm/guest/place tests/vm/guest/migrate
VM_TESTS = tests/vm/harness.vm tests/vm/numa4-hmat.6.1.vm tests/vm/numa4-hmat.6.12.vm \
	tests/vm/numa8-2socket.6.1.vm tests/vm/numa8-2socket.6.12.vm
TEST_EXTENSIONS += .vm
VM_LOG_DRIVER = $(LOG_DRIVER)
VM_LOG_COMPILER = $(VM_PY) $(top_srcdir)/tests/vm/vm.py test
EXTRA_DIST += tests/vm
CLEANFILES += tests/vm/*.console tests/vm/*.cpio tests/vm/*.out
