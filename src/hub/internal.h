// Helpers shared by the hub/*.cc files. Not part of the public interface.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/hub.h"

namespace sf::hub::internal {

// Percent-encodes everything except unreserved characters (and '/' when keep_slash).
std::string PercentEncode(std::string_view text, bool keep_slash);
// A revision in a URL path: no safe characters ("refs/pr/1" → "refs%2Fpr%2F1").
inline std::string EncodeRevision(std::string_view rev) { return PercentEncode(rev, false); }
// A repo file path in a URL: '/' kept.
inline std::string EncodePath(std::string_view path) { return PercentEncode(path, true); }

// "ns/name" → {"ns","name"}; "name" → {"", "name"}.
std::pair<std::string, std::string> SplitRepoId(std::string_view id);

// Replaces every occurrence of each secret (≥ 4 chars) with "[REDACTED]".
std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets);

// Typed getters that tolerate missing keys and wrong types.
std::optional<std::string> GetString(const nlohmann::json& j, const char* key);
std::optional<std::int64_t> GetInt(const nlohmann::json& j, const char* key);
bool GetBool(const nlohmann::json& j, const char* key, bool fallback = false);

// "scheme://host[:port]" of a URL (lower-cased scheme and host); "" when not absolute.
std::string Origin(std::string_view url);

std::vector<RepoFile> ParseSiblings(const nlohmann::json& j);

}  // namespace sf::hub::internal
