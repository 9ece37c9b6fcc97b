"""Hive-partitioned tables and schemas that evolve across files, checked against pyarrow.dataset
(``partitioning="hive"``) and DuckDB (``hive_partitioning``, ``union_by_name``) reading the same
directory."""

from __future__ import annotations

import datetime

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from .compare import assert_tables_equal

PARTITIONING = ds.partitioning(
    pa.schema([("day", pa.date32()), ("region", pa.string())]), flavor="hive"
)


@pytest.fixture(scope="module")
def events(client, tmp_path_factory):
    """day=/region= directories, one schema; defined as ``part.events`` under ``/parts``."""
    root = tmp_path_factory.mktemp("events")
    n = 3000
    table = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "amount": pa.array([i * 0.25 for i in range(n)], pa.float64()),
            "day": pa.array(
                [datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 3) for i in range(n)],
                pa.date32(),
            ),
            "region": pa.array([["eu", "us", "a b/c"][i % 5 % 3] for i in range(n)]),
        }
    )
    ds.write_dataset(
        table, root, format="parquet", partitioning=PARTITIONING, max_rows_per_group=500
    )
    client.mount("/parts", root.as_uri())
    client.create_table("part.events", "/parts")
    yield root
    client.drop_table("part.events")
    client.unmount("/parts")


def sort(t: pa.Table) -> pa.Table:
    return t.sort_by([("id", "ascending")])


def test_partition_columns_read_as_pyarrow_dataset_reads_them(client, events):
    expected = ds.dataset(events, format="parquet", partitioning=PARTITIONING).to_table()
    got = client.read_table("part.events")
    assert got.schema.names == ["id", "amount", "day", "region"]
    assert got.schema.field("day").type == pa.date32()
    assert_tables_equal(sort(got), sort(expected.cast(got.schema)))


def test_a_filter_on_a_partition_prunes_other_partitions(client, events):
    wanted = (ds.field("region") == "a b/c") & (ds.field("day") >= datetime.date(2024, 1, 2))
    expected = ds.dataset(events, format="parquet", partitioning=PARTITIONING).to_table(
        filter=wanted
    )
    info = client.plan(
        "part.events",
        filter={
            "op": "and",
            "args": [
                {"op": "=", "column": "region", "value": "a b/c"},
                {"op": ">=", "column": "day", "value": "2024-01-02"},
            ],
        },
    )
    files = {f["path"] for f in client.describe_table("part.events")["files"]}
    assert len(files) == 9
    # Only the endpoints of the two partitions that match are planned.
    assert 0 < len(info.endpoints) < len(files)
    got = client.read_table(
        "part.events",
        filter={
            "op": "and",
            "args": [
                {"op": "=", "column": "region", "value": "a b/c"},
                {"op": ">=", "column": "day", "value": "2024-01-02"},
            ],
        },
    )
    assert got.num_rows == expected.num_rows > 0
    assert_tables_equal(sort(got), sort(expected.cast(got.schema)))


def test_describe_marks_partition_columns_and_counts_the_cache(client, events):
    client.cache_free("part.events")
    client.read_table("part.events", columns=["id"])
    d = client.describe_table("part.events")
    assert d["partitions"] == {"day": "date", "region": "string"}
    cols = {c["name"]: c for c in d["columns"]}
    assert cols["day"]["partition"] and not cols["id"]["partition"]
    assert cols["id"]["cachedChunks"] == cols["id"]["chunks"] > 0
    assert cols["amount"]["cachedChunks"] == 0
    assert d["rows"] == 3000 and d["fileCount"] == 9
    assert d["rowGroups"] == sum(
        pq.ParquetFile(events / f["path"][len("/parts/") :]).num_row_groups for f in d["files"]
    )


def test_schemas_unify_by_name_as_duckdb_union_by_name(client, tmp_path):
    (tmp_path / "k=1").mkdir()
    (tmp_path / "k=2").mkdir()
    (tmp_path / "k=__HIVE_DEFAULT_PARTITION__").mkdir()
    pq.write_table(
        pa.table({"id": pa.array([1, 2], pa.int32()), "v": pa.array([0.5, None], pa.float32())}),
        tmp_path / "k=1" / "a.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "s": pa.array(["x", None, "z"]),
                "id": pa.array([3, 4, 5], pa.int64()),
                "v": pa.array([1.5, 2.5, None], pa.float64()),
            }
        ),
        tmp_path / "k=2" / "b.parquet",
    )
    pq.write_table(
        pa.table({"id": pa.array([6], pa.int64())}),
        tmp_path / "k=__HIVE_DEFAULT_PARTITION__" / "c.parquet",
    )
    client.mount("/evolve", tmp_path.as_uri())
    try:
        client.create_table("part.evolve", "/evolve")
        got = client.read_table("part.evolve")
        assert got.schema == pa.schema(
            [("id", pa.int64()), ("v", pa.float64()), ("s", pa.string()), ("k", pa.int64())]
        )
        expected = duckdb.sql(
            f"SELECT id, v, s, k FROM read_parquet('{tmp_path}/**/*.parquet',"
            " hive_partitioning = true, union_by_name = true)"
        ).arrow()
        if isinstance(expected, pa.RecordBatchReader):
            expected = expected.read_all()
        assert_tables_equal(sort(got), sort(expected.cast(got.schema)))
        # Incompatible types are refused naming the column and both files.
        pq.write_table(pa.table({"id": pa.array(["seven"])}), tmp_path / "k=2" / "d.parquet")
        # The mount keeps its listing (sync interval=30s by default): list it again now.
        assert client.refresh("/evolve")["files"] == 4
        with pytest.raises(Exception) as refused:
            client.create_table("part.bad", "/evolve")
        message = str(refused.value)
        assert "'id'" in message and "b.parquet" in message and "d.parquet" in message
    finally:
        client.drop_table("part.evolve")
        client.unmount("/evolve")
