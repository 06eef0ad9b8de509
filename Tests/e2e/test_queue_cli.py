"""Issue 'Queue operations': an operator works the outbox queue with `switchboard queue`,
on the data directory alone, while the hub is not running."""
import json

from conftest import Hub

PHONE = "sms:+4712345678"
OPERATOR = {"USER": "ops-kari"}


def queue_json(hub, *args):
    return json.loads(hub.cli("queue", *args, "--json", env=OPERATOR).stdout)


def test_operator_lists_cancels_and_explains_the_queue(data_dir):
    hub = Hub(data_dir)  # never started: nothing sends, so everything stays queued
    for severity, text in [("info", "Backup done"), ("critical", "Core switch down"), ("warning", "Disk 90% on db1")]:
        hub.cli("send", "--to", PHONE, "--severity", severity, text, env=OPERATOR)
    hub.cli("send", "--to", "mailto:ops@example.org", "--severity", "error", "Mail relay slow", env=OPERATOR)

    # Who is waiting: the phone has the most severe message, so it comes first.
    recipients = queue_json(hub, "recipients")
    assert [(r["address"], r["count"], r["highest_severity"]) for r in recipients] == [
        (PHONE, 3, "critical"), ("mailto:ops@example.org", 1, "error")], recipients
    assert [r["address"] for r in queue_json(hub, "recipients", "--channel", "email")] == ["mailto:ops@example.org"]
    listing = hub.cli("queue", "recipients").stdout
    assert listing.index(PHONE) < listing.index("mailto:ops@example.org"), listing

    # What is waiting for the phone: most severe first, with the text.
    shown = queue_json(hub, "show", PHONE)
    assert shown["address"] == PHONE
    assert [(i["severity"], i["text"]) for i in shown["items"]] == [
        ("critical", "Core switch down"), ("warning", "Disk 90% on db1"), ("info", "Backup done")], shown
    assert all(i["status"] == "queued" for i in shown["items"])
    critical_id = shown["items"][0]["id"]
    text = hub.cli("queue", "show", PHONE).stdout.splitlines()
    assert [line.split("\t")[0] for line in text] == [i["id"] for i in shown["items"]], text

    # Nothing is an hour old; everything is at least 0 seconds old.
    assert queue_json(hub, "cancel", "--min-age", "1h") == {"cancelled": 0}
    assert queue_json(hub, "show", PHONE)["items"] != []
    assert queue_json(hub, "cancel", "--min-age", "0s", "--reason", "storm is over") == {"cancelled": 4}
    assert queue_json(hub, "recipients") == []
    assert queue_json(hub, "show", PHONE)["items"] == []

    # The delivery says who cancelled it and why.
    detail = queue_json(hub, "delivery", critical_id)
    assert detail["delivery"]["status"] == "cancelled"
    assert detail["attempts"] == []
    assert [(c["from"], c["to"], c["reason"], c["actor"]) for c in detail["status_changes"]] == [
        ("queued", "cancelled", "storm is over", "cli:ops-kari")], detail
    human = hub.cli("queue", "delivery", critical_id).stdout
    assert "status:       cancelled" in human, human
    assert "queued -> cancelled by cli:ops-kari: storm is over" in human, human

    # A cancelled delivery cannot be queued again: a clear error, and nothing changes.
    r = hub.cli("queue", "set-status", critical_id, "queued", "--reason", "changed my mind", env=OPERATOR, check=False)
    assert r.returncode != 0, r.stdout
    assert "illegal_transition" in r.stderr and "is cancelled; cannot move to queued" in r.stderr, r.stderr
    after = queue_json(hub, "delivery", critical_id)
    assert after["delivery"]["status"] == "cancelled"
    assert len(after["status_changes"]) == 1

    # Without a reason, set-status is refused before anything is opened.
    r = hub.cli("queue", "set-status", critical_id, "held", env=OPERATOR, check=False)
    assert r.returncode != 0 and "--reason" in r.stderr, r.stderr
    # An unknown delivery is named as such.
    r = hub.cli("queue", "delivery", "no-such-delivery", check=False)
    assert r.returncode != 0 and "unknown_delivery" in r.stderr, r.stderr
