#!/bin/bash
# Run the libFuzzer targets (build/fuzz/fuzz_*, `make fuzz-build`), one line per target in
# tests/run-all.sh's format: "PASS fuzz_NAME: ..." or "FAIL fuzz_NAME: ...".
#   tests/fuzz/run.sh smoke [TARGET...]          replay tests/fuzz/regressions/TARGET/, then
#                                                fuzz FUZZ_SMOKE_SECONDS (3) from the seeds
#   tests/fuzz/run.sh long SECONDS [TARGET...]   the same for SECONDS each, keeping the corpus
#                                                it grows in build/fuzz/corpus/TARGET/
# Seeds: tests/fuzz/corpus/TARGET/ (never written). Crashes: build/fuzz/crashes/TARGET/.
# Logs: build/fuzz/logs/TARGET.log. Exit 1 when any target failed.
set -u
cd "$(dirname "$0")/../.." || exit 1

mode=${1:-smoke}
shift || true
case "$mode" in
smoke) seconds=${FUZZ_SMOKE_SECONDS:-3} ;;
long) seconds=${1:?usage: run.sh long SECONDS [TARGET...]}; shift ;;
-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
*) echo "run.sh: unknown mode $mode" >&2; exit 2 ;;
esac

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
	for bin in build/fuzz/fuzz_*; do
		[ -f "$bin" ] && [ -x "$bin" ] && targets+=("${bin#build/fuzz/fuzz_}")
	done
fi
if [ "${#targets[@]}" -eq 0 ]; then
	echo "FAIL fuzz: no targets in build/fuzz (make fuzz-build)"
	exit 1
fi

# Largest input per target: a mail with an attachment for mime; admin files are small.
max_len() {
	case "$1" in
	mime) echo 65536 ;;
	rules) echo 40000 ;;
	template|config|deadlines|exemptions) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# UBSan reports say where they came from; LSan's leak reports count as crashes (libFuzzer).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
mkdir -p build/fuzz/logs
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pdgate-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failed=0

for t in "${targets[@]}"; do
	bin=build/fuzz/fuzz_$t
	log=build/fuzz/logs/$t.log
	crashes=build/fuzz/crashes/$t
	mkdir -p "$crashes"
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz_$t: $bin missing (make fuzz-build)"
		failed=1
		continue
	fi
	# -timeout: one input running 10 s (25 s in long runs) is a hang worth a report.
	opts=(-rss_limit_mb=2048 -max_len="$(max_len "$t")" -artifact_prefix="$crashes/"
	      -print_final_stats=1)
	[ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
	: >"$log"

	# Every input that once crashed a target must keep passing (libFuzzer runs files given
	# as arguments once each).
	regs=()
	if [ -d "tests/fuzz/regressions/$t" ]; then
		while IFS= read -r -d '' f; do regs+=("$f"); done \
			< <(find "tests/fuzz/regressions/$t" -type f -print0 | sort -z)
	fi
	if [ "${#regs[@]}" -gt 0 ] &&
	   ! "$bin" "${opts[@]}" -timeout=10 "${regs[@]}" >>"$log" 2>&1 </dev/null; then
		echo "FAIL fuzz_$t: a regression input crashes again (log: $log)"
		grep -E 'ERROR|SUMMARY|runtime error|broken promise|Running: ' "$log" | tail -n 8 |
			sed 's/^/  /'
		failed=1
		continue
	fi

	if [ "$mode" = long ]; then
		work=build/fuzz/corpus/$t
		timeout=25
	else
		work=$WORK/$t
		timeout=10
	fi
	mkdir -p "$work"
	seeds=()
	[ -d "tests/fuzz/corpus/$t" ] && seeds+=("tests/fuzz/corpus/$t")
	start=$(date +%s)
	"$bin" "${opts[@]}" -timeout="$timeout" -max_total_time="$seconds" "$work" "${seeds[@]}" \
		>>"$log" 2>&1 </dev/null
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -n 1)
	found=$(find "$crashes" -type f | wc -l)
	summary="${runs:-0} runs in ${took} s, ${cov:-no coverage}, ${corp:-corp: ?}"
	summary="$summary, regressions ${#regs[@]}"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL fuzz_$t: exit $rc after $summary; $found file(s) in $crashes (log: $log)"
		grep -E 'ERROR|SUMMARY|runtime error|broken promise|Test unit written' "$log" |
			tail -n 8 | sed 's/^/  /'
		failed=1
	elif [ -z "$cov" ]; then
		# A target that reports no coverage fuzzed nothing: that is a failure too.
		echo "FAIL fuzz_$t: no coverage reported (log: $log)"
		failed=1
	else
		echo "PASS fuzz_$t: $summary"
	fi
	[ "$mode" = long ] && echo "$(date -u +%FT%TZ) fuzz_$t rc=$rc $summary" \
		>>build/fuzz/report.txt
done
exit "$failed"
