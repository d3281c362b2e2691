#include "server/rpc/log.h"

#include <atomic>
#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace slope::rpc {
namespace {
std::atomic<bool> log_enabled{true};
}  // namespace

void SetLogEnabled(bool enabled) { log_enabled.store(enabled); }

void LogLine(LogLevel level, absl::string_view message) {
  if (!log_enabled.load(std::memory_order_relaxed)) return;
  const char letter = level == LogLevel::kInfo      ? 'I'
                      : level == LogLevel::kWarning ? 'W'
                                                    : 'E';
  // One fprintf per line so concurrent lines never interleave.
  absl::FPrintF(stderr, "%c %s slope-server: %s\n", letter,
                absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                 absl::UTCTimeZone()),
                message);
}

}  // namespace slope::rpc
