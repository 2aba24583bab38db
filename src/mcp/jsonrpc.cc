// JSON-RPC 2.0 framing: decoding and validating incoming messages, building outgoing ones.
#include <algorithm>

#include "mcp/mcp.h"

namespace sf::mcp {

const std::vector<std::string>& SupportedVersions() {
  static const std::vector<std::string> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return kVersions;
}

bool IsSupportedVersion(std::string_view version) {
  const auto& v = SupportedVersions();
  return std::find(v.begin(), v.end(), version) != v.end();
}

bool IsModernVersion(std::string_view version) {
  // Dates compare as strings when both are YYYY-MM-DD.
  return version.size() == 10 && version[4] == '-' && version[7] == '-' &&
         version >= kModernVersion;
}

std::string SupportedVersionsText() {
  std::string out;
  for (const auto& v : SupportedVersions()) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string Serialize(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

json MakeResult(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json MakeError(const json& id, int code, std::string_view message, json data) {
  json e = {{"code", code}, {"message", message}};
  if (!data.is_null()) e["data"] = std::move(data);
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

json MakeNotification(std::string_view method, json params) {
  json n = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) n["params"] = std::move(params);
  return n;
}

json UnsupportedVersionError(const json& id, std::string_view requested) {
  std::string message = "Unsupported protocol version";
  if (!requested.empty()) message += " " + std::string(requested);
  message += ": this server speaks " + SupportedVersionsText() +
             " (the handshake era: send initialize); the stateless " + std::string(kModernVersion) +
             " revision is not supported yet";
  return MakeError(id, err::kUnsupportedVersion, message,
                   {{"supported", SupportedVersions()}, {"requested", requested}});
}

namespace {

// The deepest nesting of [ and { outside strings; stops counting once above `limit`.
int NestingDepth(std::string_view s, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

bool ValidId(const json& id) { return id.is_string() || id.is_number_integer(); }

// ValidateMessage on a value that may be moved from (params, result and error are taken over).
std::optional<Message> Validate(json& v, json* error_reply) {
  auto fail = [&](const json& id, std::string_view why) -> std::optional<Message> {
    if (error_reply) *error_reply = MakeError(id, err::kInvalidRequest, why);
    return std::nullopt;
  };
  if (!v.is_object()) return fail(nullptr, "Invalid Request: a message must be a JSON object");
  json id = nullptr;
  if (auto it = v.find("id"); it != v.end() && ValidId(*it)) id = *it;
  auto jr = v.find("jsonrpc");
  if (jr == v.end() || !jr->is_string() || *jr != "2.0")
    return fail(id, "Invalid Request: \"jsonrpc\" must be exactly \"2.0\"");
  Message m;
  auto method = v.find("method");
  auto idit = v.find("id");
  if (method != v.end()) {
    if (!method->is_string() || method->get_ref<const std::string&>().empty())
      return fail(id, "Invalid Request: \"method\" must be a non-empty string");
    m.method = method->get<std::string>();
    if (auto p = v.find("params"); p != v.end()) {
      if (!p->is_object() && !p->is_array())
        return fail(id, "Invalid Request: \"params\" must be an object or an array");
      m.params = std::move(*p);
    }
    if (v.contains("result") || v.contains("error"))
      return fail(id, "Invalid Request: a request cannot carry \"result\" or \"error\"");
    if (idit == v.end()) {
      m.kind = MessageKind::kNotification;
      return m;
    }
    if (idit->is_null()) return fail(nullptr, "Invalid Request: \"id\" must not be null");
    if (!ValidId(*idit))
      return fail(nullptr, "Invalid Request: \"id\" must be a string or integer");
    m.kind = MessageKind::kRequest;
    m.id = *idit;
    return m;
  }
  // A response (to one of our server→client requests).
  bool has_result = v.contains("result"), has_error = v.contains("error");
  if (has_result == has_error)
    return fail(id,
                "Invalid Request: no \"method\", and not a response with exactly one of "
                "\"result\" / \"error\"");
  if (idit == v.end() || !ValidId(*idit))
    return fail(nullptr, "Invalid Request: a response needs a string or integer \"id\"");
  m.kind = MessageKind::kResponse;
  m.id = *idit;
  if (has_result) {
    m.result = std::move(v["result"]);
  } else {
    json& e = v["error"];
    if (!e.is_object() || !e.contains("code") || !e["code"].is_number_integer())
      return fail(id, "Invalid Request: \"error\" must be an object with an integer \"code\"");
    m.error = std::move(e);
  }
  return m;
}

}  // namespace

std::optional<Message> ValidateMessage(const json& value, json* error_reply) {
  json copy = value;
  return Validate(copy, error_reply);
}

Decoded Decode(std::string_view bytes, const DecodeLimits& limits) {
  Decoded d;
  if (bytes.size() > limits.max_bytes) {
    d.errors.push_back(MakeError(nullptr, err::kInvalidRequest,
                                 "Invalid Request: message of " + std::to_string(bytes.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(limits.max_bytes)));
    return d;
  }
  if (NestingDepth(bytes, limits.max_depth) > limits.max_depth) {
    d.errors.push_back(
        MakeError(nullptr, err::kInvalidRequest,
                  "Invalid Request: JSON nested deeper than " + std::to_string(limits.max_depth)));
    return d;
  }
  json v = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) {
    d.errors.push_back(
        MakeError(nullptr, err::kParse, "Parse error: the message is not valid JSON"));
    return d;
  }
  if (v.is_array()) {
    d.batch = true;
    if (v.empty()) {
      d.errors.push_back(MakeError(nullptr, err::kInvalidRequest, "Invalid Request: empty batch"));
      return d;
    }
    if (v.size() > limits.max_batch) {
      d.errors.push_back(MakeError(nullptr, err::kInvalidRequest,
                                   "Invalid Request: batch of " + std::to_string(v.size()) +
                                       " messages exceeds the limit of " +
                                       std::to_string(limits.max_batch)));
      return d;
    }
    for (auto& item : v) {
      json reply;
      if (auto m = Validate(item, &reply))
        d.messages.push_back(std::move(*m));
      else
        d.errors.push_back(std::move(reply));
    }
    return d;
  }
  json reply;
  if (auto m = Validate(v, &reply))
    d.messages.push_back(std::move(*m));
  else
    d.errors.push_back(std::move(reply));
  return d;
}

// ---------------------------------------------------------------------------------------------

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kNotice:
      return "notice";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
    case Level::kCritical:
      return "critical";
    case Level::kAlert:
      return "alert";
    case Level::kEmergency:
      return "emergency";
  }
  return "info";
}

std::optional<Level> LevelFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Level::kEmergency); ++i)
    if (LevelName(static_cast<Level>(i)) == name) return static_cast<Level>(i);
  return std::nullopt;
}

json TextContent(std::string text) { return json{{"type", "text"}, {"text", std::move(text)}}; }

json ToolText(std::string text, bool is_error) {
  json r = {{"content", json::array({TextContent(std::move(text))})}};
  if (is_error) r["isError"] = true;
  return r;
}

json ToolStructured(json structured, std::string text) {
  if (text.empty()) text = structured.dump(2);
  json r = {{"content", json::array({TextContent(std::move(text))})}};
  r["structuredContent"] = std::move(structured);
  return r;
}

}  // namespace sf::mcp
