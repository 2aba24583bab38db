#include <ctime>

#include "core/core.h"

namespace sf {

std::chrono::system_clock::time_point SystemClock::Now() const {
  return std::chrono::system_clock::now();
}
std::chrono::steady_clock::time_point SystemClock::Monotonic() const {
  return std::chrono::steady_clock::now();
}

namespace {
std::tm UtcTm(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string FormatIso8601(std::chrono::system_clock::time_point t) {
  std::tm tm = UtcTm(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string MakeRunId(std::chrono::system_clock::time_point t, std::uint32_t random_bits) {
  std::tm tm = UtcTm(t);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::snprintf(buf + n, sizeof buf - n, "-%04x", static_cast<unsigned>(random_bits & 0xffffu));
  return buf;
}

bool IsValidRunId(std::string_view id) {
  // YYYYMMDDTHHMMSSZ-xxxx
  if (id.size() != 21) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = false;
    if (i < 8 || (i >= 9 && i < 15))
      ok = c >= '0' && c <= '9';
    else if (i == 8)
      ok = c == 'T';
    else if (i == 15)
      ok = c == 'Z';
    else if (i == 16)
      ok = c == '-';
    else
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return false;
  }
  return true;
}

}  // namespace sf
