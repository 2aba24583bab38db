#include <cstdlib>

#include "core/core.h"

namespace sf {

std::optional<std::string> ProcessEnv::Get(const std::string& name) const {
  const char* v = std::getenv(name.c_str());  // read-only; the product never calls setenv
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> MapEnv::Get(const std::string& name) const {
  for (const auto& [k, v] : vars_)
    if (k == name) return v;
  return std::nullopt;
}

namespace {
bool IsNameChar(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}
}  // namespace

Result<std::string> ExpandEnv(std::string_view text, const Env& env) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return InvalidArgument("unterminated ${ in \"" + std::string(text.substr(i, 40)) + "\"");
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (auto dash = inner.find(":-"); dash != std::string_view::npos) {
      name = inner.substr(0, dash);
      fallback = inner.substr(dash + 2);
    }
    if (name.empty() || !IsNameChar(name[0], true))
      return InvalidArgument("invalid variable name in ${" + std::string(inner) + "}");
    for (char n : name)
      if (!IsNameChar(n, false))
        return InvalidArgument("invalid variable name in ${" + std::string(inner) + "}");
    auto value = env.Get(std::string(name));
    if (value && !value->empty()) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else if (value) {
      // set but empty: keep empty, like the shell's ${NAME}
    } else {
      return InvalidArgument("environment variable " + std::string(name) + " is not set");
    }
    i = close;
  }
  return out;
}

}  // namespace sf
