// Internal: the simulated Space runtime — every Space of the sim that reaches RUNNING serves a
// Gradio HTTP API under its own base URL on the sim's port:
//
//   <sim url>/_spaces/<owner>/<name>          (the Space's `host`, as https://<sub>.hf.space is)
//     GET  /                                   HTML page
//     GET  /config                             Gradio /config (root = this base URL)
//     GET  /health                             only when app.py registers a /health route
//     GET  /gradio_api/info | /app_id | /queue/status
//     POST /gradio_api/upload                  multipart "files" → ["/tmp/gradio/<sha>/<name>"]
//     POST /gradio_api/call/<api_name>         → {"event_id"}; GET …/call/<api_name>/<event_id> SSE
//     POST /gradio_api/queue/join              → {"event_id"}; GET …/queue/data?session_hash= SSE
//     GET  /gradio_api/heartbeat/<session>     SSE keep-alive
//     GET  /gradio_api/file=<path>             uploaded and produced files
//     POST /gradio_api/cancel | /reset         {"success": true}
//
// Like the Spaces proxy: a private Space needs `Authorization: Bearer <token>` (or
// X-HF-Authorization) of a user who can read it, else 404 HTML; a Space that is not RUNNING
// answers 503 HTML. Behaviours (space_behaviour.h) change outputs, latency and lifetime.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/space_app.h"
#include "sim/space_behaviour.h"
#include "sim/space_outputs.h"

namespace sf::sim {

using SteadyTime = std::chrono::steady_clock::time_point;
struct FileEntry;  // state.h

// One submitted call (from /call or queue/join) and its outcome, ready at `ready_at`.
struct PendingCall {
  std::string event_id;
  std::string session;  // queue protocol: the session hash; "" for /call
  bool ok = true;
  nlohmann::json data;        // outputs when ok
  std::string error;          // message when !ok
  bool error_visible = true;  // gr.Error-like (message shown) vs an unexpected exception
  SteadyTime ready_at{};
  double duration_s = 0;
  bool announced = false;  // queue: estimation/process_starts sent
  int stream = 0;          // /call: the newest GET reading this event (a retried GET wins)
};

struct SpaceApp {
  std::uint64_t generation = 0;
  std::shared_ptr<const AppInterface> iface;
  bool has_health = false;  // app.py registers GET /health
  std::uint64_t app_id = 0;
  int calls = 0;
  bool crashed = false;                        // crash-after-calls reached
  std::map<std::string, OutputFile> files;     // server path → file (uploads and outputs)
  std::map<std::string, PendingCall> pending;  // event id → call
};

// What a request to a Space's app needs from the Hub, copied under the Hub's lock.
struct SpaceTarget {
  std::string key;  // RepoKey
  std::string id;   // owner/name
  std::uint64_t generation = 0;
  std::shared_ptr<const std::map<std::string, std::shared_ptr<const FileEntry>>> files;
  std::string root;  // the app's base URL
};

struct SpaceRuntime {
  std::mutex mu;  // lock order: Hub::mu_ first, then this
  SpaceBehaviours behaviours;
  std::map<std::string, SpaceApp> apps;  // by RepoKey
  std::uint64_t next_event = 0;
};

// Parses a multipart/form-data body; the parts named `field` as (filename, bytes). nullopt when
// the body or boundary is malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseMultipartFiles(
    std::string_view content_type, std::string_view body, std::string_view field);

}  // namespace sf::sim
