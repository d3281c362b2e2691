#include "server/calculus/printer.h"

#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/calculus/string_view_compat.h"

namespace slope::calculus {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kE = 2.71828182845904523536;

// Binding strength, loosest first. A child is parenthesised when it binds
// more loosely than its position requires.
enum Precedence : int {
  kSum = 1,      // + -
  kProduct = 2,  // * /
  kUnary = 3,    // -x, and negative numbers
  kPow = 4,      // ^
  kAtom = 5,     // numbers, variables, calls, parenthesised expressions
};

int PrecedenceOf(const Node& node) {
  switch (node.kind) {
    case NodeKind::kNumber:
      if (!std::isfinite(node.value)) return kAtom;  // printed in parens
      return std::signbit(node.value) ? kUnary : kAtom;
    case NodeKind::kVariable:
    case NodeKind::kCall:
      return kAtom;
    case NodeKind::kNegate:
      return kUnary;
    case NodeKind::kAdd:
    case NodeKind::kSubtract:
      return kSum;
    case NodeKind::kMultiply:
    case NodeKind::kDivide:
      return kProduct;
    case NodeKind::kPower:
      return kPow;
  }
  return kAtom;
}

class TextPrinter {
 public:
  std::string Print(const Node& node) {
    Append(node);
    return std::move(out_);
  }

 private:
  // Prints `node`, in parentheses if it binds more loosely than `min`.
  // A unary minus or negative number is also parenthesised when it is the
  // right operand of a binary operator ("x*(-y)", "x^(-2)"): legal without,
  // but easier to read.
  void Child(const Node& node, int min, bool right_operand) {
    int precedence = PrecedenceOf(node);
    bool parens = precedence < min ||
                  (right_operand && precedence == kUnary);
    if (parens) out_ += '(';
    Append(node);
    if (parens) out_ += ')';
  }

  void Binary(const Node& node, std::string_view op, int left_min,
              int right_min) {
    Child(*node.args[0], left_min, false);
    absl::StrAppend(&out_, Absl(op));
    Child(*node.args[1], right_min, true);
  }

  void Append(const Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber:
        if (std::isnan(node.value)) {
          out_ += "(0/0)";
        } else if (std::isinf(node.value)) {
          out_ += node.value > 0 ? "(1/0)" : "(-1/0)";
        } else if (std::fabs(node.value) == kPi) {
          out_ += node.value < 0 ? "-pi" : "pi";
        } else if (std::fabs(node.value) == kE) {
          out_ += node.value < 0 ? "-e" : "e";
        } else {
          out_ += FormatNumber(node.value);
        }
        return;
      case NodeKind::kVariable:
        out_ += node.name;
        return;
      case NodeKind::kNegate:
        out_ += '-';
        // "--x" would parse, but "-(-x)" reads better; same for "-(-2)".
        Child(*node.args[0], kPow, true);
        return;
      case NodeKind::kAdd:
        // Left-associative: a+b+c is (a+b)+c; a+(b+c) needs its parentheses
        // because floating-point addition does not associate.
        Binary(node, "+", kSum, kProduct);
        return;
      case NodeKind::kSubtract:
        Binary(node, "-", kSum, kProduct);
        return;
      case NodeKind::kMultiply:
        Binary(node, "*", kProduct, kUnary + 1);
        return;
      case NodeKind::kDivide:
        Binary(node, "/", kProduct, kUnary + 1);
        return;
      case NodeKind::kPower:
        // Right-associative and tighter than unary minus: the base must be
        // an atom ("(x^2)^3", "(-x)^2"); the exponent may be a power.
        Binary(node, "^", kAtom, kPow);
        return;
      case NodeKind::kCall: {
        absl::StrAppend(&out_, Absl(Spec(node.function).name), "(");
        for (size_t i = 0; i < node.args.size(); ++i) {
          if (i > 0) out_ += ", ";
          Append(*node.args[i]);
        }
        out_ += ')';
        return;
      }
    }
  }

  std::string out_;
};

// ---------------------------------------------------------------------------
// LaTeX

std::string LatexNumber(double value) {
  if (std::isnan(value)) return "\\mathrm{NaN}";
  if (std::isinf(value)) return value > 0 ? "\\infty" : "-\\infty";
  if (std::fabs(value) == kPi) return value < 0 ? "-\\pi" : "\\pi";
  if (std::fabs(value) == kE) return value < 0 ? "-e" : "e";
  std::string text = FormatNumber(value);
  size_t e = text.find('e');
  if (e == std::string::npos) return text;
  std::string mantissa = text.substr(0, e);
  std::string exponent = text.substr(e + 1);
  if (mantissa == "1") return absl::StrCat("10^{", exponent, "}");
  if (mantissa == "-1") return absl::StrCat("-10^{", exponent, "}");
  return absl::StrCat(mantissa, " \\cdot 10^{", exponent, "}");
}

std::string LatexVariable(const std::string& name) {
  static constexpr std::string_view kGreek[] = {
      "alpha", "beta",  "gamma", "delta", "epsilon", "zeta",  "eta",
      "theta", "iota",  "kappa", "lambda", "mu",     "nu",    "xi",
      "rho",   "sigma", "tau",   "phi",   "chi",     "psi",   "omega",
      "Gamma", "Delta", "Theta", "Lambda", "Xi",     "Sigma", "Phi",
      "Psi",   "Omega"};
  for (std::string_view greek : kGreek) {
    if (name == greek) return absl::StrCat("\\", name);
  }
  if (name.size() == 1) return name;
  // x1, x12 -> x_{1}, x_{12}: a letter with a numeric subscript.
  if (name.find_first_not_of("0123456789", 1) == std::string::npos &&
      name[0] != '_') {
    return absl::StrCat(name.substr(0, 1), "_{", name.substr(1), "}");
  }
  // x_1 -> x_{1}: a single letter with a subscript.
  size_t underscore = name.find('_');
  if (underscore == 1 && name.size() > 2 &&
      name.find('_', 2) == std::string::npos) {
    return absl::StrCat(name.substr(0, 1), "_{", name.substr(2), "}");
  }
  std::string escaped;
  for (char c : name) {
    if (c == '_') escaped += '\\';
    escaped += c;
  }
  return absl::StrCat("\\mathrm{", escaped, "}");
}

class LatexPrinter {
 public:
  std::string Print(const Node& node) { return Latex(node); }

 private:
  static std::string Paren(const std::string& inner) {
    return absl::StrCat("\\left(", inner, "\\right)");
  }

  std::string Child(const Node& node, int min) {
    std::string text = Latex(node);
    return PrecedenceOf(node) < min ? Paren(text) : text;
  }

  // Whether a factor printed after another needs an explicit \cdot: when it
  // starts with a digit or a sign, juxtaposition would misread.
  static bool NeedsCdot(const std::string& right) {
    if (right.empty()) return false;
    char c = right[0];
    return (c >= '0' && c <= '9') || c == '-' || c == '.';
  }

  std::string Call(const Node& node) {
    const Node& u = *node.args[0];
    std::string a = Latex(u);
    switch (node.function) {
      case Function::kSqrt: return absl::StrCat("\\sqrt{", a, "}");
      case Function::kCbrt: return absl::StrCat("\\sqrt[3]{", a, "}");
      case Function::kAbs: return absl::StrCat("\\left|", a, "\\right|");
      case Function::kFloor:
        return absl::StrCat("\\left\\lfloor ", a, " \\right\\rfloor");
      case Function::kCeil:
        return absl::StrCat("\\left\\lceil ", a, " \\right\\rceil");
      case Function::kExp: return absl::StrCat("e^{", a, "}");
      default: break;
    }
    std::string name;
    switch (node.function) {
      case Function::kSin: name = "\\sin"; break;
      case Function::kCos: name = "\\cos"; break;
      case Function::kTan: name = "\\tan"; break;
      case Function::kAsin: name = "\\arcsin"; break;
      case Function::kAcos: name = "\\arccos"; break;
      case Function::kAtan: name = "\\arctan"; break;
      case Function::kSinh: name = "\\sinh"; break;
      case Function::kCosh: name = "\\cosh"; break;
      case Function::kTanh: name = "\\tanh"; break;
      case Function::kLog: name = "\\ln"; break;
      case Function::kLog2: name = "\\log_{2}"; break;
      case Function::kLog10: name = "\\log_{10}"; break;
      case Function::kMin: name = "\\min"; break;
      case Function::kMax: name = "\\max"; break;
      default:
        name = absl::StrCat("\\operatorname{",
                            Absl(Spec(node.function).name), "}");
        break;
    }
    std::string args = a;
    for (size_t i = 1; i < node.args.size(); ++i) {
      absl::StrAppend(&args, ", ", Latex(*node.args[i]));
    }
    return absl::StrCat(name, Paren(args));
  }

  std::string Latex(const Node& node) {
    switch (node.kind) {
      case NodeKind::kNumber:
        return LatexNumber(node.value);
      case NodeKind::kVariable:
        return LatexVariable(node.name);
      case NodeKind::kNegate:
        return absl::StrCat("-", Child(*node.args[0], kProduct));
      case NodeKind::kAdd: {
        std::string right = Child(*node.args[1], kProduct);
        if (!right.empty() && right[0] == '-') right = Paren(right);
        return absl::StrCat(Child(*node.args[0], kSum), " + ", right);
      }
      case NodeKind::kSubtract: {
        std::string right = Child(*node.args[1], kProduct);
        if (!right.empty() && right[0] == '-') right = Paren(right);
        return absl::StrCat(Child(*node.args[0], kSum), " - ", right);
      }
      case NodeKind::kMultiply: {
        std::string left = Child(*node.args[0], kProduct);
        std::string right = Child(*node.args[1], kUnary + 1);
        if (NeedsCdot(right)) return absl::StrCat(left, " \\cdot ", right);
        return absl::StrCat(left, " ", right);
      }
      case NodeKind::kDivide: {
        // -a/b is typeset with the sign in front of the fraction.
        const Node& top = *node.args[0];
        std::string sign;
        std::string numerator;
        if (top.kind == NodeKind::kNegate) {
          sign = "-";
          numerator = Latex(*top.args[0]);
        } else if (top.kind == NodeKind::kNumber && top.value < 0) {
          sign = "-";
          numerator = LatexNumber(-top.value);
        } else {
          numerator = Latex(top);
        }
        return absl::StrCat(sign, "\\frac{", numerator, "}{",
                            Latex(*node.args[1]), "}");
      }
      case NodeKind::kPower: {
        const Node& base = *node.args[0];
        std::string base_text = Latex(base);
        // A function call already has its own delimiters except for the
        // ones typeset as e^{..} or \sqrt; wrap anything not atomic.
        bool atomic = base.kind == NodeKind::kVariable ||
                      (base.kind == NodeKind::kNumber &&
                       PrecedenceOf(base) == kAtom &&
                       base_text.find(' ') == std::string::npos &&
                       base_text.find('^') == std::string::npos) ||
                      (base.kind == NodeKind::kCall &&
                       base.function != Function::kExp);
        if (!atomic) base_text = Paren(base_text);
        return absl::StrCat(base_text, "^{", Latex(*node.args[1]), "}");
      }
      case NodeKind::kCall:
        return Call(node);
    }
    return "";
  }
};

}  // namespace

std::string FormatNumber(double value) {
  // Integers print in full ("10", "100000"), not as "1e1".
  if (std::floor(value) == value && std::fabs(value) < 1e21) {
    return absl::StrFormat("%.0f", value);
  }
  std::string text;
  for (int precision = 1; precision <= 17; ++precision) {
    text = absl::StrFormat("%.*g", precision, value);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == value) break;
  }
  // Tidy the exponent: "1e+20" -> "1e20", "1e-05" -> "1e-5".
  size_t e = text.find('e');
  if (e != std::string::npos) {
    std::string mantissa = text.substr(0, e);
    std::string exponent = text.substr(e + 1);
    bool negative = !exponent.empty() && exponent[0] == '-';
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
      exponent.erase(0, 1);
    }
    size_t first = exponent.find_first_not_of('0');
    exponent = first == std::string::npos ? "0" : exponent.substr(first);
    text = absl::StrCat(mantissa, "e", negative ? "-" : "", exponent);
  }
  return text;
}

std::string ToText(const NodePtr& root) {
  if (root == nullptr) return "";
  return TextPrinter().Print(*root);
}

std::string ToLatex(const NodePtr& root) {
  if (root == nullptr) return "";
  return LatexPrinter().Print(*root);
}

}  // namespace slope::calculus
