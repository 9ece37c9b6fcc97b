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
    nodes = client.nodes()
    assert nodes["cluster"] is None
    assert [n["self"] for n in nodes["nodes"]] == [True]
    assert nodes["nodes"][0]["location"] == client.location


def test_namespace_ls_stat_refresh_mv_and_rename(client, lake, tmp_path):
    """The namespace from Python: ls pages and stat from the kept listings, refresh under
    sync=never, a metadata-only mv the table follows, and a table rename; pyarrow reads the
    moved table the same as the file it still is on disk."""
    year = tmp_path / "raw" / "2024"
    year.mkdir(parents=True)
    small = pq.read_table(lake["many"]).slice(0, 100)
    pq.write_table(small, year / "a.parquet")
    client.mount("/ns", tmp_path.as_uri(), {"sync": "never"})
    try:
        client.create_table("ns.y2024", "/ns/raw/2024")
        entries = list(client.ls("/ns/raw"))
        assert [(e["name"], e["kind"], e["files"]) for e in entries] == [("2024", "directory", 1)]
        assert entries[0]["size"] == (year / "a.parquet").stat().st_size
        assert {"name": "ns", "kind": "mount"}.items() <= {
            **next(e for e in client.ls("/") if e["name"] == "ns")
        }.items()

        # A new file stays unseen under sync=never until the path is refreshed.
        pq.write_table(small, year / "b.parquet")
        assert [e["name"] for e in client.ls("/ns/raw/2024")] == ["a.parquet"]
        assert client.refresh("ns.y2024")["files"] == 2
        assert [e["name"] for e in client.ls("/ns/raw/2024")] == ["a.parquet", "b.parquet"]

        stat = client.stat("/ns/raw/2024/a.parquet")
        assert stat["entry"]["kind"] == "file" and stat["entry"]["format"] == "parquet"
        assert (stat["mount"], stat["sync"]) == ("/ns", "never")

        assert client.mv("/ns/raw/2024", "/archive/2024") == 1
        assert (year / "a.parquet").exists(), "mv touched the store"
        moved = client.read_table("ns.y2024").sort_by("id")
        assert moved.equals(pq.read_table(year).sort_by("id").select(moved.column_names))
        with pytest.raises(qc.NotFound):
            list(client.ls("/ns/raw/2024"))

        renamed = client.rename_table("ns.y2024", "archive.y2024")
        assert renamed.path == "/archive/2024"
        assert client.read_table("archive.y2024").num_rows == 200
        client.drop_table("archive.y2024")
    finally:
        for name in ("ns.y2024", "archive.y2024"):
            if name in {t.name for t in client.tables()}:
                client.drop_table(name)
        if "/archive/2024" in {m.path for m in client.mounts()}:
            client.mv("/archive/2024", "/ns/raw/2024")  # merges back into /ns
        client.unmount("/ns")


def test_schemas_list_like_directories(client, lake):
    client.create_table("nest.a.one", "/lake/many.parquet")
    client.create_table("nest.a.b.two", "/lake/many.parquet")
    client.create_table("nest.three", "/lake/many.parquet")
    try:
        assert "nest" in client.schemas()
        assert "nest.three" not in {t.name for t in client.tables("")}
        assert [t.name for t in client.tables("nest")] == ["nest.three"]
        assert client.schemas("nest") == ["nest.a"]
        assert [t.name for t in client.tables("nest.a")] == ["nest.a.one"]
        assert client.schemas("nest.a") == ["nest.a.b"]
        assert client.schemas("nest.a.b") == []
        assert {"nest.a.one", "nest.a.b.two", "nest.three"} <= {t.name for t in client.tables()}
        with pytest.raises(qc.NotFound, match="No schema nest.zzz"):
            client.tables("nest.zzz")
    finally:
        for name in ("nest.a.one", "nest.a.b.two", "nest.three"):
            client.drop_table(name)
