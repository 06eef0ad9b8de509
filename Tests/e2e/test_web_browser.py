"""The web interface in headless Chromium against the real binary: log in, the inbox pages,
a message arriving live, marking read, hostile input, accessibility (axe-core) and
screenshots at phone and desktop width (in the test's tmp directory, not committed)."""
import shutil

import pytest
import requests

from conftest import Hub

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")

PHONE = (320, 640)
DESKTOP = (1280, 900)


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


def by(kind):
    from selenium.webdriver.common.by import By
    return getattr(By, kind)


def wait(browser, predicate, timeout=20):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, timeout).until(predicate)


def accessibility_problems(browser):
    """axe-core's serious and critical violations on the current page."""
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def screenshots(browser, out, name):
    """The current page at phone and desktop width, as PNG files in `out`."""
    for label, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
        browser.set_window_size(width, height)
        browser.save_screenshot(str(out / f"{name}-{label}.png"))
        if label == "phone":
            overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} scrolls sideways at {width} px ({overflow} px too wide)"
    browser.set_window_size(*DESKTOP)


def log_in(browser, hub, password):
    browser.get(hub.url + "/")
    wait(browser, lambda d: d.current_url.startswith(hub.url + "/login"))
    browser.find_element(by("ID"), "username").send_keys("admin")
    browser.find_element(by("ID"), "password").send_keys(password)
    browser.find_element(by("ID"), "login-button").click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "inbox")


def inject(session, hub, sender, text):
    r = session.post(hub.url + "/api/v1/tester/inbound", json={"from": sender, "text": text})
    assert r.status_code == 202, r.text
    return r.json()["inbox_item_id"]


def test_inbox_in_a_browser_live_marking_and_hostile_input(hub, browser, tmp_path):
    api = hub.session()
    r = api.post(hub.url + "/api/v1/contacts", json={"name": "<script>window.pwned='name'</script>Kari", "addresses": ["sms:+4799999999"]})
    assert r.status_code == 201, r.text
    hostile = inject(api, hub, "sms:+4799999999", "<img src=x onerror=\"window.pwned='text'\"> meter broken")
    first = inject(api, hub, "sms:+4712345678", "Road closed at km 12")

    browser.get(hub.url + "/login")
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "login")
    log_in(browser, hub, hub.admin_password())

    unread = browser.find_element(by("ID"), "unread-items")
    assert "Road closed at km 12" in unread.text
    # The contact's name stands for the sender, shown as text: the markup did nothing.
    assert "<script>window.pwned='name'</script>Kari" in unread.text
    assert "<img src=x" in unread.text
    assert browser.execute_script("return window.pwned") is None
    assert browser.title.startswith("(2) ")
    assert accessibility_problems(browser) == []

    # Live: a message injected now appears at the top with a toast, without a reload.
    wait(browser, lambda d: d.find_element(by("ID"), "live-status").get_attribute("data-live") == "true")
    browser.execute_script("window.sameDocument = true")
    live = inject(api, hub, "sms:+4755555555", "Water rising at the bridge")
    wait(browser, lambda d: d.find_element(by("CSS_SELECTOR"), "#unread-items li").get_attribute("data-id") == str(live), timeout=5)
    wait(browser, lambda d: "Water rising at the bridge" in d.find_element(by("ID"), "toasts").text, timeout=5)
    assert browser.execute_script("return window.sameDocument") is True
    wait(browser, lambda d: d.title.startswith("(3) "))
    assert browser.find_element(by("CSS_SELECTOR"), '[data-unread="common"]').text.startswith("3")
    screenshots(browser, tmp_path, "inbox")

    # Mark read: the row moves to the read list, the count drops, the hub knows.
    row = browser.find_element(by("CSS_SELECTOR"), f'#unread-items li[data-id="{first}"]')
    row.find_element(by("CSS_SELECTOR"), "button.mark-button").click()
    wait(browser, lambda d: d.find_elements(by("CSS_SELECTOR"), f'#read-items li[data-id="{first}"]'))
    wait(browser, lambda d: d.title.startswith("(2) "))
    assert api.get(f"{hub.url}/api/v1/inbox/{first}").json()["read"] is True
    assert browser.execute_script("return window.sameDocument") is True

    # Mark all read: a form post with the page's CSRF token; everything shown is read.
    browser.find_element(by("ID"), "mark-all-read").click()
    wait(browser, lambda d: not d.find_elements(by("CSS_SELECTOR"), "#unread-items li"))
    assert api.get(hub.url + "/api/v1/inbox/unread-count").json()["common"] == 0
    assert not browser.title.startswith("(")
    assert {hostile, live} <= {int(li.get_attribute("data-id")) for li in browser.find_elements(by("CSS_SELECTOR"), "#read-items li")}

    # My inbox is its own page; then log out.
    browser.find_element(by("LINK_TEXT"), "My inbox").click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "mine")
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "mine")
    browser.find_element(by("CSS_SELECTOR"), "form.logout button").click()
    wait(browser, lambda d: d.current_url.startswith(hub.url + "/login"))
    browser.get(hub.url + "/mine")
    wait(browser, lambda d: d.current_url.startswith(hub.url + "/login"))
    assert browser.execute_script("return window.pwned") is None
    print(f"screenshots in {tmp_path}")


def test_another_site_cannot_use_the_session(hub):
    """A form another site posts to the hub with the visitor's cookie changes nothing."""
    api = hub.session()
    item = inject(api, hub, "sms:+4712345678", "one")
    forged = api.post(hub.url + "/inbox/read-all", data={"scope": "common", "back": "/"},
                      headers={"Origin": "https://evil.example"}, allow_redirects=False)
    assert forged.status_code == 403
    own_without_token = api.post(hub.url + "/inbox/read-all", data={"scope": "common", "back": "/"},
                                 headers={"Origin": hub.url}, allow_redirects=False)
    assert own_without_token.status_code == 403
    assert own_without_token.json()["error"] == "csrf_token_invalid"
    assert api.get(f"{hub.url}/api/v1/inbox/{item}").json()["read"] is False
    framed = requests.get(hub.url + "/login")
    assert "frame-ancestors 'none'" in framed.headers["Content-Security-Policy"]
    assert framed.headers["X-Frame-Options"] == "DENY"


AUTO_REPLY = """
connectors:
  tester:
    engine: bucket
    channels: [sms, email, im]
channels:
  sms: { route: [tester] }
  email: { route: [tester] }
auto_replies:
  - keyword: ping
    reply: pong
"""


def test_message_page_tester_and_reply_in_a_browser(data_dir, browser, tmp_path):
    config = tmp_path / "hub.yaml"
    config.write_text(AUTO_REPLY)
    hub = Hub(data_dir, config=str(config)).start()
    try:
        check_message_page_tester_and_reply(hub, browser, tmp_path)
    finally:
        hub.stop()


def check_message_page_tester_and_reply(hub, browser, tmp_path):
    api = hub.session()
    hostile_html = ('<p>Meter <b>broken</b></p><script>parent.pwned="script"</script>'
                    '<img src=x onerror="parent.pwned=\'img\'"><a href="javascript:parent.pwned=\'link\'">click</a>')
    r = api.post(hub.url + "/api/v1/tester/inbound",
                 json={"from": "sms:+4712345678", "text": "Meter broken", "subject": "Meter", "html": hostile_html})
    assert r.status_code == 202, r.text
    item = r.json()["inbox_item_id"]

    log_in(browser, hub, hub.admin_password())
    browser.find_element(by("CSS_SELECTOR"), f'#unread-items li[data-id="{item}"] a.preview').click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "message")
    assert "Meter broken" in browser.find_element(by("ID"), "message-text").text
    frame = browser.find_element(by("ID"), "message-html")
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    wait(browser, lambda d: "Meter" in d.find_element(by("TAG_NAME"), "body").text)
    assert browser.find_elements(by("TAG_NAME"), "script") == []
    assert browser.find_elements(by("TAG_NAME"), "img") == []
    assert browser.find_element(by("TAG_NAME"), "a").get_attribute("href") is None
    browser.switch_to.default_content()
    assert browser.execute_script("return window.pwned") is None
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "message")

    # A reply from the page leaves on the connector the message came in on.
    browser.find_element(by("ID"), "reply-text").send_keys("Technician on the way")
    browser.find_element(by("ID"), "reply-send").click()
    wait(browser, lambda d: "/messages/" in d.current_url)
    wait(browser, lambda d: "Technician on the way" in d.find_element(by("ID"), "message-text").text)
    browser.refresh()
    wait(browser, lambda d: "sent" in d.find_element(by("ID"), "deliveries").text)
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "sent")
    sent = api.get(hub.url + "/api/v1/tester/sent", params={"to": "sms:+4712345678"}).json()["items"]
    assert [s["text"] for s in sent] == ["Technician on the way"]

    # The tester: type as if from a phone, see the message land (and what the hub sends back).
    browser.find_element(by("LINK_TEXT"), "Tester").click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "tester")
    browser.find_element(by("ID"), "tester-text").send_keys("hello from the tester")
    browser.find_element(by("ID"), "tester-send").click()
    wait(browser, lambda d: "Landed in the inbox." in d.find_element(by("ID"), "chat").text)
    assert "hello from the tester" in browser.find_element(by("ID"), "chat").text
    # A keyword the hub answers: its reply shows on the hub's side of the chat.
    browser.find_element(by("ID"), "tester-text").send_keys("ping")
    browser.find_element(by("ID"), "tester-send").click()
    wait(browser, lambda d: d.find_elements(by("CSS_SELECTOR"), "#chat li.hub"))
    assert "pong" in browser.find_element(by("CSS_SELECTOR"), "#chat li.hub").text
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "tester")
    inbox = api.get(hub.url + "/api/v1/inbox", params={"scope": "common", "q": "hello from the tester"}).json()["items"]
    assert len(inbox) == 1
