"""Several real `switchboard serve` processes on one PostgreSQL database: the harness of the
several-nodes tests.

`Cluster` makes a fresh database on the test server (SWITCHBOARD_TEST_POSTGRES_URL, set by
scripts/test.sh), starts nodes on it, each with its own data directory, port and node id,
and drops the database afterwards. Every node reads the same configuration text with the
database URL from its environment, as an operator would deploy them.

Outside CI a missing URL skips the module that imports this; in CI it fails (conftest).
"""
import os
import signal
import subprocess
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import Hub

ADMIN_PASSWORD = "cluster-admin-password"
URL = os.environ.get("SWITCHBOARD_TEST_POSTGRES_URL", "")


def require_postgres():
    """Call at module level: skips outside CI when no test database is set, fails in CI."""
    if not URL and os.environ.get("CI") != "true":
        pytest.skip("SWITCHBOARD_TEST_POSTGRES_URL is not set (scripts/pg-test-server.sh start)", allow_module_level=True)


def psql(url, sql):
    """Runs one statement with psql and returns its unaligned output."""
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True, text=True, timeout=60
    ).stdout


class Node(Hub):
    """One hub process of a cluster: a `Hub` whose configuration puts it on PostgreSQL."""

    def __init__(self, cluster, node_id):
        self.node_id = node_id
        self._dir = tempfile.TemporaryDirectory(prefix=f"switchboard-{node_id}-")
        config = os.path.join(self._dir.name, "switchboard.yaml")
        with open(config, "w") as f:
            f.write(cluster.config_text(node_id))
        env = {"HUB_DATABASE_URL": cluster.database_url, "SWITCHBOARD_ADMIN_PASSWORD": ADMIN_PASSWORD}
        env.update(cluster.env)
        super().__init__(self._dir.name, config=config, env=env)

    def admin_password(self):
        return ADMIN_PASSWORD

    def kill(self):
        """kill -9: no shutdown, no lease handed over, deliveries in flight left claimed."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def cleanup(self):
        try:
            self.stop()
        finally:
            if getattr(self, "log", None):
                self.log.close()
                self.out.close()
            self._dir.cleanup()


class Cluster:
    """A fresh database and the nodes started on it.

    `config` is YAML added to every node's configuration (connectors, routes, topics, …), or
    a function of the node id returning it (a gateway URL naming the node that sends);
    `storage` and `cluster` are written here: the PostgreSQL URL from `HUB_DATABASE_URL`, the
    node's own id, and `lease_ttl`.
    """

    def __init__(self, config="", lease_ttl="15s", env=None, pool_size=10):
        assert URL, "SWITCHBOARD_TEST_POSTGRES_URL is not set"
        self.extra = config
        self.lease_ttl = lease_ttl
        self.pool_size = pool_size
        self.env = dict(env or {})
        self.name = "sb_cluster_" + uuid.uuid4().hex[:12]
        self.database_url = urlunsplit(urlsplit(URL)._replace(path="/" + self.name))
        self.nodes = []

    def config_text(self, node_id):
        return (
            "storage:\n"
            "  driver: postgres\n"
            f"  postgres: {{url_env: HUB_DATABASE_URL, tls: disable, pool_size: {self.pool_size}}}\n"
            "cluster:\n"
            f"  node_id: {node_id}\n"
            f"  lease_ttl: {self.lease_ttl}\n" + (self.extra(node_id) if callable(self.extra) else self.extra)
        )

    def __enter__(self):
        psql(URL, f"CREATE DATABASE {self.name}")
        return self

    def node(self, node_id=None, start=True):
        """Adds a node (named node-a, node-b, … unless given) and starts it unless told not to."""
        n = Node(self, node_id or f"node-{chr(ord('a') + len(self.nodes))}")
        self.nodes.append(n)
        return n.start() if start else n

    def sql(self, statement):
        """Runs SQL on the cluster's database (for assertions on what is stored)."""
        return psql(self.database_url, statement)

    def logs(self):
        """Every node's log, headed by its id: for assertion messages."""
        return "\n".join(f"===== {n.node_id} =====\n{n.logs()}" for n in self.nodes if getattr(n, "log", None))

    def __exit__(self, *exc):
        try:
            for n in self.nodes:
                try:
                    n.cleanup()
                except Exception:
                    pass
        finally:
            psql(URL, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
