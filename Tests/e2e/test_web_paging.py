"""Long lists a page at a time in headless Chromium against the real binary: the API tokens
page and a group's page (its members) show 50 with a next link, the next page holds the rest
and nothing of the first, and a link goes back to the start; the group's counts of members
without a phone or an email are the whole group's on every page. axe-core on every page, screenshots at phone and desktop width
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


def test_a_group_page_pages_its_members_and_counts_the_whole_group(hub, browser, tmp_path):
    api = hub.session()
    r = api.post(hub.url + "/api/v1/groups", json={"name": "field-team"})
    assert r.status_code == 201, r.text
    members = []
    for i in range(54):
        addresses = ([f"sms:+4790{i:06d}"] if i % 3 else []) + ([f"mailto:m{i}@example.org"] if i % 4 else [])
        r = api.post(hub.url + "/api/v1/contacts", json={"name": f"Member {i:02d}", "addresses": addresses})
        assert r.status_code == 201, r.text
        members.append(r.json()["id"])
        r = api.post(hub.url + "/api/v1/groups/field-team/members", json={"contact_id": members[-1]})
        assert r.status_code == 201, r.text
    no_phone, no_email = len(range(0, 54, 3)), len(range(0, 54, 4))

    log_in(browser, hub, hub.admin_password())
    browser.get(hub.url + "/groups/field-team")
    page_is(browser, "groups")
    counts = lambda: [browser.find_element(by("ID"), i).text for i in ("member-counts", "count-no-phone", "count-no-email")]  # noqa: E731
    assert counts() == ["Members in all: 54.", f"Without a phone number (no SMS): {no_phone}.",
                        f"Without an email address (no rich messages or emails): {no_email}."]
    first = shown(browser, "#members li[data-id]", "data-id")
    assert first == members[:50], "the first 50 in name order"
    screenshots(browser, tmp_path, "group-members-1")
    follow(browser, "members-next")
    page_is(browser, "groups")
    second = shown(browser, "#members li[data-id]", "data-id")
    assert second == members[50:], "the next page holds the rest, nothing repeated"
    assert not browser.find_elements(by("ID"), "members-next")
    assert counts()[0] == "Members in all: 54.", "the counts are the whole group's on every page"
    screenshots(browser, tmp_path, "group-members-2")
    follow(browser, "members-first")
    assert shown(browser, "#members li[data-id]", "data-id") == members[:50]
