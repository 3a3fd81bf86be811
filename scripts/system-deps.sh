#!/usr/bin/env bash
# Debian packages allo needs on the machine; installs only what is missing (needs root, as on our machines).
set -euo pipefail
missing=()
command -v sipp >/dev/null || missing+=(sip-tester)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
command -v runuser >/dev/null || missing+=(util-linux)
test -x /usr/bin/chromium || missing+=(chromium)  # browser tests (Playwright drives it; it cannot download one)
command -v systemd-analyze >/dev/null || missing+=(systemd)  # checks deploy/systemd/allo.service
command -v baresip >/dev/null || missing+=(baresip-core)  # the adviser's softphone in e2e tests (not the desktop metapackage)
command -v kamailio >/dev/null || missing+=(kamailio)  # the SIP proxy of the two-node cluster (docs/scaling.md)
test -e /usr/lib/x86_64-linux-gnu/kamailio/modules/db_postgres.so || missing+=(kamailio-postgres-modules)
command -v pg_autoctl >/dev/null || missing+=(postgresql-15-auto-failover pg-auto-failover-cli)  # the database's standby
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if ! command -v asterisk >/dev/null; then command -v debootstrap >/dev/null || missing+=(debootstrap); fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "[allo] installing Debian packages: ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "[allo] not root: please install ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
