#include "server/rpc/info_service.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/common.h"
#include "grpcpp/grpcpp.h"
#include "server/calculus/functions.h"

#ifndef SLOPE_VERSION
#define SLOPE_VERSION "0.0.0-dev"
#endif
#ifndef SLOPE_BUILD_TYPE
#define SLOPE_BUILD_TYPE "unknown"
#endif

namespace slope::rpc {

std::string SlopeVersion() { return SLOPE_VERSION; }

std::string SlopeBuildDescription() {
  return absl::StrCat("g++ ", __VERSION__, ", ", SLOPE_BUILD_TYPE, ", grpc ",
                      grpc::Version(), ", protobuf ",
                      google::protobuf::internal::VersionString(
                          GOOGLE_PROTOBUF_VERSION));
}

InfoService::InfoService(const ServerOptions& options, int threads,
                         std::vector<std::string> services,
                         std::vector<std::string> features) {
  info_.set_version(SlopeVersion());
  info_.set_build(SlopeBuildDescription());
  info_.set_threads(threads);

  auto* limits = info_.mutable_limits();
  limits->set_max_expression_bytes(options.expression.max_bytes);
  limits->set_max_expression_depth(options.expression.max_depth);
  limits->set_max_expression_nodes(options.expression.max_nodes);
  limits->set_max_variables(options.expression.max_variables);
  const CalculusLimits& calc = options.calculus;
  limits->set_max_derivative_order(calc.max_derivative_order);
  limits->set_max_jacobian_expressions(calc.max_jacobian_expressions);
  limits->set_max_points_per_request(calc.max_points_per_request);
  limits->set_max_elements_per_message(calc.max_elements_per_message);
  limits->set_max_message_bytes(options.max_message_bytes);
  limits->set_max_concurrent_batches(calc.max_concurrent_batches);
  limits->set_max_stream_chunks_in_flight(calc.max_stream_chunks_in_flight);
  const JobLimitsOptions& jobs = options.jobs;
  limits->set_max_running_jobs(jobs.max_running_jobs);
  limits->set_max_queued_jobs(jobs.max_queued_jobs);
  limits->set_max_retained_jobs(jobs.max_retained_jobs);
  limits->set_max_epochs(jobs.max_epochs);
  limits->set_max_dataset_rows(jobs.max_dataset_rows);
  limits->set_max_dataset_bytes(jobs.max_dataset_bytes);
  limits->set_max_parameters(jobs.max_parameters);
  limits->set_max_job_wall_seconds(jobs.max_job_wall_seconds);
  limits->set_max_events_per_job(jobs.max_events_per_job);

  for (const calculus::FunctionSpec& spec : calculus::AllFunctions()) {
    auto* function = info_.add_functions();
    function->set_name(std::string(spec.name));
    function->set_arity(spec.arity);
    function->set_signature(std::string(spec.signature));
    function->set_derivative(std::string(spec.derivative));
    function->set_description(std::string(spec.description));
  }
  for (const char* name : {"pi", "e"}) {
    double value = 0;
    if (calculus::FindConstant(name, &value)) {
      (*info_.mutable_constants())[name] = value;
    }
  }
  for (std::string& service : services) info_.add_services(std::move(service));
  for (std::string& feature : features) info_.add_features(std::move(feature));
}

grpc::ServerUnaryReactor* InfoService::GetServerInfo(
    grpc::CallbackServerContext* context,
    const slope::v1::GetServerInfoRequest* /*request*/,
    slope::v1::ServerInfo* response) {
  *response = info_;
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace slope::rpc
