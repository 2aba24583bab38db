// /config and /gradio_api/info for a simulated Space, built from the captured Gradio component
// shapes (space_components_<major>.json) and the app's interface; the task → interface fallback.
#include <algorithm>
#include <map>
#include <regex>

#include "sim/space_app.h"
#include "sim/state.h"

namespace sf::sim {

std::string_view CapturedComponentsText(int major);  // generated space_components.cc

namespace {

using nlohmann::json;

// Canonical apps per task, used when app.py has no recognisable event (read by the same scanner).
std::string CanonicalApp(const std::string& task) {
  auto app = [](const std::string& inputs, const std::string& output) {
    std::string names;
    static const std::regex kVar(R"((\w+) = gr\.)");
    for (auto it = std::sregex_iterator(inputs.begin(), inputs.end(), kVar);
         it != std::sregex_iterator(); ++it) {
      names += (names.empty() ? "" : ", ") + (*it)[1].str();
    }
    return "import gradio as gr\n\n\ndef generate(" + names +
           "):\n    pass\n\n\nwith gr.Blocks() as demo:\n" + inputs + "    output = " + output +
           "\n    run = gr.Button(\"Run\")\n    run.click(generate, inputs=[" + names +
           "], outputs=output, api_name=\"generate\")\n";
  };
  const std::string text = "    prompt = gr.Textbox(label=\"Prompt\")\n";
  const std::string image = "    image = gr.Image(label=\"Image\", type=\"pil\")\n";
  const std::string audio = "    audio = gr.Audio(label=\"Audio\", type=\"numpy\")\n";
  static const std::map<std::string, int> kind = {{"text-to-image", 1},
                                                  {"image-classification", 2},
                                                  {"zero-shot-image-classification", 2},
                                                  {"image-to-text", 3},
                                                  {"image-text-to-text", 3},
                                                  {"visual-question-answering", 3},
                                                  {"automatic-speech-recognition", 4},
                                                  {"audio-classification", 5},
                                                  {"text-to-speech", 6},
                                                  {"text-to-audio", 6},
                                                  {"object-detection", 7},
                                                  {"image-segmentation", 7},
                                                  {"depth-estimation", 8},
                                                  {"image-to-image", 9},
                                                  {"text-classification", 10},
                                                  {"zero-shot-classification", 10},
                                                  {"fill-mask", 10},
                                                  {"token-classification", 11},
                                                  {"feature-extraction", 12},
                                                  {"sentence-similarity", 12},
                                                  {"text-to-video", 13}};
  auto it = kind.find(task);
  switch (it == kind.end() ? 0 : it->second) {
    case 1:
      return app(text, "gr.Image(label=\"Image\")");
    case 2:
      return app(image, "gr.Label(label=\"Top classes\")");
    case 3:
      return app(image + text, "gr.Textbox(label=\"Answer\")");
    case 4:
      return app(audio, "gr.Textbox(label=\"Transcript\")");
    case 5:
      return app(audio, "gr.Label(label=\"Top classes\")");
    case 6:
      return app(text, "gr.Audio(label=\"Audio\")");
    case 7:
      return app(image, "gr.AnnotatedImage(label=\"Result\")");
    case 8:
      return app(image, "gr.Image(label=\"Depth map\")");
    case 9:
      return app(image + text, "gr.Image(label=\"Output image\")");
    case 10:
      return app(text, "gr.Label(label=\"Labels\")");
    case 11:
      return app(text, "gr.HighlightedText(label=\"Entities\")");
    case 12:
      return app(text, "gr.JSON(label=\"Embedding\")");
    case 13:
      return app(text, "gr.Video(label=\"Video\")");
    default:
      return app(text, "gr.Textbox(label=\"Output\")");
  }
}

// Python's repr of a number as Gradio formats it in "numeric value between A and B".
std::string PyNumber(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return json(v.get<double>()).dump();
  return v.dump();
}

json ComponentEntry(const AppComponent& c, const json& captured) {
  json entry;
  if (captured.at("components").contains(c.type)) {
    entry = captured["components"][c.type]["config"];
  } else {
    entry = {{"type", c.type},
             {"props", {{"name", c.type}, {"visible", true}, {"preserved_by_key", json::array()}}},
             {"skip_api", true},
             {"key", nullptr}};
  }
  json out = {{"id", c.id}};
  for (auto& [k, v] : entry.items()) out[k] = v;
  json& props = out["props"];
  for (const auto& [k, v] : c.kwargs.items()) props[k] = v;
  if (c.type == "number" && c.kwargs.contains("precision") && c.kwargs["precision"] == 0) {
    for (const char* k : {"api_info", "api_info_as_input", "api_info_as_output"}) {
      if (out.contains(k)) out[k] = {{"type", "integer"}};
    }
  }
  if (c.type == "slider") {
    if (!c.kwargs.contains("value") && props.contains("minimum")) props["value"] = props["minimum"];
    json schema = {{"type", "number"},
                   {"description", "numeric value between " + PyNumber(props["minimum"]) + " and " +
                                       PyNumber(props["maximum"])}};
    for (const char* k : {"api_info", "api_info_as_input", "api_info_as_output"}) {
      if (out.contains(k)) out[k] = schema;
    }
    if (out.contains("example_inputs")) out["example_inputs"] = props["minimum"];
  }
  return out;
}

// The usage snippets a served 6.x app adds to each endpoint of /info.
json CodeSnippets(const json& ep, const AppEvent& e, const std::string& root) {
  std::string py_args;
  std::string js_args;
  json named = json::object();
  for (const auto& p : ep["parameters"]) {
    std::string name = p.value("parameter_name", "");
    const json& v =
        p["parameter_has_default"].get<bool>() ? p["parameter_default"] : p["example_input"];
    py_args += "\t" + name + "=" + v.dump() + ",\n";
    js_args += "\t\t" + name + ": " + v.dump() + ",\n";
    named[name] = v;
  }
  const std::string api = "/" + e.api_name;
  return {{"python", "from gradio_client import Client\n\nclient = Client(\"" + root +
                         "\")\nresult = client.predict(\n" + py_args + "\tapi_name=\"" + api +
                         "\",\n)\nprint(result)"},
          {"javascript",
           "import { Client } from \"@gradio/client\";\n\nconst client = await "
           "Client.connect(\"" +
               root + "\");\nconst result = await client.predict(\"" + api + "\", {\n" + js_args +
               "});\n\nconsole.log(result.data);"},
          {"bash", "curl -X POST " + root + "/gradio_api/call/v2/" + e.api_name +
                       " -s -H \"Content-Type: application/json\" \\\n  -d '" + named.dump() +
                       "' \\\n  | awk -F'\"' '{ print $4}' \\\n  | read EVENT_ID; curl -N " + root +
                       "/gradio_api/call/" + e.api_name + "/$EVENT_ID"},
          {"cli", "{command} predict " + root + " " + api + " '" + named.dump(2) + "'\n"}};
}

json Layout(const AppInterface& app, int parent) {
  json children = json::array();
  for (const auto& c : app.components) {
    if (c.parent != parent || c.id == parent) continue;
    json node = {{"id", c.id}};
    json sub = Layout(app, c.id);
    if (!sub.empty()) node["children"] = sub;
    children.push_back(node);
  }
  return children;
}

}  // namespace

const json& CapturedComponents(int major) {
  static const json k5 = json::parse(CapturedComponentsText(5));
  static const json k6 = json::parse(CapturedComponentsText(6));
  return major >= 6 ? k6 : k5;
}

std::string TaskOfSpace(std::string_view app_py, std::string_view readme) {
  std::smatch m;
  std::string app(app_py);
  static const std::regex kHealthTask(R"re("task"\s*:\s*"([a-z0-9-]+)")re");
  if (std::regex_search(app, m, kHealthTask)) return m[1];
  std::string error;
  if (auto fm = FrontMatter(readme, &error)) {
    if (fm->contains("pipeline_tag") && (*fm)["pipeline_tag"].is_string()) {
      return (*fm)["pipeline_tag"];
    }
    if (fm->contains("tags") && (*fm)["tags"].is_array()) {
      for (const auto& t : (*fm)["tags"]) {
        if (!t.is_string()) continue;
        std::string tag = t;
        if (CanonicalApp(tag) != CanonicalApp("")) return tag;
      }
    }
  }
  std::string text(readme);
  static const std::regex kPipelineTag(R"re(pipeline tag `([a-z0-9-]+)`)re");
  if (std::regex_search(text, m, kPipelineTag)) return m[1];
  return "";
}

AppInterface DeriveInterface(std::string_view app_py, std::string_view readme) {
  std::string version = "5.49.1";
  std::string error;
  if (auto fm = FrontMatter(readme, &error)) {
    if (fm->contains("sdk_version")) {
      const json& v = (*fm)["sdk_version"];
      if (v.is_string() && !v.get<std::string>().empty()) version = v;
      if (v.is_number()) version = v.dump();
    }
  }
  std::string task = TaskOfSpace(app_py, readme);
  AppInterface app = ParseAppSource(app_py, version);
  app.task = task;
  const AppEvent* ev = app.MainEvent();
  if (ev == nullptr || ev->outputs.empty()) {
    std::string title = app.title;
    app = ParseAppSource(CanonicalApp(task), version);
    app.task = task;
    app.title = title;
    app.origin = "task:" + (task.empty() ? std::string("text") : task);
  }
  return app;
}

json AppConfigJson(const AppInterface& app, const std::string& root, std::uint64_t app_id) {
  const json& cap = CapturedComponents(app.major);
  json out = cap.at("config");
  out["version"] = app.version;
  out["title"] = app.title;
  out["app_id"] = app_id;
  out["root"] = root;
  out["space_id"] = nullptr;  // a space_id makes @gradio/client ask huggingface.co for a JWT
  out["username"] = nullptr;
  out["mode"] = app.interface_mode ? "interface" : "blocks";
  json components = json::array();
  json ids = json::array();
  for (const auto& c : app.components) {
    components.push_back(ComponentEntry(c, cap));
    ids.push_back(c.id);
  }
  out["components"] = components;
  json deps = json::array();
  json dep_ids = json::array();
  for (std::size_t i = 0; i < app.events.size(); ++i) {
    const AppEvent& e = app.events[i];
    json d = cap.at("dependency");
    d["id"] = i;
    d["targets"] =
        e.trigger >= 0 ? json::array({json::array({e.trigger, e.trigger_event})}) : json::array();
    d["inputs"] = e.inputs;
    d["outputs"] = e.outputs;
    d["api_name"] = e.api_name;
    deps.push_back(d);
    dep_ids.push_back(i);
  }
  out["dependencies"] = deps;
  json layout = {{"id", 0}, {"children", Layout(app, 0)}};
  out["layout"] = layout;
  out["page"] = {{"", {{"layout", layout}, {"components", ids}, {"dependencies", dep_ids}}}};
  out["pages"] = json::array({json::array({"", "Home", true})});
  return out;
}

json AppInfoJson(const AppInterface& app, const std::string& root) {
  const json& cap = CapturedComponents(app.major);
  json named = json::object();
  for (const auto& e : app.events) {
    json ep = {{"parameters", json::array()}, {"returns", json::array()}};
    for (const auto& [k, v] : cap.at("endpoint_keys").items()) ep[k] = v;
    std::vector<std::string> params;
    for (const auto& [fn, names] : app.functions) {
      if (fn == e.fn) params = names;
    }
    bool skip = false;
    for (std::size_t i = 0; i < e.inputs.size(); ++i) {
      const AppComponent* c = app.Find(e.inputs[i]);
      if (c == nullptr || !cap["components"].contains(c->type) ||
          !cap["components"][c->type].contains("param")) {
        skip = true;
        break;
      }
      json entry = ComponentEntry(*c, cap);
      json p = cap["components"][c->type]["param"];
      const json& props = entry["props"];
      p["label"] = props.contains("label") && props["label"].is_string()
                       ? props["label"]
                       : json("parameter_" + std::to_string(c->id));
      p["parameter_name"] = i < params.size() && params[i] != "api_name" && params[i] != "fn_index"
                                ? params[i]
                                : "param_" + std::to_string(i);
      bool has_value = props.contains("value") && !props["value"].is_null();
      p["parameter_has_default"] = has_value;
      p["parameter_default"] = has_value ? props["value"] : json(nullptr);
      if (entry.contains("api_info_as_input")) p["type"] = entry["api_info_as_input"];
      if (p["type"] == json{{"type", "integer"}}) p["python_type"]["type"] = "int";
      if (entry.contains("example_inputs")) p["example_input"] = entry["example_inputs"];
      ep["parameters"].push_back(p);
    }
    for (int id : e.outputs) {
      const AppComponent* c = app.Find(id);
      if (c == nullptr || !cap["components"].contains(c->type) ||
          !cap["components"][c->type].contains("return")) {
        skip = true;
        break;
      }
      json entry = ComponentEntry(*c, cap);
      json r = cap["components"][c->type]["return"];
      const json& props = entry["props"];
      r["label"] = props.contains("label") && props["label"].is_string()
                       ? props["label"]
                       : json("value_" + std::to_string(c->id));
      if (entry.contains("api_info_as_output")) r["type"] = entry["api_info_as_output"];
      ep["returns"].push_back(r);
    }
    if (!skip && app.major >= 6 && !root.empty()) ep["code_snippets"] = CodeSnippets(ep, e, root);
    if (!skip) named["/" + e.api_name] = ep;
  }
  return {{"named_endpoints", named}, {"unnamed_endpoints", json::object()}};
}

}  // namespace sf::sim
