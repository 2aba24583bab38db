// agentic-config loading: the seed 002 format, discovery, and errors that name file:line and key.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/providers.h"

namespace sf::providers {
namespace {

using nlohmann::json;

constexpr const char* kHfDefaultUrl = "https://router.huggingface.co/v1";
constexpr const char* kOpenRouterDefaultUrl = "https://openrouter.ai/api/v1";

// Line numbers and document order come from yaml-cpp (the JSON from ParseConfig has neither).
class Source {
 public:
  Source(std::string_view text, std::string_view name) : name_(name) {
    try {
      root_ = YAML::Load(std::string(text));
    } catch (const YAML::Exception&) {
      // ParseConfig already reported it
    }
  }

  // "file:12: key providers.x.url: <message>"
  Status Error(const std::vector<std::string>& path, std::string_view message) const {
    std::string where = name_;
    if (int line = LineOf(path); line > 0) where += ":" + std::to_string(line);
    std::string key;
    for (const auto& p : path) key += (key.empty() ? "" : ".") + p;
    return InvalidArgument(where + ": key " + (key.empty() ? "<root>" : key) + ": " +
                           std::string(message));
  }

  // Keys of the map at `path`, in document order.
  std::vector<std::string> Keys(const std::vector<std::string>& path) const {
    std::vector<std::string> out;
    YAML::Node n = Find(path);
    if (!n || !n.IsMap()) return out;
    for (const auto& kv : n)
      if (kv.first.IsScalar()) out.push_back(kv.first.Scalar());
    return out;
  }

 private:
  YAML::Node Find(const std::vector<std::string>& path) const {
    if (!root_) return YAML::Node();
    std::vector<YAML::Node> chain{root_};
    for (const auto& p : path) {
      const YAML::Node& cur = chain.back();
      YAML::Node next;
      if (cur.IsMap()) {
        for (const auto& kv : cur)
          if (kv.first.IsScalar() && kv.first.Scalar() == p) next = kv.second;
      } else if (cur.IsSequence()) {
        try {
          std::size_t i = std::stoul(p);
          if (i < cur.size()) next = cur[i];
        } catch (...) {
        }
      }
      if (!next) return YAML::Node();
      chain.push_back(next);
    }
    return chain.back();
  }

  // The line of the deepest key of `path` that exists (a missing key is reported at its parent).
  int LineOf(const std::vector<std::string>& path) const {
    if (!root_) return 0;
    YAML::Node cur = root_;
    int line = cur.Mark().line >= 0 ? cur.Mark().line + 1 : 0;
    for (const auto& p : path) {
      YAML::Node next;
      if (cur.IsMap()) {
        for (const auto& kv : cur) {
          if (kv.first.IsScalar() && kv.first.Scalar() == p) {
            next = kv.second;
            if (kv.first.Mark().line >= 0) line = kv.first.Mark().line + 1;
          }
        }
      } else if (cur.IsSequence()) {
        try {
          std::size_t i = std::stoul(p);
          if (i < cur.size()) {
            next = cur[i];
            if (next.Mark().line >= 0) line = next.Mark().line + 1;
          }
        } catch (...) {
        }
      }
      if (!next) break;
      cur = next;
    }
    return line;
  }

  std::string name_;
  YAML::Node root_;
};

using Path = std::vector<std::string>;

Path Append(Path p, std::string k) {
  p.push_back(std::move(k));
  return p;
}

Result<bool> GetBool(const Source& src, const json& obj, const Path& path, std::string_view key,
                     bool def) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_boolean()) return src.Error(Append(path, std::string(key)), "expected true or false");
  return it->get<bool>();
}

Result<std::string> GetString(const Source& src, const json& obj, const Path& path,
                              std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return src.Error(Append(path, std::string(key)), "expected a string");
  return it->get<std::string>();
}

Result<std::chrono::milliseconds> GetMs(const Source& src, const json& obj, const Path& path,
                                        std::string_view key, std::chrono::milliseconds def) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_number() || it->get<double>() < 0)
    return src.Error(Append(path, std::string(key)), "expected a number of milliseconds >= 0");
  return std::chrono::milliseconds(static_cast<std::int64_t>(it->get<double>()));
}

Result<std::string> NormalizeUrl(const Source& src, const Path& path, std::string url) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return src.Error(path, "expected an http:// or https:// URL");
  while (!url.empty() && url.back() == '/') url.pop_back();
  for (std::string_view suffix : {"/chat/completions", "/completions"}) {
    if (url.size() > suffix.size() && url.ends_with(suffix)) {
      url.resize(url.size() - suffix.size());
      break;
    }
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Status AddKey(const Source& src, const Path& path, const json& v, ProviderConfig& p) {
  KeyConfig k;
  k.origin = "config";
  if (v.is_string()) {
    k.secret = v.get<std::string>();
  } else if (v.is_object()) {
    for (const char* field : {"key", "api_key", "token"}) {
      SF_ASSIGN_OR_RETURN(std::string s, GetString(src, v, path, field));
      if (!s.empty()) k.secret = s;
    }
    SF_ASSIGN_OR_RETURN(k.label, GetString(src, v, path, "label"));
    SF_ASSIGN_OR_RETURN(k.priority, GetBool(src, v, path, "priority", false));
  } else if (!v.is_null()) {
    return src.Error(path, "expected a key string or {key, label, priority}");
  }
  if (k.secret.empty()) return Status::Ok();  // `api_key: ""` or an empty ${VAR}: no key
  for (char c : k.secret)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f)
      return src.Error(path, "the key contains whitespace or control characters");
  for (const auto& other : p.keys)
    if (other.secret == k.secret) return Status::Ok();  // the same key twice counts once
  p.keys.push_back(std::move(k));
  return Status::Ok();
}

Status AddKeys(const Source& src, const Path& path, const json& obj, std::string_view field,
               ProviderConfig& p) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return Status::Ok();
  Path fp = Append(path, std::string(field));
  if (it->is_array()) {
    for (std::size_t i = 0; i < it->size(); ++i)
      SF_RETURN_IF_ERROR(AddKey(src, Append(fp, std::to_string(i)), (*it)[i], p));
    return Status::Ok();
  }
  return AddKey(src, fp, *it, p);
}

Result<ProviderConfig> ParseProvider(const Source& src, const std::string& name, const json& v,
                                     const Path& path, const Env& env) {
  if (!v.is_object()) return src.Error(path, "expected a map (url, api_key, priority, …)");
  static const std::vector<std::string> kKnown = {"type",
                                                  "url",
                                                  "base_url",
                                                  "api_key",
                                                  "apiKey",
                                                  "api_keys",
                                                  "keys",
                                                  "token",
                                                  "tokens",
                                                  "mcp_url",
                                                  "priority",
                                                  "fallback",
                                                  "models",
                                                  "always_use_this_key",
                                                  "ttft_timeout_ms",
                                                  "label"};
  for (const auto& [k, _] : v.items())
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end())
      return src.Error(Append(path, k),
                       "unknown key (known: url, api_key, api_keys, keys, token, "
                       "priority, fallback, always_use_this_key, models, "
                       "ttft_timeout_ms, type, mcp_url)");
  ProviderConfig p;
  p.name = name;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return src.Error(path, "provider names use letters, digits, '-', '_' and '.'");
  SF_ASSIGN_OR_RETURN(std::string type, GetString(src, v, path, "type"));
  if (type.empty())
    type = name == "huggingface" || name == "hf" ? "huggingface"
           : name == "openrouter"                ? "openrouter"
                                                 : "openai";
  if (type == "huggingface") {
    p.kind = ProviderKind::kHuggingFace;
  } else if (type == "openrouter") {
    p.kind = ProviderKind::kOpenRouter;
  } else if (type == "openai" || type == "openai-compatible") {
    p.kind = ProviderKind::kOpenAiCompatible;
  } else {
    return src.Error(Append(path, "type"), "expected huggingface, openrouter or openai");
  }
  SF_ASSIGN_OR_RETURN(std::string url, GetString(src, v, path, "url"));
  if (url.empty()) {
    SF_ASSIGN_OR_RETURN(url, GetString(src, v, path, "base_url"));
  }
  if (url.empty()) {
    if (p.kind == ProviderKind::kHuggingFace) url = kHfDefaultUrl;
    if (p.kind == ProviderKind::kOpenRouter) url = kOpenRouterDefaultUrl;
  }
  if (url.empty()) return src.Error(Append(path, "url"), "a custom provider needs a url");
  SF_ASSIGN_OR_RETURN(p.base_url, NormalizeUrl(src, Append(path, "url"), url));
  for (const char* field : {"token", "tokens", "api_key", "apiKey", "api_keys", "keys"})
    SF_RETURN_IF_ERROR(AddKeys(src, path, v, field, p));
  if (p.kind == ProviderKind::kHuggingFace && p.keys.empty()) {
    if (auto t = env.Get("HF_TOKEN"); t && !t->empty())
      p.keys.push_back(KeyConfig{.id = "", .secret = *t, .label = "HF_TOKEN", .origin = "env"});
  }
  SF_ASSIGN_OR_RETURN(p.mcp_url, GetString(src, v, path, "mcp_url"));
  auto prio = v.find("priority");
  if (prio != v.end() && !prio->is_null()) {
    if (prio->is_boolean()) {
      p.priority = prio->get<bool>();
      p.rank = p.priority ? 0 : 1000;
    } else if (prio->is_number_integer() && prio->get<int>() >= 0) {
      p.priority = true;
      p.rank = prio->get<int>();
    } else {
      return src.Error(Append(path, "priority"), "expected true, false or an integer (1 first)");
    }
  }
  SF_ASSIGN_OR_RETURN(p.fallback, GetBool(src, v, path, "fallback", false));
  SF_ASSIGN_OR_RETURN(p.always_use_this_key, GetBool(src, v, path, "always_use_this_key", false));
  SF_ASSIGN_OR_RETURN(p.ttft_timeout,
                      GetMs(src, v, path, "ttft_timeout_ms", std::chrono::milliseconds(0)));
  if (auto m = v.find("models"); m != v.end() && !m->is_null()) {
    if (!m->is_array()) return src.Error(Append(path, "models"), "expected a list of model names");
    for (std::size_t i = 0; i < m->size(); ++i) {
      if (!(*m)[i].is_string() || (*m)[i].get<std::string>().empty())
        return src.Error(Append(Append(path, "models"), std::to_string(i)),
                         "expected a model name");
      p.models.push_back((*m)[i].get<std::string>());
    }
  }
  for (std::size_t i = 0; i < p.keys.size(); ++i) {
    KeyConfig& k = p.keys[i];
    k.id = name + "#" + (k.label.empty() ? std::to_string(i + 1) : k.label);
  }
  std::stable_sort(p.keys.begin(), p.keys.end(),
                   [](const KeyConfig& a, const KeyConfig& b) { return a.priority > b.priority; });
  return p;
}

Status ParseRouterOptions(const Source& src, const json& v, const Path& path, RouterOptions& r) {
  if (!v.is_object()) return src.Error(path, "expected a map");
  static const std::vector<std::string> kKnown = {"max_rounds",
                                                  "connect_timeout_ms",
                                                  "ttft_timeout_ms",
                                                  "request_timeout_ms",
                                                  "initial_backoff_ms",
                                                  "max_retry_wait_ms",
                                                  "workers",
                                                  "ledger",
                                                  "breaker_failures",
                                                  "breaker_open_ms",
                                                  "breaker_max_open_ms",
                                                  "dead_key_ms"};
  for (const auto& [k, _] : v.items())
    if (std::find(kKnown.begin(), kKnown.end(), k) == kKnown.end())
      return src.Error(Append(path, k), "unknown router option");
  auto int_opt = [&](std::string_view key, int& out, int lo, int hi) -> Status {
    auto it = v.find(key);
    if (it == v.end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer() || it->get<int>() < lo || it->get<int>() > hi)
      return src.Error(
          Append(path, std::string(key)),
          "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = it->get<int>();
    return Status::Ok();
  };
  SF_RETURN_IF_ERROR(int_opt("max_rounds", r.max_rounds, 1, 10));
  SF_RETURN_IF_ERROR(int_opt("workers", r.workers, 1, 4096));
  SF_RETURN_IF_ERROR(int_opt("breaker_failures", r.breaker.failure_threshold, 1, 1000));
  SF_ASSIGN_OR_RETURN(r.connect_timeout,
                      GetMs(src, v, path, "connect_timeout_ms", r.connect_timeout));
  SF_ASSIGN_OR_RETURN(r.ttft_timeout, GetMs(src, v, path, "ttft_timeout_ms", r.ttft_timeout));
  SF_ASSIGN_OR_RETURN(r.request_timeout,
                      GetMs(src, v, path, "request_timeout_ms", r.request_timeout));
  SF_ASSIGN_OR_RETURN(r.initial_backoff,
                      GetMs(src, v, path, "initial_backoff_ms", r.initial_backoff));
  SF_ASSIGN_OR_RETURN(r.max_retry_wait, GetMs(src, v, path, "max_retry_wait_ms", r.max_retry_wait));
  SF_ASSIGN_OR_RETURN(r.breaker.base_open,
                      GetMs(src, v, path, "breaker_open_ms", r.breaker.base_open));
  SF_ASSIGN_OR_RETURN(r.breaker.max_open,
                      GetMs(src, v, path, "breaker_max_open_ms", r.breaker.max_open));
  SF_ASSIGN_OR_RETURN(r.breaker.dead_key, GetMs(src, v, path, "dead_key_ms", r.breaker.dead_key));
  SF_ASSIGN_OR_RETURN(r.ledger, GetBool(src, v, path, "ledger", r.ledger));
  return Status::Ok();
}

}  // namespace

std::string_view KindName(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kHuggingFace:
      return "huggingface";
    case ProviderKind::kOpenRouter:
      return "openrouter";
    case ProviderKind::kOpenAiCompatible:
      return "openai";
  }
  return "openai";
}

Result<AgenticConfig> ParseAgenticConfig(std::string_view text, std::string_view source,
                                         const Env& env) {
  SF_ASSIGN_OR_RETURN(json root, ParseConfig(text, source, env));
  AgenticConfig cfg;
  cfg.source = std::string(source);
  if (root.is_null()) return cfg;
  Source src(text, source);
  if (!root.is_object()) return src.Error({}, "expected a map of providers");
  auto add = [&](ProviderConfig p, const Path& path) -> Status {
    for (const auto& other : cfg.providers)
      if (other.name == p.name) return src.Error(path, "provider '" + p.name + "' defined twice");
    cfg.providers.push_back(std::move(p));
    return Status::Ok();
  };
  for (const std::string& key : src.Keys({})) {
    const json& v = root[key];
    if (key == "providers" || key == "custom") {
      if (v.is_null()) continue;
      if (!v.is_object()) return src.Error({key}, "expected a map of provider name → settings");
      for (const std::string& name : src.Keys({key})) {
        SF_ASSIGN_OR_RETURN(ProviderConfig p, ParseProvider(src, name, v[name], {key, name}, env));
        SF_RETURN_IF_ERROR(add(std::move(p), {key, name}));
      }
    } else if (key == "router") {
      if (!v.is_null()) SF_RETURN_IF_ERROR(ParseRouterOptions(src, v, {key}, cfg.router));
    } else if (key == "openrouter_shared_credit_url") {
      continue;  // seed 002 TypeScript field; the shared credit is a provider with `fallback: true`
    } else if (key == "huggingface" || key == "openrouter" || v.is_object()) {
      if (v.is_null()) continue;
      SF_ASSIGN_OR_RETURN(ProviderConfig p, ParseProvider(src, key, v, {key}, env));
      SF_RETURN_IF_ERROR(add(std::move(p), {key}));
    } else {
      return src.Error({key},
                       "unknown key (expected huggingface, openrouter, providers, router "
                       "or a custom provider map with a url)");
    }
  }
  std::stable_sort(
      cfg.providers.begin(), cfg.providers.end(),
      [](const ProviderConfig& a, const ProviderConfig& b) { return a.rank < b.rank; });
  return cfg;
}

Result<AgenticConfig> LoadAgenticConfig(const FileSystem& fs, const Env& env,
                                        const std::string& explicit_path, const std::string& cwd) {
  auto load = [&](const std::string& path) -> Result<AgenticConfig> {
    SF_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path, 1u << 20));
    return ParseAgenticConfig(text, path, env);
  };
  if (!explicit_path.empty()) {
    if (!fs.Exists(explicit_path)) return NotFound("config file " + explicit_path + " not found");
    return load(explicit_path);
  }
  if (auto p = env.Get("AGENTIC_CONFIG"); p && !p->empty()) {
    if (!fs.Exists(*p)) return NotFound("AGENTIC_CONFIG names " + *p + ", which does not exist");
    return load(*p);
  }
  for (const char* name : {"agentic-config.yaml", "agentic-config.yml", "agentic-config.json"}) {
    std::string path = cwd == "." || cwd.empty() ? std::string(name) : cwd + "/" + name;
    if (fs.Exists(path)) return load(path);
  }
  AgenticConfig cfg;
  cfg.source = "environment";
  if (auto t = env.Get("HF_TOKEN"); t && !t->empty()) {
    ProviderConfig p;
    p.name = "huggingface";
    p.kind = ProviderKind::kHuggingFace;
    p.base_url = kHfDefaultUrl;
    p.keys.push_back(KeyConfig{.id = "huggingface#1", .secret = *t, .label = "", .origin = "env"});
    cfg.providers.push_back(std::move(p));
  }
  std::optional<std::string> or_key = env.Get("OPENROUTER_KEY");
  if (!or_key || or_key->empty()) or_key = env.Get("OPENROUTER_API_KEY");
  if (or_key && !or_key->empty()) {
    ProviderConfig p;
    p.name = "openrouter";
    p.kind = ProviderKind::kOpenRouter;
    p.base_url = kOpenRouterDefaultUrl;
    if (auto u = env.Get("OPENROUTER_URL"); u && !u->empty()) {
      Source none("", "OPENROUTER_URL");
      SF_ASSIGN_OR_RETURN(p.base_url, NormalizeUrl(none, {}, *u));
    }
    p.keys.push_back(
        KeyConfig{.id = "openrouter#1", .secret = *or_key, .label = "", .origin = "env"});
    cfg.providers.push_back(std::move(p));
  }
  return cfg;
}

}  // namespace sf::providers
