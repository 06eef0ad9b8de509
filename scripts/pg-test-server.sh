#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for the tests, on loopback only, on a free port.
#
#   eval "$(scripts/pg-test-server.sh start [DIR])"   # prints export SWITCHBOARD_TEST_POSTGRES_URL=…
#   scripts/pg-test-server.sh stop [DIR]              # stops the server and removes DIR
#
# DIR (default $TMPDIR/switchboard-pg-test) holds the cluster (initdb as the `postgres` user
# when run as root), its log and its socket. fsync stays on, as in production. The hub's tests
# log in as `switchboard` with a password made at start (scram-sha-256 over TCP), so the
# password path of the URL is exercised; the role may create databases and schemas.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
DIR=${2:-${TMPDIR:-/tmp}/switchboard-pg-test}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    [ -x "$PGBIN/initdb" ] || { echo "no PostgreSQL 15 at $PGBIN (apt-get install postgresql-15)" >&2; exit 1; }
    if [ -f "$DIR/data/postmaster.pid" ]; then
        echo "a test server already runs in $DIR (scripts/pg-test-server.sh stop $DIR)" >&2
        exit 1
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
    chmod 700 "$DIR"
    as_postgres test -w "$DIR" || { echo "the postgres user cannot reach $DIR (a parent directory is private)" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    as_postgres "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c fsync=on -c synchronous_commit=on -c max_connections=400" \
        start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    as_postgres "$PGBIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE switchboard LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE switchboard OWNER switchboard" >/dev/null
    url="postgres://switchboard:$password@127.0.0.1:$port/switchboard"
    printf '%s\n' "$url" >"$DIR/url"
    echo "export SWITCHBOARD_TEST_POSTGRES_URL='$url'"
    ;;
stop)
    if [ -f "$DIR/data/postmaster.pid" ]; then
        as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
