#!/bin/sh
# Makes sure a Chromium is installed for the dashboard's browser tests (test/dashboard.browser.test.ts):
# Debian's /usr/bin/chromium, driven by playwright-core (never `npx playwright install`, which
# downloads a browser build from outside the distribution). ENSEMBLE_CHROMIUM_PATH names another one.
set -eu

if [ -n "${ENSEMBLE_CHROMIUM_PATH:-}" ]; then
  if [ -x "$ENSEMBLE_CHROMIUM_PATH" ]; then
    exit 0
  fi
  echo "ensure-chromium: ENSEMBLE_CHROMIUM_PATH=$ENSEMBLE_CHROMIUM_PATH is not an executable file" >&2
  exit 1
fi
# The package's program is /usr/bin/chromium: the same install path as tmux's and redis-server's.
exec sh "$(dirname "$0")/ensure-debian-package.sh" /usr/bin/chromium chromium "the dashboard's browser tests"
