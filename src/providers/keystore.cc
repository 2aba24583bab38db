// Keys added through the API, encrypted at rest: each secret is sealed with libsodium's
// crypto_secretbox_easy (XSalsa20-Poly1305, a random nonce per key) under a 32-byte key kept in
// <dir>/keys.secret, created with mode 0600 and refused when group or others can read it.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "providers/providers.h"

namespace sf::providers {
namespace {

using nlohmann::json;

std::string ToHex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool FromHex(const std::string& hex, std::string& out) {
  out.assign(hex.size() / 2, '\0');
  std::size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, nullptr) != 0)
    return false;
  out.resize(len);
  return true;
}

// Reads or creates the secretbox key. POSIX directly: the FileSystem interface has no modes, and
// the key must never exist with looser permissions, not even for a moment.
Result<std::string> LoadOrCreateBoxKey(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    std::string key(crypto_secretbox_KEYBYTES, '\0');
    randombytes_buf(key.data(), key.size());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return IoError("cannot create " + path + ": " + std::strerror(errno));
    bool ok =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return IoError("cannot write " + path);
    return key;
  }
  if (fd < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return Status(Code::kPermissionDenied,
                  path + " is readable by group or others; run: chmod 600 " + path);
  }
  std::string key(crypto_secretbox_KEYBYTES + 1, '\0');
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(crypto_secretbox_KEYBYTES))
    return Status(Code::kParse,
                  path + " is not a " + std::to_string(crypto_secretbox_KEYBYTES) + "-byte key");
  key.resize(crypto_secretbox_KEYBYTES);
  return key;
}

}  // namespace

Result<std::unique_ptr<KeyStore>> KeyStore::Open(std::string dir, FileSystem& fs) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  SF_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  SF_ASSIGN_OR_RETURN(std::string box_key, LoadOrCreateBoxKey(dir + "/keys.secret"));
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(dir), fs, std::move(box_key)));
}

Result<json> KeyStore::ReadDoc() const {
  const std::string path = dir_ + "/keys.enc";
  if (!fs_.Exists(path)) return json{{"version", 1}, {"keys", json::array()}};
  SF_ASSIGN_OR_RETURN(std::string text, fs_.ReadFile(path, 4u << 20));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return Status(Code::kParse, path + ": not a key store");
  return doc;
}

Result<std::vector<KeyStore::StoredKey>> KeyStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  SF_ASSIGN_OR_RETURN(json doc, ReadDoc());
  std::vector<StoredKey> out;
  for (const auto& e : doc["keys"]) {
    std::string nonce, box;
    if (!e.is_object() || !FromHex(e.value("nonce", ""), nonce) ||
        !FromHex(e.value("box", ""), box) || nonce.size() != crypto_secretbox_NONCEBYTES ||
        box.size() < crypto_secretbox_MACBYTES)
      return Status(Code::kParse, dir_ + "/keys.enc: a malformed entry");
    std::string plain(box.size() - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                   reinterpret_cast<const unsigned char*>(box.data()), box.size(),
                                   reinterpret_cast<const unsigned char*>(nonce.data()),
                                   reinterpret_cast<const unsigned char*>(box_key_.data())) != 0)
      return Status(Code::kPermissionDenied,
                    dir_ + "/keys.enc: an entry does not decrypt with keys.secret");
    StoredKey k;
    k.provider = e.value("provider", "");
    k.key.id = e.value("id", "");
    k.key.label = e.value("label", "");
    k.key.priority = e.value("priority", false);
    k.key.origin = "api";
    k.key.secret = std::move(plain);
    out.push_back(std::move(k));
  }
  return out;
}

Status KeyStore::Add(const std::string& provider, const KeyConfig& key) {
  std::lock_guard<std::mutex> lock(mu_);
  SF_ASSIGN_OR_RETURN(json doc, ReadDoc());
  for (const auto& e : doc["keys"])
    if (e.value("id", "") == key.id)
      return Status(Code::kAlreadyExists, "a key with id " + key.id + " exists");
  unsigned char nonce[crypto_secretbox_NONCEBYTES];
  randombytes_buf(nonce, sizeof nonce);
  std::string box(key.secret.size() + crypto_secretbox_MACBYTES, '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(box.data()),
                        reinterpret_cast<const unsigned char*>(key.secret.data()),
                        key.secret.size(), nonce,
                        reinterpret_cast<const unsigned char*>(box_key_.data()));
  doc["keys"].push_back(
      {{"provider", provider},
       {"id", key.id},
       {"label", key.label},
       {"priority", key.priority},
       {"nonce", ToHex(nonce, sizeof nonce)},
       {"box", ToHex(reinterpret_cast<const unsigned char*>(box.data()), box.size())}});
  return fs_.WriteFileAtomic(dir_ + "/keys.enc", doc.dump(2) + "\n");
}

Status KeyStore::Remove(const std::string& provider, const std::string& key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  SF_ASSIGN_OR_RETURN(json doc, ReadDoc());
  json keep = json::array();
  bool found = false;
  for (const auto& e : doc["keys"]) {
    if (e.value("provider", "") == provider && e.value("id", "") == key_id) {
      found = true;
      continue;
    }
    keep.push_back(e);
  }
  if (!found) return NotFound("no stored key " + key_id + " for provider " + provider);
  doc["keys"] = std::move(keep);
  return fs_.WriteFileAtomic(dir_ + "/keys.enc", doc.dump(2) + "\n");
}

}  // namespace sf::providers
