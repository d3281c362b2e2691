// Point and block evaluation of tapes. Everything numeric happens in the
// kernels of tape_kernels.h; this file moves data between the caller's
// row-major points and the per-slot block arrays, and drives the sweeps.
#include "server/calculus/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/calculus/tape_kernels.h"

namespace slope::calculus {

using kernels::Dual;

// Values and adjoints of every slot for `block` points, slot-major: slot k
// of point i is at [k * block + i]. Inputs and constants sit in their rows
// like any other slot, constants filled once when the workspace is
// prepared for a tape.
struct TapeWorkspace::State {
  uint64_t tape_id = 0;
  size_t block = 0;
  std::vector<double> values;
  std::vector<double> adjoints;
  std::vector<Dual> dual_values;  // allocated on the first Hessian
  std::vector<Dual> dual_adjoints;
};

TapeWorkspace::TapeWorkspace() : state_(std::make_unique<State>()) {}
TapeWorkspace::~TapeWorkspace() = default;
TapeWorkspace::TapeWorkspace(TapeWorkspace&&) noexcept = default;
TapeWorkspace& TapeWorkspace::operator=(TapeWorkspace&&) noexcept = default;

namespace {

using State = TapeWorkspace::State;

// Bounds the workspace of a large tape to about 8 MB per array; blocks get
// smaller instead. Results do not depend on the block size.
constexpr size_t kMaxBlockDoubles = size_t{1} << 20;

size_t EffectiveBlock(const Tape& tape, size_t requested) {
  const size_t slots = std::max<size_t>(tape.num_slots(), 1);
  const size_t cap = std::max<size_t>(kMaxBlockDoubles / slots, 1);
  return std::clamp<size_t>(requested, 1, cap);
}

void Prepare(const Tape& tape, size_t block, State& s) {
  if (s.tape_id == tape.id() && s.block == block) return;
  s.tape_id = tape.id();
  s.block = block;
  s.values.assign(tape.num_value_rows() * block, 0.0);
  // Adjoint rows are assigned before they are read (the plan's first
  // contribution assigns), so only the seed row needs filling, once.
  s.adjoints.assign(tape.num_adjoint_rows() * block, 0.0);
  std::fill_n(s.adjoints.begin() + tape.ones_row() * block, block, 1.0);
  s.dual_values.clear();
  s.dual_adjoints.clear();
  const auto ins = tape.instructions();
  for (size_t k = tape.num_inputs(); k < tape.first_operation(); ++k) {
    std::fill_n(s.values.begin() + k * block, block, ins[k].constant);
  }
}

void PrepareDuals(const Tape& tape, State& s) {
  if (!s.dual_values.empty() || tape.num_slots() == 0) return;
  const size_t block = s.block;
  s.dual_values.assign(tape.num_slots() * block, Dual());
  s.dual_adjoints.assign(tape.num_adjoint_rows() * block, Dual());
  std::fill_n(s.dual_adjoints.begin() + tape.ones_row() * block, block,
              Dual(1.0));
  const auto ins = tape.instructions();
  for (size_t k = tape.num_inputs(); k < tape.first_operation(); ++k) {
    std::fill_n(s.dual_values.begin() + k * block, block,
                Dual(ins[k].constant));
  }
}

// With `stash_derivatives` (a gradient follows), sin and cos also leave
// their derivatives in their derivative rows for the reverse sweep.
template <typename T>
void ForwardSweep(const Tape& tape, T* v, size_t block, size_t n,
                  bool stash_derivatives = false) {
  const auto ins = tape.instructions();
  for (size_t k = tape.first_operation(); k < ins.size(); ++k) {
    const Instruction& in = ins[k];
    if constexpr (std::is_same_v<T, double>) {
      if (stash_derivatives && in.derivative_row != 0) {
        kernels::ForwardSinCos(in, v + k * block, v + in.derivative_row * block,
                               v + in.a * block, n);
        continue;
      }
    }
    kernels::Forward<T>(in, v + k * block, v + in.a * block,
                        v + in.b * block, n);
  }
}

// Output `o`'s reverse sweep as its plan says; afterwards
// ReadGradient finds each input's adjoint. Rows are written before they are
// read, so the adjoint array needs no clearing between sweeps.
template <typename T>
void ReverseSweep(const Tape& tape, size_t o, const T* v, T* adj,
                  size_t block, size_t n) {
  const auto ins = tape.instructions();
  for (const AdjointStep& step : tape.reverse_plan(o).steps) {
    const Instruction& in = ins[step.slot];
    // The Dual sweep (Hessians) stashes nothing and computes derivatives.
    const T* derivative = std::is_same_v<T, double> && in.derivative_row != 0
                              ? v + in.derivative_row * block
                              : nullptr;
    kernels::Reverse<T>(in, step, adj + step.g_row * block,
                        adj + step.a_row * block, adj + step.b_row * block,
                        v + in.a * block, v + in.b * block,
                        v + step.slot * block, n, derivative);
  }
}

// Input j's adjoint at point i after ReverseSweep. Adding +0.0 turns a -0
// into +0 as a zero-filled, accumulated adjoint always had it, so the
// plan's shortcuts (assigning the first contribution, signs carried by the
// plan) cannot show in a result.
inline Dual InputAdjointAt(const InputAdjoint& in, const Dual* adj,
                           size_t block, size_t i) {
  if (!in.reached) return Dual(0.0, 0.0);
  const Dual a = adj[in.row * block + i];
  return in.negated ? Dual(-a.v + 0.0, -a.d + 0.0)
                    : Dual(a.v + 0.0, a.d + 0.0);
}

// Largest number of coordinates with an unrolled transposition below.
constexpr size_t kMaxUnrolledColumns = 8;

// rows[j][i] = src[i * D + j] for D coordinates known at compile time: one
// pass over the points, which the compiler turns into vector loads and
// shuffles; a loop over a run-time count of coordinates per point was most
// of the time of small expressions.
template <size_t D>
void GatherRowsFixed(double* __restrict v, size_t block,
                     const double* __restrict src, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < D; ++j) v[j * block + i] = src[i * D + j];
  }
}

// Rows 0..d-1 of `v` from n row-major points of d coordinates.
void GatherRows(double* v, size_t block, const double* src, size_t d,
                size_t n) {
  switch (d) {
    case 0: return;
    case 1: std::memcpy(v, src, n * sizeof(double)); return;
    case 2: return GatherRowsFixed<2>(v, block, src, n);
    case 3: return GatherRowsFixed<3>(v, block, src, n);
    case 4: return GatherRowsFixed<4>(v, block, src, n);
    case 5: return GatherRowsFixed<5>(v, block, src, n);
    case 6: return GatherRowsFixed<6>(v, block, src, n);
    case 7: return GatherRowsFixed<7>(v, block, src, n);
    case 8: return GatherRowsFixed<8>(v, block, src, n);
  }
  for (size_t j = 0; j < d; ++j) {
    double* __restrict row = v + j * block;
    for (size_t i = 0; i < n; ++i) row[i] = src[i * d + j];
  }
}

// dst[i * stride] = row[i].
void ScatterColumn(double* __restrict dst, size_t stride,
                   const double* __restrict row, size_t n) {
  if (stride == 1) {
    std::memcpy(dst, row, n * sizeof(double));
    return;
  }
  for (size_t i = 0; i < n; ++i) dst[i * stride] = row[i];
}

// dst[i * D + j] = rows[j][i] * scales[j] + 0.0, D known. A scale of -1
// reads a negated adjoint and 0 (on the ones row) an unreached one, both
// exactly, so no column needs a second pass; + 0.0 as in InputAdjointAt.
template <size_t D>
void ScatterRowsFixed(double* __restrict dst, const double* const* rows,
                      const double* scales, size_t n) {
  const double* __restrict r[D];
  double scale[D];
  for (size_t j = 0; j < D; ++j) r[j] = rows[j], scale[j] = scales[j];
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < D; ++j) dst[i * D + j] = r[j][i] * scale[j] + 0.0;
  }
}

// The gradient of output `o` at n points into dst[i * stride + j]: in one
// unrolled pass when a point's gradient is contiguous (one output) and
// short, else column by column; either way each value is read as
// row * scale + 0.0 (see ScatterRowsFixed).
void ScatterGradient(double* __restrict dst, size_t stride,
                     absl::Span<const InputAdjoint> inputs, const Tape& tape,
                     const double* adj, size_t block, size_t n) {
  // Where input j's adjoint row is, and the scale that reads it exactly:
  // -1 for a negated adjoint, 0 (on the ones row) for an unreached one.
  auto column = [&](size_t j, const double** row, double* scale) {
    const InputAdjoint& in = inputs[j];
    *row = adj + (in.reached ? in.row : tape.ones_row()) * block;
    *scale = !in.reached ? 0.0 : (in.negated ? -1.0 : 1.0);
  };
  const size_t d = inputs.size();
  if (stride == d && d <= kMaxUnrolledColumns) {
    const double* rows[kMaxUnrolledColumns];
    double scales[kMaxUnrolledColumns];
    for (size_t j = 0; j < d; ++j) column(j, &rows[j], &scales[j]);
    switch (d) {
      case 1: return ScatterRowsFixed<1>(dst, rows, scales, n);
      case 2: return ScatterRowsFixed<2>(dst, rows, scales, n);
      case 3: return ScatterRowsFixed<3>(dst, rows, scales, n);
      case 4: return ScatterRowsFixed<4>(dst, rows, scales, n);
      case 5: return ScatterRowsFixed<5>(dst, rows, scales, n);
      case 6: return ScatterRowsFixed<6>(dst, rows, scales, n);
      case 7: return ScatterRowsFixed<7>(dst, rows, scales, n);
      case 8: return ScatterRowsFixed<8>(dst, rows, scales, n);
    }
  }
  for (size_t j = 0; j < d; ++j) {
    const double* row;
    double scale;
    column(j, &row, &scale);
    double* __restrict col = dst + j;
    for (size_t i = 0; i < n; ++i) col[i * stride] = row[i] * scale + 0.0;
  }
}

// A cheap, vectorisable test for "any Inf or NaN": all exponent bits set.
bool AnyNonFinite(const double* row, size_t n) {
  constexpr uint64_t kExponent = 0x7ff0000000000000ull;
  uint64_t any = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t bits;
    std::memcpy(&bits, &row[i], sizeof bits);
    any |= static_cast<uint64_t>((bits & kExponent) == kExponent);
  }
  return any != 0;
}

// After the forward sweep, not inside it: one scan per slot, and a look at
// single points only where a slot went non-finite. A warning goes to the
// operation that made a non-finite value from finite operands, so one NaN
// does not cascade into a warning per later operation.
void CollectWarnings(const Tape& tape, const State& s, size_t n,
                     WarningCollector* warnings) {
  for (const ConstantWarning& w : tape.constant_warnings()) {
    warnings->Add(w.instruction, w.kind, w.pos, w.operation,
                  static_cast<uint32_t>(n));
  }
  const auto ins = tape.instructions();
  const size_t block = s.block;
  const double* v = s.values.data();
  for (size_t k = tape.first_operation(); k < ins.size(); ++k) {
    const double* row = v + k * block;
    if (!AnyNonFinite(row, n)) continue;
    const Instruction& in = ins[k];
    const double* a = v + in.a * block;
    const double* b = v + in.b * block;  // == a for unary operations
    for (size_t i = 0; i < n; ++i) {
      if (std::isfinite(row[i]) || !std::isfinite(a[i]) ||
          !std::isfinite(b[i])) {
        continue;
      }
      warnings->Add(static_cast<uint32_t>(k),
                    kernels::Classify(in, a[i], b[i], row[i]), in.pos,
                    OperationName(in));
    }
  }
}

absl::Status CheckSizes(const Tape& tape, absl::Span<const double> points,
                        size_t count, size_t begin, size_t end,
                        const BatchOptions& options,
                        const BatchOutput& output) {
  const size_t inputs = tape.num_inputs();
  const size_t outputs = tape.num_outputs();
  if (points.size() != count * inputs) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", count, " points of ", inputs, " coordinates (",
        count * inputs, " numbers), got ", points.size(), " numbers"));
  }
  if (begin > end || end > count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid range [", begin, ", ", end, ") of ", count, " points"));
  }
  if (output.values.size() < count * outputs) {
    return absl::InvalidArgumentError("values output too small");
  }
  if (options.gradient &&
      output.gradients.size() < count * outputs * inputs) {
    return absl::InvalidArgumentError("gradients output too small");
  }
  if (options.hessian &&
      output.hessians.size() < count * outputs * inputs * inputs) {
    return absl::InvalidArgumentError("hessians output too small");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EvaluateBatch(const Tape& tape, absl::Span<const double> points,
                           size_t count, size_t begin, size_t end,
                           const BatchOptions& options,
                           const BatchOutput& output,
                           WarningCollector* warnings,
                           TapeWorkspace* workspace) {
  if (absl::Status s =
          CheckSizes(tape, points, count, begin, end, options, output);
      !s.ok()) {
    return s;
  }
  TapeWorkspace local;
  State& s = workspace != nullptr ? workspace->state() : local.state();
  const size_t block = EffectiveBlock(tape, options.block_size);
  Prepare(tape, block, s);
  if (options.hessian) PrepareDuals(tape, s);

  const size_t inputs = tape.num_inputs();
  const size_t outputs = tape.num_outputs();
  const auto out_slots = tape.outputs();
  double* v = s.values.data();
  auto stopped = [&] {
    return options.should_stop != nullptr && *options.should_stop &&
           (*options.should_stop)();
  };

  for (size_t start = begin; start < end; start += block) {
    if (stopped()) return absl::CancelledError("evaluation cancelled");
    const size_t n = std::min(block, end - start);
    // Row-major points into slot-major rows.
    GatherRows(v, block, points.data() + start * inputs, inputs, n);
    ForwardSweep<double>(tape, v, block, n, options.gradient);
    if (warnings != nullptr) CollectWarnings(tape, s, n, warnings);
    for (size_t o = 0; o < outputs; ++o) {
      ScatterColumn(output.values.data() + start * outputs + o, outputs,
                    v + out_slots[o] * block, n);
    }

    if (options.gradient) {
      double* adj = s.adjoints.data();
      const size_t stride = outputs * inputs;
      for (size_t o = 0; o < outputs; ++o) {
        ReverseSweep<double>(tape, o, v, adj, block, n);
        const auto& plan_inputs = tape.reverse_plan(o).inputs;
        // data() + offset, not &span[offset]: with no inputs the span is
        // empty and indexing it is out of bounds even for zero writes.
        ScatterGradient(output.gradients.data() + start * stride + o * inputs,
                        stride, plan_inputs, tape, adj, block, n);
      }
    }

    if (options.hessian) {
      Dual* dv = s.dual_values.data();
      Dual* dadj = s.dual_adjoints.data();
      // The value part of the dual sweep repeats the plain sweep exactly;
      // direction j's tangents make the input adjoints' tangents row j.
      for (size_t j = 0; j < inputs; ++j) {
        if (stopped()) return absl::CancelledError("evaluation cancelled");
        for (size_t k = 0; k < inputs; ++k) {
          for (size_t i = 0; i < n; ++i) {
            dv[k * block + i] = Dual(v[k * block + i], k == j ? 1.0 : 0.0);
          }
        }
        ForwardSweep<Dual>(tape, dv, block, n);
        for (size_t o = 0; o < outputs; ++o) {
          ReverseSweep<Dual>(tape, o, dv, dadj, block, n);
          const auto& plan_inputs = tape.reverse_plan(o).inputs;
          for (size_t i = 0; i < n; ++i) {
            double* h = &output.hessians[(((start + i) * outputs + o) * inputs +
                                          j) * inputs];
            for (size_t k = 0; k < inputs; ++k) {
              h[k] = InputAdjointAt(plan_inputs[k], dadj, block, i).d;
            }
          }
        }
      }
      // Forward-over-reverse is symmetric only up to rounding; the API
      // promises a symmetric matrix, so average the two triangles.
      for (size_t i = 0; i < n; ++i) {
        for (size_t o = 0; o < outputs; ++o) {
          double* h = output.hessians.data() +
                      ((start + i) * outputs + o) * inputs * inputs;
          for (size_t r = 0; r < inputs; ++r) {
            for (size_t c = r + 1; c < inputs; ++c) {
              double mean = 0.5 * h[r * inputs + c] + 0.5 * h[c * inputs + r];
              h[r * inputs + c] = mean;
              h[c * inputs + r] = mean;
            }
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PointResult> EvaluatePoint(const Tape& tape,
                                          absl::Span<const double> point,
                                          Derivatives derivatives,
                                          TapeWorkspace* workspace) {
  if (point.size() != tape.num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", tape.num_inputs(), " coordinates, got ", point.size()));
  }
  // Reusing one workspace per thread spares the allocations of a fresh one
  // in the common loop of single-point calls.
  thread_local TapeWorkspace per_thread;
  TapeWorkspace* ws = workspace != nullptr ? workspace : &per_thread;

  const size_t inputs = tape.num_inputs();
  const size_t outputs = tape.num_outputs();
  PointResult result;
  BatchOptions options;
  options.block_size = 1;
  options.gradient = derivatives != Derivatives::kNone;
  options.hessian = derivatives == Derivatives::kHessian;
  result.values.resize(outputs);
  if (options.gradient) result.gradients.resize(outputs * inputs);
  if (options.hessian) result.hessians.resize(outputs * inputs * inputs);
  BatchOutput output{absl::MakeSpan(result.values),
                     absl::MakeSpan(result.gradients),
                     absl::MakeSpan(result.hessians)};
  WarningCollector warnings;
  if (absl::Status s =
          EvaluateBatch(tape, point, 1, 0, 1, options, output, &warnings, ws);
      !s.ok()) {
    return s;
  }
  result.warnings = warnings.ToWarnings();
  return result;
}

}  // namespace slope::calculus
