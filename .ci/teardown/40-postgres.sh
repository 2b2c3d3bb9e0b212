#!/usr/bin/env bash
# Stop the PostgreSQL server of setup/40-postgres.sh and delete its throwaway cluster.
set -uo pipefail
DIR="${AQA_PG_DIR:-/tmp/aqa-ci-postgres}"
[ -d "$DIR/data" ] || exit 0
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ "$(id -u)" = 0 ]; then
  su postgres -s /bin/bash -c "'$BIN/pg_ctl' -D '$DIR/data' -m fast -w stop" >/dev/null 2>&1
else
  "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1
fi
rm -rf "$DIR"
