"""vds.fsspec: the fsspec file system of the vds:// protocol.

A path is vds://DATASET:REF/PATH (REF: a version id, a tag or latest); each
version is opened once per file system and kept. fsspec finds the protocol
through the entry point this package registers, so that

    pandas.read_csv("vds://measurements:latest/data/table.csv")

reads a version directly. Read-only: write through vds.put and vds.commit.
"""

import io
import threading

from fsspec.spec import AbstractFileSystem

import vds


class VdsFileSystem(AbstractFileSystem):
    """fsspec file system over versions of vds datasets (read-only)."""

    protocol = "vds"
    root_marker = ""

    def __init__(self, config=None, **kwargs):
        super().__init__(**kwargs)
        self._store = vds.Store(config) if config else None
        self._versions = {}
        self._lock = threading.Lock()

    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        if path.startswith("vds://"):
            path = path[len("vds://"):]
        return path.strip("/")

    def _split(self, path):
        path = self._strip_protocol(path)
        ref, _, inner = path.partition("/")
        if ":" not in ref:
            raise vds.Invalid("%r is not a vds path: vds://DATASET:REF/PATH" % path)
        with self._lock:
            v = self._versions.get(ref)
            if v is None:
                v = (self._store or vds.default_store()).open(ref)
                self._versions[ref] = v
        return ref, v, inner

    def _info(self, ref, e, inner):
        name = "%s/%s" % (ref, inner) if inner else ref
        kind = "directory" if e.kind == "directory" else "file"
        return {"name": name, "size": e.size, "type": kind, "sha256": e.sha256 or None,
                "mode": e.mode, "mtime": e.mtime}

    def info(self, path, **kwargs):
        ref, v, inner = self._split(path)
        return self._info(ref, v.stat(inner), inner)

    def ls(self, path, detail=True, **kwargs):
        ref, v, inner = self._split(path)
        if inner and v.stat(inner).kind != "directory":
            out = [self._info(ref, v.stat(inner), inner)]
        else:
            out = [self._info(ref, e, "%s/%s" % (inner, e.path) if inner else e.path)
                   for e in v.listdir(inner)]
        return out if detail else [o["name"] for o in out]

    def _open(self, path, mode="rb", block_size=None, autocommit=True, cache_options=None,
              **kwargs):
        if mode != "rb":
            raise vds.Committed("vds:// is read-only: write with vds.put and vds.commit")
        _, v, inner = self._split(path)
        return io.BufferedReader(v.open(inner), buffer_size=block_size or 1 << 20)

    def cat_file(self, path, start=None, end=None, **kwargs):
        _, v, inner = self._split(path)
        with v.open(inner) as f:
            if start is None and end is None:
                return f.read()
            size = f.size
            start = 0 if start is None else (start if start >= 0 else max(0, size + start))
            end = size if end is None else (end if end >= 0 else max(0, size + end))
            f.seek(start)
            return f.read(max(0, end - start))

    def ukey(self, path):
        return self.info(path)["sha256"] or path
