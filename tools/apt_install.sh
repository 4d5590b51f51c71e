#!/bin/sh
# Install Debian packages unless COMMAND is already on PATH: directly as root, else through sudo.
# Used by the Makefile (Chromium for the browser tests, bubblewrap for the grading sandbox).
#   usage: tools/apt_install.sh COMMAND PACKAGE...
set -eu
cmd=$1
shift
command -v "$cmd" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then
  sudo=
elif command -v sudo >/dev/null 2>&1; then
  sudo=sudo
else
  echo "$cmd is missing: install the Debian package(s) $* as root (no sudo found)" >&2
  exit 1
fi
echo "installing $* (for $cmd) with apt-get"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
command -v "$cmd" >/dev/null 2>&1 || { echo "installed $* but $cmd is still not on PATH" >&2; exit 1; }
