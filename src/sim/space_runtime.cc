// The simulated Space runtime: per-Space app state, calls and their outcomes, the stage hooks
// (never leaving BUILDING, crashing after boot), the admin routes for behaviours, and multipart
// parsing. The HTTP surface of the apps is in space_routes.cc. See space_runtime.h.
#include "sim/space_runtime.h"

#include <algorithm>

#include "sim/hash.h"
#include "sim/state.h"

namespace sf::sim {

std::shared_ptr<SpaceRuntime> MakeSpaceRuntime() { return std::make_shared<SpaceRuntime>(); }

std::optional<std::vector<std::pair<std::string, std::string>>> ParseMultipartFiles(
    std::string_view content_type, std::string_view body, std::string_view field) {
  std::size_t b = content_type.find("boundary=");
  if (content_type.find("multipart/form-data") == std::string_view::npos ||
      b == std::string_view::npos) {
    return std::nullopt;
  }
  std::string boundary(content_type.substr(b + 9));
  if (std::size_t semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') {
    boundary = boundary.substr(1, boundary.size() - 2);
  }
  if (boundary.empty()) return std::nullopt;
  const std::string delim = "--" + boundary;
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return std::nullopt;
  while (true) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") break;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    std::size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return std::nullopt;
    std::string_view head = body.substr(pos, head_end - pos);
    std::size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string_view::npos) return std::nullopt;
    std::string_view content = body.substr(head_end + 4, next - head_end - 4);
    // Content-Disposition: form-data; name="files"; filename="x.png"
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    auto param = [&](const std::string& key) -> std::optional<std::string> {
      std::size_t k = lower.find("; " + key + "=\"");
      if (k == std::string::npos) return std::nullopt;
      std::size_t start = k + key.size() + 4;
      std::size_t end = head.find('"', start);
      if (end == std::string_view::npos) return std::nullopt;
      return std::string(head.substr(start, end - start));
    };
    auto name = param("name");
    auto filename = param("filename");
    if (name && *name == field && filename) {
      out.emplace_back(*filename, std::string(content));
    }
    pos = next + 2;
  }
  return out;
}

std::string Hub::SpaceHostUrl(const Repo& repo) const { return url_ + "/_spaces/" + repo.id; }

bool Hub::SpaceStuckBuilding(const Repo& repo) const {
  return space_runtime_->behaviours.For(repo.id).stuck_building;
}

std::string Hub::SpaceCrash(const Repo& repo) const {
  SpaceBehaviour b = space_runtime_->behaviours.For(repo.id);
  const SpaceState& sp = *repo.space;
  if (b.crash_after_ms) {
    auto running = sp.build_started + std::chrono::duration_cast<TimePoint::duration>(
                                          options_.build_delay + options_.startup_delay);
    if (clock_.Now() >= running + std::chrono::duration_cast<TimePoint::duration>(
                                      std::chrono::milliseconds(*b.crash_after_ms))) {
      return "Exit code: 139. Reason: simulated crash " + std::to_string(*b.crash_after_ms) +
             " ms after start";
    }
  }
  if (b.crash_after_calls) {
    if (*b.crash_after_calls == 0) return "Exit code: 139. Reason: simulated crash at start";
    std::lock_guard<std::mutex> lock(space_runtime_->mu);
    auto it = space_runtime_->apps.find(RepoKey(repo.type, repo.id));
    if (it != space_runtime_->apps.end() && it->second.generation == sp.generation &&
        it->second.crashed) {
      return "Exit code: 139. Reason: simulated crash after " +
             std::to_string(*b.crash_after_calls) + " calls";
    }
  }
  return "";
}

void Hub::AddSpaceBehaviourRoutes(http::Router& r) {
  auto loopback = [](const http::ServerRequest& req) {
    return req.remote_address.rfind("127.", 0) == 0 || req.remote_address == "::1";
  };
  // huggingface_hub >= 1.x validates a README's YAML before committing it (create_commit).
  r.Post("/api/validate-yaml", [this](http::ServerRequest& req, WriterPtr w) {
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    if (!body->contains("content") || !(*body)["content"].is_string()) {
      return w->Respond(Error(400, "Missing 'content'"));
    }
    std::string error;
    if (!FrontMatter((*body)["content"].get<std::string>(), &error)) {
      return w->Respond(Error(400, "Invalid YAML metadata: " + error));
    }
    w->Respond(Json(200, {{"errors", json::array()}, {"warnings", json::array()}}));
  });
  r.Get("/_sim/space-behaviours", [this, loopback](http::ServerRequest& req, WriterPtr w) {
    if (!loopback(req)) return w->Respond(Error(403, "admin routes are loopback only"));
    w->Respond(Json(200, {{"rules", space_runtime_->behaviours.Describe()}}));
  });
  r.Post("/_sim/space-behaviours", [this, loopback](http::ServerRequest& req, WriterPtr w) {
    if (!loopback(req)) return w->Respond(Error(403, "admin routes are loopback only"));
    Status s = space_runtime_->behaviours.Set(req.body);
    if (!s.ok()) return w->Respond(Error(400, s.message()));
    w->Respond(Json(200, {{"rules", space_runtime_->behaviours.Describe()}}));
  });
  r.Delete("/_sim/space-behaviours", [this, loopback](http::ServerRequest& req, WriterPtr w) {
    if (!loopback(req)) return w->Respond(Error(403, "admin routes are loopback only"));
    space_runtime_->behaviours.Clear();
    w->Respond(Json(200, {{"rules", json::array()}}));
  });
}

Status Hub::SetSpaceBehaviours(std::string_view spec) {
  return space_runtime_->behaviours.Set(spec);
}

}  // namespace sf::sim
