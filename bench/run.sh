#!/usr/bin/env bash
# Runs Slope's benchmarks and prints every table as Markdown, each figure a
# ratio against a reference measured in the same run (see BENCHMARKS.md).
#
#   bench/run.sh                 the full run (about 17 minutes)
#   bench/run.sh --quick         a few seconds per section (a smoke test)
#   SLOPE_BENCH_SOAK=S bench/run.sh   a shorter memory soak (default 600 s)
#   bench/run.sh --build-dir D   use binaries from D (default: build-bench,
#                                built here as Release unless
#                                SLOPE_BENCH_NO_BUILD=1)
#
# Needs the benchmark references: scripts/install-deps.sh --bench (PyTorch,
# SymPy). Without them it says so and exits 77, which CTest counts as
# skipped. Ratios are reported, never asserted: a missed target does not
# fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
build=build-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --build-dir) build=$2; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

# The references need Debian's torch and sympy; prefer the system python,
# which is where those packages install.
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import torch, sympy' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "SKIP: PyTorch and SymPy are not installed (scripts/install-deps.sh --bench)"
  exit 77
fi

if [ "${SLOPE_BENCH_NO_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSLOPE_BUILD_TESTS=OFF >/dev/null
  # Build progress goes to stderr: stdout is the Markdown report.
  cmake --build "$build" --target engine_bench rpc_bench training_bench \
    slope-server slope >&2
fi
for binary in bench/engine_bench bench/rpc_bench bench/training_bench \
              server/slope-server; do
  if [ ! -x "$build/$binary" ]; then
    echo "SKIP: $build/$binary is not built"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$quick" = 1 ]; then
  n=20000; reps=3; torch_args=(--reps 3 --hessian-points 2000 --n "$n")
  sympy_args=(--reps 1 --timeout 10); quick_flag=(--quick)
  rpc_args=(--quick); train_reps=1
else
  n=1000000; reps=7; torch_args=(--reps 7); sympy_args=(--reps 3 --timeout 120)
  quick_flag=(); rpc_args=(--seconds 5 --soak "${SLOPE_BENCH_SOAK:-600}")
  train_reps=5
fi

echo "# Slope benchmarks ($( [ "$quick" = 1 ] && echo quick || echo full ) run)"
echo
echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "- compiler: $(c++ --version | head -1); torch $("$python" -c 'import torch; print(torch.__version__)'); sympy $("$python" -c 'import sympy; print(sympy.__version__)')"
echo "- load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$python" bench/references/make_points.py "$work" --n "$n" >/dev/null
OMP_NUM_THREADS=2 "$python" bench/references/torch_ref.py "$work" \
  "${torch_args[@]}" > "$work/torch.txt"
"$python" bench/references/sympy_ref.py "${sympy_args[@]}" > "$work/sympy.txt"
grep '^# .*timed out' "$work/sympy.txt" || true

echo "## 1-2. Engine and symbolic"
echo
echo '`'"bench/run.sh$( [ "$quick" = 1 ] && echo ' --quick')"'`: engine_bench'
echo
"$build/bench/engine_bench" --points "$work" --torch "$work/torch.txt" \
  --sympy "$work/sympy.txt" --reps "$reps" "${quick_flag[@]}"
echo
echo "## 3. RPC and memory"
echo
"$build/bench/rpc_bench" --server "$build/server/slope-server" "${rpc_args[@]}"
echo
echo "## 4-5. Training and streaming"
echo
# The data sets and job definitions are written once and read by both sides.
mkdir "$work/training"
"$build/bench/training_bench" --write-data "$work/training" "${quick_flag[@]}"
"$python" bench/references/torch_train.py "$work/training" \
  --reps "$train_reps" > "$work/torch_train.txt"
"$build/bench/training_bench" --server "$build/server/slope-server" \
  --data "$work/training" --torch "$work/torch_train.txt" \
  --reps "$train_reps" "${quick_flag[@]}"
