#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

#include "core/core.h"

namespace sf {
namespace {

std::string Where(std::string_view source, const YAML::Mark& mark) {
  std::string w(source);
  if (mark.line >= 0) w += ":" + std::to_string(mark.line + 1);
  return w;
}

std::string JoinPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Plain YAML scalars become JSON numbers/bools/null where YAML 1.2 core schema says so; quoted
// scalars stay strings.
nlohmann::json ScalarToJson(const YAML::Node& node, std::string value) {
  if (node.Tag() == "!") return value;  // quoted
  if (value == "null" || value == "~" || value.empty()) return nullptr;
  if (value == "true" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "False" || value == "FALSE") return false;
  bool numeric = !value.empty();
  bool has_dot = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if ((c == '-' || c == '+') && i == 0) continue;
    if (c == '.' || c == 'e' || c == 'E') {
      has_dot = true;
      continue;
    }
    if (c < '0' || c > '9') numeric = false;
  }
  if (numeric) {
    try {
      std::size_t used = 0;
      if (!has_dot) {
        long long v = std::stoll(value, &used);
        if (used == value.size()) return v;
      } else {
        double v = std::stod(value, &used);
        if (used == value.size()) return v;
      }
    } catch (...) {
      // out of range or not a number after all: keep the string
    }
  }
  return value;
}

Result<nlohmann::json> Convert(const YAML::Node& node, std::string_view source,
                               const std::string& path, const Env& env, int depth) {
  if (depth > 64) return ParseError(Where(source, node.Mark()) + ": nesting too deep at " + path);
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nlohmann::json(nullptr);
    case YAML::NodeType::Scalar: {
      auto expanded = ExpandEnv(node.Scalar(), env);
      if (!expanded.ok())
        return InvalidArgument(Where(source, node.Mark()) + ": key " +
                               (path.empty() ? "<root>" : path) + ": " +
                               expanded.status().message());
      return ScalarToJson(node, std::move(expanded).value());
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      std::size_t i = 0;
      for (const auto& item : node) {
        SF_ASSIGN_OR_RETURN(
            auto v, Convert(item, source, path + "[" + std::to_string(i++) + "]", env, depth + 1));
        arr.push_back(std::move(v));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar())
          return ParseError(Where(source, kv.first.Mark()) + ": non-scalar key under " +
                            (path.empty() ? "<root>" : path));
        std::string key = kv.first.Scalar();
        SF_ASSIGN_OR_RETURN(auto v,
                            Convert(kv.second, source, JoinPath(path, key), env, depth + 1));
        obj[key] = std::move(v);
      }
      return obj;
    }
  }
  return Internal("unreachable YAML node type");
}

}  // namespace

Result<nlohmann::json> ParseConfig(std::string_view text, std::string_view source, const Env& env) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return ParseError(Where(source, e.mark) + ": " + e.msg);
  }
  try {
    return Convert(root, source, "", env, 0);
  } catch (const YAML::Exception& e) {
    return ParseError(Where(source, e.mark) + ": " + e.msg);
  }
}

Result<nlohmann::json> LoadConfigFile(const FileSystem& fs, const std::string& path,
                                      const Env& env) {
  SF_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path, 4u << 20));
  return ParseConfig(text, path, env);
}

}  // namespace sf
