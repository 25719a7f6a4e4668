#!/bin/sh
# Makes sure a program the tests run is installed, from Debian's package of that name when it is
# missing: `ensure-debian-package.sh <command> <package> <why>`. Used by `pretest` for tmux (the tmux
# mode's tests run it on a private socket) and redis-server (the distributed tests start their own
# server on a free port in a temp folder). Never the user's own servers.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: ensure-debian-package.sh <command> <package> <why>" >&2
  exit 2
fi
command_name=$1
package=$2
why=$3

if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-package: $command_name is missing and this system has no apt-get; install $package with the system's package manager ($why)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-debian-package: $command_name is missing and installing it needs root: run" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $package" >&2
  exit 1
fi

echo "ensure-debian-package: installing Debian's $package ($why)" >&2
# Another apt (an earlier run, a provisioning script) may hold the lock: wait for it up to 10 minutes.
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$package"
if ! command -v "$command_name" >/dev/null 2>&1; then
  echo "ensure-debian-package: apt-get installed $package but $command_name is still not on PATH" >&2
  exit 1
fi
