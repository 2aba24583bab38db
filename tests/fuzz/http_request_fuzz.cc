// Fuzzes the server's request parser (src/http/request_parser.h) against Beast's own
// request_parser<string_body> as the oracle: both get the same bytes, cut into the same pieces as
// a socket might deliver them, and fed the way the server feeds them (put on what is buffered,
// consume what was taken, read more on need_more). They must agree on the verdict (done, which
// error, or still wanting bytes) and, for a complete request, on method, target, version,
// keep-alive, the fields, the body and the 100-continue expectation. The first byte
// picks the piece size.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_parser.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "http_request_fuzz: %s\n", what);
  std::abort();
}

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr std::uint32_t kHeaderLimit = 4096;
constexpr std::uint64_t kBodyLimit = 16384;

// Feeds `text` in pieces of `piece` bytes the way the server's read loop does; returns the
// parser's last error (need_more when the text ran out first).
template <class Parser>
beast::error_code Feed(Parser& parser, std::string_view text, std::size_t piece) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  std::size_t given = 0;
  for (;;) {
    if (buffer.size() > 0) {
      buffer.consume(parser.put(buffer.data(), ec));
      if (ec && ec != bhttp::error::need_more) return ec;
      if (parser.is_done()) return {};
    }
    if (given == text.size()) return bhttp::error::need_more;
    const std::size_t n = std::min(piece, text.size() - given);
    auto room = buffer.prepare(n);
    std::memcpy(room.data(), text.data() + given, n);
    buffer.commit(n);
    given += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 97;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  bhttp::request_parser<bhttp::string_body> oracle;
  oracle.header_limit(kHeaderLimit);
  oracle.body_limit(kBodyLimit);
  oracle.eager(true);
  const beast::error_code want = Feed(oracle, text, piece);

  sf::http::ServerRequest req;
  sf::http::RequestParser ours(req);
  ours.header_limit(kHeaderLimit);
  ours.body_limit(kBodyLimit);
  ours.eager(true);
  const beast::error_code got = Feed(ours, text, piece);

  if (want != got) {
    std::fprintf(stderr, "oracle: %s, ours: %s\n", want.message().c_str(), got.message().c_str());
    Fail("verdicts differ");
  }
  if (oracle.is_done() != ours.is_done()) Fail("one finished, the other did not");
  if (!ours.is_done()) return 0;
  const auto& msg = oracle.get();
  if (msg.method_string() != req.method || msg.target() != req.target) Fail("start line");
  if (msg.version() != ours.version()) Fail("version");
  // Keep-alive by RFC 9110 §5.3/§7.6.1: every Connection field line (and Beast's legacy
  // Proxy-Connection) joins one token list. Not msg.keep_alive(): Beast's container looks at the
  // first Connection field only ("Connection: x" then "Connection: keep-alive" on HTTP/1.0).
  std::string connection;
  for (const auto& f : msg) {
    if (f.name() != bhttp::field::connection && f.name() != bhttp::field::proxy_connection)
      continue;
    if (!connection.empty()) connection += ',';
    connection += f.value();
  }
  bhttp::token_list tokens(connection);  // (exists() is not const in Beast 1.74)
  const bool keep_alive =
      msg.version() >= 11 ? !tokens.exists("close") : tokens.exists("keep-alive");
  if (keep_alive != ours.keep_alive()) Fail("keep-alive");
  if ((msg.method() == bhttp::verb::head) != ours.head()) Fail("HEAD");
  // Beast's container files a repeated name after the last field of that name, so fields are
  // compared per name (case-insensitively), in order within each name.
  using Fields = std::vector<std::pair<std::string, std::string>>;
  auto by_name = [](Fields fields) {
    std::stable_sort(fields.begin(), fields.end(),
                     [](const auto& a, const auto& b) { return beast::iless()(a.first, b.first); });
    return fields;
  };
  Fields theirs;
  std::size_t expects = 0;
  for (const auto& f : msg) {
    theirs.emplace_back(f.name_string(), f.value());
    if (f.name() == bhttp::field::expect) ++expects;
  }
  if (by_name(theirs) != by_name(req.headers)) Fail("fields differ");
  if (msg.body() != req.body) Fail("body");
  // With one Expect field both read it the same way (with several, the server honours any).
  if (expects == 1 &&
      beast::iequals(msg[bhttp::field::expect], "100-continue") != ours.expects_continue())
    Fail("100-continue");
  return 0;
}
