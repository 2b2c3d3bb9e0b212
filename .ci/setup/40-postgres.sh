#!/usr/bin/env bash
# A throwaway PostgreSQL server for the workspace tests (tests/workspace/test_postgres*.py), from Debian's packages.
# Installs postgresql when absent, initialises a cluster in a temporary folder, starts it on 127.0.0.1 only, creates
# the database aqa_test and exports AQA_TEST_POSTGRES_URL (as an `export VAR=...` line appended to the env file that
# .ci/run sources: $CI_ENV_FILE, else the first argument, else standard output). teardown/40-postgres.sh stops it.
set -euo pipefail
ENV_FILE="${CI_ENV_FILE:-${1:-/dev/stdout}}"
DIR="${AQA_PG_DIR:-/tmp/aqa-ci-postgres}"
PORT="${AQA_PG_PORT:-55432}"

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

as_owner() {  # initdb and the server refuse to run as root: use the postgres account then
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi
}

if [ -f "$DIR/data/postmaster.pid" ]; then
  as_owner "'$BIN/pg_ctl' -D '$DIR/data' -m fast -w stop" >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
as_owner "'$BIN/initdb' -D '$DIR/data' -A trust -U postgres -E UTF8 >'$DIR/initdb.log' 2>&1"
as_owner "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/server.log' -w -t 60 \
  -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$DIR' -c max_connections=100 -c fsync=off\" start" >/dev/null
as_owner "'$BIN/createdb' -h 127.0.0.1 -p $PORT -U postgres aqa_test"
echo "export AQA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/aqa_test" >>"$ENV_FILE"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data in $DIR)" >&2
