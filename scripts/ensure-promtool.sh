#!/usr/bin/env bash
# Prints the path of a `promtool` binary (Prometheus' linter for the /metrics exposition):
# promtool on PATH, else <repo>/.cache/tools/promtool, else extracted there from Debian's
# `prometheus` package. The package is downloaded and unpacked, never installed: installing it
# would start a Prometheus service on this machine.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cached="$repo_dir/.cache/tools/promtool"

fail() {
  echo "ensure-promtool: $*" >&2
  exit 1
}

if command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
if [ -x "$cached" ]; then
  echo "$cached"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || fail "promtool is not on PATH and apt-get is missing: install Prometheus' promtool and put it on PATH"
command -v dpkg-deb >/dev/null 2>&1 || fail "promtool is not on PATH and dpkg-deb is missing: install Prometheus' promtool and put it on PATH"

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/ensure-promtool.XXXXXX")"
# apt-get fetches as the unprivileged _apt user when it can read the folder; mktemp makes it 0700.
chmod 755 "$work_dir"
trap 'rm -rf "$work_dir"' EXIT

# apt-get download writes into the current folder; its chatter goes to stderr so stdout stays the path.
download() {
  (cd "$work_dir" && apt-get download prometheus) >&2
}
if ! download; then
  # A fresh container has no package lists yet; updating them needs root.
  echo "ensure-promtool: downloading prometheus failed; running apt-get update and trying again" >&2
  apt-get update >&2 || fail "apt-get update failed (it needs root and network): install promtool and put it on PATH, or copy it to $cached"
  download || fail "apt-get download prometheus failed: install promtool and put it on PATH, or copy it to $cached"
fi

shopt -s nullglob
packages=("$work_dir"/prometheus_*.deb)
[ "${#packages[@]}" -eq 1 ] || fail "expected one prometheus_*.deb in $work_dir, found ${#packages[@]}"
dpkg-deb -x "${packages[0]}" "$work_dir/root" >&2 || fail "dpkg-deb could not extract ${packages[0]}"
[ -x "$work_dir/root/usr/bin/promtool" ] || fail "${packages[0]} holds no usr/bin/promtool"

mkdir -p "$(dirname "$cached")"
# Copy then rename, so a concurrent caller never sees a half-written binary.
cp "$work_dir/root/usr/bin/promtool" "$cached.partial.$$"
chmod 755 "$cached.partial.$$"
mv -f "$cached.partial.$$" "$cached"
"$cached" --version >/dev/null 2>&1 || fail "$cached does not run"
echo "$cached"
