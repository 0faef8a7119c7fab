#!/usr/bin/env bash
# Builds the browser assets of the web UI from npm packages, offline at run time:
# `npm ci` in src/ganpo/web/frontend (exact versions from package-lock.json), then copies the
# files the UI loads into src/ganpo/web/static/vendor/ (git-ignored; served by the app at
# /static/vendor, never from a CDN). Skips the work when the vendor folder was built from the
# same package-lock.json. Needs node and npm (Debian: apt-get install -y nodejs npm).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
front="$root/src/ganpo/web/frontend"
vendor="$root/src/ganpo/web/static/vendor"
stamp="$vendor/.built-from"
lock_sum=$(sha256sum "$front/package-lock.json" | cut -d' ' -f1)
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] \
  && [ -f "$vendor/echarts/echarts.esm.min.js" ]; then
  touch "$stamp"
  exit 0
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "ganpo: '$tool' is missing; install it as root: apt-get install -y nodejs npm" >&2
    exit 1
  fi
done
echo "ganpo: building the web UI assets (npm ci in src/ganpo/web/frontend)"
(cd "$front" && npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$vendor.tmp"
mkdir -p "$vendor.tmp/echarts"
ech="$front/node_modules/echarts"
# the ES module build: the UI imports it with `import * as echarts from ...` (no bundler)
cp "$ech/dist/echarts.esm.min.js" "$vendor.tmp/echarts/echarts.esm.min.js"
cp "$ech/LICENSE" "$vendor.tmp/echarts/LICENSE"
[ -f "$ech/NOTICE" ] && cp "$ech/NOTICE" "$vendor.tmp/echarts/NOTICE"
node -e 'const p=require(process.argv[1]);console.log(JSON.stringify({echarts:p.version}))' \
  "$ech/package.json" >"$vendor.tmp/versions.json"
echo "$lock_sum" >"$vendor.tmp/.built-from"
rm -rf "$vendor"
mv "$vendor.tmp" "$vendor"
echo "ganpo: web UI assets in ${vendor#"$root"/}: $(cat "$vendor/versions.json")"
