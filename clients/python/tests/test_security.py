"""A node with authentication, through quiver_client and plain pyarrow.flight: logins, tokens and
roles as a Python user meets them."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Iterator

import bcrypt
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

import quiver_client

from . import data
from .conftest import NODE_LOGS, running_node

ADMIN_PASSWORD = "py-admin-" + secrets.token_hex(8)
READER_PASSWORD = "py-reader-" + secrets.token_hex(8)
TOKEN = secrets.token_urlsafe(32)


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A node with an admin, a reader and a reader token; /lake holds the orders file."""
    root = tmp_path_factory.mktemp("secure-lake")
    orders = root / "orders.parquet"
    pq.write_table(data.orders(), orders)
    config = tmp_path_factory.mktemp("secure-config") / "quiver.json"
    config.write_text(
        json.dumps(
            {
                "users": {
                    "ada": {"password": _hash(ADMIN_PASSWORD), "roles": ["admin"]},
                    "rex": {"password": _hash(READER_PASSWORD), "roles": ["reader"]},
                },
                "tokens": {
                    "jobs": {"sha256": hashlib.sha256(TOKEN.encode()).hexdigest(), "roles": ["reader"]}
                },
            }
        )
    )
    with running_node(tmp_path_factory, "secure-node", "--config", str(config)) as address:
        with quiver_client.connect(address, user="ada", password=ADMIN_PASSWORD) as admin:
            admin.mount("/lake", root.as_uri())
            admin.create_table("lake.orders", "/lake/orders.parquet")
        yield {"address": address, "orders": orders}


def test_no_credentials_are_refused(secure: dict) -> None:
    with quiver_client.connect(secure["address"]) as anonymous:
        with pytest.raises(quiver_client.Unauthenticated):
            anonymous.read_table("lake.orders")


def test_wrong_password_and_unknown_user_look_the_same(secure: dict) -> None:
    messages = []
    for user in ("rex", "nobody"):
        with quiver_client.connect(secure["address"], user=user, password="wrong") as c:
            with pytest.raises(quiver_client.Unauthenticated) as e:
                c.tables()
            messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_a_reader_reads_the_same_rows_as_pyarrow(secure: dict) -> None:
    with quiver_client.connect(secure["address"], user="rex", password=READER_PASSWORD) as c:
        got = c.read_table("lake.orders")
    assert got.equals(pq.read_table(secure["orders"]))


def test_a_reader_cannot_change_the_catalog(secure: dict) -> None:
    with quiver_client.connect(secure["address"], user="rex", password=READER_PASSWORD) as c:
        with pytest.raises(quiver_client.PermissionDenied) as e:
            c.drop_table("lake.orders")
        assert "admin role" in str(e.value)
        assert [t.name for t in c.tables()] == ["lake.orders"]


def test_an_api_token_reads(secure: dict) -> None:
    with quiver_client.connect(secure["address"], token=TOKEN) as c:
        assert c.read_table("lake.orders", columns=["o_id"]).num_rows == data.orders().num_rows


def test_pyarrow_basic_token_handshake(secure: dict) -> None:
    client = flight.FlightClient(f"grpc+tcp://{secure['address']}")
    try:
        header = client.authenticate_basic_token("rex", READER_PASSWORD)
        options = flight.FlightCallOptions(headers=[header])
        assert header[1].startswith(b"Bearer ")
        flights = list(client.list_flights(options=options))
        assert len(flights) == 1
    finally:
        client.close()


def test_credentials_are_checked_before_sending(secure: dict) -> None:
    with pytest.raises(ValueError):
        quiver_client.connect(secure["address"], user="rex")
    with pytest.raises(ValueError):
        quiver_client.connect(secure["address"], user="rex", password="x", token="y")


def test_no_secret_reaches_the_node_log(secure: dict) -> None:
    # Runs last in this module: every login above, right and wrong, has been logged by now.
    with quiver_client.connect(secure["address"], user="rex", password="canary-wrong-pw") as c:
        with pytest.raises(quiver_client.Unauthenticated):
            c.tables()
    log = NODE_LOGS[secure["address"]].read_text(errors="replace")
    assert "Authentication on" in log
    for secret in (ADMIN_PASSWORD, READER_PASSWORD, TOKEN, "canary-wrong-pw"):
        assert secret not in log
