// Unit tests of the Gradio client against a scripted HttpClient.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gradio/gradio.h"

namespace sf::gradio {
namespace {

using nlohmann::json;

class FakeHttp final : public http::HttpClient {
 public:
  using Handler = std::function<http::Response(const http::Request&)>;
  Result<http::Response> Send(const http::Request& request) override {
    requests.push_back(request);
    return handler(request);
  }
  Handler handler;
  std::vector<http::Request> requests;
};

constexpr char kRoot[] = "http://app.test";
constexpr char kToken[] = "hf_SECRETtoken123";

std::string ConfigBody(std::string prefix = "/gradio_api") {
  json c = {{"version", "5.49.1"},
            {"protocol", "sse_v3"},
            {"dependencies", json::array({{{"id", 7}, {"api_name", "predict"}}})}};
  if (!prefix.empty()) c["api_prefix"] = prefix;
  return c.dump();
}

std::string InfoBody(const std::string& component) {
  return json{{"named_endpoints",
               {{"/predict",
                 {{"parameters", json::array({{{"label", "prompt"},
                                               {"parameter_name", "prompt"},
                                               {"component", "Textbox"},
                                               {"python_type", {{"type", "str"}}},
                                               {"example_input", "Hello!!"}}})},
                  {"returns", json::array({{{"label", "out"}, {"component", component}}})}}}}},
              {"unnamed_endpoints", json::object()}}
      .dump();
}

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "rest-of-png";
const std::string kWav = std::string("RIFF\x24\x00\x00\x00WAVEfmt ", 16);

json FileJson(const std::string& path) {
  return {{"path", path},
          {"url", std::string(kRoot) + "/gradio_api/file=" + path},
          {"orig_name", "x"},
          {"meta", {{"_type", "gradio.FileData"}}}};
}

http::Response Ok(std::string body, std::string type = "application/json") {
  return {200, {{"Content-Type", type}}, std::move(body)};
}

// A Gradio 5 app whose /predict returns `output` as the complete event.
FakeHttp::Handler App(const std::string& component, const json& output, std::string sse = "") {
  return [=](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody());
    if (r.url == std::string(kRoot) + "/gradio_api/info") return Ok(InfoBody(component));
    if (r.method == "POST" && r.url == std::string(kRoot) + "/gradio_api/call/predict") {
      return Ok(R"({"event_id":"abc123"})");
    }
    if (r.url == std::string(kRoot) + "/gradio_api/call/predict/abc123") {
      std::string body = sse.empty() ? "event: heartbeat\ndata: null\n\nevent: complete\ndata: " +
                                           json::array({output}).dump() + "\n\n"
                                     : sse;
      return Ok(body, "text/event-stream");
    }
    if (r.url.find("/gradio_api/file=/tmp/a.png") != std::string::npos)
      return Ok(kPng, "image/png");
    if (r.url.find("/gradio_api/file=/tmp/a.wav") != std::string::npos)
      return Ok(kWav, "audio/wav");
    return {404, {}, "Not Found"};
  };
}

TEST(GradioMedia, DetectsMagicBytes) {
  EXPECT_EQ(DetectMediaType(kPng), MediaType::kPng);
  EXPECT_EQ(DetectMediaType("\xFF\xD8\xFF\xE0rest"), MediaType::kJpeg);
  EXPECT_EQ(DetectMediaType(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), MediaType::kWebp);
  EXPECT_EQ(DetectMediaType(kWav), MediaType::kWav);
  EXPECT_EQ(DetectMediaType(std::string("ID3\x04\0\0\0\0\0\0", 10)), MediaType::kMp3);
  EXPECT_EQ(DetectMediaType("\xFF\xFB\x90\x64"), MediaType::kMp3);
  EXPECT_EQ(DetectMediaType("\xFF\xF1\x50\x80"), MediaType::kUnknown);  // ADTS AAC, not MP3
  EXPECT_EQ(DetectMediaType("fLaC\0\0\0\x22"), MediaType::kFlac);
  EXPECT_EQ(DetectMediaType(std::string("\0\0\0\x20"
                                        "ftypisom\0\0\0\0",
                                        16)),
            MediaType::kMp4);
  EXPECT_EQ(DetectMediaType("GIF89a...."), MediaType::kGif);
  EXPECT_EQ(DetectMediaType("<!DOCTYPE html>"), MediaType::kUnknown);
  EXPECT_EQ(DetectMediaType(""), MediaType::kUnknown);
  EXPECT_EQ(DetectMediaType("RIFF"), MediaType::kUnknown);
}

TEST(GradioMedia, ChecksBytesAgainstComponent) {
  Parameter image{.label = "img", .component = "Image"};
  Parameter audio{.label = "a", .component = "Audio"};
  Parameter video{.label = "v", .component = "Video"};
  EXPECT_EQ(*CheckOutputBytes(image, kPng), MediaType::kPng);
  EXPECT_EQ(*CheckOutputBytes(audio, kWav), MediaType::kWav);
  auto wrong = CheckOutputBytes(image, kWav);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("magic bytes say wav"), std::string::npos);
  EXPECT_FALSE(CheckOutputBytes(audio, kPng).ok());
  EXPECT_FALSE(CheckOutputBytes(video, kPng).ok());
  EXPECT_FALSE(CheckOutputBytes(image, "").ok());
}

TEST(GradioShape, ChecksJsonShapes) {
  Parameter text{.label = "t", .component = "Textbox"};
  Parameter label{.label = "l", .component = "Label"};
  Parameter image{.label = "i", .component = "Image"};
  Parameter video{.label = "v", .component = "Video"};
  EXPECT_TRUE(CheckOutputShape(text, "hi").ok());
  EXPECT_FALSE(CheckOutputShape(text, 3).ok());
  EXPECT_FALSE(CheckOutputShape(text, nullptr).ok());
  EXPECT_TRUE(
      CheckOutputShape(
          label, json{{"label", "cat"},
                      {"confidences", json::array({{{"label", "cat"}, {"confidence", 0.9}}})}})
          .ok());
  EXPECT_FALSE(CheckOutputShape(label, "cat").ok());
  EXPECT_FALSE(
      CheckOutputShape(label, json{{"confidences", json::array({{{"label", "cat"}}})}}).ok());
  EXPECT_TRUE(CheckOutputShape(image, FileJson("/tmp/a.png")).ok());
  EXPECT_FALSE(CheckOutputShape(image, "/tmp/a.png").ok());
  EXPECT_FALSE(CheckOutputShape(image, nullptr).ok());
  EXPECT_TRUE(
      CheckOutputShape(video, json{{"video", FileJson("/tmp/v.mp4")}, {"subtitles", nullptr}})
          .ok());
}

TEST(GradioMultipart, BuildsRfc7578Body) {
  std::string b = BuildMultipart("XyZ", "files", {{"a \"q\".png", "image/png", "DATA"}});
  EXPECT_EQ(
      b,
      "--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a \\\"q\\\".png\"\r\n"
      "Content-Type: image/png\r\n\r\nDATA\r\n--XyZ--\r\n");
  EXPECT_NE(MakeBoundary(), MakeBoundary());
}

TEST(GradioClient, DiscoversAndCallsTextEndpointWithToken) {
  FakeHttp fake;
  fake.handler = App("Textbox", "hello back");
  Client client(fake, {.root_url = std::string(kRoot) + "/", .token = kToken});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_EQ(info->endpoints.size(), 1u);
  const Endpoint* ep = info->Find("predict");
  ASSERT_NE(ep, nullptr);
  EXPECT_EQ(ep->ApiName(), "predict");
  EXPECT_EQ(ep->parameters[0].python_type, "str");
  EXPECT_EQ(client.config()->api_prefix, "/gradio_api");
  EXPECT_EQ(client.config()->FnIndex("/predict"), 7);

  auto r = client.Call(ep->name, json::array({"hi"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->protocol, "call");
  EXPECT_EQ(r->data, json::array({"hello back"}));
  auto checked = client.CheckOutput(*ep, *r);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  for (const auto& req : fake.requests) {
    EXPECT_EQ(http::FindHeader(req.headers, "Authorization").value_or(""),
              std::string("Bearer ") + kToken)
        << req.url;
  }
  EXPECT_EQ(json::parse(fake.requests[2].body), json({{"data", {"hi"}}}));
}

TEST(GradioClient, DownloadsImageAndChecksMagic) {
  FakeHttp fake;
  fake.handler = App("Image", FileJson("/tmp/a.png"));
  Client client(fake, {.root_url = kRoot});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok());
  auto r = client.Call("/predict", json::array({"x"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto checked = client.CheckOutput(info->endpoints[0], *r);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ((*checked)[0].media, MediaType::kPng);
  EXPECT_EQ(*(*checked)[0].bytes, kPng);
}

TEST(GradioClient, WrongOutputTypeIsAnError) {
  FakeHttp fake;
  fake.handler = App("Image", FileJson("/tmp/a.wav"));  // declared Image, serves a WAV
  Client client(fake, {.root_url = kRoot});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok());
  auto r = client.Call("predict", json::array({"x"}));
  ASSERT_TRUE(r.ok());
  auto checked = client.CheckOutput(info->endpoints[0], *r);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), Code::kFailedPrecondition);
}

TEST(GradioClient, FileWithPathOnlyUsesFileRoute) {
  FakeHttp fake;
  fake.handler =
      App("Audio", json{{"path", "/tmp/a.wav"}, {"meta", {{"_type", "gradio.FileData"}}}});
  Client client(fake, {.root_url = kRoot});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok());
  auto r = client.Call("predict", json::array({"x"}));
  ASSERT_TRUE(r.ok());
  auto checked = client.CheckOutput(info->endpoints[0], *r);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(fake.requests.back().url, std::string(kRoot) + "/gradio_api/file=/tmp/a.wav");
}

TEST(GradioClient, TokenNeverSentToAnotherOrigin) {
  FakeHttp fake;
  fake.handler = [](const http::Request&) { return Ok(kPng, "image/png"); };
  Client client(fake, {.root_url = kRoot, .token = kToken});
  auto bytes = client.Download(json{{"path", "https://cdn.example/x.png"},
                                    {"url", "https://cdn.example/x.png"},
                                    {"meta", {{"_type", "gradio.FileData"}}}});
  ASSERT_TRUE(bytes.ok());
  EXPECT_FALSE(http::FindHeader(fake.requests.back().headers, "Authorization").has_value());
}

TEST(GradioClient, ErrorEventIsAClearError) {
  FakeHttp fake;
  fake.handler = App("Textbox", "", "event: error\ndata: null\n\n");
  Client client(fake, {.root_url = kRoot, .token = kToken});
  auto r = client.Call("predict", json::array({"x"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kRemote);
  EXPECT_NE(r.status().message().find("show_error"), std::string::npos);
  EXPECT_EQ(r.status().message().find(kToken), std::string::npos);

  fake.handler =
      App("Textbox", "",
          "event: error\ndata: {\"error\": \"CUDA out of memory\", \"title\": \"Error\"}\n\n");
  r = client.Call("predict", json::array({"x"}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("CUDA out of memory"), std::string::npos);
}

TEST(GradioClient, StreamEndingWithoutCompleteIsAnError) {
  FakeHttp fake;
  fake.handler =
      App("Textbox", "", "event: generating\ndata: [\"par\"]\n\nevent: heartbeat\ndata: null\n\n");
  Client client(fake, {.root_url = kRoot});
  auto r = client.Call("predict", json::array({"x"}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("without 'complete'"), std::string::npos);
}

TEST(GradioClient, PrivateSpaceHtmlAndMalformedConfig) {
  FakeHttp fake;
  fake.handler = [](const http::Request&) {
    return http::Response{404, {{"Content-Type", "text/html"}}, "<!DOCTYPE html><html>404</html>"};
  };
  Client client(fake, {.root_url = kRoot});
  auto c = client.LoadConfig();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("private Space"), std::string::npos);

  fake.handler = [](const http::Request&) { return Ok("<html>hello</html>", "text/html"); };
  c = client.LoadConfig();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kParse);

  fake.handler = [](const http::Request&) { return Ok(R"({"version":"5.0","dependencies":3})"); };
  EXPECT_EQ(client.LoadConfig().status().code(), Code::kParse);

  Client with_token(fake, {.root_url = kRoot, .token = kToken});
  fake.handler = [](const http::Request&) { return http::Response{401, {}, "nope"}; };
  auto d = with_token.LoadConfig();
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(d.status().message().find(kToken), std::string::npos);
}

TEST(GradioClient, Gradio4HasNoPrefix) {
  FakeHttp fake;
  fake.handler = [](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody(""));
    if (r.url == std::string(kRoot) + "/info") return Ok(InfoBody("Textbox"));
    return {404, {}, "{\"detail\":\"Not Found\"}"};
  };
  Client client(fake, {.root_url = kRoot});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(client.config()->api_prefix, "");
}

TEST(GradioClient, FallsBackToQueueProtocol) {
  FakeHttp fake;
  std::string session;
  fake.handler = [&](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody());
    if (r.url == std::string(kRoot) + "/gradio_api/call/predict") return {404, {}, "Not Found"};
    if (r.url == std::string(kRoot) + "/gradio_api/queue/join") {
      json b = json::parse(r.body);
      EXPECT_EQ(b["fn_index"], 7);
      EXPECT_EQ(b["data"], json::array({"hi"}));
      session = b["session_hash"];
      return Ok(R"({"event_id":"ev1"})");
    }
    if (r.url == std::string(kRoot) + "/gradio_api/queue/data?session_hash=" + session) {
      return Ok(
          "data: {\"msg\":\"estimation\",\"event_id\":\"ev1\",\"rank\":0}\n\n"
          "data: {\"msg\":\"heartbeat\",\"event_id\":null}\n\n"
          "data: {\"msg\":\"process_starts\",\"event_id\":\"ev1\"}\n\n"
          "data: {\"msg\":\"log\",\"event_id\":\"ev1\",\"log\":\"Waiting for a "
          "GPU\",\"level\":\"info\"}\n\n"
          "data: "
          "{\"msg\":\"process_completed\",\"event_id\":\"other\",\"success\":true,\"output\":{"
          "\"data\":[\"no\"]}}\n\n"
          "data: {\"msg\":\"process_completed\",\"event_id\":\"ev1\",\"success\":true,"
          "\"output\":{\"data\":[\"via queue\"],\"duration\":1.5}}\n\n"
          "data: {\"msg\":\"close_stream\",\"event_id\":null}\n\n",
          "text/event-stream");
    }
    return {404, {}, ""};
  };
  Client client(fake, {.root_url = kRoot});
  auto r = client.Call("predict", json::array({"hi"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->protocol, "queue");
  EXPECT_EQ(r->data, json::array({"via queue"}));
  EXPECT_EQ(r->server_duration_s, 1.5);
  ASSERT_EQ(r->logs.size(), 1u);
  EXPECT_EQ(r->logs[0], "Waiting for a GPU");
}

TEST(GradioClient, QueueFailureCarriesErrorText) {
  FakeHttp fake;
  fake.handler = [&](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody());
    if (r.url == std::string(kRoot) + "/gradio_api/queue/join") return Ok(R"({"event_id":"ev1"})");
    if (r.url.find("/queue/data") != std::string::npos) {
      return Ok(
          "data: {\"msg\":\"process_completed\",\"event_id\":\"ev1\",\"success\":false,"
          "\"output\":{\"error\":\"You have exceeded your GPU quota\",\"title\":\"ZeroGPU quota "
          "exceeded\"}}\n\n",
          "text/event-stream");
    }
    return {404, {}, ""};
  };
  Client client(fake, {.root_url = kRoot});
  auto r = client.Call("predict", json::array({"hi"}), {.force_queue = true});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("GPU quota"), std::string::npos);
}

TEST(GradioClient, QueueFullIsUnavailable) {
  FakeHttp fake;
  fake.handler = [&](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody());
    return {503, {}, R"({"detail":"Queue is full. Max size is 1 and size is 1."})"};
  };
  Client client(fake, {.root_url = kRoot});
  auto r = client.Call("predict", json::array({"hi"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("Queue is full"), std::string::npos);
}

TEST(GradioClient, UploadsMultipartAndWrapsFileData) {
  FakeHttp fake;
  fake.handler = [&](const http::Request& r) -> http::Response {
    if (r.url == std::string(kRoot) + "/config") return Ok(ConfigBody());
    if (r.url == std::string(kRoot) + "/gradio_api/upload")
      return Ok(R"(["/tmp/gradio/abc/in.png"])");
    return {404, {}, ""};
  };
  Client client(fake, {.root_url = kRoot});
  auto fd = client.UploadAsFileData({"in.png", "image/png", kPng});
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  EXPECT_EQ((*fd)["path"], "/tmp/gradio/abc/in.png");
  EXPECT_EQ((*fd)["meta"]["_type"], "gradio.FileData");
  const auto& up = fake.requests.back();
  auto ct = http::FindHeader(up.headers, "Content-Type").value_or("");
  ASSERT_EQ(ct.rfind("multipart/form-data; boundary=", 0), 0u);
  std::string boundary = ct.substr(std::string("multipart/form-data; boundary=").size());
  EXPECT_EQ(up.body.rfind("--" + boundary + "\r\n", 0), 0u);
  EXPECT_NE(up.body.find("name=\"files\"; filename=\"in.png\""), std::string::npos);
  EXPECT_NE(up.body.find(kPng), std::string::npos);

  fake.handler = [](const http::Request& r) -> http::Response {
    if (r.url.find("/upload") != std::string::npos) return Ok(R"({"detail":"bad"})");
    return Ok(ConfigBody());
  };
  EXPECT_EQ(client.Upload({{"in.png", "image/png", kPng}}).status().code(), Code::kParse);
}

}  // namespace
}  // namespace sf::gradio
