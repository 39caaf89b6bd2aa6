#!/usr/bin/env bash
# Installs the Debian 12 packages minga needs, only those missing.
# Runs apt-get update first (a fresh machine has stale or empty lists), and
# uses sudo when not root. Usage: scripts/setup.sh [--with-browser]
set -euo pipefail

packages=(
  # toolchain
  gcc g++ make cmake pkg-config
  # libraries (see README.md, "Dependencies")
  libsqlite3-dev libxapian-dev libarchive-dev libmicrohttpd-dev
  libjansson-dev libyajl-dev libyaml-dev libcsv-dev libcmark-dev libutf8proc-dev
  libxml2-dev libpoppler-glib-dev libsodium-dev libcairo2-dev
  libpango1.0-dev libcmocka-dev
  libcurl4-openssl-dev   # minga harvest: the OAI-PMH harvester's HTTP client
  # run-time data and fonts
  iso-codes fonts-dejavu-core
  # tests: HTTP client, PDF and archive tools
  python3 curl poppler-utils zip unzip valgrind
  # the OAI-PMH test's third-party harvester (HTTP::OAI::Harvester)
  libhttp-oai-perl
  # installing and packaging: man pages from the CLI's --help (help2man),
  # `make deb` (dpkg-dev: dpkg-shlibdeps), the unit's check
  # (systemd-analyze), Debian's own check of the .deb (lintian)
  help2man dpkg-dev systemd lintian
)
if [ "${1:-}" = "--with-browser" ]; then
  # the end-to-end browser test: Debian's Chromium driven by playwright-core
  packages+=(chromium)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi
if [ "${FUZZ:-}" = 1 ]; then
  packages+=(clang libclang-rt-14-dev)
fi
if [ "${BENCH:-}" = 1 ]; then
  packages+=(wrk wamerican wspanish wportuguese sqlite3 time)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
