"""`serve` on PostgreSQL while the database is away: it says where it tried and why (never the
password), waits longer each time instead of exiting, and goes on once the database answers:
it migrates the database and then either serves or names the store protocols it lacks.

Needs SWITCHBOARD_TEST_POSTGRES_URL (scripts/test.sh starts a PostgreSQL 15 and sets it); in CI
a missing URL fails the test rather than skipping it.
"""
import os
import re
import signal
import socket
import socketserver
import subprocess
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from conftest import BIN, free_port, wait_for

URL = os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL", "")
if not URL and os.environ.get("CI") != "true":
    pytest.skip("SWITCHBOARD_TEST_POSTGRES_URL is not set (scripts/pg-test-server.sh start)", allow_module_level=True)


def psql(url, sql):
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True, text=True, timeout=30).stdout


class Forwarder(socketserver.ThreadingTCPServer):
    """A loopback TCP relay to the real server: the database 'comes back' when it starts."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, target):
        self.target = target

        class Relay(socketserver.BaseRequestHandler):
            def handle(inner):
                upstream = socket.create_connection(self.target, timeout=10)

                def pump(src, dst):
                    try:
                        while data := src.recv(65536):
                            dst.sendall(data)
                    except OSError:
                        pass
                    finally:
                        for s in (src, dst):
                            try:
                                s.shutdown(socket.SHUT_RDWR)
                            except OSError:
                                pass

                back = threading.Thread(target=pump, args=(upstream, inner.request), daemon=True)
                back.start()
                pump(inner.request, upstream)
                back.join(timeout=10)
                upstream.close()

        super().__init__(("127.0.0.1", port), Relay)


@pytest.fixture
def database():
    """A fresh database on the test server, dropped afterwards; yields its URL."""
    assert URL, "SWITCHBOARD_TEST_POSTGRES_URL is not set"
    name = "sb_e2e_" + uuid.uuid4().hex[:12]
    psql(URL, f"CREATE DATABASE {name}")
    parts = urlsplit(URL)
    yield urlunsplit(parts._replace(path="/" + name))
    psql(URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_serve_waits_for_an_unreachable_database_then_migrates_it(tmp_path, database):
    parts = urlsplit(database)
    password = parts.password
    closed_port = free_port()
    unreachable = urlunsplit(parts._replace(netloc=f"{parts.username}:{password}@127.0.0.1:{closed_port}"))
    config = tmp_path / "switchboard.yaml"
    config.write_text("storage:\n  driver: postgres\n  postgres: {url_env: HUB_DATABASE_URL, tls: disable, connect_timeout: 2s}\n")
    log_path = tmp_path / "serve.log"
    env = dict(os.environ, HUB_DATABASE_URL=unreachable, SWITCHBOARD_ADMIN_PASSWORD="correct-horse-battery")
    env.pop("SWITCHBOARD_CONFIG", None)
    port = free_port()
    with open(log_path, "w+") as log:
        proc = subprocess.Popen(
            [BIN, "serve", "--config", str(config), "--data-dir", str(tmp_path / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL,
        )
        forwarder = None
        try:
            def output():
                log.flush()
                return log_path.read_text()

            failures = lambda: [line for line in output().splitlines() if "cannot reach PostgreSQL" in line]
            wait_for(lambda: len(failures()) >= 3 or proc.poll() is not None, timeout=30, what="three failed attempts")
            assert proc.poll() is None, f"serve exited instead of retrying:\n{output()}"
            lines = failures()
            for line in lines:
                assert f"127.0.0.1:{closed_port}" in line, line
                assert "refused" in line.lower(), line
            waits = [float(m.group(1)) for line in lines if (m := re.search(r"retry_in=(\d+(?:\.\d+)?)s", line))]
            assert len(waits) == len(lines), lines
            assert waits[0] < waits[2], f"the waits grow: {waits}"

            forwarder = Forwarder(closed_port, (parts.hostname, parts.port))
            threading.Thread(target=forwarder.serve_forever, daemon=True).start()

            def healthy():
                try:
                    return requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
                except requests.ConnectionError:
                    return False

            wait_for(lambda: proc.poll() is not None or healthy(), timeout=60, what="serve to go on once the database answers")
            assert int(psql(database, "SELECT count(*) FROM switchboard_migrations").strip()) >= 1, "the database was migrated"
            if proc.poll() is not None:
                # Until the PostgreSQL store keeps everything, serve names what it lacks.
                assert proc.returncode != 0
                assert "does not implement" in output() and "InboxStore" in output(), output()
            text = output()
            assert "PostgreSQL ready" in text, text
            assert password not in text, "the password never reaches the log"
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if forwarder:
                forwarder.shutdown()
                forwarder.server_close()


def test_check_config_names_a_missing_url_without_starting(tmp_path):
    config = tmp_path / "switchboard.yaml"
    config.write_text("storage: {driver: postgres, postgres: {url_env: HUB_NO_SUCH_URL}}\n")
    env = dict(os.environ)
    env.pop("HUB_NO_SUCH_URL", None)
    result = subprocess.run([BIN, "check-config", "--config", str(config)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert "storage.postgres.url_env" in result.stdout + result.stderr
    assert "HUB_NO_SUCH_URL is not set" in result.stdout + result.stderr
