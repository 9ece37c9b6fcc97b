"""Short-circuit reads: on the node's own host, map its cached column chunks instead of streaming.

A node started with ``--short-circuit`` keeps each cached column chunk as an Arrow IPC file in a
private directory (in ``/dev/shm`` by default) and answers the ``short-circuit`` action: a lease on
a ticket, walked one unit (row group) at a time, each unit's batches given as (file, record batch)
per column. A client that can read that directory maps the files and builds the batches from them
without copying a byte or touching a socket. This module holds what that needs besides the
action itself (which :class:`~quiver_client.QuiverClient` calls): whether a location is on this
host, whether the node's directory is visible from here, and the mapped files of one read.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import os
import socket
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import pyarrow as pa

from .errors import QuiverError

ACTION = "short-circuit"
"""The Flight action type."""

TOKEN_FILE = ".quiver-token"
"""The file in the node's directory holding the token the node sends with a lease."""

_IP = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


def _ip(text: str) -> Optional[_IP]:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return None


def _resolve(host: str) -> List[_IP]:
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return []
    return [ip for ip in (_ip(str(info[4][0])) for info in infos) if ip is not None]


@functools.lru_cache(maxsize=1)
def _own_addresses() -> FrozenSet[_IP]:
    """The addresses this host's name resolves to (resolved once per process)."""
    return frozenset(_resolve(socket.gethostname()))


@functools.lru_cache(maxsize=256)
def _is_local_host(host: str) -> bool:
    addresses = _resolve(host)
    own = _own_addresses()
    return any(ip.is_loopback or ip.is_unspecified or ip in own for ip in addresses)


def is_local(uri: str) -> bool:
    """Whether the Flight location ``uri`` is on this host: a Unix socket, or a host that
    resolves to a loopback address or to an address of this host's name. Cheap after the first
    call for a host (cached); a host that does not resolve is not local."""
    parts = urlsplit(uri)
    if parts.scheme == "grpc+unix":
        return True
    return bool(parts.hostname) and _is_local_host(parts.hostname or "")


def sees_directory(directory: Optional[str], token: Optional[str]) -> bool:
    """Whether ``directory`` here is the node's directory: its token file holds ``token``. False
    when it cannot be read (another host or container, another user, no such directory)."""
    if not directory or not token:
        return False
    try:
        with open(os.path.join(directory, TOKEN_FILE), "r", encoding="ascii") as f:
            return f.read().strip() == token
    except (OSError, ValueError):
        return False


def decode_schema(encoded: str) -> pa.Schema:
    """The schema of a lease's batches (base64 of an Arrow IPC schema message)."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))


class MappingCache:
    """Chunk files a client keeps mapped across reads, least recently used out beyond ``limit``
    bytes.

    The first touch of each page of a fresh mapping costs a page fault (about 2 GB/s on the
    tmpfs of the machines Quiver is tested on); pages of a kept mapping cost nothing, so a client
    that reads the same cached columns again maps them once. A file's content never changes (the
    node writes a chunk it loads again to a new file), so a kept mapping is never stale; those of
    files the node has deleted are dropped at the next use at most a second later, so that their
    memory goes back to the system. Arrays built from a dropped mapping stay valid (pyarrow keeps
    a mapping alive while a buffer uses it). Thread-safe.
    """

    _SWEEP_SECONDS = 1.0

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._maps: "OrderedDict[str, pa.MemoryMappedFile]" = OrderedDict()
        self._bytes = 0
        self._swept = time.monotonic()

    def map(self, path: str) -> Tuple[pa.MemoryMappedFile, bool]:
        """The mapping of ``path`` and whether this cache keeps it (else the caller closes it)."""
        self._sweep_if_due()
        with self._lock:
            kept = self._maps.get(path)
            if kept is not None:
                self._maps.move_to_end(path)
                return kept, True
        mapped = pa.memory_map(path, "r")
        size = mapped.size()
        with self._lock:
            if size > self._limit:
                return mapped, False
            kept = self._maps.get(path)
            if kept is not None:  # another thread mapped it meanwhile
                mapped.close()
                return kept, True
            self._maps[path] = mapped
            self._bytes += size
            while self._bytes > self._limit:
                _, out = self._maps.popitem(last=False)
                self._bytes -= out.size()
                out.close()
            return mapped, path in self._maps

    def _sweep_if_due(self) -> None:
        """At most once a second, drops the mappings of files that are gone (looked up without
        the lock, so that readers are not held up by the file system)."""
        with self._lock:
            now = time.monotonic()
            if now - self._swept <= self._SWEEP_SECONDS or not self._maps:
                return
            self._swept = now
            paths = list(self._maps)
        gone = [p for p in paths if not os.path.exists(p)]
        if not gone:
            return
        with self._lock:
            for path in gone:
                out = self._maps.pop(path, None)
                if out is not None:
                    self._bytes -= out.size()
                    out.close()

    @property
    def kept_bytes(self) -> int:
        """Bytes of the mappings kept now."""
        with self._lock:
            return self._bytes

    def close(self) -> None:
        """Drops every kept mapping (arrays built from them stay valid)."""
        with self._lock:
            for mapped in self._maps.values():
                mapped.close()
            self._maps.clear()
            self._bytes = 0


class MappedFiles:
    """The chunk files of one short-circuit read, each opened once (a file holds one column of a
    row group, one record batch per batch of the unit), mapped through ``cache`` when given.

    Arrays built from them point into the mappings, which stay valid after :meth:`close`, after
    the node releases the lease and even after it deletes the files: the operating system keeps
    the pages while a mapping is alive, and pyarrow keeps a mapping alive while a buffer uses it.
    """

    def __init__(self, directory: str, cache: Optional[MappingCache] = None) -> None:
        self._directory = directory
        self._cache = cache
        self._readers: Dict[str, pa.ipc.RecordBatchFileReader] = {}
        self._maps: List[pa.MemoryMappedFile] = []

    def _reader(self, name: str) -> pa.ipc.RecordBatchFileReader:
        reader = self._readers.get(name)
        if reader is None:
            if not name or "/" in name or os.sep in name or name in (".", ".."):
                raise QuiverError(f"The node named a chunk file {name!r} outside its directory")
            path = os.path.join(self._directory, name)
            if self._cache is None:
                mapped, kept = pa.memory_map(path, "r"), False
            else:
                mapped, kept = self._cache.map(path)
            if not kept:
                self._maps.append(mapped)
            # A reader of its own per read: readers are not shared between threads.
            reader = pa.ipc.open_file(mapped)
            self._readers[name] = reader
        return reader

    def batch(self, entry: Mapping[str, Any], schema: pa.Schema) -> pa.RecordBatch:
        """The record batch a response's ``batches`` entry describes (``rows``, and ``columns``:
        one ``{"file", "batch"}`` per field of ``schema``), its arrays read from the files."""
        rows = int(entry["rows"])
        columns = entry["columns"]
        if len(columns) != len(schema):
            raise QuiverError(
                f"The node described {len(columns)} columns for a schema of {len(schema)}"
            )
        arrays = []
        for field, column in zip(schema, columns):
            array = self._reader(column["file"]).get_batch(int(column["batch"])).column(0)
            if len(array) != rows:
                raise QuiverError(
                    f"Column {field.name!r} has {len(array)} rows in {column['file']} batch"
                    f" {column['batch']}, the node said {rows}"
                )
            arrays.append(array)
        return pa.RecordBatch.from_arrays(arrays, schema=schema)

    def close(self) -> None:
        """Closes the files (the arrays built from them stay valid)."""
        self._readers.clear()
        for mapped in self._maps:
            mapped.close()
        self._maps.clear()
