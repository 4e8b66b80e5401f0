#!/bin/bash
# The integration suite with pdgate built under ASan+UBSan (`make check-integration-san`, part
# of `make check-full`): PDGATE_BIN points the harness at that binary; every sanitizer report
# goes to a file of its own (log_path), so that one from a daemon or a command whose exit
# status no test looks at still fails the pass.
#   tests/run-san-integration.sh /path/to/pdgate-san
set -u
cd "$(dirname "$0")/.." || exit 1
bin=${1:?usage: tests/run-san-integration.sh PDGATE_SAN_BINARY}
reports=$(mktemp -d "${TMPDIR:-/tmp}/pdgate-san-reports.XXXXXX")
# The harness runs pdgate as root but Dovecot and smtpd never run it: the reports folder
# only needs to be writable by us.
export PDGATE_BIN=$bin
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
start=$(date +%s)
tests/run-all.sh --integration-only
rc=$?
n=$(find "$reports" -type f | wc -l)
if [ "$n" -gt 0 ]; then
	echo "sanitizer reports: $n (pdgate-san)"
	for f in "$reports"/*; do
		echo "---- $f"
		head -n 60 "$f" | sed 's/^/  /'
	done
	rc=1
else
	echo "sanitizer reports: none (pdgate-san)"
fi
rm -rf "$reports"
echo "integration under ASan+UBSan: $(( $(date +%s) - start )) s"
exit "$rc"
