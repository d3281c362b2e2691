// Feeds arbitrary bytes through the whole engine: parse, compile, evaluate
// (value, gradient, Hessian), differentiate symbolically, print, re-parse
// and explain. Any crash, sanitizer report or abort is a bug; so is a
// printed formula that does not parse back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "server/calculus/ast.h"
#include "server/calculus/derivative.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/explain.h"
#include "server/calculus/parser.h"
#include "server/calculus/printer.h"
#include "server/calculus/tape.h"

namespace calc = slope::calculus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Keep each input cheap so the fuzzer explores many of them.
  calc::ExpressionLimits limits;
  limits.max_bytes = 4096;
  limits.max_nodes = 2000;
  limits.max_depth = 64;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tree = calc::Parse(text, limits);
  if (!tree.ok()) return 0;

  const std::vector<std::string> variables = calc::CollectVariables(*tree);
  auto tape = calc::CompileTape(*tree, variables);
  if (!tape.ok()) return 0;
  std::vector<double> point(variables.size());
  for (size_t i = 0; i < point.size(); ++i) point[i] = 0.5 + 0.25 * i;
  const auto derivatives = variables.size() <= 8 ? calc::Derivatives::kHessian
                                                 : calc::Derivatives::kGradient;
  auto result = calc::EvaluatePoint(**tape, point, derivatives);
  if (!result.ok()) abort();  // a well-formed point must always evaluate

  const std::string printed = calc::ToText(*tree);
  if (!calc::Parse(printed).ok()) abort();  // the printer must round-trip
  (void)calc::ToLatex(*tree);

  if (variables.empty()) return 0;
  calc::DerivativeLimits derivative_limits;
  derivative_limits.max_nodes = 20000;
  auto derivative = calc::Differentiate(*tree, variables[0], 1, derivative_limits);
  if (!derivative.ok()) return 0;  // a size limit, reported as an error
  const std::string formula = calc::ToText(*derivative);
  if (!calc::Parse(formula, calc::ExpressionLimits{1 << 20, 1000, 1 << 20, 1000})
           .ok()) {
    abort();  // formulas the server returns must parse back
  }
  calc::ExplainLimits explain_limits;
  explain_limits.max_steps = 30;
  explain_limits.derivative = derivative_limits;
  (void)calc::Explain(*tree, variables[0], explain_limits);
  return 0;
}
