#!/usr/bin/env bash
# Installs everything Slope needs to build, run and test, from Debian 12
# packages. The README, .ci/run and docker/Dockerfile all call this script;
# nothing is installed anywhere else.
#
#   scripts/install-deps.sh            build, run and test
#   scripts/install-deps.sh --runtime  only the shared libraries the server needs
#   scripts/install-deps.sh --build    the compiler and libraries, no test tools
#   scripts/install-deps.sh --bench    also the benchmark references
#                                      (PyTorch, SymPy, perf)
#
# Idempotent and non-interactive; it runs apt-get only for what is missing.
set -euo pipefail

mode=dev
for arg in "$@"; do
  case "$arg" in
    --runtime) mode=runtime ;;
    --build) mode=build ;;
    --bench) mode=bench ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

runtime=(libgrpc++1.51 libprotobuf32 libabsl20220623 ca-certificates)
build=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libeigen3-dev libcli11-dev
)
dev=(
  git libgtest-dev libgmock-dev libbenchmark-dev
  # Clients and tools the end-to-end tests drive.
  python3 python3-grpcio python3-protobuf procps
  # libFuzzer smoke run of the expression parser.
  clang libclang-rt-14-dev
)
bench=(python3-torch python3-sympy python3-numpy linux-perf hyperfine)

case "$mode" in
  runtime) wanted=("${runtime[@]}") ;;
  build) wanted=("${runtime[@]}" "${build[@]}") ;;
  dev) wanted=("${runtime[@]}" "${build[@]}" "${dev[@]}") ;;
  bench) wanted=("${runtime[@]}" "${build[@]}" "${dev[@]}" "${bench[@]}") ;;
esac
# Node.js with npm runs the Node example client and `buf curl`. Some
# machines carry a nodejs build that bundles npm and conflicts with
# Debian's npm package: only ask for them when npm is absent.
if { [ "$mode" = dev ] || [ "$mode" = bench ]; } && ! command -v npm >/dev/null 2>&1; then
  wanted+=(nodejs npm)
fi

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: everything for '$mode' is installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
