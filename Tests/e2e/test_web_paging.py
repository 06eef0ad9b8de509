"""Long lists a page at a time in headless Chromium against the real binary: the API tokens
page shows 50 with a next link, the next page holds the rest and nothing of the first, and a
link goes back to the start. axe-core on every page, screenshots at phone and desktop width
(in the test's tmp directory, not committed)."""
import pytest

from test_web_browser import CHROMIUM, DRIVER, accessibility_problems, browser, by, log_in, screenshots, wait  # noqa: F401

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (scripts/test.sh installs them)")


def page_is(browser, page):
    wait(browser, lambda d: d.find_element(by("TAG_NAME"), "body").get_attribute("data-page") == page)
    assert accessibility_problems(browser) == [], browser.current_url


def shown(browser, selector, attribute):
    return [row.get_attribute(attribute) for row in browser.find_elements(by("CSS_SELECTOR"), selector)]


def follow(browser, link_id):
    before = browser.current_url
    browser.find_element(by("ID"), link_id).click()
    wait(browser, lambda d: d.current_url != before)


def test_the_tokens_page_pages_with_next_and_first_links(hub, browser, tmp_path):
    api = hub.session()
    made = []
    for i in range(53):
        r = api.post(hub.url + "/api/v1/tokens", json={"name": f"token {i:02d}", "scopes": ["inbox:read"]})
        assert r.status_code == 201, r.text
        made.append(r.json()["id"])

    log_in(browser, hub, hub.admin_password())
    browser.get(hub.url + "/admin/tokens")
    page_is(browser, "admin-tokens")
    first = shown(browser, "#tokens tr[data-token]", "data-token")
    assert first == made[:50], "the oldest 50 first"
    assert not browser.find_elements(by("ID"), "tokens-first"), "the first page has no link back"
    screenshots(browser, tmp_path, "tokens-page-1")
    follow(browser, "tokens-next")
    page_is(browser, "admin-tokens")
    second = shown(browser, "#tokens tr[data-token]", "data-token")
    assert second == made[50:], "the next page holds the rest, nothing repeated"
    assert not browser.find_elements(by("ID"), "tokens-next"), "the last page has no next link"
    screenshots(browser, tmp_path, "tokens-page-2")
    follow(browser, "tokens-first")
    assert shown(browser, "#tokens tr[data-token]", "data-token") == made[:50]
