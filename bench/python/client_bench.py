"""pandas as a benchmark client, run by the harness (bench/run) with clients/python's virtualenv.

The same reads into a pandas DataFrame three ways, repetitions interleaved (rotating which goes
first):

- ``pandas-quiver-warm``: ``quiver_client.read_table`` of the benchmark table on the node (its cache
  warmed by one unmeasured read per workload), then ``to_pandas()``;
- ``pandas-pyarrow-s3@s3-shaped``: ``pyarrow.parquet.read_table`` of the same objects through
  pyarrow's S3 file system behind the S3-shaped proxy, then ``to_pandas()``;
- ``pandas-pyarrow-local``: ``pyarrow.parquet.read_table`` of the same files on local disk.

Workloads: ``pandas-full`` (every column) and ``pandas-proj4`` (l_returnflag, l_linestatus,
l_quantity, l_extendedprice); each run also reports its read into an Arrow table alone as
``arrow-full`` / ``arrow-proj4``. Before the measured runs every reader's table is compared with the
local read (sorted by the table's key, value by value); a difference exits 1. Results go to
``--out`` as JSON in the harness's external-client format::

    {"results": [{"contender", "workload", "repetition", "wallNanos", "rows", "cpuNanos"}],
     "notes": [...], "startSeconds": s}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

# S3Proxy (the benchmark's store) rejects the "x-amz-checksum-mode" header that newer AWS SDKs
# send on GetObject by default; real S3 accepts it. Ask the SDK (before pyarrow initialises it) to
# validate response checksums only when an operation requires them, as the Java contenders do.
os.environ.setdefault("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import quiver_client  # noqa: E402

PROJ4 = ["l_returnflag", "l_linestatus", "l_quantity", "l_extendedprice"]
WORKLOADS = {"pandas-full": None, "pandas-proj4": PROJ4}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quiver", required=True, help="host:port of the node")
    p.add_argument("--table", required=True)
    p.add_argument("--s3-endpoint", required=True, help="http://host:port of the S3-shaped proxy")
    p.add_argument("--bucket", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--local-dir", required=True, help="the same Parquet files on local disk")
    p.add_argument("--access-key-env", required=True)
    p.add_argument("--secret-key-env", required=True)
    p.add_argument("--repetitions", type=int, required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)

    access, secret = os.environ.get(a.access_key_env), os.environ.get(a.secret_key_env)
    if not access or not secret:
        print("client_bench: the S3 key variables are not set", file=sys.stderr)
        return 2
    endpoint = a.s3_endpoint.split("://", 1)
    s3 = pafs.S3FileSystem(
        access_key=access,
        secret_key=secret,
        endpoint_override=endpoint[-1],
        scheme=endpoint[0] if len(endpoint) == 2 else "http",
        region="us-east-1",
        force_virtual_addressing=False,
    )
    s3_path = a.bucket + "/" + a.prefix.strip("/")
    local_files = sorted(
        os.path.join(a.local_dir, f) for f in os.listdir(a.local_dir) if f.endswith(".parquet")
    )
    if not local_files:
        print(f"client_bench: no .parquet files in {a.local_dir}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    quiver = quiver_client.connect(a.quiver)
    start_seconds = time.perf_counter() - start
    readers = {
        "pandas-quiver-warm": lambda cols: quiver.read_table(a.table, columns=cols),
        "pandas-pyarrow-s3@s3-shaped": lambda cols: pq.read_table(
            s3_path, columns=cols, filesystem=s3
        ),
        "pandas-pyarrow-local": lambda cols: pq.read_table(local_files, columns=cols),
    }
    results = []
    try:
        # Warm the node's cache and check every reader against the local read.
        for workload, cols in WORKLOADS.items():
            reference = None
            for name, read in readers.items():
                table = read(cols)
                if reference is None:
                    reference = _canonical(table)
                    continue
                mismatch = _difference(reference, _canonical(table))
                if mismatch:
                    print(f"client_bench: {name} {workload}: {mismatch}", file=sys.stderr)
                    return 1
        order = list(readers)
        for rep in range(a.repetitions):
            for workload, cols in WORKLOADS.items():
                for i in range(len(order)):
                    name = order[(i + rep) % len(order)]
                    cpu0, t0 = time.process_time_ns(), time.perf_counter_ns()
                    table = readers[name](cols)
                    cpu1, t1 = time.process_time_ns(), time.perf_counter_ns()
                    df = table.to_pandas()
                    cpu2, t2 = time.process_time_ns(), time.perf_counter_ns()
                    # The same run twice: to a DataFrame (what the target is about), and the read
                    # into an Arrow table alone ("arrow-*"), the part the store or Quiver decides.
                    for wl, wall, cpu in (
                        (workload, t2 - t0, cpu2 - cpu0),
                        ("arrow-" + workload.removeprefix("pandas-"), t1 - t0, cpu1 - cpu0),
                    ):
                        results.append(
                            {
                                "contender": name,
                                "workload": wl,
                                "repetition": rep,
                                "wallNanos": wall,
                                "rows": len(df),
                                "cpuNanos": cpu,
                            }
                        )
                    print(
                        f"{name} {workload} rep {rep}: {(t2 - t0) / 1e6:.1f} ms"
                        f" ({(t1 - t0) / 1e6:.1f} ms to Arrow)",
                        flush=True,
                    )
                    del df, table
    finally:
        quiver.close()

    notes = [
        f"pandas {_version('pandas')}, pyarrow {pa.__version__}, Python {sys.version.split()[0]};"
        " each run ends with a pandas DataFrame (to_pandas() measured). pandas-quiver-warm reads"
        f" table {a.table} with quiver_client (its default: 4 endpoints fetched in parallel);"
        " pandas-pyarrow-* use pyarrow.parquet.read_table with its default threads."
        " Every reader's table was compared value by value with the local read before the runs.",
    ]
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"results": results, "notes": notes, "startSeconds": start_seconds}, f, indent=1)
    return 0


def _canonical(table: pa.Table) -> pa.Table:
    """The table with plain (non-dictionary) columns in a row order that does not depend on reads."""
    table = table.combine_chunks()
    keys = [c for c in ("l_orderkey", "l_linenumber") if c in table.column_names]
    if not keys:
        keys = table.column_names
    return table.sort_by([(k, "ascending") for k in keys])


def _difference(expected: pa.Table, actual: pa.Table) -> str | None:
    if expected.column_names != actual.column_names:
        return f"columns {actual.column_names} instead of {expected.column_names}"
    if expected.num_rows != actual.num_rows:
        return f"{actual.num_rows} rows instead of {expected.num_rows}"
    for name in expected.column_names:
        e, g = expected.column(name), actual.column(name)
        if g.type != e.type:
            try:
                g = g.cast(e.type)
            except pa.ArrowInvalid:
                return f"column {name}: type {g.type} instead of {e.type}"
        if not e.equals(g):
            diff = pc.invert(pc.fill_null(pc.equal(e, g), False))
            first = pc.index(diff, True).as_py()
            return f"column {name} differs first at sorted row {first}: {g[first]} != {e[first]}"
    return None


def _version(module: str) -> str:
    try:
        return __import__(module).__version__
    except ImportError:
        return "?"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
