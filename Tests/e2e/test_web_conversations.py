"""The conversations and topics pages in headless Chromium against the real binary: the
example `report` responder started through the tester API, seen on /conversations, opened and
aborted by the admin; the topics page lists what the user may read; axe-core and screenshots
at phone and desktop width (in the test's tmp directory, not committed)."""
import os

import textwrap

import pytest

from conftest import Hub, wait_for
from test_web_browser import CHROMIUM, DRIVER, accessibility_problems, browser, by, log_in, screenshots, wait  # noqa: F401

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def report_responder():
    """The example file's `report` responder, its lines as they are (a YAML 1.1 loader would
    read its yes/no answers as booleans)."""
    with open(os.path.join(ROOT, "switchboard.example.yaml")) as f:
        lines = f.read().splitlines()
    start = lines.index("    report:")
    block = [lines[start]]
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= 4:
            break
        block.append(line)
    return "\n".join(block)


def config():
    """A bucket connector, the example's `report` responder, and two topics (one any account
    may read, one for admins)."""
    return textwrap.dedent("""\
        connectors:
          tester: {engine: bucket, channels: [sms]}
        topics:
          chat:
            columns: {body: TEXT}
          staff:
            columns: {body: TEXT}
            read: {roles: [admin]}
            write: {roles: [admin]}
        conversations:
          responders:
        """) + report_responder() + "\n"


@pytest.fixture
def conversation_hub(data_dir):
    path = os.path.join(data_dir, "switchboard.yaml")
    with open(path, "w") as f:
        f.write(config())
    h = Hub(data_dir, config=path).start()
    yield h
    h.stop()


def say(session, hub, party, text):
    r = session.post(hub.url + "/api/v1/tester/inbound", json={"from": party, "text": text})
    assert r.status_code in (200, 201, 202), r.text


def test_an_admin_follows_and_aborts_a_report_conversation(conversation_hub, browser, tmp_path):
    hub = conversation_hub
    api = hub.session()
    party = "sms:+4712345678"
    say(api, hub, party, "report")
    say(api, hub, party, "<script>window.pwned=1</script>Flooded cellar")

    log_in(browser, hub, hub.admin_password())
    browser.find_element(by("CSS_SELECTOR"), 'nav a[href="/conversations"]').click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "conversations")
    row = browser.find_element(by("CSS_SELECTOR"), '#conversations tr[data-status="ongoing"]')
    assert "+4712345678" in row.text and "report" in row.text
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "conversations")

    row.find_element(by("TAG_NAME"), "a").click()
    wait(browser, lambda d: d.find_elements(by("ID"), "transcript"))
    transcript = browser.find_element(by("ID"), "transcript").text
    assert "What happened?" in transcript and "Where did it happen?" in transcript
    assert "<script>window.pwned=1</script>Flooded cellar" in transcript, "the party's text is shown as text"
    assert browser.execute_script("return window.pwned") is None
    data = browser.find_element(by("ID"), "conversation-data").text
    assert "what" in data and "Flooded cellar" in data
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "conversation")

    browser.find_element(by("ID"), "abort-reason").send_keys("test call, not a real incident")
    browser.find_element(by("ID"), "abort-submit").click()
    wait(browser, lambda d: d.find_element(by("ID"), "conversation-status").text == "aborted")
    assert browser.find_element(by("ID"), "conversation-end-reason").text == "test call, not a real incident"
    assert not browser.find_elements(by("ID"), "abort-reason")
    ongoing = api.get(hub.url + "/api/v1/conversations", params={"status": "ongoing"}).json()["items"]
    assert ongoing == []
    ended = api.get(hub.url + "/api/v1/conversations", params={"status": "aborted"}).json()["items"]
    assert [c["ended_by"] for c in ended] == ["admin"]
    # The party was told (the hub's notice left on the tester connector).
    wait_for(lambda: len(api.get(hub.url + "/api/v1/tester/sent", params={"to": party}).json()["items"]) >= 3, what="the notice")

    browser.get(hub.url + "/conversations")
    assert not browser.find_elements(by("CSS_SELECTOR"), "#conversations"), "nothing ongoing any more"
    browser.get(hub.url + "/conversations?status=aborted")
    assert "+4712345678" in browser.find_element(by("ID"), "conversations").text


def test_the_topics_page_lists_readable_topics_and_opens_their_chat(conversation_hub, browser, tmp_path):
    hub = conversation_hub
    api = hub.session()
    r = api.post(hub.url + "/api/v1/users", json={"username": "olga", "password": "olga-secret-1", "role": "user"})
    assert r.status_code == 201, r.text

    log_in(browser, hub, hub.admin_password())
    browser.find_element(by("CSS_SELECTOR"), 'nav a[href="/topics"]').click()
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == "topics")
    names = [a.text for a in browser.find_elements(by("CSS_SELECTOR"), "#topics a")]
    assert names == ["chat", "staff"]
    assert accessibility_problems(browser) == []
    screenshots(browser, tmp_path, "topics")
    browser.find_element(by("LINK_TEXT"), "chat").click()
    wait(browser, lambda d: d.current_url == hub.url + "/topics/chat")

    olga = hub.session("olga", "olga-secret-1")
    page = olga.get(hub.url + "/topics")
    assert page.status_code == 200
    assert 'href="/topics/chat"' in page.text and 'href="/topics/staff"' not in page.text
