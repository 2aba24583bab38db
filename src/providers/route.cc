// Route planning: which (provider, key) pairs serve a model, in which order, and why.
//
//   "provider/model"  that provider (model "model" upstream), its keys in order (priority first)
//   bare "model"      the first provider (routing order: priority rank, then config order) whose
//                     `models` list is empty or names it
//   "auto"            the first provider with a `models` list, serving its models[0]
// then, unless that provider has `always_use_this_key`, every other provider marked
// `fallback: true` that can serve the model (the "shared credit"), in routing order.
#include <algorithm>

#include "providers/internal.h"

namespace sf::providers::internal {
namespace {

bool Serves(const ProviderState& p, std::string_view model) {
  if (p.config.models.empty()) return true;
  return std::find(p.config.models.begin(), p.config.models.end(), model) != p.config.models.end();
}

}  // namespace

Planned PlanRoute(const Snapshot& snapshot, std::string_view model, bool explain) {
  Planned out;
  if (snapshot.providers.empty()) {
    out.error_status = 503;
    out.error_code = "no_providers";
    out.error_message =
        "no LLM provider is configured (agentic-config.yaml, AGENTIC_CONFIG, HF_TOKEN or "
        "OPENROUTER_KEY)";
    return out;
  }
  const bool is_auto = model == "auto";
  const ProviderState* primary = nullptr;
  std::string upstream_model(model);
  std::string why;
  if (!is_auto) {
    if (auto slash = model.find('/'); slash != std::string_view::npos && slash > 0) {
      if (const ProviderState* p = snapshot.Find(model.substr(0, slash))) {
        primary = p;
        upstream_model = std::string(model.substr(slash + 1));
        why = "named in the model";
        if (upstream_model.empty()) {
          out.error_status = 400;
          out.error_code = "model_not_found";
          out.error_message =
              "model '" + std::string(model) + "' names no model after the provider";
          return out;
        }
      }
    }
  }
  if (primary == nullptr) {
    for (const auto& p : snapshot.providers) {
      if (is_auto ? !p->config.models.empty() : Serves(*p, model)) {
        primary = p.get();
        break;
      }
      if (explain)
        out.skipped.push_back(p->config.name + ": " +
                              (is_auto ? "has no `models` list for auto"
                                       : "its `models` list does not name " + std::string(model)));
    }
    if (primary == nullptr) {
      out.error_status = is_auto ? 400 : 404;
      out.error_code = "model_not_found";
      out.error_message = is_auto
                              ? "model 'auto' needs a provider with a `models` list"
                              : "no configured provider serves model '" + std::string(model) + "'";
      return out;
    }
    if (is_auto) upstream_model = primary->config.models.front();
    why = primary->config.priority ? "first provider by priority that serves the model"
                                   : "first provider in config order that serves the model";
  }
  // `reason` is only called when explaining.
  auto add_keys = [&](const ProviderState& p, const std::string& um, auto reason) {
    if (explain && p.keys.empty()) out.skipped.push_back(p.config.name + ": no key configured");
    for (const auto& k : p.keys) {
      std::string r;
      if (explain)
        r = reason() + (k->config.priority ? "; priority key" : "") + " (" + k->config.origin +
            " key)";
      out.candidates.push_back(Candidate{&p, k, um, std::move(r)});
    }
  };
  add_keys(*primary, upstream_model, [&] { return primary->config.name + ": " + why; });
  std::string explanation;
  if (explain)
    explanation = "model '" + std::string(model) + "' → " + primary->config.name + " (" + why +
                  "), upstream model '" + upstream_model + "'";
  if (primary->config.always_use_this_key) {
    if (explain) {
      out.skipped.push_back("other providers: " + primary->config.name +
                            " has always_use_this_key (no fallback)");
      explanation += "; always_use_this_key: no fallback";
    }
  } else {
    std::vector<std::string> fallbacks;
    for (const auto& p : snapshot.providers) {
      if (p.get() == primary) continue;
      if (!p->config.fallback) {
        if (explain)
          out.skipped.push_back(p->config.name + ": not a fallback provider (fallback: false)");
        continue;
      }
      std::string um =
          is_auto ? (p->config.models.empty() ? "" : p->config.models.front()) : upstream_model;
      if (um.empty() || !Serves(*p, um)) {
        if (explain)
          out.skipped.push_back(p->config.name + ": does not serve " +
                                (um.empty() ? std::string("auto") : um));
        continue;
      }
      if (explain) fallbacks.push_back(p->config.name);
      add_keys(*p, um, [&] { return p->config.name + ": fallback after " + primary->config.name; });
    }
    if (explain) {
      explanation += fallbacks.empty() ? "; no fallback provider" : "; then fallback to ";
      for (std::size_t i = 0; i < fallbacks.size(); ++i)
        explanation += (i ? ", " : "") + fallbacks[i];
    }
  }
  if (out.candidates.empty()) {
    out.error_status = 503;
    out.error_code = "no_keys";
    out.error_message = "no key is configured for " + primary->config.name;
  }
  out.explanation = std::move(explanation);
  return out;
}

}  // namespace sf::providers::internal
