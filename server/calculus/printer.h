// Turns syntax trees back into text, for users (formulas in responses) and
// for typesetting (LaTeX). ToText is the inverse of Parse: its output parses
// back to a tree that evaluates bit-for-bit like the original, so a formula
// the server prints can be pasted back in.
#ifndef SLOPE_SERVER_CALCULUS_PRINTER_H_
#define SLOPE_SERVER_CALCULUS_PRINTER_H_

#include <string>

#include "server/calculus/ast.h"

namespace slope::calculus {

// The expression in the input language with the fewest parentheses that
// keep its structure: "2*x", "x^2+y^2", "-x^2", "(x+y)*z", "x-(y-z)",
// "(-2)^x", "atan2(y, x)". Numbers are printed in the shortest form that
// reads back as the same double; the doubles of pi and e print as "pi" and
// "e" (and their negations as "-pi", "-e"). Non-finite numbers (never produced by Parse) print as "(1/0)",
// "(-1/0)" and "(0/0)", which evaluate to the same values.
// Recurses once per tree level: `root` must be depth-bounded, as every tree
// from Parse, Simplify and Differentiate is.
std::string ToText(const NodePtr& root);

// The expression as LaTeX math: \frac{}{}, x^{2}, \sin\left(x\right),
// \sqrt{x}, juxtaposition for products ("2 x", "x y") and \cdot where two
// numbers would otherwise touch ("2 \cdot 3").
std::string ToLatex(const NodePtr& root);

// The shortest decimal text that reads back as exactly `value` (finite),
// e.g. "0.1", "2.5", "1e-05" becomes "1e-5", "1e+20" becomes "1e20".
std::string FormatNumber(double value);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_PRINTER_H_
