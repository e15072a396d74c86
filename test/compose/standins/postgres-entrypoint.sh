#!/bin/sh
# Entry point of the postgres STAND-IN (see postgres.Containerfile): the official image's first-start
# steps for POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, then the server in the foreground.
set -eu
self=/usr/local/bin/docker-entrypoint.sh
if [ "$(id -u)" = 0 ]; then
  # A fresh named volume may come owned by root: give it to postgres, then run as postgres.
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql && chmod 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$self" "$@"
fi
if [ $# -gt 0 ]; then
  [ "$1" = postgres ] || exec "$@"
  shift
fi

user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo 'postgres stand-in: POSTGRES_PASSWORD is required (as in the official image)' >&2; exit 1; }
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth=trust >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  # As the official image: trust inside the container (initdb's default), a password from anywhere else.
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # As the official image does: a server on the socket only (so `pg_isready -h 127.0.0.1` fails
    # until the real start), create the database, stop.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -q -c "CREATE DATABASE \"$db\""
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "postgres stand-in: initialised $PGDATA (user $user, database $db)"
fi
exec postgres -D "$PGDATA" "$@"
