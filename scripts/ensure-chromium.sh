#!/bin/sh
# Makes sure a Chromium is installed for the dashboard's browser tests (test/dashboard.browser.test.ts):
# Debian's /usr/bin/chromium, driven by playwright-core (never `npx playwright install`, which
# downloads a browser build from outside the distribution). ENSEMBLE_CHROMIUM_PATH names another one.
set -eu

chromium="${ENSEMBLE_CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${ENSEMBLE_CHROMIUM_PATH:-}" ]; then
  echo "ensure-chromium: ENSEMBLE_CHROMIUM_PATH=$chromium is not an executable file" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $chromium is missing and this system has no apt-get; install Chromium and set ENSEMBLE_CHROMIUM_PATH to it" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $chromium is missing and installing it needs root: run" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium for the dashboard's browser tests" >&2
# Another apt (an earlier run, a provisioning script) may hold the lock: wait for it up to 10 minutes.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium
if [ ! -x "$chromium" ]; then
  echo "ensure-chromium: apt-get installed chromium but $chromium is still missing" >&2
  exit 1
fi
