"""The Parquet files the tests read through Quiver, written with pyarrow (deterministic)."""

from __future__ import annotations

import datetime as dt
import decimal
import random
from pathlib import Path
from typing import Any, Dict, List

import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 3000
ROW_GROUP = 1000  # three row groups per file

MANY_RG_ROWS = 12_000
MANY_RG_GROUP = 250  # 48 row groups: 12 endpoints of at most 4

FILTER_ROWS = 4000
FILTER_GROUP = 500  # 8 row groups, sorted by id so statistics can prune


def _nulls(values: List[Any], every: int, offset: int = 0) -> List[Any]:
    return [None if (i + offset) % every == 0 else v for i, v in enumerate(values)]


def all_types(rows: int = ROWS, seed: int = 7) -> pa.Table:
    """Every Parquet type pyarrow writes that Quiver reads as the same Arrow type, with nulls
    (including nulls inside nested values)."""
    r = random.Random(seed)
    base = dt.datetime(2024, 1, 1)
    n = rows

    def ints(lo: int, hi: int, every: int) -> List[Any]:
        return _nulls([r.randint(lo, hi) for _ in range(n)], every)

    columns: Dict[str, pa.Array] = {
        "id": pa.array(range(n), pa.int64()),
        "i8": pa.array(ints(-128, 127, 7), pa.int8()),
        "i16": pa.array(ints(-(2**15), 2**15 - 1, 11), pa.int16()),
        "i32": pa.array(ints(-(2**31), 2**31 - 1, 13), pa.int32()),
        "i64": pa.array(ints(-(2**63), 2**63 - 1, 17), pa.int64()),
        "u8": pa.array(ints(0, 255, 7), pa.uint8()),
        "u16": pa.array(ints(0, 2**16 - 1, 7), pa.uint16()),
        "u32": pa.array(ints(0, 2**32 - 1, 7), pa.uint32()),
        "u64": pa.array(ints(0, 2**64 - 1, 7), pa.uint64()),
        "f32": pa.array(_nulls([r.uniform(-1e6, 1e6) for _ in range(n)], 9), pa.float32()),
        "f64": pa.array(
            _nulls([r.uniform(-1e12, 1e12) if i % 50 else float("nan") for i in range(n)], 9),
            pa.float64(),
        ),
        "dec_9_2": pa.array(
            _nulls(
                [decimal.Decimal(r.randint(-(10**9) + 1, 10**9 - 1)).scaleb(-2) for _ in range(n)],
                5,
            ),
            pa.decimal128(9, 2),
        ),
        "dec_18_4": pa.array(
            _nulls(
                [
                    decimal.Decimal(r.randint(-(10**18) + 1, 10**18 - 1)).scaleb(-4)
                    for _ in range(n)
                ],
                5,
            ),
            pa.decimal128(18, 4),
        ),
        "dec_38_10": pa.array(
            _nulls(
                [
                    decimal.Decimal(r.randint(-(10**38) + 1, 10**38 - 1)).scaleb(-10)
                    for _ in range(n)
                ],
                5,
            ),
            pa.decimal128(38, 10),
        ),
        "str": pa.array(
            _nulls(
                [
                    ("ünï-" if i % 3 == 0 else "s") + str(r.randint(0, 50)) * (i % 5)
                    for i in range(n)
                ],
                6,
            ),
            pa.string(),
        ),
        "bin": pa.array(
            _nulls([bytes(r.getrandbits(8) for _ in range(i % 9)) for i in range(n)], 6),
            pa.binary(),
        ),
        "fixed16": pa.array(
            _nulls([r.getrandbits(128).to_bytes(16, "big") for _ in range(n)], 6), pa.binary(16)
        ),
        "bool": pa.array(_nulls([r.random() < 0.5 for _ in range(n)], 4), pa.bool_()),
        "date": pa.array(
            _nulls(
                [dt.date(2020, 1, 1) + dt.timedelta(days=r.randint(0, 3000)) for _ in range(n)], 8
            ),
            pa.date32(),
        ),
        "time_ms": pa.array(
            _nulls([r.randint(0, 86_399_999) for _ in range(n)], 8), pa.time32("ms")
        ),
        "time_us": pa.array(
            _nulls([r.randint(0, 86_399_999_999) for _ in range(n)], 8), pa.time64("us")
        ),
        "time_ns": pa.array(
            _nulls([r.randint(0, 86_399_999_999_999) for _ in range(n)], 8), pa.time64("ns")
        ),
        "ts_ms": pa.array(
            _nulls([base + dt.timedelta(milliseconds=r.randint(0, 10**11)) for _ in range(n)], 10),
            pa.timestamp("ms"),
        ),
        "ts_us": pa.array(
            _nulls([base + dt.timedelta(microseconds=r.randint(0, 10**14)) for _ in range(n)], 10),
            pa.timestamp("us"),
        ),
        "ts_ns": pa.array(_nulls([r.randint(0, 10**18) for _ in range(n)], 10), pa.timestamp("ns")),
        "ts_ms_utc": pa.array(
            _nulls([r.randint(0, 10**12) for _ in range(n)], 10), pa.timestamp("ms", tz="UTC")
        ),
        "ts_us_utc": pa.array(
            _nulls([r.randint(0, 10**15) for _ in range(n)], 10), pa.timestamp("us", tz="UTC")
        ),
        "ts_ns_utc": pa.array(
            _nulls([r.randint(0, 10**18) for _ in range(n)], 10), pa.timestamp("ns", tz="UTC")
        ),
        "list_i32": pa.array(
            _nulls(
                [
                    [None if j == 2 else r.randint(-100, 100) for j in range(i % 6)]
                    for i in range(n)
                ],
                7,
            ),
            pa.list_(pa.int32()),
        ),
        "list_str": pa.array(
            _nulls(
                [
                    [None if j == 1 else f"v{r.randint(0, 9)}" for j in range(i % 4)]
                    for i in range(n)
                ],
                7,
            ),
            pa.list_(pa.string()),
        ),
        "list_list": pa.array(
            _nulls([[[i, j] if j % 2 == 0 else None for j in range(i % 3)] for i in range(n)], 11),
            pa.list_(pa.list_(pa.int64())),
        ),
        "struct": pa.array(
            _nulls(
                [
                    {
                        "a": None if i % 5 == 0 else i,
                        "b": None if i % 4 == 0 else f"b{i % 13}",
                        "c": [1.5 * i] if i % 3 else None,
                    }
                    for i in range(n)
                ],
                9,
            ),
            pa.struct([("a", pa.int32()), ("b", pa.string()), ("c", pa.list_(pa.float64()))]),
        ),
        "list_struct": pa.array(
            _nulls([[{"x": i, "y": None}, None] if i % 2 else [] for i in range(n)], 12),
            pa.list_(pa.struct([("x", pa.int64()), ("y", pa.string())])),
        ),
        "map": pa.array(
            _nulls([[("k", i), ("z", None)] if i % 3 else [] for i in range(n)], 10),
            pa.map_(pa.string(), pa.int32()),
        ),
    }
    return pa.table(columns)


def arrow_hints(rows: int = 200) -> pa.Table:
    """Types that only pyarrow's stored ``ARROW:schema`` hint brings back (Parquet has no such
    type): large string/binary/list, a time-zone name other than UTC, dictionary encoding."""
    n = rows
    return pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "large_str": pa.array(_nulls([f"L{i}" for i in range(n)], 5), pa.large_string()),
            "large_bin": pa.array(
                _nulls([bytes([i % 256]) for i in range(n)], 5), pa.large_binary()
            ),
            "large_list": pa.array(
                _nulls([[i, None] for i in range(n)], 5), pa.large_list(pa.int64())
            ),
            "ts_berlin": pa.array(
                _nulls([i * 3_600_000 for i in range(n)], 5), pa.timestamp("ms", tz="Europe/Berlin")
            ),
            "dict_str": pa.array(_nulls([f"k{i % 3}" for i in range(n)], 5)).dictionary_encode(),
        }
    )


def filter_table(rows: int = FILTER_ROWS) -> pa.Table:
    """Flat columns for filter tests; ``id`` ascends so row groups have disjoint id ranges."""
    r = random.Random(11)
    n = rows
    t0 = dt.datetime(2024, 1, 1)
    floats = [r.uniform(-100, 100) for _ in range(n)]
    for i in range(0, n, 97):
        floats[i] = float("nan")
    floats[5] = -0.0
    floats[6] = 0.0
    return pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "i": pa.array(_nulls([r.randint(-50, 50) for _ in range(n)], 10), pa.int32()),
            "f": pa.array(_nulls(floats, 13), pa.float64()),
            "dec": pa.array(
                _nulls(
                    [decimal.Decimal(r.randint(-100000, 100000)).scaleb(-3) for _ in range(n)], 9
                ),
                pa.decimal128(9, 3),
            ),
            "s": pa.array(
                _nulls(
                    [
                        r.choice(["apple", "banana", "cherry", "Äpfel", "date", ""])
                        for _ in range(n)
                    ],
                    8,
                )
            ),
            "b": pa.array(_nulls([r.random() < 0.3 for _ in range(n)], 7)),
            "d": pa.array(
                _nulls([dt.date(2024, 1, 1) + dt.timedelta(days=i // 40) for i in range(n)], 11),
                pa.date32(),
            ),
            "ts": pa.array(
                _nulls([t0 + dt.timedelta(minutes=17 * i) for i in range(n)], 12),
                pa.timestamp("us"),
            ),
            "tstz": pa.array(
                _nulls([t0 + dt.timedelta(minutes=17 * i) for i in range(n)], 12),
                pa.timestamp("ms", tz="UTC"),
            ),
            "tags": pa.array(_nulls([[f"t{i % 4}"] for i in range(n)], 6), pa.list_(pa.string())),
        }
    )


def many_row_groups(rows: int = MANY_RG_ROWS) -> pa.Table:
    r = random.Random(5)
    return pa.table(
        {
            "id": pa.array(range(rows), pa.int64()),
            "x": pa.array([r.random() for _ in range(rows)], pa.float64()),
            "label": pa.array([f"row-{i % 97}" for i in range(rows)]),
        }
    )


def orders(rows: int = 2000) -> pa.Table:
    """The ``sales.orders`` of the README's examples."""
    r = random.Random(3)
    return pa.table(
        {
            "o_id": pa.array(range(1, rows + 1), pa.int64()),
            "o_date": pa.array(
                [dt.date(2023, 10, 1) + dt.timedelta(days=i // 10) for i in range(rows)],
                pa.date32(),
            ),
            "o_total": pa.array(
                [decimal.Decimal(r.randint(100, 99999)).scaleb(-2) for _ in range(rows)],
                pa.decimal128(12, 2),
            ),
            "o_status": pa.array([r.choice(["F", "O", "P"]) for _ in range(rows)]),
            "o_comment": pa.array(_nulls([f"comment {i}" for i in range(rows)], 4)),
        }
    )


# Writer settings for the all-types file: how Quiver must decode each of them the same.
VARIANTS: Dict[str, Dict[str, Any]] = {
    "snappy": {},
    "zstd_v2_pages": {"compression": "zstd", "data_page_version": "2.0"},
    "gzip_plain": {"compression": "gzip", "use_dictionary": False},
    "lz4_no_stats": {"compression": "lz4", "write_statistics": False},
    # The node's default decoder (Arrow C++ through the JNI) has no Brotli; the Java one reads it.
    "brotli": {"compression": "brotli"},
    "uncompressed_delta": {
        "compression": "none",
        "use_dictionary": False,
        "column_encoding": {
            "id": "DELTA_BINARY_PACKED",
            "i32": "DELTA_BINARY_PACKED",
            "f64": "BYTE_STREAM_SPLIT",
            "f32": "BYTE_STREAM_SPLIT",
            "str": "DELTA_LENGTH_BYTE_ARRAY",
            "bin": "DELTA_BYTE_ARRAY",
        },
    },
}


def write_all(root: Path) -> Dict[str, Path]:
    """Writes every file under ``root``; returns table name -> file (or directory)."""
    files: Dict[str, Path] = {}
    types = all_types()
    for name, options in VARIANTS.items():
        path = root / f"types_{name}.parquet"
        pq.write_table(types, path, row_group_size=ROW_GROUP, **options)
        files[f"types_{name}"] = path

    path = root / "arrow_hints.parquet"
    pq.write_table(arrow_hints(), path, row_group_size=100)
    files["arrow_hints"] = path

    path = root / "filters.parquet"
    pq.write_table(filter_table(), path, row_group_size=FILTER_GROUP)
    files["filters"] = path

    path = root / "orders.parquet"
    pq.write_table(orders(), path, row_group_size=500)
    files["orders"] = path

    path = root / "many.parquet"
    pq.write_table(many_row_groups(), path, row_group_size=MANY_RG_GROUP)
    files["many"] = path

    parts = root / "parts"
    parts.mkdir()
    whole = many_row_groups(3000)
    for k in range(3):
        pq.write_table(whole.slice(k * 1000, 1000), parts / f"part-{k}.parquet", row_group_size=400)
    files["parts"] = parts
    return files


def read_expected(path: Path) -> pa.Table:
    """pyarrow's own reading of a file or of a directory's files in name order: the oracle."""
    if path.is_dir():
        return pa.concat_tables(pq.read_table(p) for p in sorted(path.glob("*.parquet")))
    return pq.read_table(path)
