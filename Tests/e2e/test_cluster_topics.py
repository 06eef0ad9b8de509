"""Live sockets across two hub processes on one PostgreSQL: a topic client on node B gets
what is posted through node A live, once each and in the topic's order, while both nodes
post; one that joins mid-stream gets history then live with no gap; an inbound message
stored through A appears on B's live inbox socket (issue 14 item 4)."""
import json
import threading

from websockets.sync.client import connect

from cluster_support import Cluster, require_postgres
from topics_support import Client, q

require_postgres()

CONFIG = """
connectors:
  tester:
    engine: bucket
    channels: [sms, email, im]
channels:
  sms: {route: [tester]}
topics:
  chat:
    columns: {body: TEXT}
    modify: {shout: $field.body}
"""

# A poster's filter that matches no row: it hears its acks only, not the broadcasts.
ACKS_ONLY = q(body="(no row has this body)")


def token(node):
    return node.session().post(node.url + "/api/v1/tokens", json={"name": "cluster-topics"}).json()["token"]


def ids_in_order(cluster):
    return cluster.sql("SELECT id FROM chat ORDER BY _seq").split()


def post_all(node, tok, bodies, acked=None):
    """Posts `bodies` on one socket of `node`: all at once, then reads the acks; or, with
    `acked` (a threading.Event per body), one at a time, setting each event at its ack."""
    c = Client(node, token=tok, query=ACKS_ONLY)

    def ack():
        f = c.until(lambda f: f["_type"] in ("ack", "error"), timeout=30)
        assert f["_type"] == "ack", f

    try:
        assert c.history() == []
        if acked:
            for b, event in zip(bodies, acked):
                c.send(_method="POST", body=b)
                ack()
                event.set()
        else:
            for b in bodies:
                c.send(_method="POST", body=b)
            for _ in bodies:
                ack()
    finally:
        c.close()


def live_rows(client, count, timeout=30):
    rows = []
    while len(rows) < count:
        f = client.recv(timeout)
        assert f["_type"] == "message", f
        rows.append(f)
    return rows


def test_a_client_on_b_gets_the_posts_of_both_nodes_live_once_each_in_order():
    with Cluster(config=CONFIG) as cluster:
        a, b = cluster.node(), cluster.node()
        tok = token(a)
        on_b, on_a = Client(b, token=tok), Client(a, token=tok)
        try:
            assert on_b.history() == [] and on_a.history() == []
            posters = [
                threading.Thread(target=post_all, args=(node, tok, [f"{name}{i}" for i in range(100)]))
                for name, node in (("a", a), ("b", b))
            ]
            for t in posters:
                t.start()
            for t in posters:
                t.join(60)
            order = ids_in_order(cluster)
            assert len(order) == 200, cluster.logs()
            for name, client in (("B", on_b), ("A", on_a)):
                rows = live_rows(client, 200)
                assert [r["id"] for r in rows] == order, f"node {name}: every row once, in the topic's order\n{cluster.logs()}"
                assert all(r["_method"] == "POST" and r["shout"] == r["body"] for r in rows)
        finally:
            on_b.close()
            on_a.close()


def test_a_client_joining_b_while_a_posts_gets_history_then_live_without_gap_or_duplicate():
    with Cluster(config=CONFIG) as cluster:
        a, b = cluster.node(), cluster.node()
        tok = token(a)
        acked = [threading.Event() for _ in range(300)]
        poster = threading.Thread(target=post_all, args=(a, tok, [f"row {i}" for i in range(300)], acked))
        poster.start()
        assert acked[60].wait(60), "the first rows were acknowledged"
        joined = Client(b, token=tok, query=q(_limit=1000))
        try:
            history = joined.history()
            assert len(history) >= 61
            poster.join(60)
            order = ids_in_order(cluster)
            assert len(order) == 300
            live = live_rows(joined, 300 - len(history))
            got = [r["id"] for r in history] + [r["id"] for r in live]
            assert got == order, f"history then live: no gap, no duplicate\n{cluster.logs()}"
        finally:
            joined.close()


def test_an_inbound_message_through_a_appears_on_bs_live_inbox_socket():
    with Cluster(config=CONFIG) as cluster:
        a, b = cluster.node(), cluster.node()
        admin_on_a = a.session()
        cookie = admin_on_a.cookies.get("switchboard_session")
        url = b.url.replace("http", "ws") + "/ws/inbox"
        with connect(url, origin=b.url, additional_headers={"Cookie": f"switchboard_session={cookie}"}, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10)) == {"type": "ready"}
            r = admin_on_a.post(a.url + "/api/v1/tester/inbound", json={"from": "sms:+4712345678", "text": "stored through A"})
            assert r.status_code == 202, r.text
            frame = json.loads(ws.recv(timeout=15))
            assert frame["type"] == "item", frame
            assert frame["item"]["id"] == r.json()["inbox_item_id"]
            assert frame["item"]["preview"] == "stored through A"
            # B's own inbound arrives too, and A's item came once.
            r2 = admin_on_a.post(b.url + "/api/v1/tester/inbound", json={"from": "sms:+4712345678", "text": "stored through B"})
            assert r2.status_code == 202, r2.text
            frame = json.loads(ws.recv(timeout=15))
            assert frame["item"]["id"] == r2.json()["inbox_item_id"], f"{frame}\n{cluster.logs()}"
