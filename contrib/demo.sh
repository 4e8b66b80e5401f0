#!/bin/sh
# pdgate demo: throwaway Dovecot + OpenSMTPD on loopback, the sample requests in
# contrib/samples delivered by SMTP, one `pdgate poll --once`, the cases and the
# acknowledgements shown, the servers stopped again. Needs root and `make` (see `make demo`).
set -e
cd "$(dirname "$0")/.."
if [ ! -x build/pdgate ]; then
	echo "demo: build/pdgate is missing: run make first" >&2
	exit 1
fi
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
exec "$PY" tests/integration/demo.py "$@"
