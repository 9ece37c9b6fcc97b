"""pandas, polars and DuckDB take what the client returns."""

from __future__ import annotations

import duckdb
import pandas as pd
import pandas.testing as pdt
import polars as pl
import polars.testing as plt
import pyarrow.parquet as pq

FLAT = ["id", "i32", "i64", "f64", "dec_9_2", "str", "bool", "date", "ts_us", "ts_ms_utc"]


def test_to_pandas_equals_pyarrow_to_pandas(client, lake):
    # time64[ns] values with nanoseconds have no datetime.time: pandas conversion refuses them
    # whatever the source, so that one column stays out.
    columns = [c for c in pq.read_schema(lake["types_snappy"]).names if c != "time_ns"]
    got = client.read_table("lake.types_snappy", columns=columns).to_pandas()
    expected = pq.read_table(lake["types_snappy"], columns=columns).to_pandas()
    assert isinstance(got, pd.DataFrame)
    pdt.assert_frame_equal(got, expected)


def test_polars_from_arrow_equals_polars_own_parquet_reader(client, lake):
    got = pl.from_arrow(client.read_table("lake.types_snappy", columns=FLAT))
    expected = pl.read_parquet(lake["types_snappy"], columns=FLAT)
    assert isinstance(got, pl.DataFrame)
    plt.assert_frame_equal(got, expected)


def test_polars_takes_a_batch_stream(client, lake):
    reader = client.read_batches("lake.many", columns=["id", "label"])
    got = pl.from_arrow(reader)
    plt.assert_frame_equal(got, pl.read_parquet(lake["many"], columns=["id", "label"]))


def test_duckdb_queries_a_quiver_table_like_the_parquet_file(client, lake):
    orders = client.read_table("lake.filters", columns=["s", "i", "dec", "d"])  # noqa: F841
    query = """
        SELECT s, count(*) AS n, sum(i) AS total, max(dec) AS top, min(d) AS first
        FROM {source} WHERE d >= DATE '2024-01-20' GROUP BY s ORDER BY s NULLS FIRST
    """
    got = duckdb.sql(query.format(source="orders")).fetchall()
    expected = duckdb.sql(query.format(source=f"read_parquet('{lake['filters']}')")).fetchall()
    assert got == expected
    assert len(got) > 3


def test_duckdb_streams_a_record_batch_reader(client, lake):
    stream = client.read_batches("lake.many", columns=["label", "x"])  # noqa: F841
    got = duckdb.sql(
        "SELECT label, count(*), round(sum(x), 6) FROM stream GROUP BY label ORDER BY label"
    ).fetchall()
    expected = duckdb.sql(
        f"SELECT label, count(*), round(sum(x), 6) FROM read_parquet('{lake['many']}')"
        " GROUP BY label ORDER BY label"
    ).fetchall()
    assert got == expected
