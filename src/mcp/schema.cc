// A JSON Schema subset, enough to check tool arguments against the schemas we publish.
#include <cmath>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

// A non-negative integer keyword (JSON literals like 3 parse as signed integers).
std::optional<std::size_t> Count(const json& schema, const char* key) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
    return std::nullopt;
  return static_cast<std::size_t>(it->get<std::int64_t>());
}

std::string At(const std::string& path) { return path.empty() ? "arguments" : path; }

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool TypeMatches(std::string_view type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
      double d = v.get<double>();
      return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
  }
  if (type == "number") return v.is_number();
  return true;  // unknown type names are not ours to reject
}

std::string Check(const json& schema, const json& v, const std::string& path, int depth) {
  if (depth > 32 || !schema.is_object()) return "";
  if (auto t = schema.find("type"); t != schema.end()) {
    bool ok = true;
    if (t->is_string()) {
      ok = TypeMatches(t->get_ref<const std::string&>(), v);
    } else if (t->is_array()) {
      ok = false;
      for (const auto& one : *t)
        if (one.is_string()) ok = ok || TypeMatches(one.get_ref<const std::string&>(), v);
    }
    if (!ok) {
      std::string names;
      for (const auto& one : t->is_array() ? *t : json::array({*t}))
        if (one.is_string()) names += (names.empty() ? "" : " or ") + one.get<std::string>();
      return At(path) + ": must be " + names;
    }
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const auto& x : *e) found = found || x == v;
    if (!found) {
      std::string list;
      for (const auto& x : *e) list += (list.empty() ? "" : ", ") + Serialize(x);
      return At(path) + ": must be one of " + list;
    }
  }
  if (auto c = schema.find("const"); c != schema.end() && *c != v)
    return At(path) + ": must be " + Serialize(*c);
  if (v.is_number()) {
    double d = v.get<double>();
    if (auto m = schema.find("minimum");
        m != schema.end() && m->is_number() && d < m->get<double>())
      return At(path) + ": must be >= " + Serialize(*m);
    if (auto m = schema.find("maximum");
        m != schema.end() && m->is_number() && d > m->get<double>())
      return At(path) + ": must be <= " + Serialize(*m);
  }
  if (v.is_string()) {
    // Length in code points, as JSON Schema counts.
    std::size_t n = 0;
    for (unsigned char ch : v.get_ref<const std::string&>()) n += (ch & 0xC0) != 0x80;
    if (auto m = Count(schema, "minLength"); m && n < *m)
      return At(path) + ": must be at least " + std::to_string(*m) + " characters";
    if (auto m = Count(schema, "maxLength"); m && n > *m)
      return At(path) + ": must be at most " + std::to_string(*m) + " characters";
  }
  if (v.is_array()) {
    if (auto m = Count(schema, "minItems"); m && v.size() < *m)
      return At(path) + ": needs at least " + std::to_string(*m) + " items";
    if (auto m = Count(schema, "maxItems"); m && v.size() > *m)
      return At(path) + ": takes at most " + std::to_string(*m) + " items";
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::string e = Check(*items, v[i], At(path) + "[" + std::to_string(i) + "]", depth + 1);
        if (!e.empty()) return e;
      }
    }
  }
  if (v.is_object()) {
    const json* props = nullptr;
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) props = &*p;
    if (auto r = schema.find("required"); r != schema.end() && r->is_array()) {
      for (const auto& name : *r)
        if (name.is_string() && !v.contains(name.get<std::string>()))
          return Join(path, name.get<std::string>()) + ": is required";
    }
    auto extra = schema.find("additionalProperties");
    for (const auto& [key, val] : v.items()) {
      auto prop = props ? props->find(key) : json::const_iterator();
      if (props && prop != props->end()) {
        std::string e = Check(*prop, val, Join(path, key), depth + 1);
        if (!e.empty()) return e;
      } else if (extra != schema.end()) {
        if (extra->is_boolean() && !extra->get<bool>())
          return Join(path, key) + ": unknown argument";
        if (extra->is_object()) {
          std::string e = Check(*extra, val, Join(path, key), depth + 1);
          if (!e.empty()) return e;
        }
      }
    }
  }
  for (const char* kw : {"anyOf", "oneOf"}) {
    auto alts = schema.find(kw);
    if (alts == schema.end() || !alts->is_array() || alts->empty()) continue;
    int matches = 0;
    std::string first_error;
    for (const auto& alt : *alts) {
      std::string e = Check(alt, v, path, depth + 1);
      if (e.empty())
        ++matches;
      else if (first_error.empty())
        first_error = e;
    }
    if (matches == 0) return first_error;
    if (std::string_view(kw) == "oneOf" && matches > 1)
      return At(path) + ": matches more than one alternative";
  }
  return "";
}

}  // namespace

std::string ValidateArguments(const json& schema, const json& value) {
  return Check(schema, value, "", 0);
}

}  // namespace sf::mcp
