"""A full disk, for real: the data directory on a small tmpfs, filled up while the hub runs.
Writes are answered 507 `storage_full`, /health says degraded, nothing accepted is lost, and
everything recovers once space is freed. Needs root (mount); skipped elsewhere, failed in CI."""
import os
import subprocess
import tempfile

import pytest
import requests

from conftest import Hub, wait_for


class TmpfsHub(Hub):
    """A hub whose data directory is `store` (the tmpfs); its logs stay outside it."""

    def __init__(self, data_dir, store):
        super().__init__(data_dir)
        self.store = store

    def args(self):
        a = super().args()
        a[a.index("--data-dir") + 1] = self.store
        return a


@pytest.fixture
def tmpfs():
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    with tempfile.TemporaryDirectory(prefix="switchboard-tmpfs-") as d:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", d], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        try:
            yield d
        finally:
            subprocess.run(["umount", "-l", d], check=False)


def fill(path):
    """Writes a file until the file system is full; returns its path."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_full_disk_is_507_and_degraded_health_then_recovers(data_dir, tmpfs):
    hub = TmpfsHub(data_dir, tmpfs).start()
    try:
        s = hub.session()
        send = lambda i: s.post(hub.url + "/api/v1/messages", json={"to": ["mailto:a@example.org"], "text": f"{i}:" + "x" * 8000})
        accepted = [send("before").json()["id"]]
        filler = fill(tmpfs)

        # WAL space already allocated can take a few writes; then the disk is the limit.
        for i in range(300):
            r = send(i)
            if r.status_code != 202:
                break
            accepted.append(r.json()["id"])
        assert r.status_code == 507, r.text
        assert r.json()["error"] == "storage_full" and "disk space" in r.json()["message"]
        assert r.headers["Retry-After"]
        h = requests.get(hub.url + "/health", timeout=5)
        assert h.status_code == 503 and h.json()["status"] == "degraded" and h.json()["error"] == "storage_full"
        # Reads still work meanwhile.
        assert s.get(hub.url + "/api/v1/me").status_code == 200

        os.remove(filler)
        wait_for(lambda: requests.get(hub.url + "/health", timeout=5).status_code == 200, what="/health after space returned")
        assert send("after").status_code == 202
        # Everything accepted is still there.
        for message_id in accepted:
            assert s.get(hub.url + f"/api/v1/messages/{message_id}").status_code == 200
        assert hub.proc.poll() is None
    finally:
        hub.stop()


BOARD_YAML = """
topics:
  board:
    columns: {body: TEXT}
    write: {roles: [admin]}
"""


def test_full_disk_on_a_topic_write_is_storage_full_and_saves_nothing(data_dir, tmpfs):
    from topics_support import Client

    config = os.path.join(data_dir, "switchboard.yaml")
    with open(config, "w") as f:
        f.write(BOARD_YAML)
    hub = TmpfsHub(data_dir, tmpfs)
    hub.config = config
    hub.start()
    try:
        token = hub.session().post(hub.url + "/api/v1/tokens", json={"name": "t"}).json()["token"]
        client = Client(hub, topic="board", token=token)
        assert client.history() == []
        post = lambda i: client.answer(_method="POST", _ref=str(i), body=f"{i}:" + "x" * 8000)
        acked = [0]
        assert post(0)["_type"] == "ack"
        filler = fill(tmpfs)
        for i in range(1, 300):
            answer = post(i)
            if answer["_type"] != "ack":
                break
            acked.append(i)
        assert answer["_type"] == "error", answer
        assert answer["error"] == "storage_full" and "disk space" in answer["message"], answer
        h = requests.get(hub.url + "/health", timeout=5)
        assert h.status_code == 503 and h.json()["error"] == "storage_full"
        # The socket stays open and nothing of the refused row was saved.
        refused = i
        os.remove(filler)
        wait_for(lambda: requests.get(hub.url + "/health", timeout=5).status_code == 200, what="/health after space returned")
        assert post("after")["_type"] == "ack"
        rows = Client(hub, topic="board", token=token).history()
        assert [r["body"].split(":")[0] for r in rows] == [str(n) for n in acked] + ["after"]
        assert str(refused) not in [r["body"].split(":")[0] for r in rows]
        client.close()
        assert hub.proc.poll() is None
    finally:
        hub.stop()
