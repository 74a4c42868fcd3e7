#!/usr/bin/env bash
# Enables Debian's pg_cron on the machine's PostgreSQL 15 cluster (15/main, 127.0.0.1:5432), for the
# scheduling tests in tests/scheduling/. Run as root. Idempotent: when everything is already in place it
# only runs two quick queries and prints nothing.
#
# What it does, only where needed:
#   1. installs the Debian package postgresql-15-cron;
#   2. creates the database named by CRON_DATABASE (default cron_test): pg_cron's launcher connects to
#      it, and the extension can only be created there (a dedicated database keeps the tests away from
#      everyone else's);
#   3. writes conf.d/95-pg-cron.conf (shared_preload_libraries gains pg_cron, keeping what was there;
#      cron.database_name; cron.host = the Unix socket directory, so jobs connect without a password);
#   4. restarts the cluster once so the library is loaded, then checks it is.
set -euo pipefail

VERSION=15
CLUSTER=main
CRON_DATABASE="${CRON_DATABASE:-cron_test}"
CONF_DIR="/etc/postgresql/${VERSION}/${CLUSTER}/conf.d"
CONF_FILE="${CONF_DIR}/95-pg-cron.conf"
SOCKET_DIR=/var/run/postgresql

psql_q() {
  psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"
}

fail() {
  echo "Cannot set up pg_cron: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run this script as root (it installs a package and restarts PostgreSQL ${VERSION})"
[ -d "/etc/postgresql/${VERSION}/${CLUSTER}" ] || fail "no PostgreSQL cluster \"${VERSION}/${CLUSTER}\" on this machine"

case "$CRON_DATABASE" in
  *[!a-z0-9_]* | "") fail "CRON_DATABASE \"${CRON_DATABASE}\" must be lowercase letters, digits and underscores" ;;
esac

cluster_running() {
  pg_lsclusters --no-header | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $4 }' | grep -q online
}

if ! cluster_running; then
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" start
fi

# Fast path: library loaded and pointed at the right database.
current="$(psql_q -c "select current_setting('shared_preload_libraries') || '|' || coalesce(current_setting('cron.database_name', true), '')" 2>/dev/null || true)"
case ",$(echo "${current%%|*}" | tr -d ' ')," in
  *,pg_cron,*) [ "${current#*|}" = "$CRON_DATABASE" ] && exit 0 ;;
esac

if ! dpkg -s "postgresql-${VERSION}-cron" >/dev/null 2>&1; then
  echo "Installing postgresql-${VERSION}-cron"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "postgresql-${VERSION}-cron" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "postgresql-${VERSION}-cron" >/dev/null
  }
fi

# The launcher connects to this database as soon as the library loads, so it must exist first.
if [ "$(psql_q -c "select 1 from pg_database where datname = '${CRON_DATABASE}'")" != "1" ]; then
  psql_q -c "create database ${CRON_DATABASE}"
fi

# Keep any other preloaded library; drop stale pg_cron entries before adding ours.
libraries="$(psql_q -c "show shared_preload_libraries" | tr -d ' ' | tr ',' '\n' | grep -v -e '^$' -e '^pg_cron$' | paste -sd, - || true)"
libraries="${libraries:+${libraries},}pg_cron"

mkdir -p "$CONF_DIR"
cat >"$CONF_FILE" <<CONF
# Written by scripts/setup-pg-cron.sh (OneDrive backup for Supabase apps): pg_cron for the scheduling tests.
shared_preload_libraries = '${libraries}'
cron.database_name = '${CRON_DATABASE}'
cron.host = '${SOCKET_DIR}'
CONF
chown postgres:postgres "$CONF_FILE" 2>/dev/null || true

echo "Restarting PostgreSQL ${VERSION}/${CLUSTER} to load pg_cron (cron.database_name = ${CRON_DATABASE})"
pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$CLUSTER" restart

for _ in $(seq 1 50); do
  psql_q -c "select 1" >/dev/null 2>&1 && break
  sleep 0.2
done

loaded="$(psql_q -c "select current_setting('shared_preload_libraries') || '|' || coalesce(current_setting('cron.database_name', true), '')")" ||
  fail "PostgreSQL ${VERSION}/${CLUSTER} did not come back after the restart; see /var/log/postgresql/postgresql-${VERSION}-${CLUSTER}.log"
case ",$(echo "${loaded%%|*}" | tr -d ' ')," in
  *,pg_cron,*) ;;
  *) fail "pg_cron is not in shared_preload_libraries after the restart; see ${CONF_FILE} and /var/log/postgresql/postgresql-${VERSION}-${CLUSTER}.log" ;;
esac
[ "${loaded#*|}" = "$CRON_DATABASE" ] ||
  fail "cron.database_name is \"${loaded#*|}\" after the restart, expected \"${CRON_DATABASE}\"; another file in ${CONF_DIR} may override ${CONF_FILE}"
