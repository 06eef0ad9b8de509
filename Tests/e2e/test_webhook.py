"""The `webhook` engine in the real binary: deliveries POSTed to a Python HTTP server on
127.0.0.1 that checks the HMAC itself (a stand-in for the other system), and signed, unsigned,
replayed and stale webhooks posted in by Python."""
import hashlib
import hmac
import http.server
import json
import textwrap
import threading
import time

import pytest
import requests

from conftest import Hub, wait_for

SECRET = "e2e-webhook-secret-0123456789abcdef"


def sign(body: bytes, t=None, secret=SECRET):
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(header, body, tolerance=60):
    """The receiver's side of the scheme, written from its description, not from the hub's code."""
    parts = dict(p.strip().split("=", 1) for p in header.split(","))
    t = int(parts["t"])
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - t) <= tolerance


class Receiver:
    """A recording HTTP server: answers each POST with the next status in `statuses` (then 200)."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "status": status})
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"refused by the stand-in")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webhook")
    receiver = Receiver()
    cfg = tmp / "hub.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        connectors:
          hook:
            engine: webhook
            channels: [im]
            url: "http://127.0.0.1:{receiver.port}/hooks/switchboard?token=t0k3n"
            secret_env: HOOK_SECRET
            timeout: 3s
            tolerance: 60s
            max_body_bytes: 4096
        channels:
          im:
            route: [hook]
        dispatcher:
          poll_interval: 200ms
          retry_delay: 1s
          retry_factor: 1
          retry_limit: 3
          retry_jitter: 0s
        """))
    data = tmp / "data"
    data.mkdir()
    hub = Hub(str(data), config=str(cfg), env={"HOOK_SECRET": SECRET}).start()
    try:
        yield hub, receiver, hub.session()
    finally:
        hub.stop()
        receiver.stop()
        assert SECRET not in hub.logs(), "the secret reached the log"


def delivery_of(hub, api, message_id):
    return api.get(f"{hub.url}/api/v1/messages/{message_id}").json()["deliveries"][0]


def send(hub, api, text):
    r = api.post(f"{hub.url}/api/v1/messages", json={"to": ["xmpp:ops@example.org"], "text": text, "subject": "Alarm"})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_a_delivery_arrives_as_json_signed_with_the_shared_secret(env):
    hub, receiver, api = env
    mid = send(hub, api, "Router gw1 down & out")
    got = wait_for(lambda: [r for r in receiver.requests if json.loads(r["body"])["message_id"] == mid], what="the webhook POST")
    request = got[0]
    assert request["path"] == "/hooks/switchboard?token=t0k3n"
    assert request["headers"]["Content-Type"] == "application/json"
    assert verify(request["headers"]["X-Switchboard-Signature"], request["body"]), "the signature does not verify"
    assert not verify(request["headers"]["X-Switchboard-Signature"], request["body"] + b" "), "a changed body still verified"
    payload = json.loads(request["body"])
    assert payload["text"] == "Router gw1 down & out" and payload["subject"] == "Alarm"
    assert payload["to"] == "xmpp:ops@example.org" and payload["channel"] == "im"
    assert request["headers"]["X-Switchboard-Delivery"] == payload["id"]
    d = wait_for(lambda: (d := delivery_of(hub, api, mid))["status"] == "sent" and d, what="delivery sent")
    assert d["connector"] == "hook"


def test_a_5xx_is_retried_and_a_4xx_fails_for_good(env):
    hub, receiver, api = env
    receiver.statuses = [503]
    mid = send(hub, api, "retry me")
    d = wait_for(lambda: (d := delivery_of(hub, api, mid))["status"] == "sent" and d, timeout=20, what="sent after a retry")
    assert d["attempts"] == 2
    attempts = api.get(f"{hub.url}/api/v1/deliveries/{d['id']}").json()["attempts"]
    assert [a["outcome"] for a in attempts] == ["transient", "sent"]
    assert "HTTP 503" in attempts[0]["error"] and "t0k3n" not in attempts[0]["error"]

    receiver.statuses = [422]
    mid = send(hub, api, "refuse me")
    d = wait_for(lambda: (d := delivery_of(hub, api, mid))["status"] == "failed" and d, what="failed for good")
    assert d["attempts"] == 1 and "HTTP 422" in d["last_error"]


def post(hub, body, header, content_type="application/json"):
    headers = {"Content-Type": content_type}
    if header is not None:
        headers["X-Switchboard-Signature"] = header
    return requests.post(f"{hub.url}/api/v1/connectors/hook/webhook", data=body, headers=headers)


def inbox_texts(hub, api):
    return [i["message"]["text"] for i in api.get(f"{hub.url}/api/v1/inbox?limit=200").json()["items"]]


def test_signed_webhooks_land_in_the_inbox_once_and_bad_ones_change_nothing(env):
    hub, receiver, api = env
    body = json.dumps({"from": "sms:+4798765432", "text": "Water level back to normal"}).encode()
    header = sign(body)
    ok = post(hub, body, header)
    assert ok.status_code == 202, ok.text
    item = [i for i in api.get(f"{hub.url}/api/v1/inbox").json()["items"] if i["message"]["id"] == ok.json()["message_id"]][0]
    assert item["message"]["from"] == "sms:+4798765432" and item["message"]["connector"] == "hook"
    before = inbox_texts(hub, api)

    replay = post(hub, body, header)
    assert replay.status_code == 409 and replay.json()["error"] == "replayed", replay.text

    refusals = [
        (post(hub, body, None), 401, "missing_signature"),
        (post(hub, body, sign(body, secret="not-the-secret-0123456789")), 401, "bad_signature"),
        (post(hub, body + b" ", header), 401, "bad_signature"),
        (post(hub, body, sign(body, t=int(time.time()) - 3600)), 401, "stale_signature"),
        (post(hub, body, "t=1,v1=zz"), 401, "malformed_signature"),
        (post(hub, b'{"from": "sms:+4798765432", "text": "x",}', sign(b'{"from": "sms:+4798765432", "text": "x",}')), 400, "invalid_json"),
        (post(hub, b'{"from": "sms:+4798765432", "txt": "x"}', sign(b'{"from": "sms:+4798765432", "txt": "x"}')), 400, "unknown_field"),
        (post(hub, b'{"from": "nobody", "text": "x"}', sign(b'{"from": "nobody", "text": "x"}')), 422, "invalid_from"),
        (post(hub, b"x" * 5000, sign(b"x" * 5000)), 413, "body_too_large"),
        (post(hub, body, sign(body), content_type="text/plain"), 415, "unsupported_media_type"),
    ]
    for reply, status, code in refusals:
        assert (reply.status_code, reply.json()["error"]) == (status, code), reply.text
        assert reply.json()["message"], "an error without a message"
    assert inbox_texts(hub, api) == before

    # Every refusal is logged at warning level with its code and reason, never the secret.
    codes = {"replayed"} | {code for _, _, code in refusals}

    def logged():
        lines = [line for line in hub.logs().splitlines() if "webhook refused" in line]
        return lines if all(any(f"code={c}" in line for line in lines) for c in codes) else None
    lines = wait_for(logged, what="every webhook refusal in the log")
    assert all(" warning " in line and "reason=" in line for line in lines), lines
    assert SECRET not in hub.logs()

    # The sender's own event id: the same event signed anew (a retry) is still recognised.
    event = json.dumps({"from": "mailto:kari@example.org", "text": "Event 7", "id": "evt-7"}).encode()
    assert post(hub, event, sign(event, t=int(time.time()) - 2)).status_code == 202
    again = post(hub, event, sign(event))
    assert again.status_code == 409 and again.json()["error"] == "replayed"
    assert inbox_texts(hub, api).count("Event 7") == 1
