"""The groups list a page at a time against the real binary: the API walks every group once,
in name order, by `next_cursor` while groups are added between pages, and refuses a cursor it
did not make (400 `invalid_parameter`); the groups page shows 50 with a bookmarkable next link
and a link back to the start."""
import re

GROUPS = [f"team-{i:02d}" for i in range(55)]


def make_groups(api, url, names):
    for name in names:
        r = api.post(url + "/api/v1/groups", json={"name": name})
        assert r.status_code == 201, r.text


def test_the_groups_api_pages_by_cursor(hub):
    api = hub.session()
    make_groups(api, hub.url, GROUPS)
    walked, cursor, pages = [], None, 0
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        r = api.get(hub.url + "/api/v1/groups", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 7
        walked += [g["name"] for g in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if pages == 1:
            make_groups(api, hub.url, ["a-first", "zz-last"])
        if cursor is None:
            break
    assert walked == GROUPS + ["zz-last"], "each group once, in name order; one added behind the cursor is not seen"
    everything = api.get(hub.url + "/api/v1/groups").json()
    assert [g["name"] for g in everything["items"]] == ["a-first"] + GROUPS + ["zz-last"]
    assert everything["next_cursor"] is None
    r = api.get(hub.url + "/api/v1/groups", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_parameter", r.text
    r = api.get(hub.url + "/api/v1/groups", params={"limit": 0})
    assert r.status_code == 400 and r.json()["error"] == "invalid_parameter", r.text


def test_the_groups_page_shows_fifty_with_a_next_link(hub):
    api = hub.session()
    make_groups(api, hub.url, GROUPS)
    names = lambda html: re.findall(r'<a href="/groups/(team-\d\d)">', html)  # noqa: E731
    first = api.get(hub.url + "/groups")
    assert first.status_code == 200
    assert names(first.text) == GROUPS[:50]
    link = re.search(r'<a href="([^"]+)" id="groups-next">', first.text)
    assert link, "page 1 links to the next"
    second = api.get(hub.url + link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert names(second.text) == GROUPS[50:]
    assert 'id="groups-next"' not in second.text, "the last page has no next link"
    assert '<a href="/groups">' in second.text, "and links back to the start"
    again = api.get(hub.url + link.group(1).replace("&amp;", "&"))
    assert names(again.text) == GROUPS[50:], "the page's address is a bookmark"
    bad = api.get(hub.url + "/groups", params={"cursor": "zz"})
    assert bad.status_code == 400


def test_the_users_api_and_page_go_by_cursor(hub):
    admin = hub.session()
    names = [f"user-{i:02d}" for i in range(52)]
    for name in names:
        r = admin.post(hub.url + "/api/v1/users", json={"username": name, "password": f"{name}-secret-12", "role": "user"})
        assert r.status_code == 201, r.text
    walked, cursor = [], None
    while True:
        body = admin.get(hub.url + "/api/v1/users", params={"limit": 10} | ({"cursor": cursor} if cursor else {})).json()
        walked += [u["username"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert walked == ["admin"] + names, "every user once, in name order"
    r = admin.get(hub.url + "/api/v1/users", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_parameter", r.text
    shown = lambda html: re.findall(r'<tr data-user="([^"]+)">', html)  # noqa: E731
    first = admin.get(hub.url + "/admin/users")
    assert shown(first.text) == (["admin"] + names)[:50]
    link = re.search(r'<a href="([^"]+)" id="users-next">', first.text)
    assert link, "page 1 links to the next"
    second = admin.get(hub.url + link.group(1).replace("&amp;", "&"))
    assert shown(second.text) == names[49:]
    assert 'id="users-next"' not in second.text and '<a href="/admin/users">' in second.text
