#!/bin/sh
# Install the Debian 12 packages pdgate needs to build, test and demo, only those missing.
# Idempotent; needs root (or sudo) only when something is missing.
# libclang-rt-14-dev: libFuzzer and the sanitizer runtimes for `make fuzz` (only a Recommends
# of clang on Debian 12, and recommends are not installed here). libhyperscan-dev: amd64 only.
set -eu
PKGS="build-essential pkg-config clang libetpan-dev libcurl4-gnutls-dev libgnutls28-dev
libgmime-3.0-dev libjson-glib-dev libsqlite3-dev libcmocka-dev sqlite3 dovecot-imapd dovecot-lmtpd opensmtpd
openssl python3 valgrind libpython3.11-testsuite faketime libcairo2-dev chromium fonts-dejavu-core time
libclang-rt-14-dev liblinear-dev"
# Hyperscan (the rules' regexes) exists for amd64 only; elsewhere the build uses GRegex alone.
[ "$(dpkg --print-architecture)" = amd64 ] && PKGS="$PKGS libhyperscan-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
# Package scripts must not start the distribution's own mail daemons: tests run their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
