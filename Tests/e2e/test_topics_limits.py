"""Topic limits against the real binary: oversize frames are answered, not closed; a subscriber
that stops reading is dropped with a `too_slow` frame and close code 1008, never buffered
without bound."""
import json
import re
import socket

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from topics_support import Client, topic_hub_fixture

LIMITS_YAML = """
  feed:
    columns: {body: TEXT}
    read: {anonymous: true}
    write: {anonymous: true}
    max_queued_frames: 50
    max_frame_bytes: 20000
"""


hub = topic_hub_fixture(LIMITS_YAML)


def ws_url(hub, query=""):
    return hub.url.replace("http", "ws", 1) + "/topics/feed" + (f"?{query}" if query else "")


def dropped(admin, hub):
    """The hub's count of `feed` subscribers dropped as too slow (from `/metrics`)."""
    text = admin.get(hub.url + "/metrics", timeout=10).text
    m = re.search(r'^switchboard_topic_subscribers_dropped_total\{[^}]*topic="feed"[^}]*\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def test_an_oversize_frame_is_answered_and_the_socket_stays_open(hub):
    c = Client(hub, topic="feed")
    c.history()
    c.ws.send(json.dumps({"_method": "POST", "body": "x" * 30000}))
    f = c.until(lambda f: f["_type"] in ("ack", "error"))
    assert f["error"] == "frame_too_large" and "at most 20000 bytes" in f["message"], f
    assert c.answer(_method="POST", body="y" * 19000)["_type"] == "ack"
    assert [r["body"][:1] for r in Client(hub, topic="feed").history()] == ["y"]


def test_a_subscriber_that_stops_reading_is_dropped_with_too_slow(hub):
    # The slow subscriber: a tiny receive buffer, and a client that holds at most one message.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", hub.port))
    slow = connect(ws_url(hub), sock=sock, max_queue=1, open_timeout=10, max_size=None, ping_interval=None)
    assert json.loads(slow.recv(timeout=10))["_type"] == "ready"
    keeping = Client(hub, topic="feed")
    keeping.history()
    # The publisher filters every row out, so it hears only its own acks.
    publisher = Client(hub, topic="feed", query="body=nothing-matches")
    publisher.history()
    # Publish until the hub counts the drop, then read at once: the hub waits `closeTimeout`
    # (10 s) for the closing handshake, and a client that has not read the `too_slow` frame by
    # then is cut off without it — as a loaded machine's long publishing loop once was.
    admin = hub.session()
    total, body = 1500, "z" * 8000
    published = 0
    while published < total and (published % 10 or dropped(admin, hub) == 0):
        assert publisher.answer(_method="POST", body=f"{published} {body}")["_type"] == "ack"
        # The keeping subscriber reads as it goes, so it never falls behind.
        assert keeping.until(lambda f: f["_type"] == "message")["body"].startswith(f"{published} ")
        published += 1
    assert dropped(admin, hub) == 1, f"the slow subscriber was not dropped after {published} rows"

    frames = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frames.append(json.loads(slow.recv(timeout=30)))
    rows = [f for f in frames if f["_type"] == "message"]
    assert frames[-1]["_type"] == "error" and frames[-1]["error"] == "too_slow", frames[-1]
    assert "more than 50 messages" in frames[-1]["message"]
    assert 0 < len(rows) < published, len(rows)
    assert [int(r["body"].split()[0]) for r in rows] == list(range(len(rows))), "rows before the drop arrive in order"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008 and closed.value.rcvd.reason == "too_slow"
    # The hub itself is fine: a new subscriber gets the history and live rows.
    late = Client(hub, topic="feed", query="_limit=1")
    assert len(late.history()) == 1
