"""12345 registrations under load, and through a PostgreSQL restart.

1. Throughput and latency: a gunicorn server on 127.0.0.1 (4 sync workers,
   the production settings behind a reverse proxy) and 32 client connections,
   each for a bounded time (a connection the server closes is reopened, as
   HTTP clients do). Plain JSON view (/healthz/live) first, then ticket
   registrations through the JSON API (bearer token) and through Open311
   (api_key). Goals: registrations at >= 25 % of the plain view's requests
   per second, p99 under 100 ms, no errors.
2. Faults: a private PostgreSQL (initdb in a temporary folder, own port, so
   no one else's database is touched) is restarted in the middle of a load
   run. Every ticket that got a success answer must be in the database,
   every refusal must be a 503 (never a 500), and the server must answer
   successes again within seconds of the database's return, by itself.

Needs PostgreSQL's binaries (initdb, pg_ctl) and root (the server runs as the
`postgres` user); without them part 2 is skipped with a note and part 1 runs
on SQLite. Run: python -m bench.bench_hotline_load
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.common import Row, print_table

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECTIONS = 32
# Gunicorn's default sync workers, as deployed behind a buffering reverse proxy
# (nginx): one request at a time per process, so no thread of a worker waits on
# another's lock, and each connection goes to whichever worker is free.
WORKERS = 4
SECONDS = 8.0
PACED_RATE = 40.0
PG_BIN = (
    next(
        (
            p
            for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
            if (p / "initdb").exists()
        ),
        None,
    )
    if Path("/usr/lib/postgresql").exists()
    else None
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the load client: raw HTTP/1.1 over keep-alive connections ----------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    bodies: list[tuple[float, int, bytes]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> int:
        return sum(1 for s in self.statuses if 200 <= s < 300)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def errors(self) -> int:
        return len(self.statuses) - self.ok


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    keep_alive = True
    for line in lines[1:]:
        lower = line.lower()
        if lower.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lower.startswith(b"connection:") and b"close" in lower:
            keep_alive = False
    body = await reader.readexactly(length) if length else b""
    return status, body, keep_alive


async def _worker(
    port: int,
    make_request,
    deadline: float,
    result: Result,
    keep: bool,
    interval: float = 0.0,
    offset: float = 0.0,
) -> None:
    reader = writer = None
    n = 0
    # Paced connections start spread over one interval, not all at once in a burst.
    next_at = time.perf_counter() + offset - interval
    while time.perf_counter() < deadline:
        if interval:
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = make_request(n)
            n += 1
            started = time.perf_counter()
            writer.write(request)
            status, body, keep_alive = await asyncio.wait_for(_read_response(reader), timeout=15)
            took = time.perf_counter() - started
            if not keep_alive:  # as HTTP/1.1 clients do: the next request on a new connection
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            result.statuses.append(0)
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
            continue
        result.latencies.append(took)
        result.statuses.append(status)
        if keep:
            result.bodies.append((time.perf_counter(), status, body))
    if writer is not None:
        writer.close()


def load(
    port: int,
    make_request,
    *,
    seconds: float = SECONDS,
    connections: int = CONNECTIONS,
    keep: bool = False,
    rate: float = 0.0,
) -> Result:
    """Closed loop (each connection sends as soon as it has its answer), or, with `rate`,
    an offered load of `rate` requests per second spread over the connections."""
    result = Result()
    interval = connections / rate if rate else 0.0

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _worker(
                    port,
                    lambda n, i=i: make_request(i * 1_000_000 + n),
                    deadline,
                    result,
                    keep,
                    interval,
                    i * interval / connections,
                )
                for i in range(connections)
            )
        )
        result.elapsed = time.perf_counter() - started

    asyncio.run(main())
    return result


def http(
    method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


APPEALS = [
    "南屿镇旗山湖小区旁边的工地夜间施工，噪音很大，居民无法休息，编号{n}",
    "上街镇榕桥花园小区物业不作为，电梯坏了一个月没人修，编号{n}",
    "甘蔗街道昙石山路路灯不亮已经半个月，晚上很危险，编号{n}",
    "青口镇一家工厂拖欠工人三个月工资，老板联系不上，编号{n}",
]


def api_request(token: str):
    def make(n: int) -> bytes:
        body = json.dumps(
            {
                "kind": "complaint",
                "content": APPEALS[n % 4].format(n=n),
                "citizen_name": "压测",
                "citizen_phone": "13800001234",
            },
            ensure_ascii=False,
        ).encode()
        return http(
            "POST",
            "/api/hotline/tickets",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    return make


def open311_request(key: str, service_code: str):
    def make(n: int) -> bytes:
        body = urlencode(
            {
                "api_key": key,
                "service_code": service_code,
                "address_string": "南屿镇旗山湖小区",
                "description": APPEALS[n % 4].format(n=n),
                "phone": "13800001234",
            }
        ).encode()
        return http(
            "POST",
            "/open311/v2/requests.json",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    return make


# --- servers ---

SETUP = """
from onetrip.accounts.models import Role, UnitKind, User
from onetrip.accounts.services import grant_role, issue_api_token, upsert_unit
from onetrip.hotline import services
from onetrip.hotline.demo import seed_categories
county = upsert_unit(code="county", name="压测县", kind=UnitKind.COUNTY)
hotline = upsert_unit(code="hotline", name="12345", kind=UnitKind.HOTLINE, parent=county)
for code in ("zjj", "cgj", "sthj", "rsj"):
    upsert_unit(code=code, name=code, kind=UnitKind.DEPARTMENT, parent=county)
upsert_unit(code="nanyu", name="南屿镇", kind=UnitKind.TOWNSHIP, parent=county)
seed_categories()
user = User.objects.create_user(username="load-operator", password="x" * 20)
grant_role(user=user, unit=hotline, role=Role.OPERATOR)
_, key = services.issue_open311_key(name="load")
from onetrip.hotline.models import Category
print("TOKEN", issue_api_token(user=user), key,
      Category.objects.get(path="环境保护/环境污染").code)
"""


def server_env(database_url: str, var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONETRIP_")}
    env.update(
        DATABASE_URL=database_url,
        ONETRIP_VAR_DIR=var_dir,
        ONETRIP_ENV="test",
        ONETRIP_DEBUG="false",
        ONETRIP_DISPATCH_MODEL=str(Path(var_dir) / "none.pkl"),
        ONETRIP_DB_CONNECT_TIMEOUT="2",
        DJANGO_SETTINGS_MODULE="onetrip.settings",
    )
    return env


def prepare(env: dict[str, str]) -> tuple[str, str, str]:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("TOKEN"))
    _, token, key, code = line.split()
    return token, key, code


@contextmanager
def gunicorn(env: dict[str, str]):
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and blocks the server.
    log = open(Path(env["ONETRIP_VAR_DIR"]) / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "onetrip.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield port, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


class PrivatePostgres:
    """A throw-away PostgreSQL cluster in a temporary folder, run as the postgres user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="onetrip-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        shutil.chown(self.folder, "postgres", "postgres")

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start(self) -> None:
        if not self.data.exists():
            self._as_postgres(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            )
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.folder / "log"),
            "-o",
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", mode, "stop", check=False
        )

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def can_run_private_postgres() -> str:
    if PG_BIN is None:
        return "PostgreSQL binaries not found"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "needs root to run PostgreSQL as the postgres user"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user"
    return ""


# --- the runs ---


def throughput_rows(port: int, token: str, key: str, code: str, db: str) -> list[Row]:
    plain = load(port, lambda n: http("GET", "/healthz/live"))
    api = load(port, api_request(token))
    o311 = load(port, open311_request(key, code))
    rows = []
    for name, result in (("API", api), ("Open311", o311)):
        ratio = result.rps / plain.rps if plain.rps else 0.0
        rows.append(
            Row(
                f"{name} registrations/s ({db})",
                result.rps,
                "plain JSON view /s",
                plain.rps,
                ratio,
                ">= 0.25x",
                ratio >= 0.25 and result.errors == 0,
                unit="req/s",
                note=f"{result.ok} tickets in {result.elapsed:.1f}s, "
                f"{result.errors} errors, p50 {result.p(0.5) * 1000:.0f} ms",
            )
        )
        rows.append(
            Row(
                f"{name} registration p99 ({db})",
                result.p(0.99),
                "plain JSON p99",
                plain.p(0.99),
                plain.p(0.99) / result.p(0.99) if result.p(0.99) else 0,
                "< 100 ms",
                result.p(0.99) < 0.1,
            )
        )
    # A county's peak is a few tickets a second: latency at an offered load well below
    # saturation says what operators and clients feel; reported beside the goal above.
    paced_rate = PACED_RATE
    for name, make in (("API", api_request(token)), ("Open311", open311_request(key, code))):
        paced = load(port, make, rate=paced_rate)
        rows.append(
            Row(
                f"{name} p99 at {paced_rate:g} registrations/s offered ({db})",
                paced.p(0.99),
                "closed-loop p99",
                (api if name == "API" else o311).p(0.99),
                0.0,
                "(reported)",
                paced.errors == 0,
                note=f"{paced.ok} tickets, {paced.errors} errors, p50 {paced.p(0.5) * 1000:.0f} ms",
            )
        )
    return rows


def fault_rows() -> list[Row]:
    reason = can_run_private_postgres()
    if reason:
        return [
            Row(
                "PostgreSQL restart under load",
                0,
                "-",
                0,
                0,
                "(skipped)",
                True,
                unit="",
                note=f"skipped: {reason}",
            )
        ]
    pg = PrivatePostgres()
    var = tempfile.mkdtemp(prefix="onetrip-load-")
    try:
        pg.start()
        env = server_env(pg.url(), var)
        token, _key, _code = prepare(env)
        with gunicorn(env) as (port, _proc):
            load(port, api_request(token), seconds=1.0)  # warm up
            restart_at: dict[str, float] = {}

            def restart() -> None:
                time.sleep(3.0)
                restart_at["down"] = time.perf_counter()
                pg.stop("fast")
                time.sleep(2.0)
                pg.start()
                restart_at["up"] = time.perf_counter()

            import threading

            thread = threading.Thread(target=restart)
            thread.start()
            result = load(port, api_request(token), seconds=14.0, keep=True)
            thread.join()
        answered = [json.loads(b)["number"] for _, s, b in result.bodies if s == 201]
        statuses = {s for _, s, _ in result.bodies}
        bad = sorted(s for s in statuses if s not in (201, 503))
        first_ok_after = min(
            (t for t, s, _ in result.bodies if s == 201 and t > restart_at["up"]), default=None
        )
        recovery = (first_ok_after - restart_at["up"]) if first_ok_after else float("inf")
        check = subprocess.run(
            [
                PYTHON,
                "manage.py",
                "shell",
                "-c",
                "import sys, json; from onetrip.hotline.models import Ticket; "
                "wanted = set(json.load(sys.stdin)); "
                "found = set(Ticket.objects.filter(number__in=wanted).values_list('number', "
                "flat=True)); print('MISSING', len(wanted - found))",
            ],
            cwd=ROOT,
            env=env,
            input=json.dumps(answered),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        missing = int(check.split("MISSING")[1])
        refused = sum(1 for _, s, _ in result.bodies if s == 503)
        dropped = sum(1 for s in result.statuses if s == 0)
        return [
            Row(
                "tickets answered 201 but missing",
                missing,
                "tickets answered 201",
                len(answered),
                0,
                "0",
                missing == 0,
                unit="",
            ),
            Row(
                "answers other than 201/503",
                len(bad),
                "503 answers",
                refused,
                0,
                "0 (no 500)",
                not bad,
                unit="",
                note=f"statuses seen {sorted(statuses)}; "
                f"{dropped} connections dropped by the restart",
            ),
            Row(
                "first success after PostgreSQL is back",
                recovery,
                "restart took",
                restart_at["up"] - restart_at["down"],
                0,
                "< 5 s",
                recovery < 5.0,
            ),
        ]
    finally:
        pg.remove()
        shutil.rmtree(var, ignore_errors=True)


def run() -> list[Row]:
    var = tempfile.mkdtemp(prefix="onetrip-load-")
    rows: list[Row] = []
    try:
        reason = can_run_private_postgres()
        if reason:
            env = server_env(f"sqlite:///{var}/load.sqlite3", var)
            db = "SQLite"
            pg = None
        else:
            pg = PrivatePostgres()
            pg.start()
            env = server_env(pg.url(), var)
            db = "PostgreSQL"
        try:
            token, key, code = prepare(env)
            with gunicorn(env) as (port, _proc):
                load(port, lambda n: http("GET", "/healthz/live"), seconds=1.0)  # warm up
                rows += throughput_rows(port, token, key, code, db)
        finally:
            if pg is not None:
                pg.remove()
    finally:
        shutil.rmtree(var, ignore_errors=True)
    print_table(f"12345 registrations under load ({CONNECTIONS} connections, 127.0.0.1)", rows)
    faults = fault_rows()
    print_table("12345 registrations through a PostgreSQL restart", faults)
    return rows + faults


if __name__ == "__main__":
    run()
