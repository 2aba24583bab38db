// Internal to sf_http (server.cc; the http_request fuzz target): the server's request parser.
// Beast's basic_parser does the parsing (start line, fields, Content-Length and chunked framing,
// limits); this subclass only stores what it reports. Kept apart from server.cc so the fuzz
// build (clang, which cannot build the server's coroutines) can test it against Beast's own
// request_parser.
#pragma once

// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>

#include "http/http.h"

namespace sf::http {

// A request parsed by Beast straight into the ServerRequest the handler gets: method, target and
// fields as they arrive, the body appended as Beast finds it (with or without chunked framing).
// A request_parser would first build Beast's own header container (an allocation and a tree
// insert per field, then copied out) and a message to move the body out of.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(ServerRequest& req) : req_(req) {}
  unsigned version() const { return version_; }
  bool head() const { return head_; }
  bool expects_continue() const { return expects_continue_; }

 private:
  using Ec = boost::system::error_code;
  void on_request_impl(boost::beast::http::verb verb, std::string_view method,
                       std::string_view target, int version, Ec&) override {
    req_.method = method;
    req_.target = target;
    version_ = static_cast<unsigned>(version);
    head_ = verb == boost::beast::http::verb::head;
  }
  void on_response_impl(int, std::string_view, int, Ec&) override {}
  void on_field_impl(boost::beast::http::field f, std::string_view name, std::string_view value,
                     Ec&) override {
    if (f == boost::beast::http::field::expect && EqualsIgnoreCase(value, "100-continue"))
      expects_continue_ = true;
    req_.headers.emplace_back(name, value);
  }
  void on_header_impl(Ec&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, Ec&) override {
    // Room for the announced length (Beast checked it against body_limit), up to 1 MiB: a
    // client that announces megabytes and sends nothing must not reserve them per connection.
    if (length)
      req_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, 1u << 20)));
  }
  std::size_t on_body_impl(std::string_view body, Ec&) override {
    req_.body += body;
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, std::string_view, Ec&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body, Ec&) override {
    req_.body += body;
    return body.size();
  }
  void on_finish_impl(Ec&) override {}

  ServerRequest& req_;
  unsigned version_ = 11;
  bool head_ = false;
  bool expects_continue_ = false;
};

}  // namespace sf::http
