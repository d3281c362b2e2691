#!/usr/bin/env bash
# Builds the unit and in-process RPC tests with ThreadSanitizer and runs them.
#
#   scripts/tsan.sh                 build (first run: ~20 minutes) and run
#   scripts/tsan.sh -R JobRegistry  extra arguments go to ctest
#   SLOPE_TSAN_BUILD_DIR=D          build directory (default build-tsan)
#
# Exits 77 (skipped, for CTest) when the Abseil source cannot be fetched.
#
# TSan only sees synchronisation done by instrumented code or through the
# pthread calls it intercepts. Debian's Abseil is not instrumented, so every
# absl::Mutex, CondVar and Notification (ours and gRPC's, which builds its
# own locks on absl::Mutex) would be invisible and every lock a false report.
# So this script first builds Debian's own Abseil source package (the
# installed version, with Debian's patches, hence the same ABI and SONAMEs)
# with -fsanitize=thread into the build directory; the tests link it, and
# LD_LIBRARY_PATH makes gRPC load it in place of the system copy.
#
# Fetching the source uses apt with its own source list and state
# directories (deb-src for the same suites as the binary packages), so the
# system's apt configuration is left alone; it needs root, like apt itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$(realpath -m "${SLOPE_TSAN_BUILD_DIR:-build-tsan}")
absl_prefix=$build/abseil
jobs=$(nproc)
tsan_flags="-fsanitize=thread -fno-omit-frame-pointer -g -O1"

build_abseil() {
  local version work
  version=$(dpkg-query -W -f='${source:Version}' libabsl20220623)
  work=$build/abseil-src
  rm -rf "$work" && mkdir -p "$work/sources.d" "$work/lists/partial" "$work/cache"
  cat > "$work/sources.d/debian-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  local apt_opts=(-q -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$work/sources.d"
    -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
  echo "tsan.sh: fetching the source of Abseil $version"
  if ! apt-get "${apt_opts[@]}" update >/dev/null ||
     ! (cd "$work" && apt-get "${apt_opts[@]}" source --download-only \
          "abseil=$version" >/dev/null 2>&1); then
    echo "SKIP: cannot download Abseil's Debian source package"
    exit 77
  fi
  (cd "$work" && dpkg-source -q -x ./*.dsc abseil >/dev/null)

  echo "tsan.sh: building Abseil with ThreadSanitizer"
  cmake -S "$work/abseil" -B "$work/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_CXX_FLAGS="$tsan_flags" -DCMAKE_INSTALL_PREFIX="$absl_prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
  cmake --build "$work/build" -j "$jobs"
  cmake --install "$work/build" >/dev/null
  rm -rf "$work"
}

if [ ! -e "$absl_prefix/lib/libabsl_synchronization.so" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "SKIP: building the instrumented Abseil needs root (apt-get source)"
    exit 77
  fi
  build_abseil
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLOPE_SANITIZE=thread -DSLOPE_BUILD_BENCH=OFF \
  -DCMAKE_PREFIX_PATH="$absl_prefix" >/dev/null
cmake --build "$build" -j "$jobs"

# Reports go to files rather than failing the test at once: gRPC's
# uninstrumented internals produce reports about gRPC's own memory, which
# tests/tsan_triage.py tells apart from reports that involve our code.
logs=$build/tsan-logs
rm -rf "$logs" && mkdir -p "$logs"
export LD_LIBRARY_PATH=$absl_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export TSAN_OPTIONS="exitcode=0 history_size=7 second_deadlock_stack=1 log_path=$logs/tsan suppressions=$root/tests/tsan.supp ${TSAN_OPTIONS:-}"
status=0
ctest --test-dir "$build" --output-on-failure --timeout 900 -j "$jobs" \
  -L 'unit|rpc' "$@" || status=$?
python3 "$root/tests/tsan_triage.py" "$logs" || status=1
exit "$status"
