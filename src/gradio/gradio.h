// gradio: a client for the HTTP API of a running Gradio app (4.x, 5.x, 6.x), as a Space or on a
// local URL. It is what `validate` and the build's health/API gate talk to.
//
// Sequence (gradio-and-zerogpu.md §10): GET /config (api_prefix P, version, dependencies) →
// GET {P}/info (named endpoints) → optional POST {P}/upload (multipart "files") → POST
// {P}/call/<api_name> {"data":[...]} → GET {P}/call/<api_name>/<event_id> (SSE: generating,
// complete, error, heartbeat), with the full queue protocol (POST {P}/queue/join + GET
// {P}/queue/data, sse_v3) as a fallback → FileData download (url or {P}/file=path) → output type
// checks (JSON shape against the endpoint's declared returns; magic bytes for media files).
//
// The optional token goes on every request as `Authorization: Bearer …` and never into a message.
// Errors are sf::Status with messages that name the endpoint and host, not the token.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "http/http.h"

namespace sf::gradio {

// ---------------------------------------------------------------------------------------------
// Discovery

struct AppConfig {
  std::string version;     // "5.49.1"; empty when the app did not say
  std::string api_prefix;  // "/gradio_api" on 5.x/6.x, "" on 4.x
  std::string protocol;    // "sse_v3", …
  nlohmann::json dependencies = nlohmann::json::array();
  nlohmann::json raw = nlohmann::json::object();

  // The dependency id (fn_index) of the event whose api_name is `api_name` (with or without the
  // leading slash); nullopt when none.
  std::optional<int> FnIndex(std::string_view api_name) const;
};

struct Parameter {
  std::string label{};
  std::string name{};         // parameter_name ("" when Gradio gave none)
  std::string component{};    // "Textbox", "Image", "Audio", …
  std::string python_type{};  // python_type.type: "str", "float", "filepath", "Dict(…)"…
  nlohmann::json type{};      // the JSON schema
  bool has_default = false;
  nlohmann::json default_value{};  // parameter_default
  nlohmann::json example_input{};
};

struct Endpoint {
  std::string name;  // "/predict" (with the leading slash, as /info keys it)
  std::vector<Parameter> parameters;
  std::vector<Parameter> returns;
  // The path segment for /call/<api_name>: name without the leading slash.
  std::string ApiName() const;
};

struct ApiInfo {
  std::vector<Endpoint> endpoints;                    // named endpoints, in /info order
  const Endpoint* Find(std::string_view name) const;  // "/x" or "x"
};

// ---------------------------------------------------------------------------------------------
// Calls

struct CallOptions {
  // Whole call: POST, every SSE frame and the end of the stream. The SSE heartbeat is 15 s, so the
  // idle limit between bytes is idle_timeout.
  std::chrono::milliseconds total_timeout{300'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // Use the /call API first and fall back to queue/join + queue/data when /call is missing (404,
  // 405, or 500 on 4.x/5.x for unknown routes) — or force the queue protocol.
  bool force_queue = false;
};

struct CallResult {
  nlohmann::json data = nlohmann::json::array();  // one element per output component
  int generating_events = 0;
  std::string protocol;                     // "call" or "queue"
  std::optional<double> server_duration_s;  // output.duration (queue protocol only)
  std::vector<std::string> logs;            // queue "log" messages
  std::chrono::milliseconds latency{0};     // from the submit to the final event
};

// ---------------------------------------------------------------------------------------------
// Output types

enum class MediaType { kUnknown, kPng, kJpeg, kWebp, kGif, kWav, kMp3, kFlac, kOgg, kMp4 };

std::string_view MediaTypeName(MediaType t);  // "png", "jpeg", …, "unknown"
// From magic bytes only (never from a header or file name).
MediaType DetectMediaType(std::string_view bytes);

// What a component's output must be, coarsely.
enum class OutputKind {
  kText,
  kNumber,
  kBool,
  kImage,
  kAudio,
  kVideo,
  kFile,
  kLabel,
  kJson,
  kOther
};
OutputKind KindOfComponent(std::string_view component);

// True when `value` is a FileData dict (meta._type "gradio.FileData", or path/url keys).
bool IsFileData(const nlohmann::json& value);
// The FileData inside an output value of the given kind ({"video": FileData} for Video).
std::optional<nlohmann::json> FileDataOf(const nlohmann::json& value, OutputKind kind);

// Checks the JSON shape of one output value against the declared return (§2.1 of the reference).
Status CheckOutputShape(const Parameter& declared, const nlohmann::json& value);
// Checks downloaded bytes against the declared component: non-empty, and for images/audio/video
// magic bytes of a known type of that family. Returns the detected type.
Result<MediaType> CheckOutputBytes(const Parameter& declared, std::string_view bytes);

struct CheckedOutput {
  std::string component;
  OutputKind kind = OutputKind::kOther;
  nlohmann::json value;
  std::optional<std::string> bytes;  // downloaded file, when the output is a file
  MediaType media = MediaType::kUnknown;
};

// ---------------------------------------------------------------------------------------------
// Multipart (RFC 7578)

struct FilePart {
  std::string filename;
  std::string content_type = "application/octet-stream";
  std::string content;
};
// A multipart/form-data body with one part per file, all named `field`. The boundary must not
// occur in any content; MakeBoundary gives a random one.
std::string BuildMultipart(std::string_view boundary, std::string_view field,
                           const std::vector<FilePart>& files);
std::string MakeBoundary();

// ---------------------------------------------------------------------------------------------
// Client

struct ClientOptions {
  std::string
      root_url{};       // app root, e.g. "https://owner-name.hf.space" or "http://127.0.0.1:7860"
  std::string token{};  // optional; sent as Authorization: Bearer
  std::chrono::milliseconds request_timeout{30'000};
};

class Client {
 public:
  Client(http::HttpClient& http, ClientOptions options);

  // GET /config. Non-JSON (the HF proxy's HTML for a private or sleeping Space) is an error.
  Result<AppConfig> LoadConfig();
  const std::optional<AppConfig>& config() const { return config_; }
  // GET {P}/info (loads /config first when needed).
  Result<ApiInfo> LoadInfo();

  // POST {P}/upload; returns the server paths in order.
  Result<std::vector<std::string>> Upload(const std::vector<FilePart>& files);
  // Upload one file and wrap it as an input FileData dict (with meta).
  Result<nlohmann::json> UploadAsFileData(const FilePart& file);

  // Runs the endpoint with positional data (one element per parameter, /info order).
  Result<CallResult> Call(std::string_view api_name, const nlohmann::json& data,
                          const CallOptions& options = {});
  Result<CallResult> CallViaCallApi(std::string_view api_name, const nlohmann::json& data,
                                    const CallOptions& options);
  Result<CallResult> CallViaQueue(std::string_view api_name, const nlohmann::json& data,
                                  const CallOptions& options);

  // Downloads a FileData (its url, else {P}/file=<path>); a non-2xx status is an error.
  Result<std::string> Download(const nlohmann::json& file_data);

  // Checks each output of `result` against endpoint.returns: shape, and for files a download and
  // the magic bytes. The first failure is returned as an error.
  Result<std::vector<CheckedOutput>> CheckOutput(const Endpoint& endpoint,
                                                 const CallResult& result);

  std::string ApiUrl(std::string_view path) const;  // root + P + path

 private:
  http::Request MakeRequest(std::string method, std::string url) const;
  Result<nlohmann::json> GetJson(const std::string& url, std::string_view what);
  std::string Host() const;

  http::HttpClient& http_;
  ClientOptions options_;
  std::optional<AppConfig> config_;
};

// Parses the bodies (exposed for tests and for the simulator's comparisons).
Result<AppConfig> ParseConfig(std::string_view body);
Result<ApiInfo> ParseInfo(std::string_view body);

}  // namespace sf::gradio
