"""test_vds.py - the Python module against the default store of the test
(local, or a radosgw bucket under tests/s3/run.sh): writes, listings, reads
at odd offsets, damaged content, fork() and threads, fsspec with pandas.

Run by tests/cli/t35-python.sh, which sets up the store and passes
DAMAGED_SMALL and DAMAGED_LARGE ("DS:VER PATH" of files whose objects it
damaged) and TEST_DIR. Prints TAP, then "python: N passed, N failed".
"""

import hashlib
import io
import os
import sys
import threading
import time
import unittest

import vds

TEST_DIR = os.environ["TEST_DIR"]
BIG = 9 * 1024 * 1024 + 12345  # beyond one 8 MiB block: hashed as read in order


def content(n, seed):
    """N deterministic bytes."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])


class Fixture:
    files = {}
    ref = None


def setUpModule():
    src = os.path.join(TEST_DIR, "src")
    Fixture.files = {
        "big.bin": content(BIG, 1),
        "small.bin": content(5000, 2),
        "empty": b"",
        "table/data.csv": b"name,value\nalpha,1\nbeta,2\ngamma,3\n",
        "deep/a/b/c.txt": b"deep\n",
    }
    for path, data in Fixture.files.items():
        os.makedirs(os.path.dirname(os.path.join(src, path)), exist_ok=True)
        with open(os.path.join(src, path), "wb") as f:
            f.write(data)
    d = vds.create_dataset("pyset", "written from Python")
    draft = vds.create_draft("pyset", "first from Python")
    res = vds.put("pyset", draft, [src + "/"])
    assert res["files"] == len(Fixture.files), res
    vds.commit("pyset", draft)
    vds.set_tag("pyset", draft, "v1")
    Fixture.ref = "pyset:" + draft
    Fixture.dataset_id = d["id"]


class Writing(unittest.TestCase):
    def test_listings(self):
        names = [d["name"] for d in vds.datasets()]
        self.assertIn("pyset", names)
        vers = vds.versions("pyset")
        self.assertEqual(len(vers), 1)
        self.assertEqual(vers[0]["message"], "first from Python")
        self.assertEqual(vers[0]["tags"], ("v1",))
        self.assertTrue(vers[0]["committed"])
        self.assertEqual(vds.tags("pyset"), {"v1": Fixture.ref.split(":")[1]})

    def test_version_object(self):
        v = vds.open("pyset:v1")
        self.assertEqual(v.id, Fixture.ref.split(":")[1])
        self.assertEqual(v.dataset, Fixture.dataset_id)
        self.assertEqual(v.dataset_name, "pyset")
        self.assertEqual(v.message, "first from Python")
        self.assertEqual(v.tags, ("v1",))
        self.assertEqual(v.file_count, len(Fixture.files))
        self.assertEqual(v.total_size, sum(len(b) for b in Fixture.files.values()))
        self.assertEqual(vds.open("pyset").id, v.id)  # latest

    def test_files(self):
        v = vds.open(Fixture.ref)
        got = [(e.path, e.size, e.sha256, e.kind) for e in v.files()]
        want = sorted((p, len(b), hashlib.sha256(b).hexdigest(), "file")
                      for p, b in Fixture.files.items())
        self.assertEqual(got, want)
        self.assertEqual([e.path for e in v.files("deep/a")], ["deep/a/b/c.txt"])
        self.assertEqual([e.path for e in v.files("de")], [])
        self.assertEqual([(e.path, e.kind) for e in v.listdir("deep/a")], [("b", "directory")])
        self.assertEqual(v.stat("table").kind, "directory")

    def test_draft_then_commit(self):
        vds.create_dataset("pyout")
        draft = vds.create_draft("pyout", "first")
        vds.put("pyout", draft, os.path.join(TEST_DIR, "src", "small.bin"))
        vds.commit("pyout", draft)
        draft = vds.create_draft("pyout", "second", base=draft)
        out = os.path.join(TEST_DIR, "out.txt")
        with open(out, "wb") as f:
            f.write(b"results\n")
        vds.put("pyout", draft, out, target="/outputs")
        v = vds.open("pyout:" + draft)
        self.assertFalse(v.committed)
        self.assertEqual(v.read("outputs/out.txt"), b"results\n")
        vds.commit("pyout", draft)
        with self.assertRaises(vds.Committed) as cm:
            vds.put("pyout", draft, out)
        self.assertEqual(cm.exception.code, -5)
        self.assertEqual([e.path for e in vds.open("pyout").files()],
                         ["outputs/out.txt", "small.bin"])

    def test_get(self):
        target = os.path.join(TEST_DIR, "got")
        res = vds.open(Fixture.ref).get(target, ["table"])
        self.assertEqual(res["files"], 1)
        with open(os.path.join(target, "table/data.csv"), "rb") as f:
            self.assertEqual(f.read(), Fixture.files["table/data.csv"])


class Errors(unittest.TestCase):
    def test_not_found(self):
        with self.assertRaises(vds.NotFound) as cm:
            vds.open("nosuchset:latest")
        self.assertEqual(str(cm.exception), "no such dataset 'nosuchset'")
        self.assertEqual(cm.exception.code, -3)
        self.assertEqual(cm.exception.exit_code, 3)
        self.assertIsInstance(cm.exception, FileNotFoundError)
        with self.assertRaises(vds.NotFound) as cm:
            vds.open(Fixture.ref).open("nope.txt")
        self.assertEqual(str(cm.exception), "no such file 'nope.txt'")
        with self.assertRaises(vds.NotFound):
            vds.open("pyset:nosuchtag")

    def test_invalid(self):
        with self.assertRaises(vds.Invalid):
            vds.open(Fixture.ref).open("../etc/passwd")
        with self.assertRaises(vds.Error):
            vds.open(Fixture.ref).open("deep")

    def test_closed(self):
        f = vds.open(Fixture.ref).open("small.bin")
        f.close()
        self.assertTrue(f.closed)
        with self.assertRaises(ValueError):
            f.read()


class Reading(unittest.TestCase):
    def setUp(self):
        self.v = vds.open(Fixture.ref)

    def test_whole(self):
        for path, data in Fixture.files.items():
            with self.v.open(path) as f:
                self.assertEqual(f.read(), data, path)
                self.assertEqual(f.read(), b"")
                self.assertEqual(f.tell(), len(data))

    def test_odd_offsets(self):
        data = Fixture.files["big.bin"]
        block = 8 * 1024 * 1024
        f = self.v.open("big.bin")
        self.assertEqual(f.size, BIG)
        for off in (0, 1, 4095, 4097, 65537, block - 1, block, block + 1, BIG - 3, BIG - 1, BIG,
                    BIG + 10):
            for n in (1, 7, 4096, 65537, 3 * 1024 * 1024 + 1):
                self.assertEqual(f.seek(off), off)
                self.assertEqual(f.read(n), data[off:off + n], (off, n))
        f.seek(-10, 2)
        self.assertEqual(f.read(), data[-10:])
        f.seek(100)
        f.seek(23, 1)
        self.assertEqual(f.tell(), 123)
        buf = bytearray(1000)
        self.assertEqual(f.readinto(buf), 1000)
        self.assertEqual(bytes(buf), data[123:1123])
        mv = memoryview(bytearray(BIG))
        f.seek(0)
        n = 0
        while True:
            k = f.readinto(mv[n:n + 999983])
            if not k:
                break
            n += k
        self.assertEqual(n, BIG)
        self.assertEqual(bytes(mv), data)
        with self.assertRaises(ValueError):
            f.seek(-1)
        f.close()

    def test_io_wrappers(self):
        with io.BufferedReader(self.v.open("table/data.csv")) as b:
            self.assertEqual(b.readline(), b"name,value\n")
        with io.TextIOWrapper(io.BufferedReader(self.v.open("deep/a/b/c.txt"))) as t:
            self.assertEqual(t.read(), "deep\n")
        self.assertIsInstance(self.v.open("empty"), io.RawIOBase)

    def test_threads(self):
        errors = []

        def reader(seed):
            try:
                v = vds.open(Fixture.ref)
                for k in range(20):
                    path = ("big.bin", "small.bin", "table/data.csv")[(seed + k) % 3]
                    data = Fixture.files[path]
                    off = (seed * 7919 + k * 104729) % max(1, len(data))
                    with v.open(path) as f:
                        f.seek(off)
                        if f.read(100000) != data[off:off + 100000]:
                            errors.append((path, off))
            except Exception as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_fork(self):
        f = self.v.open("big.bin")
        self.assertEqual(f.read(1000), Fixture.files["big.bin"][:1000])
        pids = []
        for i in range(4):
            pid = os.fork()
            if pid == 0:
                ok = False
                try:
                    # the parent's open file, version and store, then new ones
                    ok = f.read(5000) == Fixture.files["big.bin"][1000:6000]
                    for path, data in Fixture.files.items():
                        ok = ok and self.v.read(path) == data
                        ok = ok and vds.open(Fixture.ref).read(path) == data
                finally:
                    os._exit(0 if ok else 1)
            pids.append(pid)
        codes = [os.waitpid(p, 0)[1] for p in pids]
        self.assertEqual(codes, [0, 0, 0, 0])
        self.assertEqual(f.read(5000), Fixture.files["big.bin"][1000:6000])
        f.close()


class Damaged(unittest.TestCase):
    def target(self, var):
        ref, path = os.environ[var].split(" ", 1)
        return vds.open(ref), path

    def test_small(self):
        v, path = self.target("DAMAGED_SMALL")
        for _ in range(2):
            with self.assertRaises(vds.Corrupt) as cm:
                v.open(path)
            # the object is checked as it is read, from a bucket or a local store alike
            sha = v.stat(path).sha256
            want = "content object objects/%s/%s does not match its SHA-256" % (sha[:2], sha[2:])
            self.assertEqual(str(cm.exception), want)
            self.assertEqual(cm.exception.code, -9)

    def test_large_whole(self):
        v, path = self.target("DAMAGED_LARGE")
        with self.assertRaises(vds.Corrupt):
            v.open(path).read()

    def test_large_in_order(self):
        v, path = self.target("DAMAGED_LARGE")
        f = v.open(path)
        with self.assertRaises(vds.Corrupt):
            while f.read(1 << 20):
                pass
        with self.assertRaises(vds.Corrupt):
            f.seek(0)
            f.read(10)


    @unittest.skipIf(os.environ.get("VDS_TEST_S3"), "a local store's object files")
    def test_found_good_then_damaged(self):
        # an object file read and found good is not hashed again while unchanged,
        # but a write to it (even one that keeps its mtime) is seen
        time.sleep(1.1)  # files changed within a second are never taken as good
        data = Fixture.files["small.bin"]
        sha = hashlib.sha256(data).hexdigest()
        obj = os.path.join(os.environ["VDS_HOME"], "store", "objects", sha[:2], sha[2:])
        verified = os.path.join(os.environ["VDS_HOME"], "cache", "verified")
        v = vds.Store().open(Fixture.ref)
        self.assertEqual(v.read("small.bin"), data)
        del v
        self.assertTrue(os.path.getsize(verified) > 0)
        self.assertEqual(vds.Store().open(Fixture.ref).read("small.bin"), data)
        st = os.stat(obj)
        os.chmod(obj, 0o644)
        with open(obj, "r+b") as f:
            f.seek(100)
            f.write(bytes([data[100] ^ 1]))
        os.utime(obj, ns=(st.st_atime_ns, st.st_mtime_ns))
        try:
            with self.assertRaises(vds.Corrupt):
                vds.Store().open(Fixture.ref).open("small.bin")
        finally:
            with open(obj, "r+b") as f:
                f.seek(100)
                f.write(data[100:101])
            os.chmod(obj, st.st_mode)
        self.assertEqual(vds.Store().open(Fixture.ref).read("small.bin"), data)


class Fsspec(unittest.TestCase):
    def test_pandas(self):
        try:
            import pandas
        except ImportError:
            self.skipTest("pandas is not installed (python3-pandas)")
        df = pandas.read_csv("vds://pyset:v1/table/data.csv")
        self.assertEqual(list(df["name"]), ["alpha", "beta", "gamma"])
        self.assertEqual(int(df["value"].sum()), 6)

    def test_filesystem(self):
        import fsspec
        fs = fsspec.filesystem("vds")
        self.assertEqual(type(fs).__module__, "vds.fsspec")
        self.assertEqual(sorted(fs.ls("vds://pyset:v1/", detail=False)),
                         ["pyset:v1/big.bin", "pyset:v1/deep", "pyset:v1/empty",
                          "pyset:v1/small.bin", "pyset:v1/table"])
        self.assertEqual(fs.info("vds://pyset:v1/small.bin")["size"], 5000)
        self.assertEqual(fs.cat("vds://pyset:v1/small.bin"), Fixture.files["small.bin"])
        with fsspec.open("vds://pyset:v1/big.bin", "rb") as f:
            f.seek(BIG - 5)
            self.assertEqual(f.read(), Fixture.files["big.bin"][-5:])
        with fsspec.open("vds://pyset:v1/deep/a/b/c.txt", "rt") as f:
            self.assertEqual(f.read(), "deep\n")
        self.assertFalse(fs.exists("vds://pyset:v1/nope"))
        self.assertEqual(fs.find("vds://pyset:v1/deep"), ["pyset:v1/deep/a/b/c.txt"])


class TapResult(unittest.TextTestResult):
    """Prints one TAP line per test."""
    n = 0

    def _line(self, test, ok, note=""):
        TapResult.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", TapResult.n, test.id(), note),
              flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test).replace("\n", "\n# "))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, True, " # SKIP " + reason)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    runner = unittest.TextTestRunner(stream=io.StringIO(), resultclass=TapResult)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors)
    if TapResult.n == 0:
        print("not ok 1 - no test ran (setUpModule failed?)")
        for _, err in res.errors:
            print("# " + err.replace("\n", "\n# "))
        TapResult.n, failed = 1, max(failed, 1)
    print("1..%d" % TapResult.n)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("python: %d passed, %d failed" % (passed, failed)
          + (", %d skipped" % skipped if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
