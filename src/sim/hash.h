// Hashes and base64 for the simulator (OpenSSL libcrypto; nothing hand-written).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sf::sim {

std::string Sha256Hex(std::string_view data);
std::string Sha1Hex(std::string_view data);
// The git blob id of a file: sha1("blob <len>\0" + content), what the Hub reports as a file's oid.
std::string GitBlobOid(std::string_view content);
std::string Base64Encode(std::string_view data);
// Standard alphabet, padding required, whitespace not allowed. nullopt when invalid.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sf::sim
