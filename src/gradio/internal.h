// Helpers shared by the gradio module's sources; not part of its interface.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace sf::gradio::internal {

// j[key] when it is a string, else "".
std::string StrField(const nlohmann::json& j, const char* key);
// `n` random characters from [a-z0-9] (session hashes, multipart boundaries).
std::string RandomToken(std::size_t n);

}  // namespace sf::gradio::internal
