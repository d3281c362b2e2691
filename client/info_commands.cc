#include "client/info_commands.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "slope/v1/info.grpc.pb.h"

namespace slope::cli {
namespace {

int RunInfo(const GlobalOptions& options) {
  CliContext cli(options);
  auto stub = slope::v1::InfoService::NewStub(cli.channel());
  slope::v1::ServerInfo info;
  auto context = cli.NewCallContext();
  grpc::Status status =
      stub->GetServerInfo(context.get(), slope::v1::GetServerInfoRequest(), &info);
  if (!status.ok()) return cli.ReportError(status);
  if (options.json) {
    cli.PrintJson(info);
    return kOk;
  }
  absl::PrintF("Slope server %s at %s\n", info.version(), options.server);
  absl::PrintF("  build     %s\n", info.build());
  absl::PrintF("  threads   %d\n", info.threads());
  absl::PrintF("  services  %s\n", absl::StrJoin(info.services(), ", "));
  absl::PrintF("  features  %s\n", absl::StrJoin(info.features(), ", "));
  const auto& l = info.limits();
  absl::PrintF("Limits\n");
  absl::PrintF("  expression   %d bytes, depth %d, %d nodes, %d variables\n",
               l.max_expression_bytes(), l.max_expression_depth(),
               l.max_expression_nodes(), l.max_variables());
  absl::PrintF("  batch        %d points/request, %d elements/message, "
               "%d concurrent\n",
               l.max_points_per_request(), l.max_elements_per_message(),
               l.max_concurrent_batches());
  absl::PrintF("  jobs         %d running, %d queued, %d epochs, %d s\n",
               l.max_running_jobs(), l.max_queued_jobs(), l.max_epochs(),
               l.max_job_wall_seconds());
  absl::PrintF("Functions (%d)\n", info.functions_size());
  for (const auto& f : info.functions()) {
    absl::PrintF("  %-14s %s\n", f.signature(), f.derivative());
  }
  return kOk;
}

int RunHealth(const GlobalOptions& options, const std::string& service) {
  CliContext cli(options);
  auto stub = grpc::health::v1::Health::NewStub(cli.channel());
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  auto context = cli.NewCallContext();
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status);
  if (options.json) {
    cli.PrintJson(response);
  } else {
    absl::PrintF("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                             response.status()));
  }
  // Scripts and container HEALTHCHECKs read the exit code.
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kOk
             : kServerError;
}

}  // namespace

void AddInfoCommands(CLI::App& app, const GlobalOptions& options,
                     int* exit_code) {
  CLI::App* info = app.add_subcommand(
      "info", "Show the server's version, limits and supported functions");
  info->callback([&options, exit_code] { *exit_code = RunInfo(options); });

  auto service = std::make_shared<std::string>();
  CLI::App* health = app.add_subcommand(
      "health", "Check the server's health (exit 0 only when SERVING)");
  health->add_option("--service", *service,
                     "a service to ask about, e.g. slope.v1.CalculusService "
                     "(default: the whole server)");
  health->callback([&options, exit_code, service] {
    *exit_code = RunHealth(options, *service);
  });
}

}  // namespace slope::cli
