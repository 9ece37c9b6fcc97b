"""Table comparison for the tests."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def assert_tables_equal(got: pa.Table, expected: pa.Table) -> None:
    """Schema and values equal (NaN equal to NaN), naming the first column that differs."""
    assert got.schema == expected.schema, f"schema\n{got.schema}\n!=\n{expected.schema}"
    assert got.num_rows == expected.num_rows, (got.num_rows, expected.num_rows)
    for name in expected.column_names:
        a, b = got.column(name), expected.column(name)
        if pa.types.is_floating(a.type):
            assert pc.is_nan(a).equals(pc.is_nan(b)), f"column {name!r}: NaNs differ"
            a = pc.if_else(pc.is_nan(a), 0.0, a)
            b = pc.if_else(pc.is_nan(b), 0.0, b)
        assert a.equals(b), f"column {name!r} differs"
