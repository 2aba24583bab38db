// spacegen: the generator. Picks the template for the analysed task, adapts it to the analysis
// (remote code, sdpa, adapters, GGUF, gated, hardware) and assembles app.py, requirements.txt and
// README.md (Space YAML header + usage + warnings).
#include "spacegen/spacegen.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdio>
#include <set>

#include "spacegen/internal.h"

namespace sf::spacegen {
namespace internal {

std::string PyStr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

namespace {

std::string CommonValue(std::string_view name, const TemplateContext& ctx, bool* found) {
  *found = true;
  const auto& a = *ctx.analysis;
  std::string tok_kwargs = ", token=HF_TOKEN";
  if (ctx.trust_remote_code) tok_kwargs += ", trust_remote_code=True";
  if (name == "MODEL_ID") return PyStr(a.model_id);
  if (name == "LOAD_ID") return PyStr(ctx.adapter ? ctx.adapter_base : a.model_id);
  if (name == "TASK") return PyStr(a.task);
  if (name == "GPU_DECORATOR") {
    if (!ctx.zero_gpu) return "";
    return "@spaces.GPU(duration=" + std::to_string(ctx.options->gpu_duration_seconds) + ")\n";
  }
  if (name == "TOKENIZER_KWARGS") return tok_kwargs;
  if (name == "MODEL_KWARGS") {
    return ctx.sdpa ? tok_kwargs + ", attn_implementation=\"sdpa\"" : tok_kwargs;
  }
  if (name == "TORCH_DEVICE") {
    return "DEVICE = \"cuda\" if torch.cuda.is_available() else \"cpu\"\n"
           "DTYPE = torch.bfloat16 if DEVICE == \"cuda\" else torch.float32\n";
  }
  *found = false;
  return "";
}

}  // namespace

std::string Render(std::string_view tmpl, const TemplateContext& ctx,
                   const std::map<std::string, std::string>& extra) {
  std::string out;
  out.reserve(tmpl.size() + 256);
  size_t pos = 0;
  while (pos < tmpl.size()) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(tmpl.substr(pos));
      break;
    }
    std::string name(tmpl.substr(open + 2, close - open - 2));
    bool is_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c)) || c == '_';
    });
    out.append(tmpl.substr(pos, open - pos));
    if (!is_name) {
      out.append("{{");
      pos = open + 2;
      continue;
    }
    if (auto it = extra.find(name); it != extra.end()) {
      out += it->second;
    } else {
      bool found = false;
      std::string v = CommonValue(name, ctx, &found);
      assert(found && "unknown template placeholder");
      out += found ? v : "{{" + name + "}}";
    }
    pos = close + 2;
  }
  return out;
}

void AddAdapterRequirement(const TemplateContext& ctx, std::vector<std::string>& reqs) {
  if (ctx.adapter || ctx.analysis->HasBlocker(card::BlockerKind::kAdapterNeedsBase)) {
    reqs.emplace_back(kReqPeft);
  }
}

}  // namespace internal

namespace {

using internal::PyStr;
using internal::TaskTemplate;
using internal::TemplateContext;

std::vector<const TaskTemplate*> AllTemplates() {
  std::vector<const TaskTemplate*> all;
  for (const auto* reg :
       {&internal::TextTemplates(), &internal::VisionTemplates(), &internal::AudioTemplates()}) {
    for (const auto& t : *reg) all.push_back(&t);
  }
  std::sort(all.begin(), all.end(),
            [](const TaskTemplate* a, const TaskTemplate* b) { return a->task < b->task; });
  return all;
}

const TaskTemplate* FindTemplate(std::string_view task) {
  for (const auto* t : AllTemplates()) {
    if (t->task == task) return t;
  }
  return nullptr;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A model id the Hub could serve: "name" or "owner/name", no whitespace or control characters.
// Quotes and other odd characters are tolerated here (they are escaped on output); the Hub
// rejects such ids anyway, which the run then reports.
bool PlausibleModelId(std::string_view id) {
  if (id.empty() || id.size() > 200) return false;
  for (unsigned char c : id) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

TemplateContext BuildContext(const card::CardAnalysis& a, const SpaceOptions& o) {
  TemplateContext ctx;
  ctx.analysis = &a;
  ctx.options = &o;
  ctx.zero_gpu = o.hardware == card::Hardware::kZeroGpu;
  ctx.gpu = o.hardware != card::Hardware::kCpuBasic;
  ctx.library = Lower(a.library);
  using K = card::BlockerKind;
  ctx.trust_remote_code = a.HasBlocker(K::kTrustRemoteCode);
  ctx.sdpa = a.HasBlocker(K::kFlashAttn);
  ctx.gated = a.HasBlocker(K::kGated);
  ctx.gguf_only = a.HasBlocker(K::kGgufOnly);
  if (a.HasBlocker(K::kAdapterNeedsBase)) {
    for (const auto& base : a.base_models) {
      if (!base.empty() && base != a.model_id && PlausibleModelId(base)) {
        ctx.adapter = true;
        ctx.adapter_base = base;
        break;
      }
    }
  }
  if (ctx.trust_remote_code) {
    ctx.notes.push_back("trust_remote_code=True: the model ships its own Python code; review it");
  }
  if (ctx.sdpa) {
    ctx.notes.push_back("flash-attn not installed: loading with attn_implementation=\"sdpa\"");
  }
  if (ctx.gated) {
    ctx.notes.push_back(
        "gated model: add an HF_TOKEN secret with access to the model to the Space");
  }
  if (ctx.adapter) {
    ctx.notes.push_back("adapter: loads base model " + ctx.adapter_base +
                        " and applies the adapter");
  } else if (a.HasBlocker(K::kAdapterNeedsBase)) {
    ctx.notes.push_back(
        "adapter without a known base model: relies on the adapter config naming its base");
  }
  if (ctx.zero_gpu) {
    ctx.notes.push_back("ZeroGPU: inference runs under @spaces.GPU(duration=" +
                        std::to_string(o.gpu_duration_seconds) + ")");
  }
  return ctx;
}

int MajorVersion(std::string_view v) {
  int major = 0;
  for (char c : v) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    major = major * 10 + (c - '0');
    if (major > 1000) break;
  }
  return major;
}

constexpr std::string_view kAppHeader =
    R"PY(# Generated by Space Factory for the model in MODEL_ID (pipeline tag in health()).
#
# How this app is served, and why: the UI is a gr.Blocks `demo` started with demo.launch(), so the
# Spaces runtime, the Gradio queue and ZeroGPU's `spaces` integration all see an ordinary Gradio
# app (gr.mount_gradio_app on a parent FastAPI app would bypass launch(), which ZeroGPU relies on).
# GET /health is added through launch(app_kwargs={"routes": [...]}): Gradio builds its FastAPI app
# with these kwargs, so the route is registered before Gradio's own and answers first, while
# /config and /gradio_api/* keep their usual paths. Server-side rendering is turned off so that
# /health is not proxied to the Node renderer.
# Inference: POST /gradio_api/call/generate (api_name="generate"), result by SSE.
import os

{{SPACES_IMPORT}}import gradio as gr
from fastapi.routing import APIRoute

MODEL_ID = {{MODEL_ID}}
TITLE = {{TITLE}}
# Read from the environment (a Space secret) for gated or private models; never hard-coded.
HF_TOKEN = os.environ.get("HF_TOKEN") or None

)PY";

constexpr std::string_view kAppFooter = R"PY(

def health():
    return {"status": "ok", "model": MODEL_ID, "task": {{TASK}}}


if __name__ == "__main__":
    demo.queue({{QUEUE_ARGS}}).launch(
        server_name="0.0.0.0",
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
{{SSR_ARG}}        app_kwargs={"routes": [APIRoute("/health", health, methods=["GET"])]},
    )
)PY";

std::string BuildApp(const internal::TemplateOutput& out, TemplateContext& ctx,
                     const std::string& title) {
  std::map<std::string, std::string> extra = {
      {"SPACES_IMPORT", ctx.zero_gpu ? "import spaces  # ZeroGPU: import before torch\n" : ""},
      {"TITLE", PyStr(title)},
      // ZeroGPU serves one call at a time per replica (Gradio defaults max_size to 1 there).
      {"QUEUE_ARGS", ctx.zero_gpu ? "" : "max_size=16"},
      {"SSR_ARG",
       MajorVersion(ctx.options->gradio_sdk_version) >= 5 ? "        ssr_mode=False,\n" : ""},
  };
  std::string app = internal::Render(kAppHeader, ctx, extra);
  app += out.body;
  if (!app.empty() && app.back() != '\n') app += '\n';
  app += internal::Render(kAppFooter, ctx, extra);
  return app;
}

std::string BuildRequirements(const internal::TemplateOutput& out, const TemplateContext& ctx) {
  std::vector<std::string> lines;
  std::set<std::string> seen;
  auto add = [&](const std::string& line) {
    // Deduplicate by project name (the part before any extras, specifier or marker).
    size_t end = line.find_first_of("[<>=!~;@ ");
    std::string name = Lower(line.substr(0, end));
    if (line.rfind("--", 0) == 0) name = line;
    if (seen.insert(name).second) lines.push_back(line);
  };
  std::string out_text =
      "# Generated by Space Factory. gradio itself comes from the README's sdk_version.\n";
  if (ctx.zero_gpu) add("spaces");
  for (const auto& r : out.requirements) add(r);
  for (const auto& l : lines) out_text += l + "\n";
  return out_text;
}

// Truncates to at most `max_chars` UTF-8 code points (never splitting one).
std::string TruncateUtf8(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 1;
    if (chars + 1 > max_chars) break;
    i += std::min(len, s.size() - i);
    ++chars;
  }
  return std::string(s.substr(0, i));
}

std::string OneLine(std::string_view s, size_t max_chars) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (c == '`') {
      out += '\'';
    } else {
      out += c;
    }
  }
  std::string t = TruncateUtf8(out, max_chars);
  if (t.size() < out.size()) t += "...";
  return t;
}

bool IsLicenseId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

std::string BuildReadme(const TaskTemplate& t, const internal::TemplateOutput& out,
                        const TemplateContext& ctx, const std::string& title) {
  const auto& a = *ctx.analysis;
  std::string short_desc = TruncateUtf8(std::string(t.task) + " demo of " + a.model_id, 60);

  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "title" << YAML::Value << YAML::DoubleQuoted << title;
  y << YAML::Key << "emoji" << YAML::Value << std::string(t.emoji);
  y << YAML::Key << "colorFrom" << YAML::Value << std::string(t.color_from);
  y << YAML::Key << "colorTo" << YAML::Value << std::string(t.color_to);
  y << YAML::Key << "sdk" << YAML::Value << "gradio";
  y << YAML::Key << "sdk_version" << YAML::Value << YAML::DoubleQuoted
    << ctx.options->gradio_sdk_version;
  y << YAML::Key << "app_file" << YAML::Value << "app.py";
  y << YAML::Key << "pinned" << YAML::Value << false;
  y << YAML::Key << "models" << YAML::Value << YAML::BeginSeq << YAML::DoubleQuoted << a.model_id;
  if (ctx.adapter) y << YAML::DoubleQuoted << ctx.adapter_base;
  y << YAML::EndSeq;
  y << YAML::Key << "suggested_hardware" << YAML::Value
    << std::string(SuggestedHardware(ctx.options->hardware));
  y << YAML::Key << "short_description" << YAML::Value << YAML::DoubleQuoted << short_desc;
  if (IsLicenseId(a.license)) y << YAML::Key << "license" << YAML::Value << a.license;
  y << YAML::EndMap;

  Redactor redactor;  // card evidence is quoted below; it must not carry a credential along
  std::string md = "---\n" + std::string(y.c_str()) + "\n---\n\n";
  md += "# " + OneLine(title, 120) + "\n\n";
  md += "Demo Space for [`" + OneLine(a.model_id, 200) + "`](https://huggingface.co/" +
        OneLine(a.model_id, 200) + ") (pipeline tag `" + std::string(t.task) +
        "`), generated by Space Factory. The app loads the model at startup and runs it on every "
        "call; it is not a mock.\n\n";
  md += "Target hardware: `" + std::string(SuggestedHardware(ctx.options->hardware)) + "`";
  if (ctx.zero_gpu) {
    md += " (ZeroGPU: inference runs inside `@spaces.GPU(duration=" +
          std::to_string(ctx.options->gpu_duration_seconds) + ")`)";
  }
  md += ".\n\n";
  md += "## API\n\n";
  md += "- `GET /health` returns `{\"status\": \"ok\", ...}`.\n";
  md += "- `POST /gradio_api/call/generate` with `{\"data\": " + out.api_inputs +
        "}` returns `{\"event_id\": ...}`; then `GET /gradio_api/call/generate/<event_id>` streams "
        "the result as server-sent events. Output: " +
        out.api_outputs + ".\n\n";
  md += "```bash\n";
  md += "curl -s -X POST https://<owner>-<space>.hf.space/gradio_api/call/generate \\\n";
  md += "  -H \"Authorization: Bearer $HF_TOKEN\" -H \"Content-Type: application/json\" \\\n";
  md += "  -d '{\"data\": " + out.api_inputs + "}'\n";
  md += "```\n\n";
  md +=
      "With `gradio_client`: `Client(\"<owner>/<space>\", token=...).predict(..., "
      "api_name=\"/generate\")`.\n";
  if (!ctx.notes.empty()) {
    md += "\n## Adaptations\n\n";
    for (const auto& n : ctx.notes) md += "- " + OneLine(n, 300) + "\n";
  }
  bool any_warning = false;
  auto warn_header = [&] {
    if (!any_warning) md += "\n## Warnings from the model card\n\n";
    any_warning = true;
  };
  for (const auto& b : a.blockers) {
    warn_header();
    md += "- **" + std::string(card::BlockerName(b.kind)) + "**" + (b.hard ? " (hard)" : "");
    if (!b.evidence.empty()) {
      md += ": `" + OneLine(redactor.Redact(b.evidence), 200) + "`";
    }
    if (b.line > 0) md += " (card line " + std::to_string(b.line) + ")";
    md += "\n";
  }
  for (const auto& w : a.warnings) {
    warn_header();
    md += "- " + OneLine(redactor.Redact(w), 300) + "\n";
  }
  return md;
}

}  // namespace

const GeneratedFile* GeneratedSpace::Find(std::string_view path) const {
  for (const auto& f : files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::string_view SuggestedHardware(card::Hardware hardware) {
  switch (hardware) {
    case card::Hardware::kCpuBasic:
      return "cpu-basic";
    case card::Hardware::kZeroGpu:
      return "zero-a10g";
    case card::Hardware::kLargeGpu:
      return "a100-large";
    case card::Hardware::kMultiGpu:
      return "a100x4";
  }
  return "cpu-basic";
}

std::vector<std::string> SupportedTasks() {
  std::vector<std::string> out;
  for (const auto* t : AllTemplates()) out.emplace_back(t->task);
  return out;
}

bool HasTemplate(std::string_view task) { return FindTemplate(task) != nullptr; }

Result<GeneratedSpace> GenerateSpace(const card::CardAnalysis& analysis,
                                     const SpaceOptions& options) {
  const TaskTemplate* t = FindTemplate(analysis.task);
  if (t == nullptr) {
    return Status(Code::kFailedPrecondition,
                  "no Space template for task '" + OneLine(analysis.task, 80) +
                      "' (a placeholder app is never generated instead)");
  }
  if (!PlausibleModelId(analysis.model_id)) {
    return Status(Code::kFailedPrecondition, "the analysis has no usable model id to load (got '" +
                                                 OneLine(analysis.model_id, 80) + "')");
  }
  if (options.gpu_duration_seconds <= 0 || options.gpu_duration_seconds > 3600) {
    return InvalidArgument("gpu_duration_seconds must be in 1..3600");
  }
  if (MajorVersion(options.gradio_sdk_version) < 4) {
    return InvalidArgument("gradio_sdk_version must be 4.x or later, got '" +
                           OneLine(options.gradio_sdk_version, 40) + "'");
  }
  TemplateContext ctx = BuildContext(analysis, options);
  internal::TemplateOutput out = t->build(ctx);

  std::string title = options.title;
  if (title.empty()) {
    size_t slash = analysis.model_id.rfind('/');
    title = slash == std::string::npos ? analysis.model_id : analysis.model_id.substr(slash + 1);
  }
  GeneratedSpace space;
  space.task = std::string(t->task);
  space.model_id = analysis.model_id;
  space.hardware = options.hardware;
  space.zero_gpu = ctx.zero_gpu;
  space.files.push_back({"app.py", BuildApp(out, ctx, title)});
  space.files.push_back({"requirements.txt", BuildRequirements(out, ctx)});
  space.files.push_back({"README.md", BuildReadme(*t, out, ctx, title)});
  space.notes = std::move(ctx.notes);
  return space;
}

Status WriteSpace(const GeneratedSpace& space, const std::string& dir, FileSystem& fs) {
  SF_RETURN_IF_ERROR(fs.CreateDirectories(dir));
  for (const auto& f : space.files) {
    if (f.path.empty() || f.path.find("..") != std::string::npos || f.path.front() == '/') {
      return InvalidArgument("refusing to write generated file with path '" + f.path + "'");
    }
    SF_RETURN_IF_ERROR(fs.WriteFileAtomic(dir + "/" + f.path, f.content));
  }
  return Status::Ok();
}

}  // namespace sf::spacegen
