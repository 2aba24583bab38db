// Jobs: POST /api/jobs/{ns} → RUNNING → COMPLETED | ERROR (| CANCELED), inspect, list, cancel,
// logs over SSE. Nothing is executed: a job "runs" for job_duration. It ends in ERROR when its
// command contains `exit N` (N ≠ 0) or its environment sets SIM_EXIT_CODE to a non-zero value,
// or when timeoutSeconds is shorter than the simulated run. `echo …` commands print their text.
#include <sstream>

#include "sim/state.h"

namespace sf::sim {
namespace {

constexpr const char* kJobFlavors[] = {"cpu-basic",      "cpu-upgrade",   "cpu-performance",
                                       "cpu-xl",         "t4-small",      "t4-medium",
                                       "l4x1",           "l4x4",          "l40sx1",
                                       "l40sx4",         "l40sx8",        "a10g-small",
                                       "a10g-large",     "a10g-largex2",  "a10g-largex4",
                                       "a100-large",     "a100x4",        "a100x8",
                                       "h200",           "h200x2",        "h200x4",
                                       "h200x8",         "rtx-pro-6000",  "rtx-pro-6000x2",
                                       "rtx-pro-6000x4", "rtx-pro-6000x8"};

}  // namespace

static std::string JobStage(const Job& job, TimePoint now) {
  if (job.canceled) return "CANCELED";
  if (now < job.finish_at) return "RUNNING";
  return job.exit_code == 0 ? "COMPLETED" : "ERROR";
}

static json JobJson(const Job& job, TimePoint now, const std::map<std::string, User>& users) {
  std::string stage = JobStage(job, now);
  json status = {{"stage", stage}, {"message", nullptr}};
  if (stage == "ERROR") {
    status["message"] = job.exit_code == 124
                            ? "Job timed out"
                            : "Job failed with exit code " + std::to_string(job.exit_code);
  }
  json secrets = json::array();
  if (job.spec.contains("secrets") && job.spec["secrets"].is_object()) {
    for (auto it = job.spec["secrets"].begin(); it != job.spec["secrets"].end(); ++it) {
      secrets.push_back(it.key());
    }
  }
  const User& owner = users.at(job.ns);
  const User& initiator = users.at(job.initiator);
  json out = {
      {"id", job.id},
      {"createdAt", FormatIso8601(job.created)},
      {"command", job.spec.value("command", json::array())},
      {"arguments", job.spec.value("arguments", json::array())},
      {"environment", job.spec.value("environment", json::object())},
      {"secrets", secrets},
      {"flavor", job.spec.value("flavor", std::string("cpu-basic"))},
      {"labels", job.spec.value("labels", json::object())},
      {"timeoutSeconds", job.spec.value("timeoutSeconds", 1800)},
      {"status", status},
      {"owner", {{"id", owner.mongo_id}, {"name", owner.name}, {"type", owner.type}}},
      {"initiator", {{"id", initiator.mongo_id}, {"name", initiator.name}, {"type", "user"}}}};
  if (job.spec.contains("dockerImage")) out["dockerImage"] = job.spec["dockerImage"];
  if (job.spec.contains("spaceId")) out["spaceId"] = job.spec["spaceId"];
  if (stage != "RUNNING") {
    out["finishedAt"] = FormatIso8601(job.canceled ? job.canceled_at : job.finish_at);
  }
  out["startedAt"] = FormatIso8601(job.created);
  return out;
}

void Hub::AddJobRoutes(http::Router& r) {
  r.Get("/api/jobs/hardware", [](http::ServerRequest&, WriterPtr w) {
    json out = json::array();
    for (const char* f : kJobFlavors) out.push_back({{"name", f}, {"prettyName", f}});
    w->Respond(Json(200, out));
  });

  r.Post("/api/jobs/{ns}", [this](http::ServerRequest& req, WriterPtr w) {
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    if (c.anonymous()) return w->Respond(Error(401, "Invalid username or password."));
    std::string ns = req.PathParam("ns");
    if (!users_.count(ns) || !CanWriteNamespace(c, ns)) {
      return w->Respond(
          Error(403, "You don't have the rights to run jobs under \"" + ns.substr(0, 100) + "\""));
    }
    bool image = body->contains("dockerImage") && (*body)["dockerImage"].is_string();
    bool space = body->contains("spaceId") && (*body)["spaceId"].is_string();
    if (image == space) return w->Respond(Error(400, "Give exactly one of dockerImage or spaceId"));
    if (!body->contains("command") || !(*body)["command"].is_array() ||
        (*body)["command"].empty()) {
      return w->Respond(Error(400, "'command' must be a non-empty array of strings"));
    }
    for (const char* k : {"command", "arguments"}) {
      if (!body->contains(k)) continue;
      if (!(*body)[k].is_array())
        return w->Respond(Error(400, std::string(k) + " must be an array"));
      for (const auto& a : (*body)[k]) {
        if (!a.is_string()) return w->Respond(Error(400, std::string(k) + " must hold strings"));
      }
    }
    for (const char* k : {"environment", "secrets", "labels"}) {
      if (body->contains(k) && !(*body)[k].is_object() && !(*body)[k].is_null()) {
        return w->Respond(Error(400, std::string(k) + " must be an object"));
      }
    }
    std::string flavor = body->value("flavor", std::string("cpu-basic"));
    bool known = false;
    for (const char* f : kJobFlavors) known = known || flavor == f;
    if (!known) return w->Respond(Error(400, "Invalid flavor '" + flavor.substr(0, 40) + "'"));
    if (!users_.at(ns).can_pay) {
      return w->Respond(Error(402,
                              "Jobs require a positive credit balance or a payment method. "
                              "Add one at " +
                                  url_ + "/settings/billing"));
    }
    Job job;
    job.id = NewOid().substr(0, 24);
    job.ns = ns;
    job.initiator = c.user->name;
    job.spec = *body;
    job.created = clock_.Now();
    auto duration = std::chrono::duration_cast<TimePoint::duration>(options_.job_duration);
    job.finish_at = job.created + duration;
    // Exit code: `exit N` in the command, or SIM_EXIT_CODE.
    std::vector<std::string> words;
    for (const char* k : {"command", "arguments"}) {
      if (!body->contains(k)) continue;
      for (const auto& a : (*body)[k]) {
        std::istringstream in(a.get<std::string>());
        std::string word;
        while (in >> word) words.push_back(word);
      }
    }
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "exit") job.exit_code = std::atoi(words[i + 1].c_str());
    }
    if (body->contains("environment") && (*body)["environment"].is_object() &&
        (*body)["environment"].contains("SIM_EXIT_CODE") &&
        (*body)["environment"]["SIM_EXIT_CODE"].is_string()) {
      job.exit_code = std::atoi((*body)["environment"]["SIM_EXIT_CODE"].get<std::string>().c_str());
    }
    int timeout = body->value("timeoutSeconds", 1800);
    if (std::chrono::seconds(timeout) < options_.job_duration) {
      job.exit_code = 124;
      job.finish_at = job.created + std::chrono::seconds(timeout);
    }
    job.output.push_back("===== Job started at " + FormatIso8601(job.created) + " =====");
    if (!words.empty() && words[0] == "echo") {
      std::string text;
      for (std::size_t i = 1; i < words.size(); ++i) text += (i > 1 ? " " : "") + words[i];
      job.output.push_back(text);
    } else {
      std::string cmd;
      for (const auto& word : words) cmd += (cmd.empty() ? "" : " ") + word;
      job.output.push_back("[sim] simulated run of: " + cmd.substr(0, 300));
    }
    if (job.exit_code != 0)
      job.output.push_back("[sim] exit code " + std::to_string(job.exit_code));
    json out = JobJson(job, clock_.Now(), users_);
    jobs_[job.id] = std::move(job);
    w->Respond(Json(200, out));
  });

  r.Get("/api/jobs/{ns}", [this](http::ServerRequest& req, WriterPtr w) {
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    if (c.anonymous()) return w->Respond(Error(401, "Invalid username or password."));
    std::string ns = req.PathParam("ns");
    json out = json::array();
    for (const auto& [id, job] : jobs_) {
      if (job.ns == ns && CanWriteNamespace(Caller{true, false, c.user, "write"}, ns)) {
        out.push_back(JobJson(job, clock_.Now(), users_));
      }
    }
    w->Respond(Json(200, out));
  });

  // Finds a job the caller may see; 404 otherwise (like the Hub).
  auto find_job = [this](const http::ServerRequest& req, http::Response* err) -> Job* {
    Caller c = Authenticate(req);
    if (c.anonymous()) {
      *err = Error(401, "Invalid username or password.");
      return nullptr;
    }
    auto it = jobs_.find(req.PathParam("id"));
    if (it == jobs_.end() || it->second.ns != req.PathParam("ns") ||
        !CanWriteNamespace(Caller{true, false, c.user, "write"}, it->second.ns)) {
      *err = Error(404, "Job not found");
      return nullptr;
    }
    return &it->second;
  };

  r.Get("/api/jobs/{ns}/{id}", [this, find_job](http::ServerRequest& req, WriterPtr w) {
    std::lock_guard<std::mutex> lock(mu_);
    http::Response err;
    Job* job = find_job(req, &err);
    if (!job) return w->Respond(std::move(err));
    w->Respond(Json(200, JobJson(*job, clock_.Now(), users_)));
  });

  r.Post("/api/jobs/{ns}/{id}/cancel", [this, find_job](http::ServerRequest& req, WriterPtr w) {
    std::lock_guard<std::mutex> lock(mu_);
    http::Response err;
    Job* job = find_job(req, &err);
    if (!job) return w->Respond(std::move(err));
    Caller c = Authenticate(req);
    if (c.role != "write") return w->Respond(Error(403, "Your token is read-only"));
    if (JobStage(*job, clock_.Now()) == "RUNNING") {
      job->canceled = true;
      job->canceled_at = clock_.Now();
      job->output.push_back("[sim] canceled");
    }
    w->Respond(Json(200, JobJson(*job, clock_.Now(), users_)));
  });

  r.Get("/api/jobs/{ns}/{id}/logs", [this, find_job](http::ServerRequest& req, WriterPtr w) {
    std::string id = req.PathParam("id");
    {
      std::lock_guard<std::mutex> lock(mu_);
      http::Response err;
      if (!find_job(req, &err)) return w->Respond(std::move(err));
    }
    w->BeginSse();
    auto sent = std::make_shared<std::size_t>(0);
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [this, w, sent, id, weak = std::weak_ptr<std::function<void()>>(pump)] {
      std::vector<std::string> frames;
      bool done = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) {
          done = true;
        } else {
          const Job& job = it->second;
          TimePoint now = clock_.Now();
          bool running = JobStage(job, now) == "RUNNING";
          // The first line at start, the rest when the job ends (a short-lived job).
          std::size_t visible =
              running ? std::min<std::size_t>(1, job.output.size()) : job.output.size();
          while (*sent < visible) {
            frames.push_back(http::FormatSseEvent(
                {"message",
                 json{{"data", job.output[*sent]}, {"timestamp", FormatIso8601(now)}}.dump(), ""}));
            ++*sent;
          }
          done = !running;
        }
      }
      for (auto& f : frames) w->Write(std::move(f));
      if (done || w->closed()) {
        w->End();
        return;
      }
      if (auto self = weak.lock()) {
        scheduler_.After(std::chrono::milliseconds(100), [self] { (*self)(); });
      }
    };
    scheduler_.After(std::chrono::milliseconds(0), [pump] { (*pump)(); });
  });
}

}  // namespace sf::sim
