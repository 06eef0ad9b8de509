"""Accounts against the real binary: guessing passwords is throttled by the peer's address."""
import requests
from requests.adapters import HTTPAdapter


class FromAddress(HTTPAdapter):
    """Connects from a chosen loopback source address (Linux routes all of 127/8 locally)."""

    def __init__(self, source):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def client(source):
    s = requests.Session()
    s.mount("http://", FromAddress(source))
    return s


def test_guessing_from_one_address_is_throttled_and_another_address_still_logs_in(hub):
    admin = hub.session()
    r = admin.post(hub.url + "/api/v1/users", json={"username": "alice", "password": "alice-secret-1", "role": "user"})
    assert r.status_code == 201, r.text
    login = hub.url + "/api/v1/session"
    attacker = client("127.0.0.1")
    statuses = []
    for _ in range(12):
        r = attacker.post(login, json={"username": "alice", "password": "a-wrong-guess"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    # Five free failures and the one that starts the block are checked and refused with 401.
    assert statuses[:6] == [401] * 6 and statuses[-1] == 429, statuses
    assert r.json()["error"] == "too_many_attempts"
    assert int(r.headers["Retry-After"]) >= 1
    # The owner, from another address, is not held up by the guesser's block.
    owner = client("127.0.0.2")
    r = owner.post(login, json={"username": "alice", "password": "alice-secret-1"})
    assert r.status_code == 200, r.text
    logs = hub.logs()
    assert "failed login attempts: throttled" in logs and "address=127.0.0.1" in logs, logs[-2000:]
    assert "alice-secret-1" not in logs and "a-wrong-guess" not in logs


def test_cookie_requests_from_a_foreign_page_are_refused_and_the_hubs_own_are_served(hub):
    s = hub.session()
    groups = hub.url + "/api/v1/groups"
    # What another site's page can make a browser send: a form or text/plain body from its origin.
    forged = s.post(groups, data='{"name": "forged"}', headers={"Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert forged.status_code == 403 and forged.json()["error"] == "cross_site_request", forged.text
    forged = s.post(groups, data={"name": "forged"}, headers={"Referer": "https://evil.example/x"})
    assert forged.status_code == 403, forged.text
    assert s.get(groups + "/forged").status_code == 404
    # The hub's own page (the Origin a browser sends for http://127.0.0.1:PORT) with JSON.
    own = s.post(groups, json={"name": "team"}, headers={"Origin": hub.url})
    assert own.status_code == 201, own.text
    typed = s.post(groups, data='{"name": "team-2"}', headers={"Origin": hub.url, "Content-Type": "text/plain"})
    assert typed.status_code == 415 and typed.json()["error"] == "unsupported_media_type", typed.text
    # A bearer token is not a browser's ambient credential: not affected.
    token = s.post(hub.url + "/api/v1/tokens", json={"name": "script"}).json()["token"]
    scripted = requests.post(groups, data='{"name": "scripted"}', headers={
        "Authorization": f"Bearer {token}", "Origin": "https://evil.example", "Content-Type": "text/plain"})
    assert scripted.status_code == 201, scripted.text
