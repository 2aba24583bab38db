// The simulated Space runtime: interface derivation from app.py, the encoders, the behaviour
// spec, and a Space's Gradio API over HTTP (host URL, privacy, stages, config/info, /call + SSE,
// queue, upload/file, and every misbehaviour).
#include "sim/space_runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "http/http.h"
#include "sim/hash.h"
#include "sim/sim.h"
#include "sim/space_app.h"
#include "sim/space_behaviour.h"
#include "sim/space_outputs.h"

namespace sf::sim {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Twin(const std::string& name) {
  return ReadFile(std::string(SF_SOURCE_DIR) + "/tests/e2e/gradio_apps/twins/" + name + ".py");
}

std::vector<std::string> Types(const AppInterface& app, const std::vector<int>& ids) {
  std::vector<std::string> out;
  for (int id : ids) out.push_back(app.Find(id) ? app.Find(id)->type : "?");
  return out;
}

TEST(SpaceApp, ParsesTheTwinApps) {
  AppInterface t2i = ParseAppSource(Twin("text_to_image"), "5.49.1");
  ASSERT_NE(t2i.MainEvent(), nullptr);
  const AppEvent& ev = *t2i.MainEvent();
  EXPECT_EQ(ev.api_name, "generate");
  EXPECT_EQ(ev.fn, "generate");
  EXPECT_EQ(Types(t2i, ev.inputs),
            (std::vector<std::string>{"textbox", "textbox", "slider", "slider", "number"}));
  EXPECT_EQ(Types(t2i, ev.outputs), std::vector<std::string>{"image"});
  EXPECT_EQ(t2i.title, "Twin text to image");  // TITLE constant resolved
  const AppComponent* steps = t2i.Find(ev.inputs[2]);
  EXPECT_EQ(steps->kwargs["minimum"], 1);
  EXPECT_EQ(steps->kwargs["maximum"], 60);
  EXPECT_EQ(steps->kwargs["label"], "Steps");

  AppInterface cls = ParseAppSource(Twin("image_classification"), "6.31.0");
  EXPECT_EQ(cls.major, 6);
  ASSERT_NE(cls.MainEvent(), nullptr);
  EXPECT_EQ(Types(cls, cls.MainEvent()->inputs), std::vector<std::string>{"image"});
  EXPECT_EQ(Types(cls, cls.MainEvent()->outputs), std::vector<std::string>{"label"});

  json info = AppInfoJson(ParseAppSource(Twin("text_generation"), "5.49.1"));
  const json& params = info["named_endpoints"]["/generate"]["parameters"];
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0]["parameter_name"], "prompt");
  EXPECT_EQ(params[0]["parameter_default"], "Write a haiku about the sea.");
  EXPECT_EQ(params[1]["type"]["description"], "numeric value between 16 and 1024");
  EXPECT_EQ(params[2]["type"]["description"], "numeric value between 0.0 and 1.5");
  EXPECT_EQ(params[2]["example_input"], 0.0);
}

TEST(SpaceApp, InterfaceAndTaskFallback) {
  AppInterface iface = ParseAppSource(
      "import gradio as gr\ndef shout(text):\n    return text.upper()\n"
      "demo = gr.Interface(shout, gr.Textbox(label='in'), 'image')\n",
      "5.49.1");
  ASSERT_EQ(iface.events.size(), 1u);
  EXPECT_EQ(iface.events[0].api_name, "predict");  // 5.x Interface default
  EXPECT_EQ(Types(iface, iface.events[0].outputs), std::vector<std::string>{"image"});
  EXPECT_EQ(ParseAppSource("import gradio as gr\ndef shout(t):\n    pass\n"
                           "demo = gr.Interface(fn=shout, inputs='text', outputs='text')\n",
                           "6.31.0")
                .events[0]
                .api_name,
            "shout");  // 6.x: the function's name

  // No event in app.py: the task chooses the interface.
  AppInterface asr =
      DeriveInterface("print('no gradio here')\n",
                      "---\nsdk: gradio\npipeline_tag: automatic-speech-recognition\n---\n");
  EXPECT_EQ(asr.origin, "task:automatic-speech-recognition");
  ASSERT_NE(asr.MainEvent(), nullptr);
  EXPECT_EQ(Types(asr, asr.MainEvent()->inputs), std::vector<std::string>{"audio"});
  EXPECT_EQ(Types(asr, asr.MainEvent()->outputs), std::vector<std::string>{"textbox"});
  EXPECT_EQ(
      TaskOfSpace("def health():\n    return {\"status\": \"ok\", \"task\": \"text-to-image\"}\n",
                  ""),
      "text-to-image");
  AppInterface none = DeriveInterface("", "");
  EXPECT_EQ(Types(none, none.MainEvent()->outputs), std::vector<std::string>{"textbox"});
}

TEST(SpaceOutputs, EncodersWriteValidHeaders) {
  std::vector<std::uint8_t> rgb(4 * 2 * 3, 7);
  std::string png = EncodePng(4, 2, rgb);
  ASSERT_GT(png.size(), 50u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(png.substr(png.size() - 8, 4), "IEND");
  std::string wav = EncodeWav(16000, std::vector<std::int16_t>(100, 1));
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(wav.substr(8, 4), "WAVE");
  EXPECT_EQ(wav.size(), 44u + 200u);
  EXPECT_EQ(EncodeTinyMp4("x").substr(4, 4), "ftyp");
}

TEST(SpaceBehaviourSpec, GrammarAndMatching) {
  SpaceBehaviours b;
  ASSERT_TRUE(
      b.Set("sim-user/a=slow:200; sim-user/*=crash:3\n*/x=placeholder:echo;*/w=wrong-type:magic;"
            "*/e=error:boom;*/ms=crash:500ms;*/b=building")
          .ok());
  SpaceBehaviour a = b.For("sim-user/a");
  EXPECT_EQ(a.slow_ms, 200);
  EXPECT_EQ(a.crash_after_calls, 3);
  EXPECT_EQ(b.For("o/x").output, SpaceBehaviour::Output::kPlaceholderEcho);
  EXPECT_EQ(b.For("o/w").output, SpaceBehaviour::Output::kWrongMagic);
  EXPECT_EQ(b.For("o/e").error, "boom");
  EXPECT_EQ(b.For("o/ms").crash_after_ms, 500);
  EXPECT_TRUE(b.For("o/b").stuck_building);
  EXPECT_EQ(b.For("other/zzz").output, SpaceBehaviour::Output::kNormal);
  for (const char* bad : {"x", "a=unknown", "a=slow", "a=slow:x", "a=crash:", "a=placeholder:z"}) {
    EXPECT_FALSE(b.Set(bad).ok()) << bad;
  }
  EXPECT_EQ(b.Describe().size(), 7u);  // a bad spec keeps the old rules
}

TEST(SpaceRuntimeMultipart, ParsesFileParts) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
      "Content-Type: image/png\r\n\r\nPNGDATA\r\n--XyZ\r\nContent-Disposition: form-data; "
      "name=\"other\"\r\n\r\nignored\r\n--XyZ--\r\n";
  auto parts = ParseMultipartFiles("multipart/form-data; boundary=XyZ", body, "files");
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].first, "a.png");
  EXPECT_EQ((*parts)[0].second, "PNGDATA");
  EXPECT_FALSE(ParseMultipartFiles("application/json", body, "files").has_value());
  EXPECT_FALSE(ParseMultipartFiles("multipart/form-data; boundary=XyZ", "garbage", "files"));
}

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

class SpaceRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SimOptions o;
    o.build_delay = 2000ms;
    o.startup_delay = 1000ms;
    o.check_python = false;
    auto s = Simulator::Start(o, *fs_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    sim_ = std::move(s).value();
    token_ = sim_->default_token();
    http::ClientOptions co;
    co.max_attempts = 1;
    client_ = http::NewCurlHttpClient(co);
  }
  void TearDown() override {
    if (sim_) sim_->Stop();
  }
  http::Response Call(const std::string& method, const std::string& url, const std::string& token,
                      std::string body = "", std::string content_type = "application/json",
                      const char* auth_header = "Authorization") {
    http::Request r;
    r.method = method;
    r.url = url.rfind("http", 0) == 0 ? url : sim_->url() + url;
    if (!token.empty()) r.headers.emplace_back(auth_header, "Bearer " + token);
    if (!body.empty() || method == "POST") r.headers.emplace_back("Content-Type", content_type);
    r.body = std::move(body);
    auto res = client_->Send(r);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() ? *res : http::Response{};
  }
  static json Body(const http::Response& r) { return json::parse(r.body, nullptr, false); }
  // Creates a private Gradio Space with app.py and README.md; returns its host URL.
  std::string CreateSpace(
      const std::string& name, const std::string& app,
      const std::string& readme = "---\nsdk: gradio\nsdk_version: 5.49.1\n---\n") {
    auto c =
        Call("POST", "/api/repos/create", token_,
             json{{"name", name}, {"type", "space"}, {"private", true}, {"sdk", "gradio"}}.dump());
    EXPECT_EQ(c.status, 200) << c.body;
    std::string body = json{{"key", "header"}, {"value", {{"summary", "app"}}}}.dump() + "\n";
    for (const auto& [path, content] :
         std::vector<std::pair<std::string, std::string>>{{"app.py", app}, {"README.md", readme}}) {
      body += json{{"key", "file"},
                   {"value",
                    {{"path", path}, {"content", Base64Encode(content)}, {"encoding", "base64"}}}}
                  .dump() +
              "\n";
    }
    auto r = Call("POST", "/api/spaces/sim-user/" + name + "/commit/main", token_, body,
                  "application/x-ndjson");
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(Call("GET", "/api/spaces/sim-user/" + name, token_)).value("host", "");
  }
  std::string Stage(const std::string& name) {
    return Body(Call("GET", "/api/spaces/sim-user/" + name + "/runtime", token_))
        .value("stage", "");
  }
  // POST /call then GET the SSE stream: (event, data) of the final frame.
  std::pair<std::string, json> CallApi(const std::string& host, const json& data,
                                       const std::string& api = "generate") {
    auto post = Call("POST", host + "/gradio_api/call/" + api, token_, json{{"data", data}}.dump());
    EXPECT_EQ(post.status, 200) << post.body;
    std::string id = Body(post).value("event_id", "");
    auto sse = Call("GET", host + "/gradio_api/call/" + api + "/" + id, token_);
    EXPECT_NE(http::FindHeader(sse.headers, "Content-Type").value_or("").find("text/event-stream"),
              std::string::npos);
    std::pair<std::string, json> last;
    http::SseParser parser;
    parser.Feed(sse.body, [&](const http::SseEvent& e) {
      if (e.event != "heartbeat") last = {e.event, json::parse(e.data, nullptr, false)};
      return true;
    });
    return last;
  }
  std::string Download(const json& file_data) {
    auto r = Call("GET", file_data["url"].get<std::string>(), token_);
    EXPECT_EQ(r.status, 200);
    return r.body;
  }

  TestClock clock_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  std::unique_ptr<Simulator> sim_;
  std::unique_ptr<http::HttpClient> client_;
  std::string token_;
};

TEST_F(SpaceRuntimeTest, ServesTheGradioApiOnceRunning) {
  std::string host = CreateSpace("t2i", Twin("text_to_image"));
  EXPECT_EQ(host, sim_->url() + "/_spaces/sim-user/t2i");
  auto h = Body(Call("GET", "/api/spaces/sim-user/t2i/host", token_));
  EXPECT_EQ(h["host"], host);
  EXPECT_EQ(h["subdomain"], "sim-user-t2i");

  auto building = Call("GET", host + "/config", token_);
  EXPECT_EQ(building.status, 503);
  EXPECT_NE(building.body.find("<!DOCTYPE html>"), std::string::npos);
  clock_.Advance(3500ms);
  ASSERT_EQ(Stage("t2i"), "RUNNING");

  // Private: no token, a bad token or a stranger's token get the proxy's 404 HTML.
  EXPECT_EQ(Call("GET", host + "/config", "").status, 404);
  EXPECT_EQ(Call("GET", host + "/config", std::string("hf_") + "notavalidtoken").status, 404);
  EXPECT_EQ(Call("GET", host + "/config", sim_->token_for("sim-other")).status, 404);
  EXPECT_EQ(Call("GET", host + "/config", token_, "", "", "X-HF-Authorization").status, 200);

  json config = Body(Call("GET", host + "/config", token_));
  EXPECT_EQ(config["version"], "5.49.1");
  EXPECT_EQ(config["api_prefix"], "/gradio_api");
  EXPECT_EQ(config["protocol"], "sse_v3");
  EXPECT_EQ(config["root"], host);
  EXPECT_EQ(config["dependencies"][0]["api_name"], "generate");
  json info = Body(Call("GET", host + "/gradio_api/info", token_));
  EXPECT_EQ(info["named_endpoints"]["/generate"]["returns"][0]["component"], "Image");

  auto [event, data] = CallApi(host, {"a red fox", "", 30, 7.5, 0});
  ASSERT_EQ(event, "complete");
  ASSERT_TRUE(data.is_array());
  EXPECT_EQ(data[0]["meta"]["_type"], "gradio.FileData");
  std::string png = Download(data[0]);
  EXPECT_EQ(png.substr(0, 4), "\x89PNG");
  // Deterministic, and dependent on the input.
  EXPECT_EQ(CallApi(host, {"a red fox", "", 30, 7.5, 0}).second[0]["path"], data[0]["path"]);
  EXPECT_NE(CallApi(host, {"a blue fox", "", 30, 7.5, 0}).second[0]["path"], data[0]["path"]);
  // Too few inputs: Gradio's error (data null on 5.x /call).
  auto few = CallApi(host, {"x"});
  EXPECT_EQ(few.first, "error");
  EXPECT_TRUE(few.second.is_null());
  // Unknown endpoint: 500 like Gradio 5.
  EXPECT_EQ(Call("POST", host + "/gradio_api/call/nope", token_, R"({"data":[]})").status, 500);
  // No /health route in the twin (Gradio has none by default).
  EXPECT_EQ(Call("GET", host + "/health", token_).status, 404);
}

TEST_F(SpaceRuntimeTest, QueueProtocolUploadAndLabels) {
  std::string host = CreateSpace("cls", Twin("image_classification"),
                                 "---\nsdk: gradio\nsdk_version: 6.31.0\n---\n");
  clock_.Advance(3500ms);
  std::string boundary = "b0undary";
  std::string png = EncodePng(2, 2, std::vector<std::uint8_t>(12, 200));
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"in.png\"\r\n"
                     "Content-Type: image/png\r\n\r\n" +
                     png + "\r\n--" + boundary + "--\r\n";
  auto up = Call("POST", host + "/gradio_api/upload", token_, body,
                 "multipart/form-data; boundary=" + boundary);
  ASSERT_EQ(up.status, 200) << up.body;
  std::string path = Body(up)[0];
  EXPECT_EQ(Call("GET", host + "/gradio_api/file=" + path, token_).body, png);
  json fd = {{"path", path}, {"orig_name", "in.png"}, {"meta", {{"_type", "gradio.FileData"}}}};

  auto join = Call("POST", host + "/gradio_api/queue/join", token_,
                   json{{"data", {fd}}, {"fn_index", 0}, {"session_hash", "s1"}}.dump());
  ASSERT_EQ(join.status, 200) << join.body;
  auto stream = Call("GET", host + "/gradio_api/queue/data?session_hash=s1", token_);
  std::vector<json> msgs;
  http::SseParser parser;
  parser.Feed(stream.body, [&](const http::SseEvent& e) {
    msgs.push_back(json::parse(e.data));
    return true;
  });
  ASSERT_EQ(msgs.size(), 4u) << stream.body;
  EXPECT_EQ(msgs[0]["msg"], "estimation");
  EXPECT_EQ(msgs[1]["msg"], "process_starts");
  EXPECT_EQ(msgs[2]["msg"], "process_completed");
  EXPECT_EQ(msgs[2]["success"], true);
  EXPECT_TRUE(msgs[2]["output"]["data"][0].contains("confidences"));
  EXPECT_EQ(msgs[3]["msg"], "close_stream");

  // 6.13+: /call/v2 with named parameters.
  auto v2 = Call("POST", host + "/gradio_api/call/v2/generate", token_, json{{"image", fd}}.dump());
  ASSERT_EQ(v2.status, 200) << v2.body;
  auto v2sse =
      Call("GET", host + "/gradio_api/call/generate/" + Body(v2).value("event_id", ""), token_);
  EXPECT_NE(v2sse.body.find("event: complete"), std::string::npos) << v2sse.body;

  // A path that was never uploaded is refused, like Gradio's upload folder check.
  json bad = fd;
  bad["path"] = "/etc/passwd";
  EXPECT_EQ(CallApi(host, {bad}).first, "error");
  // Missing meta on 5.x/6.x.
  json nometa = {{"path", path}};
  EXPECT_EQ(CallApi(host, {nometa}).first, "error");
}

TEST_F(SpaceRuntimeTest, Misbehaviours) {
  ASSERT_TRUE(sim_->SetSpaceBehaviours("sim-user/ph=placeholder;sim-user/wt=wrong-type;"
                                       "sim-user/wm=wrong-type:magic;sim-user/err=error:boom;"
                                       "sim-user/slow=slow:300;sim-user/crash=crash:2;"
                                       "sim-user/stuck=building")
                  .ok());
  std::map<std::string, std::string> hosts;
  for (const char* n : {"ph", "wt", "wm", "err", "slow", "crash", "stuck"}) {
    hosts[n] = CreateSpace(n, Twin(std::string(n) == "wm" ? "text_to_image" : "text_generation"));
  }
  clock_.Advance(3500ms);
  const json in = {"hello", 64, 0.5};
  EXPECT_EQ(CallApi(hosts["ph"], in).second[0], "placeholder");
  EXPECT_EQ(CallApi(hosts["ph"], {"other", 64, 0.5}).second[0], "placeholder");
  EXPECT_TRUE(CallApi(hosts["wt"], in).second[0].is_object());  // FileData where text is declared
  auto wm = CallApi(hosts["wm"], {"x", "", 1, 1.0, 0});
  ASSERT_EQ(wm.first, "complete");
  EXPECT_NE(Download(wm.second[0]).substr(0, 4), "\x89PNG");
  EXPECT_EQ(CallApi(hosts["err"], in).first, "error");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(CallApi(hosts["slow"], in).first, "complete");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_EQ(CallApi(hosts["crash"], in).first, "complete");
  EXPECT_EQ(Stage("crash"), "RUNNING");
  EXPECT_EQ(CallApi(hosts["crash"], in).first, "complete");
  EXPECT_EQ(Stage("crash"), "RUNTIME_ERROR");
  auto rt = Body(Call("GET", "/api/spaces/sim-user/crash/runtime", token_));
  EXPECT_NE(rt.value("errorMessage", "").find("crash"), std::string::npos);
  EXPECT_EQ(Call("GET", hosts["crash"] + "/config", token_).status, 503);
  EXPECT_EQ(Stage("stuck"), "BUILDING");
  clock_.Advance(60min);
  EXPECT_EQ(Stage("stuck"), "BUILDING");

  // The admin route replaces the rules; the error Space recovers.
  auto set = Call("POST", "/_sim/space-behaviours", "", "sim-user/ph=ok", "text/plain");
  EXPECT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(CallApi(hosts["err"], in).first, "complete");
  EXPECT_EQ(Call("POST", "/_sim/space-behaviours", "", "bad", "text/plain").status, 400);
}

}  // namespace
}  // namespace sf::sim
