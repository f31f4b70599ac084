#!/usr/bin/env bash
# End-to-end checks against a real `rapport serve`: the Segment and RudderStack Python SDKs from
# PyPI, kill -9 recovery, the CLI, the OpenAPI document, and the console in Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} from Debian"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

VENV=.venv-e2e
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q --disable-pip-version-check \
  segment-analytics-python rudder-sdk-python selenium openapi-spec-validator pytest requests numpy scikit-learn

swift build --product rapport
export RAPPORT_BIN="$PWD/.build/debug/rapport"
"$VENV/bin/python" -m pytest -q Tests/e2e "$@"
