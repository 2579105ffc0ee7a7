#!/usr/bin/python3
"""vm.py — the VM tier's driver: boot a real Debian kernel under qemu (TCG) with an
emulated NUMA topology, run the guest tests, print TAP. Documentation: docs/vm-tier.md.

  vm.py test GROUP.vm            automake entry (make check-vm): one test group, TAP out
  vm.py run TOPOLOGY KERNEL      the same by name, e.g. `vm.py run numa4-hmat 6.12`
  vm.py fetch [KERNEL...]        download and cache the kernels (default: all series)
  vm.py fallback TOPOLOGY        print the host model's boot-time fallback lists
  vm.py qemu-args TOPOLOGY       print the qemu NUMA arguments of a topology

Options for test/run: --builddir DIR (default $top_builddir or ./build), --keep (keep
the initramfs), --timeout SECONDS (default $NODAL_VM_TIMEOUT or 420), --shell (boot
with the same initramfs but an interactive shell on the terminal, for debugging).
Environment: NODAL_VM_CACHE (kernel cache), NODAL_VM_QEMU (qemu binary), NODAL_VM_EXTRA
(host programs to copy into the guest at the same path, with their libraries).
Stdlib only; runs with /usr/bin/python3.
"""
import glob
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from vmlib import checks, initramfs, kernels  # noqa: E402
from vmlib.topology import Topology, fallback_lists  # noqa: E402

QEMU = os.environ.get("NODAL_VM_QEMU", "qemu-system-x86_64")
QBOOT = "/usr/share/qemu/qboot.rom"
# no_timer_check: under TCG on a loaded host the IO-APIC timer check can time out and
# panic the boot ("IO-APIC + timer doesn't work"), seen several times at load ~20.
CMDLINE = "console=ttyS0 panic=-1 oops=panic nokaslr quiet no_timer_check"
# The recorded cpuset-rebinding vectors (vendored from ../shared/conformance).
REBIND_TSV = os.path.join(HERE, "..", "shared", "conformance", "rebind-vectors.tsv")


def log(msg):
    sys.stderr.write(f"vm: {msg}\n")


def read_group(path):
    conf = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = line.split("=", 1)
                conf[k.strip()] = v.strip()
    for k in ("topology", "kernel"):
        if k not in conf and "selftest" not in conf:
            raise SystemExit(f"vm.py: {path}: missing '{k} = ...'")
    return conf


def qemu_unusable():
    """Why qemu cannot run here at all, or None."""
    if not shutil.which(QEMU):
        return f"{QEMU} not found (scripts/setup.sh installs qemu-system-x86)"
    try:
        r = subprocess.run([QEMU, "-accel", "help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{QEMU} does not run: {e}"
    if r.returncode != 0 or "tcg" not in r.stdout:
        return f"{QEMU} has no TCG accelerator: {' '.join((r.stdout + r.stderr).split())[:200]}"
    if not initramfs.find_busybox():
        return "no static busybox (scripts/setup.sh installs busybox-static)"
    return None


def real_binary(path):
    """A libtool wrapper script's real program (.libs/<name>), else the path itself."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        if f.read(2) != b"#!":
            return path
    d, name = os.path.split(path)
    for cand in (os.path.join(d, ".libs", name), os.path.join(d, ".libs", "lt-" + name)):
        if os.path.exists(cand):
            return cand
    return None


def build_image(builddir, out_path, topo):
    """The initramfs: busybox, /init, guest programs and tests, nodal's CLI and libraries.
    Returns (size, notes)."""
    img = initramfs.Image()
    notes = []
    img.file("/bin/busybox", initramfs.find_busybox(), 0o755)
    img.link("/bin/sh", "busybox")
    img.file("/init", os.path.join(HERE, "guest", "init.sh"), 0o755)
    for d in ("/proc", "/sys", "/dev", "/tmp", "/vm/tests"):
        img.dir(d)
    libs = os.path.join(builddir, ".libs")
    env = dict(os.environ, LD_LIBRARY_PATH=libs)
    for t in sorted(glob.glob(os.path.join(HERE, "guest", "tests", "*.sh"))):
        img.file("/vm/tests/" + os.path.basename(t), t, 0o644)
    for prog in ("probe", "place", "migrate"):
        p = real_binary(os.path.join(builddir, "tests", "vm", "guest", prog))
        if p:
            miss = img.elf_with_libs("/vm/" + prog, p, env, [libs])
            if miss:
                notes.append(f"{prog}: unresolved libraries {miss}")
        elif prog == "probe":
            raise SystemExit(f"vm.py: {builddir}/tests/vm/guest/probe not built (run make check-vm)")
    nodal = real_binary(os.path.join(builddir, "nodal"))
    if nodal:
        miss = img.elf_with_libs("/usr/local/bin/nodal", nodal, env, [libs])
        if miss:
            notes.append(f"nodal: unresolved libraries {miss}")
    # The libraries as `make install` lays them out: real file + soname/dev symlinks.
    for so in sorted(glob.glob(os.path.join(libs, "libnodal*.so*"))):
        name = os.path.basename(so)
        if os.path.islink(so):
            img.link("/usr/local/lib/" + name, os.path.basename(os.readlink(so)))
        else:
            miss = img.elf_with_libs("/usr/local/lib/" + name, so, env, [libs])
            if miss:
                notes.append(f"{name}: unresolved libraries {miss}")
    if topo.rebind_vectors:
        cases = checks.rebind_cases(REBIND_TSV)
        img.data("/vm/rebind-cases.tsv", "".join(
            f"{cid}\t{c[0]}\t{c[1]}\t{'>'.join(c[2])}\n" for cid, c in sorted(cases.items())))
    # Debugging aids: NODAL_VM_EXTRA="/usr/bin/lstopo-no-graphics ..." adds host programs.
    for prog in os.environ.get("NODAL_VM_EXTRA", "").split():
        img.elf_with_libs(prog, os.path.realpath(prog), env, [libs])
    return img.write_cpio(out_path), notes


def boot(topo, vmlinux, initrd, console, timeout):
    args = [QEMU, "-accel", "tcg,thread=multi", "-cpu", "max", "-nodefaults", "-display", "none",
            "-no-reboot", "-kernel", vmlinux, "-initrd", initrd, "-append", CMDLINE,
            "-serial", f"file:{console}", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if os.path.exists(QBOOT):
        args += ["-bios", QBOOT]
    args += topo.qemu_args()
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        timed_out = True
    return (out.decode(errors="replace"), err.decode(errors="replace"), p.returncode, timed_out,
            time.monotonic() - t0, args)


def emit(results, header):
    """TAP: plan first, one line per result, diagnostics as comments."""
    print(f"1..{len(results)}")
    for line in header:
        print(f"# {line}")
    for i, r in enumerate(results, 1):
        status = "ok" if r.ok else "not ok"
        skip = f" # SKIP {r.skip}" if r.skip else f" # TODO {r.todo}" if r.todo else ""
        print(f"{status} {i} - {r.desc}{skip}")
        if not r.ok or r.skip is None:
            for d in r.diag if not r.ok else r.diag[:4]:
                print(f"#   {d}")
    sys.stdout.flush()


def run_group(topology, series, builddir, workdir, timeout, keep=False, shell=False):
    why = qemu_unusable()
    if why:
        print(f"1..0 # SKIP {why}")
        return 0
    topo = Topology(os.path.join(HERE, "topologies", topology + ".json"))
    t0 = time.monotonic()
    try:
        vmlinux, release = kernels.get(series, log)
    except kernels.KernelError as e:
        print(f"1..0 # SKIP cannot obtain the {series} kernel: {e}")
        return 0
    t_kernel = time.monotonic() - t0
    os.makedirs(workdir, exist_ok=True)
    base = os.path.join(workdir, f"{topology}.{series}")
    initrd, console = base + ".cpio", base + ".console"
    size, notes = build_image(builddir, initrd, topo)
    if shell:
        args = [QEMU, "-accel", "tcg,thread=multi", "-cpu", "max", "-nodefaults", "-display", "none",
                "-no-reboot", "-kernel", vmlinux, "-initrd", initrd, "-serial", "mon:stdio",
                "-append", "console=ttyS0 panic=-1 nokaslr rdinit=/bin/sh"] + topo.qemu_args()
        return subprocess.call(args)
    out, err, rc, timed_out, secs, args = boot(topo, vmlinux, initrd, console, timeout)
    if not keep:
        os.unlink(initrd)
    with open(base + ".out", "w") as f:
        f.write(out)
    guest = checks.GuestOutput(out)
    header = [f"topology {topology}: {topo.description}",
              f"kernel {release} ({vmlinux}), initramfs {size // 1024} KiB, "
              f"kernel fetch/cache {t_kernel:.1f} s, qemu {secs:.1f} s, exit {rc}",
              f"console log: {console}, result channel: {base}.out"] + notes + guest.stray[:20]
    ok_exit = rc == 1 and guest.done and not timed_out
    diag = [f"qemu exit status {rc} (1 = the guest wrote 0 to isa-debug-exit)",
            f"timed out after {timeout} s" if timed_out else "no timeout",
            "init reached its end" if guest.done else "init did not finish"] + err.strip().splitlines()[-10:]
    if not ok_exit:
        diag.append("qemu command: " + " ".join(args))
        try:
            with open(console, errors="replace") as f:
                diag += ["console: " + line.rstrip() for line in f.readlines()[-30:]]
        except OSError:
            pass
    results = [checks.Result(ok_exit, f"guest booted {release}, ran every test and powered off ({secs:.0f} s)",
                             diag=diag)]
    if guest.files:
        results += checks.check_kernel_view(topo, guest)
        results += checks.check_hmat(topo, guest)
        results += checks.check_fallback_model(topo, guest, series)
    results += guest.results
    if guest.files:
        results += checks.check_nodal_topo(topo, guest)
        results += checks.check_nodal_topo_hmat(topo, guest)
        if topo.rebind_vectors:
            results += checks.check_rebind(guest, series, REBIND_TSV)
    emit(results, header)
    return 0


def selftest(builddir):
    """The harness's own skip paths (tests/vm/harness.vm): a machine where qemu cannot
    run, or the kernel cannot be obtained, reports the group skipped with the reason —
    run for real by pointing NODAL_VM_QEMU / PATH / NODAL_VM_CACHE at broken stand-ins."""
    import tempfile
    results = []
    with tempfile.TemporaryDirectory(prefix="nodal-vm-selftest-") as tmp:
        def script(name, body):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n" + body + "\n")
            os.chmod(path, 0o755)
            return path

        kvm_only = script("qemu-kvm-only", 'echo "Accelerators supported in QEMU binary:"; echo kvm')
        broken = script("qemu-broken", 'echo "qemu: cannot load libraries" >&2; exit 1')
        os.makedirs(os.path.join(tmp, "bin"))
        script("bin/apt-cache", 'echo "E: Could not connect to deb.debian.org" >&2; exit 100')
        script("bin/apt-get", 'echo "E: Could not connect to deb.debian.org" >&2; exit 100')
        cases = [
            ("qemu is not installed", {"NODAL_VM_QEMU": os.path.join(tmp, "no-such-qemu")}, "not found"),
            ("qemu has no TCG accelerator", {"NODAL_VM_QEMU": kvm_only}, "has no TCG accelerator: Accelerators "
             "supported in QEMU binary: kvm"),
            ("qemu does not start", {"NODAL_VM_QEMU": broken}, "cannot load libraries"),
            ("the kernel cannot be downloaded and none is cached",
             {"NODAL_VM_CACHE": os.path.join(tmp, "cache"),
              "PATH": os.path.join(tmp, "bin") + os.pathsep + os.environ.get("PATH", "")},
             "cannot obtain the 6.12 kernel: kernel 6.12: apt-cache depends linux-image-6.12-amd64: "
             "E: Could not connect"),
        ]
        for what, env, reason in cases:
            t0 = time.monotonic()
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "run", "numa4-hmat", "6.12",
                                "--builddir", builddir], env=dict(os.environ, **env),
                               capture_output=True, text=True, timeout=120)
            secs = time.monotonic() - t0
            first = (r.stdout.splitlines() or [""])[0]
            ok = (r.returncode == 0 and first.startswith("1..0 # SKIP ") and reason in first
                  and len(r.stdout.splitlines()) == 1)
            results.append(checks.Result(ok, f"harness: {what} -> the group is skipped with the reason "
                                             f"({secs:.1f} s, no boot)",
                                         diag=[f"stdout: {first!r}", f"exit {r.returncode}"] +
                                         r.stderr.strip().splitlines()[-3:]))
    return results


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["test", "run", "fetch", "fallback", "qemu-args"])
    ap.add_argument("args", nargs="*")
    ap.add_argument("--builddir", default=os.environ.get("top_builddir") or os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("NODAL_VM_TIMEOUT", "420")))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--shell", action="store_true")
    o = ap.parse_args(argv)
    builddir = os.path.abspath(o.builddir)
    workdir = os.path.join(builddir, "tests", "vm")
    if o.cmd == "test":
        # automake passes the .vm path (in srcdir or builddir); extra args come first
        path = o.args[-1]
        if not os.path.exists(path) and os.environ.get("top_srcdir"):
            path = os.path.join(os.environ["top_srcdir"], path)
        g = read_group(path)
        if "selftest" in g:
            emit(selftest(builddir), ["the VM harness's own skip paths"])
            return 0
        return run_group(g["topology"], g["kernel"], builddir, workdir, int(g.get("timeout", o.timeout)), o.keep)
    if o.cmd == "run":
        if len(o.args) != 2:
            ap.error("run TOPOLOGY KERNEL")
        return run_group(o.args[0], o.args[1], builddir, workdir, o.timeout, o.keep, o.shell)
    if o.cmd == "fetch":
        for s in o.args or sorted(kernels.SERIES):
            path, release = kernels.get(s, log)
            print(f"{s}: {release} {path}")
        return 0
    topo = Topology(os.path.join(HERE, "topologies", o.args[0] + ".json"))
    if o.cmd == "qemu-args":
        print(" ".join(topo.qemu_args()))
        return 0
    exp = topo.expected()
    for n, lst in sorted(fallback_lists(exp["distances"], set(exp["has_memory"])).items()):
        print(f"Fallback order for Node {n}: {' '.join(map(str, lst))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
