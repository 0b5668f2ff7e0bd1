"""The production server (`make serve-prod`'s gunicorn.conf.py) keeps answering while slow clients dribble requests.

With sync workers, each slow connection held a worker for as long as the client took to send its headers: eight
of them from one client, and no health check was answered for 45 s."""
import os
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SLOW_CONNECTIONS = 16


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_check(port: int, timeout: float) -> float:
    """Seconds /healthz took to answer 200; raises if it did not within `timeout`."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    return time.monotonic() - started


@pytest.fixture
def production_server(tmp_path):
    port = free_port()
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    env = {**os.environ, "SHELFMADE_ENV": "production", "SECRET_KEY": "slow-clients-test-" + "x" * 32,
           "SITE_URL": "http://localhost", "DATABASE_URL": database, "PORT": str(port), "WEB_CONCURRENCY": "2",
           "UPLOAD_FOLDER": str(tmp_path / "uploads")}
    env.pop("REDIS_URL", None)
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([bin_dir / "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health_check(port, timeout=2)
                break
            except (OSError, AssertionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def test_slow_clients_cannot_hold_every_worker(production_server):
    port = production_server
    slow = []
    for n in range(SLOW_CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if n % 2:
            # Headers that never end...
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        else:
            # ...or a body promised and never sent.
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded"
                         b"\r\nContent-Length: 100000\r\n\r\nemail=")
        slow.append(sock)
    try:
        took = []
        for round_ in range(4):
            time.sleep(0.5)
            for n, sock in enumerate(slow):  # a byte now and then keeps each one alive
                sock.sendall(b"X-Slow: %d\r\n" % round_ if n % 2 else b"a")
            took.append(health_check(port, timeout=5))
        assert max(took) < 2, took
    finally:
        for sock in slow:
            sock.close()
