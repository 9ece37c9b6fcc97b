"""Values read through Quiver equal pyarrow's own Parquet reader on the same files."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import quiver_client
from quiver_client import col

from . import data
from .compare import assert_tables_equal


@pytest.mark.parametrize("variant", sorted(data.VARIANTS))
def test_every_type_equals_pyarrow(client, lake, variant):
    """Every type, nulls (also inside lists and structs), several row groups, and several
    writer settings (codecs, page v2, plain/delta/byte-stream-split encodings, no statistics)."""
    name = f"types_{variant}"
    expected = pq.read_table(lake[name])
    info = client.plan(f"lake.{name}")
    assert info.total_records == data.ROWS
    got = client.read_table(f"lake.{name}")
    assert_tables_equal(got, expected)


def test_read_by_namespace_path(client, lake):
    got = client.read_table("/lake/types_snappy.parquet")
    assert_tables_equal(got, pq.read_table(lake["types_snappy"]))


def test_projection_returns_only_the_columns_asked_in_their_order(client, lake):
    columns = ["map", "dec_38_10", "id", "struct", "ts_us_utc"]
    got = client.read_table("lake.types_zstd_v2_pages", columns=columns)
    assert got.column_names == columns
    assert_tables_equal(got, pq.read_table(lake["types_zstd_v2_pages"], columns=columns))
    assert client.schema("lake.types_zstd_v2_pages", columns=columns) == got.schema


def test_directory_table_reads_every_file_in_order(client, lake):
    got = client.read_table("lake.parts")
    assert_tables_equal(got, data.read_expected(lake["parts"]))


def test_types_pyarrow_restores_from_its_schema_hint_arrive_as_parquet_types(client, lake):
    """Parquet has no large_string, large_list, dictionary or named-zone timestamp: pyarrow
    restores them from the ARROW:schema metadata it stores, Quiver sends the Parquet types.
    The values are the same."""
    got = client.read_table("lake.arrow_hints")
    expected = pq.read_table(lake["arrow_hints"])
    types = {f.name: f.type for f in got.schema}
    assert types["large_str"] == pa.string()
    assert types["large_bin"] == pa.binary()
    assert types["large_list"] == pa.list_(pa.int64())
    assert types["ts_berlin"] == pa.timestamp("ms", tz="UTC")
    assert types["dict_str"] == pa.string()
    assert_tables_equal(got, expected.cast(got.schema))


def test_many_endpoints_are_read_in_parallel_and_kept_in_order(client, lake, monkeypatch):
    expected = pq.read_table(lake["many"])
    info = client.plan("lake.many")
    assert len(info.endpoints) == 12  # 48 row groups, at most 4 per endpoint

    # The first four endpoint reads wait for each other: this only passes if four run at once.
    barrier = threading.Barrier(4, timeout=30)
    calls = []
    lock = threading.Lock()
    original = quiver_client.QuiverClient._read_endpoint

    def gated(self, endpoint, readers):
        with lock:
            calls.append(threading.get_ident())
            first_four = len(calls) <= 4
        if first_four:
            barrier.wait()
        return original(self, endpoint, readers)

    monkeypatch.setattr(quiver_client.QuiverClient, "_read_endpoint", gated)
    got = client.read_table("lake.many", parallelism=4)
    assert len(calls) == 12
    assert len(set(calls)) == 4
    assert_tables_equal(got, expected)


def test_parallel_and_serial_reads_agree(client, lake):
    serial = client.read_table("lake.many", parallelism=1)
    parallel = client.read_table("lake.many", parallelism=8)
    assert serial.equals(parallel)
    assert serial.equals(pq.read_table(lake["many"]))


def test_read_batches_streams_the_same_rows_in_order(client, lake):
    reader = client.read_batches(
        "lake.many", columns=["id", "label"], parallelism=3, buffer_batches=1
    )
    assert isinstance(reader, pa.RecordBatchReader)
    batches = list(reader)
    assert len(batches) >= 12
    got = pa.Table.from_batches(batches, schema=reader.schema)
    assert got.equals(pq.read_table(lake["many"], columns=["id", "label"]))


def test_read_batches_stopped_early_cancels_its_streams(client, lake):
    before = {t.ident for t in threading.enumerate()}
    reader = client.read_batches("lake.many", parallelism=4, buffer_batches=1)
    first = reader.read_next_batch()
    assert first.num_rows > 0
    reader.close()
    del reader
    # The stream threads finish once their streams are cancelled: poll with a deadline.
    deadline = time.monotonic() + 20
    while True:
        left = [
            t
            for t in threading.enumerate()
            if t.ident not in before and t.name.startswith("quiver-stream")
        ]
        if not left:
            break
        assert time.monotonic() < deadline, f"stream threads still running: {left}"
        time.sleep(0.05)
    # The node is still fine and serves the next scan.
    assert client.read_table("lake.many", columns=["id"]).num_rows == data.MANY_RG_ROWS


def test_filter_that_prunes_every_row_group_gives_an_empty_table_with_the_schema(client, lake):
    info = client.plan("lake.filters", filter=col("id") > 10**9)
    assert len(info.endpoints) == 0
    got = client.read_table("lake.filters", columns=["id", "s"], filter=col("id") > 10**9)
    assert got.num_rows == 0
    assert got.schema == pq.read_table(lake["filters"], columns=["id", "s"]).schema
    streamed = client.read_batches("lake.filters", columns=["id", "s"], filter=col("id") > 10**9)
    assert streamed.read_all().num_rows == 0


def test_filtered_scan_equals_pyarrow_compute(client, lake):
    expected = pq.read_table(lake["types_snappy"])
    mask = pc.and_kleene(pc.greater(expected["i32"], 0), pc.is_valid(expected["str"]))
    got = client.read_table("lake.types_snappy", filter=(col("i32") > 0) & col("str").is_not_null())
    assert_tables_equal(got, expected.filter(mask))


def test_endpoint_locations_are_tried_in_order(client, node, lake):
    """A node in a cluster names each endpoint's owners; an unreachable one is skipped."""
    import socket

    import pyarrow.flight as flight

    from quiver_client.client import _Readers

    with socket.socket() as s:  # bound but not listening: connections are refused
        s.bind(("127.0.0.1", 0))
        dead = f"grpc+tcp://127.0.0.1:{s.getsockname()[1]}"
        live = f"grpc+tcp://{node}"
        endpoint = client.plan("lake.many").endpoints[0]
        expected = client._read_endpoint(endpoint, _Readers())
        moved = flight.FlightEndpoint(endpoint.ticket, [dead, live])
        assert client._read_endpoint(moved, _Readers()).equals(expected)
        batches = list(client._endpoint_batches(moved, _Readers()))
        assert pa.Table.from_batches(batches).equals(expected)
        with pytest.raises(flight.FlightUnavailableError):
            client._read_endpoint(flight.FlightEndpoint(endpoint.ticket, [dead]), _Readers())
