// HubClient + the real libcurl client against a minimal Hub played by our own HTTP server on
// 127.0.0.1 (port 0): pagination, the full commit protocol with one LFS file, SSE logs with bounds.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "http/http.h"
#include "hub/hub.h"

namespace sf::hub {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr char kToken[] = "hf_LoopbackToken0123456789";

class LoopbackHub : public ::testing::Test {
 protected:
  void Start() {
    auto s = http::NewHttpServer({}, router_.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    http::ClientOptions o;
    o.max_attempts = 2;
    o.initial_backoff = 1ms;
    o.max_backoff = 2ms;
    o.sleep = [](std::chrono::milliseconds) {};
    client_ = http::NewCurlHttpClient(o);
    HubConfig c;
    c.endpoint = server_->url();
    c.token = kToken;
    hub_ = std::make_unique<HubClient>(*client_, c);
  }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& w : open_streams_) w->End();
      open_streams_.clear();
    }
    if (server_) server_->Stop(200ms);
  }
  std::string Bearer() const { return std::string("Bearer ") + kToken; }

  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<http::HttpClient> client_;
  std::unique_ptr<HubClient> hub_;
  std::mutex mu_;
  std::vector<std::shared_ptr<http::ResponseWriter>> open_streams_;
};

TEST_F(LoopbackHub, PaginationFollowsLinkAndStopsAtLimit) {
  std::vector<std::string> targets;
  router_.Get("/api/models", [&](http::ServerRequest& r, auto w) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      targets.push_back(r.target);
    }
    int page = std::stoi(r.QueryParam("cursor").value_or("0"));
    json items = json::array();
    for (int i = 0; i < 3; ++i)
      items.push_back({{"id", "org/m" + std::to_string(page * 3 + i)}, {"downloads", 100 - i}});
    http::Response resp = http::JsonResponse(200, items.dump());
    if (page < 2) {
      // The next link keeps every parameter and adds an opaque cursor, as the Hub does.
      resp.headers.emplace_back(
          "Link", "<" + server_->url() +
                      "/api/models?search=" + r.QueryParam("search").value_or("") +
                      "&limit=3&cursor=" + std::to_string(page + 1) + ">; rel=\"next\"");
    }
    w->Respond(std::move(resp));
  });
  Start();
  SearchParams p;
  p.search = "m";
  p.limit = 8;
  p.page_size = 3;
  auto r = hub_->Search(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 8u) << "3 + 3 + 2 of the third page";
  std::unique_lock<std::mutex> lock(mu_);
  EXPECT_EQ(r->front().id, "org/m0");
  EXPECT_EQ(r->back().id, "org/m7");
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[0], "/api/models?search=m&limit=3");
  EXPECT_EQ(targets[2], "/api/models?search=m&limit=3&cursor=2");

  lock.unlock();
  // Without a cap every page is read; with a cap inside page 1 only one request is made.
  p.limit = 0;
  r = hub_->Search(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 9u);
  lock.lock();
  targets.clear();
  lock.unlock();
  p.limit = 2;
  r = hub_->Search(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  lock.lock();
  EXPECT_EQ(targets.size(), 1u);
}

TEST_F(LoopbackHub, CommitWithRegularAndLfsFile) {
  const std::string app = "import gradio as gr\nprint('hi')\n";
  std::string weights(4096, '\0');
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<char>(i * 7);
  const std::string oid = Sha256Hex(weights);

  std::vector<std::string> order;
  json preupload_body, batch_body, verify_body;
  std::string put_body, put_auth, put_custom, commit_body, commit_ctype, batch_auth, verify_auth;
  // Handlers run on the server's io thread: they write under mu_, the test reads under mu_.
  auto log = [&](const std::string& s) { order.push_back(s); };
  router_.Post("/api/spaces/{owner}/{name}/preupload/{rev}", [&](http::ServerRequest& r, auto w) {
    std::lock_guard<std::mutex> lock(mu_);
    log("preupload " + r.PathParam("owner") + "/" + r.PathParam("name") + "@" + r.PathParam("rev"));
    preupload_body = json::parse(r.body, nullptr, false);
    EXPECT_EQ(r.Header("Authorization"), Bearer());
    json files = json::array();
    for (const auto& f : preupload_body["files"])
      files.push_back({{"path", f["path"]},
                       {"uploadMode", f["size"].get<int>() > 1000 ? "lfs" : "regular"},
                       {"shouldIgnore", false}});
    w->Respond(http::JsonResponse(200, json({{"files", files}, {"commitOid", "tip0"}}).dump()));
  });
  router_.Post("/spaces/{owner}/{repo}/info/lfs/objects/batch",
               [&](http::ServerRequest& r, auto w) {
                 std::lock_guard<std::mutex> lock(mu_);
                 log("batch " + r.PathParam("repo"));
                 batch_body = json::parse(r.body, nullptr, false);
                 batch_auth = r.Header("Authorization").value_or("");
                 EXPECT_EQ(r.Header("Content-Type"), "application/vnd.git-lfs+json");
                 EXPECT_EQ(r.Header("Accept"), "application/vnd.git-lfs+json");
                 json objects = json::array();
                 for (const auto& o : batch_body["objects"]) {
                   std::string obj_oid = o["oid"];
                   objects.push_back({{"oid", obj_oid},
                                      {"size", o["size"]},
                                      {"actions",
                                       {{"upload",
                                         {{"href", server_->url() + "/lfs-store/" + obj_oid},
                                          {"header", {{"X-Upload-Token", "signed-123"}}}}},
                                        {"verify", {{"href", server_->url() + "/lfs-verify"}}}}}});
                 }
                 http::Response resp{200,
                                     {{"Content-Type", "application/vnd.git-lfs+json"}},
                                     json({{"transfer", "basic"}, {"objects", objects}}).dump()};
                 w->Respond(std::move(resp));
               });
  router_.Put("/lfs-store/{oid}", [&](http::ServerRequest& r, auto w) {
    std::lock_guard<std::mutex> lock(mu_);
    log("put " + r.PathParam("oid"));
    put_body = r.body;
    put_auth = r.Header("Authorization").value_or("");
    put_custom = r.Header("X-Upload-Token").value_or("");
    w->Respond(http::TextResponse(200, ""));
  });
  router_.Post("/lfs-verify", [&](http::ServerRequest& r, auto w) {
    std::lock_guard<std::mutex> lock(mu_);
    log("verify");
    verify_body = json::parse(r.body, nullptr, false);
    verify_auth = r.Header("Authorization").value_or("");
    w->Respond(http::JsonResponse(200, "{}"));
  });
  router_.Post("/api/spaces/{owner}/{name}/commit/{rev}", [&](http::ServerRequest& r, auto w) {
    std::lock_guard<std::mutex> lock(mu_);
    log("commit " + r.PathParam("rev"));
    commit_body = r.body;
    commit_ctype = r.Header("Content-Type").value_or("");
    w->Respond(http::JsonResponse(
        200, R"({"success":true,"commitOid":"c0ffee","commitUrl":")" + server_->url() +
                 R"(/spaces/alice/demo/commit/c0ffee","hookOutput":""})"));
  });
  Start();

  CommitOptions o;
  o.repo_id = "alice/demo";
  o.summary = "Add app";
  o.description = "generated by spacefactory";
  o.files = {{"app.py", app}, {"weights.bin", weights}};
  o.deleted_files = {"old.txt"};
  auto r = hub_->Commit(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(r->commit_oid, "c0ffee");
  EXPECT_EQ(r->regular_files, 1u);
  EXPECT_EQ(r->lfs_files, 1u);
  EXPECT_EQ(r->lfs_uploaded, 1u);

  EXPECT_EQ(order, (std::vector<std::string>{"preupload alice/demo@main", "batch demo.git",
                                             "put " + oid, "verify", "commit main"}));
  // Preupload: path, size, base64 sample of the first 512 bytes.
  ASSERT_EQ(preupload_body["files"].size(), 2u);
  EXPECT_EQ(preupload_body["files"][0]["path"], "app.py");
  EXPECT_EQ(preupload_body["files"][0]["size"], app.size());
  EXPECT_EQ(preupload_body["files"][0]["sample"], Base64(app));
  EXPECT_EQ(preupload_body["files"][1]["sample"], Base64(weights.substr(0, 512)));
  // Batch: basic transfer, sha256 oid and size, token sent.
  EXPECT_EQ(batch_body["operation"], "upload");
  EXPECT_EQ(batch_body["transfers"], json({"basic"}));
  EXPECT_EQ(batch_body["hash_algo"], "sha256");
  EXPECT_EQ(batch_body["ref"]["name"], "main");
  EXPECT_EQ(batch_body["objects"], json({{{"oid", oid}, {"size", 4096}}}));
  EXPECT_EQ(batch_auth, Bearer());
  // PUT: raw bytes, the action's headers, never the Hub token.
  EXPECT_EQ(put_body, weights);
  EXPECT_EQ(put_custom, "signed-123");
  EXPECT_TRUE(put_auth.empty());
  EXPECT_EQ(verify_body, json({{"oid", oid}, {"size", 4096}}));
  EXPECT_EQ(verify_auth, Bearer()) << "verify href is on the Hub's own origin";
  // Commit: NDJSON, header first, then file / lfsFile / deletedFile, exactly as specified.
  EXPECT_EQ(commit_ctype, "application/x-ndjson");
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < commit_body.size();) {
    auto nl = commit_body.find('\n', pos);
    ASSERT_NE(nl, std::string::npos) << "every line ends with \\n";
    lines.push_back(commit_body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(
      lines[0],
      R"({"key":"header","value":{"summary":"Add app","description":"generated by spacefactory"}})");
  EXPECT_EQ(lines[1], R"({"key":"file","value":{"content":")" + Base64(app) +
                          R"(","path":"app.py","encoding":"base64"}})");
  EXPECT_EQ(lines[2], R"({"key":"lfsFile","value":{"path":"weights.bin","algo":"sha256","oid":")" +
                          oid + R"(","size":4096}})");
  EXPECT_EQ(lines[3], R"({"key":"deletedFile","value":{"path":"old.txt"}})");
}

TEST_F(LoopbackHub, LfsObjectAlreadyStoredIsNotUploaded) {
  std::atomic<int> puts{0};
  router_.Post("/api/models/{owner}/{name}/preupload/{rev}", [&](http::ServerRequest&, auto w) {
    w->Respond(http::JsonResponse(
        200, R"({"files":[{"path":"w.bin","uploadMode":"lfs","shouldIgnore":false}]})"));
  });
  router_.Post("/{owner}/{repo}/info/lfs/objects/batch", [&](http::ServerRequest& r, auto w) {
    auto b = json::parse(r.body);
    json objects = json::array();
    for (const auto& o : b["objects"]) objects.push_back({{"oid", o["oid"]}, {"size", o["size"]}});
    w->Respond(http::JsonResponse(200, json({{"objects", objects}}).dump()));
  });
  router_.Put("/lfs-store/{oid}", [&](http::ServerRequest&, auto w) {
    ++puts;
    w->Respond(http::TextResponse(200, ""));
  });
  std::string rev_seen;
  router_.Post("/api/models/{owner}/{name}/commit/{rev}", [&](http::ServerRequest& r, auto w) {
    std::lock_guard<std::mutex> lock(mu_);
    rev_seen = r.PathParam("rev");
    w->Respond(http::JsonResponse(200, R"({"success":true,"commitOid":"c1","commitUrl":"u"})"));
  });
  Start();
  CommitOptions o;
  o.type = RepoType::kModel;
  o.repo_id = "alice/m";
  o.revision = "refs/pr/1";
  o.files = {{"w.bin", std::string(2000, 'x')}};
  auto r = hub_->Commit(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(puts, 0);
  EXPECT_EQ(r->lfs_uploaded, 0u);
  EXPECT_EQ(r->lfs_files, 1u);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(rev_seen, "refs/pr/1") << "sent percent-encoded, decoded by the router";
}

TEST_F(LoopbackHub, LfsObjectErrorFailsTheCommitBeforeCommitting) {
  std::atomic<bool> committed{false};
  router_.Post("/api/spaces/{owner}/{name}/preupload/{rev}", [&](http::ServerRequest&, auto w) {
    w->Respond(http::JsonResponse(200, R"({"files":[{"path":"w.bin","uploadMode":"lfs"}]})"));
  });
  router_.Post("/spaces/{owner}/{repo}/info/lfs/objects/batch",
               [&](http::ServerRequest& r, auto w) {
                 auto b = json::parse(r.body);
                 json objects = json::array();
                 for (const auto& o : b["objects"])
                   objects.push_back({{"oid", o["oid"]},
                                      {"size", o["size"]},
                                      {"error", {{"code", 422}, {"message", "Object too large"}}}});
                 w->Respond(http::JsonResponse(200, json({{"objects", objects}}).dump()));
               });
  router_.Post("/api/spaces/{owner}/{name}/commit/{rev}", [&](http::ServerRequest&, auto w) {
    committed = true;
    w->Respond(http::JsonResponse(200, "{}"));
  });
  Start();
  CommitOptions o;
  o.repo_id = "alice/demo";
  o.files = {{"w.bin", std::string(2000, 'y')}};
  auto r = hub_->Commit(o);
  EXPECT_EQ(r.status().code(), Code::kRemote);
  EXPECT_NE(r.status().message().find("Object too large"), std::string::npos);
  EXPECT_FALSE(committed);
}

TEST_F(LoopbackHub, SseLogsStopAtLineLimit) {
  router_.Get("/api/spaces/{owner}/{name}/logs/{kind}", [&](http::ServerRequest& r, auto w) {
    EXPECT_EQ(r.Header("Authorization"), Bearer());
    w->BeginSse();
    w->WriteComment("keep-alive");
    for (int i = 0; i < 5; ++i)
      w->WriteEvent({"message",
                     json({{"data", r.PathParam("kind") + " line " + std::to_string(i) + "\n"},
                           {"timestamp", "2026-01-01T00:00:0" + std::to_string(i) + "Z"}})
                         .dump(),
                     ""});
    std::lock_guard<std::mutex> lock(mu_);
    open_streams_.push_back(w);  // never ends by itself: the client must bound the read
  });
  Start();
  LogOptions opts;
  opts.max_lines = 3;
  opts.max_duration = 10s;
  auto start = std::chrono::steady_clock::now();
  auto r = hub_->ReadSpaceLogs("alice/demo", LogKind::kBuild, opts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_EQ(r->lines.size(), 3u);
  EXPECT_TRUE(r->hit_line_limit);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->lines[0].text, "build line 0");
  EXPECT_EQ(r->lines[2].timestamp, "2026-01-01T00:00:02Z");

  // Callback can stop early too.
  int seen = 0;
  r = hub_->ReadSpaceLogs("alice/demo", LogKind::kRun, opts, [&](const LogLine& l) {
    EXPECT_EQ(l.text, "run line 0");
    return ++seen < 1;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->lines.size(), 1u);
}

TEST_F(LoopbackHub, SseLogsStopAtTimeBound) {
  router_.Get("/api/spaces/{owner}/{name}/logs/{kind}", [&](http::ServerRequest&, auto w) {
    w->BeginSse();
    for (int i = 0; i < 2; ++i)
      w->WriteEvent(
          {"message", json({{"data", "l" + std::to_string(i)}, {"timestamp", "t"}}).dump(), ""});
    std::lock_guard<std::mutex> lock(mu_);
    open_streams_.push_back(w);
  });
  router_.Get("/api/spaces/{owner}/{name}/runtime", [&](http::ServerRequest&, auto w) {
    w->Respond(http::JsonResponse(404, R"({"error":"Repository not found"})"));
  });
  Start();
  LogOptions opts;
  opts.max_lines = 100;
  opts.idle_timeout = 1s;
  opts.max_duration = 3s;
  auto start = std::chrono::steady_clock::now();
  auto r = hub_->ReadSpaceLogs("alice/demo", LogKind::kRun, opts);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->lines.size(), 2u);
  EXPECT_LT(took, 4s);
}

TEST_F(LoopbackHub, SseLogsErrorStatusIsMapped) {
  router_.Get("/api/spaces/{owner}/{name}/logs/{kind}", [&](http::ServerRequest&, auto w) {
    w->Respond(
        http::Response{404,
                       {{"Content-Type", "application/json"}, {"X-Error-Code", "RepoNotFound"}},
                       R"({"error":"Repository not found"})"});
  });
  Start();
  auto r = hub_->ReadSpaceLogs("alice/private", LogKind::kBuild);
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message().find(kToken), std::string::npos);
}

TEST_F(LoopbackHub, RateLimitedAfterRetriesKeepsTheHubsMessage) {
  std::atomic<int> calls{0};
  router_.Get("/api/datasets", [&](http::ServerRequest&, auto w) {
    ++calls;
    w->Respond(
        http::Response{429,
                       {{"Content-Type", "application/json"},
                        {"Retry-After", "1"},
                        {"RateLimit", "\"api\";r=0;t=1"}},
                       R"({"error":"You have exceeded our hourly quotas for action: api"})"});
  });
  Start();
  SearchParams p;
  p.type = RepoType::kDataset;
  auto r = hub_->Search(p);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("rate limited"), std::string::npos);
  EXPECT_NE(r.status().message().find("exceeded our hourly quotas"), std::string::npos);
  EXPECT_EQ(calls, 2) << "the HTTP client retried the GET once (max_attempts = 2)";
}

TEST_F(LoopbackHub, CommitIsNotRetriedOn503) {
  std::atomic<int> commits{0};
  router_.Post("/api/spaces/{owner}/{name}/preupload/{rev}", [&](http::ServerRequest&, auto w) {
    w->Respond(http::JsonResponse(200, R"({"files":[{"path":"app.py","uploadMode":"regular"}]})"));
  });
  router_.Post("/api/spaces/{owner}/{name}/commit/{rev}", [&](http::ServerRequest&, auto w) {
    ++commits;
    w->Respond(http::JsonResponse(503, R"({"error":"try later"})"));
  });
  Start();
  CommitOptions o;
  o.repo_id = "alice/demo";
  o.files = {{"app.py", "x"}};
  auto r = hub_->Commit(o);
  EXPECT_EQ(r.status().code(), Code::kRemote);
  EXPECT_EQ(commits, 1) << "a commit POST is never retried blindly";
}

}  // namespace
}  // namespace sf::hub
