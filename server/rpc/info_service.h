// slope.v1.InfoService: what this server is and what it enforces.
#ifndef SLOPE_SERVER_RPC_INFO_SERVICE_H_
#define SLOPE_SERVER_RPC_INFO_SERVICE_H_

#include <string>
#include <vector>

#include "server/rpc/server_options.h"
#include "slope/v1/info.grpc.pb.h"

namespace slope::rpc {

class InfoService final : public slope::v1::InfoService::CallbackService {
 public:
  // `threads` is the compute pool's actual size; `services` the full names
  // of the services the server exposes; `features` what it implements.
  InfoService(const ServerOptions& options, int threads,
              std::vector<std::string> services,
              std::vector<std::string> features);

  grpc::ServerUnaryReactor* GetServerInfo(
      grpc::CallbackServerContext* context,
      const slope::v1::GetServerInfoRequest* request,
      slope::v1::ServerInfo* response) override;

 private:
  // Built once: the answer never changes while the server runs.
  slope::v1::ServerInfo info_;
};

// The server's version and build description, shared with the CLI's
// `--version`.
std::string SlopeVersion();
std::string SlopeBuildDescription();

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_INFO_SERVICE_H_
