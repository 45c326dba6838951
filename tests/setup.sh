#!/usr/bin/env bash
# What the tests need beyond npm packages: Debian's chromium for the UI tests (no browser download).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the UI tests..."
  (apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null
fi
