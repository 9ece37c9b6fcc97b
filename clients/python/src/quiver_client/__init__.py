"""Python client for Quiver, the Arrow Flight server that caches decoded Parquet/ORC columns.

::

    import quiver_client as qc

    with qc.connect("localhost:8815") as client:
        orders = client.read_table(
            "sales.orders",
            columns=["o_id", "o_date", "o_total"],
            filter=(qc.col("o_date") >= datetime.date(2024, 1, 1)) & (qc.col("o_total") > 100),
        )                                  # a pyarrow.Table, endpoints fetched in parallel
        df = orders.to_pandas()            # or polars.from_arrow(orders), duckdb.sql(...)
        for batch in client.read_batches("sales.orders"):   # streaming, bounded memory
            ...
        client.tables()                    # the catalog

Built on :mod:`pyarrow.flight`; every failure raises a :class:`QuiverError` subclass.
"""

from .client import DEFAULT_PORT, MountInfo, QuiverClient, TableInfo, connect
from .errors import (
    AlreadyExists,
    Cancelled,
    InvalidFilter,
    InvalidRequest,
    NotFound,
    PathNotFound,
    PermissionDenied,
    QuiverError,
    ResourceExhausted,
    ServerError,
    TableNotFound,
    TimedOut,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)
from .filters import Column, Filter, and_, col, not_, or_

__version__ = "0.1.0"

__all__ = [
    "connect",
    "QuiverClient",
    "TableInfo",
    "MountInfo",
    "DEFAULT_PORT",
    "col",
    "and_",
    "or_",
    "not_",
    "Column",
    "Filter",
    "QuiverError",
    "NotFound",
    "TableNotFound",
    "PathNotFound",
    "InvalidRequest",
    "InvalidFilter",
    "AlreadyExists",
    "ResourceExhausted",
    "Unavailable",
    "Unauthenticated",
    "PermissionDenied",
    "Cancelled",
    "TimedOut",
    "Unimplemented",
    "ServerError",
]
