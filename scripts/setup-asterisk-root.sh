#!/usr/bin/env bash
# Provide Asterisk 22: a system `asterisk` if present, else a Debian sid root built once
# in a cache directory outside the clone and reused afterwards (see docs/asterisk.md).
# Prints the root directory ("/" for a system install) on its last line.
set -euo pipefail
CACHE="${ALLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/allo}"
ROOT="${ALLO_ASTERISK_ROOT:-$CACHE/asterisk-sid}"
MIRROR="${ALLO_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { echo "[asterisk-root] $*" >&2; }

if [ -z "${ALLO_ASTERISK_ROOT:-}" ] && command -v asterisk >/dev/null 2>&1; then
  log "system asterisk found: $(command -v asterisk)"
  echo /
  exit 0
fi

# The fallback's opening hours name their time zone (GotoIfTime(...,Europe/Paris)): without tzdata in the root,
# Asterisk would judge them in UTC.
if [ -f "$ROOT/.allo-ready" ] && [ ! -f "$ROOT/usr/share/zoneinfo/Europe/Paris" ]; then
  log "installing tzdata inside $ROOT"
  chroot "$ROOT" apt-get -qq -o Acquire::Check-Valid-Until=false update >&2
  chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tzdata >&2
fi

if [ -f "$ROOT/.allo-ready" ]; then
  log "reusing $ROOT"
  echo "$ROOT"
  exit 0
fi

need_apt=()
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

mkdir -p "$CACHE"
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
  log "debootstrap sid into $ROOT (one time, ~30 s)"
  rm -rf "$ROOT.partial"
  debootstrap --variant=minbase sid "$ROOT.partial" "$MIRROR" >&2
  mv "$ROOT.partial" "$ROOT"
fi
log "installing asterisk 22 and French prompts inside the root"
chroot "$ROOT" apt-get -qq -o Acquire::Check-Valid-Until=false update >&2
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  asterisk asterisk-prompt-fr-armelle asterisk-core-sounds-en-gsm asterisk-moh-opsound-gsm tzdata >&2
for d in /var/lib/asterisk /var/lib/asterisk/keys /var/log/asterisk /var/spool/asterisk /run/asterisk; do
  mkdir -p "$ROOT$d"; chown root: "$ROOT$d"
done
chroot "$ROOT" /usr/sbin/asterisk -V >&2
touch "$ROOT/.allo-ready"
echo "$ROOT"
