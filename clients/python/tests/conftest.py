"""One real Quiver node for the whole session, and Parquet files written here with pyarrow.

The node is the server this repository builds (``flight-server/target``), started as
``bin/quiver serve`` starts it, on a free port of 127.0.0.1 with its own data directory; it is
stopped at the end of the session. ``QUIVER_SERVER_CLASSPATH`` overrides the classpath (e.g. a
copy of the classes, while someone else rebuilds them).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest

import quiver_client

from . import data

REPO = Path(__file__).resolve().parents[3]
START_DEADLINE_S = 90.0
LISTENING = re.compile(r"Quiver listening on grpc\+tcp://(?P<host>[^:\s]+):(?P<port>\d+)")


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        pytest.fail("No java on PATH (and no JAVA_HOME): the tests start a Quiver node", False)
    return java


def _classpath() -> str:
    override = os.environ.get("QUIVER_SERVER_CLASSPATH")
    if override:
        return override
    target = REPO / "flight-server" / "target"
    classes = target / "classes"
    listed = target / "quiver.classpath"
    if (
        not (classes / "io" / "quiver" / "server" / "ServerMain.class").exists()
        or not listed.exists()
    ):
        pytest.fail(
            f"The server is not built ({classes} or {listed} missing). Build it first, e.g."
            " `mvn -B -pl flight-server -am package -DskipTests` (CI runs `mvn -B verify` before"
            " these tests).",
            False,
        )
    return f"{classes}{os.pathsep}{listed.read_text().strip()}"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address (``127.0.0.1:PORT``) of a Quiver node running for this session."""
    with running_node(tmp_path_factory, "node") as address:
        yield address


# The log file of every node a test started, by address (tests grep them for secrets).
NODE_LOGS: Dict[str, Path] = {}


@contextlib.contextmanager
def running_node(
    tmp_path_factory: pytest.TempPathFactory, name: str, *extra_args: str
) -> Iterator[str]:
    """Starts a node (with ``extra_args`` for ``quiver serve``) and stops it at the end."""
    work = tmp_path_factory.mktemp(name)
    log_path = work / "server.log"
    command = [
        _java(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp",
        _classpath(),
        "io.quiver.server.ServerMain",
        "--port",
        "0",
        # No monitoring port: the default (8816) is one port for every node of a run.
        "--http-port",
        "0",
        "--host",
        "127.0.0.1",
        "--data-dir",
        str(work / "data"),
        "--memory",
        "256m",
        # The tests' files live under pytest's temporary directories; nothing else is mountable.
        "--allow-local",
        str(tmp_path_factory.getbasetemp()),
        *extra_args,
    ]
    env = dict(os.environ)
    # What bin/quiver serve sets, so that freed buffers go back to the system.
    env.setdefault("MALLOC_ARENA_MAX", "4")
    env.setdefault("MALLOC_MMAP_THRESHOLD_", "65536")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        address = None
        while address is None:
            m = LISTENING.search(log_path.read_text(errors="replace"))
            if m:
                address = f"{m.group('host')}:{m.group('port')}"
            elif process.poll() is not None:
                pytest.fail(
                    f"The Quiver node exited with {process.returncode} before listening:\n"
                    + _tail(log_path),
                    False,
                )
            elif time.monotonic() > deadline:
                pytest.fail(
                    f"The Quiver node did not listen within {START_DEADLINE_S:.0f} s:\n"
                    + _tail(log_path),
                    False,
                )
            else:
                time.sleep(0.05)
        NODE_LOGS[address] = log_path
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def client(node: str) -> Iterator[quiver_client.QuiverClient]:
    """A client of the session's node (shared: the client is thread-safe)."""
    with quiver_client.connect(node) as c:
        yield c


@pytest.fixture(scope="session")
def lake(
    tmp_path_factory: pytest.TempPathFactory, client: quiver_client.QuiverClient
) -> Dict[str, Path]:
    """The Parquet files of :mod:`tests.data`, written once, mounted at ``/lake`` and defined as
    tables ``lake.<name>`` (a directory ``lake.parts``, too). Maps each name to its file."""
    root = tmp_path_factory.mktemp("lake")
    files = data.write_all(root)
    client.mount("/lake", root.as_uri())
    for name, path in files.items():
        client.create_table(f"lake.{name}", f"/lake/{path.name}")
    return files
