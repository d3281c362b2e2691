#include "client/point_args.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace slope::cli {

absl::StatusOr<std::map<std::string, double>> ParsePoint(
    const std::vector<std::string>& words) {
  std::map<std::string, double> point;
  for (const std::string& word : words) {
    for (absl::string_view piece : absl::StrSplit(word, ',', absl::SkipWhitespace())) {
      piece = absl::StripAsciiWhitespace(piece);
      const size_t eq = piece.find('=');
      if (eq == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "'", piece, "' is not an assignment: write name=value, e.g. x=3"));
      }
      const std::string name(absl::StripAsciiWhitespace(piece.substr(0, eq)));
      const absl::string_view text =
          absl::StripAsciiWhitespace(piece.substr(eq + 1));
      double value = 0;
      if (name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", piece, "' has no variable name before '='"));
      }
      if (!absl::SimpleAtod(text, &value)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the value of ", name, " ('", text, "') is not a number"));
      }
      if (!point.emplace(name, value).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", name, "' is given twice"));
      }
    }
  }
  return point;
}

std::vector<std::string> ParseNameList(const std::string& text) {
  std::vector<std::string> names;
  for (absl::string_view piece : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    names.emplace_back(absl::StripAsciiWhitespace(piece));
  }
  return names;
}

}  // namespace slope::cli
