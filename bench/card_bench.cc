// Card pipeline benchmark: parse + analyse + generate for every card of tests/data/modelcards,
// repeated, reporting per-card latency percentiles side by side for each stage and the ratio of the
// whole to the 5 ms per-card target.
//
// Usage: card_bench [MODELCARDS_DIR] [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "card/card.h"
#include "spacegen/spacegen.h"

namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : SF_TESTDATA_DIR "/modelcards";
  int repeats = argc > 2 ? std::atoi(argv[2]) : 50;
  std::vector<std::string> cards;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".md" || e.path().filename() == "README.md") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    cards.push_back(ss.str());
  }
  if (cards.empty()) {
    std::fprintf(stderr, "no cards in %s\n", dir.c_str());
    return 2;
  }
  std::vector<double> parse_us, analyze_us, generate_us, total_us;
  int generated = 0;
  for (int r = 0; r < repeats; ++r) {
    for (const auto& text : cards) {
      auto t0 = Clock::now();
      auto parsed = sf::card::ParseCard(text);
      auto t1 = Clock::now();
      if (!parsed.ok()) continue;
      auto analysis = sf::card::AnalyzeCard(*parsed);
      auto t2 = Clock::now();
      if (analysis.model_id.empty()) analysis.model_id = "bench/model";
      auto space = sf::spacegen::GenerateSpace(analysis, {});
      auto t3 = Clock::now();
      generated += space.ok() ? 1 : 0;
      parse_us.push_back(Micros(t1 - t0));
      analyze_us.push_back(Micros(t2 - t1));
      generate_us.push_back(Micros(t3 - t2));
      total_us.push_back(Micros(t3 - t0));
    }
  }
  std::printf("cards: %zu, repeats: %d, samples: %zu, spaces generated per pass: %d\n",
              cards.size(), repeats, total_us.size(), generated / std::max(repeats, 1));
  std::printf("%-10s %10s %10s %10s\n", "stage", "p50 us", "p90 us", "max us");
  auto row = [](const char* name, const std::vector<double>& v) {
    std::printf("%-10s %10.1f %10.1f %10.1f\n", name, Percentile(v, 0.5), Percentile(v, 0.9),
                Percentile(v, 1.0));
  };
  row("parse", parse_us);
  row("analyze", analyze_us);
  row("generate", generate_us);
  row("total", total_us);
  double p50 = Percentile(total_us, 0.5);
  std::printf("per-card p50 %.3f ms = %.3fx the 5 ms target (lower is better)\n", p50 / 1000.0,
              p50 / 5000.0);
  return 0;
}
