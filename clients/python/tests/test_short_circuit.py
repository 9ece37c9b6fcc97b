"""Short-circuit reads: a node started with ``--short-circuit`` on this host, read by mapping its
chunk files, gives exactly what Flight gives; the client really maps (the arrays point into the
node's files), falls back to Flight whenever it must, and never leaves a lease open."""

from __future__ import annotations

import base64
import gc
import os
import time
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import quiver_client
from quiver_client import col, shortcircuit

from . import data
from .compare import assert_tables_equal
from .conftest import running_node

BATCH_ROWS = 512  # row groups of 1,000 rows: two batches (512 + 488) per unit


class ShortCircuitNode:
    """A node serving short-circuit reads from ``directory``, and the files it has mounted."""

    def __init__(self, address: str, directory: Path, files: Dict[str, Path]) -> None:
        self.address = address
        self.directory = directory
        self.files = files

    def chunk_files(self) -> List[Path]:
        """The chunk files in the node's shared-memory directory now."""
        return sorted(self.directory.glob("quiver-*/*.arrow"))

    def mapped_ranges(self) -> List[Tuple[int, int]]:
        """The address ranges this process has mapped from the node's directory."""
        ranges = []
        with open("/proc/self/maps") as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) == 6 and parts[5].strip().startswith(str(self.directory)):
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    ranges.append((lo, hi))
        return ranges


@pytest.fixture(scope="module")
def sc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShortCircuitNode]:
    directory = Path(os.path.realpath(tmp_path_factory.mktemp("shm")))
    root = tmp_path_factory.mktemp("sc-lake")
    files = {"types": root / "types.parquet", "filters": root / "filters.parquet"}
    pq.write_table(data.all_types(), files["types"], row_group_size=data.ROW_GROUP)
    pq.write_table(data.filter_table(), files["filters"], row_group_size=data.FILTER_GROUP)
    files["parts"] = root / "parts"
    whole = data.many_row_groups(2000)
    for k, region in enumerate(("eu", "us")):
        (files["parts"] / f"region={region}").mkdir(parents=True)
        part = whole.slice(k * 1000, 1000)
        pq.write_table(part, files["parts"] / f"region={region}" / "p.parquet", row_group_size=500)
    with running_node(
        tmp_path_factory,
        "sc-node",
        "--short-circuit",
        "--short-circuit-dir",
        str(directory),
        "--batch-rows",
        str(BATCH_ROWS),
    ) as address:
        with quiver_client.connect(address) as admin:
            admin.mount("/sc", root.as_uri())
            admin.create_table("sc.types", "/sc/types.parquet")
            admin.create_table("sc.filters", "/sc/filters.parquet")
            admin.create_table("sc.parts", "/sc/parts")
        yield ShortCircuitNode(address, directory, files)


@pytest.fixture
def sc_client(sc: ShortCircuitNode) -> Iterator[quiver_client.QuiverClient]:
    """A fresh client of the short-circuit node (it remembers what each node allows)."""
    with quiver_client.connect(sc.address) as c:
        yield c


@pytest.fixture
def flight_client(sc: ShortCircuitNode) -> Iterator[quiver_client.QuiverClient]:
    with quiver_client.connect(sc.address, short_circuit=False) as c:
        yield c


def _buffers(table: pa.Table) -> Iterator[pa.Buffer]:
    for column in table.columns:
        for chunk in column.chunks:
            for buf in chunk.buffers():  # the children's too
                if buf is not None and buf.size > 0:
                    yield buf


def _mapped_fraction(table: pa.Table, sc: ShortCircuitNode) -> float:
    """The fraction of the table's buffers whose memory is in a mapping of the node's files."""
    ranges = sc.mapped_ranges()
    buffers = list(_buffers(table))
    assert buffers
    inside = sum(
        1 for b in buffers if any(lo <= b.address and b.address + b.size <= hi for lo, hi in ranges)
    )
    return inside / len(buffers)


def _count_calls(monkeypatch: pytest.MonkeyPatch, client: quiver_client.QuiverClient) -> List[dict]:
    """Records the bodies of the client's short-circuit actions."""
    calls: List[dict] = []
    real = client._short_circuit_call

    def call(flight_client, body):
        calls.append(dict(body))
        return real(flight_client, body)

    monkeypatch.setattr(client, "_short_circuit_call", call)
    return calls


def _no_leases_left(sc: ShortCircuitNode, client: quiver_client.QuiverClient) -> None:
    """Every chunk file goes once the cache is emptied, which a leased chunk would prevent."""
    client.cache_free()
    assert sc.chunk_files() == []


def test_a_held_lease_keeps_its_files_through_cache_free(sc, sc_client):
    """The control for the lease checks below: a lease left open keeps its unit's files."""
    ticket = sc_client.plan("sc.types").endpoints[0].ticket.ticket
    answer = sc_client.action("short-circuit", {"ticket": base64.b64encode(ticket).decode()})[-1]
    assert answer["lease"] and answer["batches"]
    try:
        sc_client.cache_free()
        held = {c["file"] for b in answer["batches"] for c in b["columns"]}
        assert held <= {p.name for p in sc.chunk_files()}
    finally:
        sc_client.action("short-circuit", {"close": answer["lease"]})
    _no_leases_left(sc, sc_client)


@pytest.mark.parametrize("columns", [None, ["map", "dec_38_10", "id", "struct", "str"]])
def test_cold_and_warm_reads_equal_flight_and_pyarrow(
    sc, sc_client, flight_client, columns, monkeypatch
):
    sc_client.cache_free()
    expected = pq.read_table(sc.files["types"], columns=columns)
    calls = _count_calls(monkeypatch, sc_client)
    cold = sc_client.read_table("sc.types", columns=columns)
    warm = sc_client.read_table("sc.types", columns=columns)
    over_flight = flight_client.read_table("sc.types", columns=columns)
    assert calls and calls[0].keys() == {"ticket"}
    assert any("next" in c for c in calls)
    for got in (cold, warm):
        assert got.schema.equals(over_flight.schema, check_metadata=True)
        assert_tables_equal(got, over_flight)
        assert_tables_equal(got, expected)
        assert got.num_rows == data.ROWS
        # Several batches per unit: 512 + 488 rows per row group of 1,000.
        assert [len(c) for c in got.column(0).chunks] == [512, 488] * 3
        assert _mapped_fraction(got, sc) == 1.0
    assert _mapped_fraction(over_flight, sc) == 0.0
    _no_leases_left(sc, sc_client)


def test_read_batches_and_pandas_short_circuit(sc, sc_client, flight_client):
    reader = sc_client.read_batches("sc.types", columns=["id", "f64", "str"], parallelism=2)
    got = reader.read_all()
    assert_tables_equal(got, flight_client.read_table("sc.types", columns=["id", "f64", "str"]))
    assert _mapped_fraction(got, sc) == 1.0
    df = sc_client.read_table("sc.types", columns=["id", "i32"]).to_pandas()
    assert df["id"].tolist() == list(range(data.ROWS))
    _no_leases_left(sc, sc_client)


def test_mapped_tables_stay_valid_after_their_files_are_deleted(sc, sc_client):
    got = sc_client.read_table("sc.types", columns=["id", "str"])
    assert _mapped_fraction(got, sc) == 1.0
    sc_client.cache_free()
    assert sc.chunk_files() == []
    gc.collect()
    assert got.column("id").to_pylist() == list(range(data.ROWS))
    expected = pq.read_table(sc.files["types"], columns=["id", "str"])
    assert_tables_equal(got, expected)


def test_a_filter_falls_back_to_flight_with_the_same_rows(
    sc, sc_client, flight_client, monkeypatch
):
    calls = _count_calls(monkeypatch, sc_client)
    f = (col("id") >= 700) & (col("i") > 0)
    got = sc_client.read_table("sc.filters", filter=f)
    table = pq.read_table(sc.files["filters"])
    expected = table.filter(pc.and_(pc.greater_equal(table["id"], 700), pc.greater(table["i"], 0)))
    assert_tables_equal(got, expected)
    assert_tables_equal(got, flight_client.read_table("sc.filters", filter=f))
    assert calls and all(c.keys() == {"ticket"} for c in calls)  # answered with a fallback
    assert _mapped_fraction(got, sc) == 0.0
    # A fallback is per ticket: the node is still asked for the next read.
    sc_client.read_table("sc.filters", columns=["id"])
    assert any("next" in c for c in calls)
    _no_leases_left(sc, sc_client)


def test_a_partition_column_falls_back_and_the_file_columns_map(sc, sc_client, flight_client):
    got = sc_client.read_table("sc.parts")
    assert_tables_equal(got, flight_client.read_table("sc.parts"))
    assert got.column("region").to_pylist() == ["eu"] * 1000 + ["us"] * 1000
    assert got.column("id").to_pylist() == list(range(2000))
    assert _mapped_fraction(got, sc) == 0.0
    files_only = sc_client.read_table("sc.parts", columns=["label", "id"])
    assert_tables_equal(files_only, flight_client.read_table("sc.parts", columns=["label", "id"]))
    assert _mapped_fraction(files_only, sc) == 1.0
    _no_leases_left(sc, sc_client)


def test_an_expired_lease_falls_back_and_skips_what_was_read(
    sc, sc_client, flight_client, monkeypatch
):
    """The lease is closed behind the client's back before its first ``next``: the node answers
    NOT_FOUND, and Flight reads the rest of the ticket, skipping the unit already returned."""
    real = sc_client._short_circuit_call
    expired: List[str] = []

    def call(flight_client_, body):
        if "next" in body and not expired:
            expired.append(body["next"])
            real(flight_client_, {"close": body["next"]})
        return real(flight_client_, body)

    monkeypatch.setattr(sc_client, "_short_circuit_call", call)
    got = sc_client.read_table("sc.types", parallelism=1)
    assert expired
    assert_tables_equal(got, flight_client.read_table("sc.types"))
    assert_tables_equal(got, pq.read_table(sc.files["types"]))
    # Only the first unit was mapped (one endpoint per planned group of row groups).
    fraction = _mapped_fraction(got, sc)
    assert 0.0 < fraction < 1.0
    _no_leases_left(sc, sc_client)


def test_a_lease_that_expires_under_a_slow_reader_falls_back(tmp_path_factory, monkeypatch):
    """A real expiry: a node that keeps idle leases 200 ms, a batch stream paused for longer.
    The node answers the next ``next`` with NOT_FOUND and the rest of the ticket comes over
    Flight, without the rows already returned."""
    directory = Path(os.path.realpath(tmp_path_factory.mktemp("shm-short-lease")))
    root = tmp_path_factory.mktemp("sc-short-lease-lake")
    table = data.many_row_groups(8000)
    pq.write_table(table, root / "many.parquet", row_group_size=1000)  # 8 units, 2 batches each
    args = ["--short-circuit", "--short-circuit-dir", str(directory)]
    args += ["--batch-rows", str(BATCH_ROWS), "--short-circuit-lease", "200ms"]
    with running_node(tmp_path_factory, "sc-short-lease", *args) as address:
        node = ShortCircuitNode(address, directory, {})
        with quiver_client.connect(address) as c:
            c.mount("/sc", root.as_uri())
            c.create_table("sc.many", "/sc/many.parquet")
            errors: List[str] = []
            real = c._short_circuit_call

            def call(flight_client_, body):
                try:
                    return real(flight_client_, body)
                except Exception as e:
                    errors.append(str(e))
                    raise

            monkeypatch.setattr(c, "_short_circuit_call", call)
            reader = c.read_batches("sc.many", buffer_batches=1)
            batches = [reader.read_next_batch()]
            # The paused reader's lease (on the next unit) expires after 200 ms idle.
            deadline = time.monotonic() + 20
            while c.stats()["scans"]["leasesOpen"] > 0:
                assert time.monotonic() < deadline, "the idle lease expired"
                time.sleep(0.05)
            batches.extend(reader)
            assert any("No short-circuit lease" in e for e in errors), errors
            mapped = [_mapped_fraction(pa.Table.from_batches([b]), node) for b in batches]
            assert mapped[0] == 1.0 and 0.0 in mapped, mapped
            assert_tables_equal(pa.Table.from_batches(batches), table)


def test_flight_skips_rows_inside_a_batch(sc, sc_client):
    """Skipping rows a short-circuit read returned slices the batch that straddles them."""
    endpoint = sc_client.plan("sc.types", columns=["id"]).endpoints[0]
    progress = quiver_client.client._Progress()
    progress.rows = 700  # inside the second batch (512 + 488)
    readers = quiver_client.client._Readers()
    batches = list(sc_client._flight_batches(sc_client._client, endpoint, readers, progress))
    ids = pa.Table.from_batches(batches).column("id").to_pylist()
    assert ids[0] == 700 and ids == sorted(ids) and len(set(ids)) == len(ids)


def test_an_unverifiable_directory_falls_back_and_is_not_asked_again(
    sc, sc_client, flight_client, monkeypatch
):
    monkeypatch.setattr(shortcircuit, "TOKEN_FILE", ".not-the-token")
    calls = _count_calls(monkeypatch, sc_client)
    try:
        got = sc_client.read_table("sc.types")
        assert len(calls) == 2 and calls[1].keys() == {"close"}  # opened, seen, closed
        again = sc_client.read_table("sc.types")
    finally:
        monkeypatch.undo()
    assert len(calls) == 2
    expected = flight_client.read_table("sc.types")
    for t in (got, again):
        assert_tables_equal(t, expected)
        assert _mapped_fraction(t, sc) == 0.0
    _no_leases_left(sc, sc_client)


def test_a_node_without_short_circuit_is_asked_once(node, lake, monkeypatch):
    with quiver_client.connect(node) as c:
        calls = _count_calls(monkeypatch, c)
        first = c.read_table("lake.types_snappy", parallelism=1)
        asked = len(calls)
        second = c.read_table("lake.types_snappy")
        assert asked == 1 and len(calls) == 1
    expected = pq.read_table(lake["types_snappy"])
    assert_tables_equal(first, expected)
    assert_tables_equal(second, expected)


def test_short_circuit_false_never_asks(sc, flight_client, monkeypatch):
    calls = _count_calls(monkeypatch, flight_client)
    flight_client.read_table("sc.types", columns=["id"])
    assert calls == []


def test_stopping_a_batch_stream_early_closes_its_leases(sc, sc_client, monkeypatch):
    calls = _count_calls(monkeypatch, sc_client)
    reader = sc_client.read_batches("sc.types", parallelism=2, buffer_batches=1)
    first = reader.read_next_batch()
    assert first.num_rows == BATCH_ROWS
    reader.close()
    del reader
    gc.collect()
    assert any("close" in c for c in calls)
    _no_leases_left(sc, sc_client)


def test_stopping_an_endpoint_generator_early_closes_its_lease(sc, sc_client):
    endpoint = sc_client.plan("sc.types").endpoints[0]
    batches = sc_client._endpoint_batches(endpoint, quiver_client.client._Readers())
    next(batches)
    batches.close()
    _no_leases_left(sc, sc_client)


def test_is_local():
    assert shortcircuit.is_local("grpc+tcp://127.0.0.1:8815")
    assert shortcircuit.is_local("grpc+tcp://localhost:8815")
    assert shortcircuit.is_local("grpc+tcp://[::1]:8815")
    assert shortcircuit.is_local("grpc+unix:///tmp/quiver.sock")
    assert not shortcircuit.is_local("grpc+tcp://192.0.2.1:8815")  # TEST-NET-1
    assert not shortcircuit.is_local("grpc+tcp://no-such-host.invalid:8815")


def test_a_client_keeps_its_mappings_across_reads_and_drops_them_on_close(sc, flight_client):
    """A second read of the same cached columns maps nothing new (no page faults again); closing
    the client unmaps what it kept once no table uses it; ``short_circuit_cache=0`` keeps none."""
    expected = flight_client.read_table("sc.types")
    gc.collect()
    before = sc.mapped_ranges()
    with quiver_client.connect(sc.address) as c:
        first = c.read_table("sc.types")
        kept = sc.mapped_ranges()
        assert len(kept) > len(before), "the client maps the node's files"
        del first
        gc.collect()
        assert sc.mapped_ranges() == kept, "kept after the table is gone"
        second = c.read_table("sc.types")
        assert_tables_equal(second, expected)
        assert _mapped_fraction(second, sc) == 1.0
        assert sc.mapped_ranges() == kept, "the second read reused the same mappings"
        del second
    gc.collect()
    assert sc.mapped_ranges() == before, "closing the client unmapped them"
    with quiver_client.connect(sc.address, short_circuit_cache=0) as c:
        table = c.read_table("sc.types")
        assert_tables_equal(table, expected)
        assert _mapped_fraction(table, sc) == 1.0
        del table
        gc.collect()
        assert sc.mapped_ranges() == before, "nothing kept without a cache"
    with pytest.raises(ValueError):
        quiver_client.connect(sc.address, short_circuit_cache=-1)
