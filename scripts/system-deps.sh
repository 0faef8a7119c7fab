#!/usr/bin/env bash
# Installs the Debian packages ganpo needs when run as root: fonts for Chinese labels,
# Pango and HarfBuzz for PDF reports, node and npm to build the web UI assets
# (scripts/build-frontend.sh); with GANPO_NEED_POSTGRES=1 also PostgreSQL and poppler-utils
# for the tests; with GANPO_NEED_BROWSER=1 Debian's Chromium for the browser tests (Playwright
# drives /usr/bin/chromium; its own browser download does not work offline).
# Otherwise says exactly what is missing and how to install it.
set -euo pipefail
need=()
fonts=$(fc-list 2>/dev/null || true)
libs=$(ldconfig -p 2>/dev/null || true)
[[ $fonts == *"Noto Sans CJK"* ]] || need+=(fonts-noto-cjk fontconfig)
[[ $libs == *"libpangoft2-1.0.so.0"* ]] || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[[ $libs == *"libharfbuzz-subset.so.0"* ]] || need+=(libharfbuzz-subset0)
command -v npm >/dev/null || need+=(nodejs npm)
if [ "${GANPO_NEED_POSTGRES:-0}" = 1 ]; then
  # the store tests start a real PostgreSQL server of their own; report tests read PDFs
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
fi
if [ "${GANPO_NEED_BROWSER:-0}" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "ganpo: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "ganpo: missing Debian packages: ${need[*]}" >&2
  echo "ganpo: install them as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
