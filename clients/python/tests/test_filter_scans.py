"""Filtered scans keep exactly the rows DuckDB keeps for the same condition on the same file.

DuckDB is the oracle because its semantics are the ones docs/FILTERS.md specifies: SQL
three-valued logic, NaN greater than every number and equal to itself, -0.0 = 0.0, exact decimal
comparison of inexact literals. Each case's SQL is generated from the JSON the client sends, so
the test also checks what the filter helpers encode.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from quiver_client import and_, col, not_, or_
from quiver_client.filters import dumps, to_json

from . import data
from .compare import assert_tables_equal

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))

CASES = {
    "int_gt": col("i") > 5,
    "int_eq": col("i") == 7,
    "int_ne": col("i") != 0,
    "int_inexact_lt": col("i") < 2.5,
    "int_inexact_eq": col("i") == 2.5,
    "reflected": 10 >= col("i"),
    "float_lt_keeps_no_nan": col("f") < 5,
    "float_gt_keeps_nan": col("f") > 5,
    "float_ne_keeps_nan": col("f") != 5,
    "float_zero_equals_negative_zero": col("f") == 0,
    "decimal_between": col("dec").between(decimal.Decimal("-1.5"), 20),
    "decimal_inexact": col("dec") < decimal.Decimal("10.0005"),
    "string_eq": col("s") == "banana",
    "string_empty": col("s") == "",
    "string_unicode_order": col("s") > "cherry",
    "string_isin": col("s").isin(["apple", "Äpfel", "nope"]),
    "bool_true": col("b") == True,  # noqa: E712 (a filter, not a truth test)
    "date_ge": col("d") >= dt.date(2024, 2, 10),
    "date_between": col("d").between(dt.date(2024, 1, 5), dt.date(2024, 1, 20)),
    "timestamp_naive": col("ts") < dt.datetime(2024, 1, 10, 12, 30),
    "timestamp_tz_offset": col("tstz") >= dt.datetime(2024, 1, 20, 2, 0, tzinfo=PLUS2),
    "timestamp_tz_naive_is_utc": col("tstz") < dt.datetime(2024, 1, 5),
    "is_null": col("s").is_null(),
    "list_is_not_null": col("tags").is_not_null(),
    "and": (col("i") > 0) & (col("s") != "apple") & col("d").is_not_null(),
    "or_with_null": (col("i") == 1) | col("i").is_null(),
    "not_keeps_no_null": ~(col("i") < 0),
    "nested": and_(
        col("id").between(500, 3500),
        or_(col("s").isin(["date", ""]), not_(col("b") == False)),  # noqa: E712
    ),
    "prunes_by_id": (col("id") >= 1200) & (col("id") < 1300),
    "raw_dict": {
        "op": "or",
        "args": [
            {"op": "<=", "column": "id", "value": 3},
            {"op": "IN", "column": "i", "values": [-50, 50]},
        ],
    },
    "raw_json_text": '{"op": "between", "column": "dec", "low": -0.001, "high": 0.001}',
}

_SQL_OPS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _sql_literal(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, decimal.Decimal)):
        return str(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    raise AssertionError(f"unexpected literal {v!r}")


def to_sql(node) -> str:
    """The SQL condition of a filter node, as JSON (numbers kept exact)."""
    op = node["op"].lower() if node["op"][0].isalpha() else node["op"]
    if op in ("and", "or"):
        return "(" + f" {op.upper()} ".join(to_sql(a) for a in node["args"]) + ")"
    if op == "not":
        return f"(NOT {to_sql(node['arg'])})"
    column = '"' + node["column"] + '"'
    if op == "is_null":
        return f"({column} IS NULL)"
    if op == "is_not_null":
        return f"({column} IS NOT NULL)"
    if op == "in":
        return f"({column} IN ({', '.join(_sql_literal(v) for v in node['values'])}))"
    if op == "between":
        return f"({column} BETWEEN {_sql_literal(node['low'])} AND {_sql_literal(node['high'])})"
    return f"({column} {_SQL_OPS[op]} {_sql_literal(node['value'])})"


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # a literal without an offset means UTC (FILTERS.md)
    yield con
    con.close()


@pytest.fixture(scope="module")
def oracle(lake):
    return pq.read_table(lake["filters"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_filter_keeps_the_rows_duckdb_keeps(client, lake, duck, oracle, case):
    f = CASES[case]
    node = json.loads(dumps(to_json(f)), parse_float=decimal.Decimal)
    where = to_sql(node)
    ids = [
        r[0]
        for r in duck.execute(
            f"SELECT id FROM read_parquet('{lake['filters']}') WHERE {where} ORDER BY id"
        ).fetchall()
    ]
    got = client.read_table("lake.filters", filter=f)
    assert got["id"].to_pylist() == ids, where
    # Whole rows, not just ids: the kept rows equal pyarrow's, in file order.
    assert_tables_equal(got, oracle.filter(pc.is_in(oracle["id"], pa.array(ids, pa.int64()))))


def test_filter_columns_need_not_be_projected(client, lake, duck):
    got = client.read_table("lake.filters", columns=["id"], filter=col("s") == "cherry")
    assert got.column_names == ["id"]
    ids = duck.execute(
        f"SELECT id FROM read_parquet('{lake['filters']}') WHERE s = 'cherry' ORDER BY id"
    ).fetchall()
    assert got["id"].to_pylist() == [r[0] for r in ids]


def test_statistics_prune_row_groups_when_planning(client):
    everything = client.plan("lake.filters")
    pruned = client.plan("lake.filters", filter=CASES["prunes_by_id"])
    assert everything.total_records == data.FILTER_ROWS
    # ids 1200..1299 lie in one row group of 500 rows.
    assert pruned.total_records == data.FILTER_GROUP
    assert len(pruned.endpoints) == 1


def test_prune_only_scan_sends_whole_row_groups(client, oracle):
    got = client.read_table("lake.filters", filter=CASES["prunes_by_id"], exact=False)
    assert_tables_equal(got, oracle.slice(1000, 500))


def test_read_batches_applies_the_filter(client, lake):
    reader = client.read_batches("lake.filters", columns=["id", "s"], filter=col("s") == "apple")
    got = reader.read_all()
    assert set(got["s"].to_pylist()) == {"apple"}
    expected = pq.read_table(lake["filters"], columns=["id", "s"], filters=[("s", "=", "apple")])
    assert got["id"].to_pylist() == expected["id"].to_pylist()
