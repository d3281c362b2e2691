// Latency bounds in the tests are the product's promises (a cancelled job
// stops within 100 ms, a batch within 50 ms ...). Sanitizer builds run
// several times slower, so there the bounds stretch by kTimingSlack: the
// tests still tell a loop that polls for cancellation from one that runs to
// the end, which is what a sanitizer run is for; the figures themselves are
// checked by the normal build.
#ifndef SLOPE_TESTS_TIMING_H_
#define SLOPE_TESTS_TIMING_H_

namespace slope::test_support {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr int kTimingSlack = 10;
#else
inline constexpr int kTimingSlack = 1;
#endif

}  // namespace slope::test_support

#endif  // SLOPE_TESTS_TIMING_H_
