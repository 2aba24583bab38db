// sim: an offline Hugging Face Hub for tests and demos (`spacefactory sim`).
//
// Implements the server side of the Hub protocol (../shared/reference/hf-hub-api.md) from the
// protocol alone — it never reuses our own clients — so the real libraries (huggingface_hub,
// @huggingface/hub) and ours can be tested against it: users and hf_ tokens, model / dataset /
// Space repos seeded from a directory, search with Link pagination, repo info, tree, resolve
// downloads (LFS files via a 302 to a simulated CDN on a second port — another origin, as on the
// Hub), create/delete, the commit protocol
// (preupload → LFS batch → PUT → verify → NDJSON commit), privacy and gating like the Hub, Spaces
// with a runtime state machine, hardware requests with ZeroGPU quotas, secrets/variables, logs over
// SSE, Jobs, and fault injection per route (faults.h has the spec). Everything is in memory.
//
// Admin endpoints (never faulted): GET /_sim/health, GET|POST|DELETE /_sim/faults (POST body = a
// fault spec, replaces the rules), GET /_sim/tokens (loopback only: the users' tokens),
// GET /_sim/commits/{models|datasets|spaces}/{ns}/{name} (loopback only: {count, main}, to prove
// a commit was applied once). /_sim/lfs/* is the simulated LFS storage and can be faulted.
//
// Spaces that reach RUNNING serve a Gradio app at <url>/_spaces/<owner>/<name> (the `host` of
// GET /api/spaces/{id} and /api/spaces/{id}/host), with outputs of the type their app declares
// and configurable misbehaviours (GET|POST|DELETE /_sim/space-behaviours, loopback only).
// Details: space_runtime.h, space_app.h, space_behaviour.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "core/core.h"

namespace sf::sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = a free port
  // Seed directory (tests/data/sim layout: {models,datasets,spaces}/<ns>/<name>/ with files and an
  // optional files.json). Empty = users only, no repos.
  std::string data_dir;
  std::string faults;  // initial fault spec (faults.h)
  // Misbehaviours of simulated Space apps (space_behaviour.h): "GLOB=KIND[:ARG];…", e.g.
  // "sim-user/slow-*=slow:2000;*/broken=error". Also POST /_sim/space-behaviours.
  std::string space_behaviours;
  std::uint64_t seed = 1;
  // Space lifecycle after a commit / restart / hardware change: BUILDING for build_delay, then
  // APP_STARTING for startup_delay, then RUNNING (or BUILD_ERROR / RUNTIME_ERROR).
  std::chrono::milliseconds build_delay{3000};
  std::chrono::milliseconds startup_delay{1000};
  // Jobs stay RUNNING this long, then COMPLETED (or ERROR, see jobs.cc).
  std::chrono::milliseconds job_duration{2000};
  // Check app.py with `<python> -m py_compile` at build time (BUILD_ERROR on a syntax error).
  // When the interpreter cannot be run, the check is skipped and the build log says so.
  bool check_python = true;
  std::string python = "python3";
  std::size_t max_body_bytes = 128u << 20;  // LFS PUT bodies; JSON API bodies are capped at 4 MiB
  // ZeroGPU (`zero-a10g`) policy: "quota" (hosting caps per plan: free 2, PRO 10, org 50),
  // "deny:402" or "deny:403" (always refused with that status).
  std::string zero_gpu = "quota";
  // Since mid-2026 free accounts get 402 creating Gradio/Docker Spaces on cpu-basic.
  bool paid_plan_for_gradio = true;
  int io_threads = 2;
};

class Simulator {
 public:
  virtual ~Simulator() = default;
  // Loads the seed set, binds, starts serving. The clock drives Space/Job stages and timestamps.
  static Result<std::unique_ptr<Simulator>> Start(SimOptions options, FileSystem& fs,
                                                  const Clock& clock);

  virtual std::string url() const = 0;            // "http://127.0.0.1:PORT"
  virtual std::string default_token() const = 0;  // write token of "sim-user"
  // Tokens of the built-in users: "sim-user" (PRO, org "sim-org"), "sim-other" (free plan, cannot
  // pay), "sim-reader" (= sim-user with a read-only token). Empty for an unknown name.
  virtual std::string token_for(std::string_view user) const = 0;
  virtual Status SetFaults(std::string_view spec) = 0;
  virtual Status SetSpaceBehaviours(std::string_view spec) = 0;
  virtual void Stop() = 0;  // graceful; idempotent
};

// The `spacefactory sim` command: starts the simulator, prints (one per line, when ready)
//   HF_ENDPOINT=<url>
//   HF_TOKEN=<default user's token>
//   SIM_OTHER_TOKEN=<second user's token>
// then serves until SIGINT or SIGTERM. Returns the exit code (0, or 2 for a bad option, 3 when it
// cannot bind). Must be called before other threads exist (it blocks the two signals).
int RunSimCommand(const SimOptions& options, std::ostream& out, std::ostream& err);

}  // namespace sf::sim
