"""The Quiver client: scans as Arrow tables or batch streams, and the catalog actions."""

from __future__ import annotations

import base64
import json
import logging
import queue
import re
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import (
    Any,
    Dict,
    Generator,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import pyarrow as pa
import pyarrow.flight as flight

from . import shortcircuit
from .errors import InvalidRequest, QuiverError, parse_flight_error, translate
from .filters import FILTER_VERSION, FilterLike, dumps, to_json

__all__ = ["connect", "QuiverClient", "TableInfo", "MountInfo", "DEFAULT_PORT"]

DEFAULT_PORT = 8815
"""The port a node listens on unless told otherwise (``quiver serve --port``)."""

_LOG = logging.getLogger(__name__)

_REUSE_CONNECTION = "arrow-flight-reuse-connection:"
_SCHEMES = ("grpc://", "grpc+tcp://", "grpc+tls://", "grpc+unix://")


def _location(target: str) -> str:
    """A Flight location URI for ``host``, ``host:port``, ``[v6]:port`` or a ``grpc…://`` URI."""
    if not isinstance(target, str) or not target.strip():
        raise InvalidRequest(f"A Quiver address must be 'host:port', got {target!r}", code=None)
    target = target.strip()
    if "://" in target:
        if not target.startswith(_SCHEMES):
            raise InvalidRequest(
                f"Unsupported scheme in {target!r} (use host:port, grpc://, grpc+tls:// or"
                " grpc+unix://)",
                code=None,
            )
        return target
    if target.startswith("["):  # [::1]:8815
        host, _, rest = target.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        host += "]"
    elif target.count(":") == 1:
        host, _, port = target.partition(":")
    elif ":" not in target:
        host, port = target, ""
    else:
        raise InvalidRequest(
            f"Write an IPv6 address in brackets: '[{target}]:{DEFAULT_PORT}'", code=None
        )
    if port and not port.isdigit():
        raise InvalidRequest(f"Bad port in {target!r}", code=None)
    return f"grpc+tcp://{host}:{port or DEFAULT_PORT}"


@dataclass(frozen=True)
class TableInfo:
    """A table of the catalog.

    Attributes:
        name: the dotted table name (``sales.orders``).
        path: the namespace path it reads (``/sales/orders``).
        format: ``parquet`` or ``orc``.
        files: how many files it holds (only from :meth:`QuiverClient.create_table`).
        rows: how many rows they hold (only from :meth:`QuiverClient.create_table`).
    """

    name: str
    path: str
    format: str
    files: Optional[int] = None
    rows: Optional[int] = None

    @classmethod
    def _from_json(cls, j: Mapping[str, Any]) -> "TableInfo":
        return cls(j["name"], j["path"], j.get("format", ""), j.get("files"), j.get("rows"))


@dataclass(frozen=True)
class MountInfo:
    """A mount: a namespace path mapped onto a store location.

    Attributes:
        path: the namespace path (``/lake``).
        uri: the store location (``file:///data/lake``, ``s3://bucket/prefix``, ...).
        options: the mount's options, with secret-looking values masked by the server.
        status: ``available``, or ``unavailable`` when the node could not open the mount's store
            at start-up (``reason`` says why; unmount and mount it again to fix it).
        reason: why the mount is unavailable, else ``None``.
    """

    path: str
    uri: str
    options: Mapping[str, str] = field(default_factory=dict)
    status: str = "available"
    reason: Optional[str] = None

    @classmethod
    def _from_json(cls, j: Mapping[str, Any]) -> "MountInfo":
        return cls(
            j["path"],
            j["uri"],
            dict(j.get("options") or {}),
            j.get("status", "available"),
            j.get("reason"),
        )


def connect(
    address: str = f"localhost:{DEFAULT_PORT}",
    *,
    parallelism: int = 4,
    timeout: Optional[float] = None,
    headers: Optional[Mapping[str, str]] = None,
    user: Optional[str] = None,
    password: Optional[str] = None,
    token: Optional[str] = None,
    short_circuit: bool = True,
    short_circuit_cache: int = 512 << 20,
    **flight_options: Any,
) -> "QuiverClient":
    """Connect to a Quiver node.

    Args:
        address: ``host:port`` (port 8815 if omitted), or a Flight URI such as
            ``grpc+tls://host:8815``.
        parallelism: how many endpoints a scan reads at once (per call; can be overridden there).
        timeout: seconds allowed for each planning or catalog call (``None``: no limit). Data
            streams have no deadline.
        headers: gRPC headers sent with every call.
        user, password: log in to a node with authentication (sent with every call as HTTP basic
            credentials, which each node checks once and then remembers for its token lifetime;
            use TLS, ``grpc+tls://``, beyond a trusted network).
        token: an API token instead (sent as ``authorization: Bearer ...``).
        short_circuit: read endpoints of a node on this host by mapping its cached chunks
            (a node started with ``--short-circuit``) instead of streaming them, whenever that
            works; anything else is read over Flight, with the same result. ``False``: always
            Flight.
        short_circuit_cache: bytes of the node's chunk files to keep mapped across reads
            (512 MiB; 0 for none): a fresh mapping pays a page fault per page on first touch, a
            kept one nothing, so repeated reads of the same cached columns run at memory speed.
            :meth:`~QuiverClient.close` releases them.
        **flight_options: passed to :class:`pyarrow.flight.FlightClient` (``tls_root_certs``,
            ``cert_chain``, ``private_key``, ``disable_server_verification``, ...).

    Returns:
        A :class:`QuiverClient`; use it as a context manager or call :meth:`~QuiverClient.close`.
        Connecting is lazy: an unreachable node raises :class:`~quiver_client.Unavailable` on the
        first call.
    """
    return QuiverClient(
        address,
        parallelism=parallelism,
        timeout=timeout,
        headers=headers,
        user=user,
        password=password,
        token=token,
        short_circuit=short_circuit,
        short_circuit_cache=short_circuit_cache,
        **flight_options,
    )


def _credentials(
    user: Optional[str], password: Optional[str], token: Optional[str]
) -> List[Tuple[bytes, bytes]]:
    """The ``authorization`` header for these credentials (none when all are ``None``)."""
    if token is not None and user is not None:
        raise ValueError("give either user and password or a token, not both")
    if token is not None:
        if not token.strip():
            raise ValueError("the token is empty")
        return [(b"authorization", b"Bearer " + token.strip().encode())]
    if user is not None:
        if password is None:
            raise ValueError(f"user {user!r} given without a password")
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        return [(b"authorization", b"Basic " + pair.encode())]
    if password is not None:
        raise ValueError("a password was given without a user")
    return []


class _Readers:
    """The Flight streams open for one scan, so that a failure or an early stop cancels them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: Set[flight.FlightStreamReader] = set()
        self._cancelled = False

    def add(self, reader: flight.FlightStreamReader) -> None:
        with self._lock:
            self._open.add(reader)
            cancelled = self._cancelled
        if cancelled:
            reader.cancel()

    def discard(self, reader: flight.FlightStreamReader) -> None:
        with self._lock:
            self._open.discard(reader)

    def check(self) -> None:
        """Raises ``FlightCancelledError`` once the scan is cancelled (what a cancelled stream
        raises), for reads that have no stream to cancel (short-circuit reads)."""
        with self._lock:
            cancelled = self._cancelled
        if cancelled:
            raise flight.FlightCancelledError("The scan was cancelled")

    def cancel_all(self) -> None:
        with self._lock:
            self._cancelled = True
            readers = list(self._open)
        for r in readers:
            try:
                r.cancel()
            except Exception:  # cancelling is best effort: the stream may be finishing
                pass


class _Progress:
    """What one read of an endpoint from one location has returned so far."""

    def __init__(self) -> None:
        self.schema: Optional[pa.Schema] = None
        self.batches = 0
        self.rows = 0

    def count(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Counts ``batch`` as returned; returns it."""
        self.batches += 1
        self.rows += batch.num_rows
        return batch


class _End:
    pass


_END = _End()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class QuiverClient:
    """A connection to a Quiver node (an Arrow Flight client underneath).

    A *source* names what to scan: a table (``"sales.orders"``) or, if it starts with ``/``, a
    namespace path (``"/lake/orders"``). Scans take ``columns`` (a list of names; ``None`` for all)
    and ``filter`` (built with :func:`~quiver_client.col`, or a filter ``dict``/JSON string; see
    :mod:`quiver_client.filters`). The node skips the row groups whose statistics rule the filter
    out and, unless ``exact=False``, sends only matching rows.

    On the node's own host, endpoints are read by mapping the node's cached chunks when the node
    allows it (``quiver serve --short-circuit``; see :func:`connect`'s ``short_circuit``).

    Thread-safe: one client may serve many threads. Close it (or use ``with``) to release its
    connections. Failures raise :class:`~quiver_client.QuiverError` subclasses.
    """

    def __init__(
        self,
        address: str = f"localhost:{DEFAULT_PORT}",
        *,
        parallelism: int = 4,
        timeout: Optional[float] = None,
        headers: Optional[Mapping[str, str]] = None,
        user: Optional[str] = None,
        password: Optional[str] = None,
        token: Optional[str] = None,
        short_circuit: bool = True,
        short_circuit_cache: int = 512 << 20,
        **flight_options: Any,
    ) -> None:
        self._parallelism = _check_parallelism(parallelism)
        self._location = _location(address)
        self._flight_options = dict(flight_options)
        header_list = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        header_list.extend(_credentials(user, password, token))
        self._call_options = flight.FlightCallOptions(timeout=timeout, headers=header_list)
        read_options = _aligned_read_options()
        self._stream_options = (
            flight.FlightCallOptions(headers=header_list, read_options=read_options)
            if read_options is not None
            else flight.FlightCallOptions(headers=header_list)
        )
        self._client = flight.FlightClient(self._location, **self._flight_options)
        self._lock = threading.Lock()
        self._others: Dict[str, flight.FlightClient] = {}
        self._closed = False
        self._short_circuit = bool(short_circuit)
        if short_circuit_cache < 0:
            raise ValueError(f"short_circuit_cache must be >= 0, got {short_circuit_cache}")
        self._mappings = shortcircuit.MappingCache(short_circuit_cache)
        # Locations not to ask for short-circuit reads again, with why; and the (location,
        # directory) pairs whose directory this client has seen to be the node's.
        self._no_short_circuit: Dict[str, str] = {}
        self._seen_directories: Set[Tuple[str, str]] = set()

    # -- life cycle ------------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The Flight URI of the node (``grpc+tcp://host:port``)."""
        return self._location

    def close(self) -> None:
        """Close the connections (to the node and to any endpoint locations). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            clients = [self._client, *self._others.values()]
            self._others.clear()
        for c in clients:
            c.close()
        self._mappings.close()

    def __enter__(self) -> "QuiverClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"QuiverClient({self._location!r})"

    # -- scans -----------------------------------------------------------------------------------

    def plan(
        self,
        source: str,
        *,
        columns: Optional[Sequence[str]] = None,
        filter: Optional[FilterLike] = None,
        exact: bool = True,
    ) -> flight.FlightInfo:
        """Plan a scan without reading it: the node's ``FlightInfo`` with the result's schema,
        one endpoint per group of row groups to read, and ``total_records``/``total_bytes`` of
        the row groups kept after pruning by statistics."""
        command, where = _scan_command(source, columns, filter, exact)
        descriptor = flight.FlightDescriptor.for_command(dumps(command).encode("utf-8"))
        with _errors(**where):
            return self._client.get_flight_info(descriptor, self._call_options)

    def schema(self, source: str, *, columns: Optional[Sequence[str]] = None) -> pa.Schema:
        """The Arrow schema a scan of ``source`` (with ``columns``) returns."""
        command, where = _scan_command(source, columns, None, True)
        descriptor = flight.FlightDescriptor.for_command(dumps(command).encode("utf-8"))
        with _errors(**where):
            return self._client.get_schema(descriptor, self._call_options).schema

    def read_table(
        self,
        source: str,
        *,
        columns: Optional[Sequence[str]] = None,
        filter: Optional[FilterLike] = None,
        exact: bool = True,
        parallelism: Optional[int] = None,
    ) -> pa.Table:
        """Read a table or path into one :class:`pyarrow.Table`.

        The endpoints are fetched in parallel (at most ``parallelism`` at once, default the
        client's) and concatenated in endpoint order, which is the order of the files and row
        groups. If one endpoint fails the others are cancelled and its error is raised.

        ``.to_pandas()``, ``polars.from_arrow(t)`` and ``duckdb.sql("... from t")`` take it.
        """
        info = self.plan(source, columns=columns, filter=filter, exact=exact)
        endpoints = list(info.endpoints)
        if not endpoints:
            return info.schema.empty_table()
        tables = self._fetch_tables(
            endpoints, _check_parallelism(parallelism or self._parallelism), _where(source)
        )
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)

    def read_batches(
        self,
        source: str,
        *,
        columns: Optional[Sequence[str]] = None,
        filter: Optional[FilterLike] = None,
        exact: bool = True,
        parallelism: Optional[int] = None,
        buffer_batches: int = 4,
    ) -> pa.RecordBatchReader:
        """Stream a table or path as record batches, in endpoint order, without holding it all.

        Planning happens now (so an unknown table or a bad filter raises here); reading starts
        when the first batch is asked for. Up to ``parallelism`` endpoints are read ahead, each
        buffering at most ``buffer_batches`` batches, so memory stays bounded by about
        ``parallelism * (buffer_batches + 1)`` batches (the node sends ``--batch-rows`` rows per
        batch).

        Returns a :class:`pyarrow.RecordBatchReader`: iterate it, call ``read_all()``, or hand it
        to DuckDB (``duckdb.sql("select ... from reader")``) or ``polars.from_arrow``. Closing it
        (or dropping it) before the end cancels the streams still open. Errors met while
        streaming raise :class:`~quiver_client.QuiverError` from the iteration.
        """
        if buffer_batches < 1:
            raise InvalidRequest("buffer_batches must be at least 1", code=None)
        info = self.plan(source, columns=columns, filter=filter, exact=exact)
        batches = self._stream(
            list(info.endpoints),
            _check_parallelism(parallelism or self._parallelism),
            buffer_batches,
            _where(source),
        )
        return pa.RecordBatchReader.from_batches(info.schema, batches)

    # -- catalog and cache -----------------------------------------------------------------------

    def tables(self, schema: Optional[str] = None) -> List[TableInfo]:
        """The tables of the catalog (those the caller may read); with ``schema`` (a dotted name
        such as ``"sales"``, or ``""`` for the top level) only those directly in it, as a
        directory lists its files: ``sales.orders`` but not ``sales.eu.orders`` (see
        :meth:`schemas`)."""
        body = {} if schema is None else {"schema": schema}
        return [TableInfo._from_json(t) for t in self._action_one("tables", body)["tables"]]

    def schemas(self, schema: str = "") -> List[str]:
        """The full names of the schemas directly in ``schema`` (``""``: the top level), as a
        directory lists its sub-directories: in ``"sales"``, ``sales.eu`` for table
        ``sales.eu.orders``. A schema exists while a table is below it."""
        result = self._action_one("tables", {"schema": schema})
        return [s["name"] for s in result.get("schemas", [])]

    def mounts(self) -> List[MountInfo]:
        """The mounts of the namespace."""
        return [MountInfo._from_json(m) for m in self._action_one("mounts")["mounts"]]

    def mount(self, path: str, uri: str, options: Optional[Mapping[str, str]] = None) -> MountInfo:
        """Mount the store location ``uri`` (``file:///abs/dir``, ``s3://bucket/prefix``, ...) at
        the namespace path ``path``. Credentials go in ``options`` by reference (names of the
        server's environment variables), never as values; see the README's *Stores*."""
        body = {"path": path, "uri": uri, "options": dict(options or {})}
        return MountInfo._from_json(self._action_one("mount", body))

    def unmount(self, path: str, *, force: bool = False) -> None:
        """Remove the mount at ``path``; refused while tables read through it, unless ``force``
        (they then stay defined but cannot be read until something is mounted there again)."""
        body: Dict[str, Any] = {"path": path}
        if force:
            body["force"] = True
        self._action_one("unmount", body, where={"path": path})

    def create_table(
        self,
        name: str,
        path: str,
        *,
        format: Optional[str] = None,
        partitions: Optional[Mapping[str, str]] = None,
        schema: Union[None, str, pa.Schema] = None,
    ) -> TableInfo:
        """Define the table ``name`` (dotted, e.g. ``sales.orders``) over the namespace path
        ``path``: one file, or every ``*.parquet``/``*.orc`` file below a directory. ``format``
        (``parquet``/``orc``) defaults to what the files' extension says. ``key=value``
        directories become partition columns; ``partitions`` declares some of their types
        (``{"day": "date"}``; ``int64``, ``date`` or ``string``), the others are inferred.

        ``schema`` declares the table's columns (default: inferred from the files): a
        ``pyarrow.Schema`` of flat types, or its text form ``"id int64, ts timestamp[us],
        price decimal128(12, 2)"``. Files are read against it: a column a file lacks reads as
        nulls, a file's other columns are not exposed, and a file whose column does not widen to
        the declared type (int32 to int64, float to double) is refused."""
        body: Dict[str, Any] = {"name": name, "path": path}
        if format is not None:
            body["format"] = format
        if partitions:
            body["partitions"] = dict(partitions)
        if schema is not None:
            body["schema"] = schema if isinstance(schema, str) else _schema_text(schema)
        return TableInfo._from_json(self._action_one("create-table", body, where={"path": path}))

    def describe_table(self, name: str) -> Dict[str, Any]:
        """The ``describe-table`` action's answer for table ``name``: ``columns`` (name, type,
        ``partition``, decoded ``bytes``, ``cachedBytes``, ``cachedChunks`` of ``chunks``),
        ``partitions`` (column to type), ``fileCount``, ``rows``, ``bytes``, ``rowGroups``,
        ``files`` (the first 1,000), and ``schemaSource``: ``"declared"`` (with
        ``declaredSchema``, the columns ``create_table(schema=...)`` declared) or ``"inferred"``
        (unified from the files' footers)."""
        return self._action_one("describe-table", {"name": name}, where={"table": name})

    def drop_table(self, name: str) -> None:
        """Remove a table definition; its files are not touched."""
        self._action_one("drop-table", {"name": name}, where={"table": name})

    def rename_table(self, name: str, new_name: str) -> TableInfo:
        """Rename a table; its files and definition are not touched."""
        body = {"name": name, "newName": new_name}
        return TableInfo._from_json(self._action_one("rename-table", body, where={"table": name}))

    # -- the namespace ---------------------------------------------------------------------------

    def ls(self, path: str = "/") -> Iterator[Dict[str, Any]]:
        """The entries directly below ``path`` (mounts, directories with the files and bytes below
        them, files with size, version, modification time and format), sorted by name, fetched a
        page of 1,000 at a time as the iterator is consumed. Answered from the node's kept
        listings (the mount's ``sync`` policy)."""
        after: Optional[str] = None
        while True:
            body: Dict[str, Any] = {"path": path}
            if after is not None:
                body["after"] = after
            page = self._action_one("ls", body, where={"path": path})
            yield from page.get("entries", [])
            after = page.get("next")
            if after is None:
                return

    def stat(self, path: str) -> Dict[str, Any]:
        """What ``path`` is (``entry``: kind, size, files, version, modified, format), the mount it
        is read through and that mount's ``sync`` policy, and the ``tables`` over it."""
        return self._action_one("stat", {"path": path}, where={"path": path})

    def mv(self, source: str, target: str) -> int:
        """Move a directory, file or mount in the namespace only: nothing is copied or deleted in
        any store. Tables over it follow; returns how many did."""
        body = {"source": source, "target": target}
        return int(self._action_one("mv", body, where={"path": source}).get("tables", 0))

    def refresh(self, source: str) -> Dict[str, Any]:
        """List a path (``/...``) or a table again now, whatever its mount's sync policy; returns
        ``{"path", "files", "bytes"}``."""
        body, where = _source_json(source)
        return self._action_one("refresh", body, where=where)

    def stats(self) -> Dict[str, Any]:
        """Cache, storage and scan counters of the node (the ``stats`` action)."""
        return self._action_one("stats")

    def health(self) -> Dict[str, Any]:
        """The node's liveness answer (``{"status": "ok"}``)."""
        return self._action_one("health")

    def nodes(self) -> Dict[str, Any]:
        """The nodes serving this namespace (the ``nodes`` action): ``cluster`` is the cluster's
        ZooKeeper address, or None for a single node; ``nodes`` lists each live node's ``id``,
        ``location``, ``capacity``, ``startedMillis``, ``version`` and whether it is ``self``."""
        answer = self._action_one("nodes")
        answer.setdefault("cluster", None)  # the server leaves out what it has not
        return answer

    def cache_free(self, source: Optional[str] = None) -> int:
        """Drop cached chunks of a table or path (all if ``source`` is None); returns how many."""
        body: Dict[str, Any] = {}
        where: Dict[str, str] = {}
        if source is not None:
            body, where = _source_json(source)
        return int(self._action_one("cache-free", body, where=where).get("freedEntries", 0))

    def list_actions(self) -> Dict[str, str]:
        """The node's action types and what each body holds."""
        with _errors():
            return {a.type: a.description for a in self._client.list_actions(self._call_options)}

    def action(self, type: str, body: Optional[Mapping[str, Any]] = None) -> List[Dict[str, Any]]:
        """Run any action by name with a JSON body; returns the JSON results (most actions send
        one, ``cache-load`` sends progress results and then a final one)."""
        payload = dumps(dict(body or {})).encode("utf-8")
        with _errors():
            results = self._client.do_action(flight.Action(type, payload), self._call_options)
            return [json.loads(r.body.to_pybytes()) for r in results]

    # -- internals -------------------------------------------------------------------------------

    def _action_one(
        self,
        type: str,
        body: Optional[Mapping[str, Any]] = None,
        *,
        where: Optional[Dict[str, str]] = None,
    ) -> Dict[str, Any]:
        payload = dumps(dict(body or {})).encode("utf-8")
        with _errors(**(where or {})):
            results = list(self._client.do_action(flight.Action(type, payload), self._call_options))
        if not results:
            return {}
        result: Dict[str, Any] = json.loads(results[-1].body.to_pybytes())
        return result

    def _clients_for(
        self, endpoint: flight.FlightEndpoint
    ) -> List[Tuple[str, flight.FlightClient]]:
        """The locations to try for an endpoint, in order, with their clients: its locations, or
        this node."""
        uris = [
            loc.uri.decode("utf-8") if isinstance(loc.uri, bytes) else str(loc.uri)
            for loc in endpoint.locations
        ]
        if not uris:
            return [(self._location, self._client)]
        clients = []
        with self._lock:
            if self._closed:
                raise QuiverError("The client is closed")
            for uri in uris:
                if uri.startswith(_REUSE_CONNECTION) or uri == self._location:
                    clients.append((self._location, self._client))
                    continue
                c = self._others.get(uri)
                if c is None:
                    c = flight.FlightClient(uri, **self._flight_options)
                    self._others[uri] = c
                clients.append((uri, c))
        return clients

    def _endpoint_batches(
        self, endpoint: flight.FlightEndpoint, readers: _Readers
    ) -> Iterator[pa.RecordBatch]:
        """The batches of one endpoint, falling over to its next location when one is
        unavailable before it sent anything."""
        clients = self._clients_for(endpoint)
        for i, (uri, client) in enumerate(clients):
            progress = _Progress()
            try:
                yield from self._location_batches(uri, client, endpoint, readers, progress)
                return
            except flight.FlightUnavailableError:
                if progress.batches or i == len(clients) - 1:
                    raise

    def _read_endpoint(self, endpoint: flight.FlightEndpoint, readers: _Readers) -> pa.Table:
        """One endpoint as a table, read again from its next location when one is unavailable."""
        clients = self._clients_for(endpoint)
        for i, (uri, client) in enumerate(clients):
            progress = _Progress()
            try:
                batches = list(self._location_batches(uri, client, endpoint, readers, progress))
                return pa.Table.from_batches(batches, progress.schema)
            except flight.FlightUnavailableError:
                if i == len(clients) - 1:
                    raise
        raise AssertionError("unreachable")

    def _location_batches(
        self,
        uri: str,
        client: flight.FlightClient,
        endpoint: flight.FlightEndpoint,
        readers: _Readers,
        progress: _Progress,
    ) -> Iterator[pa.RecordBatch]:
        """The batches of one endpoint from one location: mapped from the node's shared memory
        when it can (:meth:`_short_circuit_batches`), the rest streamed with ``DoGet``."""
        if self._short_circuit_possible(uri):
            if (yield from self._short_circuit_batches(uri, client, endpoint, readers, progress)):
                return
        yield from self._flight_batches(client, endpoint, readers, progress)

    def _flight_batches(
        self,
        client: flight.FlightClient,
        endpoint: flight.FlightEndpoint,
        readers: _Readers,
        progress: _Progress,
    ) -> Iterator[pa.RecordBatch]:
        """Streams the endpoint's ticket with ``DoGet``, leaving out the first ``progress.rows``
        rows (those a short-circuit read already returned)."""
        skip = progress.rows
        reader = client.do_get(endpoint.ticket, self._stream_options)
        readers.add(reader)
        try:
            if progress.schema is None:
                progress.schema = reader.schema
            while True:
                try:
                    batch = reader.read_chunk().data
                except StopIteration:
                    return
                if skip:
                    if batch.num_rows <= skip:
                        skip -= batch.num_rows
                        continue
                    batch = batch.slice(skip)
                    skip = 0
                yield progress.count(batch)
        finally:
            readers.discard(reader)

    # -- short-circuit reads ---------------------------------------------------------------------

    def _short_circuit_possible(self, uri: str) -> bool:
        """Whether to ask the node at ``uri`` for a short-circuit read: this client may, the node
        is on this host, and it has not said no (or shown a directory this client cannot see)."""
        if not self._short_circuit:
            return False
        with self._lock:
            if uri in self._no_short_circuit:
                return False
        if not shortcircuit.is_local(uri):
            self._refuse_short_circuit(uri, "not on this host")
            return False
        return True

    def _refuse_short_circuit(self, uri: str, why: str) -> None:
        """Reads from ``uri`` go over Flight from now on."""
        with self._lock:
            if uri not in self._no_short_circuit:
                self._no_short_circuit[uri] = why
                _LOG.debug("No short-circuit reads from %s: %s", uri, why)

    def _sees_directory(self, uri: str, directory: Optional[str], token: Optional[str]) -> bool:
        """Whether the directory the node at ``uri`` named is its own, seen from here (checked
        once per location and directory; a location whose directory is not visible is not asked
        again)."""
        key = (uri, directory or "")
        with self._lock:
            if key in self._seen_directories:
                return True
        if shortcircuit.sees_directory(directory, token):
            with self._lock:
                self._seen_directories.add(key)
            return True
        self._refuse_short_circuit(uri, f"its directory {directory} is not visible from here")
        return False

    def _short_circuit_call(
        self, client: flight.FlightClient, body: Mapping[str, str]
    ) -> Dict[str, Any]:
        """One ``short-circuit`` action: its JSON answer."""
        payload = json.dumps(dict(body)).encode("utf-8")
        results = list(
            client.do_action(flight.Action(shortcircuit.ACTION, payload), self._call_options)
        )
        if not results:
            raise QuiverError("The node answered the short-circuit action with nothing")
        answer: Dict[str, Any] = json.loads(results[-1].body.to_pybytes())
        return answer

    def _short_circuit_batches(
        self,
        uri: str,
        client: flight.FlightClient,
        endpoint: flight.FlightEndpoint,
        readers: _Readers,
        progress: _Progress,
    ) -> Generator[pa.RecordBatch, None, bool]:
        """Reads the endpoint's ticket by mapping the node's chunk files, one unit at a time.

        Yields the batches it builds (``progress`` counts them) and returns True when it read the
        whole ticket, False when the rest is for Flight: the node refused (short-circuit off, a
        unit it cannot map, an expired lease, ...) or this client cannot see its directory.
        Each unit's lease is released (``next``) as soon as its arrays are built, before they
        are yielded; the lease is closed whenever the read stops early or fails.
        """
        ticket = base64.b64encode(endpoint.ticket.ticket).decode("ascii")
        try:
            answer = self._short_circuit_call(client, {"ticket": ticket})
        except (flight.FlightError, pa.ArrowException) as e:
            code = _status(e)
            if code is None:
                raise
            if code == "UNIMPLEMENTED":
                self._refuse_short_circuit(uri, "the node does not serve short-circuit reads")
            else:
                _LOG.debug("Short-circuit read from %s refused: %s", uri, e)
            return False
        lease: Optional[str] = answer.get("lease")
        files: Optional[shortcircuit.MappedFiles] = None
        try:
            if answer.get("fallback") is not None:
                _LOG.debug("Short-circuit read from %s falls back: %s", uri, answer["fallback"])
                return False
            directory, token = answer.get("directory"), answer.get("token")
            if not self._sees_directory(uri, directory, token):
                return False
            assert directory is not None
            schema = shortcircuit.decode_schema(answer["schema"])
            progress.schema = schema
            files = shortcircuit.MappedFiles(directory, self._mappings)
            while True:
                readers.check()
                try:
                    unit = [files.batch(b, schema) for b in answer.get("batches") or ()]
                except OSError as e:  # Flight reads the rest
                    if isinstance(e, PermissionError):  # the files are not this user's to map
                        self._refuse_short_circuit(uri, f"its chunk files cannot be mapped: {e}")
                    else:  # e.g. the lease expired and the chunks were evicted
                        _LOG.debug("Short-circuit read from %s falls back: %s", uri, e)
                    return False
                done, fallback = bool(answer.get("done")), answer.get("fallback")
                more = not done and fallback is None
                if more:
                    try:
                        answer = self._short_circuit_call(client, {"next": lease or ""})
                        lease = answer.get("lease")
                    except (flight.FlightError, pa.ArrowException) as e:
                        if _status(e) is None:
                            raise
                        # NOT_FOUND: the lease expired. Whatever it is, Flight reads the rest.
                        fallback = f"next failed: {e}"
                        more = False
                for batch in unit:
                    yield progress.count(batch)
                if done:
                    return True
                if not more:
                    _LOG.debug("Short-circuit read from %s falls back: %s", uri, fallback)
                    return False
        finally:
            if files is not None:
                files.close()
            if lease is not None:
                try:
                    self._short_circuit_call(client, {"close": lease})
                except Exception:  # best effort: the node also ends idle leases itself
                    pass

    def _fetch_tables(
        self, endpoints: List[flight.FlightEndpoint], parallelism: int, where: Dict[str, str]
    ) -> List[pa.Table]:
        readers = _Readers()
        if parallelism == 1 or len(endpoints) == 1:
            with _errors(**where):
                return [self._read_endpoint(e, readers) for e in endpoints]
        failed = threading.Event()

        def fetch(e: flight.FlightEndpoint) -> Optional[pa.Table]:
            if failed.is_set():
                return None
            return self._read_endpoint(e, readers)

        pool = ThreadPoolExecutor(min(parallelism, len(endpoints)), "quiver-read")
        futures: List["Future[Optional[pa.Table]]"] = []
        try:
            futures = [pool.submit(fetch, e) for e in endpoints]
            wait(futures, return_when=FIRST_EXCEPTION)
            errors = [f for f in futures if f.done() and f.exception() is not None]
            if errors:
                failed.set()
                readers.cancel_all()
                error = errors[0].exception()
                assert error is not None
                raise translate(error, **where) from error
            return [f.result() for f in futures]
        except BaseException:
            failed.set()
            readers.cancel_all()
            for f in futures:
                f.cancel()
            raise
        finally:
            pool.shutdown(wait=True)

    def _stream(
        self,
        endpoints: List[flight.FlightEndpoint],
        parallelism: int,
        buffer_batches: int,
        where: Dict[str, str],
    ) -> Iterator[pa.RecordBatch]:
        if not endpoints:
            return
        stop = threading.Event()
        readers = _Readers()
        queues: List["queue.Queue[Any]"] = [queue.Queue(buffer_batches) for _ in endpoints]

        def put(q: "queue.Queue[Any]", item: Any) -> bool:
            # A bounded put that gives up once the consumer has gone away.
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def produce(i: int, endpoint: flight.FlightEndpoint) -> None:
            q = queues[i]
            try:
                if stop.is_set():
                    return
                with closing(self._endpoint_batches(endpoint, readers)) as batches:
                    for batch in batches:
                        if not put(q, batch):
                            return
                put(q, _END)
            except BaseException as e:  # handed to the consumer, which raises it
                put(q, _Failure(e))

        pool = ThreadPoolExecutor(min(parallelism, len(endpoints)), "quiver-stream")
        try:
            for i, e in enumerate(endpoints):
                pool.submit(produce, i, e)
            for q in queues:
                while True:
                    item = q.get()
                    if item is _END:
                        break
                    if isinstance(item, _Failure):
                        raise translate(item.error, **where) from item.error
                    yield item
        finally:
            stop.set()
            readers.cancel_all()
            pool.shutdown(wait=True, cancel_futures=True)


def _status(error: BaseException) -> Optional[str]:
    """The Flight status name of an error a call raised (``"NOT_FOUND"``, ...; pyarrow raises
    some statuses as plain Arrow errors), or None if it is no Flight status."""
    parsed = parse_flight_error(error)
    return parsed[0] if parsed else None


def _aligned_read_options() -> Optional[pa.ipc.IpcReadOptions]:
    """IPC read options that copy a received buffer only when it is misaligned for its type.

    Arrow C++ reads Flight data zero-copy from gRPC's buffers, and some arrive at odd addresses
    (e.g. a string column's offsets after a bitmap whose length is not a multiple of 8); Acero,
    which DuckDB and pyarrow's dataset scans use, warns about such buffers and some hardware
    faults on them. Aligned buffers are not copied.
    """
    alignment = getattr(getattr(pa.ipc, "Alignment", None), "DataTypeSpecific", None)
    if alignment is None:  # pyarrow without the option: read as is
        return None
    return pa.ipc.IpcReadOptions(ensure_alignment=alignment)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")


def _schema_text(schema: pa.Schema) -> str:
    """``schema`` in the text form ``create-table`` takes: ``name type, ...`` with pyarrow's type
    names (``str(pa.int64())`` is ``int64``), names that are not identifiers double-quoted."""
    if not isinstance(schema, pa.Schema):
        raise TypeError(f"schema must be a pyarrow.Schema or a str, not {type(schema).__name__}")
    if len(schema) == 0:
        raise InvalidRequest("The declared schema has no column")
    columns = []
    for f in schema:
        if pa.types.is_nested(f.type) or pa.types.is_dictionary(f.type):
            raise InvalidRequest(
                f"Column {f.name!r} is {f.type}: only flat types are declared (a nested column"
                " is read as the files hold it; leave schema out to infer the columns)"
            )
        name = f.name if _IDENTIFIER.match(f.name) else '"' + f.name.replace('"', '""') + '"'
        columns.append(f"{name} {f.type}")
    return ", ".join(columns)


def _check_parallelism(parallelism: int) -> int:
    if not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 1:
        raise InvalidRequest(f"parallelism must be a positive int, got {parallelism!r}", code=None)
    return parallelism


def _where(source: str) -> Dict[str, str]:
    return {"path": source} if source.startswith("/") else {"table": source}


def _source_json(source: str) -> Tuple[Dict[str, Any], Dict[str, str]]:
    if not isinstance(source, str) or not source:
        raise InvalidRequest(
            f"A source is a table name ('sales.orders') or a path ('/lake/x'), got {source!r}",
            code=None,
        )
    where = _where(source)
    return dict(where), where


def _scan_command(
    source: str,
    columns: Optional[Sequence[str]],
    filter: Optional[FilterLike],
    exact: bool,
) -> Tuple[Dict[str, Any], Dict[str, str]]:
    command, where = _source_json(source)
    if columns is not None:
        if isinstance(columns, (str, bytes)):
            raise InvalidRequest(
                f"columns must be a list of names, not a string: columns=[{columns!r}]", code=None
            )
        command["columns"] = list(columns)
    f = to_json(filter)
    if f is not None:
        command["filter"] = f
        command["filter_version"] = FILTER_VERSION
    if not exact:
        command["exact"] = False
    return command, where


@contextmanager
def _errors(**where: Optional[str]) -> Iterator[None]:
    """Turns pyarrow's Flight exceptions into :class:`QuiverError` subclasses."""
    try:
        yield
    except QuiverError:
        raise
    except (flight.FlightError, pa.ArrowException) as e:
        translated = translate(e, **where)
        if translated is e:
            raise
        raise translated from e
