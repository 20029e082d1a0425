"""HTTP load for the benches: a real gunicorn on 127.0.0.1 and wrk against it.

Every load run is bounded in time and goes only to the loopback address.
The baseline is a plain JSON view of the same server (`/healthz/live`)
measured in the same run, with the same connections and duration.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, *, workers: int = 4, threads: int = 1, env: dict | None = None,
             app: str = "onetrip.wsgi:application"):
    """Serve OneTrip (or `app`) on a free loopback port; yield its base URL; stop it after."""
    port = free_port()
    proc_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONETRIP_ENV": "test",
        "ONETRIP_DEBUG": "false",
        "ONETRIP_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", app,
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--log-level", "warning", "--no-control-socket",
        ],
        cwd=ROOT, env=proc_env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz/live", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors, timeouts and non-2xx/3xx answers

    def summary(self) -> str:
        return (f"{self.requests:,} requests, {self.requests_per_s:,.0f}/s, "
                f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, {self.errors} errors")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, connections: int = 32, seconds: int = 10, threads: int = 2,
        lua: str | None = None) -> LoadResult:
    """Run wrk (bounded by `seconds`) and parse its --latency report."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
           "--timeout", "5s"]
    script = None
    if lua:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(lua)
        script.close()
        cmd += ["-s", script.name]
    try:
        out = subprocess.run(
            [*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True
        ).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return LoadResult(rps, p50, p99, total, errors)
