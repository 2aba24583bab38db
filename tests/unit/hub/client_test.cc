// HubClient against a scripted fake HttpClient: request shapes, error mapping, secret hygiene.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_http.h"
#include "hub/hub.h"

namespace sf::hub {
namespace {

using testing::Auth;
using testing::FakeHttp;
using json = nlohmann::json;

constexpr char kToken[] = "hf_SuperSecretToken0123456789";
constexpr char kEndpoint[] = "http://hub.test";

HubConfig Config(bool with_token = true) {
  HubConfig c;
  c.endpoint = kEndpoint;
  if (with_token) c.token = kToken;
  return c;
}

void ExpectNoSecret(const Status& s, const std::string& secret = kToken) {
  EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
}

TEST(HubClientTest, WhoamiParsesAndCaches) {
  FakeHttp http;
  http.Push(200, R"({"type":"user","id":"1","name":"alice","fullname":"Alice A","email":"a@x",
    "canPay":false,"isPro":true,"orgs":[{"name":"acme"},{"name":"labs"}],
    "auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"write"}}})");
  HubClient hub(http, Config());
  auto me = hub.Whoami();
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->name, "alice");
  EXPECT_EQ(me->fullname, "Alice A");
  EXPECT_TRUE(me->is_pro);
  EXPECT_FALSE(me->can_pay);
  EXPECT_EQ(me->orgs, (std::vector<std::string>{"acme", "labs"}));
  EXPECT_EQ(me->token_role, "write");
  EXPECT_EQ(me->token_name, "laptop");
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url, "http://hub.test/api/whoami-v2");
  EXPECT_EQ(Auth(http.requests[0]), std::string("Bearer ") + kToken);
  ASSERT_TRUE(hub.Whoami().ok());
  EXPECT_EQ(http.requests.size(), 1u) << "whoami is cached (strict rate limit)";
}

TEST(HubClientTest, WhoamiErrors) {
  FakeHttp http;
  HubClient anon(http, Config(false));
  auto r = anon.Whoami();
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_TRUE(http.requests.empty());

  http.Push(401, R"({"error":"Invalid credentials in Authorization header"})");
  HubClient bad(http, Config());
  r = bad.Whoami();
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("invalid or expired"), std::string::npos);
}

TEST(HubClientTest, SearchBuildsQuery) {
  FakeHttp http;
  http.Push(
      200, R"([{"id":"a/asr","downloads":10,"likes":2,"pipeline_tag":"automatic-speech-recognition",
    "lastModified":"2026-01-01T00:00:00.000Z"},{"id":"b/asr2"}])");
  HubClient hub(http, Config());
  SearchParams p;
  p.search = "speech recognition";
  p.author = "acme";
  p.filters = {"license:mit", "en"};
  p.sort = "downloads";
  p.limit = 5;
  p.expand = {"downloads", "likes"};
  auto r = hub.Search(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "a/asr");
  EXPECT_EQ((*r)[0].downloads, 10);
  EXPECT_EQ((*r)[0].pipeline_tag, "automatic-speech-recognition");
  EXPECT_FALSE((*r)[1].downloads.has_value());
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(
      http.requests[0].url,
      "http://hub.test/api/models?search=speech%20recognition&author=acme&filter=license%3Amit"
      "&filter=en&sort=downloads&limit=5&expand=downloads&expand=likes");

  p = SearchParams{};
  p.type = RepoType::kSpace;
  p.full = true;
  p.expand = {"sdk"};
  EXPECT_EQ(hub.Search(p).status().code(), Code::kInvalidArgument);
  p.expand.clear();
  http.Push(200, R"([{"id":"s/one","sdk":"gradio"}])");
  r = hub.Search(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].sdk, "gradio");
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces?limit=20&full=true");
}

TEST(HubClientTest, SearchNeverSendsTheTokenToAnotherHost) {
  FakeHttp http;
  http.Push(200, R"([{"id":"a/1"}])", {{"Link", "</api/models?cursor=2>; rel=\"next\""}});
  http.Push(200, R"([{"id":"a/2"}])",
            {{"Link", "<https://elsewhere.example/api/models?cursor=3>; rel=\"next\""}});
  http.Push(200, R"([{"id":"a/3"}])");
  HubClient hub(http, Config());
  SearchParams p;
  p.limit = 0;
  auto r = hub.Search(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 3u);
  ASSERT_EQ(http.requests.size(), 3u);
  EXPECT_EQ(http.requests[1].url, "http://hub.test/api/models?cursor=2");
  EXPECT_FALSE(Auth(http.requests[1]).empty());
  EXPECT_EQ(http.requests[2].url, "https://elsewhere.example/api/models?cursor=3");
  EXPECT_TRUE(Auth(http.requests[2]).empty());
}

TEST(HubClientTest, NextLinkParsing) {
  EXPECT_EQ(NextLinkFromHeader(R"(<https://h/api/models?cursor=a,b>; rel="next")"),
            "https://h/api/models?cursor=a,b");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://h/p1>; rel="prev", <https://h/p3>; rel=next)"),
            "https://h/p3");
  EXPECT_EQ(NextLinkFromHeader(R"(<https://h/p1>; rel="prev")"), std::nullopt);
  EXPECT_EQ(NextLinkFromHeader(""), std::nullopt);
  EXPECT_EQ(NextLinkFromHeader("<unterminated"), std::nullopt);
}

TEST(HubClientTest, CreatePrivateGradioSpace) {
  FakeHttp http;
  http.Push(200, R"({"url":"http://hub.test/spaces/alice/demo","name":"alice/demo","id":"67ca"})");
  HubClient hub(http, Config());
  CreateRepoOptions o;
  o.repo_id = "alice/demo";
  auto r = hub.CreateRepo(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->repo_id, "alice/demo");
  EXPECT_EQ(r->url, "http://hub.test/spaces/alice/demo");
  const auto& req = http.requests.at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://hub.test/api/repos/create");
  EXPECT_FALSE(req.idempotent_override);
  auto body = json::parse(req.body);
  EXPECT_EQ(body["type"], "space");
  EXPECT_EQ(body["name"], "demo");
  EXPECT_EQ(body["organization"], "alice");
  EXPECT_EQ(body["private"], true);
  EXPECT_EQ(body["sdk"], "gradio");

  http.Push(200, R"({"url":"http://hub.test/m","name":"m","id":"1"})");
  o = CreateRepoOptions{};
  o.type = RepoType::kModel;
  o.repo_id = "m";
  ASSERT_TRUE(hub.CreateRepo(o).ok());
  body = json::parse(http.requests.back().body);
  EXPECT_TRUE(body["organization"].is_null());
  EXPECT_FALSE(body.contains("sdk"));
}

TEST(HubClientTest, CreateConflictIsAlreadyExistsWithOwnership) {
  FakeHttp http;
  http.Push(
      409,
      R"({"error":"You already created this space repo","url":"http://hub.test/spaces/alice/demo"})");
  http.Push(200, R"({"id":"alice/demo","private":true,"sdk":"gradio"})");  // the follow-up probe
  HubClient hub(http, Config());
  CreateRepoOptions o;
  o.repo_id = "alice/demo";
  RepoConflict c;
  auto r = hub.CreateRepo(o, &c);
  EXPECT_EQ(r.status().code(), Code::kAlreadyExists);
  EXPECT_TRUE(c.ours);
  EXPECT_EQ(c.is_private, true);
  EXPECT_EQ(c.url, "http://hub.test/spaces/alice/demo");
  EXPECT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[1].url, "http://hub.test/api/spaces/alice/demo?blobs=true");

  http.Push(409, R"({"error":"Repository already exists"})");
  http.Push(404, R"({"error":"nope"})", {{"X-Error-Code", "RepoNotFound"}});
  RepoConflict c2;
  r = hub.CreateRepo(o, &c2);
  EXPECT_EQ(r.status().code(), Code::kAlreadyExists);
  EXPECT_FALSE(c2.ours);
  EXPECT_FALSE(c2.is_private.has_value());

  http.Push(409, R"({"error":"Cannot create repo: another conflicting operation is in progress"})");
  EXPECT_EQ(hub.CreateRepo(o).status().code(), Code::kUnavailable);
}

TEST(HubClientTest, Create402ExplainsThePaidPlanRule) {
  FakeHttp http;
  http.Push(
      402,
      R"({"error":"Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription. Subscribe at https://huggingface.co/pro"})");
  HubClient hub(http, Config());
  CreateRepoOptions o;
  o.repo_id = "alice/demo";
  auto r = hub.CreateRepo(o);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("payment required"), std::string::npos) << m;
  EXPECT_NE(m.find("paid plan"), std::string::npos) << m;
  EXPECT_NE(m.find("zero-a10g"), std::string::npos) << m;
  EXPECT_NE(m.find("PRO subscription"), std::string::npos) << "keeps the Hub's own words: " << m;

  http.Push(
      403,
      R"({"error":"You don't have the rights to create a space under the namespace \"acme\""})");
  o.repo_id = "acme/demo";
  r = hub.CreateRepo(o);
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("rights"), std::string::npos);
}

http::Response Resp(int status, http::Headers headers, std::string body) {
  return http::Response{status, std::move(headers), std::move(body)};
}

TEST(HubClientTest, ErrorMappingTable) {
  auto s = StatusFromResponse(
      Resp(
          401, {{"X-Error-Code", "GatedRepo"}},
          R"({"error":"Access to model a/b is restricted. You must have access to it and be authenticated to access it. Please log in."})"),
      "model a/b");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("gated"), std::string::npos);
  EXPECT_NE(s.message().find("log in"), std::string::npos);
  s = StatusFromResponse(Resp(403, {{"X-Error-Code", "GatedRepo"}},
                              R"({"error":"you are not in the authorized list"})"),
                         "model a/b");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("not (yet) approved"), std::string::npos);
  // Private repo: anonymous → 401 without code; authenticated → 404 RepoNotFound. Both kNotFound.
  s = StatusFromResponse(Resp(401, {}, R"({"error":"Repository not found"})"), "space a/b");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("private"), std::string::npos);
  s = StatusFromResponse(Resp(404, {{"X-Error-Code", "RepoNotFound"}}, "{}"), "space a/b");
  EXPECT_EQ(s.code(), Code::kNotFound);
  s = StatusFromResponse(
      Resp(404, {{"X-Error-Code", "RevisionNotFound"}}, R"({"error":"Invalid rev id: nope"})"),
      "model a/b");
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("revision"), std::string::npos);
  s = StatusFromResponse(
      Resp(403, {{"X-Error-Message", "Access to this resource is disabled."}}, ""), "model a/b");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("disabled"), std::string::npos);
  s = StatusFromResponse(Resp(402, {}, R"({"error":"pay"})"), "x");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  s = StatusFromResponse(
      Resp(412, {}, R"({"error":"A commit has happened since. Please refresh and try again."})"),
      "commit");
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("A commit has happened since"), std::string::npos);
  s = StatusFromResponse(Resp(429, {{"Retry-After", "42"}}, R"({"error":"slow down"})"), "search");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("rate limited"), std::string::npos);
  EXPECT_NE(s.message().find("42 s"), std::string::npos);
  EXPECT_NE(s.message().find("slow down"), std::string::npos);
  s = StatusFromResponse(Resp(400, {}, R"({"errors":[{"message":"bad flavor"}]})"), "x");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("bad flavor"), std::string::npos);
}

TEST(HubClientTest, TokenAndSecretsNeverInErrorMessages) {
  FakeHttp http;
  const std::string secret_value = "sk-very-secret-value-123";
  http.handler = [&](const http::Request& r) -> Result<http::Response> {
    // A hostile or buggy server that echoes everything it received, in every error channel.
    std::string echo = r.url + " " + Auth(r) + " " + r.body;
    return http::Response{500, {{"X-Error-Message", echo}}, json({{"error", echo}}).dump()};
  };
  HubClient hub(http, Config());
  std::vector<Status> errors;
  errors.push_back(hub.Whoami().status());
  errors.push_back(hub.GetModelInfo("a/b").status());
  errors.push_back(hub.DownloadFile("a/b", "README.md").status());
  errors.push_back(hub.GetSpaceRuntime("a/b").status());
  errors.push_back(hub.AddSpaceSecret("a/b", "OPENAI_KEY", secret_value));
  errors.push_back(hub.CreateRepo({RepoType::kSpace, "a/b", true, "gradio", {}, {}}).status());
  JobSpec spec;
  spec.docker_image = "python:3.12";
  spec.command = {"python", "-c", "print(1)"};
  spec.secrets = {{"HF_TOKEN", secret_value}};
  errors.push_back(hub.CreateJob("alice", spec).status());
  errors.push_back(hub.Commit({RepoType::kSpace,
                               "a/b",
                               "main",
                               "s",
                               "",
                               {{"app.py", "x"}},
                               {},
                               {},
                               std::nullopt,
                               false,
                               false})
                       .status());
  SearchParams p;
  errors.push_back(hub.Search(p).status());
  for (const auto& s : errors) {
    EXPECT_FALSE(s.ok());
    ExpectNoSecret(s);
    ExpectNoSecret(s, secret_value);
  }
  // Transport errors too.
  http.handler = [](const http::Request& r) -> Result<http::Response> {
    return Status(Code::kUnavailable, "connection refused " + Auth(r));
  };
  auto s = hub.GetSpaceRuntime("a/b").status();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  ExpectNoSecret(s);
}

TEST(HubClientTest, SpaceRuntimeHardwareSleepRestart) {
  FakeHttp http;
  const std::string building =
      R"({"stage":"BUILDING","hardware":{"current":null,"requested":"cpu-basic"},"storage":null,
      "gcTimeout":172800,"replicas":{"requested":1},"devMode":false,
      "domains":[{"domain":"alice-demo.hf.space","stage":"READY"}]})";
  http.Push(200, building);
  HubClient hub(http, Config());
  auto rt = hub.GetSpaceRuntime("alice/demo");
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  EXPECT_EQ(rt->stage, "BUILDING");
  EXPECT_TRUE(rt->IsTransitional());
  EXPECT_FALSE(rt->hardware_current.has_value());
  EXPECT_EQ(rt->hardware_requested, "cpu-basic");
  EXPECT_EQ(rt->gc_timeout, 172800);
  EXPECT_EQ(rt->domains, std::vector<std::string>{"alice-demo.hf.space"});
  EXPECT_EQ(http.requests[0].url, "http://hub.test/api/spaces/alice/demo/runtime");

  http.Push(200,
            R"({"stage":"RUNNING","hardware":{"current":"cpu-basic","requested":"zero-a10g"}})");
  rt = hub.RequestSpaceHardware("alice/demo", "zero-a10g", 3600);
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ(rt->hardware_requested, "zero-a10g");
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces/alice/demo/hardware");
  EXPECT_EQ(json::parse(http.requests.back().body),
            json({{"flavor", "zero-a10g"}, {"sleepTimeSeconds", 3600}}));

  http.Push(402, R"({"error":"ZeroGPU quota reached"})");
  rt = hub.RequestSpaceHardware("alice/demo", "zero-a10g");
  EXPECT_EQ(rt.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(rt.status().message().find("ZeroGPU quota reached"), std::string::npos);
  EXPECT_NE(rt.status().message().find("Space settings"), std::string::npos);

  http.Push(200, building);
  ASSERT_TRUE(hub.SetSpaceSleepTime("alice/demo", -1).ok());
  EXPECT_EQ(json::parse(http.requests.back().body), json({{"seconds", -1}}));

  http.Push(200, building);
  ASSERT_TRUE(hub.RestartSpace("alice/demo", true).ok());
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces/alice/demo/restart?factory=true");
  EXPECT_EQ(http.requests.back().method, "POST");
  // A body that is not a runtime: the runtime is read back.
  http.Push(200, "{}");
  http.Push(200, building);
  ASSERT_TRUE(hub.RestartSpace("alice/demo").ok());
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces/alice/demo/runtime");

  EXPECT_EQ(hub.GetSpaceRuntime("no-namespace").status().code(), Code::kInvalidArgument);
}

TEST(HubClientTest, SecretsAndVariables) {
  FakeHttp http;
  HubClient hub(http, Config());
  http.Push(200, "{}");
  ASSERT_TRUE(
      hub.AddSpaceSecret("alice/demo", "HF_TOKEN", "hf_inner_value_1234", "for inference").ok());
  EXPECT_EQ(http.requests.back().method, "POST");
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces/alice/demo/secrets");
  EXPECT_EQ(json::parse(http.requests.back().body), json({{"key", "HF_TOKEN"},
                                                          {"value", "hf_inner_value_1234"},
                                                          {"description", "for inference"}}));
  http.Push(200, "{}");
  ASSERT_TRUE(hub.DeleteSpaceSecret("alice/demo", "HF_TOKEN").ok());
  EXPECT_EQ(http.requests.back().method, "DELETE");
  EXPECT_EQ(json::parse(http.requests.back().body), json({{"key", "HF_TOKEN"}}));
  http.Push(200, R"({"MODEL_ID":{"value":"a/b","updatedAt":"2026-01-01"}})");
  ASSERT_TRUE(hub.AddSpaceVariable("alice/demo", "MODEL_ID", "a/b").ok());
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/spaces/alice/demo/variables");
  http.Push(200, R"({"MODEL_ID":{"value":"a/b"}})");
  auto vars = hub.GetSpaceVariables("alice/demo");
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ(vars->at("MODEL_ID"), "a/b");
  http.Push(200, "{}");
  ASSERT_TRUE(hub.DeleteSpaceVariable("alice/demo", "MODEL_ID").ok());
  EXPECT_EQ(http.requests.back().method, "DELETE");
}

TEST(HubClientTest, DeleteRepo) {
  FakeHttp http;
  HubClient hub(http, Config());
  http.Push(200, "OK");
  ASSERT_TRUE(hub.DeleteRepo(RepoType::kSpace, "alice/demo").ok());
  EXPECT_EQ(http.requests.back().method, "DELETE");
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/repos/delete");
  EXPECT_EQ(json::parse(http.requests.back().body),
            json({{"name", "demo"}, {"organization", "alice"}, {"type", "space"}}));
  http.Push(404, "{}", {{"X-Error-Code", "RepoNotFound"}});
  EXPECT_EQ(hub.DeleteRepo(RepoType::kSpace, "alice/demo").code(), Code::kNotFound);
}

TEST(HubClientTest, Jobs) {
  FakeHttp http;
  HubClient hub(http, Config());
  http.Push(200, R"({"name":"alice","type":"user"})");  // whoami for the namespace
  http.Push(200, R"({"id":"job123","status":{"stage":"SCHEDULING"},"owner":{"name":"alice"},
    "flavor":"cpu-basic","secrets":["HF_TOKEN"]})");
  JobSpec spec;
  spec.docker_image = "python:3.12";
  spec.command = {"python", "-c", "print(1)"};
  spec.environment = {{"A", "1"}};
  spec.secrets = {{"HF_TOKEN", "hf_job_secret_abcdef"}};
  spec.timeout_seconds = 600;
  spec.labels = {{"name", "run-42"}};
  auto job = hub.CreateJob("", spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->id, "job123");
  EXPECT_EQ(job->stage, "SCHEDULING");
  EXPECT_FALSE(job->IsTerminal());
  EXPECT_EQ(job->Url(kEndpoint), "http://hub.test/jobs/alice/job123");
  const auto& req = http.requests.back();
  EXPECT_EQ(req.url, "http://hub.test/api/jobs/alice");
  EXPECT_FALSE(req.idempotent_override);
  auto body = json::parse(req.body);
  EXPECT_EQ(body["dockerImage"], "python:3.12");
  EXPECT_EQ(body["command"], json({"python", "-c", "print(1)"}));
  EXPECT_EQ(body["flavor"], "cpu-basic");
  EXPECT_EQ(body["timeoutSeconds"], 600);
  EXPECT_EQ(body["secrets"]["HF_TOKEN"], "hf_job_secret_abcdef");
  EXPECT_EQ(body["labels"]["name"], "run-42");
  EXPECT_FALSE(body.contains("spaceId"));

  http.Push(200, R"({"id":"job123","status":{"stage":"COMPLETED"},"owner":{"name":"alice"}})");
  job = hub.GetJob("alice", "job123");
  ASSERT_TRUE(job.ok());
  EXPECT_TRUE(job->IsTerminal());
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/jobs/alice/job123");

  http.Push(200, "{}");
  EXPECT_TRUE(hub.CancelJob("alice", "job123").ok());
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/jobs/alice/job123/cancel");
  EXPECT_EQ(http.requests.back().method, "POST");

  http.Push(404, R"({"error":"Job not found"})");
  EXPECT_EQ(hub.GetJob("alice", "nope").status().code(), Code::kNotFound);
  EXPECT_EQ(hub.GetJob("alice", "../x").status().code(), Code::kInvalidArgument);

  spec.space_id = "alice/img";
  EXPECT_EQ(hub.CreateJob("alice", spec).status().code(), Code::kInvalidArgument);

  // Logs: the banner line is dropped, keep-alives skipped.
  http.Push(200,
            "data: {\"data\":\"===== Job started at 2026 =====\",\"timestamp\":\"t0\"}\n\n"
            ": keep-alive\n\n"
            "data: {\"data\":\"hello\\n\",\"timestamp\":\"t1\"}\n\n"
            "data: \n\n"
            "data: {\"data\":\"world\",\"timestamp\":\"t2\"}\n\n",
            {{"Content-Type", "text/event-stream"}});
  auto logs = hub.ReadJobLogs("alice", "job123");
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  ASSERT_EQ(logs->lines.size(), 2u);
  EXPECT_EQ(logs->lines[0].text, "hello");
  EXPECT_EQ(logs->lines[0].timestamp, "t1");
  EXPECT_EQ(logs->lines[1].text, "world");
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/jobs/alice/job123/logs");
  EXPECT_EQ(http::FindHeader(http.requests.back().headers, "Accept"), "text/event-stream");
}

TEST(HubClientTest, DownloadEncodesRevisionAndCapsSize) {
  FakeHttp http;
  HubClient hub(http, Config());
  http.Push(200, "# card");
  auto r = hub.DownloadFile(RepoType::kSpace, "alice/demo", "dir/my file.md", "refs/pr/1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "# card");
  EXPECT_EQ(http.requests.back().url,
            "http://hub.test/spaces/alice/demo/resolve/refs%2Fpr%2F1/dir/my%20file.md");
  http.Push(200, std::string(100, 'x'));
  EXPECT_EQ(hub.DownloadFile("a/b", "big.bin", "main", 10).status().code(), Code::kInvalidArgument);
  http.Push(404, R"({"error":"Entry not found"})", {{"X-Error-Code", "EntryNotFound"}});
  auto missing = hub.DownloadFile("a/b", "README.md");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("file not found"), std::string::npos);
}

TEST(HubClientTest, ModelInfoFilesAndSizes) {
  FakeHttp http;
  HubClient hub(http, Config());
  http.Push(200, R"({"id":"a/b","sha":"abc","pipeline_tag":"text-generation","gated":"manual",
    "siblings":[{"rfilename":"config.json","size":700},
                {"rfilename":"model.safetensors","size":135,"lfs":{"size":988097824,"sha256":"ff00"}}],
    "safetensors":{"total":494032768}})");
  auto info = hub.GetModelInfo("a/b");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->gated, "manual");
  EXPECT_EQ(info->sha, "abc");
  ASSERT_EQ(info->files.size(), 2u);
  EXPECT_EQ(info->files[1].size, 988097824u);
  EXPECT_EQ(info->files[1].lfs_sha256, "ff00");
  EXPECT_EQ(info->safetensors_params, 494032768u);
  EXPECT_EQ(http.requests.back().url, "http://hub.test/api/models/a/b?blobs=true");
}

TEST(HubClientTest, HashAndBase64AreLibsodiums) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Base64("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64(std::string("\0\xff", 2)), "AP8=");
}

TEST(HubClientTest, CommitValidationAndNeverRetried) {
  FakeHttp http;
  HubClient hub(http, Config());
  CommitOptions o;
  o.repo_id = "alice/demo";
  EXPECT_EQ(hub.Commit(o).status().code(), Code::kInvalidArgument) << "nothing to commit";
  o.files = {{"app.py", "a"}, {"app.py", "b"}};
  EXPECT_EQ(hub.Commit(o).status().code(), Code::kInvalidArgument) << "duplicate path";
  for (std::string bad : {"../x", "/abs", "a//b", "dir/", "a/./b"}) {
    o.files = {{bad, "x"}};
    EXPECT_EQ(hub.Commit(o).status().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(http.requests.empty());

  // Preupload ignores one file; parentCommit from preupload; a 412 maps to kFailedPrecondition.
  o.files = {{"app.py", "print(1)\n"}, {".env", "SECRET=1"}};
  o.parent_from_preupload = true;
  http.Push(200, R"({"files":[{"path":"app.py","uploadMode":"regular","shouldIgnore":false},
    {"path":".env","uploadMode":"regular","shouldIgnore":true}],"commitOid":"tip123"})");
  http.Push(412, R"({"error":"A commit has happened since. Please refresh and try again."})");
  auto r = hub.Commit(o);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_TRUE(http.requests[0].idempotent_override) << "preupload is safe to retry";
  EXPECT_FALSE(http.requests[1].idempotent_override) << "a commit is never retried";
  EXPECT_EQ(http.requests[1].url, "http://hub.test/api/spaces/alice/demo/commit/main");
  auto lines = http.requests[1].body;
  auto header = json::parse(lines.substr(0, lines.find('\n')));
  EXPECT_EQ(header["value"]["parentCommit"], "tip123");
  EXPECT_EQ(lines.find(".env"), std::string::npos);
}

}  // namespace
}  // namespace sf::hub

namespace sf::hub {
namespace {

TEST(HubClientTest, PrivateAndGatedThroughTheClient) {
  FakeHttp http;
  // Anonymous caller on a private (or missing) Space: 401 without an error code → not found.
  HubClient anon(http, Config(false));
  http.Push(401, R"({"error":"Invalid username or password."})");
  auto info = anon.GetRepoInfo(RepoType::kSpace, "alice/secret");
  EXPECT_EQ(info.status().code(), Code::kNotFound);
  EXPECT_NE(info.status().message().find("private"), std::string::npos);
  EXPECT_TRUE(Auth(http.requests.back()).empty());
  // Authenticated caller without access: 404 RepoNotFound → not found as well.
  HubClient hub(http, Config());
  http.Push(404, R"({"error":"Repository not found"})", {{"X-Error-Code", "RepoNotFound"}});
  info = hub.GetRepoInfo(RepoType::kSpace, "alice/secret", "main");
  EXPECT_EQ(info.status().code(), Code::kNotFound);
  EXPECT_EQ(http.requests.back().url,
            "http://hub.test/api/spaces/alice/secret/revision/main?blobs=true");
  // Gated model file, logged in but not approved.
  http.Push(
      403,
      R"({"error":"Access to model meta/llama is restricted and you are not in the authorized list. Visit https://huggingface.co/meta/llama to ask for access."})",
      {{"X-Error-Code", "GatedRepo"}});
  auto file = hub.DownloadFile("meta/llama", "config.json");
  EXPECT_EQ(file.status().code(), Code::kPermissionDenied);
  EXPECT_NE(file.status().message().find("ask for access"), std::string::npos);
  ExpectNoSecret(file.status());
  // Bad token.
  http.Push(401, "", {{"X-Error-Message", "Invalid credentials in Authorization header"}});
  info = hub.GetRepoInfo(RepoType::kModel, "a/b");
  EXPECT_EQ(info.status().code(), Code::kPermissionDenied);
  EXPECT_NE(info.status().message().find("HF_TOKEN"), std::string::npos);
}

}  // namespace
}  // namespace sf::hub
