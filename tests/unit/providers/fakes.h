// Test doubles for the providers tests: a scripted upstream HttpClient and a capturing writer.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/http.h"
#include "providers/providers.h"

namespace sf::providers::testing {

// What the upstream does for one call.
struct Script {
  int status = 200;
  http::Headers headers{};
  std::vector<std::string> chunks{};    // body pieces (streams: delivered one by one)
  Code transport_error = Code::kOk;     // before any byte (status ignored)
  Code error_after_chunks = Code::kOk;  // after the chunks: a cut connection
};

inline Script Ok(std::string body) {
  return Script{.status = 200,
                .headers = {{"Content-Type", "application/json"}},
                .chunks = {std::move(body)}};
}
inline Script Err(int status, std::string body = R"({"error":{"message":"upstream says no"}})",
                  http::Headers h = {}) {
  h.emplace_back("Content-Type", "application/json");
  return Script{.status = status, .headers = std::move(h), .chunks = {std::move(body)}};
}
inline Script Transport(Code c) { return Script{.transport_error = c}; }

inline std::string Completion(const std::string& text) {
  return nlohmann::json{
      {"id", "c1"},
      {"object", "chat.completion"},
      {"choices",
       {{{"index", 0},
         {"message", {{"role", "assistant"}, {"content", text}}},
         {"finish_reason", "stop"}}}},
      {"usage", {{"prompt_tokens", 3}, {"completion_tokens", 2}, {"total_tokens", 5}}}}
      .dump();
}
inline std::string Chunk(const std::string& content) {
  return "data: " +
         nlohmann::json{{"object", "chat.completion.chunk"},
                        {"choices", {{{"index", 0}, {"delta", {{"content", content}}}}}}}
             .dump() +
         "\n\n";
}
inline Script StreamOk(std::vector<std::string> pieces, bool done = true) {
  Script s{.status = 200, .headers = {{"Content-Type", "text/event-stream"}}};
  for (auto& p : pieces) s.chunks.push_back(Chunk(p));
  if (done) s.chunks.push_back("data: [DONE]\n\n");
  return s;
}

// Scripts are queued per key (the Authorization header): each call pops the next one; an empty
// queue answers with the default for that key (or a 200 completion).
class FakeUpstream final : public http::HttpClient {
 public:
  void Queue(const std::string& key, Script s) {
    std::lock_guard<std::mutex> lock(mu_);
    queues_[key].push_back(std::move(s));
  }
  void Default(const std::string& key, Script s) {
    std::lock_guard<std::mutex> lock(mu_);
    defaults_[key] = std::move(s);
  }
  struct Call {
    std::string url, key, body;
  };
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  Result<http::Response> Send(const http::Request& r) override {
    Script s = Next(r);
    if (s.transport_error != Code::kOk) return Status(s.transport_error, "POST fake: failed");
    http::Response out{.status = s.status, .headers = s.headers, .body = {}};
    for (auto& c : s.chunks) out.body += c;
    if (s.error_after_chunks != Code::kOk) return Status(s.error_after_chunks, "POST fake: cut");
    return out;
  }

  Result<http::Response> Stream(const http::Request& r, const http::HeadersCallback& on_headers,
                                const http::ChunkCallback& on_chunk) override {
    Script s = Next(r);
    if (s.transport_error != Code::kOk) return Status(s.transport_error, "POST fake: failed");
    if (!on_headers(s.status, s.headers)) return Status(Code::kCancelled, "aborted");
    for (auto& c : s.chunks)
      if (!on_chunk(c)) return Status(Code::kCancelled, "aborted");
    if (s.error_after_chunks != Code::kOk) return Status(s.error_after_chunks, "POST fake: cut");
    return http::Response{.status = s.status, .headers = s.headers, .body = {}};
  }

 private:
  Script Next(const http::Request& r) {
    std::string key = http::FindHeader(r.headers, "Authorization").value_or("");
    if (key.starts_with("Bearer ")) key = key.substr(7);
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back({r.url, key, r.body});
    auto& q = queues_[key];
    if (!q.empty()) {
      Script s = std::move(q.front());
      q.pop_front();
      return s;
    }
    if (auto it = defaults_.find(key); it != defaults_.end()) return it->second;
    return Ok(Completion("default answer"));
  }
  std::mutex mu_;
  std::map<std::string, std::deque<Script>> queues_;
  std::map<std::string, Script> defaults_;
  std::vector<Call> calls_;
};

class CaptureWriter final : public http::ResponseWriter {
 public:
  void Respond(http::Response r) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++answers;
    response = std::move(r);
  }
  void Begin(int status, http::Headers headers) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++answers;
    response.status = status;
    response.headers = std::move(headers);
    streaming = true;
  }
  void Write(std::string data) override {
    std::lock_guard<std::mutex> lock(mu_);
    response.body += data;
    writes.push_back(std::move(data));
  }
  void End() override {
    std::lock_guard<std::mutex> lock(mu_);
    ended = true;
  }
  bool closed() const override { return client_gone; }

  std::string Header(std::string_view name) const {
    return http::FindHeader(response.headers, name).value_or("");
  }
  nlohmann::json Json() const { return nlohmann::json::parse(response.body, nullptr, false); }

  std::mutex mu_;
  http::Response response;
  std::vector<std::string> writes;
  int answers = 0;
  bool streaming = false, ended = false, client_gone = false;
};

}  // namespace sf::providers::testing
