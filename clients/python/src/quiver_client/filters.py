"""Row filters for scans, in Quiver's filter encoding version 1 (``docs/FILTERS.md``).

Build them with :func:`col` and Python operators::

    from quiver_client import col
    f = (col("o_total") > 100) & col("o_status").isin(["F", "O"]) & ~col("o_comment").is_null()

``&`` is AND, ``|`` is OR, ``~`` is NOT (Python's ``and``/``or``/``not`` cannot be overloaded and
raise :class:`TypeError` on a filter). Comparisons take a literal on one side: ``int``, ``float``,
``decimal.Decimal`` (sent as the exact number), ``str``, ``bool``, ``datetime.date`` (sent as
``YYYY-MM-DD``), ``datetime.datetime`` (ISO-8601; a naive value means UTC to the server, an
aware one is that instant), ``datetime.time`` and NumPy scalars. The server converts each literal
to the column's type and refuses one that does not fit.

A filter may also be given as the JSON structure itself (a ``dict``, or a ``str`` of JSON), e.g.
``{"op": ">", "column": "o_total", "value": 100}``; it is sent as it is, and literals inside it
may use the same Python types as above.

Semantics are SQL's: a comparison with a NULL value is NULL, and a row is kept only when the
whole filter is TRUE; so ``~(col("x") < 0)`` does not keep rows where ``x`` is null.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import numbers
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from .errors import InvalidFilter

__all__ = ["Column", "Filter", "FilterLike", "col", "and_", "or_", "not_", "to_json", "dumps"]

FILTER_VERSION = 1


class Filter:
    """A filter expression: an immutable node of the filter encoding (see :meth:`to_json`).

    Combine with ``&``, ``|`` and ``~``; each returns a new :class:`Filter`.
    """

    __slots__ = ("_node",)

    def __init__(self, node: Mapping[str, Any]) -> None:
        if not isinstance(node, Mapping) or "op" not in node:
            raise InvalidFilter(f'A filter node must be a mapping with an "op", got {node!r}')
        self._node: Dict[str, Any] = dict(node)

    def to_json(self) -> Dict[str, Any]:
        """The filter as a JSON-ready ``dict`` (a copy; literals already converted)."""
        node: Dict[str, Any] = json.loads(dumps(self._node), parse_float=decimal.Decimal)
        return node

    def __and__(self, other: "FilterLike") -> "Filter":
        return and_(self, other)

    def __rand__(self, other: "FilterLike") -> "Filter":
        return and_(other, self)

    def __or__(self, other: "FilterLike") -> "Filter":
        return or_(self, other)

    def __ror__(self, other: "FilterLike") -> "Filter":
        return or_(other, self)

    def __invert__(self) -> "Filter":
        return not_(self)

    def __bool__(self) -> bool:
        raise TypeError(
            "A filter has no truth value: combine filters with &, |, ~ (not and, or, not), and"
            " write a < col('x') < b as col('x').between(a, b) or (col('x') > a) & (col('x') < b)"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filter) and dumps(self._node) == dumps(other._node)

    def __hash__(self) -> int:
        return hash(dumps(self._node))

    def __repr__(self) -> str:
        return f"Filter({dumps(self._node)})"


FilterLike = Union[Filter, Mapping[str, Any], str]
"""What a ``filter=`` argument accepts: a :class:`Filter`, a JSON ``dict`` or a JSON string."""


class Column:
    """A column of the scanned table or path, to compare in a filter. Made by :func:`col`.

    Column names are exact and case-sensitive. Only top-level columns can be filtered; list,
    struct, map, binary and some other types can only be tested with :meth:`is_null` /
    :meth:`is_not_null` (the server says so when planning).
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidFilter(f"A column name must be a non-empty string, got {name!r}")
        self.name = name

    def _compare(self, op: str, value: Any) -> Filter:
        if isinstance(value, Column):
            raise InvalidFilter(
                f"Cannot compare column '{self.name}' with column '{value.name}': scan filters"
                " compare a column with a literal"
            )
        if value is None:
            python_op = {"=": "==", "<>": "!="}.get(op, op)
            hint = "is_not_null()" if op == "<>" else "is_null()"
            raise InvalidFilter(
                f"col('{self.name}') {python_op} None: a comparison with NULL is never true;"
                f" use col('{self.name}').{hint}"
            )
        return Filter({"op": op, "column": self.name, "value": literal(value)})

    def __eq__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("=", value)

    def __ne__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("<>", value)

    def __lt__(self, value: Any) -> Filter:
        return self._compare("<", value)

    def __le__(self, value: Any) -> Filter:
        return self._compare("<=", value)

    def __gt__(self, value: Any) -> Filter:
        return self._compare(">", value)

    def __ge__(self, value: Any) -> Filter:
        return self._compare(">=", value)

    __hash__ = None  # type: ignore[assignment]

    def isin(self, values: Iterable[Any]) -> Filter:
        """TRUE where the column equals one of ``values`` (a non-empty collection of literals)."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise InvalidFilter(f"col('{self.name}').isin() takes a list of values, got {values!r}")
        items = list(values)
        if not items:
            raise InvalidFilter(f"col('{self.name}').isin() needs at least one value")
        if any(v is None for v in items):
            raise InvalidFilter(
                f"col('{self.name}').isin() got None: NULL never equals anything;"
                f" add | col('{self.name}').is_null()"
            )
        return Filter({"op": "in", "column": self.name, "values": [literal(v) for v in items]})

    def between(self, low: Any, high: Any) -> Filter:
        """TRUE where ``low <= column <= high`` (both ends included)."""
        if low is None or high is None:
            raise InvalidFilter(f"col('{self.name}').between() needs two non-None bounds")
        return Filter(
            {"op": "between", "column": self.name, "low": literal(low), "high": literal(high)}
        )

    def is_null(self) -> Filter:
        """TRUE where the column is null (works on columns of every type)."""
        return Filter({"op": "is_null", "column": self.name})

    def is_not_null(self) -> Filter:
        """TRUE where the column is not null (works on columns of every type)."""
        return Filter({"op": "is_not_null", "column": self.name})

    def __bool__(self) -> bool:
        raise TypeError(
            f"col('{self.name}') has no truth value: compare it, e.g. col('{self.name}') == True"
        )

    def __repr__(self) -> str:
        return f"col({self.name!r})"


def col(name: str) -> Column:
    """The column ``name``, to build a filter: ``col("o_total") > 100``."""
    return Column(name)


def _node(f: FilterLike) -> Dict[str, Any]:
    if isinstance(f, Filter):
        return f._node
    converted = to_json(f)
    assert converted is not None
    return converted


def _combine(op: str, filters: Iterable[FilterLike]) -> Filter:
    args: List[Dict[str, Any]] = []
    for f in filters:
        if isinstance(f, Column):
            raise InvalidFilter(f"{f!r} is not a filter: compare it with a value first")
        node = _node(f)
        # (a & b) & c is sent as one "and" of three, which keeps deep chains under the server's
        # nesting limit.
        if isinstance(node.get("op"), str) and node["op"].lower() == op and "args" in node:
            args.extend(node["args"])
        else:
            args.append(node)
    if not args:
        raise InvalidFilter(f'"{op}" needs at least one filter')
    return Filter({"op": op, "args": args})


def and_(*filters: FilterLike) -> Filter:
    """TRUE where every filter is TRUE (``and_(a, b, c)`` is ``a & b & c``)."""
    return _combine("and", filters)


def or_(*filters: FilterLike) -> Filter:
    """TRUE where any filter is TRUE (``or_(a, b, c)`` is ``a | b | c``)."""
    return _combine("or", filters)


def not_(f: FilterLike) -> Filter:
    """TRUE where ``f`` is FALSE (NULL stays NULL, so its row is not kept)."""
    if isinstance(f, Column):
        raise InvalidFilter(f"{f!r} is not a filter: compare it with a value first")
    return Filter({"op": "not", "arg": _node(f)})


def literal(value: Any) -> Any:
    """``value`` as a JSON-ready literal of the filter encoding (dates and times as ISO strings,
    ``Decimal`` kept exact); raises :class:`InvalidFilter` for anything else."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise InvalidFilter(f"A filter literal must be a finite number, got {value!r}")
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidFilter(
                f"A filter literal must be a finite number, got {value!r} (JSON has no NaN or"
                " infinity)"
            )
        return float(value)
    if isinstance(value, _dt.datetime):  # before date: a datetime is a date
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        if value.tzinfo is not None:
            raise InvalidFilter(f"A time-of-day literal cannot have a time zone, got {value!r}")
        return value.isoformat()
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # NumPy (and similar) scalars
    if kind is not None and getattr(value, "shape", None) == () and hasattr(value, "item"):
        converted = value.item()
        if kind in "biufU" or (kind == "M" and isinstance(converted, (_dt.date, _dt.datetime))):
            return literal(converted)
        # e.g. a datetime64 in nanoseconds, whose item() is a bare int: refuse rather than guess.
        raise InvalidFilter(f"Unsupported filter literal {value!r} ({type(value).__name__})")
    if isinstance(value, numbers.Real):
        return literal(float(value))
    raise InvalidFilter(
        f"Unsupported filter literal {value!r} ({type(value).__name__}): use a number, str, bool,"
        " Decimal, date, datetime or time"
    )


def to_json(f: Optional[FilterLike]) -> Optional[Dict[str, Any]]:
    """The JSON structure (a ``dict``) of a filter given as a :class:`Filter`, a ``dict`` or a
    JSON string; ``None`` stays ``None``."""
    if f is None:
        return None
    if isinstance(f, Filter):
        return dict(f._node)
    if isinstance(f, Column):
        raise InvalidFilter(f"{f!r} is not a filter: compare it with a value first")
    if isinstance(f, str):
        try:
            parsed = json.loads(f, parse_float=decimal.Decimal)
        except ValueError as e:
            raise InvalidFilter(f"The filter is not valid JSON: {e}") from None
        f = parsed
    if isinstance(f, Mapping):
        if "op" not in f:
            raise InvalidFilter(
                'A filter must be a JSON object with an "op", such as'
                ' {"op": ">", "column": "x", "value": 1}'
            )
        return dict(f)
    raise InvalidFilter(
        f"A filter must be built with col(...), or be a dict or a JSON string; got"
        f" {type(f).__name__}"
    )


def dumps(value: Any) -> str:
    """Compact JSON text of ``value``: like :func:`json.dumps`, but ``Decimal`` numbers are
    written exactly and dates, datetimes, times and NumPy scalars become filter literals."""
    if value is None:
        return "null"
    if isinstance(value, Filter):
        return dumps(value._node)
    if isinstance(value, Mapping):
        parts = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidFilter(f"JSON object keys must be strings, got {k!r}")
            parts.append(json.dumps(k) + ":" + dumps(v))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    lit = literal(value)
    if isinstance(lit, decimal.Decimal):
        return str(lit)  # always a valid JSON number for a finite Decimal, e.g. 10.005, 1E+3
    if isinstance(lit, float):
        return repr(lit)
    return json.dumps(lit)
