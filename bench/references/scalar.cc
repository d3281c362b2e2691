// The plain scalar references: one point at a time, strict IEEE semantics.
#include <cmath>

#include "bench/references/expressions.h"
#include "bench/references/references.h"

namespace slope::bench {
namespace {

inline double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

double Value(int expr, const double* p) {
  switch (expr) {
    case 0:
      return p[0] * p[0] + p[1] * p[1];
    case 1:
      return std::sin(p[0]) * std::exp(p[1]) + std::log(1 + p[0] * p[0]);
    case 2: {
      const double a = 1 - p[0], b = p[1] - p[0] * p[0];
      return a * a + 100 * b * b;
    }
    case 3: {
      const double* x = p + 6;
      double r = -p[0];
      for (int k = 0; k < 5; ++k) {
        const double z = kE4A[k][0] * x[0] + kE4A[k][1] * x[1] +
                         kE4A[k][2] * x[2] + kE4A[k][3] * x[3] + kE4C[k];
        r += p[1 + k] * std::tanh(z);
      }
      return r * r;
    }
    case 4: {
      const double b = p[0], t = p[1], w1 = p[2], w2 = p[3], x1 = p[4],
                   x2 = p[5];
      const double s = Sigmoid(w1 * x1 + w2 * x2 + b);
      return -(t * std::log(s) + (1 - t) * std::log(1 - s));
    }
  }
  return 0;
}

double ValueGrad(int expr, const double* p, double* g) {
  switch (expr) {
    case 0:
      g[0] = 2 * p[0];
      g[1] = 2 * p[1];
      return p[0] * p[0] + p[1] * p[1];
    case 1: {
      const double x = p[0], sx = std::sin(x), ey = std::exp(p[1]);
      const double q = 1 + x * x;
      g[0] = std::cos(x) * ey + 2 * x / q;
      g[1] = sx * ey;
      return sx * ey + std::log(q);
    }
    case 2: {
      const double x = p[0], a = 1 - x, b = p[1] - x * x;
      g[0] = -2 * a - 400 * x * b;
      g[1] = 200 * b;
      return a * a + 100 * b * b;
    }
    case 3: {
      const double* x = p + 6;
      double h[5];
      double r = -p[0];
      for (int k = 0; k < 5; ++k) {
        const double z = kE4A[k][0] * x[0] + kE4A[k][1] * x[1] +
                         kE4A[k][2] * x[2] + kE4A[k][3] * x[3] + kE4C[k];
        h[k] = std::tanh(z);
        r += p[1 + k] * h[k];
      }
      const double r2 = 2 * r;
      g[0] = -r2;
      for (int j = 0; j < 4; ++j) g[6 + j] = 0;
      for (int k = 0; k < 5; ++k) {
        g[1 + k] = r2 * h[k];
        const double dz = r2 * p[1 + k] * (1 - h[k] * h[k]);
        for (int j = 0; j < 4; ++j) g[6 + j] += dz * kE4A[k][j];
      }
      return r * r;
    }
    case 4: {
      const double b = p[0], t = p[1], w1 = p[2], w2 = p[3], x1 = p[4],
                   x2 = p[5];
      const double s = Sigmoid(w1 * x1 + w2 * x2 + b);
      const double ls = std::log(s), l1s = std::log(1 - s);
      const double dz = s - t;
      g[0] = dz;
      g[1] = l1s - ls;
      g[2] = dz * x1;
      g[3] = dz * x2;
      g[4] = dz * w1;
      g[5] = dz * w2;
      return -(t * ls + (1 - t) * l1s);
    }
  }
  return 0;
}

int Dim(int expr) {
  return static_cast<int>(Expressions()[expr].variables.size());
}

}  // namespace

void ScalarEval(int expr, const double* rows, size_t n, double* values) {
  const int d = Dim(expr);
  for (size_t i = 0; i < n; ++i) values[i] = Value(expr, rows + i * d);
}

void ScalarEvalGrad(int expr, const double* rows, size_t n, double* values,
                    double* grads) {
  const int d = Dim(expr);
  for (size_t i = 0; i < n; ++i) {
    values[i] = ValueGrad(expr, rows + i * d, grads + i * d);
  }
}

void ScalarHessian(int expr, const double* rows, size_t n, double* values,
                   double* grads, double* hessians) {
  const int d = Dim(expr);
  for (size_t i = 0; i < n; ++i) {
    const double* p = rows + i * d;
    double* g = grads + i * d;
    double* H = hessians + i * d * d;
    values[i] = ValueGrad(expr, p, g);
    if (expr == 1) {  // E2
      const double x = p[0], sx = std::sin(x), ey = std::exp(p[1]);
      const double q = 1 + x * x;
      H[0] = -sx * ey + (2 * q - 4 * x * x) / (q * q);
      H[1] = H[2] = std::cos(x) * ey;
      H[3] = sx * ey;
    } else if (expr == 3) {  // E4: f = r^2, H = 2 (r' r'^T + r r'')
      const double* x = p + 6;
      double h[5], s[5], dr[10];
      double r = -p[0];
      for (int k = 0; k < 5; ++k) {
        const double z = kE4A[k][0] * x[0] + kE4A[k][1] * x[1] +
                         kE4A[k][2] * x[2] + kE4A[k][3] * x[3] + kE4C[k];
        h[k] = std::tanh(z);
        s[k] = 1 - h[k] * h[k];
        r += p[1 + k] * h[k];
      }
      dr[0] = -1;
      for (int k = 0; k < 5; ++k) dr[1 + k] = h[k];
      for (int j = 0; j < 4; ++j) {
        dr[6 + j] = 0;
        for (int k = 0; k < 5; ++k) dr[6 + j] += p[1 + k] * s[k] * kE4A[k][j];
      }
      for (int a = 0; a < 10; ++a) {
        for (int b = 0; b < 10; ++b) H[a * 10 + b] = 2 * dr[a] * dr[b];
      }
      for (int k = 0; k < 5; ++k) {  // d2r / dv_k dx_j = s_k A_kj
        for (int j = 0; j < 4; ++j) {
          const double c = 2 * r * s[k] * kE4A[k][j];
          H[(1 + k) * 10 + 6 + j] += c;
          H[(6 + j) * 10 + 1 + k] += c;
        }
      }
      for (int a = 0; a < 4; ++a) {  // d2r / dx_a dx_b
        for (int b = 0; b < 4; ++b) {
          double c = 0;
          for (int k = 0; k < 5; ++k) {
            c += p[1 + k] * (-2 * h[k] * s[k]) * kE4A[k][a] * kE4A[k][b];
          }
          H[(6 + a) * 10 + 6 + b] += 2 * r * c;
        }
      }
    } else {
      for (int j = 0; j < d * d; ++j) H[j] = 0;
    }
  }
}

}  // namespace slope::bench
