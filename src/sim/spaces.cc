// Spaces: the runtime state machine, builds (requirements check + `python -m py_compile`), hardware
// requests (ZeroGPU caps, payment method), sleep time, pause/restart, secrets, variables, and the
// build/run log streams (SSE).
//
// Stages, computed from the clock at each request: PAUSED; CONFIG_ERROR (README front matter does
// not parse); NO_APP_FILE (gradio/streamlit: app_file, default app.py; docker: Dockerfile; static:
// index.html); BUILDING for build_delay (and until the py_compile check finished); BUILD_ERROR
// (a requirements.txt line that is not a requirement, or app.py does not compile); APP_STARTING
// for startup_delay; RUNTIME_ERROR when app.py contains the marker `SIM_RUNTIME_ERROR`; RUNNING.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "sim/state.h"

extern char** environ;

namespace sf::sim {
namespace {

struct Flavor {
  const char* name;
  const char* pretty;
  double usd_per_hour;
};
constexpr Flavor kFlavors[] = {
    {"cpu-basic", "CPU basic", 0.0},
    {"cpu-upgrade", "CPU upgrade", 0.03},
    {"zero-a10g", "ZeroGPU", 0.0},
    {"t4-small", "Nvidia T4 - small", 0.40},
    {"t4-medium", "Nvidia T4 - medium", 0.60},
    {"l4x1", "1x Nvidia L4", 0.80},
    {"l4x4", "4x Nvidia L4", 3.80},
    {"l40sx1", "1x Nvidia L40S", 1.80},
    {"l40sx4", "4x Nvidia L40S", 8.30},
    {"l40sx8", "8x Nvidia L40S", 23.50},
    {"a10g-small", "Nvidia A10G - small", 1.00},
    {"a10g-large", "Nvidia A10G - large", 1.50},
    {"a10g-largex2", "2x Nvidia A10G - large", 3.00},
    {"a10g-largex4", "4x Nvidia A10G - large", 5.00},
    {"a100-large", "Nvidia A100 - large", 2.50},
    {"a100x4", "4x Nvidia A100", 10.0},
    {"a100x8", "8x Nvidia A100", 20.0},
    {"cpu-xl", "CPU XL", 1.0},
    {"cpu-performance", "CPU performance", 0.5},
};

const Flavor* FindFlavor(const std::string& name) {
  for (const Flavor& f : kFlavors) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

// A requirements.txt line pip would accept, roughly: a name with extras and version specifiers,
// an environment marker, options (-r, -e, --index-url …), or a URL / VCS reference.
bool IsRequirementLine(const std::string& raw) {
  std::string line = raw.substr(0, raw.find(" #"));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.pop_back();
  }
  std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string::npos || line[start] == '#') return true;
  line = line.substr(start);
  if (line[0] == '-') return true;
  if (line.find("://") != std::string::npos || line.rfind("git+", 0) == 0) return true;
  static const std::regex kReq(
      R"(^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,\s-]*\])?\s*)"
      R"(((===|==|>=|<=|~=|!=|>|<)\s*[A-Za-z0-9.*+!_-]+\s*(,\s*(===|==|>=|<=|~=|!=|>|<)\s*[A-Za-z0-9.*+!_-]+\s*)*)?)"
      R"((;.*)?$)");
  return std::regex_match(line, kReq);
}

// Runs `python -m py_compile file`; returns "" on success, the error text on a syntax error,
// nullopt when the interpreter could not be run.
std::optional<std::string> PyCompile(const std::string& python, const std::string& source) {
  char src_path[] = "/tmp/sf-sim-app-XXXXXX";
  int fd = mkstemp(src_path);
  if (fd < 0) return std::nullopt;
  {
    std::size_t off = 0;
    while (off < source.size()) {
      ssize_t n = write(fd, source.data() + off, source.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    close(fd);
  }
  char err_path[] = "/tmp/sf-sim-err-XXXXXX";
  int efd = mkstemp(err_path);
  if (efd < 0) {
    unlink(src_path);
    return std::nullopt;
  }
  close(efd);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_TRUNC, 0600);
  std::string module = "py_compile";
  std::string dash_m = "-m";
  std::vector<char*> argv = {const_cast<char*>(python.c_str()), dash_m.data(), module.data(),
                             src_path, nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, python.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  std::optional<std::string> result;
  if (rc == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      result = "";
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 127) {
      std::ifstream in(err_path);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      // Point at app.py rather than the temp file.
      for (std::size_t p = text.find(src_path); p != std::string::npos; p = text.find(src_path)) {
        text.replace(p, std::strlen(src_path), "app.py");
      }
      result = text.empty() ? "app.py does not compile" : text.substr(0, 4000);
    }
  }
  unlink(src_path);
  unlink(err_path);
  return result;
}

std::string AppFile(const Repo& repo, const FileMap& files) {
  const std::string& sdk = repo.space->sdk;
  if (sdk == "docker") return "Dockerfile";
  if (sdk == "static") return "index.html";
  if (auto it = files.find("README.md"); it != files.end()) {
    std::string error;
    auto fm = FrontMatter(it->second->content, &error);
    if (fm && fm->contains("app_file") && (*fm)["app_file"].is_string()) return (*fm)["app_file"];
  }
  return "app.py";
}

}  // namespace

void Hub::StartBuild(Repo& repo) {
  SpaceState& sp = *repo.space;
  const CommitInfo& head = repo.head();
  const FileMap& files = *head.files;
  TimePoint now = clock_.Now();
  ++sp.generation;
  sp.build_started = now;
  sp.check_done = true;
  sp.build_error.clear();
  sp.config_error.clear();
  sp.runtime_error = false;
  sp.paused = false;
  sp.runtime_sha = head.oid;
  sp.build_log.clear();
  sp.run_log.clear();
  auto at = [&](std::chrono::milliseconds d) {
    return now + std::chrono::duration_cast<TimePoint::duration>(d);
  };
  sp.build_log.push_back({now, "===== Build Queued at " + FormatIso8601(now) +
                                   " / Commit SHA: " + head.oid.substr(0, 7) + " ====="});
  if (auto it = files.find("README.md"); it != files.end()) {
    std::string error;
    auto fm = FrontMatter(it->second->content, &error);
    if (!fm)
      sp.config_error = "Invalid README.md YAML front matter: " + error;
    else if (fm->contains("sdk") && (*fm)["sdk"].is_string())
      sp.sdk = (*fm)["sdk"];
  }
  std::string app_file = AppFile(repo, files);
  if (!sp.config_error.empty() || !files.count(app_file)) return;
  auto half = options_.build_delay / 2;
  sp.build_log.push_back({at(half / 2), "--> FROM docker.io/library/python:3.10"});
  if (auto req = files.find("requirements.txt"); req != files.end()) {
    std::istringstream in(req->second->content);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!IsRequirementLine(line)) {
        sp.build_error = "ERROR: Invalid requirement: '" + line.substr(0, 200) + "' (from line " +
                         std::to_string(n) + " of requirements.txt)";
        sp.build_log.push_back({at(half), sp.build_error});
        break;
      }
      std::size_t s = line.find_first_not_of(" \t");
      if (s != std::string::npos && line[s] != '#' && line[s] != '-') {
        sp.build_log.push_back({at(half), "Collecting " + line.substr(s)});
      }
    }
  }
  const std::string& app = files.at(app_file)->content;
  sp.runtime_error = app.find("SIM_RUNTIME_ERROR") != std::string::npos;
  if (sp.build_error.empty() && options_.check_python && app_file.size() > 3 &&
      app_file.substr(app_file.size() - 3) == ".py") {
    sp.check_done = false;
    std::string key = RepoKey(repo.type, repo.id);
    std::uint64_t gen = sp.generation;
    scheduler_.After(std::chrono::milliseconds(0), [this, key, gen, app] {
      auto result = PyCompile(options_.python, app);
      std::lock_guard<std::mutex> lock(mu_);
      auto it = repos_.find(key);
      if (it == repos_.end() || !it->second.space || it->second.space->generation != gen) return;
      SpaceState& s = *it->second.space;
      s.check_done = true;
      TimePoint t = s.build_started +
                    std::chrono::duration_cast<TimePoint::duration>(options_.build_delay / 2);
      if (!result) {
        s.build_log.push_back(
            {t, "[sim] " + options_.python + " could not be run: app.py syntax not checked"});
      } else if (!result->empty()) {
        s.build_error = *result;
        s.build_log.push_back({t, *result});
      }
    });
  }
  if (sp.build_error.empty()) {
    sp.build_log.push_back({at(options_.build_delay), "--> Pushing image"});
    TimePoint run = at(options_.build_delay + options_.startup_delay);
    sp.run_log.push_back({at(options_.build_delay),
                          "===== Application Startup at " + FormatIso8601(run) + " ====="});
    if (sp.runtime_error) {
      sp.run_log.push_back({run, "RuntimeError: SIM_RUNTIME_ERROR marker found in " + app_file});
    } else {
      sp.run_log.push_back({run, "* Running on local URL:  http://0.0.0.0:7860"});
    }
  }
}

std::string Hub::SpaceStage(const Repo& repo) const {
  const SpaceState& sp = *repo.space;
  if (sp.paused) return "PAUSED";
  if (!sp.config_error.empty()) return "CONFIG_ERROR";
  if (!repo.head().files->count(AppFile(repo, *repo.head().files))) return "NO_APP_FILE";
  if (SpaceStuckBuilding(repo)) return "BUILDING";  // space behaviour "building"
  TimePoint now = clock_.Now();
  auto built =
      sp.build_started + std::chrono::duration_cast<TimePoint::duration>(options_.build_delay);
  if (now < built || !sp.check_done) return "BUILDING";
  if (!sp.build_error.empty()) return "BUILD_ERROR";
  if (now < built + std::chrono::duration_cast<TimePoint::duration>(options_.startup_delay)) {
    return "APP_STARTING";
  }
  if (sp.runtime_error || !SpaceCrash(repo).empty()) return "RUNTIME_ERROR";
  return "RUNNING";
}

json Hub::RuntimeJson(const Repo& repo) const {
  const SpaceState& sp = *repo.space;
  std::string stage = SpaceStage(repo);
  bool up = stage == "RUNNING";
  std::string sub = repo.id;
  for (char& ch : sub) {
    if (ch == '/' || ch == '_' || ch == '.') ch = '-';
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  json out = {
      {"stage", stage},
      {"hardware",
       {{"current", up ? json(sp.hardware) : json(nullptr)}, {"requested", sp.hardware}}},
      {"storage", nullptr},
      {"gcTimeout", sp.sleep_time ? json(*sp.sleep_time)
                                  : (sp.hardware == "cpu-basic" ? json(172800) : json(nullptr))},
      {"replicas", up ? json{{"requested", 1}, {"current", 1}} : json{{"requested", 1}}},
      {"devMode", false},
      {"domains", json::array({{{"domain", sub + ".hf.space"}, {"stage", "READY"}}})},
      {"sha", sp.runtime_sha},
      {"sdk", sp.sdk}};
  if (stage == "BUILD_ERROR") out["errorMessage"] = sp.build_error;
  if (stage == "CONFIG_ERROR") out["errorMessage"] = sp.config_error;
  if (stage == "RUNTIME_ERROR") {
    out["errorMessage"] =
        sp.runtime_error ? "Exit code: 1. Reason: SIM_RUNTIME_ERROR" : SpaceCrash(repo);
  }
  return out;
}

void Hub::AddSpaceRoutes(http::Router& r) {
  r.Get("/api/spaces/hardware", [](http::ServerRequest&, WriterPtr w) {
    json out = json::array();
    for (const Flavor& f : kFlavors) {
      out.push_back({{"name", f.name},
                     {"prettyName", f.pretty},
                     {"unitCostUSD", f.usd_per_hour / 60.0},
                     {"unitLabel", "minute"},
                     {"unitCostMicroUSD", static_cast<long>(f.usd_per_hour / 60.0 * 1e6)}});
    }
    w->Respond(Json(200, out));
  });

  // Every /api/spaces/{ns}/{name}/<action> route: find the Space with the needed access, then act.
  using Action =
      std::function<http::Response(Repo&, const Caller&, const http::ServerRequest&, const json&)>;
  auto space_route = [this](Need need, bool json_body, Action action) {
    return [this, need, json_body, action](http::ServerRequest& req, WriterPtr w) {
      json body = json::object();
      http::Response err;
      if (json_body && !req.body.empty()) {
        auto b = JsonBody(req, &err);
        if (!b) return w->Respond(std::move(err));
        body = *b;
      }
      std::lock_guard<std::mutex> lock(mu_);
      Caller c = Authenticate(req);
      Repo* repo =
          FindRepo("space", req.PathParam("ns") + "/" + req.PathParam("name"), c, need, &err);
      if (!repo) return w->Respond(std::move(err));
      w->Respond(action(*repo, c, req, body));
    };
  };

  // Where a Gradio client connects (JS client: GET …/host; the sim serves the app itself).
  r.Get("/api/spaces/{ns}/{name}/host",
        space_route(Need::kMeta, false,
                    [this](Repo& repo, const Caller&, const http::ServerRequest&, const json&) {
                      std::string sub = repo.id;
                      for (char& ch : sub) {
                        if (ch == '/' || ch == '_' || ch == '.') ch = '-';
                        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                      }
                      return Json(200, {{"subdomain", sub}, {"host", SpaceHostUrl(repo)}});
                    }));
  r.Get("/api/spaces/{ns}/{name}/runtime",
        space_route(Need::kMeta, false,
                    [this](Repo& repo, const Caller&, const http::ServerRequest&, const json&) {
                      return Json(200, RuntimeJson(repo));
                    }));

  r.Post(
      "/api/spaces/{ns}/{name}/hardware",
      space_route(
          Need::kWrite, true,
          [this](Repo& repo, const Caller&, const http::ServerRequest&, const json& body) {
            if (!body.contains("flavor") || !body["flavor"].is_string()) {
              return Error(400, "Missing 'flavor'");
            }
            std::string flavor = body["flavor"];
            const Flavor* f = FindFlavor(flavor);
            if (!f) return Error(400, "Invalid hardware flavor '" + flavor.substr(0, 40) + "'");
            const User& owner = users_.at(repo.owner);
            if (flavor == "zero-a10g") {
              if (repo.space->sdk != "gradio") {
                return Error(400, "ZeroGPU hardware is only available for Gradio Spaces");
              }
              if (options_.zero_gpu.rfind("deny:", 0) == 0) {
                int status = std::atoi(options_.zero_gpu.c_str() + 5);
                if (status < 400 || status > 499) status = 403;
                return Error(status, status == 402
                                         ? "ZeroGPU hardware requires a PRO subscription. "
                                           "Subscribe at " +
                                               url_ + "/pro"
                                         : "You are not allowed to use ZeroGPU hardware for this "
                                           "Space (simulated refusal)");
              }
              int cap = owner.type == "org" ? 50 : (owner.plan == "free" ? 2 : 10);
              int used = 0;
              for (const auto& [key, other] : repos_) {
                if (other.space && other.owner == repo.owner && &other != &repo &&
                    other.space->hardware == "zero-a10g") {
                  ++used;
                }
              }
              if (used >= cap) {
                return Error(403, "You have reached the maximum number of ZeroGPU Spaces (" +
                                      std::to_string(cap) + ") for " + repo.owner +
                                      "'s plan. Upgrade to PRO to host more, or move a Space to "
                                      "other hardware.");
              }
            } else if (flavor != "cpu-basic" && !owner.can_pay) {
              return Error(403,
                           "You must add a payment method to your account to upgrade your space's "
                           "hardware. Visit your billing settings to add one: " +
                               url_ + "/settings/billing");
            }
            repo.space->hardware = flavor;
            if (body.contains("sleepTimeSeconds") && body["sleepTimeSeconds"].is_number_integer()) {
              repo.space->sleep_time = body["sleepTimeSeconds"].get<int>();
            }
            StartBuild(repo);
            return Json(200, RuntimeJson(repo));
          }));

  r.Post(
      "/api/spaces/{ns}/{name}/sleeptime",
      space_route(Need::kWrite, true,
                  [this](Repo& repo, const Caller&, const http::ServerRequest&, const json& body) {
                    if (!body.contains("seconds") || !body["seconds"].is_number_integer()) {
                      return Error(400, "Missing integer 'seconds'");
                    }
                    int s = body["seconds"];
                    if (s != -1 && s < 300)
                      return Error(400, "Sleep time must be -1 or at least 300 s");
                    if (repo.space->hardware == "cpu-basic") {
                      return Error(
                          400, "Sleep time cannot be changed on free cpu-basic hardware (48 h)");
                    }
                    repo.space->sleep_time = s;
                    return Json(200, RuntimeJson(repo));
                  }));

  r.Post("/api/spaces/{ns}/{name}/pause",
         space_route(Need::kWrite, false,
                     [this](Repo& repo, const Caller&, const http::ServerRequest&, const json&) {
                       repo.space->paused = true;
                       return Json(200, RuntimeJson(repo));
                     }));
  r.Post("/api/spaces/{ns}/{name}/restart",
         space_route(Need::kWrite, false,
                     [this](Repo& repo, const Caller&, const http::ServerRequest&, const json&) {
                       StartBuild(repo);
                       return Json(200, RuntimeJson(repo));
                     }));

  for (const char* kind : {"secrets", "variables"}) {
    bool secrets = std::string(kind) == "secrets";
    auto listing = [secrets](const SpaceState& sp) {
      json out = json::object();
      for (const auto& [k, v] : secrets ? sp.secrets : sp.variables) {
        json item = {{"updatedAt", FormatIso8601(v.updated)}};
        if (!secrets) item["value"] = v.value;
        if (!v.description.empty()) item["description"] = v.description;
        out[k] = item;
      }
      return out;
    };
    std::string base = std::string("/api/spaces/{ns}/{name}/") + kind;
    r.Get(base, space_route(Need::kWrite, false,
                            [listing](Repo& repo, const Caller&, const http::ServerRequest&,
                                      const json&) { return Json(200, listing(*repo.space)); }));
    r.Post(base, space_route(Need::kWrite, true,
                             [this, secrets, listing](Repo& repo, const Caller&,
                                                      const http::ServerRequest&, const json& b) {
                               if (!b.contains("key") || !b["key"].is_string() ||
                                   b["key"].get<std::string>().empty()) {
                                 return Error(400, "Missing 'key'");
                               }
                               if (b.contains("value") && !b["value"].is_string()) {
                                 return Error(400, "'value' must be a string");
                               }
                               KeyValue kv{b.value("value", std::string()),
                                           b.contains("description") && b["description"].is_string()
                                               ? b["description"].get<std::string>()
                                               : std::string(),
                                           clock_.Now()};
                               (secrets ? repo.space->secrets : repo.space->variables)[b["key"]] =
                                   kv;
                               StartBuild(repo);  // changing the environment restarts the Space
                               return Json(200, secrets ? json::object() : listing(*repo.space));
                             }));
    r.Delete(base, space_route(Need::kWrite, true,
                               [this, secrets, listing](Repo& repo, const Caller&,
                                                        const http::ServerRequest&, const json& b) {
                                 if (!b.contains("key") || !b["key"].is_string()) {
                                   return Error(400, "Missing 'key'");
                                 }
                                 (secrets ? repo.space->secrets : repo.space->variables)
                                     .erase(b["key"].get<std::string>());
                                 StartBuild(repo);
                                 return Json(200, secrets ? json::object() : listing(*repo.space));
                               }));
  }

  r.Get("/api/spaces/{ns}/{name}/logs/{kind}", [this](http::ServerRequest& req, WriterPtr w) {
    std::string kind = req.PathParam("kind");
    if (kind != "build" && kind != "run") return w->Respond(Error(404, "Unknown log kind"));
    std::string key = RepoKey("space", req.PathParam("ns") + "/" + req.PathParam("name"));
    {
      std::lock_guard<std::mutex> lock(mu_);
      Caller c = Authenticate(req);
      http::Response err;
      if (!FindRepo("space", req.PathParam("ns") + "/" + req.PathParam("name"), c, Need::kWrite,
                    &err)) {
        return w->Respond(std::move(err));
      }
    }
    w->BeginSse();
    struct Stream {
      std::size_t sent = 0;
      std::uint64_t generation = 0;
      int idle_polls = 0;
    };
    auto st = std::make_shared<Stream>();
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [this, w, st, key, kind, weak = std::weak_ptr<std::function<void()>>(pump)] {
      std::vector<std::string> frames;
      bool done = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = repos_.find(key);
        if (it == repos_.end()) {
          done = true;
        } else {
          const SpaceState& sp = *it->second.space;
          if (st->generation == 0) st->generation = sp.generation;
          if (sp.generation != st->generation) {
            done = true;  // a new build started: the client reconnects for the new log
          } else {
            const auto& lines = kind == "build" ? sp.build_log : sp.run_log;
            TimePoint now = clock_.Now();
            while (st->sent < lines.size() && lines[st->sent].at <= now) {
              const LogLine& l = lines[st->sent++];
              frames.push_back(http::FormatSseEvent(
                  {"message",
                   json{{"data", l.text + "\n"}, {"timestamp", FormatIso8601(l.at)}}.dump(), ""}));
            }
            std::string stage = SpaceStage(it->second);
            bool moving = stage == "BUILDING" || stage == "APP_STARTING";
            done = !moving && st->sent >= lines.size();
          }
        }
      }
      for (auto& f : frames) w->Write(std::move(f));
      if (frames.empty() && ++st->idle_polls % 50 == 0) w->WriteComment("keep-alive");
      if (done || w->closed()) {
        w->End();
        return;
      }
      if (auto self = weak.lock()) {
        scheduler_.After(std::chrono::milliseconds(100), [self] { (*self)(); });
      }
    };
    // The scheduler's copy keeps the closure alive while it is pending.
    scheduler_.After(std::chrono::milliseconds(0), [pump] { (*pump)(); });
  });
}

}  // namespace sf::sim
