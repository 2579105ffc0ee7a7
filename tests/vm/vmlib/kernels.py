"""kernels.py — fetch and cache the Debian kernels the VM tier boots.

A series ("6.1", "6.12") names a Debian metapackage; its current ABI package is resolved
with `apt-cache depends` (never hard-coded: the suffix changes with every update),
downloaded with `apt-get download` (no install: a linux-image install drags in
initramfs-tools), and only /boot/vmlinuz-* is extracted. The compressed payload is
unpacked to the ELF vmlinux, which qemu boots directly (PVH) — about 3 s faster per boot
under TCG than letting the kernel decompress itself.

Cache: $NODAL_VM_CACHE or ~/.cache/nodal/vm/kernels/<package>/vmlinux (+ release.txt).
Several test groups may fetch at once: an flock on the cache serialises them. Offline,
the newest cached kernel of the series is used.
"""
import fcntl
import glob
import lzma
import os
import re
import shutil
import subprocess
import tempfile
import zlib

SERIES = {"6.1": "linux-image-amd64", "6.12": "linux-image-6.12-amd64"}


class KernelError(Exception):
    pass


def cache_dir():
    base = os.environ.get("NODAL_VM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nodal", "vm")
    return base


def resolve(series):
    """The ABI package behind the series' metapackage, e.g. linux-image-6.1.0-57-amd64."""
    meta = SERIES.get(series)
    if not meta:
        raise KernelError(f"unknown kernel series '{series}' (expected one of {', '.join(SERIES)})")
    try:
        r = subprocess.run(["apt-cache", "depends", meta], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise KernelError(f"apt-cache depends {meta}: {e}")
    m = re.search(r"Depends:\s*(linux-image-[0-9][^\s]*)", r.stdout)
    if not m:
        why = " ".join(r.stderr.split())[-200:] if r.returncode else "no linux-image ABI package in its dependencies"
        raise KernelError(f"apt-cache depends {meta}: {why}")
    return m.group(1)


def _decompress(data):
    """Find the compressed kernel in a bzImage and unpack it to the ELF vmlinux (the
    method of the kernel's scripts/extract-vmlinux: try every known magic)."""
    magics = [
        (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\x1f\x8b\x08", "gzip"),
    ]
    for magic, kind in magics:
        start = 0
        while True:
            i = data.find(magic, start)
            if i < 0:
                break
            start = i + 1
            try:
                if kind == "xz":
                    out = lzma.LZMADecompressor().decompress(data[i:])
                elif kind == "gzip":
                    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[i:])
                else:
                    r = subprocess.run(["zstd", "-dc"], input=data[i:], capture_output=True)
                    out = r.stdout
            except (lzma.LZMAError, zlib.error, OSError):
                continue
            if out[:4] == b"\x7fELF":
                return out
    raise KernelError("no compressed ELF kernel found in vmlinuz (tried xz, zstd, gzip)")


def _fetch(pkg, dest):
    with tempfile.TemporaryDirectory(dir=os.path.dirname(dest)) as tmp:
        r = subprocess.run(["apt-get", "download", "-q", pkg], cwd=tmp, capture_output=True, text=True,
                           timeout=600)
        debs = glob.glob(os.path.join(tmp, "*.deb"))
        if r.returncode != 0 or not debs:
            raise KernelError(f"apt-get download {pkg} failed: {(r.stderr or r.stdout).strip()[-300:]}")
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", debs[0]], stdout=subprocess.PIPE)
        r = subprocess.run(["tar", "-x", "-C", tmp, "--wildcards", "./boot/vmlinuz-*"], stdin=tar.stdout,
                           capture_output=True, text=True)
        tar.wait()
        found = glob.glob(os.path.join(tmp, "boot", "vmlinuz-*"))
        if r.returncode != 0 or not found:
            raise KernelError(f"no /boot/vmlinuz-* in {os.path.basename(debs[0])}: {r.stderr.strip()}")
        with open(found[0], "rb") as f:
            elf = _decompress(f.read())
        os.makedirs(dest, exist_ok=True)
        with open(os.path.join(dest, "vmlinux.tmp"), "wb") as f:
            f.write(elf)
        os.replace(os.path.join(dest, "vmlinux.tmp"), os.path.join(dest, "vmlinux"))
        with open(os.path.join(dest, "release.txt"), "w") as f:
            f.write(os.path.basename(found[0])[len("vmlinuz-"):] + "\n")


def get(series, log=lambda s: None):
    """Path of the series' uncompressed vmlinux and its release string; fetches it once."""
    root = os.path.join(cache_dir(), "kernels")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pkg = resolve(series)
        except KernelError as e:
            pkg, err = None, e
        if pkg:
            dest = os.path.join(root, pkg)
            if not os.path.exists(os.path.join(dest, "vmlinux")):
                log(f"fetching {pkg} into {dest}")
                try:
                    _fetch(pkg, dest)
                except (KernelError, OSError, subprocess.TimeoutExpired) as e:
                    shutil.rmtree(dest, ignore_errors=True)
                    pkg, err = None, e
        if not pkg:
            # offline: the newest cached kernel of this series
            pat = "linux-image-6.1.0-*" if series == "6.1" else f"linux-image-{series}.*"
            cached = sorted(glob.glob(os.path.join(root, pat, "vmlinux")), key=os.path.getmtime)
            if not cached:
                raise KernelError(f"kernel {series}: {err}")
            dest = os.path.dirname(cached[-1])
        with open(os.path.join(dest, "release.txt")) as f:
            return os.path.join(dest, "vmlinux"), f.read().strip()
