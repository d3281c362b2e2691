// Parsing of the points and lists users type on the command line:
// "x=3,y=2" or the words "x=3" "y=2", and "x,y".
#ifndef SLOPE_CLIENT_POINT_ARGS_H_
#define SLOPE_CLIENT_POINT_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace slope::cli {

// Parses assignments like {"x=3,y=2"} or {"x=3", "y=-1e-3"} into a map. A
// repeated name, a missing '=' or a value that is not a number is an error
// naming the bad piece.
absl::StatusOr<std::map<std::string, double>> ParsePoint(
    const std::vector<std::string>& words);

// Splits "x,y, z" into {"x", "y", "z"}; empty pieces are dropped.
std::vector<std::string> ParseNameList(const std::string& text);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_POINT_ARGS_H_
