#!/usr/bin/env bash
# Installs the Debian packages ganpo needs (fonts for Chinese labels; PostgreSQL for the
# tests when GANPO_NEED_POSTGRES=1) when run as root;
# otherwise says exactly what is missing and how to install it.
set -euo pipefail
need=()
if ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then need+=(fonts-noto-cjk fontconfig); fi
# the store tests run against a real PostgreSQL server that they start themselves
if [ "${GANPO_NEED_POSTGRES:-0}" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
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
  echo "ganpo: install them as root: apt-get install -y ${need[*]}  (Chinese text in maps needs them)" >&2
  exit 1
fi
