"""The command line on PostgreSQL: `send`, `users`, `queue` and `tester` open the cluster's
database as `serve` does (the URL from the environment named by storage.postgres.url_env),
and what they do is seen by the running nodes at once."""
import json

import requests

from cluster_support import Cluster, require_postgres
from conftest import wait_for
from gateway_standin import RecordingGateway

require_postgres()


def config(port):
    return f"""\
connectors:
  gateway:
    engine: http-gateway
    channels: [sms]
    url: "http://127.0.0.1:{port}/send?to={{to}}&text={{text}}"
    timeout: 5s
channels:
  sms:
    route: [gateway]
dispatcher:
  poll_interval: 200ms
"""


def cli(node, *args, **kwargs):
    """Runs a command with the node's configuration and environment (its database URL)."""
    return node.cli(*args, "--config", node.config, **kwargs)


def test_send_from_the_command_line_is_sent_by_a_running_node():
    with RecordingGateway() as gw, Cluster(config=config(gw.port)) as cluster:
        a = cluster.node()
        out = cli(a, "send", "--to", "sms:+4712345678", "--json", "sent from the command line")
        message_id = json.loads(out.stdout)["message"]["id"]
        assert cluster.sql(f"SELECT count(*) FROM messages WHERE id = '{message_id}'").strip() == "1"
        wait_for(lambda: [r["params"]["text"] for r in gw.snapshot()] == ["sent from the command line"] or None,
                 timeout=30, what="the running node to send it")
        again = cli(a, "send", "--to", "sms:+4712345678", "--idempotency-key", "cli-1", "twice")
        replay = cli(a, "send", "--to", "sms:+4712345678", "--idempotency-key", "cli-1", "twice")
        assert "already queued earlier" in replay.stdout and "already queued earlier" not in again.stdout


def test_users_made_on_the_command_line_log_in_on_every_node():
    with RecordingGateway() as gw, Cluster(config=config(gw.port)) as cluster:
        a = cluster.node()
        b = cluster.node()
        cli(a, "users", "add", "alice", "--password-env", "ALICE_PW", env={"ALICE_PW": "alice-password-123"})
        listed = json.loads(cli(b, "users", "list", "--json").stdout)
        assert {u["username"] for u in listed} == {"admin", "alice"}
        r = requests.post(b.url + "/api/v1/session", json={"username": "alice", "password": "alice-password-123"}, timeout=10)
        assert r.status_code in (200, 201, 204), r.text
        cli(a, "users", "role", "alice", "admin")
        assert cluster.sql("SELECT role FROM users WHERE username = 'alice'").strip() == "admin"


def test_the_queue_on_the_command_line_sees_and_changes_the_clusters_deliveries():
    # The gateway refuses for now (503; retried in an hour): the delivery waits queued.
    with RecordingGateway(status=503) as gw, Cluster(config=config(gw.port) + "  retry_delay: 1h\n") as cluster:
        a = cluster.node()
        sent = a.session().post(a.url + "/api/v1/messages", json={"to": ["sms:+4712345678"], "text": "waiting"}, timeout=30)
        assert sent.status_code == 202, sent.text
        wait_for(lambda: gw.snapshot() or None, timeout=30, what="the first attempt")
        shown = json.loads(cli(a, "queue", "show", "sms:+4712345678", "--json").stdout)
        assert [row["text"] for row in shown["items"]] == ["waiting"]
        cancelled = cli(a, "queue", "cancel", "--min-age", "0s", "--reason", "drill over")
        assert "cancelled 1 delivery" in cancelled.stdout, cancelled.stdout
        assert cluster.sql("SELECT status FROM deliveries").strip() == "cancelled"
        assert json.loads(cli(a, "queue", "show", "sms:+4712345678", "--json").stdout)["items"] == []


def test_the_tester_on_the_command_line_lands_a_message_in_the_clusters_inbox():
    with RecordingGateway() as gw, Cluster(config=config(gw.port)) as cluster:
        a = cluster.node()
        out = cli(a, "tester", "inbound", "--connector", "gateway", "--from", "sms:+4798765432", "--json", "on my way")
        result = json.loads(out.stdout)
        assert result["inbox_item_id"], out.stdout
        items = a.session().get(a.url + "/api/v1/inbox?scope=common", timeout=10).json()["items"]
        assert [i["message"]["text"] for i in items] == ["on my way"]


def test_a_command_without_the_database_url_says_which_variable_is_missing():
    with RecordingGateway() as gw, Cluster(config=config(gw.port)) as cluster:
        a = cluster.node(start=False)
        r = cli(a, "users", "list", env={"HUB_DATABASE_URL": ""}, check=False)
        assert r.returncode != 0
        assert "HUB_DATABASE_URL" in r.stderr, r.stderr
