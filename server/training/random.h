// Deterministic randomness for training: the same seed gives the same
// numbers on every platform. std::mt19937_64's output sequence is fixed by
// the C++ standard, but std::*_distribution algorithms are not, so the
// uniform, normal and integer draws are written here.
#ifndef SLOPE_SERVER_TRAINING_RANDOM_H_
#define SLOPE_SERVER_TRAINING_RANDOM_H_

#include <cstdint>
#include <random>
#include <vector>

namespace slope::training {

// Derives independent seeds for the parts of a job (initialisation,
// shuffling, splitting, data generation) from the one job seed, so that
// changing e.g. the validation split does not change the initial weights.
uint64_t MixSeed(uint64_t seed, uint64_t stream);

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal by the Box-Muller transform (pairs are cached).
  double Normal();
  // Uniform integer in [0, n), n > 0, without modulo bias.
  uint64_t Below(uint64_t n);
  // Fisher-Yates shuffle of `values`.
  template <typename T>
  void Shuffle(std::vector<T>& values) {
    for (size_t i = values.size(); i > 1; --i) {
      size_t j = static_cast<size_t>(Below(i));
      std::swap(values[i - 1], values[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_RANDOM_H_
