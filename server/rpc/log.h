// One-line server logs on stderr. The Abseil in Debian 12 (20220623) predates
// absl/log, so this is the small stand-in the server uses: a UTC timestamp, a
// severity letter and the message, one line per event.
#ifndef SLOPE_SERVER_RPC_LOG_H_
#define SLOPE_SERVER_RPC_LOG_H_

#include "absl/strings/string_view.h"

#include "absl/strings/str_format.h"

namespace slope::rpc {

enum class LogLevel { kInfo, kWarning, kError };

void LogLine(LogLevel level, absl::string_view message);

template <typename... Args>
void LogInfo(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kInfo, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogWarning(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kWarning, absl::StrFormat(format, args...));
}
template <typename... Args>
void LogError(const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogLine(LogLevel::kError, absl::StrFormat(format, args...));
}

// Tests silence the log; the server leaves it on.
void SetLogEnabled(bool enabled);

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_LOG_H_
