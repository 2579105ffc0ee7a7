"""initramfs.py — build the guest's root file system as an uncompressed newc cpio.

Contents: busybox-static as /bin/busybox (/bin/sh links to it; /init installs the
other applets), the init script, the guest test programs under /vm, nodal's built CLI
and libraries at their install paths (/usr/local/bin, /usr/local/lib) and every shared
library those need (found with ldd, copied to the same path, the loader included).
"""
import os
import re
import stat
import subprocess


class Image:
    """Files to pack, keyed by their absolute guest path."""

    def __init__(self):
        self.entries = {}  # path -> ("dir",) | ("file", host_path, mode) | ("link", target) | ("data", bytes, mode)

    def _parents(self, path):
        parts = path.strip("/").split("/")[:-1]
        cur = ""
        for p in parts:
            cur += "/" + p
            self.entries.setdefault(cur, ("dir",))

    def dir(self, path):
        self._parents(path)
        self.entries.setdefault(path, ("dir",))

    def file(self, path, host_path, mode=None):
        self._parents(path)
        if mode is None:
            mode = 0o755 if os.access(host_path, os.X_OK) else 0o644
        self.entries[path] = ("file", host_path, mode)

    def data(self, path, data, mode=0o644):
        self._parents(path)
        self.entries[path] = ("data", data if isinstance(data, bytes) else data.encode(), mode)

    def link(self, path, target):
        self._parents(path)
        self.entries[path] = ("link", target)

    def elf_with_libs(self, path, host_path, env=None, local_dirs=()):
        """Add an ELF program or library and every shared library ldd names for it, at the
        same path. Libraries that resolve into local_dirs (the build tree) go to
        /usr/local/lib under the name ldd printed (the soname), as `make install` would put
        them. Returns the names ldd could not resolve."""
        self.file(path, host_path)
        missing = []
        r = subprocess.run(["ldd", host_path], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            return missing  # a static binary: "not a dynamic executable"
        local = [os.path.realpath(d) + "/" for d in local_dirs]
        for line in r.stdout.splitlines():
            line = line.strip()
            m = re.match(r"(\S+) => not found", line)
            if m:
                missing.append(m.group(1))
                continue
            m = re.match(r"(?:(\S+) => )?(/\S+) \(0x", line)
            if not m:
                continue  # linux-vdso.so.1
            real = os.path.realpath(m.group(2))
            if any(real.startswith(d) for d in local):
                self.file("/usr/local/lib/" + (m.group(1) or os.path.basename(m.group(2))), real)
            else:
                self.file(m.group(2), real)
        return missing

    def write_cpio(self, out_path):
        """Write the newc archive (what the kernel's initramfs unpacker reads)."""
        ino = 1
        with open(out_path + ".tmp", "wb") as out:
            def entry(name, mode, data=b""):
                nonlocal ino
                name_b = name.encode() + b"\0"
                hdr = "070701" + "".join(f"{v:08x}" for v in (
                    ino, mode, 0, 0, 1 if not stat.S_ISDIR(mode) else 2, 0, len(data),
                    0, 0, 0, 0, len(name_b), 0))
                ino += 1
                out.write(hdr.encode() + name_b)
                out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
                out.write(data)
                out.write(b"\0" * ((4 - len(data) % 4) % 4))

            for path in sorted(self.entries):
                e = self.entries[path]
                name = path.lstrip("/")
                if e[0] == "dir":
                    entry(name, stat.S_IFDIR | 0o755)
                elif e[0] == "link":
                    entry(name, stat.S_IFLNK | 0o777, e[1].encode())
                elif e[0] == "data":
                    entry(name, stat.S_IFREG | e[2], e[1])
                else:
                    with open(e[1], "rb") as f:
                        entry(name, stat.S_IFREG | e[2], f.read())
            entry("TRAILER!!!", 0)
        os.replace(out_path + ".tmp", out_path)
        return os.path.getsize(out_path)


def find_busybox():
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(p):
            r = subprocess.run(["ldd", p], capture_output=True, text=True)
            if r.returncode != 0 or "not a dynamic" in (r.stdout + r.stderr):
                return p
    return None
