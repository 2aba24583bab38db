// Integration: OUR Hub client (sf::hub::HubClient over the libcurl HttpClient) against the
// in-process simulator on 127.0.0.1:0.
//
// 1. The flows the real clients run in tests/e2e/hf_hub_python.py: whoami, create a private Gradio
//    Space (and the 409 on repeat), commit a small and an LFS-sized file, list, download both
//    byte-identical, runtime until RUNNING, ZeroGPU granted / refused with the Hub's reason,
//    secrets and variables, privacy (anonymous and a second user get kNotFound), delete; a gated
//    model; a Job create → status → logs → cancel.
// 2. The fault battery: every fault kind of the simulator (429 + Retry-After, 500, 503, reset,
//    slow, truncate) on every route our commit / read paths use, once (x1) and on every request.
//    Our client must complete (retry-safe calls are retried) or return a typed error after its
//    budget; a commit is never applied twice (counted through the simulator's /_sim/commits);
//    no token or secret appears in an error message; every call is bounded in time.
// Backoffs are tiny (injected sleep, fixed jitter), seeds fixed: the whole file runs in seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/core.h"
#include "http/http.h"
#include "hub/hub.h"
#include "sim/sim.h"

namespace sf {
namespace {

using namespace std::chrono_literals;
using hub::HubClient;
using hub::RepoType;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kCallBound = 10s;  // no single client call may take longer (no hang)

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// Counts retries and (instead of sleeping) records the requested waits; sleeps at most 2 ms.
struct RetryLog {
  std::atomic<int> retries{0};
  std::atomic<std::int64_t> requested_wait_ms{0};
};

std::unique_ptr<http::HttpClient> NewClient(RetryLog* log, int attempts = 4) {
  http::ClientOptions o;
  o.max_attempts = attempts;
  o.initial_backoff = 2ms;
  o.max_backoff = 10ms;
  o.max_server_wait = 5s;  // Retry-After: 1 is honoured (through the injected sleep)
  o.random01 = [] { return 0.5; };
  o.sleep = [log](std::chrono::milliseconds d) {
    if (log) log->requested_wait_ms += d.count();
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, 2ms));
  };
  o.on_retry = [log](int, const http::RetryDecision&) {
    if (log) ++log->retries;
  };
  return http::NewCurlHttpClient(o);
}

// A HubClient with its own HttpClient.
struct Conn {
  std::unique_ptr<http::HttpClient> http;
  std::unique_ptr<HubClient> hub;
  HubClient* operator->() { return hub.get(); }
};

class SimHarness {
 public:
  Status Start(const std::function<void(sim::SimOptions&)>& tweak = {}) {
    sim::SimOptions o;
    o.data_dir = std::string(SF_SOURCE_DIR) + "/tests/data/sim";
    o.seed = 7;
    o.build_delay = 200ms;
    o.startup_delay = 200ms;
    o.job_duration = 3000ms;
    o.check_python = false;  // no interpreter dependency; the flows do not test BUILD_ERROR
    if (tweak) tweak(o);
    auto s = sim::Simulator::Start(o, *fs_, clock_);
    if (!s.ok()) return s.status();
    sim_ = std::move(s).value();
    admin_ = NewClient(nullptr, 1);
    return Status::Ok();
  }
  void Stop() {
    if (sim_) sim_->Stop();
  }
  sim::Simulator& sim() { return *sim_; }

  Conn Client(std::optional<std::string> token, RetryLog* log = nullptr, int attempts = 4) {
    Conn c;
    c.http = NewClient(log, attempts);
    hub::HubConfig cfg;
    cfg.endpoint = sim_->url();
    cfg.token = std::move(token);
    c.hub = std::make_unique<HubClient>(*c.http, cfg);
    return c;
  }
  Conn User(RetryLog* log = nullptr) { return Client(sim_->default_token(), log); }

  // The simulator's own count of a repo's commits (all refs); -1 when it has no such repo.
  int CommitCount(const std::string& plural, const std::string& id) {
    auto r = admin_->Send({.url = sim_->url() + "/_sim/commits/" + plural + "/" + id});
    if (!r.ok() || r->status != 200) return -1;
    return json::parse(r->body)["count"].get<int>();
  }

  // Tokens and secret values that must never show up in a message.
  std::vector<std::string> Secrets() const {
    return {sim_->default_token(), sim_->token_for("sim-other"), sim_->token_for("sim-reader"),
            "s3cr3t-space-value", "job-secret-value"};
  }

 private:
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  SystemClock clock_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<http::HttpClient> admin_;
};

hub::CreateRepoOptions SpaceRepo(const std::string& id) {
  hub::CreateRepoOptions o;
  o.type = RepoType::kSpace;
  o.repo_id = id;  // private, sdk gradio: the defaults
  return o;
}

hub::CommitOptions SpaceCommit(const std::string& id, std::vector<hub::CommitFile> files,
                               std::string summary = "Upload files with spacefactory") {
  hub::CommitOptions o;
  o.type = RepoType::kSpace;
  o.repo_id = id;
  o.summary = std::move(summary);
  o.files = std::move(files);
  return o;
}

hub::LogOptions LogsFor(std::chrono::milliseconds max_duration, std::chrono::milliseconds idle) {
  hub::LogOptions o;
  o.max_duration = max_duration;
  o.idle_timeout = idle;
  return o;
}

void ExpectNoSecret(const Status& s, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(s.message().find(secret), std::string::npos) << "secret leaked in: " << s.ToString();
  }
}

// ================================================================================================
// 1. The e2e flows with our client

class HubClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(h_.Start().ok()); }
  void TearDown() override { h_.Stop(); }
  SimHarness h_;
};

TEST_F(HubClientSimTest, SpaceLifecycleLikeTheRealClients) {
  RetryLog log;
  Conn c = h_.User(&log);
  const std::string id = "sim-user/cpp-e2e";

  auto me = c->Whoami();
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->name, "sim-user");
  EXPECT_EQ(me->token_role, "write");
  EXPECT_NE(std::find(me->orgs.begin(), me->orgs.end(), "sim-org"), me->orgs.end());

  // create_repo(space, private, sdk gradio); the repeat is a 409 that the Hub attributes to us.
  const hub::CreateRepoOptions create = SpaceRepo(id);
  auto created = c->CreateRepo(create);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->repo_id, id);
  hub::RepoConflict conflict;
  auto again = c->CreateRepo(create, &conflict);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kAlreadyExists) << again.status().ToString();
  EXPECT_TRUE(conflict.ours) << conflict.message;
  EXPECT_EQ(conflict.is_private, std::optional<bool>(true));

  // One small file and one LFS-sized file (binary .bin, as the Python e2e uses).
  const std::string small =
      "import gradio as gr\n\ngr.Interface(lambda x: x, 'text', 'text').launch()\n";
  const std::string big = RandomBytes((1u << 20) + 17, 42);
  hub::CommitOptions commit =
      SpaceCommit(id, {{"app.py", small}, {"weights/model.bin", big}}, "Add app and weights");
  const int commits_before = h_.CommitCount("spaces", id);
  auto committed = c->Commit(commit);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(committed->commit_oid.size(), 40u);
  EXPECT_EQ(committed->regular_files, 1u);
  EXPECT_EQ(committed->lfs_files, 1u);
  EXPECT_EQ(committed->lfs_uploaded, 1u);
  EXPECT_EQ(h_.CommitCount("spaces", id), commits_before + 1);

  // list files
  auto info = c->GetRepoInfo(RepoType::kSpace, id);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->is_private);
  EXPECT_EQ(info->sdk, std::optional<std::string>("gradio"));
  EXPECT_EQ(info->sha, std::optional<std::string>(committed->commit_oid));
  std::map<std::string, hub::RepoFile> files;
  for (const auto& f : info->files) files[f.path] = f;
  for (const char* f : {"app.py", "weights/model.bin", "README.md", ".gitattributes"}) {
    EXPECT_TRUE(files.count(f)) << f << " missing";
  }
  EXPECT_EQ(files["weights/model.bin"].size, std::optional<std::uint64_t>(big.size()));
  EXPECT_EQ(files["weights/model.bin"].lfs_sha256, std::optional<std::string>(hub::Sha256Hex(big)));

  // download both, byte-identical (the LFS file through the CDN redirect)
  auto got_small = c->DownloadFile(RepoType::kSpace, id, "app.py");
  ASSERT_TRUE(got_small.ok()) << got_small.status().ToString();
  EXPECT_EQ(*got_small, small);
  auto got_big = c->DownloadFile(RepoType::kSpace, id, "weights/model.bin");
  ASSERT_TRUE(got_big.ok()) << got_big.status().ToString();
  EXPECT_TRUE(*got_big == big) << "model.bin differs (" << got_big->size() << " bytes)";

  // Space runtime until RUNNING (bounded)
  auto rt = c->GetSpaceRuntime(id);
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  auto deadline = Clock::now() + 10s;
  while (rt.ok() && rt->stage != "RUNNING" && Clock::now() < deadline) {
    EXPECT_TRUE(rt->IsTransitional()) << rt->stage;
    std::this_thread::sleep_for(50ms);
    rt = c->GetSpaceRuntime(id);
  }
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  EXPECT_EQ(rt->stage, "RUNNING");

  // ZeroGPU granted (sim-user is PRO)
  auto hw = c->RequestSpaceHardware(id, "zero-a10g");
  ASSERT_TRUE(hw.ok()) << hw.status().ToString();
  EXPECT_EQ(hw->hardware_requested, std::optional<std::string>("zero-a10g"));

  // secrets and variables
  ASSERT_TRUE(c->AddSpaceSecret(id, "MY_SECRET", "s3cr3t-space-value").ok());
  ASSERT_TRUE(c->AddSpaceVariable(id, "MY_VAR", "1", "a variable").ok());
  auto vars = c->GetSpaceVariables(id);
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ((*vars)["MY_VAR"], "1");
  EXPECT_FALSE(vars->count("MY_SECRET"));  // secrets are write-only
  ASSERT_TRUE(c->DeleteSpaceVariable(id, "MY_VAR").ok());
  ASSERT_TRUE(c->DeleteSpaceSecret(id, "MY_SECRET").ok());
  vars = c->GetSpaceVariables(id);
  ASSERT_TRUE(vars.ok());
  EXPECT_FALSE(vars->count("MY_VAR"));

  // privacy: anonymous and the second user cannot see the private Space (404, not 403)
  Conn anon = h_.Client(std::nullopt);
  Conn other = h_.Client(h_.sim().token_for("sim-other"));
  for (Conn* stranger : {&anon, &other}) {
    auto seen = (*stranger)->GetRepoInfo(RepoType::kSpace, id);
    ASSERT_FALSE(seen.ok());
    EXPECT_EQ(seen.status().code(), Code::kNotFound) << seen.status().ToString();
    auto file = (*stranger)->DownloadFile(RepoType::kSpace, id, "app.py");
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.status().code(), Code::kNotFound) << file.status().ToString();
    auto runtime = (*stranger)->GetSpaceRuntime(id);
    ASSERT_FALSE(runtime.ok());
    EXPECT_EQ(runtime.status().code(), Code::kNotFound) << runtime.status().ToString();
    ExpectNoSecret(seen.status(), h_.Secrets());
  }

  // delete_repo
  ASSERT_TRUE(c->DeleteRepo(RepoType::kSpace, id).ok());
  auto gone = c->GetRepoInfo(RepoType::kSpace, id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  EXPECT_EQ(log.retries.load(), 0) << "a clean simulator needs no retries";
}

class ZeroGpuRefusedTest : public ::testing::TestWithParam<int> {};

TEST_P(ZeroGpuRefusedTest, TypedErrorCarriesTheHubsReason) {
  const int status = GetParam();
  SimHarness h;
  ASSERT_TRUE(
      h.Start([&](sim::SimOptions& o) { o.zero_gpu = "deny:" + std::to_string(status); }).ok());
  Conn c = h.User();
  const std::string id = "sim-user/zero-refused";
  ASSERT_TRUE(c->CreateRepo(SpaceRepo(id)).ok());
  auto hw = c->RequestSpaceHardware(id, "zero-a10g");
  ASSERT_FALSE(hw.ok());
  if (status == 402) {
    EXPECT_EQ(hw.status().code(), Code::kFailedPrecondition) << hw.status().ToString();
    EXPECT_NE(hw.status().message().find("ZeroGPU hardware requires a PRO subscription"),
              std::string::npos)
        << hw.status().message();
  } else {
    EXPECT_EQ(hw.status().code(), Code::kPermissionDenied) << hw.status().ToString();
    EXPECT_NE(hw.status().message().find("not allowed to use ZeroGPU"), std::string::npos)
        << hw.status().message();
  }
  ExpectNoSecret(hw.status(), h.Secrets());
  // Refused means refused: the Space keeps its hardware.
  auto rt = c->GetSpaceRuntime(id);
  ASSERT_TRUE(rt.ok());
  EXPECT_NE(rt->hardware_requested, std::optional<std::string>("zero-a10g"));
  h.Stop();
}

INSTANTIATE_TEST_SUITE_P(Deny, ZeroGpuRefusedTest, ::testing::Values(402, 403));

TEST_F(HubClientSimTest, GatedModelIsPermissionDenied) {
  const std::string id = "sim-org/gated-llm";
  Conn c = h_.User();
  auto info = c->GetModelInfo(id);  // metadata stays public
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->gated, "manual");
  // sim-user is a member of sim-org (the owner) and may read it; a stranger may not.
  auto own = c->DownloadFile(id, "config.json");
  EXPECT_TRUE(own.ok()) << own.status().ToString();
  Conn other = h_.Client(h_.sim().token_for("sim-other"));
  Conn anon = h_.Client(std::nullopt);
  auto other_info = other->GetModelInfo(id);  // metadata stays public
  ASSERT_TRUE(other_info.ok()) << other_info.status().ToString();
  EXPECT_EQ(other_info->gated, "manual");
  for (Conn* who : {&other, &anon}) {
    auto file = (*who)->DownloadFile(id, "config.json");
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.status().code(), Code::kPermissionDenied) << file.status().ToString();
    EXPECT_NE(file.status().message().find("gated"), std::string::npos) << file.status().message();
    ExpectNoSecret(file.status(), h_.Secrets());
  }
}

TEST_F(HubClientSimTest, JobCreateStatusLogsCancel) {
  Conn c = h_.User();
  hub::JobSpec spec;
  spec.docker_image = "python:3.12";
  spec.command = {"echo", "hello", "from", "a", "job"};
  spec.secrets = {{"API_KEY", "job-secret-value"}};
  auto job = c->CreateJob("", spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_FALSE(job->id.empty());
  EXPECT_EQ(job->owner, "sim-user");
  EXPECT_FALSE(job->IsTerminal()) << job->stage;

  auto status = c->GetJob("", job->id);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->stage, "RUNNING");

  // While it runs the stream stays open: the read ends at its time bound.
  auto t0 = Clock::now();
  auto running_logs = c->ReadJobLogs("", job->id, LogsFor(400ms, 2000ms));
  ASSERT_TRUE(running_logs.ok()) << running_logs.status().ToString();
  EXPECT_TRUE(running_logs->timed_out);
  EXPECT_LT(Clock::now() - t0, 3s);

  ASSERT_TRUE(c->CancelJob("", job->id).ok());
  status = c->GetJob("", job->id);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->stage, "CANCELED");
  EXPECT_TRUE(status->IsTerminal());

  // A finished job's logs end by themselves, with every line the pump thread wrote before the end
  // (the server once let an End from the strand overtake chunks posted from the pump thread).
  auto logs = c->ReadJobLogs("", job->id, LogsFor(3000ms, 3000ms));
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  EXPECT_FALSE(logs->timed_out);
  std::string text;
  for (const auto& l : logs->lines) text += l.text + "\n";
  EXPECT_NE(text.find("hello from a job"), std::string::npos) << text;
  EXPECT_NE(text.find("canceled"), std::string::npos) << text;
  EXPECT_EQ(text.find("job-secret-value"), std::string::npos);

  auto missing = c->GetJob("", "000000000000000000000000");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound) << missing.status().ToString();
}

// ================================================================================================
// 2. The fault battery

enum class Route { kWhoami, kRepoInfo, kResolve, kPreupload, kLfsBatch, kLfsPut, kCommit, kCreate };

struct RouteCase {
  Route route;
  const char* name;
  const char* rule;  // METHOD GLOB (faults.h)
  bool retry_safe;   // the client may repeat it
};

const RouteCase kRoutes[] = {
    {Route::kWhoami, "whoami GET", "GET /api/whoami-v2", true},
    {Route::kRepoInfo, "repo info GET", "GET /api/spaces/sim-user/battery", true},
    {Route::kResolve, "resolve GET", "GET /spaces/sim-user/battery/resolve/*", true},
    {Route::kPreupload, "preupload POST", "POST /api/spaces/sim-user/battery/preupload/*", true},
    {Route::kLfsBatch, "LFS batch POST", "POST /spaces/sim-user/battery.git/info/lfs/objects/batch",
     true},
    {Route::kLfsPut, "LFS PUT", "PUT /_sim/lfs/upload/*", true},
    {Route::kCommit, "commit POST", "POST /api/spaces/sim-user/battery/commit/*", false},
    {Route::kCreate, "create POST", "POST /api/repos/create", false},
};

struct FaultCase {
  const char* name;
  const char* action;  // ACTION without the count
  Code error_code;     // what a failure must map to
};

const FaultCase kFaults[] = {
    {"429", "429:1", Code::kUnavailable},          // rate limited (Retry-After 1 s)
    {"500", "500", Code::kRemote},                 //
    {"503", "503", Code::kRemote},                 //
    {"reset", "reset", Code::kUnavailable},        // connection reset, nothing applied
    {"slow", "slow:150", Code::kOk},               // answered late: always completes
    {"truncate", "truncate", Code::kUnavailable},  // half a body, then the connection drops
};

constexpr char kBattery[] = "sim-user/battery";
const std::string kAppPy = "print('battery')\n";

class FaultBattery : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    h_ = new SimHarness();
    ASSERT_TRUE(h_->Start().ok());
    Conn c = h_->User();
    ASSERT_TRUE(c->CreateRepo(SpaceRepo(kBattery)).ok());
    hub::CommitOptions o = SpaceCommit(kBattery, {{"app.py", kAppPy}});
    auto r = c->Commit(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  static void TearDownTestSuite() {
    std::cout << "\nFault battery (x1 = first matching request only, all = every request):\n";
    for (const auto& line : results_) std::cout << "  " << line << "\n";
    std::cout.flush();
    if (h_) h_->Stop();
    delete h_;
    h_ = nullptr;
  }

  void RunCase(const FaultCase& fault, const RouteCase& route, bool once);

  static SimHarness* h_;
  static std::vector<std::string> results_;
  static int case_no_;
};

SimHarness* FaultBattery::h_ = nullptr;
std::vector<std::string> FaultBattery::results_;
int FaultBattery::case_no_ = 0;

void FaultBattery::RunCase(const FaultCase& fault, const RouteCase& route, bool once) {
  const int n = ++case_no_;
  const std::string rule = std::string(route.rule) + "=" + fault.action + (once ? "x1" : "");
  SCOPED_TRACE(rule);
  const std::string created_id = "sim-user/bat-create-" + std::to_string(n);
  const std::string blob = RandomBytes(64u << 10, 1000 + n);  // fresh: the PUT always happens
  const std::string note = "case " + std::to_string(n) + "\n";
  const std::string blob_path = "blobs/" + std::to_string(n) + ".bin";
  const std::string note_path = "notes/" + std::to_string(n) + ".txt";
  const bool commits = route.route == Route::kPreupload || route.route == Route::kLfsBatch ||
                       route.route == Route::kLfsPut || route.route == Route::kCommit;

  RetryLog log;
  Conn c = h_->User(&log);
  const int before = h_->CommitCount("spaces", kBattery);
  ASSERT_GT(before, 0);
  std::string tip_before;
  {
    Conn probe = h_->User();
    auto info = probe->GetRepoInfo(RepoType::kSpace, kBattery);
    ASSERT_TRUE(info.ok());
    tip_before = info->sha.value_or("");
  }

  ASSERT_TRUE(h_->sim().SetFaults(rule).ok());
  auto t0 = Clock::now();
  Status status;
  std::string downloaded;
  switch (route.route) {
    case Route::kWhoami: {
      auto r = c->Whoami();
      status = r.status();
      if (r.ok()) {
        EXPECT_EQ(r->name, "sim-user");
      }
      break;
    }
    case Route::kRepoInfo: {
      auto r = c->GetRepoInfo(RepoType::kSpace, kBattery);
      status = r.status();
      if (r.ok()) {
        EXPECT_EQ(r->sha, std::optional<std::string>(tip_before));
      }
      break;
    }
    case Route::kResolve: {
      auto r = c->DownloadFile(RepoType::kSpace, kBattery, "app.py");
      status = r.status();
      if (r.ok()) downloaded = *r;
      break;
    }
    case Route::kPreupload:
    case Route::kLfsBatch:
    case Route::kLfsPut:
    case Route::kCommit: {
      hub::CommitOptions o = SpaceCommit(kBattery, {{note_path, note}, {blob_path, blob}},
                                         "battery case " + std::to_string(n));
      auto r = c->Commit(o);
      status = r.status();
      if (r.ok()) {
        EXPECT_EQ(r->lfs_files, 1u);
        EXPECT_EQ(r->lfs_uploaded, 1u);
      }
      break;
    }
    case Route::kCreate: {
      auto r = c->CreateRepo(SpaceRepo(created_id));
      status = r.status();
      break;
    }
  }
  const auto elapsed = Clock::now() - t0;
  ASSERT_TRUE(h_->sim().SetFaults("").ok());

  // Bounded: no hang, whatever the fault.
  EXPECT_LT(elapsed, kCallBound);
  // Never a secret in a message.
  ExpectNoSecret(status, h_->Secrets());

  // What must happen. Slow always completes; a transient fault on a call the client may repeat
  // is absorbed by a retry, except a truncated download: a stream that already delivered bytes
  // is never retried (http.h), so it fails cleanly instead.
  const bool cut_stream = route.route == Route::kResolve && std::string(fault.name) == "truncate";
  const bool must_complete =
      fault.error_code == Code::kOk || (once && route.retry_safe && !cut_stream);
  if (must_complete) {
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  if (!route.retry_safe && std::string(fault.name) == "reset") {
    // Nothing may re-send a non-idempotent request behind our back (libcurl would, on a reused
    // connection that died before answering).
    EXPECT_FALSE(status.ok()) << "a non-idempotent request was re-sent";
  }
  if (!status.ok()) {
    EXPECT_EQ(status.code(), fault.error_code) << status.ToString();
    EXPECT_FALSE(status.message().empty());
    // Retry-safe calls spent their budget (4 attempts) before giving up; the others were not
    // repeated at all.
    const int expected_retries = route.retry_safe && !cut_stream ? 3 : 0;
    EXPECT_EQ(log.retries.load(), expected_retries) << status.ToString();
  }
  if (std::string(fault.name) == "429" && log.retries.load() > 0) {
    EXPECT_GE(log.requested_wait_ms.load(), 1000) << "Retry-After: 1 was not honoured";
  }

  // Effects, checked through the simulator.
  const int after = h_->CommitCount("spaces", kBattery);
  if (commits) {
    // Never applied twice. Applied once exactly when the client says so — or, for a truncated
    // commit answer, when the response was lost after the commit happened.
    const bool lost_answer = route.route == Route::kCommit && std::string(fault.name) == "truncate";
    if (status.ok()) {
      EXPECT_EQ(after, before + 1);
      Conn check = h_->User();
      auto got = check->DownloadFile(RepoType::kSpace, kBattery, blob_path);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_TRUE(*got == blob);
    } else if (lost_answer) {
      EXPECT_EQ(after, before + 1) << "the commit was applied before its answer was cut";
      // The recovery the hub.h contract describes: replaying with the old tip as parentCommit
      // fails with 412 instead of applying the commit a second time.
      Conn retry = h_->User();
      hub::CommitOptions o = SpaceCommit(kBattery, {{note_path, note}, {blob_path, blob}},
                                         "battery case " + std::to_string(n) + " (replay)");
      o.parent_commit = tip_before;
      auto replay = retry->Commit(o);
      ASSERT_FALSE(replay.ok());
      EXPECT_EQ(replay.status().code(), Code::kFailedPrecondition) << replay.status().ToString();
      EXPECT_EQ(h_->CommitCount("spaces", kBattery), before + 1);
    } else {
      EXPECT_EQ(after, before) << "a failed commit must not be applied";
    }
  } else {
    EXPECT_EQ(after, before) << "a read changed the repo";
  }
  if (route.route == Route::kResolve && status.ok()) {
    EXPECT_EQ(downloaded, kAppPy);
  }
  if (route.route == Route::kCreate) {
    Conn check = h_->User();
    auto exists = check->GetRepoInfo(RepoType::kSpace, created_id);
    const bool applied = std::string(fault.name) == "truncate" || status.ok();
    EXPECT_EQ(exists.ok(), applied) << exists.status().ToString();
    if (!status.ok() && applied) {
      // Lost answer: the repeat is a 409 the Hub attributes to us, so the caller can reuse it.
      hub::RepoConflict conflict;
      auto again = check->CreateRepo(SpaceRepo(created_id), &conflict);
      EXPECT_EQ(again.status().code(), Code::kAlreadyExists);
      EXPECT_TRUE(conflict.ours);
    }
  }

  std::ostringstream line;
  line << fault.name << " x " << route.name << (once ? " (x1)" : " (all)") << ": "
       << (status.ok() ? "completed" : "typed error " + std::string(CodeName(status.code())))
       << ", retries " << log.retries.load() << ", "
       << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
  if (commits || route.route == Route::kCreate) {
    line << ", commits +" << (after - before);
  }
  results_.push_back(line.str());
}

TEST_P(FaultBattery, EveryRouteOnceAndAlways) {
  const FaultCase& fault = kFaults[GetParam()];
  for (const RouteCase& route : kRoutes) {
    for (bool once : {true, false}) RunCase(fault, route, once);
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, FaultBattery, ::testing::Range(0, 6),
                         [](const ::testing::TestParamInfo<int>& p) {
                           std::string name = kFaults[p.param].name;
                           return name == "429"   ? std::string("rate_limited_429")
                                  : name == "500" ? std::string("status_500")
                                  : name == "503" ? std::string("status_503")
                                                  : name;
                         });

}  // namespace
}  // namespace sf
