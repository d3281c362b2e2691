#!/usr/bin/env bash
# Installs what is missing, builds everything and runs the whole test suite:
# unit tests, in-process RPC tests and end-to-end tests of the real binaries.
# This is the README's test command, and what CI runs.
#
#   scripts/test.sh              everything
#   scripts/test.sh -L unit      extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=${SLOPE_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure --timeout 600 -j "$(nproc)" "$@"
