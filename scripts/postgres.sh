#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the PostgreSQL store.
#
#   source scripts/postgres.sh && pg_start      # exports RAPPORT_TEST_POSTGRES_URL, stops on exit
#   bash scripts/postgres.sh swift test         # the same around one command
#
# Installs PostgreSQL from Debian when it is missing. The cluster lives in a temporary directory,
# listens on a free loopback port (and a unix socket in that directory), trusts local connections,
# and is deleted when the shell exits. `PG_FSYNC=on` keeps fsync on (benchmarks of durable ingestion).

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$d" ] && command -v pg_config >/dev/null 2>&1; then d=$(pg_config --bindir); fi
  echo "$d"
}

pg_install() {
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] && return 0
  echo "installing PostgreSQL from Debian"
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  # Debian's package would otherwise create and start a `main` cluster on port 5432.
  $SUDO mkdir -p /etc/postgresql-common
  echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as the cluster's owner: `postgres` when we are root (initdb refuses root).
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

pg_start() {
  pg_install
  local bin; bin=$(pg_bin)
  PG_DIR=$(mktemp -d /tmp/rapport-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; fi
  chmod 700 "$PG_DIR"
  pg_as_owner "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
  local fsync="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PG_FSYNC:-off}" = on ] && fsync=""
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT=$(pg_free_port)
    # shellcheck disable=SC2086
    if pg_as_owner "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
         -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR $fsync -c max_connections=300" start >/dev/null; then
      break
    fi
    [ "$attempt" = 5 ] && { cat "$PG_DIR/server.log"; return 1; }
  done
  export PG_DIR PG_PORT
  export RAPPORT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  trap pg_stop EXIT
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_as_owner "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  pg_start
  "$@"
fi
