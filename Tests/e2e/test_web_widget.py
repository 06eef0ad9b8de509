"""The inbox widget (/widget.js) in headless Chromium, embedded in a page served by another
small HTTP server on another loopback port (another origin): on `server.widget_origins` it
shows the unread count and the latest items and follows new ones live; a page of an origin
not on the list gets nothing; a `<script>` in a message stays text. axe-core on the host page."""
import http.server
import json
import os
import shutil
import threading

import pytest

from conftest import Hub, free_port

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Operations dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Operations dashboard</h1><div id="hub-inbox"></div></main>
<script src="{hub}/widget.js" data-token="{token}" data-target="#hub-inbox"></script>
</body></html>
"""


class HostSite:
    """A plain web server on its own loopback port: one page, set by the test."""

    def __init__(self):
        self.page = ""
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = site.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def dashboard():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def stranger():
    site = HostSite()
    yield site
    site.close()


@pytest.fixture
def widget_hub(data_dir, dashboard):
    config = os.path.join(data_dir, "switchboard.yaml")
    with open(config, "w") as f:
        f.write(f"server:\n  widget_origins: [{json.dumps(dashboard.url)}]\n")
    h = Hub(data_dir, config=config).start()
    yield h
    h.stop()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def css(browser, selector):
    from selenium.webdriver.common.by import By
    return browser.find_elements(By.CSS_SELECTOR, selector)


def wait(browser, predicate, timeout=20):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, timeout, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(predicate)


def count(browser):
    badge = css(browser, "[data-switchboard-unread]")
    return badge[0].get_attribute("data-switchboard-unread") if badge else None


def inbox_token(hub):
    r = hub.session().post(hub.url + "/api/v1/tokens", json={"name": "dashboard", "scopes": ["inbox:read"]})
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == ["inbox:read"]
    return r.json()["token"]


def inject(hub, session, sender, text):
    r = session.post(hub.url + "/api/v1/tester/inbound", json={"from": sender, "text": text})
    assert r.status_code == 202, r.text
    return r.json()["inbox_item_id"]


def accessibility_problems(browser):
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def test_the_widget_on_an_allowed_origin_follows_the_inbox_live(widget_hub, dashboard, browser, tmp_path):
    hub = widget_hub
    api = hub.session()
    inject(hub, api, "sms:+4712345678", "Road closed at km 12")
    hostile = inject(hub, api, "sms:+4799999999", "<script>window.pwned='text'</script><img src=x onerror=\"window.pwned='img'\"> meter")
    dashboard.page = PAGE.format(hub=hub.url, token=inbox_token(hub))

    browser.get(dashboard.url + "/")
    wait(browser, lambda d: count(d) == "2")
    items = css(browser, ".switchboard-widget-item")
    assert [i.get_attribute("data-id") for i in items][0] == str(hostile)
    # The markup people sent is shown as text and did nothing.
    assert "<script>window.pwned='text'</script>" in items[0].text
    assert not css(browser, "#hub-inbox script, #hub-inbox img")
    assert browser.execute_script("return window.pwned") is None

    # Live: a new message reaches the open page without a reload.
    wait(browser, lambda d: css(d, ".switchboard-widget")[0].get_attribute("data-live") == "true")
    browser.execute_script("window.sameDocument = true")
    live = inject(hub, api, "sms:+4755555555", "Water rising at the bridge")
    wait(browser, lambda d: count(d) == "3", timeout=5)
    first = css(browser, ".switchboard-widget-item")[0]
    assert first.get_attribute("data-id") == str(live)
    assert "Water rising at the bridge" in first.text
    assert browser.execute_script("return window.sameDocument") is True

    # At most five items: the oldest leave the list as new ones come.
    for n in range(3):
        inject(hub, api, "sms:+4755555555", f"update {n}")
    wait(browser, lambda d: count(d) == "6", timeout=5)
    assert len(css(browser, ".switchboard-widget-item")) == 5
    assert browser.execute_script("return window.pwned") is None

    assert accessibility_problems(browser) == []
    for label, (width, height) in (("phone", (320, 640)), ("desktop", (1280, 900))):
        browser.set_window_size(width, height)
        browser.save_screenshot(str(tmp_path / f"widget-{label}.png"))


def test_a_page_of_an_origin_not_on_the_list_gets_nothing(widget_hub, stranger, browser):
    hub = widget_hub
    api = hub.session()
    inject(hub, api, "sms:+4712345678", "Road closed at km 12")
    token = inbox_token(hub)
    stranger.page = PAGE.format(hub=hub.url, token=token)

    browser.get(stranger.url + "/")
    # The widget's reads are answered without CORS headers, so the browser keeps them from
    # the page: it says so and shows no count and no item.
    wait(browser, lambda d: "Inbox unavailable" in css(d, ".switchboard-widget-status")[0].text)
    assert count(browser) == "0"
    assert css(browser, ".switchboard-widget-item") == []
    assert css(browser, ".switchboard-widget")[0].get_attribute("data-live") is None

    # The same calls made by hand from that page: the read fails in the browser, and the
    # socket is refused by the hub (403, closed with 4403).
    outcome = browser.execute_async_script(
        """
        const [hub, token, done] = arguments;
        (async () => {
          const result = {};
          try {
            await fetch(hub + '/api/v1/inbox/unread-count', { headers: { Authorization: 'Bearer ' + token } });
            result.fetch = 'read';
          } catch (e) {
            result.fetch = 'blocked';
          }
          const ws = new WebSocket(hub.replace(/^http/, 'ws') + '/ws/inbox?token=' + token);
          ws.onmessage = (e) => { result.frame = JSON.parse(e.data); };
          ws.onclose = (e) => { result.code = e.code; done(result); };
        })();
        """,
        hub.url,
        token,
    )
    assert outcome["fetch"] == "blocked"
    assert outcome["frame"]["type"] == "error" and outcome["frame"]["status"] == 403
    assert "widget_origins" in outcome["frame"]["message"]
    assert outcome["code"] == 4403
