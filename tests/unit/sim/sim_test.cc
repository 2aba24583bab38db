// The simulator on 127.0.0.1:0, driven with plain HTTP (libcurl client, no retries) — privacy,
// the commit protocol, the Space state machine, hardware refusals, faults, Jobs, bad input.
#include "sim/sim.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/http.h"
#include "sim/commit_ndjson.h"
#include "sim/faults.h"
#include "sim/hash.h"

namespace sf::sim {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A clock tests move by hand while server threads read it.
class TestClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms_.load()));
  }
  void Advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_{1'795'000'000'000};
};

class SimTest : public ::testing::Test {
 protected:
  void Start(SimOptions o = {}) {
    o.data_dir = std::string(SF_SOURCE_DIR) + "/tests/data/sim";
    o.build_delay = 2000ms;
    o.startup_delay = 1000ms;
    o.job_duration = 5000ms;
    auto s = Simulator::Start(o, *fs_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    sim_ = std::move(s).value();
    token_ = sim_->default_token();
    other_ = sim_->token_for("sim-other");
    http::ClientOptions co;
    co.max_attempts = 1;
    client_ = http::NewCurlHttpClient(co);
  }
  void TearDown() override {
    if (sim_) sim_->Stop();
  }
  http::Response Call(const std::string& method, const std::string& path,
                      const std::string& token = "", std::string body = "",
                      std::string content_type = "application/json") {
    http::Request r;
    r.method = method;
    r.url = path.rfind("http", 0) == 0 ? path : sim_->url() + path;
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty() || method == "POST" || method == "PUT") {
      r.headers.emplace_back("Content-Type", content_type);
    }
    r.body = std::move(body);
    auto res = client_->Send(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : http::Response{};
  }
  static json Body(const http::Response& r) { return json::parse(r.body, nullptr, false); }
  static std::string H(const http::Response& r, const char* name) {
    return http::FindHeader(r.headers, name).value_or("");
  }
  void CreateRepo(const std::string& type, const std::string& name, const std::string& token,
                  int expect = 200, std::string extra = "") {
    std::string body = R"({"name":")" + name + R"(","type":")" + type + R"(","private":true)" +
                       (type == "space" ? R"(,"sdk":"gradio")" : "") + extra + "}";
    auto r = Call("POST", "/api/repos/create", token, body);
    ASSERT_EQ(r.status, expect) << r.body;
  }
  std::string Commit(const std::string& type_id, const std::vector<json>& ops, int expect = 200,
                     std::optional<std::string> parent = std::nullopt) {
    json header = {{"summary", "test"}};
    if (parent) header["parentCommit"] = *parent;
    std::string body = json{{"key", "header"}, {"value", header}}.dump() + "\n";
    for (const auto& op : ops) body += op.dump() + "\n";
    auto r = Call("POST", "/api/" + type_id + "/commit/main", token_, body, "application/x-ndjson");
    EXPECT_EQ(r.status, expect) << r.body;
    return Body(r).value("commitOid", "");
  }
  static json FileOp(const std::string& path, const std::string& content) {
    return {
        {"key", "file"},
        {"value", {{"path", path}, {"content", Base64Encode(content)}, {"encoding", "base64"}}}};
  }
  std::string Stage(const std::string& id) {
    return Body(Call("GET", "/api/spaces/" + id + "/runtime", token_)).value("stage", "");
  }

  TestClock clock_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<http::HttpClient> client_;
  std::string token_, other_;
};

TEST_F(SimTest, WhoamiAndTokens) {
  Start();
  EXPECT_EQ(token_.rfind("hf_", 0), 0u);
  auto me = Call("GET", "/api/whoami-v2", token_);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(Body(me)["name"], "sim-user");
  EXPECT_EQ(Body(me)["auth"]["accessToken"]["role"], "write");
  EXPECT_EQ(Body(me)["orgs"][0]["name"], "sim-org");
  EXPECT_EQ(Call("GET", "/api/whoami-v2").status, 401);
  auto bad = Call("GET", "/api/whoami-v2", "hf_not_a_real_token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(H(bad, "X-Error-Message"), "Invalid credentials in Authorization header");
  // A bad token is refused even on public data, like the Hub.
  EXPECT_EQ(Call("GET", "/api/models/sim-org/tiny-gpt2", "hf_nope").status, 401);
}

TEST_F(SimTest, PrivacyLikeTheHub) {
  Start();
  const std::string info = "/api/models/sim-other/private-model";
  auto anon = Call("GET", info);
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(H(anon, "X-Error-Code"), "RepoNotFound");
  auto stranger = Call("GET", info, token_);
  EXPECT_EQ(stranger.status, 404);
  EXPECT_EQ(H(stranger, "X-Error-Code"), "RepoNotFound");
  EXPECT_EQ(Call("GET", info, other_).status, 200);
  EXPECT_EQ(Call("GET", "/sim-other/private-model/resolve/main/README.md", token_).status, 404);
  EXPECT_EQ(Call("GET", "/sim-other/private-model/resolve/main/README.md", other_).status, 200);
  // Not listed to others.
  auto list = Body(Call("GET", "/api/models?author=sim-other", token_));
  EXPECT_TRUE(list.empty()) << list.dump();
  EXPECT_EQ(Body(Call("GET", "/api/models?author=sim-other", other_)).size(), 1u);
  // Gated: metadata public, files 401 anonymous / 403 not approved / 200 for the org member.
  EXPECT_EQ(Call("GET", "/api/models/sim-org/gated-llm").status, 200);
  auto g1 = Call("GET", "/sim-org/gated-llm/resolve/main/config.json");
  EXPECT_EQ(g1.status, 401);
  EXPECT_EQ(H(g1, "X-Error-Code"), "GatedRepo");
  auto g2 = Call("GET", "/sim-org/gated-llm/resolve/main/config.json", other_);
  EXPECT_EQ(g2.status, 403);
  EXPECT_EQ(H(g2, "X-Error-Code"), "GatedRepo");
  EXPECT_EQ(Call("GET", "/sim-org/gated-llm/resolve/main/config.json", token_).status, 200);
  // Missing file / revision.
  EXPECT_EQ(H(Call("GET", "/sim-org/tiny-gpt2/resolve/main/nope.txt"), "X-Error-Code"),
            "EntryNotFound");
  EXPECT_EQ(H(Call("GET", "/sim-org/tiny-gpt2/resolve/v9/README.md"), "X-Error-Code"),
            "RevisionNotFound");
  // Writing into a foreign namespace.
  auto foreign =
      Call("POST", "/api/repos/create", other_, R"({"name":"x","organization":"sim-org"})");
  EXPECT_EQ(foreign.status, 403);
  auto reader = Call("POST", "/api/repos/create", sim_->token_for("sim-reader"), R"({"name":"x"})");
  EXPECT_EQ(reader.status, 403);
}

TEST_F(SimTest, SearchPaginationAndInfo) {
  Start();
  auto page1 = Call("GET", "/api/models?limit=2&sort=downloads");
  ASSERT_EQ(page1.status, 200);
  ASSERT_EQ(Body(page1).size(), 2u);
  EXPECT_EQ(Body(page1)[0]["id"], "sim-org/llama-gguf");  // most downloads
  std::string link = H(page1, "Link");
  ASSERT_NE(link.find("rel=\"next\""), std::string::npos);
  std::string next = link.substr(1, link.find('>') - 1);
  EXPECT_NE(next.find("sort=downloads"), std::string::npos);
  auto page2 = Call("GET", next);
  EXPECT_EQ(page2.status, 200);
  EXPECT_GE(Body(page2).size(), 1u);
  EXPECT_NE(Body(page2)[0]["id"], Body(page1)[0]["id"]);
  auto search = Body(Call("GET", "/api/models?search=GGUF"));
  ASSERT_EQ(search.size(), 1u);
  auto filtered = Body(Call("GET", "/api/models?filter=text-to-image"));
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0]["id"], "sim-org/tiny-sd");
  auto info = Body(Call("GET", "/api/models/sim-org/tiny-gpt2?blobs=true"));
  EXPECT_EQ(info["pipeline_tag"], "text-generation");
  EXPECT_EQ(info["cardData"]["license"], "mit");
  bool found = false;
  for (const auto& s : info["siblings"]) {
    if (s["rfilename"] == "model.safetensors") {
      found = true;
      EXPECT_EQ(s["size"], 524288);
      EXPECT_TRUE(s.contains("lfs"));
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(Call("GET", "/api/models?sort=bogus").status, 400);
  EXPECT_EQ(Call("GET", "/api/models?cursor=zz").status, 400);
}

TEST_F(SimTest, CommitProtocolWithLfs) {
  Start();
  CreateRepo("model", "m1", token_);
  CreateRepo("model", "m1", token_, 409);
  auto conflict = Call("POST", "/api/repos/create", token_, R"({"name":"m1"})");
  EXPECT_NE(Body(conflict)["url"].get<std::string>().find("/sim-user/m1"), std::string::npos);

  std::string big(300'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::string oid = Sha256Hex(big);
  json pre = {{"files",
               {{{"path", "weights.bin"},
                 {"size", big.size()},
                 {"sample", Base64Encode(big.substr(0, 512))}},
                {{"path", "notes.txt"}, {"size", 5}, {"sample", Base64Encode("hello")}}}}};
  auto p = Call("POST", "/api/models/sim-user/m1/preupload/main", token_, pre.dump());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(Body(p)["files"][0]["uploadMode"], "lfs");
  EXPECT_EQ(Body(p)["files"][1]["uploadMode"], "regular");
  std::string parent = Body(p)["commitOid"];

  // An lfsFile that was never uploaded is refused.
  json lfs_op = {
      {"key", "lfsFile"},
      {"value", {{"path", "weights.bin"}, {"algo", "sha256"}, {"oid", oid}, {"size", big.size()}}}};
  Commit("models/sim-user/m1", {lfs_op}, 400);

  json batch = {{"operation", "upload"},
                {"transfers", {"basic"}},
                {"objects", {{{"oid", oid}, {"size", big.size()}}}}};
  auto b = Call("POST", "/sim-user/m1.git/info/lfs/objects/batch", token_, batch.dump(),
                "application/vnd.git-lfs+json");
  ASSERT_EQ(b.status, 200) << b.body;
  std::string href = Body(b)["objects"][0]["actions"]["upload"]["href"];
  std::string verify = Body(b)["objects"][0]["actions"]["verify"]["href"];
  EXPECT_EQ(Call("PUT", href, "", big.substr(1) + "x", "application/octet-stream").status, 400);
  EXPECT_EQ(Call("PUT", href, "", big, "application/octet-stream").status, 200);
  EXPECT_EQ(Call("POST", verify, token_, json{{"oid", oid}, {"size", big.size()}}.dump()).status,
            200);
  // Uploaded objects get no actions the second time.
  auto b2 = Call("POST", "/sim-user/m1.git/info/lfs/objects/batch", token_, batch.dump(),
                 "application/vnd.git-lfs+json");
  EXPECT_FALSE(Body(b2)["objects"][0].contains("actions"));

  std::string c1 =
      Commit("models/sim-user/m1", {FileOp("notes.txt", "hello"), lfs_op}, 200, parent);
  ASSERT_EQ(c1.size(), 40u);
  // A stale parent → 412.
  Commit("models/sim-user/m1", {FileOp("notes.txt", "again")}, 412, parent);

  auto small = Call("GET", "/sim-user/m1/resolve/main/notes.txt", token_);
  EXPECT_EQ(small.status, 200);
  EXPECT_EQ(small.body, "hello");
  EXPECT_EQ(H(small, "X-Repo-Commit"), c1);
  EXPECT_EQ(H(small, "ETag"), "\"" + GitBlobOid("hello") + "\"");
  http::Request head;
  head.method = "HEAD";
  head.url = sim_->url() + "/sim-user/m1/resolve/main/weights.bin";
  head.headers = {{"Authorization", "Bearer " + token_}};
  // GET follows the 302 to the CDN origin and gets the exact bytes.
  auto full = Call("GET", "/sim-user/m1/resolve/main/weights.bin", token_);
  EXPECT_EQ(full.status, 200);
  EXPECT_TRUE(full.body == big);
  http::Request range = head;
  range.method = "GET";
  range.url = sim_->url() + "/sim-user/m1/resolve/" + c1 + "/notes.txt";
  range.headers.emplace_back("Range", "bytes=1-2");
  auto part = client_->Send(range);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "el");
  auto tree = Body(Call("GET", "/api/models/sim-user/m1/tree/main?recursive=true", token_));
  bool lfs_seen = false;
  for (const auto& e : tree) {
    if (e["path"] == "weights.bin") lfs_seen = e["lfs"]["oid"] == oid;
  }
  EXPECT_TRUE(lfs_seen) << tree.dump();
  // Delete the repo.
  EXPECT_EQ(Call("DELETE", "/api/repos/delete", token_, R"({"name":"m1","type":"model"})").status,
            200);
  EXPECT_EQ(Call("GET", "/api/models/sim-user/m1", token_).status, 404);
}

TEST_F(SimTest, SpaceStateMachine) {
  Start();
  CreateRepo("space", "s1", token_);
  EXPECT_EQ(Stage("sim-user/s1"), "NO_APP_FILE");
  Commit("spaces/sim-user/s1", {FileOp("app.py", "import gradio as gr\n"),
                                FileOp("requirements.txt", "gradio>=5\nnumpy==2.1.0\n")});
  EXPECT_EQ(Stage("sim-user/s1"), "BUILDING");
  clock_.Advance(2100ms);
  for (int i = 0; i < 50 && Stage("sim-user/s1") == "BUILDING"; ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Stage("sim-user/s1"), "APP_STARTING");
  clock_.Advance(1000ms);
  auto rt = Body(Call("GET", "/api/spaces/sim-user/s1/runtime", token_));
  EXPECT_EQ(rt["stage"], "RUNNING");
  EXPECT_EQ(rt["hardware"]["current"], "cpu-basic");

  // A broken requirements line → BUILD_ERROR with the line in errorMessage.
  Commit("spaces/sim-user/s1",
         {FileOp("requirements.txt", "gradio>=5\nthis is not a requirement!\n")});
  clock_.Advance(2100ms);
  rt = Body(Call("GET", "/api/spaces/sim-user/s1/runtime", token_));
  EXPECT_EQ(rt["stage"], "BUILD_ERROR");
  EXPECT_NE(rt["errorMessage"].get<std::string>().find("this is not a requirement!"),
            std::string::npos);

  // app.py that does not compile (checked with python3 -m py_compile when python3 exists).
  Commit("spaces/sim-user/s1",
         {FileOp("requirements.txt", "gradio\n"), FileOp("app.py", "def broken(:\n    pass\n")});
  clock_.Advance(2100ms);
  std::string stage;
  for (int i = 0; i < 100; ++i) {
    stage = Stage("sim-user/s1");
    if (stage != "BUILDING") break;
    std::this_thread::sleep_for(50ms);
  }
  if (system("python3 -c 'pass' >/dev/null 2>&1") == 0) {
    EXPECT_EQ(stage, "BUILD_ERROR");
  }
  // Logs: the build log replays as SSE frames and ends (the build is over).
  auto logs = Call("GET", "/api/spaces/sim-user/s1/logs/build", token_);
  EXPECT_EQ(logs.status, 200);
  EXPECT_NE(logs.body.find("data: {"), std::string::npos);
  EXPECT_NE(logs.body.find("Build Queued"), std::string::npos);
  // Pause / restart.
  EXPECT_EQ(Body(Call("POST", "/api/spaces/sim-user/s1/pause", token_))["stage"], "PAUSED");
  EXPECT_EQ(Body(Call("POST", "/api/spaces/sim-user/s1/restart", token_))["stage"], "BUILDING");
  // Secrets never echo values; variables do.
  Call("POST", "/api/spaces/sim-user/s1/secrets", token_, R"({"key":"K","value":"v"})");
  auto secrets = Body(Call("GET", "/api/spaces/sim-user/s1/secrets", token_));
  EXPECT_TRUE(secrets.contains("K"));
  EXPECT_FALSE(secrets["K"].contains("value"));
  auto vars =
      Body(Call("POST", "/api/spaces/sim-user/s1/variables", token_, R"({"key":"V","value":"1"})"));
  EXPECT_EQ(vars["V"]["value"], "1");
  // Others cannot touch it.
  EXPECT_EQ(Call("POST", "/api/spaces/sim-user/s1/restart", other_).status, 404);
}

TEST_F(SimTest, HardwareRefusals) {
  Start();
  // Free accounts: Gradio on cpu-basic needs PRO (402); on ZeroGPU up to 2 Spaces.
  CreateRepo("space", "g0", other_, 402);
  CreateRepo("space", "z1", other_, 200, R"(,"hardware":"zero-a10g")");
  CreateRepo("space", "z2", other_, 200, R"(,"hardware":"zero-a10g")");
  CreateRepo("space", "z3", other_, 200, R"(,"hardware":"zero-a10g")");
  auto third =
      Call("POST", "/api/spaces/sim-other/z3/hardware", other_, R"({"flavor":"zero-a10g"})");
  EXPECT_EQ(third.status, 403) << third.body;
  EXPECT_NE(Body(third)["error"].get<std::string>().find("maximum number of ZeroGPU"),
            std::string::npos);
  auto paid = Call("POST", "/api/spaces/sim-other/z1/hardware", other_, R"({"flavor":"t4-small"})");
  EXPECT_EQ(paid.status, 403);
  EXPECT_NE(Body(paid)["error"].get<std::string>().find("payment method"), std::string::npos);
  EXPECT_EQ(
      Call("POST", "/api/spaces/sim-other/z1/hardware", other_, R"({"flavor":"h100"})").status,
      400);
  // A PRO user gets ZeroGPU.
  CreateRepo("space", "pro", token_);
  auto ok = Call("POST", "/api/spaces/sim-user/pro/hardware", token_, R"({"flavor":"zero-a10g"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Body(ok)["hardware"]["requested"], "zero-a10g");
}

TEST_F(SimTest, ZeroGpuDenyPolicy) {
  SimOptions o;
  o.zero_gpu = "deny:402";
  Start(o);
  CreateRepo("space", "s", token_);
  auto r = Call("POST", "/api/spaces/sim-user/s/hardware", token_, R"({"flavor":"zero-a10g"})");
  EXPECT_EQ(r.status, 402);
}

TEST_F(SimTest, FaultInjection) {
  SimOptions o;
  o.faults = "POST /api/repos/create=503x2;GET /api/models=429:3x1;GET /api/datasets=truncate";
  Start(o);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"f"})").status, 503);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"f"})").status, 503);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"f"})").status, 200);
  auto limited = Call("GET", "/api/models");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(H(limited, "Retry-After"), "3");
  EXPECT_EQ(Call("GET", "/api/models").status, 200);
  // Truncate: half of the body, then the connection drops — the client sees a transport error.
  http::Request get;
  get.url = sim_->url() + "/api/datasets";
  auto cut = client_->Send(get);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), Code::kUnavailable) << cut.status().ToString();
  // Admin endpoint: replace the rules; bad specs are refused with a message.
  EXPECT_EQ(Call("POST", "/_sim/faults", "", "GET /api/whoami-v2=500").status, 200);
  EXPECT_EQ(Call("GET", "/api/whoami-v2", token_).status, 500);
  auto bad = Call("POST", "/_sim/faults", "", "GET /x=teapot");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Body(bad)["error"].get<std::string>().find("unknown action"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/_sim/faults").status, 200);
  EXPECT_EQ(Call("GET", "/api/whoami-v2", token_).status, 200);
  // Slow: answered after the delay.
  ASSERT_TRUE(sim_->SetFaults("GET /api/whoami-v2=slow:300x1").ok());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(Call("GET", "/api/whoami-v2", token_).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 290ms);
}

TEST_F(SimTest, ResetFaultDropsTheConnectionAndAppliesNothing) {
  Start();
  ASSERT_TRUE(sim_->SetFaults("POST /api/repos/create=resetx1").ok());
  http::Request create;
  create.method = "POST";
  create.url = sim_->url() + "/api/repos/create";
  create.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
  create.body = R"({"name":"reset-me","type":"model","private":true})";
  auto dropped = client_->Send(create);
  ASSERT_FALSE(dropped.ok()) << "a reset must not look like an HTTP answer";
  EXPECT_EQ(dropped.status().code(), Code::kUnavailable) << dropped.status().ToString();
  // Not applied: the repo does not exist, and the next (unfaulted) create succeeds.
  EXPECT_EQ(Call("GET", "/api/models/sim-user/reset-me", token_).status, 404);
  CreateRepo("model", "reset-me", token_);
  // The admin view counts the repo's commits (the initial one).
  auto commits = Call("GET", "/_sim/commits/models/sim-user/reset-me");
  ASSERT_EQ(commits.status, 200) << commits.body;
  EXPECT_EQ(Body(commits)["count"], 1);
  EXPECT_EQ(Call("GET", "/_sim/commits/models/sim-user/nope").status, 404);
}

TEST(FaultSpec, DeterministicBySeed) {
  auto sequence = [](std::uint64_t seed) {
    FaultInjector f(seed);
    EXPECT_TRUE(f.Set("GET /api/*=503@0.5").ok());
    std::string s;
    for (int i = 0; i < 64; ++i) s += f.Decide("GET", "/api/models") ? '1' : '0';
    return s;
  };
  EXPECT_EQ(sequence(7), sequence(7));
  EXPECT_NE(sequence(7), sequence(8));
  std::string s = sequence(7);
  EXPECT_GT(std::count(s.begin(), s.end(), '1'), 10);
  EXPECT_GT(std::count(s.begin(), s.end(), '0'), 10);
}

TEST(FaultSpec, Grammar) {
  auto r = ParseFaultSpec(
      "POST /api/repos/create=503x2; GET /api/models*=429:1 ;\n*/resolve/*=truncate@0.25;reset");
  EXPECT_FALSE(r.ok());  // "reset" alone has no '='
  r = ParseFaultSpec(
      "POST /api/repos/create=503x2; GET /api/models*=429:1 ;\n*/resolve/*=truncate@0.25");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].method, "POST");
  EXPECT_EQ((*r)[0].count, 2);
  EXPECT_EQ((*r)[1].retry_after, 1);
  EXPECT_EQ((*r)[2].kind, FaultKind::kTruncate);
  EXPECT_DOUBLE_EQ((*r)[2].probability, 0.25);
  for (const char* bad :
       {"GET /x=399", "GET /x=slow", "GET /x=503x0", "GET /x=503@2", "=503", "get /x=503"}) {
    EXPECT_FALSE(ParseFaultSpec(bad).ok()) << bad;
  }
  EXPECT_TRUE(GlobMatch("/api/*/runtime", "/api/spaces/a/b/runtime"));
  EXPECT_FALSE(GlobMatch("/api/*/runtime", "/api/spaces/a/b/logs"));
}

TEST_F(SimTest, JobsLifecycle) {
  Start();
  auto ok = Call("POST", "/api/jobs/sim-user", token_,
                 R"({"dockerImage":"python:3.12","command":["echo","hi"],"flavor":"cpu-basic"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  std::string id = Body(ok)["id"];
  EXPECT_EQ(Body(ok)["status"]["stage"], "RUNNING");
  auto fail = Call("POST", "/api/jobs/sim-user", token_,
                   R"({"dockerImage":"python:3.12","command":["bash","-c","exit 3"]})");
  std::string fid = Body(fail)["id"];
  auto cancel = Call("POST", "/api/jobs/sim-user", token_,
                     R"({"dockerImage":"python:3.12","command":["sleep","100"]})");
  std::string cid = Body(cancel)["id"];
  EXPECT_EQ(Body(Call("POST", "/api/jobs/sim-user/" + cid + "/cancel", token_))["status"]["stage"],
            "CANCELED");
  clock_.Advance(5100ms);
  EXPECT_EQ(Body(Call("GET", "/api/jobs/sim-user/" + id, token_))["status"]["stage"], "COMPLETED");
  auto failed = Body(Call("GET", "/api/jobs/sim-user/" + fid, token_));
  EXPECT_EQ(failed["status"]["stage"], "ERROR");
  EXPECT_EQ(Body(Call("GET", "/api/jobs/sim-user/" + cid, token_))["status"]["stage"], "CANCELED");
  auto logs = Call("GET", "/api/jobs/sim-user/" + id + "/logs", token_);
  EXPECT_NE(logs.body.find("\"data\":\"hi\""), std::string::npos) << logs.body;
  EXPECT_EQ(Body(Call("GET", "/api/jobs/sim-user", token_)).size(), 3u);
  EXPECT_EQ(Call("GET", "/api/jobs/sim-user/" + id, other_).status, 404);
  EXPECT_EQ(
      Call("POST", "/api/jobs/sim-org", other_, R"({"dockerImage":"x","command":["a"]})").status,
      403);
  EXPECT_EQ(Call("POST", "/api/jobs/sim-user", token_, R"({"command":["a"]})").status, 400);
}

TEST_F(SimTest, BadInputIsA4xxWithAMessage) {
  SimOptions o;
  o.max_body_bytes = 1 << 20;
  Start(o);
  auto malformed = Call("POST", "/api/repos/create", token_, "{not json");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(Body(malformed).contains("error"));
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"a"})", "text/plain").status, 415);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, "[1,2]").status, 400);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"bad--name"})").status, 400);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, R"({"name":"s","type":"space"})").status,
            400);
  EXPECT_EQ(Call("POST", "/api/repos/create", token_, std::string(2 << 20, 'x')).status, 413);
  CreateRepo("model", "bad", token_);
  const std::string commit = "/api/models/sim-user/bad/commit/main";
  for (const std::string& body :
       {std::string("not json\n"),
        std::string(R"({"key":"file","value":{"path":"a","content":""}})"),
        std::string(R"({"key":"header","value":{"summary":"s"}})"
                    "\n"
                    R"({"key":"file","value":{"path":"../x","content":""}})"),
        std::string(R"({"key":"header","value":{"summary":"s"}})"
                    "\n"
                    R"({"key":"nope","value":{"path":"x"}})"),
        std::string(
            R"({"key":"header","value":{"summary":"s"}})"
            "\n"
            R"({"key":"file","value":{"path":"x","content":"%%%","encoding":"base64"}})")}) {
    auto r = Call("POST", commit, token_, body, "application/x-ndjson");
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_TRUE(Body(r).contains("error")) << r.body;
  }
  EXPECT_EQ(Call("POST", commit, token_, "{}", "application/json").status, 415);
  EXPECT_EQ(Call("GET", "/api/nothing/here").status, 404);
}

TEST(CommitNdjson, ParsesAllOperationKinds) {
  auto r = ParseCommitNdjson(
      R"({"key":"header","value":{"summary":"s","description":"d","parentCommit":"0123456789abcdef0123456789abcdef01234567"}})"
      "\n"
      R"({"key":"file","value":{"path":"a/b.txt","content":"aGk=","encoding":"base64"}})"
      "\r\n"
      R"({"key":"lfsFile","value":{"path":"w.bin","algo":"sha256","oid":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":3}})"
      "\n\n"
      R"({"key":"deletedFile","value":{"path":"old"}})"
      "\n"
      R"({"key":"deletedFolder","value":{"path":"dir"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->header.summary, "s");
  ASSERT_TRUE(r->header.parent_commit.has_value());
  ASSERT_EQ(r->ops.size(), 4u);
  EXPECT_EQ(r->ops[1].size, 3u);
  auto bad = ParseCommitNdjson(R"({"key":"header","value":{"summary":"s"}})"
                               "\n"
                               R"({"key":"header","value":{"summary":"s"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseCommitNdjson("").ok());
  std::string why;
  EXPECT_FALSE(IsValidRepoPath(".git/config", &why));
  EXPECT_FALSE(IsValidRepoPath("a//b", &why));
  EXPECT_TRUE(IsValidRepoPath(".gitattributes", &why));
}

}  // namespace
}  // namespace sf::sim
