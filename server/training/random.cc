#include "server/training/random.h"

#include <cmath>

namespace slope::training {

uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  // splitmix64 finaliser over (seed, stream): nearby inputs give unrelated
  // outputs.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::Uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // 1 - Uniform() is in (0, 1], so the log is finite.
  const double u1 = 1.0 - Uniform();
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

uint64_t Rng::Below(uint64_t n) {
  // Rejection from the largest multiple of n below 2^64.
  const uint64_t limit = -n % n;  // (2^64 - n) mod n == 2^64 mod n
  while (true) {
    const uint64_t x = engine_();
    if (x >= limit) return x % n;
  }
}

}  // namespace slope::training
