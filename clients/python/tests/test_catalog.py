"""Catalog and cache actions."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import quiver_client as qc


def test_tables_lists_the_catalog(client, lake):
    tables = {t.name: t for t in client.tables()}
    assert set(tables) >= {f"lake.{name}" for name in lake}
    assert tables["lake.filters"] == qc.TableInfo(
        "lake.filters", "/lake/filters.parquet", "parquet"
    )


def test_mounts(client, lake):
    mounts = {m.path: m for m in client.mounts()}
    assert mounts["/lake"].uri == lake["filters"].parent.as_uri()


def test_create_read_and_drop_a_table(client, lake, tmp_path):
    created = client.create_table("scratch.many", "/lake/many.parquet", format="parquet")
    assert (created.files, created.rows) == (1, pq.read_metadata(lake["many"]).num_rows)
    try:
        assert client.read_table("scratch.many", columns=["id"]).num_rows == created.rows
    finally:
        client.drop_table("scratch.many")
    with pytest.raises(qc.TableNotFound):
        client.drop_table("scratch.many")
    assert "scratch.many" not in {t.name for t in client.tables()}


def test_mount_and_unmount(client, lake, tmp_path):
    pq.write_table(pq.read_table(lake["many"]).slice(0, 10), tmp_path / "small.parquet")
    mount = client.mount("/scratch", tmp_path.as_uri())
    assert mount.path == "/scratch"
    try:
        assert client.read_table("/scratch/small.parquet").num_rows == 10
    finally:
        client.unmount("/scratch")
    with pytest.raises(qc.NotFound):
        client.read_table("/scratch/small.parquet")


def test_stats_health_cache_free_and_actions(client, lake):
    client.read_table("lake.many", columns=["id"])
    assert client.health() == {"status": "ok"}
    stats = client.stats()
    assert stats["entries"] > 0 and stats["capacity"] > 0
    assert client.cache_free("lake.many") > 0
    actions = client.list_actions()
    assert {"mount", "create-table", "tables", "stats", "cache-free"} <= set(actions)
    assert client.action("health") == [{"status": "ok"}]
