"""Nothing lost: SIGKILL the hub in the middle of dispatch, restart it, and prove every
accepted message reached the gateway at least once, with duplicates bounded by the sends
that were in flight at the kill: sends whose outcome was not committed yet, which the
dispatcher caps at 8 per worker (`OutboxDispatcher.maxUnrecorded`)."""
import collections
import concurrent.futures
import os
import signal
import textwrap
import time

import requests

from conftest import Hub, wait_for
from gateway_standin import RecordingGateway

MESSAGES = int(os.environ.get("CRASH_TEST_MESSAGES", "3000"))
WORKERS = 4
MAX_IN_FLIGHT = 8
# Sends that may have happened without their outcome being committed: 8 per worker.
MAX_UNRECORDED = 8 * WORKERS


def config(path, port):
    path.write_text(textwrap.dedent(f"""\
        connectors:
          gateway:
            engine: http-gateway
            channels: [sms]
            url: "http://127.0.0.1:{port}/send?to={{to}}&text={{text}}&ref={{id}}"
            max_in_flight: {MAX_IN_FLIGHT}
            timeout: 5s
        channels:
          sms:
            route: [gateway]
        dispatcher:
          workers: {WORKERS}
          lease: 5s
          poll_interval: 200ms
        """))
    return str(path)


def test_sigkill_mid_dispatch_loses_nothing(tmp_path):
    with RecordingGateway() as gw:
        cfg = config(tmp_path / "switchboard.yaml", gw.port)
        hub = Hub(str(tmp_path), config=cfg).start()
        try:
            password = hub.admin_password()
            token = hub.session(password=password).post(hub.url + "/api/v1/tokens", json={"name": "load"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            accepted = set()
            killed = False

            def send(i):
                body = {"to": [f"sms:+47{40000000 + i}"], "text": f"alert {i} & more #{i}"}
                try:
                    r = requests.post(hub.url + "/api/v1/messages", json=body, headers=headers, timeout=10)
                except requests.RequestException:
                    return None  # the hub was killed mid-request: never acknowledged, so not owed
                return body["text"] if r.status_code == 202 else None

            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
                futures = [pool.submit(send, i) for i in range(MESSAGES)]
                for f in concurrent.futures.as_completed(futures):
                    text = f.result()
                    if text:
                        accepted.add(text)
                    # Kill once dispatch is well under way but far from done.
                    if not killed and len(gw.snapshot()) >= MESSAGES // 4:
                        hub.proc.send_signal(signal.SIGKILL)
                        hub.proc.wait()
                        killed = True
            if not killed:
                # Every message was accepted first: kill once dispatch is well under way.
                wait_for(lambda: len(gw.snapshot()) >= MESSAGES // 4 or None, timeout=120, interval=0.01,
                         what="a quarter of the messages to reach the gateway")
                hub.proc.send_signal(signal.SIGKILL)
                hub.proc.wait()
                killed = True
        finally:
            if hub.proc.poll() is None:  # a failure before the kill must not leave the hub running
                hub.proc.kill()
                hub.proc.wait()
        received_at_kill = len(gw.snapshot())
        assert 0 < received_at_kill < len(accepted), (received_at_kill, len(accepted))

        hub2 = Hub(str(tmp_path), config=cfg).start()
        try:
            def all_arrived():
                texts = {r["params"].get("text") for r in gw.snapshot()}
                missing = accepted - texts
                return not missing or None
            wait_for(all_arrived, timeout=300, interval=0.5, what="every accepted message to reach the gateway")
            counts = collections.Counter(r["params"]["text"] for r in gw.snapshot())
            duplicates = sum(c - 1 for c in counts.values())
            assert duplicates <= MAX_UNRECORDED, f"{duplicates} duplicates; at most {MAX_UNRECORDED} sends were unrecorded"
            # Every text arrived intact although it holds & and #.
            assert all(t.startswith("alert ") and "& more #" in t for t in counts)
        finally:
            hub2.stop()
