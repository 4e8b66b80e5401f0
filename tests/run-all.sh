#!/bin/bash
# Run every pdgate test: the cmocka unit binaries (build/tests/, build/tests-san/), optionally
# under valgrind (PDGATE_VALGRIND=1), a short run of each fuzz target (build/fuzz/), then each
# tests/integration/test_*.py.
# The last line is exactly "N passed, N failed" (", N skipped" appended when some were skipped);
# exit 1 when anything failed or crashed.  `make check` builds first, then runs this.
#   tests/run-all.sh [--integration-only | --unit-only]
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

mode=all
for arg in "$@"; do
	case "$arg" in
	--integration-only) mode=integration ;;
	--unit-only) mode=unit ;;
	-h|--help) sed -n '2,7p' "$0"; exit 0 ;;
	*) echo "run-all.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

passed=0
failed=0
skipped=0
failures=""
LOG=$(mktemp -d "${TMPDIR:-/tmp}/pdgate-run-all.XXXXXX")
trap 'rm -rf "$LOG"' EXIT

note_failure() { failures="$failures
  $1"; }

# Count one cmocka binary's output: per-test "[       OK ]" / "[  FAILED  ]" / "[  ERROR   ]" /
# "[  SKIPPED ]" lines, each test name once (the summary repeats failed names).
count_cmocka() { # file -> "ok fail skip"
	awk '
	/^\[       OK \] /   { ok[substr($0, 14)] = 1 }
	/^\[  FAILED  \] /   { if ($0 !~ /test\(s\)/) fail[substr($0, 14)] = 1 }
	/^\[  ERROR   \] /   { if ($0 !~ /test\(s\)/ && $0 !~ /^\[  ERROR   \] --- /) fail[substr($0, 14)] = 1 }
	/^\[  SKIPPED \] /   { if ($0 !~ /test\(s\)/) skip[substr($0, 14)] = 1 }
	END { o = 0; f = 0; s = 0
	      for (k in ok) if (!(k in fail)) o++
	      for (k in fail) f++
	      for (k in skip) s++
	      print o, f, s }' "$1"
}

run_unit() { # binary label [wrapper...]
	local bin=$1 label=$2
	shift 2
	local out="$LOG/$(echo "$label" | tr '/ ' '__').out"
	CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$@" "$bin" >"$out" 2>&1 </dev/null
	local rc=$?
	local ok fail skip
	read -r ok fail skip < <(count_cmocka "$out")
	local crashed=0
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		crashed=1
	fi
	passed=$((passed + ok))
	failed=$((failed + fail + crashed))
	skipped=$((skipped + skip))
	if [ "$crashed" -eq 1 ]; then
		if [ "$rc" -eq 124 ]; then why="timed out"; elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"; else why="exit $rc"; fi
		echo "CRASH $label ($why) after $ok passed"
		note_failure "$label: crashed ($why)"
	else
		msg="unit $label: $ok passed, $fail failed"
		[ "$skip" -gt 0 ] && msg="$msg, $skip skipped"
		echo "$msg"
	fi
	if [ "$fail" -gt 0 ] || [ "$crashed" -eq 1 ]; then
		while read -r l; do
			note_failure "$label: $l"
		done < <(grep -E '^\[  (FAILED  |ERROR   )\] ' "$out" | grep -v -e 'test(s)' -e '] --- ' | sort -u)
		echo "---- $label output (last 40 lines) ----"
		tail -n 40 "$out" | sed 's/^/  /'
		echo "----"
	fi
}

if [ "$mode" != integration ]; then
	found=0
	for dir in build/tests build/tests-san; do
		[ -d "$dir" ] || continue
		for bin in "$dir"/*; do
			[ -f "$bin" ] && [ -x "$bin" ] || continue
			found=1
			run_unit "$ROOT/$bin" "$bin"
		done
	done
	[ "$found" -eq 1 ] || echo "note: no unit test binaries in build/tests or build/tests-san (make unit)"

	if [ "${PDGATE_VALGRIND:-0}" = 1 ]; then
		if ! command -v valgrind >/dev/null; then
			echo "valgrind not installed: valgrind pass skipped"
			skipped=$((skipped + 1))
		else
			# Known false positives on Debian 12: code generated at run time by PCRE2's JIT
			# (GLib's GRegex; frames without an object, "???") and ld.so's is_dst() reading
			# past a strdup'd rpath with a word-sized strncmp.
			supp="$LOG/pdgate.supp"
			cat >"$supp" <<'SUPP'
{
   pcre2-jit-generated-code-cond
   Memcheck:Cond
   obj:???
}
{
   pcre2-jit-generated-code-value8
   Memcheck:Value8
   obj:???
}
{
   ldso-is_dst-strncmp
   Memcheck:Addr8
   fun:strncmp
   fun:is_dst
}
SUPP
			for bin in build/tests/*; do
				[ -f "$bin" ] && [ -x "$bin" ] || continue
				out="$LOG/valgrind_$(basename "$bin").out"
				CMOCKA_MESSAGE_OUTPUT=stdout timeout 1800 valgrind -q --error-exitcode=99 --suppressions="$supp" \
					--leak-check=full --errors-for-leak-kinds=definite \
					--show-leak-kinds=definite "$ROOT/$bin" >"$out" 2>&1 </dev/null
				rc=$?
				# 99: valgrind found errors; > 128: died under valgrind. Another non-zero
				# exit is a failing test, already counted by the plain run.
				if [ "$rc" -ne 99 ] && [ "$rc" -le 128 ]; then
					passed=$((passed + 1)); echo "valgrind $bin: clean"
				else
					failed=$((failed + 1)); note_failure "valgrind $bin: exit $rc"
					echo "valgrind $bin: FAILED (exit $rc)"
					grep -E '^==[0-9]+==' "$out" | head -n 60 | sed 's/^/  /'
				fi
			done
		fi
	fi

	# The libFuzzer targets (make fuzz-build): each replays its regression inputs, then fuzzes
	# a few seconds from its seeds; one test per target (tests/fuzz/run.sh prints PASS/FAIL).
	if compgen -G "build/fuzz/fuzz_*" >/dev/null; then
		out="$LOG/fuzz.out"
		tests/fuzz/run.sh smoke </dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		p=$(grep -c '^PASS ' "$out")
		f=$(grep -c '^FAIL ' "$out")
		passed=$((passed + p))
		failed=$((failed + f))
		while read -r l; do note_failure "${l#FAIL }"; done < <(grep '^FAIL ' "$out")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1)); note_failure "tests/fuzz/run.sh: exit $rc"
		fi
	else
		echo "note: no fuzz targets in build/fuzz (make fuzz-build)"
	fi
fi

if [ "$mode" != unit ]; then
	for t in tests/integration/test_*.py; do
		[ -f "$t" ] || continue
		out="$LOG/$(basename "$t").out"
		echo "== $t"
		# Output goes to the terminal as it comes and to a file to count.
		timeout 900 "$PY" "$t" </dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		p=$(grep -c '^PASS ' "$out")
		f=$(grep -c '^FAIL ' "$out")
		passed=$((passed + p))
		failed=$((failed + f))
		while read -r l; do note_failure "$t: ${l#FAIL }"; done < <(grep '^FAIL ' "$out")
		if [ "$rc" -eq 77 ]; then
			s=$(grep -c '^SKIP' "$out"); [ "$s" -gt 0 ] || s=1
			skipped=$((skipped + s))
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1))
			note_failure "$t: crashed (exit $rc)"
			echo "CRASH $t (exit $rc)"
		fi
	done
fi

if [ -n "$failures" ]; then
	echo "Failures:$failures"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
