"""The live inbox socket (/ws/inbox) as a browser would open it: who gets which item, and
who may not connect at all."""
import json

import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def login(hub, username, password):
    s = requests.Session()
    r = s.post(hub.url + "/api/v1/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return s


def socket(hub, session, origin=None):
    cookie = session.cookies.get("switchboard_session") if session else None
    headers = {"Cookie": f"switchboard_session={cookie}"} if cookie else {}
    return connect(hub.url.replace("http", "ws") + "/ws/inbox", origin=origin or hub.url, additional_headers=headers, open_timeout=10)


def frame(ws):
    return json.loads(ws.recv(timeout=10))


def test_each_user_gets_the_common_inbox_and_only_their_own_items(hub):
    admin = hub.session()
    for name in ("alice", "bob"):
        r = admin.post(hub.url + "/api/v1/users", json={"username": name, "password": f"{name}-secret-12", "role": "user"})
        assert r.status_code == 201, r.text
    alice, bob = login(hub, "alice", "alice-secret-12"), login(hub, "bob", "bob-secret-12")
    with socket(hub, alice) as a, socket(hub, bob) as b:
        assert frame(a) == {"type": "ready"} and frame(b) == {"type": "ready"}
        # Into bob's private inbox, then into the common one: alice's next frame is the
        # common item, so the private one never reached her.
        private = admin.post(hub.url + "/api/v1/tester/inbound", json={"from": "sms:+4711111111", "to": "user:bob", "text": "for bob only"})
        common = admin.post(hub.url + "/api/v1/tester/inbound", json={"from": "sms:+4722222222", "text": "for everyone <b>"})
        assert private.status_code == common.status_code == 202
        got_bob = [frame(b)["item"], frame(b)["item"]]
        assert [i["preview"] for i in got_bob] == ["for bob only", "for everyone <b>"]
        assert got_bob[0]["owner"] == "bob" and got_bob[1]["owner"] is None
        got_alice = frame(a)["item"]
        assert got_alice["id"] == common.json()["inbox_item_id"]
        assert got_alice["preview"] == "for everyone <b>"
        assert {"from", "from_name", "channel", "connector", "received_at", "form", "read"} <= got_alice.keys()


def test_a_socket_needs_a_login_and_the_hubs_own_origin(hub):
    def refusal(session, origin=None):
        with socket(hub, session, origin) as ws:
            error = frame(ws)
            try:
                ws.recv(timeout=10)
            except ConnectionClosed as closed:
                return error, closed.rcvd.code
        raise AssertionError("the socket stayed open")

    error, code = refusal(None)
    assert (error["status"], code) == (401, 4401)
    error, code = refusal(hub.session(), origin="https://evil.example")
    assert (error["status"], code) == (403, 4403)
    assert "allowed_origins" in error["message"]


def test_a_logged_out_session_cannot_open_the_live_socket(hub):
    """(A socket already open re-checks its login at each ping, every 30 s, as topic sockets do.)"""
    session = hub.session()
    secret = session.cookies.get("switchboard_session")
    with socket(hub, session) as ws:
        assert frame(ws)["type"] == "ready"
    r = session.delete(hub.url + "/api/v1/session")
    assert r.status_code == 204
    stale = requests.Session()
    stale.cookies.set("switchboard_session", secret)
    with socket(hub, stale) as ws:
        assert frame(ws)["status"] == 401
