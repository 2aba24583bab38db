// A scripted sf::http::HttpClient for hub tests: records every request and answers from a
// handler (or a queue of canned responses, in order).
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/http.h"

namespace sf::hub::testing {

class FakeHttp final : public http::HttpClient {
 public:
  using Handler = std::function<Result<http::Response>(const http::Request&)>;

  Result<http::Response> Send(const http::Request& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (handler) return handler(request);
    if (queue.empty()) return Status(Code::kInternal, "FakeHttp: no canned response left");
    auto r = queue.front();
    queue.pop_front();
    return r;
  }

  void Push(int status, std::string body, http::Headers headers = {}) {
    queue.push_back(http::Response{status, std::move(headers), std::move(body)});
  }

  Handler handler;
  std::deque<Result<http::Response>> queue;
  std::vector<http::Request> requests;

 private:
  std::mutex mu_;
};

inline std::string Auth(const http::Request& r) {
  return http::FindHeader(r.headers, "Authorization").value_or("");
}

}  // namespace sf::hub::testing
