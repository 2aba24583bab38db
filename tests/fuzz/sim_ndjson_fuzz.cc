// libFuzzer target for the simulator's NDJSON commit parser (src/sim/commit_ndjson.cc) and the
// fault-spec parser: arbitrary bytes must give a value or a clean error, never a crash.
// Links only sf_sim_parsers + sf_core (no Beast), so it builds with clang++ -fsanitize=fuzzer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/commit_ndjson.h"
#include "sim/faults.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = sf::sim::ParseCommitNdjson(input);
  if (parsed.ok()) {
    for (const auto& op : parsed->ops) {
      std::string why;
      if (!sf::sim::IsValidRepoPath(op.path, &why)) __builtin_trap();  // parser let a bad path in
    }
  }
  if (size < 4096) {
    auto rules = sf::sim::ParseFaultSpec(input);
    if (rules.ok()) {
      sf::sim::FaultInjector f(1);
      (void)f.Set(input);
      (void)f.Decide("GET", input.substr(0, 64));
    }
  }
  return 0;
}
