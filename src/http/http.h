// http: the HTTP client used for control-plane calls (Hub API, card downloads) and the HTTP server
// behind `serve` and `sim`.
//
// The client is an interface so tests can inject failures; NewCurlHttpClient is the libcurl
// implementation (connection reuse, timeouts, proxies from the environment, retries with backoff).
// Transport failures (DNS, refused, reset, timeout) come back as a non-ok Status with code
// kUnavailable or kTimeout; any HTTP status, including 4xx/5xx, is a successful HttpResponse and the
// caller maps it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace sf::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match wins.
std::optional<std::string> FindHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  // Retrying a POST/PATCH is only safe when the caller knows it is (idempotency key, pure read).
  bool idempotent_override = false;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<Response> Send(const Request& request) = 0;
};

struct ClientOptions {
  std::string user_agent;  // defaults to "spacefactory/<version>"
  int max_attempts = 4;    // 1 = no retries
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20'000};
};

std::unique_ptr<HttpClient> NewCurlHttpClient(ClientOptions options = {});

}  // namespace sf::http
