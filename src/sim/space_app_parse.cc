// Reading a Gradio app.py without running it: a small Python tokenizer (strings, numbers, names,
// brackets, logical lines with their indentation) and a pattern reader for component
// constructors, layout blocks, function signatures and events. See space_app.h.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "sim/space_app.h"

namespace sf::sim {
namespace {

using nlohmann::json;

enum class Tok { kName, kNumber, kString, kFString, kOp, kNewline };

struct Token {
  Tok kind;
  std::string text;
  json value;  // literal value for numbers and strings
  int indent = 0;
  bool first_in_line = false;
};

bool IsNameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsNameChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

std::string DecodeEscapes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char n = s[++i];
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case '\n':
        break;
      default:
        out += '\\';
        out += n;
    }
  }
  return out;
}

std::vector<Token> Tokenize(std::string_view src) {
  std::vector<Token> toks;
  int depth = 0;
  bool line_start = true;
  int indent = 0;
  std::size_t i = 0;
  auto push = [&](Tok kind, std::string text, json value = nullptr) {
    Token t{kind, std::move(text), std::move(value), indent, line_start};
    line_start = false;
    toks.push_back(std::move(t));
  };
  while (i < src.size()) {
    unsigned char c = static_cast<unsigned char>(src[i]);
    if (line_start && depth == 0 && (toks.empty() || toks.back().kind == Tok::kNewline)) {
      // Measure the indentation of a new logical line.
      int col = 0;
      std::size_t j = i;
      while (j < src.size() && (src[j] == ' ' || src[j] == '\t')) {
        col += src[j] == '\t' ? 8 - (col % 8) : 1;
        ++j;
      }
      indent = col;
      i = j;
      if (i >= src.size()) break;
      c = static_cast<unsigned char>(src[i]);
    }
    if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < src.size() && src[i] != '\n') ++i;
      continue;
    }
    if (c == '\\' && i + 1 < src.size() && src[i + 1] == '\n') {
      i += 2;
      continue;
    }
    if (c == '\n') {
      ++i;
      if (depth == 0 && !toks.empty() && toks.back().kind != Tok::kNewline && !line_start) {
        toks.push_back({Tok::kNewline, "\n", nullptr, indent, false});
        line_start = true;
      } else if (depth == 0) {
        line_start = true;
      }
      continue;
    }
    // String with an optional prefix (r, b, u, f and pairs).
    std::size_t p = i;
    bool raw = false;
    bool fstr = false;
    bool bytes = false;
    while (p < src.size() && p - i < 2 && std::strchr("rRbBuUfF", src[p]) != nullptr &&
           src[p] != '\0') {
      char lc = static_cast<char>(std::tolower(static_cast<unsigned char>(src[p])));
      raw |= lc == 'r';
      fstr |= lc == 'f';
      bytes |= lc == 'b';
      ++p;
    }
    if (p < src.size() && (src[p] == '"' || src[p] == '\'') &&
        (p == i || !IsNameChar(static_cast<unsigned char>(src[p - 1])) || p - i <= 2)) {
      char q = src[p];
      bool triple = p + 2 < src.size() && src[p + 1] == q && src[p + 2] == q;
      std::size_t start = p + (triple ? 3 : 1);
      std::size_t j = start;
      while (j < src.size()) {
        if (src[j] == '\\') {
          j += 2;
          continue;
        }
        if (triple) {
          if (j + 2 < src.size() && src[j] == q && src[j + 1] == q && src[j + 2] == q) break;
        } else if (src[j] == q || src[j] == '\n') {
          break;
        }
        ++j;
      }
      std::string body(src.substr(start, std::min(j, src.size()) - start));
      i = std::min(src.size(), j + (triple ? 3 : 1));
      std::string decoded = raw ? body : DecodeEscapes(body);
      push(fstr || bytes ? Tok::kFString : Tok::kString, decoded, json(decoded));
      continue;
    }
    if (IsNameStart(c)) {
      std::size_t j = i;
      while (j < src.size() && IsNameChar(static_cast<unsigned char>(src[j]))) ++j;
      push(Tok::kName, std::string(src.substr(i, j - i)));
      i = j;
      continue;
    }
    if (std::isdigit(c) ||
        (c == '.' && i + 1 < src.size() && std::isdigit(static_cast<unsigned char>(src[i + 1])))) {
      std::size_t j = i;
      while (j < src.size() &&
             (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '.' || src[j] == '_' ||
              ((src[j] == '+' || src[j] == '-') && (src[j - 1] == 'e' || src[j - 1] == 'E')))) {
        ++j;
      }
      std::string text(src.substr(i, j - i));
      std::string clean;
      for (char ch : text) {
        if (ch != '_') clean += ch;
      }
      json value = nullptr;
      bool is_float = clean.find_first_of(".eE") != std::string::npos &&
                      clean.rfind("0x", 0) != 0 && clean.rfind("0X", 0) != 0;
      try {
        if (is_float)
          value = std::stod(clean);
        else
          value = std::stoll(clean, nullptr, 0);
      } catch (...) {
        value = nullptr;
      }
      push(Tok::kNumber, text, value);
      i = j;
      continue;
    }
    static const char* kTwo[] = {"==", "!=", "<=", ">=", "**", "->", ":=", "//"};
    std::string op(1, static_cast<char>(c));
    for (const char* two : kTwo) {
      if (src.substr(i, 2) == two) op = two;
    }
    if (op == "(" || op == "[" || op == "{") ++depth;
    if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
    push(Tok::kOp, op);
    i += op.size();
  }
  return toks;
}

const std::set<std::string>& LayoutClasses() {
  static const std::set<std::string> k = {"Row",  "Column",    "Group",   "Tab",
                                          "Tabs", "Accordion", "TabItem", "Sidebar"};
  return k;
}

// Positional parameters of the constructors, by class (first positional is `value` otherwise).
std::vector<std::string> PositionalNames(const std::string& cls) {
  if (cls == "Slider") return {"minimum", "maximum", "value"};
  if (cls == "Dropdown" || cls == "Radio" || cls == "CheckboxGroup") return {"choices", "value"};
  if (LayoutClasses().count(cls)) return {};
  return {"value"};
}

// Interface string shortcuts ("text", "image", …) → class.
std::string ShortcutClass(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  static const std::map<std::string, std::string> k = {
      {"text", "Textbox"},        {"textbox", "Textbox"},
      {"textarea", "Textbox"},    {"image", "Image"},
      {"audio", "Audio"},         {"label", "Label"},
      {"number", "Number"},       {"json", "JSON"},
      {"video", "Video"},         {"file", "File"},
      {"checkbox", "Checkbox"},   {"slider", "Slider"},
      {"dataframe", "Dataframe"}, {"markdown", "Markdown"},
      {"html", "HTML"},           {"highlight", "HighlightedText"},
      {"dropdown", "Dropdown"},   {"gallery", "Gallery"}};
  auto it = k.find(s);
  return it == k.end() ? "" : it->second;
}

struct Arg {
  std::string name;  // "" for positional
  std::size_t begin = 0;
  std::size_t end = 0;  // token range of the value
};

class Reader {
 public:
  Reader(std::vector<Token> toks, std::string_view version, const json& captured)
      : t_(std::move(toks)), captured_(captured) {
    app_.version = std::string(version);
  }

  AppInterface Run() {
    for (std::size_t i = 0; i < t_.size(); ++i) {
      const Token& tok = t_[i];
      if (tok.first_in_line) {
        while (!stack_.empty() && tok.indent <= stack_.back().first) stack_.pop_back();
        // Top-level constants: NAME = literal.
        if (tok.kind == Tok::kName && tok.indent == 0 && IsOp(i + 1, "=")) {
          std::size_t e = LineEnd(i + 2);
          if (auto v = Value(i + 2, e)) constants_[tok.text] = *v;
        }
      }
      if (tok.kind != Tok::kName) continue;
      if (tok.text == "def" && Is(i + 1, Tok::kName) && IsOp(i + 2, "(")) {
        ReadDef(i);
        continue;
      }
      if (tok.text == "with" && IsGr(i + 1)) {
        const std::string& cls = t_[i + 3].text;
        if (cls == "Blocks" && IsOp(i + 4, "(")) {
          std::size_t close = 0;
          auto args = Args(i + 4, &close);
          for (const auto& a : args) {
            if (a.name == "title") {
              if (auto v = Value(a.begin, a.end); v && v->is_string()) app_.title = *v;
            }
          }
          continue;
        }
        if (LayoutClasses().count(cls) && IsOp(i + 4, "(")) {
          std::size_t close = 0;
          int id = AddComponent(cls, "", i + 4, &close);
          stack_.push_back({tok.indent, id});
          i = close;
        }
        continue;
      }
      // NAME = gr.X(...)
      if (tok.first_in_line && IsOp(i + 1, "=") && IsGr(i + 2) && IsOp(i + 5, "(")) {
        const std::string& cls = t_[i + 4].text;
        if (cls == "Interface") {
          i = ReadInterface(i + 5);
          continue;
        }
        if (IsComponentClass(cls)) {
          std::size_t close = 0;
          int id = AddComponent(cls, tok.text, i + 5, &close);
          vars_[tok.text] = id;
          i = close;
        }
        continue;
      }
      if (tok.text == "gr" && IsOp(i + 1, ".") && Is(i + 2, Tok::kName) && IsOp(i + 3, "(") &&
          (i == 0 || !IsOp(i - 1, "."))) {
        const std::string& cls = t_[i + 2].text;
        if (cls == "Interface") {
          i = ReadInterface(i + 3);
          continue;
        }
        if (cls == "on") {
          ReadEvent(i + 3, -1, "click", /*gr_on=*/true);
          continue;
        }
        if (IsComponentClass(cls) && !LayoutClasses().count(cls)) {
          std::size_t close = 0;
          AddComponent(cls, "", i + 3, &close);
          i = close;
        }
        continue;
      }
      // trigger.event(...)
      if (IsOp(i + 1, ".") && Is(i + 2, Tok::kName) && IsOp(i + 3, "(") &&
          IsEventName(t_[i + 2].text)) {
        auto v = vars_.find(tok.text);
        ReadEvent(i + 3, v == vars_.end() ? -1 : v->second, t_[i + 2].text, false);
      }
    }
    return std::move(app_);
  }

 private:
  bool Is(std::size_t i, Tok k) const { return i < t_.size() && t_[i].kind == k; }
  bool IsOp(std::size_t i, std::string_view op) const {
    return Is(i, Tok::kOp) && t_[i].text == op;
  }
  bool IsGr(std::size_t i) const {
    return Is(i, Tok::kName) && t_[i].text == "gr" && IsOp(i + 1, ".") && Is(i + 2, Tok::kName);
  }
  static bool IsEventName(const std::string& n) {
    static const std::set<std::string> k = {"click",  "submit",  "change", "input",
                                            "upload", "release", "select", "stop_recording",
                                            "blur",   "load"};
    return k.count(n) > 0;
  }
  bool IsComponentClass(const std::string& cls) const {
    if (LayoutClasses().count(cls)) return true;
    for (const auto& [type, rec] : captured_.at("components").items()) {
      if (rec.value("class", "") == cls) return true;
    }
    return false;
  }
  std::string TypeOf(const std::string& cls) const {
    for (const auto& [type, rec] : captured_.at("components").items()) {
      if (rec.value("class", "") == cls) return type;
    }
    std::string lower = cls;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    return lower;
  }
  std::size_t LineEnd(std::size_t i) const {
    while (i < t_.size() && t_[i].kind != Tok::kNewline) ++i;
    return i;
  }
  // Index of the bracket closing the one at `open`.
  std::size_t Close(std::size_t open) const {
    int depth = 0;
    for (std::size_t i = open; i < t_.size(); ++i) {
      if (t_[i].kind != Tok::kOp) continue;
      const std::string& s = t_[i].text;
      if (s == "(" || s == "[" || s == "{") ++depth;
      if (s == ")" || s == "]" || s == "}") {
        if (--depth == 0) return i;
      }
    }
    return t_.size();
  }
  // Splits the bracketed list at `open` into arguments; *close = index of the closing bracket.
  std::vector<Arg> Args(std::size_t open, std::size_t* close) const {
    std::vector<Arg> out;
    std::size_t end = Close(open);
    *close = end;
    std::size_t start = open + 1;
    int depth = 0;
    for (std::size_t i = open + 1; i <= end && i < t_.size() + 1; ++i) {
      bool at_end = i == end;
      if (!at_end && t_[i].kind == Tok::kOp) {
        const std::string& s = t_[i].text;
        if (s == "(" || s == "[" || s == "{") ++depth;
        if (s == ")" || s == "]" || s == "}") --depth;
      }
      if (at_end || (depth == 0 && IsOp(i, ","))) {
        if (i > start) {
          Arg a;
          if (Is(start, Tok::kName) && IsOp(start + 1, "=")) {
            a.name = t_[start].text;
            a.begin = start + 2;
          } else {
            a.begin = start;
          }
          a.end = i;
          if (a.begin < a.end) out.push_back(a);
        }
        start = i + 1;
      }
      if (at_end) break;
    }
    return out;
  }
  // A literal value over [b, e): strings (adjacent ones joined), numbers, True/False/None,
  // lists/tuples/dicts of literals, known module-level constants.
  std::optional<json> Value(std::size_t b, std::size_t e) const {
    if (b >= e || e > t_.size()) return std::nullopt;
    if (t_[b].kind == Tok::kString) {
      std::string s;
      for (std::size_t i = b; i < e; ++i) {
        if (t_[i].kind != Tok::kString) return std::nullopt;
        s += t_[i].text;
      }
      return json(s);
    }
    if (e - b == 1 && t_[b].kind == Tok::kNumber && !t_[b].value.is_null()) return t_[b].value;
    if (e - b == 2 && IsOp(b, "-") && t_[b + 1].kind == Tok::kNumber) {
      const json& v = t_[b + 1].value;
      if (v.is_number_integer()) return json(-v.get<std::int64_t>());
      if (v.is_number_float()) return json(-v.get<double>());
      return std::nullopt;
    }
    if (e - b == 1 && t_[b].kind == Tok::kName) {
      if (t_[b].text == "True") return json(true);
      if (t_[b].text == "False") return json(false);
      if (t_[b].text == "None") return json(nullptr);
      if (auto c = constants_.find(t_[b].text); c != constants_.end()) return c->second;
      return std::nullopt;
    }
    if ((IsOp(b, "[") || IsOp(b, "(")) && Close(b) == e - 1) {
      std::size_t close = 0;
      json arr = json::array();
      for (const auto& a : Args(b, &close)) {
        if (!a.name.empty()) return std::nullopt;
        auto v = Value(a.begin, a.end);
        if (!v) return std::nullopt;
        arr.push_back(*v);
      }
      return arr;
    }
    if (IsOp(b, "{") && Close(b) == e - 1) {
      json obj = json::object();
      std::size_t close = 0;
      for (const auto& a : Args(b, &close)) {
        std::size_t colon = a.begin;
        while (colon < a.end && !IsOp(colon, ":")) ++colon;
        auto k = Value(a.begin, colon);
        auto v = Value(colon + 1, a.end);
        if (!k || !k->is_string() || !v) return std::nullopt;
        obj[k->get<std::string>()] = *v;
      }
      return obj;
    }
    return std::nullopt;
  }

  int AddComponent(const std::string& cls, const std::string& var, std::size_t open,
                   std::size_t* close) {
    AppComponent c;
    c.id = static_cast<int>(app_.components.size()) + 1;
    c.cls = cls;
    c.type = TypeOf(cls);
    c.var = var;
    c.parent = stack_.empty() ? 0 : stack_.back().second;
    std::vector<std::string> pos = PositionalNames(cls);
    std::size_t npos = 0;
    std::vector<Arg> args = Args(open, close);
    for (const auto& a : args) {
      std::string name = a.name;
      if (name.empty()) {
        if (npos >= pos.size()) continue;
        name = pos[npos++];
      }
      if (auto v = Value(a.begin, a.end)) c.kwargs[name] = *v;
    }
    app_.components.push_back(std::move(c));
    return app_.components.back().id;
  }

  void ReadDef(std::size_t i) {
    std::size_t close = 0;
    std::vector<std::string> names;
    for (const auto& a : Args(i + 2, &close)) {
      std::size_t b = a.name.empty() ? a.begin : a.begin - 2;
      if (Is(b, Tok::kName) && t_[b].text != "self") names.push_back(t_[b].text);
    }
    app_.functions.emplace_back(t_[i + 1].text, std::move(names));
  }

  // Components named by an inputs=/outputs= value: a variable, a list of them, an inline
  // gr.X(...), an Interface string shortcut, or None.
  std::vector<int> ComponentsOf(std::size_t b, std::size_t e) {
    std::vector<int> ids;
    if (b >= e) return ids;
    if ((IsOp(b, "[") || IsOp(b, "(")) && Close(b) == e - 1) {
      std::size_t close = 0;
      for (const auto& a : Args(b, &close)) {
        auto sub = ComponentsOf(a.begin, a.end);
        ids.insert(ids.end(), sub.begin(), sub.end());
      }
      return ids;
    }
    if (IsGr(b) && IsOp(b + 3, "(") && IsComponentClass(t_[b + 2].text)) {
      std::size_t close = 0;
      ids.push_back(AddComponent(t_[b + 2].text, "", b + 3, &close));
      return ids;
    }
    if (e - b == 1 && t_[b].kind == Tok::kName) {
      if (auto v = vars_.find(t_[b].text); v != vars_.end()) ids.push_back(v->second);
      return ids;
    }
    if (auto v = Value(b, e); v && v->is_string()) {
      std::string cls = ShortcutClass(v->get<std::string>());
      if (!cls.empty()) {
        AppComponent c;
        c.id = static_cast<int>(app_.components.size()) + 1;
        c.cls = cls;
        c.type = TypeOf(cls);
        app_.components.push_back(c);
        ids.push_back(c.id);
      }
    }
    return ids;
  }

  void ReadEvent(std::size_t open, int trigger, const std::string& event, bool gr_on) {
    std::size_t close = 0;
    std::vector<Arg> args = Args(open, &close);
    AppEvent ev;
    ev.trigger = trigger;
    ev.trigger_event = event;
    std::optional<json> api_name;
    std::size_t npos = 0;
    const std::vector<std::string> order =
        gr_on ? std::vector<std::string>{"triggers", "fn", "inputs", "outputs"}
              : std::vector<std::string>{"fn", "inputs", "outputs"};
    for (const auto& a : args) {
      std::string name = a.name.empty() ? (npos < order.size() ? order[npos++] : "") : a.name;
      if (name == "fn" && a.end - a.begin == 1 && Is(a.begin, Tok::kName)) {
        ev.fn = t_[a.begin].text;
      } else if (name == "inputs") {
        ev.inputs = ComponentsOf(a.begin, a.end);
      } else if (name == "outputs") {
        ev.outputs = ComponentsOf(a.begin, a.end);
      } else if (name == "api_name") {
        api_name = Value(a.begin, a.end);
      }
    }
    if (api_name && api_name->is_boolean() && !api_name->get<bool>()) return;  // api_name=False
    if (ev.fn.empty() && !(api_name && api_name->is_string())) return;
    ev.api_name = api_name && api_name->is_string() ? api_name->get<std::string>() : ev.fn;
    if (!ev.api_name.empty() && ev.api_name[0] == '/') ev.api_name.erase(0, 1);
    // Gradio de-duplicates api names with _1, _2, …
    std::string base = ev.api_name;
    for (int n = 1; app_.FindEvent(ev.api_name) != nullptr; ++n) {
      ev.api_name = base + "_" + std::to_string(n);
    }
    app_.events.push_back(std::move(ev));
  }

  std::size_t ReadInterface(std::size_t open) {
    app_.interface_mode = true;
    std::size_t close = 0;
    std::vector<Arg> args = Args(open, &close);
    AppEvent ev;
    std::size_t npos = 0;
    const std::vector<std::string> order = {"fn", "inputs", "outputs"};
    for (const auto& a : args) {
      std::string name = a.name.empty() ? (npos < order.size() ? order[npos++] : "") : a.name;
      if (name == "fn" && a.end - a.begin == 1 && Is(a.begin, Tok::kName)) {
        ev.fn = t_[a.begin].text;
      } else if (name == "inputs") {
        ev.inputs = ComponentsOf(a.begin, a.end);
      } else if (name == "outputs") {
        ev.outputs = ComponentsOf(a.begin, a.end);
      } else if (name == "title") {
        if (auto v = Value(a.begin, a.end); v && v->is_string()) app_.title = *v;
      } else if (name == "api_name") {
        if (auto v = Value(a.begin, a.end); v && v->is_string()) ev.api_name = *v;
      }
    }
    if (ev.api_name.empty()) ev.api_name = app_.major >= 6 ? ev.fn : "predict";
    if (ev.api_name.empty()) ev.api_name = "predict";
    // The Interface's own Submit button triggers it.
    AppComponent button;
    button.id = static_cast<int>(app_.components.size()) + 1;
    button.cls = "Button";
    button.type = "button";
    button.kwargs["value"] = "Submit";
    app_.components.push_back(button);
    ev.trigger = button.id;
    app_.events.push_back(std::move(ev));
    return close;
  }

 public:
  void set_major(int major) { app_.major = major; }

 private:
  std::vector<Token> t_;
  const json& captured_;
  AppInterface app_;
  std::map<std::string, int> vars_;
  std::map<std::string, json> constants_;
  std::vector<std::pair<int, int>> stack_;  // (indent of the `with` line, layout id)
};

int MajorOf(std::string_view version) {
  int major = 0;
  for (char c : version) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    major = major * 10 + (c - '0');
    if (major > 100) break;
  }
  return major;
}

}  // namespace

const AppComponent* AppInterface::Find(int id) const {
  for (const auto& c : components) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const AppEvent* AppInterface::FindEvent(std::string_view api_name) const {
  if (!api_name.empty() && api_name[0] == '/') api_name.remove_prefix(1);
  for (const auto& e : events) {
    if (e.api_name == api_name) return &e;
  }
  return nullptr;
}

const AppEvent* AppInterface::MainEvent() const {
  if (const AppEvent* e = FindEvent("generate")) return e;
  return events.empty() ? nullptr : &events.front();
}

AppInterface ParseAppSource(std::string_view source, std::string_view version) {
  int major = MajorOf(version) >= 6 ? 6 : 5;
  Reader reader(Tokenize(source), version.empty() ? "5.49.1" : version, CapturedComponents(major));
  reader.set_major(major);
  AppInterface app = reader.Run();
  app.major = major;
  app.origin = "app.py";
  return app;
}

}  // namespace sf::sim
