#!/usr/bin/env bash
# Builds the expression fuzzer with clang (libFuzzer, ASan, UBSan) and runs
# it over a copy of the seed corpus. A crash, sanitizer report or timeout
# exits 1 (libFuzzer's default, 77, would read as "skipped" to CTest).
#
#   scripts/fuzz-smoke.sh [SECONDS]    default 20; exits 77 without clang
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v clang++ >/dev/null 2>&1; then
  echo "SKIP: clang++ is not installed (scripts/install-deps.sh installs it)"
  exit 77
fi
build=${SLOPE_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DSLOPE_FUZZ=ON \
  -DSLOPE_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target expression_fuzzer
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/fuzz/corpus/* "$corpus"/
"$build/tests/fuzz/expression_fuzzer" -max_total_time="$seconds" \
  -max_len=512 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 \
  -artifact_prefix="$build/" "$corpus" tests/fuzz/corpus
