"""Graceful shutdown drains: SIGTERM while a slow gateway holds sends in flight, then prove
that the hub let them finish and recorded them (no delivery left `sending`), put back what
it had claimed but not started, and after a restart sent every message exactly once
(counted at the gateway stand-in)."""
import collections
import os
import signal
import sqlite3
import textwrap

from conftest import Hub, wait_for
from gateway_standin import RecordingGateway

MESSAGES = 60
WORKERS = 4


def config(path, port):
    path.write_text(textwrap.dedent(f"""\
        connectors:
          gateway:
            engine: http-gateway
            channels: [sms]
            url: "http://127.0.0.1:{port}/send?to={{to}}&text={{text}}&ref={{id}}"
            timeout: 10s
        channels:
          sms:
            route: [gateway]
        dispatcher:
          workers: {WORKERS}
          poll_interval: 200ms
          shutdown_grace: 20s
        """))
    return str(path)


def statuses(data_dir):
    db = sqlite3.connect(os.path.join(data_dir, "switchboard.sqlite"))
    try:
        return dict(db.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())
    finally:
        db.close()


def test_sigterm_under_load_finishes_sends_in_flight_and_sends_nothing_twice(tmp_path):
    with RecordingGateway(delay=0.4) as gw:
        cfg = config(tmp_path / "switchboard.yaml", gw.port)
        hub = Hub(str(tmp_path), config=cfg).start()
        try:
            api = hub.session()
            batch = {"messages": [{"to": [f"sms:+47{41000000 + i}"], "text": f"alert {i}"} for i in range(MESSAGES)]}
            r = api.post(hub.url + "/api/v1/messages/batch", json=batch)
            assert r.status_code == 202, r.text
            # Every worker is waiting on the slow gateway: sends are in flight.
            wait_for(lambda: len(gw.snapshot()) >= WORKERS, what="sends in flight at the gateway")
            hub.proc.send_signal(signal.SIGTERM)
            assert hub.proc.wait(timeout=30) == 0, hub.logs()
        finally:
            if hub.proc.poll() is None:
                hub.proc.kill()
                hub.proc.wait()
        at_stop = len(gw.snapshot())
        assert 0 < at_stop < MESSAGES, at_stop

        after = statuses(str(tmp_path))
        assert "sending" not in after, after
        # Everything the gateway got is recorded as sent; the rest waits in the queue.
        assert after.get("sent", 0) == at_stop, (after, at_stop)
        assert after.get("queued", 0) == MESSAGES - at_stop, after
        assert "grace period over" not in hub.logs()

        hub2 = Hub(str(tmp_path), config=cfg).start()
        try:
            wait_for(lambda: len(gw.snapshot()) >= MESSAGES or None, timeout=60, what="every message at the gateway")
            wait_for(lambda: statuses(str(tmp_path)).get("sent") == MESSAGES or None, what="every delivery sent")
            assert "requeued deliveries left in flight" not in hub2.logs()
        finally:
            hub2.stop()
        counts = collections.Counter(r["params"]["ref"] for r in gw.snapshot())
        assert len(counts) == MESSAGES and max(counts.values()) == 1, [ref for ref, n in counts.items() if n > 1]
