#include "client/calculus_commands.h"

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "client/point_args.h"
#include "client/table.h"
#include "slope/v1/calculus.grpc.pb.h"

namespace slope::cli {
namespace {

using slope::v1::CalculusService;

// The arguments every calculus command may take; each command uses some.
struct CalculusArgs {
  std::string expression;
  std::vector<std::string> expressions;  // jacobian
  std::vector<std::string> point_words;  // positional x=3 y=2
  std::string at;                        // --at x=3,y=2
  std::string wrt = "x";
  std::string vars;
  unsigned order = 1;
  bool limit_table = false;
  bool explain = false;
  bool latex = false;
  bool formulas = false;
  bool gradient = false;
  bool hessian = false;
  std::string csv;
  unsigned chunk = 10000;
};

int BadInput(const std::string& message) {
  absl::FPrintF(stderr, "slope: %s\n", message);
  return kBadInput;
}

// Collects the point from positional words and --at.
bool CollectPoint(const CalculusArgs& args,
                  google::protobuf::Map<std::string, double>* point,
                  int* exit_code) {
  std::vector<std::string> words = args.point_words;
  if (!args.at.empty()) words.push_back(args.at);
  auto parsed = ParsePoint(words);
  if (!parsed.ok()) {
    *exit_code = BadInput(std::string(parsed.status().message()));
    return false;
  }
  for (const auto& [name, value] : *parsed) (*point)[name] = value;
  return true;
}

void PrintWarnings(
    const google::protobuf::RepeatedPtrField<slope::v1::Warning>& warnings) {
  for (const auto& w : warnings) {
    if (w.line() > 0) {
      absl::FPrintF(stderr, "warning: %d:%d: %s", w.line(), w.column(),
                    w.message());
    } else {
      absl::FPrintF(stderr, "warning: %s", w.message());
    }
    if (w.count() > 1) absl::FPrintF(stderr, " (%d points)", w.count());
    absl::FPrintF(stderr, "\n");
  }
}

int RunEval(CliContext& cli, const CalculusArgs& args) {
  slope::v1::EvaluateRequest request;
  request.set_expression(args.expression);
  int code = kOk;
  if (!CollectPoint(args, request.mutable_point(), &code)) return code;
  slope::v1::EvaluateResponse response;
  auto context = cli.NewCallContext();
  auto status = CalculusService::NewStub(cli.channel())
                    ->Evaluate(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status, args.expression);
  if (cli.options().json) {
    cli.PrintJson(response);
  } else {
    absl::PrintF("%s\n", FormatNumber(response.value()));
  }
  PrintWarnings(response.warnings());
  return kOk;
}

int RunDiff(CliContext& cli, const CalculusArgs& args) {
  slope::v1::DifferentiateRequest request;
  request.set_expression(args.expression);
  request.set_variable(args.wrt);
  request.set_order(args.order);
  request.set_limit_table(args.limit_table);
  request.set_explain(args.explain);
  int code = kOk;
  if (!CollectPoint(args, request.mutable_point(), &code)) return code;
  slope::v1::DifferentiateResponse response;
  auto context = cli.NewCallContext();
  auto status = CalculusService::NewStub(cli.channel())
                    ->Differentiate(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status, args.expression);
  if (cli.options().json) {
    cli.PrintJson(response);
    return kOk;
  }
  const std::string d =
      args.order <= 1 ? absl::StrCat("d/d", args.wrt)
                      : absl::StrCat("d^", args.order, "/d", args.wrt, "^",
                                     args.order);
  absl::PrintF("%s %s = %s\n", d, response.expression(), response.formula());
  if (args.latex) absl::PrintF("LaTeX: %s\n", response.latex());
  if (response.has_value()) {
    std::vector<std::string> at;
    for (const auto& [name, value] : request.point()) {
      at.push_back(absl::StrCat(name, " = ", FormatNumber(value)));
    }
    std::sort(at.begin(), at.end());
    absl::PrintF("at %s: f = %s, %s f = %s\n", absl::StrJoin(at, ", "),
                 FormatNumber(response.function_value()), d,
                 FormatNumber(response.value()));
  }
  if (response.limit_table_size() > 0) {
    absl::PrintF("\nThe slope as a limit (exact: %s)\n",
                 FormatNumber(response.limit_table(0).exact()));
    Table table({"h", "(f(x+h)-f(x))/h", "error", "(f(x+h)-f(x-h))/2h",
                 "error"});
    for (const auto& row : response.limit_table()) {
      table.AddRow({absl::StrFormat("%g", row.h()),
                    absl::StrFormat("%.12g", row.forward_slope()),
                    absl::StrFormat("%.3g", row.forward_error()),
                    absl::StrFormat("%.12g", row.central_slope()),
                    absl::StrFormat("%.3g", row.central_error())});
    }
    absl::PrintF("%s", table.Render());
  }
  if (response.steps_size() > 0) {
    absl::PrintF("\nStep by step\n");
    for (const auto& step : response.steps()) {
      absl::PrintF("%*s%s d/d%s %s = %s   [%s]\n", 2 * step.depth(), "",
                   step.depth() == 0 ? "" : "-", args.wrt, step.before(),
                   step.after(), step.rule());
      if (!step.explanation().empty()) {
        absl::PrintF("%*s    %s\n", 2 * step.depth(), "", step.explanation());
      }
    }
  }
  PrintWarnings(response.warnings());
  return kOk;
}

int RunGrad(CliContext& cli, const CalculusArgs& args) {
  slope::v1::GradientRequest request;
  request.set_expression(args.expression);
  request.set_formulas(args.formulas);
  for (auto& v : ParseNameList(args.vars)) request.add_variables(v);
  int code = kOk;
  if (!CollectPoint(args, request.mutable_point(), &code)) return code;
  slope::v1::GradientResponse response;
  auto context = cli.NewCallContext();
  auto status = CalculusService::NewStub(cli.channel())
                    ->Gradient(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status, args.expression);
  if (cli.options().json) {
    cli.PrintJson(response);
    return kOk;
  }
  absl::PrintF("f = %s\n", FormatNumber(response.value()));
  std::vector<std::string> header = {"variable", "partial derivative"};
  if (args.formulas) header.push_back("formula");
  Table table(header);
  for (int i = 0; i < response.variables_size(); ++i) {
    const std::string& name = response.variables(i);
    std::vector<std::string> row = {absl::StrCat("d/d", name),
                                    FormatNumber(response.values(i))};
    if (args.formulas) {
      auto it = response.formulas().find(name);
      row.push_back(it == response.formulas().end() ? "" : it->second);
    }
    table.AddRow(row);
  }
  absl::PrintF("%s|grad f| = %s\n", table.Render(),
               FormatNumber(response.norm()));
  PrintWarnings(response.warnings());
  return kOk;
}

void PrintMatrix(const std::vector<std::string>& row_names,
                 const std::vector<std::string>& col_names,
                 const slope::v1::Matrix& m) {
  std::vector<std::string> header = {""};
  header.insert(header.end(), col_names.begin(), col_names.end());
  Table table(header);
  for (uint32_t i = 0; i < m.rows(); ++i) {
    std::vector<std::string> row = {i < row_names.size() ? row_names[i] : ""};
    for (uint32_t j = 0; j < m.cols(); ++j) {
      row.push_back(FormatNumber(m.values(i * m.cols() + j)));
    }
    table.AddRow(row);
  }
  absl::PrintF("%s", table.Render());
}

int RunHessian(CliContext& cli, const CalculusArgs& args) {
  slope::v1::HessianRequest request;
  request.set_expression(args.expression);
  for (auto& v : ParseNameList(args.vars)) request.add_variables(v);
  int code = kOk;
  if (!CollectPoint(args, request.mutable_point(), &code)) return code;
  slope::v1::HessianResponse response;
  auto context = cli.NewCallContext();
  auto status = CalculusService::NewStub(cli.channel())
                    ->Hessian(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status, args.expression);
  if (cli.options().json) {
    cli.PrintJson(response);
    return kOk;
  }
  const std::vector<std::string> vars(response.variables().begin(),
                                      response.variables().end());
  std::vector<std::string> grad;
  for (int i = 0; i < response.gradient_size(); ++i) {
    grad.push_back(FormatNumber(response.gradient(i)));
  }
  absl::PrintF("f = %s\ngradient (%s) = (%s)\nHessian\n",
               FormatNumber(response.value()), absl::StrJoin(vars, ", "),
               absl::StrJoin(grad, ", "));
  PrintMatrix(vars, vars, response.hessian());
  PrintWarnings(response.warnings());
  return kOk;
}

int RunJacobian(CliContext& cli, const CalculusArgs& args) {
  slope::v1::JacobianRequest request;
  for (const auto& e : args.expressions) request.add_expressions(e);
  for (auto& v : ParseNameList(args.vars)) request.add_variables(v);
  int code = kOk;
  if (!CollectPoint(args, request.mutable_point(), &code)) return code;
  slope::v1::JacobianResponse response;
  auto context = cli.NewCallContext();
  auto status = CalculusService::NewStub(cli.channel())
                    ->Jacobian(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status);
  if (cli.options().json) {
    cli.PrintJson(response);
    return kOk;
  }
  std::vector<std::string> rows;
  for (int i = 0; i < request.expressions_size(); ++i) {
    rows.push_back(absl::StrCat(request.expressions(i), " = ",
                                FormatNumber(response.values(i))));
  }
  PrintMatrix(rows,
              std::vector<std::string>(response.variables().begin(),
                                       response.variables().end()),
              response.jacobian());
  PrintWarnings(response.warnings());
  return kOk;
}

// Reads points as CSV (a header row naming the variables is optional) and
// streams them through EvaluateStream, writing one CSV row per point as the
// answers arrive, so files larger than memory flow through.
int RunBatch(CliContext& cli, const CalculusArgs& args) {
  const std::vector<std::string> vars = ParseNameList(args.vars);
  if (vars.empty()) return BadInput("--vars is required, e.g. --vars x,y");
  if (args.chunk == 0) return BadInput("--chunk must be at least 1");
  std::ifstream file;
  if (!args.csv.empty() && args.csv != "-") {
    file.open(args.csv);
    if (!file) return BadInput(absl::StrCat("cannot read ", args.csv));
  }
  std::istream& in = file.is_open() ? static_cast<std::istream&>(file) : std::cin;

  auto context = cli.NewCallContext();
  auto stub = CalculusService::NewStub(cli.channel());
  auto stream = stub->EvaluateStream(context.get());

  // The reader runs beside the writer so that answers are printed while
  // later points are still being sent. The points of chunks sent but not
  // yet answered wait here to be echoed beside their results; gRPC flow
  // control bounds how many that can be.
  std::string input_error;
  absl::Mutex sent_mu;
  std::deque<std::vector<std::string>> sent;
  std::thread writer([&] {
    slope::v1::EvaluateStreamRequest request;
    auto* config = request.mutable_config();
    config->set_expression(args.expression);
    for (const auto& v : vars) config->add_variables(v);
    config->set_gradient(args.gradient);
    config->set_hessian(args.hessian);
    std::string line;
    size_t line_number = 0;
    size_t in_chunk = 0;
    std::vector<std::string> chunk_cells;
    bool ok = true;
    auto send = [&] {
      {
        absl::MutexLock lock(&sent_mu);
        sent.push_back(std::move(chunk_cells));
      }
      chunk_cells.clear();
      const bool written = stream->Write(request);
      request.Clear();
      in_chunk = 0;
      return written;
    };
    while (ok && std::getline(in, line)) {
      ++line_number;
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty()) continue;
      std::vector<absl::string_view> cells = absl::StrSplit(text, ',');
      std::vector<double> values;
      bool numeric = cells.size() == vars.size();
      for (absl::string_view& cell : cells) {
        cell = absl::StripAsciiWhitespace(cell);
        double v;
        if (!absl::SimpleAtod(cell, &v)) {
          numeric = false;
          break;
        }
        values.push_back(v);
      }
      if (!numeric) {
        if (line_number == 1) continue;  // a header row
        input_error = absl::StrFormat(
            "line %d: expected %d numbers separated by commas, got '%s'",
            line_number, vars.size(), text);
        context->TryCancel();
        ok = false;
        break;
      }
      for (double v : values) request.add_points(v);
      chunk_cells.push_back(absl::StrJoin(cells, ","));
      if (++in_chunk == args.chunk) ok = send();
    }
    if (ok && (in_chunk > 0 || request.has_config())) send();
    stream->WritesDone();
  });

  const size_t n = vars.size();
  if (!cli.options().json) {
    std::vector<std::string> header = vars;
    header.push_back("f");
    if (args.gradient) {
      for (const auto& v : vars) header.push_back("df/d" + v);
    }
    if (args.hessian) {
      for (const auto& a : vars) {
        for (const auto& b : vars) header.push_back("d2f/d" + a + "d" + b);
      }
    }
    absl::PrintF("%s\n", absl::StrJoin(header, ","));
  }
  slope::v1::EvaluateStreamResponse response;
  // Points are echoed from the answers' order: the server answers chunks in
  // the order they were sent, so the row index is enough.
  while (stream->Read(&response)) {
    if (cli.options().json) {
      cli.PrintJson(response);
      continue;
    }
    std::vector<std::string> inputs;
    {
      absl::MutexLock lock(&sent_mu);
      // Empty chunks (a config alone) get no answer.
      while (!sent.empty() && sent.front().empty()) sent.pop_front();
      if (!sent.empty()) {
        inputs = std::move(sent.front());
        sent.pop_front();
      }
    }
    std::string out;
    for (uint32_t i = 0; i < response.count(); ++i) {
      std::vector<std::string> row;
      if (i < inputs.size()) row.push_back(inputs[i]);
      row.push_back(FormatNumber(response.values(i)));
      if (args.gradient) {
        for (size_t j = 0; j < n; ++j) {
          row.push_back(FormatNumber(response.gradients(i * n + j)));
        }
      }
      if (args.hessian) {
        for (size_t j = 0; j < n * n; ++j) {
          row.push_back(FormatNumber(response.hessians(i * n * n + j)));
        }
      }
      absl::StrAppend(&out, absl::StrJoin(row, ","), "\n");
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    PrintWarnings(response.warnings());
  }
  writer.join();
  grpc::Status status = stream->Finish();
  if (!input_error.empty()) return BadInput(input_error);
  if (!status.ok()) return cli.ReportError(status, args.expression);
  return kOk;
}

}  // namespace

void AddCalculusCommands(CLI::App& app, const GlobalOptions& options,
                         int* exit_code) {
  auto args = std::make_shared<CalculusArgs>();
  auto run = [&options, exit_code, args](int (*fn)(CliContext&,
                                                   const CalculusArgs&)) {
    return [&options, exit_code, args, fn] {
      CliContext cli(options);
      *exit_code = fn(cli, *args);
    };
  };

  CLI::App* eval = app.add_subcommand("eval", "Evaluate an expression at a point");
  eval->add_option("expression", args->expression, "e.g. 'sin(x)*exp(y)'")
      ->required();
  eval->add_option("point", args->point_words, "assignments: x=3 y=2");
  eval->add_option("--at", args->at, "the point: x=3,y=2");
  eval->callback(run(RunEval));

  CLI::App* diff = app.add_subcommand(
      "diff", "Differentiate: the formula, its value, the slope as a limit");
  diff->add_option("expression", args->expression)->required();
  diff->add_option("point", args->point_words, "assignments: x=3 y=2");
  diff->add_option("--wrt", args->wrt, "the variable")->capture_default_str();
  diff->add_option("--at", args->at, "the point: x=3,y=2");
  diff->add_option("--order", args->order, "derivative order")
      ->capture_default_str();
  diff->add_flag("--limit-table", args->limit_table,
                 "show secant slopes as h shrinks to zero");
  diff->add_flag("--explain", args->explain, "show the derivation step by step");
  diff->add_flag("--latex", args->latex, "also print the derivative in LaTeX");
  diff->callback(run(RunDiff));

  CLI::App* grad = app.add_subcommand("grad", "The gradient at a point");
  grad->add_option("expression", args->expression)->required();
  grad->add_option("point", args->point_words, "assignments: x=3 y=2");
  grad->add_option("--at", args->at, "the point: x=1,y=2");
  grad->add_option("--vars", args->vars, "variable order: x,y");
  grad->add_flag("--formulas", args->formulas, "also print each partial's formula");
  grad->callback(run(RunGrad));

  CLI::App* hessian = app.add_subcommand("hessian", "The Hessian at a point");
  hessian->add_option("expression", args->expression)->required();
  hessian->add_option("point", args->point_words, "assignments: x=3 y=2");
  hessian->add_option("--at", args->at, "the point: x=1,y=2");
  hessian->add_option("--vars", args->vars, "variable order: x,y");
  hessian->callback(run(RunHessian));

  CLI::App* jacobian = app.add_subcommand(
      "jacobian", "The Jacobian of several expressions at a point");
  jacobian->add_option("expressions", args->expressions, "e.g. 'x*y' 'x+y'")
      ->required();
  jacobian->add_option("--at", args->at, "the point: x=1,y=2")->required();
  jacobian->add_option("--vars", args->vars, "variable order: x,y");
  jacobian->callback(run(RunJacobian));

  CLI::App* batch = app.add_subcommand(
      "batch", "Evaluate at many points from CSV (file or stdin), write CSV");
  batch->add_option("expression", args->expression)->required();
  batch->add_option("--vars", args->vars, "the CSV's columns: x,y")->required();
  batch->add_option("--csv", args->csv, "input file (default: stdin)");
  batch->add_flag("--gradient", args->gradient, "also write the gradient");
  batch->add_flag("--hessian", args->hessian, "also write the Hessian");
  batch->add_option("--chunk", args->chunk, "points per streamed message")
      ->capture_default_str();
  batch->callback(run(RunBatch));
}

}  // namespace slope::cli
