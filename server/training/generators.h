// Synthetic data sets for demos and tests, reproducible from a seed.
#ifndef SLOPE_SERVER_TRAINING_GENERATORS_H_
#define SLOPE_SERVER_TRAINING_GENERATORS_H_

#include "absl/status/statusor.h"
#include "server/training/dataset.h"
#include "server/training/spec.h"

namespace slope::training {

// Generates `generated.n` rows (defaults already resolved, see
// EffectiveGenerated) from `generated.seed`:
//   kLinear:  columns x1..xN, y = w.x + b + noise*N(0,1), x ~ N(0,1), with
//             w ~ U(-2,2), b ~ U(-1,1) drawn from the seed too.
//   kMoons:   x1, x2, y; two interleaving half circles, y in {0,1}.
//   kCircles: x1, x2, y; radius 1 (y=0) around radius 0.5 (y=1).
//   kSpiral:  x1, x2, y; `classes` arms, y in 0..classes-1.
//   kXor:     x1, x2, y; x ~ U(-1,1)^2, y = 1 if x1*x2 > 0 else 0.
// Moons, circles and spiral labels cycle by row, so classes are balanced
// and interleaved. For
// the 2-D kinds, noise is Gaussian jitter added to x1 and x2.
absl::StatusOr<Dataset> GenerateDataset(const GeneratedData& generated,
                                        const DatasetLimits& limits = {});

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_GENERATORS_H_
