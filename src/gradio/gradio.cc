#include "gradio/gradio.h"

#include <algorithm>
#include <cctype>
#include <random>
#include <utility>

#include "gradio/internal.h"

namespace sf::gradio {
using internal::RandomToken;
using internal::StrField;
using nlohmann::json;

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string StripSlash(std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(name);
}

std::string Snippet(std::string_view body) {
  std::string s = Trim(body.substr(0, 200));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

// "detail" of a FastAPI error body, when there is one.
std::string Detail(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Snippet(body);
  if (j.is_object() && j.contains("detail")) {
    const json& d = j["detail"];
    if (d.is_string()) return d.get<std::string>();
    return d.dump().substr(0, 300);
  }
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return j["error"].get<std::string>();
  }
  return Snippet(body);
}

Status HttpError(int status, std::string_view what, std::string_view host, std::string_view body) {
  std::string msg =
      std::string(what) + " on " + std::string(host) + ": HTTP " + std::to_string(status);
  std::string detail = Detail(body);
  if (!detail.empty()) msg += " (" + detail + ")";
  Code code = Code::kRemote;
  if (status == 401 || status == 403) code = Code::kPermissionDenied;
  if (status == 404) code = Code::kNotFound;
  if (status == 408 || status == 429 || status == 502 || status == 503 || status == 504) {
    code = Code::kUnavailable;
  }
  return {code, msg};
}

Parameter ParseParameter(const json& p) {
  Parameter out;
  out.label = StrField(p, "label");
  out.name = StrField(p, "parameter_name");
  out.component = StrField(p, "component");
  if (p.contains("python_type") && p["python_type"].is_object()) {
    out.python_type = StrField(p["python_type"], "type");
  }
  if (p.contains("type")) out.type = p["type"];
  out.has_default = p.value("parameter_has_default", false);
  if (p.contains("parameter_default")) out.default_value = p["parameter_default"];
  if (p.contains("example_input")) out.example_input = p["example_input"];
  return out;
}

// scheme://host[:port] of a URL, lower-cased host; "" when it is not absolute.
std::string Origin(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  auto end = url.find_first_of("/?#", p + 3);
  std::string o(url.substr(0, end));
  std::transform(o.begin(), o.end(), o.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return o;
}

using Steady = std::chrono::steady_clock;

std::chrono::milliseconds Remaining(Steady::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::string ErrorText(const json& data) {
  if (data.is_null()) {
    return "the app raised an exception (no detail: the app does not enable show_error)";
  }
  if (data.is_string()) return data.get<std::string>();
  if (data.is_object()) {
    std::string e = StrField(data, "error");
    std::string t = StrField(data, "title");
    if (!e.empty()) return t.empty() || t == "Error" ? e : t + ": " + e;
    if (data.contains("message") && data["message"].is_string()) {
      return data["message"].get<std::string>();
    }
    return "the app raised an exception (no detail)";
  }
  return data.dump().substr(0, 300);
}

// The event id of a /call or /queue/join reply ({"event_id": "..."}).
Result<std::string> EventIdOf(std::string_view body, const std::string& what,
                              const std::string& host) {
  json j = json::parse(body, nullptr, false);
  std::string event_id = j.is_discarded() ? "" : StrField(j, "event_id");
  if (event_id.empty()) {
    return ParseError(what + " on " + host + ": no event_id in the reply (got: " + Snippet(body) +
                      ")");
  }
  return event_id;
}

// Why a result stream ended without a result, when the transport or the HTTP status says so: a
// cancelled or overdue stream is a timeout, a transport error keeps its code, a non-2xx is mapped.
std::optional<Status> StreamFailure(const Result<http::Response>& sse, const std::string& what,
                                    const std::string& host, Steady::time_point deadline,
                                    std::chrono::milliseconds total_timeout) {
  if (!sse.ok()) {
    if (sse.status().code() == Code::kCancelled || Steady::now() >= deadline) {
      return Status(Code::kTimeout, what + " on " + host + ": no result within " +
                                        std::to_string(total_timeout.count()) + " ms");
    }
    return sse.status().WithContext(what);
  }
  if (sse->status < 200 || sse->status >= 300) return HttpError(sse->status, what, host, sse->body);
  return std::nullopt;
}

}  // namespace

namespace internal {

std::string StrField(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
}

std::string RandomToken(std::size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  std::uniform_int_distribution<std::size_t> dist(0, sizeof(kAlphabet) - 2);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(kAlphabet[dist(gen)]);
  return s;
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Discovery

std::optional<int> AppConfig::FnIndex(std::string_view api_name) const {
  std::string want = StripSlash(api_name);
  if (!dependencies.is_array()) return std::nullopt;
  for (std::size_t i = 0; i < dependencies.size(); ++i) {
    const json& d = dependencies[i];
    if (!d.is_object()) continue;
    if (d.contains("api_name") && d["api_name"].is_string() &&
        StripSlash(d["api_name"].get<std::string>()) == want) {
      if (d.contains("id") && d["id"].is_number_integer()) return d["id"].get<int>();
      return static_cast<int>(i);
    }
  }
  return std::nullopt;
}

std::string Endpoint::ApiName() const { return StripSlash(name); }

const Endpoint* ApiInfo::Find(std::string_view name) const {
  std::string want = StripSlash(name);
  for (const auto& e : endpoints) {
    if (e.ApiName() == want) return &e;
  }
  return nullptr;
}

Result<AppConfig> ParseConfig(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return ParseError("the app's /config is not a JSON object (got: " + Snippet(body) +
                      "); not a Gradio app, or not reachable / not authorised");
  }
  AppConfig c;
  if (j.contains("version") && j["version"].is_string()) c.version = j["version"];
  if (j.contains("api_prefix") && j["api_prefix"].is_string()) c.api_prefix = j["api_prefix"];
  while (!c.api_prefix.empty() && c.api_prefix.back() == '/') c.api_prefix.pop_back();
  if (!c.api_prefix.empty() && c.api_prefix.front() != '/') c.api_prefix = "/" + c.api_prefix;
  if (j.contains("protocol") && j["protocol"].is_string()) c.protocol = j["protocol"];
  if (j.contains("dependencies")) {
    if (!j["dependencies"].is_array()) {
      return ParseError("the app's /config has a malformed 'dependencies' (not a list)");
    }
    c.dependencies = j["dependencies"];
  } else if (!j.contains("components") && !j.contains("version")) {
    return ParseError("the app's /config has neither 'version', 'components' nor 'dependencies'");
  }
  c.raw = std::move(j);
  return c;
}

Result<ApiInfo> ParseInfo(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return ParseError("the app's API info is not a JSON object (got: " + Snippet(body) + ")");
  }
  if (!j.contains("named_endpoints") || !j["named_endpoints"].is_object()) {
    return ParseError("the app's API info has no 'named_endpoints' object");
  }
  ApiInfo info;
  for (const auto& [name, e] : j["named_endpoints"].items()) {
    if (!e.is_object()) return ParseError("API info: endpoint " + name + " is not an object");
    Endpoint ep;
    ep.name = name.empty() || name.front() != '/' ? "/" + name : name;
    for (const char* key : {"parameters", "returns"}) {
      if (!e.contains(key)) continue;
      if (!e[key].is_array()) {
        return ParseError("API info: " + std::string(key) + " of " + name + " is not a list");
      }
      for (const auto& p : e[key]) {
        (std::string_view(key) == "parameters" ? ep.parameters : ep.returns)
            .push_back(ParseParameter(p));
      }
    }
    info.endpoints.push_back(std::move(ep));
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// Client

Client::Client(http::HttpClient& http, ClientOptions options)
    : http_(http), options_(std::move(options)) {
  while (!options_.root_url.empty() && options_.root_url.back() == '/') {
    options_.root_url.pop_back();
  }
}

std::string Client::Host() const { return http::UrlHostForMessage(options_.root_url); }

std::string Client::ApiUrl(std::string_view path) const {
  std::string prefix = config_ ? config_->api_prefix : "/gradio_api";
  return options_.root_url + prefix + std::string(path);
}

http::Request Client::MakeRequest(std::string method, std::string url) const {
  http::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.total_timeout = options_.request_timeout;
  if (!options_.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + options_.token);
  return r;
}

Result<json> Client::GetJson(const std::string& url, std::string_view what) {
  http::Request r = MakeRequest("GET", url);
  r.headers.emplace_back("Accept", "application/json");
  auto resp = http_.Send(r);
  if (!resp.ok()) return resp.status().WithContext(std::string(what));
  if (resp->status < 200 || resp->status >= 300) {
    Status s = HttpError(resp->status, what, Host(), resp->body);
    if ((resp->status == 401 || resp->status == 404) && options_.token.empty()) {
      s = Status(s.code(), s.message() + "; a private Space needs a token");
    }
    return s;
  }
  json j = json::parse(resp->body, nullptr, false);
  if (j.is_discarded()) {
    return ParseError(std::string(what) + " on " + Host() +
                      ": not JSON (got: " + Snippet(resp->body) + ")");
  }
  return j;
}

Result<AppConfig> Client::LoadConfig() {
  http::Request r = MakeRequest("GET", options_.root_url + "/config");
  r.headers.emplace_back("Accept", "application/json");
  auto resp = http_.Send(r);
  if (!resp.ok()) return resp.status().WithContext("GET /config");
  if (resp->status < 200 || resp->status >= 300) {
    Status s = HttpError(resp->status, "GET /config", Host(), resp->body);
    if (resp->status == 401 || resp->status == 403 || resp->status == 404) {
      s = Status(s.code(),
                 s.message() + (options_.token.empty()
                                    ? "; not a Gradio app, or a private Space (no token given)"
                                    : "; not a Gradio app, or the token has no access"));
    }
    return s;
  }
  auto c = ParseConfig(resp->body);
  if (!c.ok())
    return Status(c.status().code(), "GET /config on " + Host() + ": " + c.status().message());
  config_ = *c;
  return c;
}

Result<ApiInfo> Client::LoadInfo() {
  if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
  auto resp = http_.Send([&] {
    http::Request r = MakeRequest("GET", ApiUrl("/info"));
    r.headers.emplace_back("Accept", "application/json");
    return r;
  }());
  if (!resp.ok()) return resp.status().WithContext("GET " + config_->api_prefix + "/info");
  if (resp->status < 200 || resp->status >= 300) {
    return HttpError(resp->status, "GET " + config_->api_prefix + "/info", Host(), resp->body);
  }
  auto info = ParseInfo(resp->body);
  if (!info.ok()) {
    return Status(info.status().code(), "GET " + config_->api_prefix + "/info on " + Host() + ": " +
                                            info.status().message());
  }
  return info;
}

Result<std::vector<std::string>> Client::Upload(const std::vector<FilePart>& files) {
  if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
  std::string boundary;
  do {
    boundary = MakeBoundary();
  } while (std::any_of(files.begin(), files.end(), [&](const FilePart& f) {
    return f.content.find(boundary) != std::string::npos;
  }));
  http::Request r = MakeRequest("POST", ApiUrl("/upload"));
  r.headers.emplace_back("Content-Type", "multipart/form-data; boundary=" + boundary);
  r.headers.emplace_back("Accept", "application/json");
  r.body = BuildMultipart(boundary, "files", files);
  auto resp = http_.Send(r);
  const std::string what = "POST " + config_->api_prefix + "/upload";
  if (!resp.ok()) return resp.status().WithContext(what);
  if (resp->status < 200 || resp->status >= 300) {
    return HttpError(resp->status, what, Host(), resp->body);
  }
  json j = json::parse(resp->body, nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.size() != files.size()) {
    return ParseError(what + " on " + Host() + ": expected a JSON list of " +
                      std::to_string(files.size()) + " path(s), got: " + Snippet(resp->body));
  }
  std::vector<std::string> paths;
  for (const auto& p : j) {
    if (!p.is_string()) return ParseError(what + ": a returned path is not a string");
    paths.push_back(p.get<std::string>());
  }
  return paths;
}

Result<json> Client::UploadAsFileData(const FilePart& file) {
  SF_ASSIGN_OR_RETURN(auto paths, Upload({file}));
  return json{{"path", paths.at(0)},
              {"orig_name", file.filename},
              {"mime_type", file.content_type},
              {"meta", {{"_type", "gradio.FileData"}}}};
}

Result<CallResult> Client::Call(std::string_view api_name, const json& data,
                                const CallOptions& options) {
  if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
  if (options.force_queue) return CallViaQueue(api_name, data, options);
  auto r = CallViaCallApi(api_name, data, options);
  // /call is missing (4.x before 4.20, or a proxy that only forwards the queue routes): fall back
  // to the queue protocol when the config knows the endpoint.
  if (!r.ok() && r.status().code() == Code::kNotFound && config_->FnIndex(api_name)) {
    auto q = CallViaQueue(api_name, data, options);
    if (q.ok()) return q;
    return Status(q.status().code(),
                  r.status().message() + "; queue fallback: " + q.status().message());
  }
  return r;
}

Result<CallResult> Client::CallViaCallApi(std::string_view api_name, const json& data,
                                          const CallOptions& options) {
  if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
  const std::string name = StripSlash(api_name);
  const auto start = Steady::now();
  const auto deadline = start + options.total_timeout;
  const std::string what = "POST " + config_->api_prefix + "/call/" + name;

  http::Request post = MakeRequest("POST", ApiUrl("/call/" + name));
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = json{{"data", data}}.dump();
  post.total_timeout = std::min(Remaining(deadline), options_.request_timeout);
  auto resp = http_.Send(post);
  if (!resp.ok()) return resp.status().WithContext(what);
  if (resp->status == 404 || resp->status == 405) {
    return Status(Code::kNotFound, what + " on " + Host() + ": HTTP " +
                                       std::to_string(resp->status) +
                                       " (no /call route or unknown endpoint)");
  }
  if (resp->status == 500 && !config_->FnIndex(name)) {
    return Status(Code::kNotFound, what + " on " + Host() +
                                       ": HTTP 500 and /config lists no "
                                       "endpoint named '" +
                                       name + "'");
  }
  if (resp->status < 200 || resp->status >= 300) {
    return HttpError(resp->status, what, Host(), resp->body);
  }
  SF_ASSIGN_OR_RETURN(std::string event_id, EventIdOf(resp->body, what, Host()));

  CallResult result;
  result.protocol = "call";
  bool done = false;
  std::optional<Status> failure;
  http::Request get = MakeRequest("GET", ApiUrl("/call/" + name + "/" + event_id));
  get.total_timeout = Remaining(deadline);
  get.idle_timeout = options.idle_timeout;
  const std::string what_get = "GET " + config_->api_prefix + "/call/" + name + "/<event>";
  auto sse = http::StreamSse(http_, get, [&](const http::SseEvent& ev) {
    if (ev.event == "heartbeat") return Steady::now() < deadline;
    json d = json::parse(ev.data, nullptr, false);
    if (ev.event == "generating") {
      ++result.generating_events;
      return true;
    }
    if (ev.event == "complete") {
      if (d.is_discarded() || !d.is_array()) {
        failure = ParseError(
            what_get + ": 'complete' data is not a JSON list (got: " + Snippet(ev.data) + ")");
      } else {
        result.data = std::move(d);
        done = true;
      }
      return false;
    }
    if (ev.event == "error") {
      failure = Status(Code::kRemote, "endpoint /" + name + " failed: " +
                                          ErrorText(d.is_discarded() ? json(ev.data) : d));
      return false;
    }
    return Steady::now() < deadline;  // unknown events are ignored
  });
  result.latency = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
  if (failure) return *failure;
  if (done) return result;
  if (auto failed = StreamFailure(sse, what_get, Host(), deadline, options.total_timeout)) {
    return *failed;
  }
  return Status(Code::kRemote, what_get + " on " + Host() +
                                   ": the event stream ended without 'complete' or 'error'");
}

Result<CallResult> Client::CallViaQueue(std::string_view api_name, const json& data,
                                        const CallOptions& options) {
  if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
  const std::string name = StripSlash(api_name);
  auto fn_index = config_->FnIndex(name);
  if (!fn_index) {
    return Status(Code::kNotFound, "/config of " + Host() + " lists no endpoint named '" + name +
                                       "' (needed for the queue protocol)");
  }
  const auto start = Steady::now();
  const auto deadline = start + options.total_timeout;
  const std::string session = RandomToken(11);
  const std::string what = "POST " + config_->api_prefix + "/queue/join";

  http::Request post = MakeRequest("POST", ApiUrl("/queue/join"));
  post.headers.emplace_back("Content-Type", "application/json");
  post.body = json{
      {"data", data},
      {"fn_index", *fn_index},
      {"session_hash", session},
      {"event_data", nullptr},
      {"trigger_id",
       nullptr}}.dump();
  post.total_timeout = std::min(Remaining(deadline), options_.request_timeout);
  auto resp = http_.Send(post);
  if (!resp.ok()) return resp.status().WithContext(what);
  if (resp->status < 200 || resp->status >= 300) {
    return HttpError(resp->status, what, Host(), resp->body);
  }
  SF_ASSIGN_OR_RETURN(std::string event_id, EventIdOf(resp->body, what, Host()));

  CallResult result;
  result.protocol = "queue";
  bool done = false;
  bool closed = false;
  std::optional<Status> failure;
  http::Request get = MakeRequest("GET", ApiUrl("/queue/data?session_hash=" + session));
  get.total_timeout = Remaining(deadline);
  get.idle_timeout = options.idle_timeout;
  const std::string what_get = "GET " + config_->api_prefix + "/queue/data";
  auto sse = http::StreamSse(http_, get, [&](const http::SseEvent& ev) {
    json m = json::parse(ev.data, nullptr, false);
    if (m.is_discarded() || !m.is_object()) return Steady::now() < deadline;
    const std::string msg = StrField(m, "msg");
    if (msg == "close_stream") {
      closed = true;
      return false;
    }
    if (msg == "unexpected_error") {
      failure = Status(Code::kRemote, what_get + ": " + StrField(m, "message"));
      return false;
    }
    if (m.contains("event_id") && m["event_id"].is_string() && m["event_id"] != event_id) {
      return Steady::now() < deadline;  // another event of this session
    }
    if (msg == "log" && m.contains("log") && m["log"].is_string()) {
      result.logs.push_back(m["log"].get<std::string>());
    } else if (msg == "process_generating" || msg == "process_streaming") {
      ++result.generating_events;
    } else if (msg == "process_completed") {
      const json out = m.value("output", json::object());
      if (!m.value("success", false)) {
        failure =
            Status(Code::kRemote,
                   "endpoint /" + name + " failed: " +
                       ErrorText(out.is_object() && out.contains("error") ? out["error"] : json()));
        if (out.is_object() && out.contains("title") && out.contains("error") &&
            out["error"].is_string()) {
          failure = Status(Code::kRemote, "endpoint /" + name + " failed: " + ErrorText(out));
        }
        return false;
      }
      if (!out.is_object() || !out.contains("data") || !out["data"].is_array()) {
        failure = ParseError(what_get + ": process_completed without an output.data list");
        return false;
      }
      result.data = out["data"];
      if (out.contains("duration") && out["duration"].is_number()) {
        result.server_duration_s = out["duration"].get<double>();
      }
      done = true;
      return false;
    }
    return Steady::now() < deadline;
  });
  result.latency = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
  if (failure) return *failure;
  if (done) return result;
  if (closed) {
    return Status(Code::kRemote,
                  what_get + " on " + Host() + ": the stream closed without process_completed");
  }
  if (auto failed = StreamFailure(sse, what_get, Host(), deadline, options.total_timeout)) {
    return *failed;
  }
  return Status(Code::kRemote,
                what_get + " on " + Host() + ": the stream ended without process_completed");
}

Result<std::string> Client::Download(const json& file_data) {
  if (!IsFileData(file_data)) return InvalidArgument("Download: not a FileData object");
  std::string url = StrField(file_data, "url");
  const std::string path = StrField(file_data, "path");
  if (url.empty() || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    if (!url.empty() && url.front() == '/') {
      url = options_.root_url + url;
    } else if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
      url = path;
    } else if (!path.empty()) {
      if (!config_) SF_RETURN_IF_ERROR(LoadConfig().status());
      url = ApiUrl("/file=" + path);
    } else {
      return InvalidArgument("Download: FileData has neither url nor path");
    }
  }
  http::Request r = MakeRequest("GET", url);
  // The token is for the app only: never send it to another origin a FileData points at.
  if (Origin(url) != Origin(options_.root_url)) {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Authorization"; });
  }
  auto resp = http_.Send(r);
  const std::string what = "download of output file '" + StrField(file_data, "orig_name") + "'";
  if (!resp.ok()) return resp.status().WithContext(what);
  if (resp->status < 200 || resp->status >= 300) {
    return HttpError(resp->status, what, http::UrlHostForMessage(url), resp->body);
  }
  return std::move(resp->body);
}

Result<std::vector<CheckedOutput>> Client::CheckOutput(const Endpoint& endpoint,
                                                       const CallResult& result) {
  if (!result.data.is_array()) {
    return Status(Code::kFailedPrecondition, "endpoint " + endpoint.name + ": data is not a list");
  }
  if (result.data.size() != endpoint.returns.size()) {
    return Status(Code::kFailedPrecondition,
                  "endpoint " + endpoint.name + " returned " + std::to_string(result.data.size()) +
                      " output(s), its API declares " + std::to_string(endpoint.returns.size()));
  }
  std::vector<CheckedOutput> out;
  for (std::size_t i = 0; i < endpoint.returns.size(); ++i) {
    const Parameter& decl = endpoint.returns[i];
    CheckedOutput c;
    c.component = decl.component;
    c.kind = KindOfComponent(decl.component);
    c.value = result.data[i];
    SF_RETURN_IF_ERROR(CheckOutputShape(decl, c.value));
    if (auto fd = FileDataOf(c.value, c.kind);
        fd && (c.kind == OutputKind::kImage || c.kind == OutputKind::kAudio ||
               c.kind == OutputKind::kVideo || c.kind == OutputKind::kFile)) {
      SF_ASSIGN_OR_RETURN(auto bytes, Download(*fd));
      SF_ASSIGN_OR_RETURN(c.media, CheckOutputBytes(decl, bytes));
      c.bytes = std::move(bytes);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sf::gradio
