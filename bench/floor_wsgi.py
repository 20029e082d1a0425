"""OneTrip's WSGI application, plus the API create's floor for bench_approvals_http.

`POST /bench/floor` takes the body of `POST /api/cases`, checks the bearer
token against the stored digests as the API does, and writes the rows a
submitted single-item application leaves (bench.peers.floor_apply) by hand
in one transaction, on one psycopg connection per worker, answering with a
small JSON. No Django request handling, no rule checked: the least that
serving such a create over HTTP costs on this machine. Bench only: it is
never in OneTrip's URL map.
"""

from __future__ import annotations

import hashlib
import json
import os

import psycopg

from bench.peers import _FloorChain, floor_apply
from onetrip.wsgi import application as onetrip

_connection: psycopg.Connection | None = None


def _conn() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"])
    return _connection


def _answer(start_response, status: str, body: dict) -> list[bytes]:
    out = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(out)))])
    return [out]


def _floor(environ, start_response) -> list[bytes]:
    data = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    conn = _conn()
    with conn.transaction():
        user = conn.execute(
            "SELECT user_id FROM accounts_apitoken WHERE digest = %s AND revoked_at IS NULL",
            (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()
        if user is None:
            return _answer(start_response, "401 Unauthorized", {"detail": "token"})
        case_id = floor_apply(conn, _FloorChain(), fields=json.dumps(data["fields"]), items=1,
                              files=0, materials=list(data["materials"]))
    return _answer(start_response, "201 Created", {"id": case_id, "state": "submitted"})


def application(environ, start_response):
    if environ["PATH_INFO"] == "/bench/floor" and environ["REQUEST_METHOD"] == "POST":
        return _floor(environ, start_response)
    return onetrip(environ, start_response)
