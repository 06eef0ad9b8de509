"""The authorization grid: every operation of the OpenAPI document, run as anonymous, a plain
user, the owner of the resource, an admin and (for gateway callbacks) a gateway, with API
tokens and with login sessions, against the real binary. The expectations are the table in
authz_grid.yaml; any change of who may do what fails here until the table changes with it."""
import hashlib
import hmac
import itertools
import json
import os
import sqlite3
import textwrap
import time
import urllib.parse

import pytest
import requests
import yaml

from conftest import Hub, wait_for
from gateway_standin import RecordingGateway

GRID = os.path.join(os.path.dirname(__file__), "authz_grid.yaml")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
KANNEL_SECRET = "grid-kannel-secret-0123456789"
HOOK_SECRET = "grid-webhook-secret-0123456789abcdef"
PASSWORDS = {"alice": "Alice-grid-pass-1", "bob": "Bob-grid-pass-1"}
LOGGED_IN = ("user", "owner", "admin")


def load_rows():
    with open(GRID) as f:
        return yaml.safe_load(f)["rows"]


class Caller:
    """One identity: its name and password, an API token and a login session."""

    def __init__(self, hub, username, password):
        self.username, self.password = username, password
        self.session = login(hub, username, password)
        r = self.session.post(hub.url + "/api/v1/tokens", json={"name": "authz grid"})
        assert r.status_code == 201, r.text
        self.token = r.json()["token"]

    def cookie(self):
        """A copy of the login session, so that a cookie the response sets (logging in as
        someone else) does not change who this caller is."""
        s = requests.Session()
        s.headers.update(self.session.headers)
        s.cookies.update(self.session.cookies)
        return s

    def bearer(self):
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {self.token}"
        return s


def login(hub, username, password):
    """A session that sends the login cookie, as a browser on the hub's own page would."""
    s = requests.Session()
    s.headers["Origin"] = hub.url
    r = s.post(hub.url + "/api/v1/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return s


class Grid:
    """The hub, the callers, and the setups that make each row's resource afresh."""

    def __init__(self, hub, gateway):
        self.hub, self.gateway, self.url = hub, gateway, hub.url
        self.document = yaml.safe_load(requests.get(hub.url + "/api/v1/openapi.yaml", timeout=10).text)
        self.counter = itertools.count(1)
        admin = hub.session()
        for name, password in PASSWORDS.items():
            r = admin.post(self.url + "/api/v1/users", json={"username": name, "password": password, "role": "user"})
            assert r.status_code == 201, r.text
        self.callers = {
            "admin": Caller(hub, "admin", hub.admin_password()),
            "user": Caller(hub, "alice", PASSWORDS["alice"]),
            "owner": Caller(hub, "bob", PASSWORDS["bob"]),
        }
        self.admin = self.callers["admin"].bearer()
        self.bob = self.callers["owner"].bearer()

    def ok(self, response, status):
        assert response.status_code == status, f"setup: {response.request.method} {response.request.url}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    # --- setups: each returns the values for the row's {placeholders} ---------------------

    def passwords(self, v):
        v["alice_password"] = PASSWORDS["alice"]

    def fresh_session(self, v):
        v["_fresh_session"] = True

    def bobs_token(self, v):
        v["token_id"] = self.ok(self.bob.post(self.url + "/api/v1/tokens", json={"name": f"bob {v['n']}"}), 201)["id"]

    def bobs_message(self, v):
        body = {"to": [f"mailto:bob-{v['n']}@example.org"], "text": "from bob"}
        v["message_id"] = self.ok(self.bob.post(self.url + "/api/v1/messages", json=body), 202)["id"]

    def inject(self, **body):
        return self.ok(self.admin.post(self.url + "/api/v1/tester/inbound", json=dict({"from": "sms:+4790000009"}, **body)), 202)

    def bobs_inbox_item(self, v):
        v["item_id"] = self.inject(to="user:bob", text="for bob")["inbox_item_id"]

    def common_inbox_item(self, v):
        v["item_id"] = self.inject(text="for everyone")["inbox_item_id"]

    def bob_without_contact(self, v):
        for c in self.ok(self.admin.get(self.url + "/api/v1/contacts"), 200)["items"]:
            if c["username"] == "bob":
                self.ok(self.admin.delete(self.url + f"/api/v1/contacts/{c['id']}"), 204)

    def bobs_contact(self, v):
        self.bob_without_contact(v)
        body = {"name": "Bob", "addresses": [f"sms:+4792{v['n']:06d}"], "username": "bob"}
        v["contact_id"] = self.ok(self.admin.post(self.url + "/api/v1/contacts", json=body), 201)["id"]

    def unlinked_contact(self, v):
        body = {"name": f"Unlinked {v['n']}", "addresses": [f"sms:+4793{v['n']:06d}"]}
        v["contact_id"] = self.ok(self.admin.post(self.url + "/api/v1/contacts", json=body), 201)["id"]

    def unlinked_contact_bob_free(self, v):
        self.bob_without_contact(v)
        self.unlinked_contact(v)

    def group(self, v):
        v["group"] = f"grid-group-{v['n']}"
        self.ok(self.admin.post(self.url + "/api/v1/groups", json={"name": v["group"]}), 201)
        self.unlinked_contact(v)

    def group_with_member(self, v):
        self.group(v)
        self.ok(self.admin.post(self.url + f"/api/v1/groups/{v['group']}/members", json={"contact_id": v["contact_id"]}), 201)

    def fresh_user(self, v):
        v["username"], v["password"] = f"griduser{v['n']}", f"Grid-user-pass-{v['n']}"
        body = {"username": v["username"], "password": v["password"], "role": "user"}
        self.ok(self.admin.post(self.url + "/api/v1/users", json=body), 201)
        v["_owner"] = Caller(self.hub, v["username"], v["password"])

    def bobs_sent_item(self, v):
        v["address"] = f"mailto:bob-sent-{v['n']}@example.org"
        self.ok(self.bob.post(self.url + "/api/v1/messages", json={"to": [v["address"]], "text": "bob's own"}), 202)
        wait_for(lambda: self.ok(self.admin.get(self.url + "/api/v1/tester/sent", params={"to": v["address"]}), 200)["items"],
                 what="bob's message in the tester")

    def sent_delivery(self, to, status):
        message = self.ok(self.admin.post(self.url + "/api/v1/messages", json={"to": [to], "text": "grid"}), 202)

        def delivery():
            d = self.ok(self.admin.get(self.url + f"/api/v1/messages/{message['id']}"), 200)["deliveries"][0]
            return d["status"] == status and d
        return wait_for(delivery, what=f"a delivery to {to} to be {status}")["id"]

    def failed_delivery(self, v):
        v["delivery_id"] = self.sent_delivery(f"xmpp:grid-{v['n']}@example.org", "failed")

    def kannel_delivery(self, v):
        v["delivery_id"] = self.sent_delivery(f"sms:+4794{v['n']:06d}", "sent")

    def form(self, v, **to):
        message_id = self.inject(text=f"<survey><k>{v['n']}</k></survey>", **to)["message_id"]
        v["message_id"] = message_id
        items = self.ok(self.admin.get(self.url + "/api/v1/forms", params={"message_id": message_id}), 200)["items"]
        assert len(items) == 1, items
        v["form_id"] = items[0]["id"]

    def bobs_conversation(self, v):
        """An ongoing conversation of bob's on the kannel connector. No responder can be
        started from the grid's hub, so the row is written into the hub's file as a turn writes
        it (the hub reads conversations from the file on every request)."""
        v["conversation_id"] = f"grid-conversation-{v['n']}"
        now = time.time()
        db = sqlite3.connect(os.path.join(self.hub.data_dir, "switchboard.sqlite"), timeout=10)
        try:
            with db:
                db.execute(
                    "INSERT INTO conversations (id, connector, address, username, responder, status, started_at, updated_at,"
                    " step_count, next_step, data, expires_at, revision)"
                    " VALUES (?, 'kannel', ?, 'bob', 'grid', 'ongoing', ?, ?, 1, 'what', '{}', ?, 1)",
                    (v["conversation_id"], f"sms:{v['phone']}", now, now, now + 3600),
                )
        finally:
            db.close()

    def bobs_form(self, v):
        self.form(v, to="user:bob")

    def common_form(self, v):
        self.form(v)


def fill(template, values):
    """The row's path, query or body with every {placeholder} filled; keys stay as written."""
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {k: fill(t, values) for k, t in template.items()}
    if isinstance(template, list):
        return [fill(t, values) for t in template]
    return template


def documented_body_members(document, method, path):
    """The members the OpenAPI document declares for an operation's JSON request body."""
    operation = document["paths"][path][method.lower()]
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def sign(body):
    t = int(time.time())
    return f"t={t},v1=" + hmac.new(HOOK_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def call(grid, row, who, credential):
    """Makes the row's resource afresh and sends its request as `who`; returns the response."""
    n = next(grid.counter)
    values = {"n": n, "phone": f"+4791{n:06d}"}
    if row.get("setup"):
        getattr(grid, row["setup"])(values)
    method, op_path = row["op"].split(" ", 1)
    url = grid.url + fill(row.get("path", op_path), values)
    caller = values.get("_owner") if who == "owner" and "_owner" in values else grid.callers.get(who)
    if credential == "token":
        s = caller.bearer()
    elif credential == "cookie":
        s = login(grid.hub, caller.username, caller.password) if values.get("_fresh_session") else caller.cookie()
    else:
        s = requests.Session()
    params = fill(row.get("query"), values) or {}
    headers, data = {}, None
    if "body" in row:
        body = fill(row["body"], values)
        declared = documented_body_members(grid.document, method, op_path)
        body.update({k: v for k, v in fill(row.get("if_documented", {}), values).items() if k in declared})
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif "csv" in row:
        data = fill(row["csv"], values).encode()
        headers["Content-Type"] = "text/csv"
    elif "form" in row:
        data = urllib.parse.urlencode(fill(row["form"], values)).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if who == "gateway":
        if row["op"].endswith("/webhook"):
            headers["X-Switchboard-Signature"] = sign(data)
        else:
            headers["X-Switchboard-Secret"] = KANNEL_SECRET
    return s.request(method, url, params=params, data=data, headers=headers, timeout=30)


def expectation(row, who):
    """(status, whether items must be empty/non-empty or None) for `who` on `row`."""
    if who in row["allowed"]:
        return row["ok"], ("some" if row.get("items") else None)
    refused = row.get("refused", {}).get(who)
    if refused == "empty":
        return row["ok"], "none"
    if refused is not None:
        return refused, None
    return (401 if who in ("anonymous", "gateway") else 403), None


def is_gateway_row(row):
    return "gateway" in row["allowed"]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("authz-grid")
    with RecordingGateway(status=202, body="0: Accepted for delivery") as gateway:
        cfg = tmp / "hub.yaml"
        cfg.write_text(textwrap.dedent(f"""\
            connectors:
              tester:
                engine: bucket
                channels: [email]
              broken:
                engine: bucket
                channels: [im]
                permanent_failure_rate: 1
              kannel:
                engine: kannel
                channels: [sms]
                url: "http://127.0.0.1:{gateway.port}/cgi-bin/sendsms"
                username: grid
                password_env: GRID_KANNEL_PASSWORD
                inbound_secret_env: GRID_KANNEL_SECRET
              hook:
                engine: webhook
                channels: [im]
                secret_env: GRID_HOOK_SECRET
            channels:
              sms: {{ route: [kannel] }}
              email: {{ route: [tester] }}
              im: {{ route: [broken] }}
            dispatcher:
              poll_interval: 100ms
            """))
        data = tmp / "data"
        data.mkdir()
        env = {"GRID_KANNEL_PASSWORD": "grid-kannel-pass", "GRID_KANNEL_SECRET": KANNEL_SECRET, "GRID_HOOK_SECRET": HOOK_SECRET}
        hub = Hub(str(data), config=str(cfg), env=env).start()
        try:
            yield Grid(hub, gateway)
        finally:
            hub.stop()


def test_the_grid_covers_every_operation_of_the_openapi_document(grid):
    document = yaml.safe_load(requests.get(grid.url + "/api/v1/openapi.yaml", timeout=10).text)
    documented = {f"{m.upper()} {path}" for path, item in document["paths"].items() for m in item if m in METHODS}
    in_table = {row["op"] for row in load_rows()}
    assert documented - in_table == set(), "operations of the OpenAPI document the grid lacks a row for"
    assert in_table - documented == set(), "rows for operations the OpenAPI document does not have"


def test_the_table_is_well_formed():
    known = {"anonymous", "user", "owner", "admin", "gateway"}
    keys = {"op", "case", "setup", "path", "query", "body", "form", "csv", "if_documented", "ok", "allowed", "refused", "items"}
    for row in load_rows():
        assert set(row) <= keys, f"unknown keys {set(row) - keys} in {row}"
        assert set(row["allowed"]) <= known, row
        assert set(row.get("refused", {})) <= known - set(row["allowed"]), row
        assert isinstance(row["ok"], int) and 200 <= row["ok"] < 300, row
        assert not row.get("setup") or hasattr(Grid, row["setup"]), row


def test_who_may_do_what(grid):
    wrong = []
    for row in load_rows():
        who_all = ["anonymous", *LOGGED_IN] + (["gateway"] if is_gateway_row(row) else [])
        for who in who_all:
            for credential in (["token", "cookie"] if who in LOGGED_IN else ["none"]):
                status, items = expectation(row, who)
                r = call(grid, row, who, credential)
                got = r.status_code
                listed = None
                if got == status and items is not None:
                    listed = len(r.json()["items"])
                    if (items == "some") != (listed > 0):
                        got = f"{got} with {listed} items"
                        status = f"{status} with {'some' if items == 'some' else 'no'} items"
                if got != status:
                    case = f" ({row['case']})" if row.get("case") else ""
                    wrong.append(f"{row['op']}{case} as {who} by {credential}: expected {status}, got {got}: {r.text[:200]}")
    assert not wrong, "who may do what changed:\n" + "\n".join(wrong)
