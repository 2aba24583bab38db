// Internal: the Gradio app a simulated Space serves once RUNNING — its interface (derived from the
// committed files), its /config and /gradio_api/info documents, and its outputs.
//
// Interface: app.py is read with a small Python scanner (no execution): component constructors
// `name = gr.Textbox(label=…, value=…)` (literal keyword and positional arguments only), layout
// blocks `with gr.Row():`, `def fn(a, b=1)` signatures, and events
// `btn.click(fn, inputs=[…], outputs=…, api_name="generate")` or `gr.Interface(fn, inputs,
// outputs)`. When app.py has no recognisable event, the task (generated apps' health() "task",
// README pipeline_tag / tags) picks a canonical interface (text → text, text → image, image →
// label, …), written as a tiny app and read by the same scanner.
//
// /config and /info: every component entry starts from what real Gradio emits for that class
// (space_components_<5|6>.json, captured by tests/e2e/gradio_apps/capture_components.py from the
// pinned gradio 5.49.1 and 6.31.0) and gets the app's labels, values and ids on top; the README's
// sdk_version chooses the 5.x or 6.x shape and is reported as `version`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::sim {

struct AppComponent {
  int id = 0;
  std::string cls;   // Gradio class name as written: "Textbox", "Image", "Row", …
  std::string type;  // config type (lower case): "textbox", "image", "row", …
  std::string var;   // Python variable it was assigned to ("" when anonymous)
  nlohmann::json kwargs = nlohmann::json::object();  // literal arguments (positional ones named)
  int parent = 0;                                    // enclosing layout block (0 = the root)
};

struct AppEvent {
  std::string api_name;  // without the leading slash
  std::string fn;        // Python function name
  int trigger = -1;      // component id whose event fires it (-1: none, e.g. gr.Interface)
  std::string trigger_event = "click";
  std::vector<int> inputs;
  std::vector<int> outputs;
};

struct AppInterface {
  std::string version = "5.49.1";  // Gradio version the Space runs (README sdk_version)
  int major = 5;                   // 5 or 6: which captured shape is used
  std::string title = "Gradio";
  std::string task;                      // pipeline tag when known ("text-generation"), else ""
  std::string origin;                    // "app.py" or "task:<tag>" (how the interface was found)
  bool interface_mode = false;           // gr.Interface rather than gr.Blocks
  std::vector<AppComponent> components;  // in creation order; ids start at 1
  std::vector<AppEvent> events;
  // fn name → parameter names in order (from `def`).
  std::vector<std::pair<std::string, std::vector<std::string>>> functions;

  const AppComponent* Find(int id) const;
  const AppEvent* FindEvent(std::string_view api_name) const;  // "/x" or "x"
  // The event with api_name "generate" when present, else the first one; nullptr when none.
  const AppEvent* MainEvent() const;
};

// Reads app.py. Events without api_name get the function name (Blocks) or "predict" (Interface on
// 5.x). A parse that finds no event is not an error: the result simply has no events.
AppInterface ParseAppSource(std::string_view source, std::string_view version);

// The task named by the Space's files: generated app.py's health() "task", README front matter
// `pipeline_tag` or a known tag, the README's "(pipeline tag `x`)". "" when none.
std::string TaskOfSpace(std::string_view app_py, std::string_view readme);

// The interface of a Space from its files (app.py under `app_file`, README.md): parsed from
// app.py, or the canonical interface of its task, or text → text.
AppInterface DeriveInterface(std::string_view app_py, std::string_view readme);

// GET /config for `root` (the app's base URL, no trailing slash).
nlohmann::json AppConfigJson(const AppInterface& app, const std::string& root,
                             std::uint64_t app_id);
// GET {P}/info. With a root, 6.x endpoints also get `code_snippets` (python, javascript, bash,
// cli) as a served 6.x app gives.
nlohmann::json AppInfoJson(const AppInterface& app, const std::string& root = "");
// The captured Gradio data for a major version (5 or 6); nullptr-free: unknown majors give 5.
const nlohmann::json& CapturedComponents(int major);

}  // namespace sf::sim
