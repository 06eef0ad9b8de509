"""Two hub processes on one PostgreSQL: what one node stores, the other serves.

The several-nodes tests (issue 14) start real `switchboard serve` processes against a fresh
database (cluster_support.Cluster)."""
import requests

from cluster_support import ADMIN_PASSWORD, Cluster, require_postgres

require_postgres()


def test_a_session_made_on_one_node_works_on_the_other_and_logout_ends_it_on_both():
    with Cluster() as cluster:
        a = cluster.node()
        b = cluster.node()
        s = requests.Session()
        r = s.post(a.url + "/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code in (200, 201, 204), r.text
        cookies = s.cookies.get_dict()
        assert cookies, "the login set a session cookie"

        on_b = requests.get(b.url + "/api/v1/me", cookies=cookies, timeout=10)
        assert on_b.status_code == 200, f"{on_b.status_code} {on_b.text}\n{cluster.logs()}"
        assert on_b.json()["username"] == "admin"

        stranger = requests.get(b.url + "/api/v1/me", cookies={k: "not-a-session" for k in cookies}, timeout=10)
        assert stranger.status_code == 401

        out = s.delete(b.url + "/api/v1/session", timeout=10)
        assert out.status_code in (200, 204), out.text
        assert requests.get(a.url + "/api/v1/me", cookies=cookies, timeout=10).status_code == 401
