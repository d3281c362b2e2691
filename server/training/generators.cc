#include "server/training/generators.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/training/random.h"

namespace slope::training {
namespace {

// A stream distinct from the job's other uses of the same seed.
constexpr uint64_t kGeneratorStream = 4;

Dataset TwoD(Eigen::MatrixXd values) {
  return Dataset::FromMatrix({"x1", "x2", "y"}, std::move(values));
}

}  // namespace

absl::StatusOr<Dataset> GenerateDataset(const GeneratedData& g,
                                        const DatasetLimits& limits) {
  const uint64_t n = g.n;
  const uint64_t features = g.kind == GeneratorKind::kLinear ? g.features : 2;
  if (n == 0) {
    return absl::InvalidArgumentError("data.generated.n must be > 0");
  }
  if (n > limits.max_rows) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data.generated.n: %d rows exceed the limit of %d (max_dataset_rows)",
        n, limits.max_rows));
  }
  if (n * (features + 1) * sizeof(double) > limits.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data.generated: %d x %d values exceed the limit of %d bytes "
        "(max_dataset_bytes)",
        n, features + 1, limits.max_bytes));
  }
  if (!(g.noise >= 0) || !std::isfinite(g.noise)) {
    return absl::InvalidArgumentError(
        "data.generated.noise must be a finite number >= 0");
  }
  Rng rng(MixSeed(g.seed, kGeneratorStream));
  const double pi = M_PI;
  switch (g.kind) {
    case GeneratorKind::kLinear: {
      if (features == 0) {
        return absl::InvalidArgumentError(
            "data.generated.features must be > 0");
      }
      Eigen::VectorXd w(features);
      for (uint64_t j = 0; j < features; ++j) w[j] = rng.Uniform(-2, 2);
      const double b = rng.Uniform(-1, 1);
      Eigen::MatrixXd v(n, features + 1);
      for (uint64_t i = 0; i < n; ++i) {
        double y = b;
        for (uint64_t j = 0; j < features; ++j) {
          v(i, j) = rng.Normal();
          y += w[j] * v(i, j);
        }
        v(i, features) = y + g.noise * rng.Normal();
      }
      std::vector<std::string> names;
      for (uint64_t j = 0; j < features; ++j) {
        names.push_back(absl::StrCat("x", j + 1));
      }
      names.push_back("y");
      return Dataset::FromMatrix(std::move(names), std::move(v));
    }
    case GeneratorKind::kMoons: {
      Eigen::MatrixXd v(n, 3);
      for (uint64_t i = 0; i < n; ++i) {
        const int label = static_cast<int>(i % 2);
        const double t = rng.Uniform(0, pi);
        double x1 = label == 0 ? std::cos(t) : 1.0 - std::cos(t);
        double x2 = label == 0 ? std::sin(t) : 0.5 - std::sin(t);
        v(i, 0) = x1 + g.noise * rng.Normal();
        v(i, 1) = x2 + g.noise * rng.Normal();
        v(i, 2) = label;
      }
      return TwoD(std::move(v));
    }
    case GeneratorKind::kCircles: {
      Eigen::MatrixXd v(n, 3);
      for (uint64_t i = 0; i < n; ++i) {
        const int label = static_cast<int>(i % 2);
        const double t = rng.Uniform(0, 2 * pi);
        const double r = label == 0 ? 1.0 : 0.5;
        v(i, 0) = r * std::cos(t) + g.noise * rng.Normal();
        v(i, 1) = r * std::sin(t) + g.noise * rng.Normal();
        v(i, 2) = label;
      }
      return TwoD(std::move(v));
    }
    case GeneratorKind::kSpiral: {
      if (g.classes < 2) {
        return absl::InvalidArgumentError(
            "data.generated.classes must be >= 2 for a spiral");
      }
      Eigen::MatrixXd v(n, 3);
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t label = i % g.classes;
        const double r = rng.Uniform();
        // Each arm turns through 4 radians as it leaves the centre.
        const double theta = 2 * pi * label / g.classes + 4.0 * r;
        v(i, 0) = r * std::sin(theta) + g.noise * rng.Normal();
        v(i, 1) = r * std::cos(theta) + g.noise * rng.Normal();
        v(i, 2) = static_cast<double>(label);
      }
      return TwoD(std::move(v));
    }
    case GeneratorKind::kXor: {
      Eigen::MatrixXd v(n, 3);
      for (uint64_t i = 0; i < n; ++i) {
        const double x1 = rng.Uniform(-1, 1);
        const double x2 = rng.Uniform(-1, 1);
        v(i, 0) = x1 + g.noise * rng.Normal();
        v(i, 1) = x2 + g.noise * rng.Normal();
        v(i, 2) = x1 * x2 > 0 ? 1.0 : 0.0;
      }
      return TwoD(std::move(v));
    }
    case GeneratorKind::kUnspecified:
      break;
  }
  return absl::InvalidArgumentError("data.generated.kind must be set");
}

}  // namespace slope::training
