"""Issue 'Foundation': what a new user does first, against the real binary."""
import os
import signal
import subprocess

import requests

from conftest import BIN, Hub, wait_for


def test_new_user_walkthrough(hub):
    s = hub.session()
    # A contact with a phone number but no email, in a new group: allowed, with a warning.
    r = s.post(hub.url + "/api/v1/contacts", json={"name": "Kari Nordmann", "addresses": ["sms:+4712345678"]})
    assert r.status_code == 201, r.text
    kari = r.json()["id"]
    r = s.post(hub.url + "/api/v1/groups", json={"name": "field-team", "description": "People in the field"})
    assert r.status_code == 201, r.text
    r = s.post(hub.url + "/api/v1/groups/field-team/members", json={"contact_id": kari})
    assert r.status_code == 201, r.text
    assert any("Kari Nordmann" in w and "email" in w for w in r.json()["warnings"]), r.json()

    # Send to the group: accepted, one SMS delivery, a warning about the missing email.
    r = s.post(hub.url + "/api/v1/messages", json={"to": ["group:field-team"], "text": "Road closed at km 12"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert [(d["address"], d["channel"]) for d in body["deliveries"]] == [("sms:+4712345678", "sms")]
    assert any("Kari Nordmann" in w for w in body["warnings"])

    # The running dispatcher sends it to the tester bucket: queued -> sent.
    def sent():
        m = s.get(hub.url + f"/api/v1/messages/{body['id']}").json()
        return m["deliveries"][0]["status"] == "sent" and m
    m = wait_for(sent, what="delivery to be sent")
    assert m["deliveries"][0]["connector"] == "tester"
    got = s.get(hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()
    assert any(i["text"] == "Road closed at km 12" and i["to"] == "sms:+4712345678" for i in got["items"]), got

    # An inbound SMS through the tester lands unread in the common inbox; marking it read sticks.
    r = s.post(hub.url + "/api/v1/tester/inbound", json={"from": "sms:+4712345678", "text": "Understood, detouring"})
    assert r.status_code == 202, r.text
    item_id = r.json()["inbox_item_id"]
    inbox = s.get(hub.url + "/api/v1/inbox", params={"scope": "common", "unread": "true"}).json()
    assert [i["id"] for i in inbox["items"]] == [item_id]
    assert inbox["items"][0]["message"]["text"] == "Understood, detouring"
    assert s.post(hub.url + f"/api/v1/inbox/{item_id}/read").status_code in (200, 204)
    inbox = s.get(hub.url + "/api/v1/inbox", params={"scope": "common", "unread": "true"}).json()
    assert inbox["items"] == []
    inbox = s.get(hub.url + "/api/v1/inbox", params={"scope": "common"}).json()
    assert inbox["items"][0]["read"] is True


def test_bad_input_gets_clear_errors_and_changes_nothing(hub):
    s = hub.session()
    url = hub.url + "/api/v1/messages"
    cases = [
        ({"to": ["sms:1234567"], "text": "x"}, 422, "invalid_address"),
        ({"to": ["group:nobody"], "text": "x"}, 422, "unknown_group"),
        ({"to": ["sms:+4712345678"], "text": "x", "colour": "red"}, 400, "unknown_field"),
    ]
    for body, status, code in cases:
        r = s.post(url, json=body)
        assert r.status_code == status, (body, r.status_code, r.text)
        assert r.json()["error"] == code, r.text
        assert r.json()["message"]
    r = s.post(url, data=b'{"to": ["sms:+4712345678"], "text": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_json", r.text
    r = s.post(url, data=b"x" * (2 << 20), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.status_code
    # Nothing was queued by any of them.
    assert s.get(hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"] == []
    # Wrong password and missing credentials.
    r = requests.post(hub.url + "/api/v1/session", json={"username": "admin", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"
    r = requests.get(hub.url + "/api/v1/inbox")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = requests.get(hub.url + "/api/v1/inbox", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def test_bearer_token_and_idempotency(hub):
    s = hub.session()
    token = s.post(hub.url + "/api/v1/tokens", json={"name": "alerting"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}", "Idempotency-Key": "alert-42"}
    body = {"to": ["sms:+4712345678", "mailto:ops@example.org"], "text": "Disk full on db1", "severity": "critical"}
    first = requests.post(hub.url + "/api/v1/messages", json=body, headers=auth)
    again = requests.post(hub.url + "/api/v1/messages", json=body, headers=auth)
    assert first.status_code == 202 and again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    wait_for(lambda: len(s.get(hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]) >= 2)
    items = s.get(hub.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]
    assert len(items) == 2, items
    other = dict(body, text="something else")
    r = requests.post(hub.url + "/api/v1/messages", json=other, headers=auth)
    assert r.status_code == 409, r.text


def test_first_start_prints_password_once_and_restart_keeps_data(data_dir):
    h = Hub(data_dir).start()
    password = h.admin_password()
    s = h.session(password=password)
    s.post(h.url + "/api/v1/contacts", json={"name": "Ola", "addresses": ["mailto:ola@example.org"]}).raise_for_status()
    assert h.stop() == 0, h.logs()
    h2 = Hub(data_dir).start()
    try:
        assert "password:" not in h2.stdout
        s = h2.session(password=password)
        assert [c["name"] for c in s.get(h2.url + "/api/v1/contacts").json()["items"]] == ["Ola"]
    finally:
        h2.stop()


def test_admin_password_from_environment(data_dir):
    h = Hub(data_dir, env={"SWITCHBOARD_ADMIN_PASSWORD": "correct horse battery"}).start()
    try:
        assert "password:" not in h.stdout
        h.session(password="correct horse battery")
    finally:
        h.stop()


def test_sigterm_shuts_down_gracefully(hub):
    assert hub.stop(signal.SIGTERM) == 0
    assert "switchboard starting" in hub.logs()


def test_cli_send_tester_and_users(data_dir):
    h = Hub(data_dir)
    # Commands work on the data directory before the hub ever ran.
    r = h.cli("users", "add", "alice", "--role", "user", "--password-env", "ALICE_PW", env={"ALICE_PW": "alice-secret-1"})
    assert "created user alice" in r.stdout
    r = h.cli("users", "add", "Bad Name", "--password-env", "ALICE_PW", env={"ALICE_PW": "alice-secret-1"}, check=False)
    assert r.returncode != 0 and "username" in r.stderr
    listed = h.cli("users", "list").stdout
    assert "alice\tuser" in listed
    r = h.cli("send", "--to", "sms:+4799999999", "--to", "mailto:ops@example.org", "Generator low on fuel")
    assert "queued message" in r.stdout and "sms:+4799999999" in r.stdout
    r = h.cli("send", "--to", "sms:+47", "x", check=False)
    assert r.returncode != 0 and "invalid_address" in r.stderr
    r = h.cli("tester", "inbound", "--from", "sms:+4799999999", "Fuel delivered")
    assert "in the inbox" in r.stdout
    # Start the hub: it sends what the CLI queued and shows the injected message.
    h.start()
    try:
        s = h.session("alice", "alice-secret-1")
        inbox = s.get(h.url + "/api/v1/inbox", params={"scope": "common"}).json()
        assert [i["message"]["text"] for i in inbox["items"]] == ["Fuel delivered"]
        # What the CLI sent is the operator's, not alice's: an admin sees it in the tester, she does not.
        admin = h.session()
        wait_for(lambda: len(admin.get(h.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"]) == 2,
                 what="the CLI-queued message to be sent on both channels")
        assert s.get(h.url + "/api/v1/tester/sent", params={"connector": "tester"}).json()["items"] == []
        h.cli("users", "passwd", "alice", "--password-env", "PW2", env={"PW2": "alice-secret-2"})
        # The change ended alice's sessions; the running hub sees it within its credential cache's seconds.
        wait_for(lambda: s.get(h.url + "/api/v1/me").status_code == 401, what="alice's old session to end")
        r = requests.post(h.url + "/api/v1/session", json={"username": "alice", "password": "alice-secret-1"})
        assert r.status_code == 401
        h.session("alice", "alice-secret-2")
    finally:
        h.stop()


def test_help_for_every_command():
    for cmd in (["serve"], ["send"], ["tester", "inbound"], ["users", "add"], ["users", "list"], ["users", "passwd"], ["check-config"]):
        r = subprocess.run([BIN, *cmd, "--help"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "USAGE" in r.stdout.upper(), (cmd, r.stdout, r.stderr)


def test_json_log_lines_and_sigint(data_dir):
    import json
    cfg = os.path.join(data_dir, "json-logs.yaml")
    with open(cfg, "w") as f:
        f.write("logging:\n  format: json\n  level: info\n")
    h = Hub(data_dir, config=cfg).start()
    s = h.session()
    s.post(h.url + "/api/v1/messages", json={"to": ["sms:+4712345678"], "text": "secret body text"}).raise_for_status()
    assert h.stop(signal.SIGINT) == 0
    lines = [l for l in h.logs().splitlines() if l.strip()]
    records = [json.loads(l) for l in lines]  # every line is one JSON object
    assert any(r["message"] == "switchboard starting" and r["level"] == "info" for r in records), lines
    assert all({"time", "level", "label", "message"} <= r.keys() for r in records)
    # Logs never carry message bodies or the admin password.
    assert "secret body text" not in h.logs()
    assert h.admin_password() not in h.logs()
