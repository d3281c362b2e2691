// The hand-vectorised references: structure-of-arrays columns, flat loops
// without branches, built with -O3 -march=native -ffast-math so that GCC
// vectorises every loop and calls glibc's libmvec for sin/cos/exp/log/tanh
// (see CMakeLists.txt; `-fopt-info-vec` confirms each loop below).
#include <cmath>
#include <cstddef>

#include "bench/references/expressions.h"
#include "bench/references/references.h"

namespace slope::bench {
namespace {

void E1(const double* __restrict x, const double* __restrict y, size_t b,
        size_t e, double* __restrict f, double* __restrict gx,
        double* __restrict gy) {
  for (size_t i = b; i < e; ++i) {
    f[i] = x[i] * x[i] + y[i] * y[i];
    gx[i] = 2 * x[i];
    gy[i] = 2 * y[i];
  }
}

void E1Eval(const double* __restrict x, const double* __restrict y, size_t b,
            size_t e, double* __restrict f) {
  for (size_t i = b; i < e; ++i) f[i] = x[i] * x[i] + y[i] * y[i];
}

void E2Eval(const double* __restrict x, const double* __restrict y, size_t b,
            size_t e, double* __restrict f) {
  for (size_t i = b; i < e; ++i) {
    f[i] = std::sin(x[i]) * std::exp(y[i]) + std::log(1 + x[i] * x[i]);
  }
}

void E2Grad(const double* __restrict x, const double* __restrict y, size_t b,
            size_t e, double* __restrict f, double* __restrict gx,
            double* __restrict gy) {
  // Two loops: GCC fuses sin and cos of one argument into sincos, which it
  // cannot vectorise; apart, both go to libmvec.
  for (size_t i = b; i < e; ++i) gx[i] = std::cos(x[i]);
  for (size_t i = b; i < e; ++i) {
    const double sx = std::sin(x[i]), ey = std::exp(y[i]), q = 1 + x[i] * x[i];
    f[i] = sx * ey + std::log(q);
    gx[i] = gx[i] * ey + 2 * x[i] / q;
    gy[i] = sx * ey;
  }
}

void E3Eval(const double* __restrict x, const double* __restrict y, size_t b,
            size_t e, double* __restrict f) {
  for (size_t i = b; i < e; ++i) {
    const double a = 1 - x[i], c = y[i] - x[i] * x[i];
    f[i] = a * a + 100 * c * c;
  }
}

void E3Grad(const double* __restrict x, const double* __restrict y, size_t b,
            size_t e, double* __restrict f, double* __restrict gx,
            double* __restrict gy) {
  for (size_t i = b; i < e; ++i) {
    const double a = 1 - x[i], c = y[i] - x[i] * x[i];
    f[i] = a * a + 100 * c * c;
    gx[i] = -2 * a - 400 * x[i] * c;
    gy[i] = 200 * c;
  }
}

// E4 columns: t, v1..v5, x1..x4.
void E4Eval(const double* const* c, size_t b, size_t e, double* __restrict f) {
  const double* __restrict t = c[0];
  const double *__restrict v1 = c[1], *__restrict v2 = c[2],
               *__restrict v3 = c[3], *__restrict v4 = c[4],
               *__restrict v5 = c[5];
  const double *__restrict x1 = c[6], *__restrict x2 = c[7],
               *__restrict x3 = c[8], *__restrict x4 = c[9];
#define SLOPE_Z(k)                                                   \
  (kE4A[k][0] * x1[i] + kE4A[k][1] * x2[i] + kE4A[k][2] * x3[i] + \
   kE4A[k][3] * x4[i] + kE4C[k])
  for (size_t i = b; i < e; ++i) {
    const double r = v1[i] * std::tanh(SLOPE_Z(0)) +
                     v2[i] * std::tanh(SLOPE_Z(1)) +
                     v3[i] * std::tanh(SLOPE_Z(2)) +
                     v4[i] * std::tanh(SLOPE_Z(3)) +
                     v5[i] * std::tanh(SLOPE_Z(4)) - t[i];
    f[i] = r * r;
  }
}

void E4Grad(const double* __restrict t, const double* __restrict v1,
            const double* __restrict v2, const double* __restrict v3,
            const double* __restrict v4, const double* __restrict v5,
            const double* __restrict x1, const double* __restrict x2,
            const double* __restrict x3, const double* __restrict x4,
            size_t b, size_t e, double* __restrict f, double* __restrict gt,
            double* __restrict gv1, double* __restrict gv2,
            double* __restrict gv3, double* __restrict gv4,
            double* __restrict gv5, double* __restrict gx1,
            double* __restrict gx2, double* __restrict gx3,
            double* __restrict gx4) {
  for (size_t i = b; i < e; ++i) {
    const double h0 = std::tanh(SLOPE_Z(0)), h1 = std::tanh(SLOPE_Z(1)),
                 h2 = std::tanh(SLOPE_Z(2)), h3 = std::tanh(SLOPE_Z(3)),
                 h4 = std::tanh(SLOPE_Z(4));
    const double r = v1[i] * h0 + v2[i] * h1 + v3[i] * h2 + v4[i] * h3 +
                     v5[i] * h4 - t[i];
    const double r2 = 2 * r;
    f[i] = r * r;
    gt[i] = -r2;
    gv1[i] = r2 * h0;
    gv2[i] = r2 * h1;
    gv3[i] = r2 * h2;
    gv4[i] = r2 * h3;
    gv5[i] = r2 * h4;
    const double d0 = r2 * v1[i] * (1 - h0 * h0),
                 d1 = r2 * v2[i] * (1 - h1 * h1),
                 d2 = r2 * v3[i] * (1 - h2 * h2),
                 d3 = r2 * v4[i] * (1 - h3 * h3),
                 d4 = r2 * v5[i] * (1 - h4 * h4);
#define SLOPE_DX(j)                                                  \
  (d0 * kE4A[0][j] + d1 * kE4A[1][j] + d2 * kE4A[2][j] +            \
   d3 * kE4A[3][j] + d4 * kE4A[4][j])
    gx1[i] = SLOPE_DX(0);
    gx2[i] = SLOPE_DX(1);
    gx3[i] = SLOPE_DX(2);
    gx4[i] = SLOPE_DX(3);
#undef SLOPE_DX
  }
#undef SLOPE_Z
}

// E5 columns: b, t, w1, w2, x1, x2.
void E5Eval(const double* const* c, size_t b, size_t e, double* __restrict f) {
  const double *__restrict bb = c[0], *__restrict t = c[1],
               *__restrict w1 = c[2], *__restrict w2 = c[3],
               *__restrict x1 = c[4], *__restrict x2 = c[5];
  for (size_t i = b; i < e; ++i) {
    const double s = 1 / (1 + std::exp(-(w1[i] * x1[i] + w2[i] * x2[i] + bb[i])));
    f[i] = -(t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s));
  }
}

void E5Grad(const double* __restrict bb, const double* __restrict t,
            const double* __restrict w1, const double* __restrict w2,
            const double* __restrict x1, const double* __restrict x2,
            size_t b, size_t e, double* __restrict f, double* __restrict gb,
            double* __restrict gt, double* __restrict gw1,
            double* __restrict gw2, double* __restrict gx1,
            double* __restrict gx2) {
  for (size_t i = b; i < e; ++i) {
    const double s = 1 / (1 + std::exp(-(w1[i] * x1[i] + w2[i] * x2[i] + bb[i])));
    const double ls = std::log(s), l1s = std::log(1 - s), dz = s - t[i];
    f[i] = -(t[i] * ls + (1 - t[i]) * l1s);
    gb[i] = dz;
    gt[i] = l1s - ls;
    gw1[i] = dz * x1[i];
    gw2[i] = dz * x2[i];
    gx1[i] = dz * w1[i];
    gx2[i] = dz * w2[i];
  }
}

}  // namespace

void VectorEval(int expr, const double* const* cols, size_t begin, size_t end,
                double* values) {
  switch (expr) {
    case 0: E1Eval(cols[0], cols[1], begin, end, values); break;
    case 1: E2Eval(cols[0], cols[1], begin, end, values); break;
    case 2: E3Eval(cols[0], cols[1], begin, end, values); break;
    case 3: E4Eval(cols, begin, end, values); break;
    case 4: E5Eval(cols, begin, end, values); break;
  }
}

void VectorEvalGrad(int expr, const double* const* cols, size_t begin,
                    size_t end, double* values, double* const* g) {
  switch (expr) {
    case 0: E1(cols[0], cols[1], begin, end, values, g[0], g[1]); break;
    case 1: E2Grad(cols[0], cols[1], begin, end, values, g[0], g[1]); break;
    case 2: E3Grad(cols[0], cols[1], begin, end, values, g[0], g[1]); break;
    case 3:
      E4Grad(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
             cols[7], cols[8], cols[9], begin, end, values, g[0], g[1], g[2],
             g[3], g[4], g[5], g[6], g[7], g[8], g[9]);
      break;
    case 4:
      E5Grad(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], begin, end,
             values, g[0], g[1], g[2], g[3], g[4], g[5]);
      break;
  }
}

}  // namespace slope::bench
