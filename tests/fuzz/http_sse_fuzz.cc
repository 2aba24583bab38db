// libFuzzer target for the SSE reader: arbitrary bytes, split at a data-chosen point and fed one
// byte at a time, must never crash, and splitting must not change the events (the parser is
// incremental).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = in.empty() ? 0 : data[0] % (in.size() + 1);

  auto collect = [](std::vector<std::string>* out) {
    return [out](const sf::http::SseEvent& e) {
      out->push_back(e.event + '\x1f' + e.id + '\x1f' + e.data);
      return true;
    };
  };
  std::vector<std::string> whole, pieces, bytes;
  sf::http::SseParser a(1 << 16), b(1 << 16), c(1 << 16);
  a.Feed(in, collect(&whole));
  b.Feed(in.substr(0, split), collect(&pieces));
  b.Feed(in.substr(split), collect(&pieces));
  if (!a.error() && !b.error() && whole != pieces) __builtin_trap();
  // One byte at a time: every line is carried over between chunks, and a CR's LF arrives alone.
  for (std::size_t i = 0; i < in.size(); ++i) c.Feed(in.substr(i, 1), collect(&bytes));
  if (!a.error() && !c.error() && whole != bytes) __builtin_trap();
  return 0;
}
