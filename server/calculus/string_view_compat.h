// This Abseil build (Debian's) defines absl::string_view as its own type, not
// an alias of std::string_view, so absl::StrCat and friends do not accept a
// std::string_view. The calculus headers use std::string_view; this adapter
// lets them meet Abseil without copying.
#ifndef SLOPE_SERVER_CALCULUS_STRING_VIEW_COMPAT_H_
#define SLOPE_SERVER_CALCULUS_STRING_VIEW_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace slope::calculus {

inline absl::string_view Absl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_STRING_VIEW_COMPAT_H_
