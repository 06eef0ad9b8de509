"""The topic socket itself against the real binary: pings and dead peers, the closing
handshake, protocol errors, a client that floods without reading its answers, and closing
every socket on shutdown. Some checks need a peer that misbehaves, so they speak RFC 6455
over a plain socket (`RawSocket`)."""
import base64
import json
import os
import socket
import struct
import threading
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from topics_support import PASSWORDS, Client, add_users, start_topic_hub, topic_hub_fixture

SOCKETS_YAML = """
  pinged:
    columns: {body: TEXT}
    read: {anonymous: true}
    write: {anonymous: true}
    ping_interval: 1
"""


hub = topic_hub_fixture(SOCKETS_YAML)


class RawSocket:
    """A WebSocket client that does only what it is told: no pongs, no close replies."""

    def __init__(self, hub, path):
        self.sock = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "connection closed during the handshake"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head

    def exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def frame(self):
        """(opcode, payload) of the next frame; server frames are never masked."""
        b0, b1 = self.exact(2)
        assert b1 & 0x80 == 0, "the server masked a frame"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.exact(8))[0]
        return b0 & 0x0F, self.exact(n)

    def send(self, opcode, payload, masked=True, fin=True):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        length = bytes([n]) if n < 126 else bytes([126]) + struct.pack("!H", n)
        if masked:
            key = os.urandom(4)
            body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            self.sock.sendall(header + bytes([length[0] | 0x80]) + length[1:] + key + body)
        else:
            self.sock.sendall(header + length + payload)

    def until_close(self, timeout=10):
        """Frames until the server's close frame; returns (close code, reason, frames before)."""
        self.sock.settimeout(timeout)
        seen = []
        while True:
            opcode, payload = self.frame()
            if opcode == 8:
                return struct.unpack("!H", payload[:2])[0], payload[2:].decode(), seen
            seen.append((opcode, payload))

    def closed_by_server(self, timeout=10):
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


def test_a_peer_that_never_answers_pings_is_closed(hub):
    raw = RawSocket(hub, "/topics/pinged")
    code, reason, seen = raw.until_close(timeout=10)
    opcodes = [op for op, _ in seen]
    assert opcodes[0] == 1 and json.loads(seen[0][1])["_type"] == "ready"
    # Closed at the tick after its one unanswered ping: not before it, and not a ping later.
    assert opcodes.count(9) == 1, opcodes
    assert (code, reason) == (1001, "ping_timeout")
    assert raw.closed_by_server()


def test_a_peer_that_answers_pings_stays_and_writes(hub):
    raw = RawSocket(hub, "/topics/pinged")
    assert raw.frame()[0] == 1  # ready
    # Every ping after the first is the server finding the previous one answered: after three,
    # it has let the peer stay twice (the peer is counted by pings, not by a clock).
    pings = 0
    while pings < 3:
        opcode, payload = raw.frame()
        assert opcode != 8, f"closed although every ping was answered: {payload!r}"
        if opcode == 9:
            pings += 1
            raw.send(10, payload)
    raw.send(1, json.dumps({"_method": "POST", "body": "still here", "_ref": "r1"}).encode())
    while True:
        opcode, payload = raw.frame()
        assert opcode != 8, f"closed before the write was answered: {payload!r}"
        if opcode == 9:
            raw.send(10, payload)
        elif opcode == 1 and json.loads(payload).get("_ref") == "r1":
            assert json.loads(payload)["_type"] == "ack", payload
            break
    raw.send(8, struct.pack("!H", 1000))
    assert raw.until_close()[0] == 1000


def test_the_closing_handshake_echoes_the_code(hub):
    raw = RawSocket(hub, "/topics/pinged")
    assert raw.frame()[0] == 1  # ready
    raw.send(8, struct.pack("!H", 4321) + b"bye")
    code, _, _ = raw.until_close()
    assert code == 4321
    assert raw.closed_by_server()


@pytest.mark.parametrize("misbehaviour", ["unmasked", "stray continuation", "reserved bits"])
def test_protocol_errors_close_with_1002_and_change_nothing(hub, misbehaviour):
    raw = RawSocket(hub, "/topics/pinged")
    assert raw.frame()[0] == 1
    post = json.dumps({"_method": "POST", "body": "should not be written"}).encode()
    if misbehaviour == "unmasked":
        raw.send(1, post, masked=False)
    elif misbehaviour == "stray continuation":
        raw.send(0, post)
    else:
        raw.send(0x40 | 1, post)
    code, reason, seen = raw.until_close()
    assert code == 1002 and reason == "protocol_error", (code, reason)
    assert not [p for op, p in seen if op == 1 and b'"ack"' in p]
    assert Client(hub, topic="pinged").history() == []


def test_a_socket_closes_when_its_login_ends(hub):
    """Logins are checked again at every ping: a logout ends the socket opened with that
    session, a deleted token the one opened with that token; others stay."""
    tokens = add_users(hub)
    bob = hub.session("bob", PASSWORDS["bob"])
    by_cookie = Client(hub, topic="pinged", headers={"Cookie": f"switchboard_session={bob.cookies.get('switchboard_session')}"})
    by_token = Client(hub, topic="pinged", token=tokens["bob"])
    by_cookie.history()
    by_token.history()
    assert by_cookie.answer(_method="POST", body="by cookie")["_type"] == "ack"

    def ended(client):
        f = client.until(lambda f: f["_type"] == "error", timeout=10)
        assert (f["error"], f["status"]) == ("unauthorized", 401), f
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                client.ws.recv(timeout=10)
        assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "unauthorized")

    assert bob.delete(hub.url + "/api/v1/session").status_code in (200, 204)
    ended(by_cookie)
    assert by_token.answer(_method="POST", body="the token socket stays")["_type"] == "ack"
    auth = {"Authorization": f"Bearer {tokens['bob']}"}
    token_id = hub.session("bob", PASSWORDS["bob"]).get(hub.url + "/api/v1/tokens").json()["items"][0]["id"]
    assert requests.delete(hub.url + f"/api/v1/tokens/{token_id}", headers=auth).status_code in (200, 204)
    ended(by_token)


def test_a_client_that_floods_without_waiting_loses_nothing(hub):
    """5,000 POSTs sent without waiting for answers: the hub stops reading while its queue for
    the client is full or its answers are not being taken (TCP slows the client down), and
    every frame is answered, in order. The client filters rows out, so it hears only acks."""
    c = Client(hub, topic="pinged", query="body=nothing-matches")
    c.history()
    total = 5000
    sender = threading.Thread(target=lambda: [c.send(_method="POST", body=f"flood {i}", _ref=i) for i in range(total)])
    sender.start()
    acks = []
    while len(acks) < total:
        f = c.recv(timeout=60)
        if f["_type"] == "ack":
            acks.append(f["_ref"])
        assert f["_type"] != "error", f
    sender.join()
    assert acks == list(range(total))
    assert len(Client(hub, topic="pinged", query="_limit=10000").history()) == total


def test_shutdown_closes_every_socket_with_going_away(data_dir):
    hub = start_topic_hub(data_dir, SOCKETS_YAML)
    try:
        clients = [connect(hub.url.replace("http", "ws", 1) + "/topics/pinged", open_timeout=10) for _ in range(3)]
        for ws in clients:
            assert json.loads(ws.recv(timeout=10))["_type"] == "ready"
        started = time.time()
        assert hub.stop(timeout=20) == 0
        assert time.time() - started < 10
        for ws in clients:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None and (closed.value.rcvd.code, closed.value.rcvd.reason) == (1001, "shutting_down")
    finally:
        hub.stop()
