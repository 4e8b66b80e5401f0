#!/bin/sh
# make bench: see tests/bench/bench.py. Needs root (the mail servers drop privileges).
set -eu
cd "$(dirname "$0")/../.."
exec python3 tests/bench/bench.py
