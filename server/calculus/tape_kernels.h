// The numeric kernels of the tape evaluators, shared by constant folding,
// point evaluation and block evaluation. Internal to the calculus library.
//
// Every evaluator runs the same templated loops, one instruction over n
// points (n = 1 for a single point), so a block of points gives bit for bit
// the results of evaluating each point alone: same operations, same order,
// same machine code, whatever the compiler contracts or vectorises.
//
// T is double for values and gradients, or Dual for the Hessian's
// forward-over-reverse sweep: the reverse sweep written once over T and run
// on dual numbers differentiates the gradient along one input direction.
#ifndef SLOPE_SERVER_CALCULUS_TAPE_KERNELS_H_
#define SLOPE_SERVER_CALCULUS_TAPE_KERNELS_H_

#include <cmath>
#include <cstddef>
#include <limits>

#include "server/calculus/functions.h"
#include "server/calculus/tape.h"
#include "server/calculus/warnings.h"

namespace slope::calculus::kernels {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kLn2 = 0.693147180559945309417232121458176568;
inline constexpr double kLn10 = 2.30258509299404568401799145468436421;
inline constexpr double kTwoOverSqrtPi = 1.12837916709551257389615890312154517;

// ---------------------------------------------------------------------------
// Scalar kernels on double. These must give exactly EvaluateFunction's
// values (functions.cc); kernels_test checks that bit for bit. They are
// repeated here, inline, so that the block loops can inline them.

// sin(x) and cos(x), bit for bit std::sin's and std::cos's.
inline void SinCos(double x, double* s, double* c) {
#if defined(__GLIBC__)
  ::sincos(x, s, c);
#else
  *s = std::sin(x);
  *c = std::cos(x);
#endif
}

inline double Sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}
inline double Softplus(double x) {
  if (std::isnan(x)) return x;
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}
inline double SignOf(double x) {
  if (std::isnan(x)) return x;
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}
inline double MinOf(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return b < a ? b : a;
}
inline double MaxOf(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return b > a ? b : a;
}
inline double ReluOf(double x) {
  if (std::isnan(x)) return x;
  return x > 0 ? x : 0.0;
}

// ---------------------------------------------------------------------------
// Dual numbers: a value and its derivative along one direction.

struct Dual {
  double v = 0;
  double d = 0;
  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants lift implicitly
  Dual(double value, double tangent) : v(value), d(tangent) {}
};

// f'(x) * dx where a zero tangent stays an exact zero: a slot that does not
// depend on the direction must not pick up inf * 0 = NaN from, say,
// sqrt'(0) = inf. This matches the symbolic derivative, in which such a
// term simply does not occur.
inline double Tangent(double derivative, double dx) {
  return dx == 0 ? 0.0 : derivative * dx;
}
inline double Value(double x) { return x; }
inline double Value(const Dual& x) { return x.v; }

inline Dual operator-(const Dual& a) { return {-a.v, -a.d}; }
inline Dual operator+(const Dual& a, const Dual& b) {
  return {a.v + b.v, a.d + b.d};
}
inline Dual operator+(const Dual& a, double b) { return {a.v + b, a.d}; }
inline Dual operator+(double a, const Dual& b) { return {a + b.v, b.d}; }
inline Dual operator-(const Dual& a, const Dual& b) {
  return {a.v - b.v, a.d - b.d};
}
inline Dual operator-(const Dual& a, double b) { return {a.v - b, a.d}; }
inline Dual operator-(double a, const Dual& b) { return {a - b.v, -b.d}; }
inline Dual operator*(const Dual& a, const Dual& b) {
  return {a.v * b.v, Tangent(a.v, b.d) + Tangent(b.v, a.d)};
}
inline Dual operator*(const Dual& a, double b) {
  return {a.v * b, Tangent(b, a.d)};
}
inline Dual operator*(double a, const Dual& b) {
  return {a * b.v, Tangent(a, b.d)};
}
inline Dual operator/(const Dual& a, const Dual& b) {
  double q = a.v / b.v;
  if (a.d == 0 && b.d == 0) return {q, 0.0};
  return {q, (a.d - Tangent(q, b.d)) / b.v};
}
inline Dual operator/(const Dual& a, double b) { return {a.v / b, a.d / b}; }
inline Dual operator/(double a, const Dual& b) {
  double q = a / b.v;
  if (b.d == 0) return {q, 0.0};
  return {q, -(q * b.d) / b.v};
}
inline Dual& operator+=(Dual& a, const Dual& b) { return a = a + b; }
inline Dual& operator-=(Dual& a, const Dual& b) { return a = a - b; }

// Applies a unary function with known derivative to a dual number.
inline Dual Chain(double value, double derivative, const Dual& x) {
  return {value, Tangent(derivative, x.d)};
}

// ---------------------------------------------------------------------------
// The functions, overloaded on double and Dual. The Dual value part is the
// double kernel, so gradients from a Hessian sweep equal plain gradients.

#define SLOPE_UNARY(Name, expr_value, expr_derivative)            \
  inline double Name(double x) { return expr_value; }             \
  inline Dual Name(const Dual& a) {                               \
    double x = a.v;                                               \
    if (a.d == 0) return Dual(expr_value);                        \
    double y = expr_value;                                        \
    (void)y;                                                      \
    return Chain(y, expr_derivative, a);                          \
  }

SLOPE_UNARY(Sin, std::sin(x), std::cos(x))
SLOPE_UNARY(Cos, std::cos(x), -std::sin(x))
SLOPE_UNARY(Tan, std::tan(x), 1.0 + y * y)
SLOPE_UNARY(Asin, std::asin(x), 1.0 / std::sqrt(1.0 - x * x))
SLOPE_UNARY(Acos, std::acos(x), -1.0 / std::sqrt(1.0 - x * x))
SLOPE_UNARY(Atan, std::atan(x), 1.0 / (1.0 + x * x))
SLOPE_UNARY(Sinh, std::sinh(x), std::cosh(x))
SLOPE_UNARY(Cosh, std::cosh(x), std::sinh(x))
SLOPE_UNARY(Tanh, std::tanh(x), 1.0 - y * y)
SLOPE_UNARY(Asinh, std::asinh(x), 1.0 / std::sqrt(x * x + 1.0))
SLOPE_UNARY(Acosh, std::acosh(x), 1.0 / std::sqrt(x * x - 1.0))
SLOPE_UNARY(Atanh, std::atanh(x), 1.0 / (1.0 - x * x))
SLOPE_UNARY(Exp, std::exp(x), y)
SLOPE_UNARY(Expm1, std::expm1(x), y + 1.0)
SLOPE_UNARY(Log, std::log(x), 1.0 / x)
SLOPE_UNARY(Log1p, std::log1p(x), 1.0 / (1.0 + x))
SLOPE_UNARY(Log2, std::log2(x), 1.0 / (x * kLn2))
SLOPE_UNARY(Log10, std::log10(x), 1.0 / (x * kLn10))
SLOPE_UNARY(Sqrt, std::sqrt(x), 0.5 / y)
SLOPE_UNARY(Cbrt, std::cbrt(x), 1.0 / (3.0 * y * y))
SLOPE_UNARY(Abs, std::fabs(x), SignOf(x))
SLOPE_UNARY(Sign, SignOf(x), 0.0)
SLOPE_UNARY(Floor, std::floor(x), 0.0)
SLOPE_UNARY(Ceil, std::ceil(x), 0.0)
SLOPE_UNARY(Sigm, Sigmoid(x), y * (1.0 - y))
SLOPE_UNARY(Relu, ReluOf(x), x > 0 ? 1.0 : 0.0)
SLOPE_UNARY(Softp, Softplus(x), Sigmoid(x))
SLOPE_UNARY(Erf, std::erf(x), kTwoOverSqrtPi * std::exp(-(x * x)))
SLOPE_UNARY(Erfc, std::erfc(x), -kTwoOverSqrtPi * std::exp(-(x * x)))
#undef SLOPE_UNARY

inline double Min(double a, double b) { return MinOf(a, b); }
inline Dual Min(const Dual& a, const Dual& b) {
  if (std::isnan(a.v) || std::isnan(b.v)) return {kNaN, kNaN};
  return b.v < a.v ? b : a;
}
inline double Max(double a, double b) { return MaxOf(a, b); }
inline Dual Max(const Dual& a, const Dual& b) {
  if (std::isnan(a.v) || std::isnan(b.v)) return {kNaN, kNaN};
  return b.v > a.v ? b : a;
}
inline double Atan2(double a, double b) { return std::atan2(a, b); }
inline Dual Atan2(const Dual& a, const Dual& b) {
  double value = std::atan2(a.v, b.v);
  if (a.d == 0 && b.d == 0) return {value, 0.0};
  double r = a.v * a.v + b.v * b.v;
  return {value, (Tangent(b.v, a.d) - Tangent(a.v, b.d)) / r};
}
inline double Hypot(double a, double b) { return std::hypot(a, b); }
inline Dual Hypot(const Dual& a, const Dual& b) {
  double value = std::hypot(a.v, b.v);
  if (a.d == 0 && b.d == 0) return {value, 0.0};
  return {value, (Tangent(a.v, a.d) + Tangent(b.v, b.d)) / value};
}
inline double Pow(double a, double b) { return std::pow(a, b); }
inline Dual Pow(const Dual& a, const Dual& b) {
  double value = std::pow(a.v, b.v);
  double d = 0;
  if (a.d != 0) d = b.v * std::pow(a.v, b.v - 1.0) * a.d;
  if (b.d != 0) d += value * std::log(a.v) * b.d;
  return {value, d};
}
inline double PowConst(double a, double k) { return std::pow(a, k); }
inline Dual PowConst(const Dual& a, double k) {
  return Chain(std::pow(a.v, k), k * std::pow(a.v, k - 1.0), a);
}

// Selects without a branch on the double path (a blend the vectoriser
// handles), for relu, max and min.
template <typename T>
inline T Select(bool condition, const T& yes, const T& no) {
  return condition ? yes : no;
}

// ---------------------------------------------------------------------------
// Forward: slot `out` of n points from operand slots a and b. Inputs and
// constants are filled by the caller.

template <typename T>
inline T ApplyFunction(Function f, const T& a, const T& b) {
  switch (f) {
    case Function::kSin: return Sin(a);
    case Function::kCos: return Cos(a);
    case Function::kTan: return Tan(a);
    case Function::kAsin: return Asin(a);
    case Function::kAcos: return Acos(a);
    case Function::kAtan: return Atan(a);
    case Function::kAtan2: return Atan2(a, b);
    case Function::kSinh: return Sinh(a);
    case Function::kCosh: return Cosh(a);
    case Function::kTanh: return Tanh(a);
    case Function::kAsinh: return Asinh(a);
    case Function::kAcosh: return Acosh(a);
    case Function::kAtanh: return Atanh(a);
    case Function::kExp: return Exp(a);
    case Function::kExpm1: return Expm1(a);
    case Function::kLog: return Log(a);
    case Function::kLog1p: return Log1p(a);
    case Function::kLog2: return Log2(a);
    case Function::kLog10: return Log10(a);
    case Function::kSqrt: return Sqrt(a);
    case Function::kCbrt: return Cbrt(a);
    case Function::kAbs: return Abs(a);
    case Function::kSign: return Sign(a);
    case Function::kFloor: return Floor(a);
    case Function::kCeil: return Ceil(a);
    case Function::kMin: return Min(a, b);
    case Function::kMax: return Max(a, b);
    case Function::kPow: return Pow(a, b);
    case Function::kHypot: return Hypot(a, b);
    case Function::kSigmoid: return Sigm(a);
    case Function::kRelu: return Relu(a);
    case Function::kSoftplus: return Softp(a);
    case Function::kErf: return Erf(a);
    case Function::kErfc: return Erfc(a);
  }
  return T(kNaN);
}

// Each case is a separate simple loop so that the arithmetic ones
// vectorise; the function call sits outside the loop.
#define SLOPE_MAP1(expr)                                     \
  for (size_t i = 0; i < n; ++i) {                           \
    const T& x = a[i];                                       \
    out[i] = expr;                                           \
  }                                                          \
  return
#define SLOPE_MAP2(expr)                                     \
  for (size_t i = 0; i < n; ++i) {                           \
    const T& x = a[i];                                       \
    const T& y = b[i];                                       \
    out[i] = expr;                                           \
  }                                                          \
  return

template <typename T>
void ForwardCall(Function f, T* __restrict out, const T* __restrict a,
                 const T* __restrict b, size_t n) {
  switch (f) {
    case Function::kSin: SLOPE_MAP1(Sin(x));
    case Function::kCos: SLOPE_MAP1(Cos(x));
    case Function::kTan: SLOPE_MAP1(Tan(x));
    case Function::kAsin: SLOPE_MAP1(Asin(x));
    case Function::kAcos: SLOPE_MAP1(Acos(x));
    case Function::kAtan: SLOPE_MAP1(Atan(x));
    case Function::kAtan2: SLOPE_MAP2(Atan2(x, y));
    case Function::kSinh: SLOPE_MAP1(Sinh(x));
    case Function::kCosh: SLOPE_MAP1(Cosh(x));
    case Function::kTanh: SLOPE_MAP1(Tanh(x));
    case Function::kAsinh: SLOPE_MAP1(Asinh(x));
    case Function::kAcosh: SLOPE_MAP1(Acosh(x));
    case Function::kAtanh: SLOPE_MAP1(Atanh(x));
    case Function::kExp: SLOPE_MAP1(Exp(x));
    case Function::kExpm1: SLOPE_MAP1(Expm1(x));
    case Function::kLog: SLOPE_MAP1(Log(x));
    case Function::kLog1p: SLOPE_MAP1(Log1p(x));
    case Function::kLog2: SLOPE_MAP1(Log2(x));
    case Function::kLog10: SLOPE_MAP1(Log10(x));
    case Function::kSqrt: SLOPE_MAP1(Sqrt(x));
    case Function::kCbrt: SLOPE_MAP1(Cbrt(x));
    case Function::kAbs: SLOPE_MAP1(Abs(x));
    case Function::kSign: SLOPE_MAP1(Sign(x));
    case Function::kFloor: SLOPE_MAP1(Floor(x));
    case Function::kCeil: SLOPE_MAP1(Ceil(x));
    case Function::kMin: SLOPE_MAP2(Min(x, y));
    case Function::kMax: SLOPE_MAP2(Max(x, y));
    case Function::kPow: SLOPE_MAP2(Pow(x, y));
    case Function::kHypot: SLOPE_MAP2(Hypot(x, y));
    case Function::kSigmoid: SLOPE_MAP1(Sigm(x));
    case Function::kRelu: SLOPE_MAP1(Relu(x));
    case Function::kSoftplus: SLOPE_MAP1(Softp(x));
    case Function::kErf: SLOPE_MAP1(Erf(x));
    case Function::kErfc: SLOPE_MAP1(Erfc(x));
  }
}

template <typename T>
void Forward(const Instruction& ins, T* __restrict out, const T* __restrict a,
             const T* __restrict b, size_t n) {
  switch (ins.op) {
    case OpCode::kInput:
    case OpCode::kConstant:
      return;
    case OpCode::kNegate: SLOPE_MAP1(-x);
    case OpCode::kAdd: SLOPE_MAP2(x + y);
    case OpCode::kSubtract: SLOPE_MAP2(x - y);
    case OpCode::kMultiply: SLOPE_MAP2(x * y);
    case OpCode::kDivide: SLOPE_MAP2(x / y);
    case OpCode::kPowConst: {
      const double k = ins.constant;
      SLOPE_MAP1(PowConst(x, k));
    }
    case OpCode::kPow: SLOPE_MAP2(Pow(x, y));
    case OpCode::kCall:
      ForwardCall(ins.function, out, a, b, n);
      return;
  }
}
#undef SLOPE_MAP1
#undef SLOPE_MAP2

// sin or cos (ins.function) into `out` and its derivative (cos, resp. sin:
// the reverse kernel applies cos's minus) into `derivative`, by one sincos
// call, cheaper than sin now and cos in the reverse sweep. glibc's sincos
// gives exactly sin's and cos's bits (one implementation;
// reverse_plan_test checks it), so values do not depend on whether a
// gradient was asked for.
inline void ForwardSinCos(const Instruction& ins, double* __restrict out,
                          double* __restrict derivative,
                          const double* __restrict a, size_t n) {
  const bool sine = ins.function == Function::kSin;
  for (size_t i = 0; i < n; ++i) {
    double s, c;
    SinCos(a[i], &s, &c);
    out[i] = sine ? s : c;
    derivative[i] = sine ? c : s;
  }
}

// ---------------------------------------------------------------------------
// Reverse: writes slot c's adjoint `cbar` times the partial derivatives into
// the adjoint rows of its operands, as its AdjointStep says: assign the
// first contribution, add or subtract later ones (tape.h). Each operand
// gets its own loop writing only its row, which keeps x*x (a == b) right
// and lets the rows be restrict-qualified, so the loops vectorise without
// alias checks. The write mode is switched on outside the loop.
// Operations with a zero derivative (sign, floor, ceil) have no step.

// target[i] (=|+=|-=) f(x, y, c, g) over n points. With kUnitG the
// adjoint g is the seed 1 (the step reads Tape::ones_row()): it is then a
// compile-time 1.0, which spares a load and, for double, the multiplication
// (1.0 * y is exactly y, so the compiler drops it and no bit changes).
template <AdjointWrite W, bool kUnitG, typename T, typename F>
inline void AdjointLoop(T* __restrict target, const T* __restrict cbar,
                        const T* __restrict av, const T* __restrict bv,
                        const T* __restrict cv, size_t n, F f) {
  for (size_t i = 0; i < n; ++i) {
    const T value = f(av[i], bv[i], cv[i], kUnitG ? T(1.0) : cbar[i]);
    if constexpr (W == AdjointWrite::kAssign) {
      target[i] = value;
    } else if constexpr (W == AdjointWrite::kAdd) {
      target[i] += value;
    } else {
      target[i] -= value;
    }
  }
}

template <bool kUnitG, typename T, typename F>
inline void AdjointWriteRow(AdjointWrite write, T* target, const T* cbar,
                            const T* av, const T* bv, const T* cv, size_t n,
                            F f) {
  switch (write) {
    case AdjointWrite::kNone:
      return;
    case AdjointWrite::kAssign:
      return AdjointLoop<AdjointWrite::kAssign, kUnitG>(target, cbar, av, bv,
                                                        cv, n, f);
    case AdjointWrite::kAdd:
      return AdjointLoop<AdjointWrite::kAdd, kUnitG>(target, cbar, av, bv, cv,
                                                     n, f);
    case AdjointWrite::kSubtract:
      return AdjointLoop<AdjointWrite::kSubtract, kUnitG>(target, cbar, av, bv,
                                                          cv, n, f);
  }
}

template <typename T, typename F>
inline void AdjointWriteRow(const AdjointStep& step, AdjointWrite write,
                            T* target, const T* cbar, const T* av,
                            const T* bv, const T* cv, size_t n, F f) {
  if (step.unit_g) {
    AdjointWriteRow<true>(write, target, cbar, av, bv, cv, n, f);
  } else {
    AdjointWriteRow<false>(write, target, cbar, av, bv, cv, n, f);
  }
}

// x*x: both contributions g*x to the one row in a single loop, applied in
// the same order as two loops would (first a's write, then b's), so the
// bits are those of two loops with half the memory traffic.
template <AdjointWrite W1, AdjointWrite W2, bool kUnitG, typename T>
inline void SquareAdjointLoop(T* __restrict target, const T* __restrict cbar,
                              const T* __restrict xv, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const T t = (kUnitG ? T(1.0) : cbar[i]) * xv[i];
    T acc;
    if constexpr (W1 == AdjointWrite::kAssign) {
      acc = t;
    } else if constexpr (W1 == AdjointWrite::kAdd) {
      acc = target[i] + t;
    } else {
      acc = target[i] - t;
    }
    if constexpr (W2 == AdjointWrite::kAdd) {
      target[i] = acc + t;
    } else {
      target[i] = acc - t;
    }
  }
}

template <bool kUnitG, typename T>
inline bool SquareAdjoint(const AdjointStep& step, T* target, const T* cbar,
                          const T* xv, size_t n) {
  using W = AdjointWrite;
  if (step.a_write == W::kAssign && step.b_write == W::kAdd) {
    SquareAdjointLoop<W::kAssign, W::kAdd, kUnitG>(target, cbar, xv, n);
  } else if (step.a_write == W::kAdd && step.b_write == W::kAdd) {
    SquareAdjointLoop<W::kAdd, W::kAdd, kUnitG>(target, cbar, xv, n);
  } else if (step.a_write == W::kSubtract && step.b_write == W::kSubtract) {
    SquareAdjointLoop<W::kSubtract, W::kSubtract, kUnitG>(target, cbar, xv, n);
  } else {
    return false;
  }
  return true;
}

// x, y: the operands' values; c: the result's; g: the result's adjoint.
#define SLOPE_ADJ(write, target, expr)                                   \
  AdjointWriteRow(step, write, target, cbar, av, bv, cv, n,             \
                  [&](const T& x, const T& y, const T& c, const T& g) { \
                    (void)x, (void)y, (void)c;                          \
                    return T(expr);                                     \
                  })
#define SLOPE_ACC_A(expr) SLOPE_ADJ(step.a_write, abar, expr)
#define SLOPE_ACC_B(expr) SLOPE_ADJ(step.b_write, bbar, expr)

// `derivative`: sin's and cos's stashed derivative row (ForwardSinCos),
// or null to compute it here.
template <typename T>
void ReverseCall(const Instruction& ins, const AdjointStep& step,
                 const T* cbar, T* abar, T* bbar, const T* av, const T* bv,
                 const T* cv, const T* derivative, size_t n) {
  switch (ins.function) {
    case Function::kSin:
      if (derivative != nullptr) {
        AdjointWriteRow(step, step.a_write, abar, cbar, av, bv, derivative, n,
                        [&](const T&, const T&, const T& d, const T& g) {
                          return T(g * d);
                        });
        return;
      }
      SLOPE_ACC_A(g * Cos(x));
      return;
    case Function::kCos:
      if (derivative != nullptr) {
        AdjointWriteRow(step, step.a_write, abar, cbar, av, bv, derivative, n,
                        [&](const T&, const T&, const T& d, const T& g) {
                          return T(g * -d);
                        });
        return;
      }
      SLOPE_ACC_A(g * -Sin(x));
      return;
    case Function::kTan: SLOPE_ACC_A(g * (1.0 + c * c)); return;
    case Function::kAsin: SLOPE_ACC_A(g / Sqrt(1.0 - x * x)); return;
    case Function::kAcos: SLOPE_ACC_A(-(g / Sqrt(1.0 - x * x))); return;
    case Function::kAtan: SLOPE_ACC_A(g / (1.0 + x * x)); return;
    case Function::kAtan2:
      // d/da atan2(a, b) = b/(a^2+b^2), d/db = -a/(a^2+b^2)
      SLOPE_ACC_A(g * y / (x * x + y * y));
      SLOPE_ACC_B(-(g * x / (x * x + y * y)));
      return;
    case Function::kSinh: SLOPE_ACC_A(g * Cosh(x)); return;
    case Function::kCosh: SLOPE_ACC_A(g * Sinh(x)); return;
    case Function::kTanh: SLOPE_ACC_A(g * (1.0 - c * c)); return;
    case Function::kAsinh: SLOPE_ACC_A(g / Sqrt(x * x + 1.0)); return;
    case Function::kAcosh: SLOPE_ACC_A(g / Sqrt(x * x - 1.0)); return;
    case Function::kAtanh: SLOPE_ACC_A(g / (1.0 - x * x)); return;
    case Function::kExp: SLOPE_ACC_A(g * c); return;
    case Function::kExpm1: SLOPE_ACC_A(g * (c + 1.0)); return;
    case Function::kLog: SLOPE_ACC_A(g / x); return;
    case Function::kLog1p: SLOPE_ACC_A(g / (1.0 + x)); return;
    case Function::kLog2: SLOPE_ACC_A(g / (x * kLn2)); return;
    case Function::kLog10: SLOPE_ACC_A(g / (x * kLn10)); return;
    case Function::kSqrt: SLOPE_ACC_A(g / (2.0 * c)); return;
    case Function::kCbrt: SLOPE_ACC_A(g / (3.0 * (c * c))); return;
    case Function::kAbs: SLOPE_ACC_A(g * Sign(x)); return;
    case Function::kSign:
    case Function::kFloor:
    case Function::kCeil:
      return;
    // Ties go to the first argument, as in the symbolic rules.
    case Function::kMin:
      SLOPE_ACC_A(Select(Value(x) <= Value(y), g, T(0.0)));
      SLOPE_ACC_B(Select(Value(x) <= Value(y), T(0.0), g));
      return;
    case Function::kMax:
      SLOPE_ACC_A(Select(Value(x) >= Value(y), g, T(0.0)));
      SLOPE_ACC_B(Select(Value(x) >= Value(y), T(0.0), g));
      return;
    case Function::kPow:
      SLOPE_ACC_A(g * (y * Pow(x, y - 1.0)));
      SLOPE_ACC_B(g * (c * Log(x)));
      return;
    case Function::kHypot:
      SLOPE_ACC_A(g * x / c);
      SLOPE_ACC_B(g * y / c);
      return;
    case Function::kSigmoid: SLOPE_ACC_A(g * (c * (1.0 - c))); return;
    case Function::kRelu: SLOPE_ACC_A(Select(Value(x) > 0, g, T(0.0))); return;
    case Function::kSoftplus: SLOPE_ACC_A(g * Sigm(x)); return;
    case Function::kErf:
      SLOPE_ACC_A(g * (kTwoOverSqrtPi * Exp(-(x * x))));
      return;
    case Function::kErfc:
      SLOPE_ACC_A(-(g * (kTwoOverSqrtPi * Exp(-(x * x)))));
      return;
  }
}

// Slot c's operands a and b; bbar/bv may alias abar/av (x*x) or be unused.
template <typename T>
void Reverse(const Instruction& ins, const AdjointStep& step, const T* cbar,
             T* abar, T* bbar, const T* av, const T* bv, const T* cv,
             size_t n, const T* derivative = nullptr) {
  switch (ins.op) {
    case OpCode::kInput:
    case OpCode::kConstant:
      return;
    case OpCode::kNegate: SLOPE_ACC_A(-g); return;
    case OpCode::kAdd:
      SLOPE_ACC_A(g);
      SLOPE_ACC_B(g);
      return;
    case OpCode::kSubtract:
      SLOPE_ACC_A(g);
      SLOPE_ACC_B(-g);
      return;
    case OpCode::kMultiply:
      if (ins.a == ins.b && abar == bbar &&
          (step.unit_g ? SquareAdjoint<true>(step, abar, cbar, av, n)
                       : SquareAdjoint<false>(step, abar, cbar, av, n))) {
        return;
      }
      SLOPE_ACC_A(g * y);
      SLOPE_ACC_B(g * x);
      return;
    case OpCode::kDivide:
      SLOPE_ACC_A(g / y);
      SLOPE_ACC_B(-(g / y * c));
      return;
    case OpCode::kPowConst: {
      const double k = ins.constant;
      SLOPE_ACC_A(g * (k * PowConst(x, k - 1.0)));
      return;
    }
    case OpCode::kPow:
      SLOPE_ACC_A(g * (y * Pow(x, y - 1.0)));
      SLOPE_ACC_B(g * (c * Log(x)));
      return;
    case OpCode::kCall:
      ReverseCall(ins, step, cbar, abar, bbar, av, bv, cv, derivative, n);
      return;
  }
}
#undef SLOPE_ADJ
#undef SLOPE_ACC_A
#undef SLOPE_ACC_B

// ---------------------------------------------------------------------------
// Warnings: why did `ins` give the non-finite `result` from finite operands?

inline WarningKind Classify(const Instruction& ins, double a, double b,
                            double result) {
  const bool nan = std::isnan(result);
  switch (ins.op) {
    case OpCode::kDivide:
      return a == 0 ? WarningKind::kZeroOverZero
                    : (b == 0 ? WarningKind::kDivisionByZero
                              : WarningKind::kOverflow);
    case OpCode::kPow:
    case OpCode::kPowConst: {
      double exponent = ins.op == OpCode::kPow ? b : ins.constant;
      if (nan && a < 0) return WarningKind::kNegativeBase;
      if (!nan && a == 0 && exponent < 0) return WarningKind::kZeroToNegative;
      break;
    }
    case OpCode::kCall:
      switch (ins.function) {
        case Function::kLog:
        case Function::kLog2:
        case Function::kLog10:
          return a == 0 ? WarningKind::kLogOfZero : WarningKind::kLogOfNegative;
        case Function::kLog1p:
          return a == -1 ? WarningKind::kPole : WarningKind::kLogOfNegative;
        case Function::kSqrt:
          return WarningKind::kSqrtOfNegative;
        case Function::kAsin:
        case Function::kAcos:
          return WarningKind::kOutsideUnitRange;
        case Function::kAtanh:
          return nan ? WarningKind::kOutsideUnitRange : WarningKind::kPole;
        case Function::kAcosh:
          return WarningKind::kBelowOne;
        case Function::kTan:
          return WarningKind::kPole;
        case Function::kPow:
          if (nan && a < 0) return WarningKind::kNegativeBase;
          if (!nan && a == 0 && b < 0) return WarningKind::kZeroToNegative;
          break;
        default:
          break;
      }
      break;
    default:
      break;
  }
  if (nan) return WarningKind::kNaN;
  return WarningKind::kOverflow;
}

}  // namespace slope::calculus::kernels

#endif  // SLOPE_SERVER_CALCULUS_TAPE_KERNELS_H_
