#include "server/rpc/calculus_service.h"

#include <cmath>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/calculus/derivative.h"
#include "server/calculus/evaluator.h"
#include "server/calculus/explain.h"
#include "server/calculus/limit_table.h"
#include "server/calculus/printer.h"
#include "server/rpc/batch_compute.h"
#include "server/rpc/calculus_requests.h"
#include "server/rpc/status.h"

namespace slope::rpc {
namespace {

using calculus::CompiledExpression;
using calculus::Derivatives;

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     const grpc::Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// The point of a call's deadline, or the infinite future.
absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  const auto deadline = context.deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() -
                      std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

grpc::Status EngineError(const absl::Status& status, const char* field) {
  return ToGrpcStatus(status, field);
}

}  // namespace

CalculusService::CalculusService(const ServerOptions& options,
                                 calculus::ExpressionCache* cache,
                                 jobs::ComputePool* pool,
                                 BatchDispatcher* dispatcher)
    : options_(options), cache_(cache), pool_(pool), dispatcher_(dispatcher) {}

grpc::Status CalculusService::Compile(
    const std::string& text,
    const google::protobuf::RepeatedPtrField<std::string>& variables,
    const char* field, std::shared_ptr<const CompiledExpression>* compiled) {
  if (grpc::Status status =
          CheckVariables(variables, options_.expression.max_variables);
      !status.ok()) {
    return status;
  }
  std::vector<std::string> order(variables.begin(), variables.end());
  auto result = cache_->Get(text, order);
  if (!result.ok()) return EngineError(result.status(), field);
  *compiled = *std::move(result);
  return grpc::Status::OK;
}

// --- Evaluate ---------------------------------------------------------------

grpc::Status CalculusService::EvaluateAtPoint(
    const std::string& expression,
    const google::protobuf::RepeatedPtrField<std::string>& variables,
    const google::protobuf::Map<std::string, double>& point,
    Derivatives derivatives, PointEvaluation* evaluation) {
  if (auto s = Compile(expression, variables, "expression",
                       &evaluation->compiled);
      !s.ok()) {
    return s;
  }
  const CompiledExpression& compiled = *evaluation->compiled;
  std::vector<double> values;
  if (auto s = PointValues(point, compiled, &values); !s.ok()) return s;
  auto result = calculus::EvaluatePoint(*compiled.tape, values, derivatives);
  if (!result.ok()) return EngineError(result.status(), "expression");
  evaluation->result = *std::move(result);
  evaluation->reported =
      variables.empty() ? compiled.tape->num_inputs() : variables.size();
  return grpc::Status::OK;
}

grpc::Status CalculusService::DoEvaluate(const slope::v1::EvaluateRequest& request,
                                         slope::v1::EvaluateResponse* response) {
  PointEvaluation e;
  if (auto s = EvaluateAtPoint(request.expression(), {}, request.point(),
                               Derivatives::kNone, &e);
      !s.ok()) {
    return s;
  }
  response->set_value(e.result.values[0]);
  AddWarnings(e.result.warnings, response->mutable_warnings());
  for (const auto& name : e.compiled->used_variables) {
    response->add_variables(name);
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CalculusService::Evaluate(
    grpc::CallbackServerContext* context,
    const slope::v1::EvaluateRequest* request,
    slope::v1::EvaluateResponse* response) {
  return FinishWith(context, DoEvaluate(*request, response));
}

// --- Differentiate ----------------------------------------------------------

grpc::Status CalculusService::DoDifferentiate(
    const slope::v1::DifferentiateRequest& request,
    slope::v1::DifferentiateResponse* response) {
  const uint32_t order = request.order() == 0 ? 1 : request.order();
  if (order > options_.calculus.max_derivative_order) {
    return LimitExceeded(absl::StrCat("order ", order),
                         options_.calculus.max_derivative_order,
                         "max_derivative_order");
  }
  google::protobuf::RepeatedPtrField<std::string> wrt;
  wrt.Add()->assign(request.variable());
  if (request.variable().empty()) {
    return InvalidArgument("variable", "is empty; name the variable, e.g. \"x\"");
  }
  if (auto s = CheckVariables(wrt, options_.expression.max_variables, "variable");
      !s.ok()) {
    return s;
  }
  if (request.limit_table() && (request.point().empty() || order != 1)) {
    return InvalidArgument("limit_table",
                           "needs a point and order 1 (the table compares "
                           "difference quotients with the first derivative)");
  }
  // The variable first, so that the limit table varies input 0.
  std::shared_ptr<const CompiledExpression> compiled;
  if (auto s = Compile(request.expression(), wrt, "expression", &compiled);
      !s.ok()) {
    return s;
  }
  calculus::DerivativeLimits limits;
  limits.max_order = static_cast<int>(options_.calculus.max_derivative_order);
  auto derivative = calculus::Differentiate(compiled->tree, request.variable(),
                                            static_cast<int>(order), limits);
  if (!derivative.ok()) return EngineError(derivative.status(), "expression");
  response->set_expression(calculus::ToText(compiled->tree));
  response->set_formula(calculus::ToText(*derivative));
  response->set_latex(calculus::ToLatex(*derivative));

  if (!request.point().empty()) {
    std::vector<double> point;
    if (auto s = PointValues(request.point(), *compiled, &point); !s.ok()) {
      return s;
    }
    auto f = calculus::EvaluatePoint(*compiled->tape, point, Derivatives::kNone);
    if (!f.ok()) return EngineError(f.status(), "expression");
    // The derivative's tape reads the same inputs in the same order.
    auto d_tape = calculus::CompileTape(*derivative, compiled->tape->variables());
    if (!d_tape.ok()) return EngineError(d_tape.status(), "expression");
    auto d = calculus::EvaluatePoint(**d_tape, point, Derivatives::kNone);
    if (!d.ok()) return EngineError(d.status(), "expression");
    response->set_function_value(f->values[0]);
    response->set_value(d->values[0]);
    AddWarnings(f->warnings, response->mutable_warnings());
    AddWarnings(d->warnings, response->mutable_warnings());
    if (request.limit_table()) {
      auto rows = calculus::SlopeAsLimit(*compiled->tape, point, 0, d->values[0]);
      if (!rows.ok()) return EngineError(rows.status(), "expression");
      for (const calculus::LimitRow& row : *rows) {
        slope::v1::LimitRow* out = response->add_limit_table();
        out->set_h(row.h);
        out->set_forward_slope(row.forward_slope);
        out->set_forward_error(row.forward_error);
        out->set_central_slope(row.central_slope);
        out->set_central_error(row.central_error);
        out->set_exact(d->values[0]);
      }
    }
  }
  if (request.explain()) {
    if (order != 1) {
      return InvalidArgument("explain", "is only available for order 1");
    }
    calculus::ExplainLimits explain_limits;
    explain_limits.derivative = limits;
    auto steps = calculus::Explain(compiled->tree, request.variable(),
                                   explain_limits);
    if (!steps.ok()) return EngineError(steps.status(), "expression");
    for (const calculus::DerivationStep& step : *steps) {
      slope::v1::DerivationStep* out = response->add_steps();
      out->set_rule(step.rule);
      out->set_before(step.before);
      out->set_after(step.after);
      out->set_before_latex(step.before_latex);
      out->set_after_latex(step.after_latex);
      out->set_depth(step.depth);
      out->set_explanation(step.explanation);
    }
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CalculusService::Differentiate(
    grpc::CallbackServerContext* context,
    const slope::v1::DifferentiateRequest* request,
    slope::v1::DifferentiateResponse* response) {
  return FinishWith(context, DoDifferentiate(*request, response));
}

// --- Gradient and Hessian ---------------------------------------------------

grpc::Status CalculusService::DoGradient(const slope::v1::GradientRequest& request,
                                         slope::v1::GradientResponse* response) {
  PointEvaluation e;
  if (auto s = EvaluateAtPoint(request.expression(), request.variables(),
                               request.point(), Derivatives::kGradient, &e);
      !s.ok()) {
    return s;
  }
  const calculus::PointResult* result = &e.result;
  const std::shared_ptr<const CompiledExpression>& compiled = e.compiled;
  const std::vector<std::string>& inputs = compiled->tape->variables();
  const size_t reported = e.reported;
  response->set_value(result->values[0]);
  double norm_squared = 0;
  auto* gradient = response->mutable_gradient();
  for (size_t i = 0; i < reported; ++i) {
    const double partial = result->gradients[i];
    response->add_variables(inputs[i]);
    response->add_values(partial);
    (*gradient)[inputs[i]] = partial;
    norm_squared += partial * partial;
  }
  response->set_norm(std::sqrt(norm_squared));
  if (request.formulas()) {
    for (size_t i = 0; i < reported; ++i) {
      auto partial = calculus::Differentiate(compiled->tree, inputs[i]);
      if (!partial.ok()) return EngineError(partial.status(), "expression");
      (*response->mutable_formulas())[inputs[i]] = calculus::ToText(*partial);
    }
  }
  AddWarnings(result->warnings, response->mutable_warnings());
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CalculusService::Gradient(
    grpc::CallbackServerContext* context,
    const slope::v1::GradientRequest* request,
    slope::v1::GradientResponse* response) {
  return FinishWith(context, DoGradient(*request, response));
}

grpc::Status CalculusService::DoHessian(const slope::v1::HessianRequest& request,
                                        slope::v1::HessianResponse* response) {
  PointEvaluation e;
  if (auto s = EvaluateAtPoint(request.expression(), request.variables(),
                               request.point(), Derivatives::kHessian, &e);
      !s.ok()) {
    return s;
  }
  const calculus::PointResult* result = &e.result;
  const std::vector<std::string>& inputs = e.compiled->tape->variables();
  const size_t n = inputs.size();
  const size_t reported = e.reported;
  response->set_value(result->values[0]);
  slope::v1::Matrix* hessian = response->mutable_hessian();
  hessian->set_rows(reported);
  hessian->set_cols(reported);
  for (size_t i = 0; i < reported; ++i) {
    response->add_variables(inputs[i]);
    response->add_gradient(result->gradients[i]);
    for (size_t j = 0; j < reported; ++j) {
      hessian->add_values(result->hessians[i * n + j]);
    }
  }
  AddWarnings(result->warnings, response->mutable_warnings());
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CalculusService::Hessian(
    grpc::CallbackServerContext* context,
    const slope::v1::HessianRequest* request,
    slope::v1::HessianResponse* response) {
  return FinishWith(context, DoHessian(*request, response));
}

// --- Jacobian ---------------------------------------------------------------

grpc::Status CalculusService::DoJacobian(const slope::v1::JacobianRequest& request,
                                         slope::v1::JacobianResponse* response) {
  if (request.expressions().empty()) {
    return InvalidArgument("expressions", "is empty; give at least one");
  }
  if (static_cast<uint32_t>(request.expressions_size()) >
      options_.calculus.max_jacobian_expressions) {
    return LimitExceeded(
        absl::StrCat(request.expressions_size(), " expressions"),
        options_.calculus.max_jacobian_expressions, "max_jacobian_expressions");
  }
  if (auto s = CheckVariables(request.variables(),
                              options_.expression.max_variables);
      !s.ok()) {
    return s;
  }
  // Each expression parsed (through the cache), then all compiled into one
  // tape so that shared subexpressions are computed once.
  std::vector<calculus::NodePtr> roots;
  std::vector<std::string> order(request.variables().begin(),
                                 request.variables().end());
  absl::flat_hash_set<std::string> listed(order.begin(), order.end());
  std::vector<std::string> unlisted;
  absl::flat_hash_set<std::string> used;
  for (int i = 0; i < request.expressions_size(); ++i) {
    auto compiled = cache_->Get(request.expressions(i));
    const std::string field = absl::StrCat("expressions[", i, "]");
    if (!compiled.ok()) return ToGrpcStatus(compiled.status(), field);
    roots.push_back((*compiled)->tree);
    for (const auto& name : (*compiled)->used_variables) {
      used.insert(name);
      if (!listed.contains(name)) {
        listed.insert(name);
        unlisted.push_back(name);
      }
    }
  }
  std::sort(unlisted.begin(), unlisted.end());
  const size_t reported = request.variables().empty() ? unlisted.size()
                                                      : order.size();
  order.insert(order.end(), unlisted.begin(), unlisted.end());
  if (order.size() > static_cast<size_t>(options_.expression.max_variables)) {
    return LimitExceeded(absl::StrCat(order.size(), " variables"),
                         options_.expression.max_variables, "max_variables");
  }
  auto tape = calculus::CompileTape(absl::MakeConstSpan(roots), order);
  if (!tape.ok()) return EngineError(tape.status(), "expressions");

  if (auto s = CheckPointMap(request.point()); !s.ok()) return s;
  std::vector<double> point(order.size(), 0.0);
  for (size_t i = 0; i < order.size(); ++i) {
    auto it = request.point().find(order[i]);
    if (it != request.point().end()) {
      point[i] = it->second;
    } else if (used.contains(order[i])) {
      return InvalidArgument(
          "point",
          absl::StrCat("has no value for '", order[i],
                       "', which the expressions use"),
          "MISSING_VARIABLE");
    }
  }
  auto result = calculus::EvaluatePoint(**tape, point, Derivatives::kGradient);
  if (!result.ok()) return EngineError(result.status(), "expressions");
  const size_t n = order.size();
  slope::v1::Matrix* jacobian = response->mutable_jacobian();
  jacobian->set_rows(roots.size());
  jacobian->set_cols(reported);
  for (size_t j = 0; j < reported; ++j) response->add_variables(order[j]);
  for (size_t i = 0; i < roots.size(); ++i) {
    response->add_values(result->values[i]);
    for (size_t j = 0; j < reported; ++j) {
      jacobian->add_values(result->gradients[i * n + j]);
    }
  }
  AddWarnings(result->warnings, response->mutable_warnings());
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CalculusService::Jacobian(
    grpc::CallbackServerContext* context,
    const slope::v1::JacobianRequest* request,
    slope::v1::JacobianResponse* response) {
  return FinishWith(context, DoJacobian(*request, response));
}

// --- EvaluateBatch ----------------------------------------------------------

grpc::ServerUnaryReactor* CalculusService::EvaluateBatch(
    grpc::CallbackServerContext* context,
    const slope::v1::EvaluateBatchRequest* request,
    slope::v1::EvaluateBatchResponse* response) {
  std::shared_ptr<const CompiledExpression> compiled;
  if (auto s = Compile(request->expression(), request->variables(),
                       "expression", &compiled);
      !s.ok()) {
    return FinishWith(context, s);
  }
  BatchShape shape;
  if (auto s = CheckBatch(*compiled, request->variables_size(),
                          request->points(), request->gradient(),
                          request->hessian(), options_.calculus, "points",
                          &shape);
      !s.ok()) {
    return FinishWith(context, s);
  }
  // Size the response up front: chunks write their parts in place.
  response->set_count(shape.count);
  response->mutable_values()->Resize(shape.count, 0.0);
  const size_t n = shape.inputs;
  if (shape.gradient) response->mutable_gradients()->Resize(shape.count * n, 0.0);
  if (shape.hessian) {
    response->mutable_hessians()->Resize(shape.count * n * n, 0.0);
  }
  calculus::BatchOutput output;
  output.values = absl::MakeSpan(response->mutable_values()->mutable_data(),
                                 response->values_size());
  output.gradients = absl::MakeSpan(
      response->mutable_gradients()->mutable_data(), response->gradients_size());
  output.hessians = absl::MakeSpan(response->mutable_hessians()->mutable_data(),
                                   response->hessians_size());

  auto* reactor = context->DefaultReactor();
  const absl::Time deadline = DeadlineOf(*context);
  auto should_stop = [context, deadline] {
    return context->IsCancelled() || absl::Now() > deadline;
  };
  auto run = [this, reactor, compiled, request, response, shape, output,
              should_stop, context, deadline] {
    std::vector<calculus::EvalWarning> warnings;
    absl::Status status =
        ComputeBatch(*pool_, *compiled->tape, request->points(), shape, output,
                     &warnings, should_stop);
    if (status.code() == absl::StatusCode::kCancelled &&
        !context->IsCancelled() && absl::Now() > deadline) {
      status = absl::DeadlineExceededError("the deadline passed mid-batch");
    }
    AddWarnings(warnings, response->mutable_warnings());
    reactor->Finish(ToGrpcStatus(status));
  };
  if (shape.count <= kInlineBatchPoints) {
    run();
    return reactor;
  }
  dispatcher_->Dispatch(
      [run, reactor](const absl::Status& slot) {
        if (!slot.ok()) {
          reactor->Finish(ToGrpcStatus(slot));
          return;
        }
        run();
      },
      deadline, [context] { return context->IsCancelled(); });
  return reactor;
}

}  // namespace slope::rpc
