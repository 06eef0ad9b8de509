"""Topics end to end: real WebSockets from Python against the real binary."""
import threading
import time

import pytest
import requests
from websockets.exceptions import ConnectionClosed

from conftest import wait_for
from topics_support import PASSWORDS, Client, add_users, start_topic_hub


@pytest.fixture
def topic_hub(data_dir):
    h = start_topic_hub(data_dir)
    h.tokens = add_users(h)
    yield h
    h.stop()


def test_post_put_delete_are_acked_and_broadcast(topic_hub):
    t = topic_hub.tokens
    alice, bob = Client(topic_hub, token=t["alice"]), Client(topic_hub, token=t["bob"])
    assert alice.history() == [] and bob.history() == []
    ack = alice.answer(_method="POST", body="hello", _ref=1)
    assert ack["_type"] == "ack" and ack["_method"] == "POST" and ack["_ref"] == 1 and len(ack["id"]) == 22
    row = bob.until(lambda f: f["_type"] == "message")
    assert row["id"] == ack["id"] and row["user"] == "alice" and row["body"] == "hello"
    assert row["length"] == 5 and row["shout"] == "hello" and row["_method"] == "POST" and row["timestamp"].endswith("Z")

    err = bob.answer(_method="PUT", id=ack["id"], body="not yours")
    assert err["_type"] == "error" and err["error"] == "not_author", err
    assert alice.answer(_method="PUT", id=ack["id"], body="hello again")["_type"] == "ack"
    put = bob.until(lambda f: f["_type"] == "message")
    assert put["_method"] == "PUT" and put["body"] == "hello again" and put["length"] == 11 and put["user"] == "alice"

    assert bob.answer(_method="DELETE", id=ack["id"])["error"] == "not_author"
    admin = Client(topic_hub, token=t["admin"])
    assert [r["body"] for r in admin.history()] == ["hello again"]
    assert admin.answer(_method="DELETE", id=ack["id"])["_type"] == "ack"
    gone = alice.until(lambda f: f["_type"] == "message" and f["_method"] == "DELETE")
    assert gone["id"] == ack["id"] and gone["body"] == "hello again"
    assert Client(topic_hub, token=t["bob"]).history() == []


def test_bad_frames_get_errors_and_disturb_nobody(topic_hub):
    t = topic_hub.tokens
    alice, bob = Client(topic_hub, token=t["alice"]), Client(topic_hub, token=t["bob"])
    alice.history(), bob.history()
    cases = [
        ("not json", "invalid_json"),
        ('{"body": "x"}', "missing_method"),
        ('{"_method": "PATCH", "body": "x"}', "invalid_method"),
        ('{"_method": "POST", "body": "x", "colour": "red"}', "unknown_field"),
        ('{"_method": "POST", "body": ["x"]}', "invalid_value"),
        ('{"_method": "POST", "body": "x", "user": "mallory"}', "read_only_field"),
        ('{"_method": "POST", "body": "x", "length": "many"}', "invalid_value"),
        ('{"_method": "POST", "body": "x", "_secret": 1}', "unknown_field"),
        ('{"_method": "POST"}', "required"),
        ('{"_method": "POST", "body": "%s"}' % ("x" * 201), "too_long"),
        ('{"_method": "PUT", "body": "x"}', "missing_id"),
        ('{"_method": "PUT", "id": "nope", "body": "x"}', "not_found"),
        ('{"_method": "POST", "body": "x", "topic": "alerts"}', "forbidden_value"),
    ]
    for text, code in cases:
        alice.ws.send(text)
        f = alice.until(lambda f: f["_type"] in ("ack", "error"))
        assert f["_type"] == "error" and f["error"] == code, (text, f)
        assert f["message"]
    alice.ws.send(b"\x00binary")
    assert alice.until(lambda f: f["_type"] == "error")["error"] == "invalid_frame"
    assert alice.answer(_method="POST", body="still here")["_type"] == "ack"
    assert bob.until(lambda f: f["_type"] == "message")["body"] == "still here"
    assert [r["body"] for r in Client(topic_hub, token=t["bob"]).history()] == ["still here"]


def test_prepare_restricts_values_by_role(topic_hub):
    olga = Client(topic_hub, token=topic_hub.tokens["olga"])
    olga.history()
    assert olga.answer(_method="POST", body="db down", topic="alerts")["_type"] == "ack"


def test_sockets_without_valid_credentials_are_refused_with_reasons(topic_hub):
    t = topic_hub.tokens
    for kwargs, status, words in [
        ({}, 401, "needs a login"),
        ({"token": "not-a-token"}, 401, "not valid"),
        ({"headers": {"Cookie": "switchboard_session=expired"}}, 401, "expired"),
        ({"token": t["bob"], "origin": "http://evil.example"}, 403, "origin"),
        ({"token": t["bob"], "query": "colour=red"}, 400, "unknown column"),
        ({"token": t["bob"], "query": "length=abc"}, 400, "whole number"),
    ]:
        c = Client(topic_hub, **kwargs)
        f = c.recv()
        assert f["_type"] == "error" and f["status"] == status and words in f["message"], (kwargs, f)
        with pytest.raises(ConnectionClosed) as info:
            c.recv()
        assert info.value.rcvd.code == 4000 + status, kwargs
    # The same credentials as the HTTP API: a token as query parameter (browsers) and the session cookie.
    Client(topic_hub, query=f"token={t['bob']}").history()
    s = topic_hub.session("bob", PASSWORDS["bob"])
    cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
    Client(topic_hub, headers={"Cookie": cookie}, origin=topic_hub.url).history()
    # Anonymous readers only where the topic allows it, and they may not write.
    anon = Client(topic_hub, topic="board")
    anon.history()
    assert anon.answer(_method="POST", body="hi")["error"] == "unauthorized"
    assert Client(topic_hub, topic="board", token=t["bob"]).answer(_method="POST", body="hi")["error"] == "forbidden"


def test_filters_apply_to_history_and_live(topic_hub):
    t = topic_hub.tokens
    alice = Client(topic_hub, token=t["alice"])
    alice.history()
    ids = []
    for body, recipient in [("a", "bob"), ("bb", "carol"), ("ccc", "bob"), ("hello world", "dave"), ("e", None)]:
        frame = {"_method": "POST", "body": body}
        if recipient:
            frame["recipient"] = recipient
        ids.append(alice.answer(**frame)["id"])

    def bodies(query):
        return [r["body"] for r in Client(topic_hub, token=t["bob"], query=query).history()]

    assert bodies("recipient=bob") == ["a", "ccc"]
    assert bodies("recipient=bob&recipient=carol") == ["a", "bb", "ccc"]
    assert bodies("recipient!=bob") == ["bb", "hello world"]
    assert bodies("length>=2&length<=3") == ["bb", "ccc"]
    assert bodies("length>3") == ["hello world"]
    assert bodies("length<2") == ["a", "e"]
    assert bodies("body~=wor") == ["hello world"]
    assert bodies("body~=hello+world") == ["hello world"]
    assert bodies("_limit=2") == ["hello world", "e"]
    assert bodies(f"_since={ids[2]}") == ["hello world", "e"]
    assert bodies(f"_since={ids[0]}&_limit=2") == ["bb", "ccc"]
    assert bodies("_since=2000-01-01T00:00:00Z&recipient=bob") == ["a", "ccc"]
    assert bodies("user=alice&_limit=1") == ["e"]

    bob = Client(topic_hub, token=t["bob"], query="recipient=bob")
    bob.history()
    alice.answer(_method="POST", body="not for bob", recipient="carol")
    alice.answer(_method="POST", body="for bob", recipient="bob")
    assert bob.until(lambda f: f["_type"] == "message")["body"] == "for bob"


def test_open_rule_forces_the_recipient_filter(topic_hub):
    t = topic_hub.tokens
    alice = Client(topic_hub, topic="inbox", token=t["alice"])
    alice.history()
    alice.answer(_method="POST", body="to bob", recipient="bob")
    alice.answer(_method="POST", body="to carol", recipient="carol")
    # Asking for carol's messages does not widen what bob may see.
    bob = Client(topic_hub, topic="inbox", token=t["bob"], query="recipient=carol")
    assert bob.history() == []
    bob = Client(topic_hub, topic="inbox", token=t["bob"])
    assert [r["body"] for r in bob.history()] == ["to bob"]
    alice.answer(_method="POST", body="carol again", recipient="carol")
    alice.answer(_method="POST", body="bob again", recipient="bob")
    assert bob.until(lambda f: f["_type"] == "message")["body"] == "bob again"


def test_history_then_live_has_no_gap_or_duplicate_while_others_post(topic_hub):
    t = topic_hub.tokens
    total = 300
    publisher = Client(topic_hub, token=t["alice"])
    publisher.history()

    def publish():
        for i in range(total):
            publisher.send(_method="POST", body=f"m{i}")
        publisher.until(lambda f: f["_type"] == "ack" and len([x for x in publisher.frames if x["_type"] == "ack"]) == total, timeout=60)

    thread = threading.Thread(target=publish)
    thread.start()
    seen = []
    for _ in range(6):
        time.sleep(0.05)
        c = Client(topic_hub, token=t["bob"], query="_limit=1000")
        seen.append(c)
    thread.join()
    for c in seen:
        bodies = [r["body"] for r in c.history()]
        while len(bodies) < total:
            f = c.recv()
            if f["_type"] == "message":
                bodies.append(f["body"])
        assert bodies == [f"m{i}" for i in range(total)]


def test_alerts_go_through_the_outbox_unless_skipped(topic_hub):
    t = topic_hub.tokens
    alice = Client(topic_hub, token=t["alice"])
    alice.history()
    alice.answer(_method="POST", body="server on fire", recipient="sms:+4712345678")
    alice.answer(_method="POST", body="quiet", _alert=False)
    s = topic_hub.session()

    def sent():
        items = s.get(topic_hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]
        return len(items) >= 2 and items
    items = wait_for(sent, what="alert deliveries")
    assert sorted(i["to"] for i in items) == ["mailto:ops@example.org", "sms:+4712345678"]
    assert all(i["text"] == "alice wrote: server on fire" for i in items)
    # An alert is in the outbox before its write is acknowledged, so once the outbox holds
    # nothing waiting, everything "quiet" could have caused has been sent.
    wait_for(lambda: s.get(topic_hub.url + "/api/v1/queue/recipients").json()["items"] == [], what="an empty outbox")
    sent_texts = [i["text"] for i in s.get(topic_hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]]
    assert sent_texts == ["alice wrote: server on fire"] * 2


def test_rows_survive_a_restart(data_dir):
    h = start_topic_hub(data_dir)
    tokens = add_users(h)
    c = Client(h, token=tokens["alice"])
    c.history()
    ack = c.answer(_method="POST", body="durable")
    h.stop()
    h.start()
    rows = Client(h, token=tokens["alice"]).history()
    h.stop()
    assert [(r["id"], r["body"]) for r in rows] == [(ack["id"], "durable")]


def test_chat_page_is_served(topic_hub):
    r = requests.get(topic_hub.url + "/topics/chat")
    assert r.status_code == 200 and "<title>chat" in r.text and "new WebSocket" in r.text
