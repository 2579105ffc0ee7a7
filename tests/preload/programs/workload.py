# workload.py — a Python program that exercises the allocator through the interpreter
# and its C extensions; tests/preload/programs.sh compares its output with and without
# nodal. Output must be deterministic.
import ctypes
import ctypes.util
import hashlib
import json
import multiprocessing
import sqlite3
import threading
import zlib


def square_sum(n):
    return sum(i * i for i in range(n))


def main():
    data = {"k%d" % i: [i, str(i) * (i % 7), {"x": i / 3.0, "y": [None, True]}] for i in range(20000)}
    text = json.dumps(data, sort_keys=True)
    back = json.loads(text)
    print("json", len(text), back == data, hashlib.sha256(text.encode()).hexdigest()[:16])

    db = sqlite3.connect(":memory:")
    db.execute("create table t (id integer primary key, name text, v real)")
    db.executemany("insert into t (name, v) values (?, ?)", (("n%d" % i, i * 0.5) for i in range(50000)))
    db.execute("create index t_name on t (name)")
    print("sqlite3", db.execute("select count(*), sum(v), max(name) from t where id % 3 = 0").fetchone())
    db.close()

    results = [0] * 4

    def worker(k):
        acc = []
        for i in range(30000):
            acc.append(("%d-%d" % (k, i)) * 3)
        results[k] = sum(len(s) for s in acc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threads", results)

    with multiprocessing.get_context("fork").Pool(2) as pool:
        print("multiprocessing", pool.map(square_sum, [1000, 20000, 300000, 5]))

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.strlen.restype = ctypes.c_size_t
    buf = ctypes.create_string_buffer(b"nodal" * 1000)
    print("ctypes", libc.strlen(buf), ctypes.sizeof(buf))

    blob = ("".join(str(i) for i in range(100000))).encode()
    packed = zlib.compress(blob, 9)
    print("zlib", len(blob), len(packed), zlib.decompress(packed) == blob, zlib.crc32(blob))


if __name__ == "__main__":
    main()
