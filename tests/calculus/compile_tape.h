// Parses and compiles an expression for a test, recording a test failure
// (with the expression and the error) if either step fails.
#ifndef SLOPE_TESTS_CALCULUS_COMPILE_TAPE_H_
#define SLOPE_TESTS_CALCULUS_COMPILE_TAPE_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/calculus/parser.h"
#include "server/calculus/tape.h"

namespace slope::calculus {

inline std::shared_ptr<const Tape> CompileForTest(
    const std::string& text, std::vector<std::string> variables) {
  auto tree = Parse(text);
  EXPECT_TRUE(tree.ok()) << text << ": " << tree.status();
  if (!tree.ok()) return nullptr;
  auto tape = CompileTape(*tree, std::move(variables));
  EXPECT_TRUE(tape.ok()) << text << ": " << tape.status();
  if (!tape.ok()) return nullptr;
  return *tape;
}

}  // namespace slope::calculus

#endif  // SLOPE_TESTS_CALCULUS_COMPILE_TAPE_H_
