"""Filter encoding, error translation and addresses, without a node."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import numpy as np
import pyarrow as pa
import pyarrow.flight as flight
import pytest

import quiver_client as qc
from quiver_client import and_, col, not_, or_
from quiver_client.client import _location, _scan_command
from quiver_client.errors import translate
from quiver_client.filters import dumps, to_json


def j(f):
    return json.loads(dumps(to_json(f)))


def test_comparisons_encode_as_documented():
    assert j(col("a") > 5) == {"op": ">", "column": "a", "value": 5}
    assert j(col("a") == "x") == {"op": "=", "column": "a", "value": "x"}
    assert j(col("a") != 1.5) == {"op": "<>", "column": "a", "value": 1.5}
    assert j(5 < col("a")) == {"op": ">", "column": "a", "value": 5}  # reflected
    assert j(col("a") <= True) == {"op": "<=", "column": "a", "value": True}
    assert j(col("a").isin(("x", "y"))) == {"op": "in", "column": "a", "values": ["x", "y"]}
    assert j(col("a").between(1, 2)) == {"op": "between", "column": "a", "low": 1, "high": 2}
    assert j(col("a").is_null()) == {"op": "is_null", "column": "a"}
    assert j(col("a").is_not_null()) == {"op": "is_not_null", "column": "a"}


def test_boolean_operators_flatten_and_nest():
    a, b, c = col("a") > 1, col("b") < 2, col("c") == 3
    assert j(a & b & c) == {"op": "and", "args": [j(a), j(b), j(c)]}
    assert j((a | b) & c) == {"op": "and", "args": [{"op": "or", "args": [j(a), j(b)]}, j(c)]}
    assert j(~a) == {"op": "not", "arg": j(a)}
    assert j(and_(a, {"op": "is_null", "column": "d"})) == {
        "op": "and",
        "args": [j(a), {"op": "is_null", "column": "d"}],
    }
    assert j(or_(a)) == {"op": "or", "args": [j(a)]}
    assert j(not_(not_(a))) == {"op": "not", "arg": {"op": "not", "arg": j(a)}}
    assert j({"op": "=", "column": "x", "value": 1} & a) == {
        "op": "and",
        "args": [{"op": "=", "column": "x", "value": 1}, j(a)],
    }


def test_literals_are_exact():
    assert dumps(col("d") < decimal.Decimal("10.005")) == '{"op":"<","column":"d","value":10.005}'
    assert dumps(col("d") > decimal.Decimal("1E+30")) == '{"op":">","column":"d","value":1E+30}'
    big = 2**70
    assert dumps(col("x") < big) == '{"op":"<","column":"x","value":%d}' % big
    assert dumps(col("f") == 0.1) == '{"op":"=","column":"f","value":0.1}'


def test_dates_times_and_numpy_literals():
    assert j(col("d") >= dt.date(2024, 1, 31))["value"] == "2024-01-31"
    assert (
        j(col("t") < dt.datetime(2024, 1, 31, 12, 0, 0, 123456))["value"]
        == "2024-01-31T12:00:00.123456"
    )
    aware = dt.datetime(2024, 1, 31, 14, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert j(col("t") < aware)["value"] == "2024-01-31T14:00:00+02:00"
    assert j(col("t") < dt.time(8, 30))["value"] == "08:30:00"
    assert j(col("i") == np.int64(7))["value"] == 7
    assert j(col("f") > np.float32(0.5))["value"] == 0.5
    assert j(col("b") == np.bool_(True))["value"] is True
    assert j(col("d") == np.datetime64("2024-02-03"))["value"] == "2024-02-03"
    # Raw dicts may hold the same Python values.
    raw = {
        "op": "between",
        "column": "d",
        "low": dt.date(2024, 1, 1),
        "high": decimal.Decimal("2.50"),
    }
    assert dumps(raw) == '{"op":"between","column":"d","low":"2024-01-01","high":2.50}'


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: col("a") == None, r"use col\('a'\)\.is_null\(\)"),  # noqa: E711
        (lambda: col("a") != None, r"use col\('a'\)\.is_not_null\(\)"),  # noqa: E711
        (lambda: col("a") > float("nan"), "finite"),
        (lambda: col("a") > decimal.Decimal("Infinity"), "finite"),
        (lambda: col("a") == col("b"), "compare a column with a literal"),
        (lambda: col("a").isin([]), "at least one value"),
        (lambda: col("a").isin("abc"), "list of values"),
        (lambda: col("a").isin([1, None]), "NULL never equals"),
        (lambda: col("a") == [1, 2], "Unsupported filter literal"),
        (lambda: col("a") == b"x", "Unsupported filter literal"),
        (lambda: col("a") == np.datetime64("2024-01-01T00:00:00.000000001"), "Unsupported"),
        (lambda: col(""), "non-empty"),
        (lambda: to_json(42), "must be built with col"),
        (lambda: to_json({"column": "a"}), '"op"'),
        (lambda: to_json(col("a")), "not a filter"),
        (lambda: col("a") & (col("b") > 1), "not a filter"),
    ],
)
def test_filters_that_cannot_be_encoded(make, message):
    with pytest.raises(qc.InvalidFilter, match=message) as e:
        make()
    assert e.value.code is None
    assert isinstance(e.value, qc.InvalidRequest) and isinstance(e.value, ValueError)


def test_filters_have_no_truth_value():
    with pytest.raises(TypeError, match="&, |, ~"):
        bool(col("a") > 1)
    with pytest.raises(TypeError, match="between"):
        if 1 < col("a") < 5:
            pass
    with pytest.raises(TypeError):
        (col("a") > 1) and (col("b") > 1)
    with pytest.raises(TypeError):
        bool(col("a"))


def test_filters_compare_by_value():
    assert (col("a") > 1) == (col("a") > 1)
    assert (col("a") > 1) != (col("a") > 2)
    assert len({col("a") > 1, col("a") > 1}) == 1
    assert repr(col("a") > 1) == 'Filter({"op":">","column":"a","value":1})'
    assert repr(col("a")) == "col('a')"


def test_scan_command():
    cmd, where = _scan_command("sales.orders", ["a", "b"], col("a") > 1, True)
    assert cmd == {
        "table": "sales.orders",
        "columns": ["a", "b"],
        "filter": {"op": ">", "column": "a", "value": 1},
        "filter_version": 1,
    }
    assert where == {"table": "sales.orders"}
    cmd, where = _scan_command("/lake/x", None, None, False)
    assert cmd == {"path": "/lake/x", "exact": False} and where == {"path": "/lake/x"}
    with pytest.raises(qc.InvalidRequest, match="not a string"):
        _scan_command("t", "a", None, True)
    with pytest.raises(qc.InvalidRequest, match="table name"):
        _scan_command("", None, None, True)


def test_addresses():
    assert _location("localhost") == "grpc+tcp://localhost:8815"
    assert _location("h:9000") == "grpc+tcp://h:9000"
    assert _location("[::1]:9000") == "grpc+tcp://[::1]:9000"
    assert _location("[::1]") == "grpc+tcp://[::1]:8815"
    assert _location("grpc+tls://h:1") == "grpc+tls://h:1"
    for bad in ("", "http://h:1", "::1", "h:port"):
        with pytest.raises(qc.InvalidRequest):
            _location(bad)
    with pytest.raises(qc.InvalidRequest):
        qc.connect("h", parallelism=0)


SUFFIX = (
    ". gRPC client debug context: UNKNOWN:Error received from peer ipv4:127.0.0.1:1"
    " {grpc_status:3}. Client context: IOError: Server never sent a data message. Detail: Internal"
)


@pytest.mark.parametrize(
    "error, cls, code, message",
    [
        (
            pa.ArrowKeyError(
                "Flight returned not found error, with message: Table t.x does not exist"
            ),
            qc.TableNotFound,
            "NOT_FOUND",
            "Table t.x does not exist",
        ),
        (
            pa.ArrowKeyError("Flight returned not found error, with message: File /a/b is gone"),
            qc.NotFound,
            "NOT_FOUND",
            "File /a/b is gone",
        ),
        (
            pa.ArrowInvalid(
                "Flight returned invalid argument error, with message: Bad. thing" + SUFFIX
            ),
            qc.InvalidRequest,
            "INVALID_ARGUMENT",
            "Bad. thing",
        ),
        (
            pa.ArrowException(
                "Unknown: Flight returned already exists error, with message: Table t.x already"
                " exists"
            ),
            qc.AlreadyExists,
            "ALREADY_EXISTS",
            "Table t.x already exists",
        ),
        (
            pa.ArrowException("Flight failed with error code 8 and message: Cache is full"),
            qc.ResourceExhausted,
            "RESOURCE_EXHAUSTED",
            "Cache is full",
        ),
        (
            flight.FlightUnavailableError(
                "Flight returned unavailable error, with message: failed to connect"
            ),
            qc.Unavailable,
            "UNAVAILABLE",
            "failed to connect",
        ),
        (
            flight.FlightCancelledError("Flight cancelled call, with message: Cancelled"),
            qc.Cancelled,
            "CANCELLED",
            "Cancelled",
        ),
        (
            flight.FlightTimedOutError(
                "Flight returned timeout error, with message: Deadline Exceeded"
            ),
            qc.TimedOut,
            "DEADLINE_EXCEEDED",
            "Deadline Exceeded",
        ),
        (
            flight.FlightInternalError(
                "Flight returned internal error, with message: Corrupt file /x"
            ),
            qc.ServerError,
            "INTERNAL",
            "Corrupt file /x",
        ),
        (
            flight.FlightUnauthenticatedError(
                "Flight returned unauthenticated error, with message: who?"
            ),
            qc.Unauthenticated,
            "UNAUTHENTICATED",
            "who?",
        ),
        (
            flight.FlightUnauthorizedError("Flight returned unauthorized error, with message: no"),
            qc.PermissionDenied,
            "PERMISSION_DENIED",
            "no",
        ),
        (
            flight.FlightServerError(
                "Flight RPC failed with message: Application error processing RPC"
            ),
            qc.ServerError,
            "INTERNAL",
            "Application error processing RPC",
        ),
    ],
)
def test_flight_errors_translate(error, cls, code, message):
    got = translate(error, table="t.x")
    assert type(got) is cls
    assert (got.code, str(got)) == (code, message)


def test_other_errors_are_left_alone():
    e = pa.ArrowInvalid("Schema at index 1 was different")
    assert translate(e) is e
    k = KeyError("x")
    assert translate(k) is k
