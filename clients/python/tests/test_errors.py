"""Failures arrive as QuiverError subclasses carrying the server's message."""

from __future__ import annotations

import socket

import pytest

import quiver_client as qc
from quiver_client import col


def test_unknown_table(client):
    with pytest.raises(qc.TableNotFound) as e:
        client.read_table("lake.nope")
    assert str(e.value) == "Table lake.nope does not exist (see 'quiver table ls')"
    assert e.value.code == "NOT_FOUND"
    assert isinstance(e.value, qc.NotFound) and isinstance(e.value, LookupError)
    assert e.value.__cause__ is not None  # the pyarrow error, for debugging


def test_unknown_table_when_streaming_raises_at_the_call(client):
    with pytest.raises(qc.TableNotFound):
        client.read_batches("lake.nope")


def test_unknown_path(client):
    with pytest.raises(qc.PathNotFound) as e:
        client.read_table("/nowhere/x.parquet")
    assert "/nowhere" in str(e.value)


def test_unknown_filter_operator(client, lake):
    with pytest.raises(qc.InvalidRequest) as e:
        client.read_table("lake.filters", filter={"op": "~", "column": "i", "value": 1})
    assert str(e.value).startswith("Unknown filter operator '~' (known: =, <>,")
    assert e.value.code == "INVALID_ARGUMENT"
    assert isinstance(e.value, ValueError)


def test_literal_that_does_not_fit_the_column(client, lake):
    with pytest.raises(qc.InvalidRequest) as e:
        client.read_table("lake.filters", filter=col("d") >= "2024-13-45")
    assert str(e.value) == (
        "Filter on column 'd' (Date(DAY)) needs a date 'YYYY-MM-DD', got '2024-13-45'"
    )


def test_unknown_column_in_filter_and_in_projection(client, lake):
    with pytest.raises(qc.InvalidRequest, match="Unknown column 'nope' in filter"):
        client.read_table("lake.filters", filter=col("nope") == 1)
    with pytest.raises(qc.InvalidRequest, match="Unknown column 'nope'"):
        client.read_table("lake.filters", columns=["id", "nope"])


def test_comparison_on_a_list_column(client, lake):
    with pytest.raises(qc.InvalidRequest, match="only test with is_null / is_not_null"):
        client.read_table("lake.filters", filter=col("tags") == "t1")


def test_filters_the_client_cannot_encode_fail_before_sending(client):
    with pytest.raises(qc.InvalidFilter, match=r"use col\('i'\)\.is_null\(\)"):
        client.read_table("lake.filters", filter=col("i") == None)  # noqa: E711
    with pytest.raises(qc.InvalidFilter, match="not valid JSON"):
        client.read_table("lake.filters", filter="{op: >}")
    with pytest.raises(TypeError, match="no truth value"):
        client.read_table("lake.filters", filter=0 < col("i") < 5)


def test_already_exists(client, lake):
    with pytest.raises(qc.AlreadyExists, match="already exists"):
        client.create_table("lake.filters", "/lake/filters.parquet")


def test_unknown_action(client):
    # Flight's convention: an action the server does not have is UNIMPLEMENTED.
    with pytest.raises(qc.Unimplemented, match="Unknown action 'nope'") as e:
        client.action("nope")
    assert e.value.code == "UNIMPLEMENTED"


def test_unreachable_node():
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with qc.connect(f"127.0.0.1:{port}", timeout=10) as c:
            with pytest.raises(qc.Unavailable) as e:
                c.tables()
    assert isinstance(e.value, ConnectionError)
    assert e.value.code == "UNAVAILABLE"


def test_error_while_streaming_raises_from_the_iteration(client, lake, tmp_path):
    import os

    import pyarrow.parquet as pq

    table = pq.read_table(lake["many"])
    path = tmp_path / "changing.parquet"
    pq.write_table(table, path, row_group_size=1000)
    client.mount("/changing", tmp_path.as_uri())
    try:
        reader = client.read_batches("/changing/changing.parquet", parallelism=1)
        # The file changes after the scan was planned: the node refuses to mix versions.
        pq.write_table(table.slice(0, 5000), path, row_group_size=1000)
        os.utime(path, ns=(1, 1))
        with pytest.raises(qc.InvalidRequest) as e:
            reader.read_all()
        assert e.value.code == "INVALID_ARGUMENT"
        assert "changed" in str(e.value)
    finally:
        client.unmount("/changing")
