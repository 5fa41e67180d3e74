"""vds: versioned datasets, read and written from Python.

    import vds
    v = vds.open("images:latest")          # a Version: id, message, tags, counts
    for e in v.files("train/"):             # Entry(path, size, sha256, mode, kind, mtime)
        data = v.open(e.path).read()        # checked bytes, through the store's cache

The functions below work on the default configuration ($VDS_HOME/config.json,
else $XDG_CONFIG_HOME/vds/config.json); vds.Store(config) opens another.
Failures raise vds.Error (vds.NotFound, vds.Corrupt, ...) with the same
one-line message as the vds program and the core's status in .code.
Reads release the GIL, and the module may be used again in a child of
fork() (PyTorch DataLoader workers): the child opens its own context.
The fsspec protocol vds:// (vds.fsspec.VdsFileSystem) is registered through
fsspec's entry point, so pandas.read_csv("vds://DS:REF/path.csv") works.
"""

from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Union
import io
import os

from . import _vds
from ._vds import (Error, UsageError, NotFound, Invalid, Committed, Conflict, IOFailed,
                   NoSpace, Corrupt, Cancelled, File)

__all__ = ["Store", "Version", "File", "Entry", "open", "datasets", "versions", "tags",
           "create_dataset", "create_draft", "put", "commit", "set_tag", "Error",
           "UsageError", "NotFound", "Invalid", "Committed", "Conflict", "IOFailed",
           "NoSpace", "Corrupt", "Cancelled"]

io.RawIOBase.register(File)


class Entry(NamedTuple):
    """One file of a version (or, from stat and listdir, a folder)."""
    path: str
    size: int
    sha256: str  # hex; "" for a folder
    mode: int
    kind: str  # "file", "link" or "directory"
    mtime: int


class Version:
    """One version of a dataset: what vds.open("DS:REF") returns."""

    def __init__(self, v: "_vds.Version"):
        self._v = v
        self.dataset: str = v.dataset
        self.dataset_name: str = v.dataset_name
        self.id: str = v.id
        self.message: str = v.message
        self.tags: tuple = v.tags
        self.committed: bool = v.committed
        self.created_us: int = v.created_us
        self.committed_us: int = v.committed_us
        self.file_count: int = v.file_count
        self.total_size: int = v.total_size

    def __repr__(self) -> str:
        return "<vds.Version %s:%s, %d files, %d bytes>" % (
            self.dataset_name, self.id, self.file_count, self.total_size)

    @property
    def ref(self) -> str:
        """The exact reference of this version, DATASET_ID:VERSION_ID."""
        return "%s:%s" % (self.dataset, self.id)

    def files(self, prefix: str = "") -> Iterator[Entry]:
        """The files at or below folder PREFIX ("" for all), in path order."""
        return (Entry(*t) for t in self._v.files(prefix))

    def stat(self, path: str) -> Entry:
        """The file or folder at PATH (vds.NotFound if neither)."""
        return Entry(*self._v.stat(path))

    def listdir(self, path: str = "") -> List[Entry]:
        """The direct children of folder PATH; Entry.path is the child's name."""
        return [Entry(*t) for t in self._v.listdir(path)]

    def open(self, path: str) -> File:
        """The file at PATH open for binary reading (read, readinto, seek, tell)."""
        return self._v.open(path)

    def read(self, path: str) -> bytes:
        """The whole content of the file at PATH."""
        with self._v.open(path) as f:
            return f.read()

    def get(self, target: Union[str, os.PathLike], paths: Optional[Sequence[str]] = None
            ) -> Dict[str, int]:
        """Downloads the files (or those at or below PATHS) into folder TARGET, verified,
        like 'vds datasets files get'; returns counts (files, bytes, present)."""
        return self._v.get(target, None if paths is None else list(paths))


class Store(_vds.Store):
    """A vds configuration: Store(config=None) opens the file CONFIG, or the default one."""

    def open(self, ref: str) -> Version:
        """The version REF names: 'DATASET:VERSION', 'DATASET:TAG', 'DATASET:latest' or
        'DATASET' (its latest version); DATASET is a name or an id."""
        return Version(super().open(ref))


_default: Optional[Store] = None
_default_pid = 0


def default_store() -> Store:
    """The Store of the default configuration, opened at first use."""
    global _default, _default_pid
    if _default is None or _default_pid != os.getpid():
        _default, _default_pid = Store(), os.getpid()
    return _default


def open(ref: str) -> Version:  # noqa: A001 - vds.open is the module's entry point
    """The version REF names ('DS:REF'), from the default configuration."""
    return default_store().open(ref)


def datasets() -> List[dict]:
    """Every dataset: dicts of id, name, description, provider, created_us."""
    return default_store().datasets()


def versions(dataset: str) -> List[dict]:
    """The versions of DATASET, newest first: dicts of id, message, committed, tags, ..."""
    return default_store().versions(dataset)


def tags(dataset: str) -> Dict[str, str]:
    """The tags of DATASET: name -> version id."""
    return default_store().tags(dataset)


def create_dataset(name: str, description: str = "", provider: Optional[str] = None) -> dict:
    """Creates a dataset (on PROVIDER, an id, or the default provider)."""
    return default_store().create_dataset(name, description, provider)


def create_draft(dataset: str, message: str = "", base: Optional[str] = None) -> str:
    """Creates a draft of DATASET (with the files of version BASE) and returns its id."""
    return default_store().create_draft(dataset, message, base)


def put(dataset: str, draft: str, sources, target: str = "/") -> Dict[str, int]:
    """Puts local paths or URLs into DRAFT under TARGET (all or nothing)."""
    return default_store().put(dataset, draft, sources, target)


def commit(dataset: str, draft: str) -> None:
    """Commits DRAFT: its files become immutable."""
    default_store().commit(dataset, draft)


def set_tag(dataset: str, version: str, name: str) -> None:
    """Points tag NAME at committed VERSION."""
    default_store().set_tag(dataset, version, name)
