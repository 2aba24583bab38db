// Wiring for the CLI: the product's registry (Hub + factory tools, optional fixtures) and /mcp.
#include "mcp/mcp.h"

namespace sf::mcp {

std::shared_ptr<Server> NewService(const ServiceDeps& deps, const ServiceOptions& options,
                                   const ExtraToolsHook& extra) {
  auto registry = std::make_shared<Registry>();
  // Tools notify resource subscribers through the server, which exists only after the registry.
  auto holder = std::make_shared<std::weak_ptr<Server>>();
  auto notify = [holder](const std::string& uri) {
    if (auto s = holder->lock()) s->NotifyResourceUpdated(uri);
  };
  AddHubTools(*registry, deps);
  AddFactoryTools(*registry, deps, notify);
  if (extra) extra(*registry);
  if (options.conformance) AddConformanceFixtures(*registry);
  ServerOptions so;
  so.worker_threads = options.worker_threads;
  so.log = options.log;
  auto server = std::make_shared<Server>(std::move(so), std::move(registry));
  *holder = server;
  return server;
}

Result<std::shared_ptr<HttpTransport>> MountHttp(http::Router& router, const ServiceDeps& deps,
                                                 bool conformance, const std::string& bind_host,
                                                 const ExtraToolsHook& extra) {
  ServiceOptions options;
  options.conformance = conformance;
  HttpOptions http_options;
  http_options.bind_host = bind_host;
  auto transport = HttpTransport::Create(NewService(deps, options, extra), std::move(http_options));
  transport->Mount(router);
  return transport;
}

}  // namespace sf::mcp
