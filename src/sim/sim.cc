// Simulator wiring: users, the request wrapper (auth gate, request ids, rate-limit headers,
// faults), the admin routes, Start/Stop, and the `sim` command.
#include "sim/sim.h"

#include <pthread.h>
#include <signal.h>

#include <ostream>

#include "http/http.h"
#include "sim/hash.h"
#include "sim/providers.h"
#include "sim/state.h"

namespace sf::sim {
namespace {

// Adds headers to whatever the handler answers; optionally cuts the body (the truncate fault):
// half of the body goes out, then the connection drops (Abort) without the final chunk, as when a
// connection dies mid-body — every HTTP client can tell (a cleanly ended short body would be
// indistinguishable from a short file).
class DecoratingWriter final : public http::ResponseWriter {
 public:
  DecoratingWriter(WriterPtr inner, http::Headers extra, bool truncate)
      : inner_(std::move(inner)), extra_(std::move(extra)), truncate_(truncate) {}

  void Respond(http::Response response) override {
    for (auto& h : extra_) response.headers.push_back(h);
    if (!truncate_) {
      inner_->Respond(std::move(response));
      return;
    }
    // Declared length vs delivered bytes: a chunked body that stops at half.
    response.headers.emplace_back("X-Sim-Declared-Length", std::to_string(response.body.size()));
    inner_->Begin(response.status, std::move(response.headers));
    std::string half = response.body.substr(0, response.body.size() / 2);
    if (!half.empty()) inner_->Write(std::move(half));
    inner_->Abort();
    done_ = true;
  }
  void Begin(int status, http::Headers headers) override {
    for (auto& h : extra_) headers.push_back(h);
    inner_->Begin(status, std::move(headers));
  }
  void Write(std::string data) override {
    if (done_) return;
    if (truncate_) {
      data.resize(data.size() / 2);
      if (!data.empty()) inner_->Write(std::move(data));
      inner_->Abort();
      done_ = true;
      return;
    }
    inner_->Write(std::move(data));
  }
  void End() override {
    if (done_) return;
    done_ = true;
    inner_->End();
  }
  void Abort() override {
    done_ = true;
    inner_->Abort();
  }
  bool closed() const override { return done_ || inner_->closed(); }

 private:
  WriterPtr inner_;
  http::Headers extra_;
  bool truncate_;
  std::atomic<bool> done_{false};
};

// Copies what a deferred handler needs (the original request object dies with the io call).
struct DeferredRequest {
  http::ServerRequest req;
  WriterPtr writer;
};

}  // namespace

void Hub::CreateBuiltinUsers() {
  auto add_user = [&](std::string name, std::string fullname, std::string type, std::string plan,
                      bool can_pay, std::vector<std::string> orgs) {
    User u;
    u.name = name;
    u.fullname = std::move(fullname);
    u.type = std::move(type);
    u.plan = std::move(plan);
    u.can_pay = can_pay;
    u.mongo_id = NewMongoId();
    u.orgs = std::move(orgs);
    users_[name] = std::move(u);
  };
  add_user("sim-user", "Sim User", "user", "pro", true, {"sim-org"});
  add_user("sim-other", "Other Sim User", "user", "free", false, {});
  add_user("sim-org", "Sim Org", "org", "team", true, {});
  tokens_["hf_" + NewSecret(34)] = {"sim-user", "write", "sim-default"};
  tokens_["hf_" + NewSecret(34)] = {"sim-other", "write", "sim-other"};
  tokens_["hf_" + NewSecret(34)] = {"sim-user", "read", "sim-read-only"};
}

std::string Hub::token_for(std::string_view user) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [token, info] : tokens_) {
    if (user == "sim-reader" && info.user == "sim-user" && info.role == "read") return token;
    if (info.user == user && info.role == "write") return token;
  }
  return "";
}

http::Handler Hub::Wrap(http::Handler inner) {
  return [this, inner](http::ServerRequest& req, WriterPtr writer) {
    std::string request_id;
    if (auto h = req.Header("X-Request-Id"))
      request_id = *h;
    else if (auto t = req.Header("X-Amzn-Trace-Id"))
      request_id = "Root=1-sim;" + *t;
    else {
      std::lock_guard<std::mutex> lock(mu_);
      request_id = "Root=1-sim-" + NewOid().substr(0, 24);
    }
    // Says "this is not the Hub" on every answer, so runs against the simulator are marked
    // simulated from what was observed, not from a guess about the URL.
    http::Headers extra = {{"X-Request-Id", request_id},
                           {"X-Spacefactory-Simulator", "1"},
                           {"RateLimit", "\"api\";r=999;t=300"},
                           {"RateLimit-Policy", "\"fixed window\";\"api\";q=1000;w=300"}};
    // /_sim/lfs/* is the simulated LFS storage (upload PUT, verify), not an admin route: faultable.
    const bool admin = req.path.rfind("/_sim/", 0) == 0 && req.path.rfind("/_sim/lfs/", 0) != 0;
    std::optional<FaultAction> fault;
    if (!admin) fault = faults_.Decide(req.method, req.path);
    if (fault) extra.emplace_back("X-Sim-Fault", std::string(FaultKindName(fault->kind)));
    bool truncate = fault && fault->kind == FaultKind::kTruncate;
    auto w = std::make_shared<DecoratingWriter>(std::move(writer), std::move(extra), truncate);
    if (fault && fault->kind == FaultKind::kStatus) {
      http::Response r =
          Error(fault->status, "Simulated fault: HTTP " + std::to_string(fault->status) +
                                   " (rule '" + fault->rule + "')");
      if (fault->retry_after >= 0) {
        r.headers.emplace_back("Retry-After", std::to_string(fault->retry_after));
        if (fault->status == 429) {
          r.headers.emplace_back("RateLimit",
                                 "\"api\";r=0;t=" + std::to_string(fault->retry_after));
        }
      }
      w->Respond(std::move(r));
      return;
    }
    if (fault && fault->kind == FaultKind::kReset) {
      // Drop the connection (RST) without an answer; the request is not applied.
      w->Abort();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      Caller caller = Authenticate(req);
      // Space apps (/_spaces/) answer a bad token like the Spaces proxy: 404 HTML, not 401.
      if (caller.invalid && req.path.rfind("/_sim/", 0) != 0 &&
          req.path.rfind("/_spaces/", 0) != 0) {
        w->Respond(Error(401, "Invalid credentials in Authorization header"));
        return;
      }
    }
    if (fault && fault->kind == FaultKind::kSlow) {
      auto d = std::make_shared<DeferredRequest>(DeferredRequest{req, w});
      scheduler_.After(std::chrono::milliseconds(fault->delay_ms),
                       [inner, d] { inner(d->req, d->writer); });
      return;
    }
    inner(req, w);
  };
}

void Hub::RegisterRoutes(http::Router& r) {
  r.Get("/_sim/health", [](http::ServerRequest&, WriterPtr w) {
    w->Respond(Json(200, {{"ok", true}}));
  });
  r.Get("/_sim/faults", [this](http::ServerRequest&, WriterPtr w) {
    w->Respond(Json(200, {{"rules", faults_.Describe()}}));
  });
  r.Post("/_sim/faults", [this](http::ServerRequest& req, WriterPtr w) {
    Status s = faults_.Set(req.body);
    if (!s.ok()) return w->Respond(Error(400, s.message()));
    w->Respond(Json(200, {{"rules", faults_.Describe()}}));
  });
  r.Delete("/_sim/faults", [this](http::ServerRequest&, WriterPtr w) {
    faults_.Clear();
    w->Respond(Json(200, {{"rules", json::array()}}));
  });
  // How many commits a repo has (all refs) and its main tip: lets tests prove that a commit was
  // applied exactly once. Private repos included (admin view, loopback only).
  r.Get("/_sim/commits/{type}/{ns}/{name}", [this](http::ServerRequest& req, WriterPtr w) {
    if (req.remote_address.rfind("127.", 0) != 0 && req.remote_address != "::1") {
      return w->Respond(Error(403, "admin views are only given to loopback callers"));
    }
    std::string type = SingularType(req.PathParam("type"));
    std::string id = req.PathParam("ns") + "/" + req.PathParam("name");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = repos_.find(type + ":" + id);
    if (type.empty() || it == repos_.end()) {
      return w->Respond(Error(404, "no such repo: " + type + " " + id));
    }
    const Repo& repo = it->second;
    auto main = repo.refs.find("main");
    w->Respond(Json(200, {{"count", repo.commits.size()},
                          {"main", main == repo.refs.end() ? "" : main->second}}));
  });
  r.Get("/_sim/tokens", [this](http::ServerRequest& req, WriterPtr w) {
    if (req.remote_address.rfind("127.", 0) != 0 && req.remote_address != "::1") {
      return w->Respond(Error(403, "tokens are only listed to loopback callers"));
    }
    json out = json::object();
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [token, info] : tokens_) {
      out[info.user + (info.role == "read" ? ":read" : "")] = token;
    }
    w->Respond(Json(200, out));
  });
  AddSpaceAppRoutes(r);  // /_spaces/{owner}/{name}/… and /_sim/space-behaviours
  AddJobRoutes(r);  // before the generic /api/{type}/{ns}/{name} routes
  AddSpaceRoutes(r);
  AddCommitRoutes(r);
  AddSearchRoutes(r);
  AddRepoRoutes(r);
  r.set_not_found([](http::ServerRequest& req, WriterPtr w) {
    w->Respond(Error(404, "Sorry, we can't find the page you are looking for (" + req.method + " " +
                              req.path.substr(0, 200) + " is not simulated)"));
  });
}

// -----------------------------------------------------------------------------------------------

namespace {

class SimulatorImpl final : public Simulator {
 public:
  SimulatorImpl(SimOptions options, const Clock& clock) : hub_(std::move(options), clock) {}
  ~SimulatorImpl() override { Stop(); }

  Status Init(FileSystem& fs) {
    hub_.CreateBuiltinUsers();
    if (!hub_.options_.data_dir.empty()) {
      SF_RETURN_IF_ERROR(hub_.LoadSeed(fs, hub_.options_.data_dir));
    }
    if (!hub_.options_.faults.empty()) {
      SF_RETURN_IF_ERROR(hub_.faults().Set(hub_.options_.faults).WithContext("--faults"));
    }
    if (!hub_.options_.space_behaviours.empty()) {
      SF_RETURN_IF_ERROR(hub_.SetSpaceBehaviours(hub_.options_.space_behaviours)
                             .WithContext("--space-behaviour"));
    }
    http::Router router;
    hub_.RegisterRoutes(router);
    http::ServerOptions so;
    so.host = hub_.options_.host;
    so.port = hub_.options_.port;
    so.io_threads = hub_.options_.io_threads;
    so.max_body_bytes = hub_.options_.max_body_bytes;
    so.server_header = "spacefactory-sim/" + std::string(Version());
    providers_ = std::make_unique<ProviderSim>(hub_.options_.seed);  // /_providers/ (LLM upstreams)
    SF_ASSIGN_OR_RETURN(server_,
                        http::NewHttpServer(so, providers_->Wrap(hub_.Wrap(router.AsHandler()))));
    hub_.set_url(server_->url());
    http::Router cdn;
    hub_.AddCdnRoutes(cdn);
    so.port = 0;
    so.io_threads = 1;
    SF_ASSIGN_OR_RETURN(cdn_, http::NewHttpServer(so, hub_.Wrap(cdn.AsHandler())));
    hub_.set_cdn_url(cdn_->url());
    return Status::Ok();
  }

  std::string url() const override { return server_->url(); }
  std::string default_token() const override { return hub_.token_for("sim-user"); }
  std::string token_for(std::string_view user) const override { return hub_.token_for(user); }
  Status SetFaults(std::string_view spec) override { return hub_.faults().Set(spec); }
  Status SetSpaceBehaviours(std::string_view spec) override {
    return hub_.SetSpaceBehaviours(spec);
  }
  void Stop() override {
    if (server_) server_->Stop(std::chrono::milliseconds(500));
    if (providers_) providers_->Stop();
    if (cdn_) cdn_->Stop(std::chrono::milliseconds(500));
    hub_.scheduler().Stop();
  }

 private:
  Hub hub_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<http::HttpServer> cdn_;
  std::unique_ptr<ProviderSim> providers_;
};

}  // namespace

Result<std::unique_ptr<Simulator>> Simulator::Start(SimOptions options, FileSystem& fs,
                                                    const Clock& clock) {
  auto sim = std::make_unique<SimulatorImpl>(std::move(options), clock);
  SF_RETURN_IF_ERROR(sim->Init(fs));
  return std::unique_ptr<Simulator>(std::move(sim));
}

int RunSimCommand(const SimOptions& options, std::ostream& out, std::ostream& err) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // threads started below inherit the mask
  auto fs = NewRealFileSystem();
  SystemClock clock;
  auto sim = Simulator::Start(options, *fs, clock);
  if (!sim.ok()) {
    err << "sim: " << sim.status().message() << "\n";
    Code c = sim.status().code();
    return (c == Code::kInvalidArgument || c == Code::kParse || c == Code::kNotFound ||
            c == Code::kIo)
               ? 2
               : 3;
  }
  out << "HF_ENDPOINT=" << (*sim)->url() << "\n"
      << "HF_TOKEN=" << (*sim)->default_token() << "\n"
      << "SIM_OTHER_TOKEN=" << (*sim)->token_for("sim-other") << "\n"
      << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  err << "sim: stopping\n";
  (*sim)->Stop();
  return 0;
}

}  // namespace sf::sim
