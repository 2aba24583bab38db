// Static checks on a generated Space written to a directory. Each check reads the files from the
// directory (the directory is the truth: it is what gets uploaded), never trusts the generator.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "spacegen/internal.h"
#include "spacegen/spacegen.h"

namespace sf::spacegen {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxShortDescription = 60;  // the Hub rejects longer short_description values

std::optional<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < text.size()) lines.emplace_back(text.substr(pos));
      break;
    }
    std::string line(text.substr(pos, nl - pos));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

CheckResult Pass(std::string name, std::string detail) {
  return {std::move(name), true, std::move(detail)};
}
CheckResult Fail(std::string name, std::string detail) {
  return {std::move(name), false, std::move(detail)};
}

// ---------------------------------------------------------------------------------------------
// files

CheckResult CheckFiles(const std::string& dir) {
  std::vector<std::string> missing;
  for (const char* f : {"app.py", "requirements.txt", "README.md"}) {
    if (!fs::is_regular_file(fs::path(dir) / f)) missing.emplace_back(f);
  }
  if (!missing.empty()) {
    std::string d = "missing:";
    for (const auto& m : missing) d += " " + m;
    return Fail("files", d);
  }
  return Pass("files", "app.py, requirements.txt and README.md present");
}

// ---------------------------------------------------------------------------------------------
// yaml_header

CheckResult CheckYamlHeader(const std::string& dir) {
  const std::string name = "yaml_header";
  auto text = ReadText(dir + "/README.md");
  if (!text) return Fail(name, "README.md not readable");
  auto lines = SplitLines(*text);
  if (lines.empty() || Trim(lines[0]) != "---") {
    return Fail(name, "README.md does not start with a '---' YAML header");
  }
  size_t end = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (Trim(lines[i]) == "---") {
      end = i;
      break;
    }
  }
  if (end == 0) return Fail(name, "the YAML header has no closing '---'");
  std::string yaml;
  for (size_t i = 1; i < end; ++i) yaml += lines[i] + "\n";
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Fail(name, std::string("YAML does not parse: ") + e.what());
  }
  if (!root.IsMap()) return Fail(name, "the YAML header is not a mapping");
  std::vector<std::string> problems;
  auto scalar = [&](const char* key) -> std::optional<std::string> {
    YAML::Node n = root[key];
    if (!n || !n.IsScalar()) return std::nullopt;
    return n.as<std::string>();
  };
  for (const char* key : {"sdk", "sdk_version", "app_file"}) {
    if (!scalar(key)) problems.push_back(std::string("missing ") + key);
  }
  if (auto sdk = scalar("sdk"); sdk && *sdk != "gradio") {
    problems.push_back("sdk is '" + *sdk + "', expected gradio");
  }
  if (auto v = scalar("sdk_version")) {
    static const std::regex kVersion(R"(^\d+\.\d+(\.\d+)?([a-z0-9.]*)$)");
    if (!std::regex_match(*v, kVersion))
      problems.push_back("sdk_version '" + *v + "' is not a version");
  }
  if (auto app = scalar("app_file")) {
    if (app->find("..") != std::string::npos || !fs::is_regular_file(fs::path(dir) / *app)) {
      problems.push_back("app_file '" + *app + "' is not a file of the Space");
    }
  }
  if (auto sd = scalar("short_description"); sd && Utf8Length(*sd) > kMaxShortDescription) {
    problems.push_back("short_description has " + std::to_string(Utf8Length(*sd)) +
                       " characters (max 60)");
  }
  if (YAML::Node models = root["models"]; models && !models.IsSequence()) {
    problems.push_back("models is not a list");
  }
  if (!problems.empty()) {
    std::string d;
    for (const auto& p : problems) d += (d.empty() ? "" : "; ") + p;
    return Fail(name, d);
  }
  return Pass(name, "sdk " + *scalar("sdk") + " " + *scalar("sdk_version") + ", app_file " +
                        *scalar("app_file"));
}

// ---------------------------------------------------------------------------------------------
// py_compile

CheckResult CheckPyCompile(const std::string& dir, CommandRunner& runner) {
  const std::string name = "py_compile";
  fs::path cache = fs::path(dir) / "__pycache__";
  bool had_cache = fs::exists(cache);
  auto out = runner.Run({"python3", "-m", "py_compile", "app.py"}, dir, 60);
  if (!had_cache) {
    std::error_code ec;
    fs::remove_all(cache, ec);  // py_compile leaves a .pyc; it is not part of the Space
  }
  if (!out.ok()) return Fail(name, "could not run python3: " + out.status().message());
  if (out->exit_code != 0) {
    std::string msg = Trim(out->output);
    if (msg.size() > 2000) msg = msg.substr(msg.size() - 2000);
    return Fail(name, "exit " + std::to_string(out->exit_code) + ": " + msg);
  }
  return Pass(name, "python3 -m py_compile app.py: ok");
}

// ---------------------------------------------------------------------------------------------
// inference_call (heuristic, AST-free)

size_t Indent(const std::string& line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

// The function wired to api_name="generate" at `at`: the first argument of the enclosing call.
std::optional<std::string> EndpointFunctionAt(const std::string& app, size_t at) {
  // Skip occurrences inside a comment.
  size_t line_start = app.rfind('\n', at);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  if (app.find('#', line_start) < at) return std::nullopt;
  // Walk back to the opening parenthesis of the enclosing call.
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t i = at; i-- > 0;) {
    char c = app[i];
    if (c == ')' || c == ']' || c == '}') ++depth;
    if (c == '(' || c == '[' || c == '{') {
      if (depth == 0) {
        if (c == '(') open = i;
        break;
      }
      --depth;
    }
  }
  if (open == std::string::npos) return std::nullopt;
  static const std::regex kFirstArg(R"(^\s*(?:fn\s*=\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*[,)])");
  std::smatch m;
  std::string after = app.substr(open + 1, 200);
  if (std::regex_search(after, m, kFirstArg)) return m[1].str();
  static const std::regex kFnKw(R"(fn\s*=\s*([A-Za-z_][A-Za-z0-9_]*))");
  std::string call = app.substr(open, at - open);
  if (std::regex_search(call, m, kFnKw)) return m[1].str();
  return std::nullopt;
}

std::optional<std::string> EndpointFunction(const std::string& app) {
  for (const char* needle : {"api_name=\"generate\"", "api_name='generate'"}) {
    for (size_t at = app.find(needle); at != std::string::npos; at = app.find(needle, at + 1)) {
      if (auto fn = EndpointFunctionAt(app, at)) return fn;
    }
  }
  return std::nullopt;
}

CheckResult CheckInferenceCall(const std::string& dir) {
  const std::string name = "inference_call";
  auto text = ReadText(dir + "/app.py");
  if (!text) return Fail(name, "app.py not readable");
  const std::string& app = *text;
  auto lines = SplitLines(app);

  // 1. No placeholder markers. `placeholder=` is a legitimate Gradio keyword and is ignored.
  static const std::regex kMarker(
      R"(\b(todo|fixme|lorem|ipsum|dummy|mock|stub|placeholder|not implemented|notimplementederror)\b)",
      std::regex::icase);
  static const std::regex kPlaceholderKw(R"(\bplaceholder\s*=)");
  for (size_t i = 0; i < lines.size(); ++i) {
    // The model id and title are data, not code: a model may well be called "dummy-bert".
    if (lines[i].rfind("MODEL_ID = ", 0) == 0 || lines[i].rfind("TITLE = ", 0) == 0) continue;
    std::string l = std::regex_replace(lines[i], kPlaceholderKw, "");
    std::smatch m;
    if (std::regex_search(l, m, kMarker)) {
      return Fail(name,
                  "placeholder marker '" + m[0].str() + "' at app.py:" + std::to_string(i + 1));
    }
  }

  // 2. A model loader runs at module level, assigned to a name.
  static const std::regex kLoaderAssign(
      R"(^([A-Za-z_][A-Za-z0-9_]*)(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*=\s*.*\b(from_pretrained|pipeline|SentenceTransformer|CrossEncoder|create_model_from_pretrained|create_model_and_transforms|create_model|get_tokenizer|load_model|Llama)\s*\()");
  std::set<std::string> loaded;
  std::vector<std::string> loader_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Indent(lines[i]) != 0) continue;
    std::smatch m;
    if (std::regex_search(lines[i], m, kLoaderAssign)) {
      // All names on the left-hand side ("model, preprocess = ...").
      std::string lhs = lines[i].substr(0, lines[i].find('='));
      static const std::regex kName(R"([A-Za-z_][A-Za-z0-9_]*)");
      for (auto it = std::sregex_iterator(lhs.begin(), lhs.end(), kName);
           it != std::sregex_iterator(); ++it) {
        loaded.insert(it->str());
      }
      loader_lines.push_back("app.py:" + std::to_string(i + 1));
    }
  }
  if (loaded.empty()) {
    return Fail(name,
                "no module-level model load (from_pretrained / pipeline( / "
                "SentenceTransformer( / Llama.from_pretrained ...) assigned to a name");
  }

  // 3. The endpoint function exists and calls a loaded object.
  auto fn = EndpointFunction(app);
  if (!fn) return Fail(name, "no event with api_name=\"generate\" naming its function");
  std::regex def_re("^def\\s+" + *fn + "\\s*\\(([^)]*)\\)\\s*:");
  size_t def_line = lines.size();
  std::vector<std::string> params;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_search(lines[i], m, def_re)) {
      def_line = i;
      std::string plist = m[1].str();
      static const std::regex kParam(R"((?:^|,)\s*\*{0,2}([A-Za-z_][A-Za-z0-9_]*))");
      for (auto it = std::sregex_iterator(plist.begin(), plist.end(), kParam);
           it != std::sregex_iterator(); ++it) {
        params.push_back((*it)[1].str());
      }
      break;
    }
  }
  if (def_line == lines.size()) {
    return Fail(name, "the generate endpoint's function '" + *fn + "' is not a top-level def");
  }
  std::vector<std::string> body;
  for (size_t i = def_line + 1; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) continue;
    if (Indent(lines[i]) == 0) break;
    body.push_back(lines[i]);
  }
  std::string used;
  for (const auto& l : body) {
    for (const auto& obj : loaded) {
      std::regex call("\\b" + obj + "\\s*(\\(|\\.[A-Za-z_][A-Za-z0-9_]*\\s*\\()");
      if (std::regex_search(l, call)) {
        used = obj;
        break;
      }
    }
    if (!used.empty()) break;
  }
  if (used.empty()) {
    return Fail(name, "'" + *fn + "' never calls a loaded model (" + std::to_string(loaded.size()) +
                          " loaded name(s))");
  }

  // 4. No echo: returning an argument unchanged.
  for (const auto& l : body) {
    std::string t = Trim(l);
    if (t.rfind("return ", 0) != 0) continue;
    std::string value = Trim(t.substr(7));
    for (const auto& p : params) {
      if (value == p || value == "(" + p + ")" || value == "str(" + p + ")") {
        return Fail(name, "'" + *fn + "' returns its input '" + p + "' unchanged");
      }
    }
  }
  return Pass(name, "'" + *fn + "' calls '" + used + "' loaded at " + loader_lines.front());
}

// ---------------------------------------------------------------------------------------------
// api_endpoint, health_route, zerogpu

// The text without full-line comments (a comment naming /health is not a route).
std::string WithoutCommentLines(const std::string& text) {
  std::string out;
  for (const auto& l : SplitLines(text)) {
    std::string t = Trim(l);
    if (!t.empty() && t[0] == '#') continue;
    out += l + "\n";
  }
  return out;
}

CheckResult CheckApiEndpoint(const std::string& dir) {
  auto raw = ReadText(dir + "/app.py");
  if (!raw) return Fail("api_endpoint", "app.py not readable");
  std::string text = WithoutCommentLines(*raw);
  static const std::regex kApi(R"(api_name\s*=\s*["']generate["'])");
  if (!std::regex_search(text, kApi)) {
    return Fail("api_endpoint", "no api_name=\"generate\": /gradio_api/call/generate would 404");
  }
  auto fn = EndpointFunction(text);
  if (!fn)
    return Fail("api_endpoint", "api_name=\"generate\" is not on an event naming a function");
  return Pass("api_endpoint", "api_name=\"generate\" serves '" + *fn + "'");
}

CheckResult CheckHealthRoute(const std::string& dir) {
  auto raw = ReadText(dir + "/app.py");
  if (!raw) return Fail("health_route", "app.py not readable");
  std::optional<std::string> text = WithoutCommentLines(*raw);
  static const std::regex kRoute(R"(["']/health["'])");
  static const std::regex kOk(R"(["']status["']\s*:\s*["']ok["'])");
  if (!std::regex_search(*text, kRoute)) return Fail("health_route", "no \"/health\" route");
  if (!std::regex_search(*text, kOk)) {
    return Fail("health_route", "/health does not answer {\"status\": \"ok\"}");
  }
  return Pass("health_route", "GET /health returns {\"status\": \"ok\", ...}");
}

CheckResult CheckZeroGpu(const GeneratedSpace& space, const std::string& dir) {
  const std::string name = "zerogpu";
  auto app = ReadText(dir + "/app.py");
  auto reqs = ReadText(dir + "/requirements.txt");
  if (!app || !reqs) return Fail(name, "app.py or requirements.txt not readable");
  static const std::regex kImport(R"((^|\n)import spaces\b)");
  static const std::regex kDecorator(R"((^|\n)@spaces\.GPU\b)");
  static const std::regex kReq(R"((^|\n)\s*spaces\s*([<>=!~;#\n]|$))");
  bool imp = std::regex_search(*app, kImport);
  bool dec = std::regex_search(*app, kDecorator);
  bool req = std::regex_search(*reqs, kReq);
  if (space.zero_gpu) {
    if (!imp || !dec || !req) {
      return Fail(name, std::string("ZeroGPU target needs") + (imp ? "" : " `import spaces`") +
                            (dec ? "" : " @spaces.GPU") + (req ? "" : " spaces in requirements"));
    }
    return Pass(name, "ZeroGPU: import spaces, @spaces.GPU and the spaces requirement present");
  }
  if (imp || dec || req) {
    return Fail(name, "not a ZeroGPU target but app/requirements use the spaces package");
  }
  return Pass(name, "not ZeroGPU: no spaces package");
}

// ---------------------------------------------------------------------------------------------
// requirements

CheckResult CheckRequirements(const std::string& dir) {
  const std::string name = "requirements";
  auto text = ReadText(dir + "/requirements.txt");
  if (!text) return Fail(name, "requirements.txt not readable");
  auto lines = SplitLines(*text);
  int count = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string why;
    if (!IsValidRequirementLine(lines[i], &why)) {
      return Fail(name, "requirements.txt:" + std::to_string(i + 1) + ": " + why);
    }
    std::string t = Trim(lines[i]);
    if (t.empty() || t[0] == '#' || t[0] == '-') continue;
    static const std::regex kGradio(R"(^gradio\s*([\[<>=!~;]|$))", std::regex::icase);
    if (std::regex_search(t, kGradio)) {
      return Fail(name, "requirements.txt:" + std::to_string(i + 1) +
                            ": gradio comes from sdk_version; listing it can conflict");
    }
    ++count;
  }
  if (count == 0) return Fail(name, "no requirement lines");
  return Pass(name, std::to_string(count) + " requirement line(s), all valid");
}

// ---------------------------------------------------------------------------------------------
// no_secrets

struct SecretPattern {
  const char* kind;
  std::regex re;
};

const std::vector<SecretPattern>& SecretPatterns() {
  static const std::vector<SecretPattern> kPatterns = [] {
    std::vector<SecretPattern> p;
    p.push_back({"Hugging Face token", std::regex(R"(\bhf_[A-Za-z0-9]{20,})")});
    p.push_back({"OpenAI-style key", std::regex(R"(\bsk-[A-Za-z0-9_-]{20,})")});
    p.push_back({"bearer credential",
                 std::regex(R"(\bBearer\s+[A-Za-z0-9._~+/=-]{8,})", std::regex::icase)});
    p.push_back({"private key", std::regex(R"(-----BEGIN [A-Z ]*PRIVATE KEY-----)")});
    p.push_back({"AWS access key", std::regex(R"(\bAKIA[0-9A-Z]{16}\b)")});
    p.push_back({"GitHub token", std::regex(R"(\bgh[pousr]_[A-Za-z0-9]{30,})")});
    p.push_back({"Google API key", std::regex(R"(\bAIza[0-9A-Za-z_-]{35})")});
    return p;
  }();
  return kPatterns;
}

CheckResult CheckNoSecrets(const GeneratedSpace& space, const std::string& dir) {
  const std::string name = "no_secrets";
  std::set<std::string> files = {"app.py", "requirements.txt", "README.md"};
  for (const auto& f : space.files) files.insert(f.path);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.insert(entry.path().filename().string());
  }
  int scanned = 0;
  for (const auto& f : files) {
    auto text = ReadText(dir + "/" + f);
    if (!text) continue;
    ++scanned;
    auto lines = SplitLines(*text);
    for (size_t i = 0; i < lines.size(); ++i) {
      for (const auto& p : SecretPatterns()) {
        if (std::regex_search(lines[i], p.re)) {
          // Never echo the value: only where and what kind.
          return Fail(name, std::string(p.kind) + " at " + f + ":" + std::to_string(i + 1));
        }
      }
    }
  }
  return Pass(name, std::to_string(scanned) + " file(s) scanned, no credential found");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Requirement line validator (PEP 508 subset + two pip options)

namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool ValidVersion(std::string_view v, bool allow_wildcard) {
  static const std::regex kPep440(
      R"(^v?(\d+!)?\d+(\.\d+)*((a|b|rc|alpha|beta|c|pre|preview)\.?\d*)?(\.?(post|rev|r)\.?\d*)?(\.?dev\.?\d*)?(\+[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)?$)",
      std::regex::icase);
  static const std::regex kWildcard(R"(^v?(\d+!)?\d+(\.\d+)*\.\*$)");
  std::string s(v);
  if (allow_wildcard && std::regex_match(s, kWildcard)) return true;
  return std::regex_match(s, kPep440);
}

// Parses a PEP 508 marker expression: marker_var op marker_var, joined by and/or, parentheses.
class MarkerParser {
 public:
  explicit MarkerParser(std::string_view s) : s_(s) {}
  bool Parse() {
    if (!Or()) return false;
    Skip();
    return pos_ == s_.size();
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Keyword(std::string_view kw) {
    Skip();
    if (s_.substr(pos_, kw.size()) != kw) return false;
    size_t end = pos_ + kw.size();
    if (end < s_.size() && IsNameChar(s_[end])) return false;
    pos_ = end;
    return true;
  }
  bool Or() {
    if (!And()) return false;
    while (Keyword("or")) {
      if (!And()) return false;
    }
    return true;
  }
  bool And() {
    if (!Atom()) return false;
    while (Keyword("and")) {
      if (!Atom()) return false;
    }
    return true;
  }
  bool Atom() {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      if (!Or()) return false;
      Skip();
      if (pos_ >= s_.size() || s_[pos_] != ')') return false;
      ++pos_;
      return true;
    }
    if (!Var()) return false;
    if (!Op()) return false;
    return Var();
  }
  bool Var() {
    Skip();
    if (pos_ >= s_.size()) return false;
    char q = s_[pos_];
    if (q == '"' || q == '\'') {
      size_t end = s_.find(q, pos_ + 1);
      if (end == std::string_view::npos) return false;
      pos_ = end + 1;
      return true;
    }
    static const std::set<std::string, std::less<>> kVars = {"python_version",
                                                             "python_full_version",
                                                             "os_name",
                                                             "sys_platform",
                                                             "platform_release",
                                                             "platform_system",
                                                             "platform_version",
                                                             "platform_machine",
                                                             "platform_python_implementation",
                                                             "implementation_name",
                                                             "implementation_version",
                                                             "extra",
                                                             "os.name",
                                                             "sys.platform",
                                                             "platform.version",
                                                             "platform.machine",
                                                             "platform.python_implementation"};
    size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    return kVars.count(s_.substr(start, pos_ - start)) > 0;
  }
  bool Op() {
    Skip();
    for (std::string_view op : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (s_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        return true;
      }
    }
    if (Keyword("in")) return true;
    size_t save = pos_;
    if (Keyword("not") && Keyword("in")) return true;
    pos_ = save;
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string ValidateSpecifiers(std::string_view specs) {
  std::string s = Trim(specs);
  if (s.empty()) return "";
  if (s.front() == '(') {
    if (s.back() != ')') return "unbalanced parenthesis in version specifiers";
    s = Trim(std::string_view(s).substr(1, s.size() - 2));
  }
  std::stringstream ss(s);
  std::string clause;
  while (std::getline(ss, clause, ',')) {
    std::string c = Trim(clause);
    std::string op;
    for (std::string_view candidate : {"===", "==", "!=", "<=", ">=", "~=", "<", ">"}) {
      if (c.rfind(candidate, 0) == 0) {
        op = std::string(candidate);
        break;
      }
    }
    if (op.empty()) return "version clause '" + c + "' has no comparison operator";
    std::string v = Trim(std::string_view(c).substr(op.size()));
    if (v.empty()) return "version clause '" + c + "' has no version";
    if (op == "===") continue;  // arbitrary equality: any string
    if (!ValidVersion(v, op == "==" || op == "!=")) return "'" + v + "' is not a valid version";
  }
  return "";
}

}  // namespace

namespace internal {

std::string ValidateRequirementLine(std::string_view raw) {
  std::string line = Trim(raw);
  if (line.empty() || line[0] == '#') return "";
  // Inline comment: " #" (pip's rule: a '#' preceded by whitespace).
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '#' && std::isspace(static_cast<unsigned char>(line[i - 1]))) {
      line = Trim(std::string_view(line).substr(0, i));
      break;
    }
  }
  if (line[0] == '-') {
    static const std::regex kOption(
        R"(^(--extra-index-url|--index-url|--find-links|-f)(\s+|=)https://[^\s]+$)");
    if (std::regex_match(line, kOption)) return "";
    return "unsupported pip option (only --extra-index-url / --index-url / --find-links with "
           "an https URL)";
  }
  for (unsigned char c : line) {
    if (c < 0x20 || c >= 0x7f) return "non-printable or non-ASCII character";
  }
  // Name.
  size_t pos = 0;
  if (!std::isalnum(static_cast<unsigned char>(line[0]))) {
    return "a requirement must start with a project name";
  }
  while (pos < line.size() && IsNameChar(line[pos])) ++pos;
  if (!std::isalnum(static_cast<unsigned char>(line[pos - 1]))) {
    return "project name must end with a letter or digit";
  }
  std::string_view rest = std::string_view(line).substr(pos);
  auto skip = [&] {
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  };
  skip();
  // Extras.
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return "unclosed extras '['";
    static const std::regex kExtras(
        R"(^\s*([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\s*,\s*[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)*)?\s*$)");
    std::string extras(rest.substr(1, close - 1));
    if (!std::regex_match(extras, kExtras)) return "invalid extras '[" + extras + "]'";
    rest.remove_prefix(close + 1);
    skip();
  }
  // Marker split.
  std::string_view marker;
  bool has_marker = false;
  if (size_t semi = rest.find(';'); semi != std::string_view::npos) {
    marker = rest.substr(semi + 1);
    rest = rest.substr(0, semi);
    has_marker = true;
  }
  std::string main = Trim(rest);
  if (!main.empty()) {
    if (main[0] == '@') {
      static const std::regex kUrl(R"(^@\s*(https|git\+https|file)://\S+$)");
      if (!std::regex_match(main, kUrl)) return "invalid direct reference '" + main + "'";
    } else {
      std::string err = ValidateSpecifiers(main);
      if (!err.empty()) return err;
    }
  }
  if (has_marker) {
    if (Trim(marker).empty()) return "empty environment marker after ';'";
    MarkerParser parser(marker);
    if (!parser.Parse()) return "invalid environment marker '" + Trim(marker) + "'";
  }
  return "";
}

}  // namespace internal

bool IsValidRequirementLine(std::string_view line, std::string* why) {
  std::string err = internal::ValidateRequirementLine(line);
  if (why != nullptr) *why = err;
  return err.empty();
}

std::vector<CheckResult> RunStaticChecks(const GeneratedSpace& space, const std::string& dir,
                                         CommandRunner& runner) {
  std::vector<CheckResult> checks;
  checks.push_back(CheckFiles(dir));
  checks.push_back(CheckYamlHeader(dir));
  checks.push_back(CheckPyCompile(dir, runner));
  checks.push_back(CheckInferenceCall(dir));
  checks.push_back(CheckApiEndpoint(dir));
  checks.push_back(CheckHealthRoute(dir));
  checks.push_back(CheckZeroGpu(space, dir));
  checks.push_back(CheckRequirements(dir));
  checks.push_back(CheckNoSecrets(space, dir));
  return checks;
}

bool AllPassed(const std::vector<CheckResult>& checks) {
  return !checks.empty() &&
         std::all_of(checks.begin(), checks.end(), [](const CheckResult& c) { return c.passed; });
}

}  // namespace sf::spacegen
