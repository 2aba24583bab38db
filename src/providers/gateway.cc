// The gateway: owns the config snapshot, the key store, the ledger, the metrics and the worker
// pool, and mounts the HTTP routes. Handlers run on a server io thread and never block: chat
// completions to plain-http upstreams run on that same thread (http::StreamOnLoop); TLS or
// proxied upstreams and the upstream model listing run on the worker pool (libcurl).
#include <random>
#include <thread>

#include "providers/internal.h"

namespace sf::providers {

http::Response ErrorResponse(int status, std::string_view message, std::string_view type,
                             std::string_view code, std::string_view param) {
  nlohmann::json err = {{"message", message},
                        {"type", type},
                        {"param", param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param)},
                        {"code", code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code)}};
  // Messages may quote the client's bytes (a JSON parse error does): invalid UTF-8 is replaced,
  // not thrown.
  return http::JsonResponse(status, nlohmann::json{{"error", std::move(err)}}.dump(
                                        -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json RoutePlanJson(const RoutePlan& plan) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : plan.candidates)
    candidates.push_back({{"provider", c.provider},
                          {"key_id", c.key_id},
                          {"key", c.masked_key},
                          {"upstream_model", c.upstream_model},
                          {"breaker", c.state},
                          {"reason", c.reason}});
  return {{"model", plan.model},
          {"explanation", plan.explanation},
          {"candidates", std::move(candidates)},
          {"skipped", plan.skipped}};
}

namespace internal {
namespace {

using WriterPtr = std::shared_ptr<http::ResponseWriter>;

std::shared_ptr<ProviderState> MakeProvider(const ProviderConfig& pc,
                                            const std::vector<std::shared_ptr<KeyState>>& keys,
                                            const Env& env) {
  auto p = std::make_shared<ProviderState>();
  p->config = pc;
  p->config.keys.clear();
  p->chat_url = pc.base_url + "/chat/completions";
  p->on_loop = http::CanStreamOnLoop(p->chat_url, env);
  p->ttft_timeout = pc.ttft_timeout;
  p->keys = keys;
  std::stable_sort(p->keys.begin(), p->keys.end(), [](const auto& a, const auto& b) {
    return a->config.priority > b->config.priority;
  });
  return p;
}

class GatewayImpl final : public Gateway, public std::enable_shared_from_this<GatewayImpl> {
 public:
  explicit GatewayImpl(GatewayOptions options) : options_(std::move(options)) {}
  ~GatewayImpl() override { Shutdown(); }

  Status Init() {
    if (options_.clock == nullptr) options_.clock = &system_clock_;
    env_ptr_ = options_.env != nullptr ? options_.env : &process_env_;
    if (!options_.sleep) options_.sleep = [](Ms d) { std::this_thread::sleep_for(d); };
    if (!options_.client_factory) {
      options_.client_factory = [] {
        http::ClientOptions co;
        co.max_attempts = 1;  // the router retries and fails over itself
        return http::NewCurlHttpClient(co);
      };
    }
    redactor_ = std::make_shared<Redactor>();
    const RouterOptions& ro = options_.config.router;
    std::vector<KeyStore::StoredKey> stored;
    if (!options_.state_dir.empty() && options_.fs != nullptr) {
      auto ks = KeyStore::Open(options_.state_dir, *options_.fs);
      if (!ks.ok()) return ks.status().WithContext("key store");
      keystore_ = std::move(ks).value();
      SF_ASSIGN_OR_RETURN(stored, keystore_->List());
      if (ro.ledger) {
        auto l = OpenLedger(options_.state_dir + "/usage.sqlite");
        if (!l.ok()) return l.status();
        ledger_ = std::move(l).value();
      }
    }
    auto snap = std::make_shared<Snapshot>();
    for (const auto& pc : options_.config.providers) {
      std::vector<std::shared_ptr<KeyState>> keys;
      for (const auto& k : pc.keys) keys.push_back(NewKey(k));
      for (const auto& s : stored)
        if (s.provider == pc.name) keys.push_back(NewKey(s.key));
      snap->providers.push_back(MakeProvider(pc, keys, *env_ptr_));
    }
    snapshot_ = std::move(snap);
    executor_ = std::make_unique<Executor>(ro.workers, options_.client_factory);
    env_.options = &options_.config.router;
    env_.clock = options_.clock;
    env_.sleep = options_.sleep;
    env_.metrics = &metrics_;
    env_.ledger = ledger_.get();
    env_.redactor = redactor_.get();
    env_.logger = options_.logger.get();
    env_.stopping = &stopping_;
    env_.parsers = &parsers_;
    return Status::Ok();
  }

  void Mount(http::Router& router) override {
    auto self = shared_from_this();
    router.Post("/v1/chat/completions", [self](http::ServerRequest& req, WriterPtr w) {
      self->SubmitChat(std::move(req.body), req.loop, std::move(w));
    });
    router.Get("/v1/models",
               [self](http::ServerRequest&, WriterPtr w) { self->Models(std::move(w)); });
    router.Get("/api/providers", [self](http::ServerRequest&, WriterPtr w) {
      w->Respond(http::JsonResponse(200, self->Describe().dump()));
    });
    router.Post("/api/providers/route", [self](http::ServerRequest& req, WriterPtr w) {
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object())
        return w->Respond(ErrorResponse(400, "body must be a JSON object like {\"model\": \"…\"}",
                                        "invalid_request_error", "invalid_json"));
      auto plan = self->Plan(body);
      if (!plan.ok())
        return w->Respond(ErrorResponse(400, plan.status().message(), "invalid_request_error",
                                        "invalid_type", "model"));
      w->Respond(http::JsonResponse(200, RoutePlanJson(*plan).dump()));
    });
    router.Post("/api/providers/{name}/keys", [self](http::ServerRequest& req, WriterPtr w) {
      w->Respond(self->AddKey(req.PathParam("name"), req.body));
    });
    router.Delete("/api/providers/{name}/keys/{id}", [self](http::ServerRequest& req, WriterPtr w) {
      w->Respond(self->RemoveKey(req.PathParam("name"), req.PathParam("id")));
    });
    router.Get("/metrics", [self](http::ServerRequest&, WriterPtr w) {
      w->Respond(http::TextResponse(200, self->MetricsText(), "text/plain; version=0.0.4"));
    });
  }

  Result<RoutePlan> Plan(const json& request) const override {
    auto model = request.find("model");
    if (model == request.end() || !model->is_string())
      return InvalidArgument("'model' must be a string");
    auto snap = Current();
    Planned p = PlanRoute(*snap, model->get<std::string>(), /*explain=*/true);
    RoutePlan out;
    out.model = model->get<std::string>();
    out.skipped = p.skipped;
    out.explanation = p.error_status ? p.error_message : p.explanation;
    auto now = options_.clock->Monotonic();
    bool first_usable = true;
    for (const auto& c : p.candidates) {
      RouteCandidate rc;
      rc.provider = c.provider->config.name;
      rc.key_id = c.key->config.id;
      rc.masked_key = c.key->masked;
      rc.upstream_model = c.upstream_model;
      BreakerState st = c.key->breaker.state(now);
      rc.state = std::string(BreakerStateName(st));
      rc.reason = c.reason;
      if (st == BreakerState::kOpen || st == BreakerState::kDead) {
        rc.reason += "; skipped now: breaker " + rc.state + " for " +
                     std::to_string(c.key->breaker.RemainingOpen(now).count()) + " ms";
      } else if (first_usable) {
        rc.reason += "; would serve this request";
        first_usable = false;
      }
      out.candidates.push_back(std::move(rc));
    }
    return out;
  }

  void Complete(std::string body, http::HttpClient& client, WriterPtr writer) override {
    RunContext ctx;
    ctx.inline_client = &client;
    ctx.owner = shared_from_this();
    StartChat(env_, Current(), std::move(body), std::move(ctx), std::move(writer));
  }

  json Describe() const override {
    auto snap = Current();
    auto now = options_.clock->Monotonic();
    json providers = json::array();
    for (const auto& p : snap->providers) {
      json keys = json::array();
      int healthy = 0;
      for (const auto& k : p->keys) {
        BreakerState st = k->breaker.state(now);
        if (st == BreakerState::kClosed || st == BreakerState::kHalfOpen) ++healthy;
        keys.push_back({{"id", k->config.id},
                        {"key", k->masked},
                        {"origin", k->config.origin},
                        {"priority", k->config.priority},
                        {"breaker", BreakerStateName(st)},
                        {"open_for_ms", k->breaker.RemainingOpen(now).count()},
                        {"consecutive_failures", k->breaker.consecutive_failures()},
                        {"requests", k->requests.load()},
                        {"failures", k->failures.load()}});
      }
      providers.push_back({{"name", p->config.name},
                           {"kind", KindName(p->config.kind)},
                           {"base_url", p->config.base_url},
                           {"priority", p->config.priority},
                           {"fallback", p->config.fallback},
                           {"always_use_this_key", p->config.always_use_this_key},
                           {"models", p->config.models},
                           {"health", p->keys.empty()                              ? "no_keys"
                                      : healthy == 0                               ? "down"
                                      : healthy < static_cast<int>(p->keys.size()) ? "degraded"
                                                                                   : "ok"},
                           {"keys", std::move(keys)}});
    }
    json out = {{"config", options_.config.source}, {"providers", std::move(providers)}};
    if (ledger_) {
      auto summary = ledger_->Summary();
      if (summary.ok()) {
        json usage = json::array();
        for (const auto& r : *summary)
          usage.push_back({{"provider", r.provider},
                           {"key_id", r.key_id},
                           {"requests", r.requests},
                           {"errors", r.errors},
                           {"total_tokens", r.total_tokens},
                           {"avg_latency_ms", r.avg_latency_ms}});
        out["usage"] = std::move(usage);
      }
    }
    return out;
  }

  std::string MetricsText() const override {
    return metrics_.Text(*Current(), options_.clock->Monotonic(), ledger_.get());
  }

  Ledger* ledger() override { return ledger_.get(); }

  void Shutdown() override {
    stopping_.store(true);
    if (executor_) executor_->Shutdown();
    if (ledger_) (void)ledger_->Flush();
  }

 private:
  std::shared_ptr<KeyState> NewKey(const KeyConfig& k) {
    auto ks = std::make_shared<KeyState>(k, options_.config.router.breaker);
    ks->auth_header = "Bearer " + k.secret;
    redactor_->AddSecret(k.secret);
    return ks;
  }

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard<std::mutex> lock(snap_mu_);
    return snapshot_;
  }

  void SubmitChat(std::string body, http::EventLoop* loop, WriterPtr w) {
    if (stopping_.load())
      return w->Respond(ErrorResponse(503, "the gateway is shutting down", "service_unavailable",
                                      "shutting_down"));
    RunContext ctx;
    ctx.loop = loop;
    ctx.executor = executor_.get();
    ctx.owner = shared_from_this();
    StartChat(env_, Current(), std::move(body), std::move(ctx), std::move(w));
  }

  void Models(WriterPtr w) {
    auto snap = Current();
    json data = json::array();
    std::int64_t created =
        std::chrono::duration_cast<std::chrono::seconds>(options_.clock->Now().time_since_epoch())
            .count();
    bool any_models = false;
    for (const auto& p : snap->providers) {
      for (const auto& m : p->config.models) {
        any_models = true;
        data.push_back({{"id", p->config.name + "/" + m},
                        {"object", "model"},
                        {"created", created},
                        {"owned_by", p->config.name}});
      }
    }
    if (any_models)
      data.insert(data.begin(), json{{"id", "auto"},
                                     {"object", "model"},
                                     {"created", created},
                                     {"owned_by", "spacefactory"}});
    // Providers without a `models` list: ask them (on a worker), prefix with the provider name.
    std::vector<std::shared_ptr<ProviderState>> ask;
    for (const auto& p : snap->providers)
      if (p->config.models.empty() && !p->keys.empty()) ask.push_back(p);
    if (ask.empty()) {
      w->Respond(http::JsonResponse(200, json{{"object", "list"}, {"data", data}}.dump()));
      return;
    }
    bool ok = executor_->Submit([ask, data, w, created](http::HttpClient& client) mutable {
      for (const auto& p : ask) {
        http::Request r;
        r.url = p->config.base_url + "/models";
        r.headers = {{"Authorization", p->keys.front()->auth_header}};
        r.total_timeout = Ms(5000);
        auto res = client.Send(r);
        if (!res.ok() || res->status != 200) continue;
        json j = json::parse(res->body, nullptr, false);
        if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) continue;
        for (const auto& m : j["data"]) {
          if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
          data.push_back({{"id", p->config.name + "/" + m["id"].get<std::string>()},
                          {"object", "model"},
                          {"created", m.value("created", created)},
                          {"owned_by", p->config.name}});
        }
      }
      w->Respond(http::JsonResponse(200, json{{"object", "list"}, {"data", data}}.dump()));
    });
    if (!ok)
      w->Respond(ErrorResponse(503, "the gateway is shutting down", "service_unavailable",
                               "shutting_down"));
  }

  http::Response AddKey(const std::string& provider, const std::string& body) {
    if (!keystore_)
      return ErrorResponse(503, "no key store (serve runs without a state directory)",
                           "service_unavailable", "no_key_store");
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("key") || !j["key"].is_string() ||
        j["key"].get<std::string>().empty())
      return ErrorResponse(400,
                           "body must be {\"key\": \"…\", \"label\"?: \"…\", \"priority\"?: bool}",
                           "invalid_request_error", "invalid_type", "key");
    std::lock_guard<std::mutex> lock(keys_mu_);
    auto snap = Current();
    const ProviderState* p = snap->Find(provider);
    if (p == nullptr)
      return ErrorResponse(404, "no provider named '" + provider + "' in " + options_.config.source,
                           "invalid_request_error", "provider_not_found");
    KeyConfig k;
    k.secret = j["key"].get<std::string>();
    for (char ch : k.secret)
      if (static_cast<unsigned char>(ch) < 0x21 || ch == 0x7f)
        return ErrorResponse(400, "the key contains whitespace or control characters",
                             "invalid_request_error", "invalid_key", "key");
    for (const auto& existing : p->keys)
      if (existing->config.secret == k.secret)
        return ErrorResponse(409, "this key is already configured as " + existing->config.id,
                             "invalid_request_error", "duplicate_key", "key");
    k.label = j.value("label", "");
    k.priority = j.value("priority", false);
    k.origin = "api";
    std::uint32_t r = std::random_device{}();
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", r);
    k.id = provider + "#api-" + (k.label.empty() ? std::string(suffix) : k.label);
    Status s = keystore_->Add(provider, k);
    if (!s.ok())
      return ErrorResponse(s.code() == Code::kAlreadyExists ? 409 : 500, s.message(),
                           "server_error", "key_store");
    auto next = std::make_shared<Snapshot>(*snap);
    for (auto& ps : next->providers) {
      if (ps->config.name != provider) continue;
      auto keys = ps->keys;
      keys.push_back(NewKey(k));
      ps = MakeProvider(ps->config, keys, *env_ptr_);
    }
    Replace(std::move(next));
    return http::JsonResponse(201, json{{"id", k.id}, {"key", MaskSecret(k.secret)}}.dump());
  }

  http::Response RemoveKey(const std::string& provider, const std::string& id) {
    if (!keystore_)
      return ErrorResponse(503, "no key store", "service_unavailable", "no_key_store");
    std::lock_guard<std::mutex> lock(keys_mu_);
    Status s = keystore_->Remove(provider, id);
    if (!s.ok())
      return ErrorResponse(s.code() == Code::kNotFound ? 404 : 500,
                           s.message() + " (only keys added through the API can be removed)",
                           "invalid_request_error", "key_not_found");
    auto next = std::make_shared<Snapshot>(*Current());
    for (auto& ps : next->providers) {
      if (ps->config.name != provider) continue;
      std::vector<std::shared_ptr<KeyState>> keys;
      for (const auto& k : ps->keys)
        if (k->config.id != id) keys.push_back(k);
      ps = MakeProvider(ps->config, keys, *env_ptr_);
    }
    Replace(std::move(next));
    return http::JsonResponse(200, json{{"removed", id}}.dump());
  }

  void Replace(std::shared_ptr<const Snapshot> next) {
    std::lock_guard<std::mutex> lock(snap_mu_);
    snapshot_ = std::move(next);
  }

  GatewayOptions options_;
  SystemClock system_clock_;
  ProcessEnv process_env_;
  const Env* env_ptr_ = nullptr;  // proxy variables (which upstreams can run on the io thread)
  std::shared_ptr<Redactor> redactor_;
  std::unique_ptr<KeyStore> keystore_;
  std::unique_ptr<Ledger> ledger_;
  Metrics metrics_;
  mutable std::mutex snap_mu_;
  std::mutex keys_mu_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<bool> stopping_{false};
  JsonParsers parsers_;
  ExecEnv env_;
  std::unique_ptr<Executor> executor_;  // last: its workers use everything above
};

}  // namespace
}  // namespace internal

Result<std::shared_ptr<Gateway>> Gateway::Create(GatewayOptions options) {
  auto g = std::make_shared<internal::GatewayImpl>(std::move(options));
  SF_RETURN_IF_ERROR(g->Init());
  return std::shared_ptr<Gateway>(std::move(g));
}

Status MountGateway(http::Router& router, const MountOptions& options) {
  if (options.fs == nullptr || options.env == nullptr)
    return Internal("MountGateway needs a filesystem and an environment");
  SF_ASSIGN_OR_RETURN(AgenticConfig config,
                      LoadAgenticConfig(*options.fs, *options.env, options.config_path));
  GatewayOptions go;
  go.config = std::move(config);
  go.state_dir = options.state_dir;
  go.fs = options.fs;
  go.logger = options.logger;
  go.env = options.env;
  SF_ASSIGN_OR_RETURN(auto gateway, Gateway::Create(std::move(go)));
  gateway->Mount(router);
  return Status::Ok();
}

}  // namespace sf::providers
