"""The HTTP transport against clients that do not play by the rules: unparseable requests,
connections that send nothing or stop halfway, floods of connections, bodies over the limit
written whole before the answer is read. Raw sockets against the real binary; small timeouts
and caps in the configuration keep every test short."""
import http.client
import os
import select
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest
import requests

from conftest import Hub, wait_for

TIMEOUT = 1.5  # idle, head and body timeouts of the `hub` below, in seconds

CONFIG = """
server:
  idle_timeout: 1500ms
  request_head_timeout: 1500ms
  body_timeout: 1500ms
  max_body_bytes: 65536
  trusted_proxies: [127.0.0.2]   # a stand-in TLS proxy: clients connecting from 127.0.0.2
topics:
  chat:
    columns: {body: TEXT}
"""


def start_hub(config):
    d = tempfile.TemporaryDirectory(prefix="switchboard-e2e-")
    path = os.path.join(d.name, "switchboard.yaml")
    with open(path, "w") as f:
        f.write(config)
    return d, Hub(d.name, config=path).start()


@pytest.fixture(scope="module")
def hub():
    d, h = start_hub(CONFIG)
    yield h
    h.stop()
    d.cleanup()


def exchange(hub, data, source="127.0.0.1", wait=TIMEOUT + 4):
    """Sends `data` (from a thread, so a server that stops reading cannot block the test),
    then reads until the server closes. Returns (bytes received, seconds until closed);
    the seconds are None when the connection was still open after `wait`."""
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", hub.port))
    start = time.monotonic()

    def send():
        try:
            s.sendall(data)
        except OSError:
            pass  # the server answered and closed before taking it all

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    got = b""
    s.settimeout(0.2)
    closed = None
    while time.monotonic() - start < wait:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            closed = time.monotonic() - start
            break
        if not chunk:
            closed = time.monotonic() - start
            break
        got += chunk
    s.close()
    sender.join(timeout=5)
    return got, closed


def status_of(response):
    assert response.startswith(b"HTTP/1.1 "), f"no HTTP answer: {response[:200]!r}"
    return int(response[9:12])


UPGRADE = (
    b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)

MALFORMED = {
    # RFC 9110 9.1: a method the server does not know is 501 (405 is for a known one).
    "unknown method BREW": (b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    "bare LF line ends": (b"GET /health HTTP/1.1\nHost: x\n\n", 400),
    "bare CR line ends": (b"GET /health HTTP/1.1\rHost: x\r\r", 400),
    "NUL in the target": (b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "NUL in a header": (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    "obsolete header folding": (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
    "Content-Length and Transfer-Encoding": (
        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "two Content-Lengths": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
    "negative Content-Length": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400),
    "bad chunk size": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    "200 kB header": (b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 200_000 + b"\r\n\r\n", 431),
    "10,000 headers": (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(10_000)) + b"\r\n", 431),
    "1 MB URL": (b"GET /" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_unparseable_request_is_answered_and_closed(hub, name):
    data, status = MALFORMED[name]
    got, closed = exchange(hub, data)
    assert status_of(got) == status, got[:300]
    assert b"Connection: close" in got and b'"error":' in got
    assert closed is not None, f"{name}: connection left open"
    assert hub.proc.poll() is None


def test_pipelined_bad_request_is_answered_after_the_good_one(hub):
    got, closed = exchange(hub, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nBREW / HTTP/1.1\r\nHost: x\r\n\r\n")
    first, _, rest = got.partition(b"\r\n\r\n")
    assert status_of(first) == 200
    assert b"HTTP/1.1 501" in rest
    assert closed is not None


@pytest.mark.parametrize("path,status", [("/api/v1/me", 401), ("/health", 200), ("/nowhere", 404)])
def test_websocket_upgrade_of_other_paths_is_answered_as_plain_http(hub, path, status):
    got, closed = exchange(hub, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n")
    assert status_of(got) == status, got[:300]
    # Then an idle keep-alive connection, closed by the idle timeout.
    assert closed is not None and closed < TIMEOUT + 2


def test_topic_upgrade_still_works(hub):
    got, _ = exchange(hub, b"GET /topics/chat HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n", wait=1)
    assert status_of(got) == 101


def test_connection_that_sends_nothing_is_closed(hub):
    got, closed = exchange(hub, b"")
    assert got == b""
    assert closed is not None and closed < TIMEOUT + 2


def test_idle_keep_alive_connection_is_closed(hub):
    got, closed = exchange(hub, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(got) == 200
    assert closed is not None and closed < TIMEOUT + 2


@pytest.mark.parametrize(
    "data",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\n",  # the head never ends
        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user",  # the body stops
    ],
    ids=["slow head", "slow body"],
)
def test_request_that_stops_halfway_gets_408(hub, data):
    got, closed = exchange(hub, data)
    assert status_of(got) == 408, got[:300]
    assert closed is not None and closed < TIMEOUT + 3


@pytest.mark.parametrize("size", [2 << 20, 20 << 20], ids=["2MB", "20MB"])
@pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "connection-close"])
def test_body_over_the_limit_gets_a_413_the_client_can_read(hub, size, close):
    """http.client writes the whole body before it reads: the hub must take (and drop) the
    rest of the body rather than reset the connection under the answer."""
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if close:
        headers["Connection"] = "close"
    c.request("POST", "/api/v1/session", body=b"x" * size, headers=headers)
    r = c.getresponse()
    assert r.status == 413
    assert b"body_too_large" in r.read()
    c.close()


def test_body_over_the_limit_via_urllib(hub):
    req = urllib.request.Request(hub.url + "/api/v1/session", data=b"x" * (8 << 20), headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 413


CAPS_CONFIG = """
server:
  request_head_timeout: 4s
  max_connections: 40
  max_connections_per_address: 15
"""


def open_idle(hub, source, count):
    """Opens `count` connections from `source` that send nothing; returns (open, refused)
    once each was either refused (503 or closed) or still open after a moment."""
    socks = []
    for _ in range(count):
        s = socket.socket()
        s.bind((source, 0))
        s.connect(("127.0.0.1", hub.port))
        socks.append(s)
    refused, deadline = {}, time.monotonic() + 1.0
    while time.monotonic() < deadline:
        readable, _, _ = select.select([s for s in socks if s not in refused], [], [], 0.1)
        for s in readable:
            try:
                refused[s] = s.recv(4096)
            except ConnectionResetError:
                refused[s] = b""
    for s, answer in refused.items():
        assert answer == b"" or status_of(answer) == 503, answer
        s.close()
    return [s for s in socks if s not in refused], len(refused)


def test_connection_caps_keep_the_hub_serving(request):
    d, hub = start_hub(CAPS_CONFIG)
    held = []

    def cleanup():
        for s in held:
            s.close()
        hub.stop()
        d.cleanup()

    request.addfinalizer(cleanup)
    assert "max_connections=40" in hub.logs() and "open_files_limit=" in hub.logs()
    admin = hub.session()

    # One address floods: it gets its 15, the rest is refused at once; others are served.
    opened, refused = open_idle(hub, "127.0.0.2", 25)
    held += opened
    assert (len(opened), refused) == (15, 10)
    assert requests.get(hub.url + "/health", timeout=5).status_code == 200
    assert admin.get(hub.url + "/api/v1/me", timeout=5).status_code == 200

    # More addresses fill the hub's cap of 40 (the session's keep-alive connection counts
    # too): the last address is refused below its own cap, and so is anyone new.
    opened, refused = open_idle(hub, "127.0.0.3", 15)
    held += opened
    assert (len(opened), refused) == (15, 0)
    opened, refused = open_idle(hub, "127.0.0.4", 15)
    held += opened
    assert refused >= 5 and len(held) <= 40
    got, closed = exchange(hub, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", wait=3)
    assert got == b"" or status_of(got) == 503
    assert closed is not None

    # The flood never sends a request: the head timeout frees the slots, the hub lives on.
    wait_for(lambda: requests.get(hub.url + "/health", timeout=2).status_code == 200, timeout=15, what="/health after the flood")
    assert admin.get(hub.url + "/api/v1/me", timeout=5).status_code == 200
    assert hub.proc.poll() is None


def test_undeclared_methods_get_405_with_allow(hub):
    r = requests.request("TRACE", hub.url + "/health", timeout=5)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    assert r.json()["error"] == "method_not_allowed"
    r = requests.request("PROPFIND", hub.url + "/api/v1/inbox/0190c4a2-0000-7000-8000-000000000000", timeout=5)
    assert r.status_code == 405 and "GET" in r.headers["Allow"].split(", ")
    # A literal path wins over a parameter, as the router decides.
    r = requests.delete(hub.url + "/api/v1/inbox/unread-count", timeout=5)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    assert requests.request("TRACE", hub.url + "/nowhere", timeout=5).status_code == 404


def test_head_works_where_get_does(hub):
    r = requests.head(hub.url + "/health", timeout=5)
    assert r.status_code == 200 and r.content == b""
    s = hub.session()
    r = s.head(hub.url + "/api/v1/me", timeout=5)
    assert r.status_code == 200 and r.content == b""
    assert requests.head(hub.url + "/api/v1/me", timeout=5).status_code == 401


def test_since_garbage_is_a_4400_refusal(hub):
    from websockets.sync.client import connect
    from websockets.exceptions import ConnectionClosed
    import json

    token = hub.session().post(hub.url + "/api/v1/tokens", json={"name": "t"}).json()["token"]
    url = hub.url.replace("http", "ws", 1) + "/topics/chat?_since=garbage"
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10) as ws:
        frame = json.loads(ws.recv(timeout=10))
        assert frame["_type"] == "error" and frame["status"] == 400 and "_since" in frame["message"]
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 4400


def login_from(hub, source, headers):
    """Logs in over a connection from `source`; returns the Set-Cookie header."""
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10, source_address=(source, 0))
    body = '{"username":"admin","password":"%s"}' % hub.admin_password()
    c.request("POST", "/api/v1/session", body=body, headers={"Content-Type": "application/json", **headers})
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status in (200, 201), r.status
    return r.getheader("Set-Cookie")


def test_session_cookie_is_secure_behind_a_trusted_tls_proxy(hub):
    https = {"X-Forwarded-Proto": "https"}
    assert "Secure" in login_from(hub, "127.0.0.2", https)
    assert "Secure" not in login_from(hub, "127.0.0.2", {"X-Forwarded-Proto": "http"})
    # Anyone else's X-Forwarded-Proto is not believed.
    assert "Secure" not in login_from(hub, "127.0.0.1", https)
    # A proxy appends its own value last; a value the client put first does not count.
    assert "Secure" not in login_from(hub, "127.0.0.2", {"X-Forwarded-Proto": "https, http"})


def test_topic_origin_check_compares_the_scheme(hub):
    from websockets.sync.client import connect
    import json

    token = hub.session().post(hub.url + "/api/v1/tokens", json={"name": "t"}).json()["token"]
    url = hub.url.replace("http", "ws", 1) + "/topics/chat"

    def first_frame(source, origin, proto=None):
        s = socket.socket()
        s.bind((source, 0))
        s.connect(("127.0.0.1", hub.port))
        headers = {"Authorization": f"Bearer {token}", **({"X-Forwarded-Proto": proto} if proto else {})}
        with connect(url, sock=s, origin=origin, additional_headers=headers, open_timeout=10) as ws:
            return json.loads(ws.recv(timeout=10))

    own = f"127.0.0.1:{hub.port}"
    assert first_frame("127.0.0.1", f"http://{own}")["_type"] == "ready"
    refused = first_frame("127.0.0.1", f"https://{own}")
    assert refused["_type"] == "error" and refused["status"] == 403
    # Behind the TLS proxy the hub's own origin is https://…, and http://… is foreign.
    assert first_frame("127.0.0.2", f"https://{own}", "https")["_type"] == "ready"
    assert first_frame("127.0.0.2", f"http://{own}", "https")["status"] == 403
