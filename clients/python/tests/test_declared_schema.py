"""Tables with declared columns: ``create_table(schema=...)`` from a ``pyarrow.Schema`` or its text
form; files are read against it."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import quiver_client as qc
from quiver_client.client import _schema_text


def test_a_pyarrow_schema_prints_in_the_text_form():
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("d", pa.date32()),
            ("price", pa.decimal128(12, 2)),
            ("odd name", pa.float32()),
        ]
    )
    assert _schema_text(schema) == (
        'id int64, ts timestamp[us, tz=UTC], d date32[day], price decimal128(12, 2),'
        ' "odd name" float'
    )
    with pytest.raises(qc.InvalidRequest, match="only flat types"):
        _schema_text(pa.schema([("xs", pa.list_(pa.int32()))]))


def test_files_are_read_against_the_declared_schema(client, tmp_path):
    pq.write_table(
        pa.table({"id": pa.array([1, 2], pa.int32()), "secret": ["a", "b"]}),
        tmp_path / "a.parquet",
    )
    pq.write_table(
        pa.table({"id": pa.array([3], pa.int64()), "price": pa.array([2.5], pa.float32())}),
        tmp_path / "b.parquet",
    )
    declared = pa.schema([("id", pa.int64()), ("price", pa.float64()), ("note", pa.string())])
    client.mount("/declared", tmp_path.as_uri())
    try:
        created = client.create_table("decl.t", "/declared", schema=declared)
        assert (created.files, created.rows) == (2, 3)
        table = client.read_table("decl.t")
        assert table.schema == declared
        assert table.sort_by("id").to_pydict() == {
            "id": [1, 2, 3],
            "price": [None, None, 2.5],
            "note": [None, None, None],
        }
        described = client.describe_table("decl.t")
        assert described["schemaSource"] == "declared"
        assert described["declaredSchema"] == "id int64, price double, note string"

        client.create_table("decl.inferred", "/declared")
        assert client.describe_table("decl.inferred")["schemaSource"] == "inferred"

        with pytest.raises(qc.InvalidRequest, match=r"b\.parquet.*int64.*int32"):
            client.create_table("decl.narrow", "/declared", schema="id int32")
    finally:
        for name in ("decl.t", "decl.inferred"):
            try:
                client.drop_table(name)
            except qc.TableNotFound:
                pass
        client.unmount("/declared")
