// Simulated LLM providers: OpenAI-compatible upstreams inside `spacefactory sim`, written from the
// wire format (providers-and-gateways.md §3), never from src/providers.
//
//   POST /_providers/{name}/v1/chat/completions   any {name}; any non-empty bearer key
//   GET  /_providers/{name}/v1/models
//   GET|POST|DELETE /_providers/_faults           the fault spec below (POST body replaces it)
//   GET  /_providers/_stats                       {"requests", "by_key", "calls", "dropped", "answered"}
//   DELETE /_providers/_stats                     clears the counters
//
// Modes come from the requested model name: "instant" (3 deltas), "delay-MS" (answer after MS),
// "paced-NxMS" (N content deltas MS apart), "tools" (a tool call; streamed as argument fragments);
// any other name is a 404 model_not_found. Streams are role chunk, deltas, finish chunk, usage
// chunk, [DONE]; content deltas are "tok0 ", "tok1 ", … whatever the provider or key.
//
// Faults per provider and key: `RULE(;RULE)*`, a rule being
//   PROVIDER[:KEYSUFFIX]=KIND[:ARG][xCOUNT][@PROB]
// PROVIDER a name or "*", KEYSUFFIX matched against the end of the bearer key (so a test never
// writes a key into a spec), KIND one of 429 (ARG = Retry-After seconds), 500, 502, 503, 401, 402,
// 403, reset (connection dropped, no answer), cut (ARG = complete events sent before the
// connection drops; non-streams: half the body), hang (no answer for ARG ms, default 60000, then a
// drop), echo-key (a 401 whose message contains the key: redaction tests). xCOUNT limits how often
// the rule fires, @PROB the probability (random source seeded by --seed: deterministic for a given
// request order). The first matching rule that fires wins.
//
// Stats, per request nonce (the body's "user" field, else the last message's content): "calls"
// counts every chat request, "dropped" the calls answered by a `reset`, "answered" the calls the simulator answered with something a client
// could commit to (a full non-stream 200 body, or at least one complete stream event written; a
// connection reset right after may still destroy it in flight). A gateway that reports how many
// attempts it made can be checked against "calls": any hidden re-send shows up as a difference.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/core.h"
#include "http/http.h"

namespace sf::sim {

class ProviderSim {
 public:
  explicit ProviderSim(std::uint64_t seed);
  ~ProviderSim();
  ProviderSim(const ProviderSim&) = delete;
  ProviderSim& operator=(const ProviderSim&) = delete;

  // A handler serving /_providers/… and passing everything else to `inner`.
  http::Handler Wrap(http::Handler inner);
  Status SetFaults(std::string_view spec);
  void Stop();  // pending delays and streams are dropped

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sf::sim
