#!/bin/sh
# Makes sure tmux is installed for the tmux mode's tests (test/tmux-team.test.ts, src/codebase/tmux/):
# Debian's tmux package. The tests run it on a private socket (-L) in a temp folder, never the
# user's own server.
set -eu

if command -v tmux >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tmux: tmux is missing and this system has no apt-get; install tmux (3.0 or later) with the system's package manager" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-tmux: tmux is missing and installing it needs root: run" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends tmux" >&2
  exit 1
fi

echo "ensure-tmux: installing Debian's tmux for the tmux mode's tests" >&2
# Another apt (an earlier run, a provisioning script) may hold the lock: wait for it up to 10 minutes.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends tmux
if ! command -v tmux >/dev/null 2>&1; then
  echo "ensure-tmux: apt-get installed tmux but it is still not on PATH" >&2
  exit 1
fi
