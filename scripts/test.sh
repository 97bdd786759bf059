#!/usr/bin/env bash
# Install what the tests need, then run them: the README's test command and what .ci/run calls.
#
#   bash scripts/test.sh [PYTEST ARGS...]
#
# 1. Debian's chromium, for the browser tests of the map (Playwright drives it; no browser is
#    downloaded from anywhere else). Installed with apt-get when missing: as root directly,
#    otherwise through sudo.
# 2. A virtual environment in .venv with skytrace and its test extra.
# 3. pytest, with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "test setup: installing Debian's chromium for the browser tests" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
