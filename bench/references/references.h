// Hand-written C++ of E1-E5 and their gradients: what a user who does not
// have Slope would write. Two flavours, both built -O3 -march=native:
//
//  * Scalar: a plain loop over row-major points (point i is
//    rows[i*d .. i*d+d-1], the layout EvaluateBatch takes), one point at a
//    time, libm calls, strict IEEE semantics. Gradients row-major too.
//  * Vector: the best a person would write by hand for throughput: the data
//    kept as structure-of-arrays (one column per variable), flat loops with
//    no branches that GCC vectorises, built with -ffast-math so that the
//    transcendental calls go to glibc's libmvec (4 doubles per AVX2 call).
//    Outputs are columns too.
//
// `expr` is 0..4 for E1..E5 (see expressions.h for the variable orders).
#ifndef SLOPE_BENCH_REFERENCES_REFERENCES_H_
#define SLOPE_BENCH_REFERENCES_REFERENCES_H_

#include <cstddef>

namespace slope::bench {

// values[i] = f(point i).
void ScalarEval(int expr, const double* rows, size_t n, double* values);
// values[i] and grads[i*d + j] = df/dvar_j at point i.
void ScalarEvalGrad(int expr, const double* rows, size_t n, double* values,
                    double* grads);
// E2 (expr 1) and E4 (expr 3) only: value, gradient and the d x d Hessian,
// row-major per point (hessians[i*d*d + j*d + k]).
void ScalarHessian(int expr, const double* rows, size_t n, double* values,
                   double* grads, double* hessians);

// cols[j][i] is variable j at point i; grad_cols[j][i] likewise. Processes
// points [begin, end).
void VectorEval(int expr, const double* const* cols, size_t begin, size_t end,
                double* values);
void VectorEvalGrad(int expr, const double* const* cols, size_t begin,
                    size_t end, double* values, double* const* grad_cols);

}  // namespace slope::bench

#endif  // SLOPE_BENCH_REFERENCES_REFERENCES_H_
