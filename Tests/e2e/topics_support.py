"""Helpers for the topic tests: a hub with topics configured, users, and WebSocket clients."""
import json
import os
import urllib.parse

import pytest

from websockets.sync.client import connect

from conftest import Hub

TOPICS_YAML = """
topics:
  chat:
    columns: {body: TEXT, recipient: TEXT, topic: TEXT, length: INTEGER, urgent: BOOLEAN}
    message_default:
      POST: {length: $length.body}
      PUT: {length: $length.body}
    prepare:
      - require: [body]
      - max_length: {body: 200}
        message: keep it under 200 characters
      - restrict: {field: topic, values: [alerts], roles: [ops]}
        message: only ops may post topic=alerts
    modify: {shout: $field.body}
    alert:
      to: ["ops@example.org", "{{recipient}}"]
      subject: "chat from {{user}}"
      text: "{{user}} wrote: {{body}}"
  inbox:
    columns: {body: TEXT, recipient: TEXT}
    open: {recipient: $user.id}
  board:
    columns: {body: TEXT}
    read: {anonymous: true}
    write: {roles: [admin]}
"""

PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-12", "olga": "olga-secret-1"}


def start_topic_hub(data_dir, extra_yaml=""):
    path = os.path.join(data_dir, "switchboard.yaml")
    with open(path, "w") as f:
        f.write(TOPICS_YAML + extra_yaml)
    return Hub(data_dir, config=path).start()


def topic_hub_fixture(extra_yaml):
    """A pytest fixture: a topic hub with `extra_yaml` added to the topics, stopped afterwards."""
    @pytest.fixture
    def hub(data_dir):
        h = start_topic_hub(data_dir, extra_yaml)
        yield h
        h.stop()
    return hub


def add_users(hub):
    """Creates alice, bob and olga (in contact group `ops`); returns {name: bearer token} incl. admin."""
    admin = hub.session()
    tokens = {"admin": admin.post(hub.url + "/api/v1/tokens", json={"name": "t"}).json()["token"]}
    for name, pw in PASSWORDS.items():
        r = admin.post(hub.url + "/api/v1/users", json={"username": name, "password": pw, "role": "user"})
        assert r.status_code in (200, 201), r.text
        s = hub.session(name, pw)
        tokens[name] = s.post(hub.url + "/api/v1/tokens", json={"name": "t"}).json()["token"]
    r = admin.post(hub.url + "/api/v1/contacts", json={"name": "Olga", "addresses": ["mailto:olga@example.org"], "username": "olga"})
    assert r.status_code in (200, 201), r.text
    assert admin.post(hub.url + "/api/v1/groups", json={"name": "ops"}).status_code in (200, 201)
    r = admin.post(hub.url + "/api/v1/groups/ops/members", json={"contact_id": r.json()["id"]})
    assert r.status_code in (200, 201), r.text
    return tokens


class Client:
    """A topic socket: collects frames, and waits for the one it needs."""

    def __init__(self, hub, topic="chat", token=None, query="", headers=None, origin=None):
        url = hub.url.replace("http", "ws", 1) + f"/topics/{topic}" + (f"?{query}" if query else "")
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        self.ws = connect(url, additional_headers=h, origin=origin, open_timeout=10)
        self.frames = []

    def recv(self, timeout=10):
        f = json.loads(self.ws.recv(timeout=timeout))
        self.frames.append(f)
        return f

    def until(self, predicate, timeout=10):
        while True:
            f = self.recv(timeout)
            if predicate(f):
                return f

    def history(self):
        """History rows up to the `ready` frame."""
        rows = []
        while True:
            f = self.recv()
            if f["_type"] == "ready":
                assert f["history"] == len(rows)
                return rows
            assert f.get("_history") is True, f
            rows.append(f)

    def send(self, **frame):
        self.ws.send(json.dumps(frame))

    def answer(self, **frame):
        """Sends a frame and returns its ack or error (skipping broadcasts)."""
        self.send(**frame)
        return self.until(lambda f: f["_type"] in ("ack", "error"))

    def close(self):
        self.ws.close()


def q(**params):
    return urllib.parse.urlencode(params)
