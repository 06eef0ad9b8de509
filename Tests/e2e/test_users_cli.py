"""`switchboard users role`: the admin page's and the API's rule for roles, on the data
directory, and the last admin is never made a user."""
import json

from conftest import Hub


def test_the_cli_changes_a_role_and_never_demotes_the_last_admin(data_dir):
    hub = Hub(data_dir)  # never started: the CLI works on the data directory
    secret = {"PW": "Role-test-secret-42"}
    hub.cli("users", "add", "root", "--role", "admin", "--password-env", "PW", env=secret)
    hub.cli("users", "add", "kari", "--password-env", "PW", env=secret)

    def roles():
        return {u["username"]: u["role"] for u in json.loads(hub.cli("users", "list", "--json").stdout)}

    last = hub.cli("users", "role", "root", "user", check=False)
    assert last.returncode != 0 and "last_admin" in last.stderr, (last.stdout, last.stderr)
    bad = hub.cli("users", "role", "kari", "root", check=False)
    assert bad.returncode != 0 and "invalid_role" in bad.stderr, (bad.stdout, bad.stderr)
    assert roles() == {"root": "admin", "kari": "user"}, "refusals changed nothing"

    assert hub.cli("users", "role", "kari", "admin").stdout.strip() == "kari is now admin"
    hub.cli("users", "role", "root", "user")
    assert roles() == {"root": "user", "kari": "admin"}
