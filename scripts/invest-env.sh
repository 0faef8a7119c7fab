#!/usr/bin/env bash
# Builds the reference-peer environment for `make validate`: natcap.invest 3.20.2 from PyPI
# in its own virtualenv (.venv-invest). PyPI has no Linux wheels for natcap.invest,
# pygeoprocessing or GDAL, so they compile against Debian's GDAL (see ENVIRONMENT notes in
# docs/decisions/0007-validation-against-invest.md).
set -euo pipefail
VENV=${1:-.venv-invest}
[ -f "$VENV/.invest-ready" ] && exit 0
if ! command -v gdal-config >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends libgdal-dev gdal-bin python3-dev g++ >/dev/null
  else
    echo "make validate needs Debian's libgdal-dev and gdal-bin: apt-get install -y libgdal-dev gdal-bin" >&2
    exit 1
  fi
fi
python3 -m venv "$VENV"
export PATH="$(cd "$VENV" && pwd)/bin:$PATH"  # the build calls pybabel from the venv
"$VENV/bin/pip" install -q --upgrade pip wheel setuptools
"$VENV/bin/pip" install -q "numpy<2.3" "cython<3.1" setuptools_scm babel
"$VENV/bin/pip" install -q --no-build-isolation "gdal==$(gdal-config --version)"
"$VENV/bin/pip" install -q --no-build-isolation "pygeoprocessing==2.4.11"
"$VENV/bin/pip" install -q --no-build-isolation "natcap.invest==3.20.2"
touch "$VENV/.invest-ready"
