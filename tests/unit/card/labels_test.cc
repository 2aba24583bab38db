// Runs the analysis over the 56 labelled real cards of shared/modelcards and measures agreement
// with the human labels: task exact match, blockers as sets (micro precision / recall).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "card/card.h"

namespace {

struct Label {
  std::string file;
  std::string declared;
  std::string expected_task;
  std::string blockers;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Label> ReadLabels(const std::string& dir) {
  std::vector<Label> labels;
  std::ifstream in(dir + "/labels.tsv");
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    auto cols = Split(line, '\t');
    if (cols.size() < 4) continue;
    labels.push_back({cols[0], cols[1], cols[2], cols[3]});
  }
  return labels;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ",") + x;
  return out.empty() ? "-" : out;
}

}  // namespace

TEST(CardLabels, AgreementWithHumanLabels) {
  const std::string dir = std::string(SF_TESTDATA_DIR) + "/modelcards";
  auto labels = ReadLabels(dir);
  ASSERT_EQ(labels.size(), 56u) << "labels.tsv not found or changed under " << dir;

  int task_total = 0, task_ok = 0;
  int tp = 0, fp = 0, fn = 0;
  double max_ms = 0;
  std::string slowest;
  std::ostringstream confusions;
  for (const auto& label : labels) {
    const std::string text = ReadFile(dir + "/" + label.file);
    ASSERT_FALSE(text.empty()) << label.file;
    auto parsed = sf::card::ParseCard(text);
    ASSERT_TRUE(parsed.ok()) << label.file << ": " << parsed.status().message();
    auto analysis = sf::card::AnalyzeCard(*parsed);
    auto json = sf::card::AnalysisToJson(analysis);
    {
      // Warm timing (the regexes are compiled once, on first use).
      constexpr int kRuns = 5;
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kRuns; ++i) {
        auto p = sf::card::ParseCard(text);
        auto j = sf::card::AnalysisToJson(sf::card::AnalyzeCard(*p));
        ASSERT_EQ(j, json);
      }
      auto t1 = std::chrono::steady_clock::now();
      double ms = std::chrono::duration<double, std::milli>(t1 - t0).count() / kRuns;
      if (ms > max_ms) {
        max_ms = ms;
        slowest = label.file;
      }
    }

    ++task_total;
    bool task_match = false;
    for (const auto& alt : Split(label.expected_task, '|')) {
      if (alt == json["task"].get<std::string>()) task_match = true;
    }
    if (task_match) {
      ++task_ok;
    } else {
      confusions << "  task  " << label.file << ": expected " << label.expected_task << ", got "
                 << json["task"].get<std::string>() << " (" << analysis.task_source << ")\n";
    }

    if (label.blockers == "unknown") continue;
    std::set<std::string> expected, got;
    if (label.blockers != "none") {
      for (const auto& b : Split(label.blockers, ',')) expected.insert(b);
    }
    for (const auto& b : json["blockers"]) got.insert(b["kind"].get<std::string>());
    std::set<std::string> missed, extra;
    for (const auto& e : expected) {
      if (got.count(e)) {
        ++tp;
      } else {
        ++fn;
        missed.insert(e);
      }
    }
    for (const auto& g : got) {
      if (!expected.count(g)) {
        ++fp;
        extra.insert(g);
      }
    }
    if (!missed.empty() || !extra.empty()) {
      confusions << "  block " << label.file << ": missed " << Join(missed) << ", false "
                 << Join(extra);
      for (const auto& b : analysis.blockers) {
        if (extra.count(std::string(sf::card::BlockerName(b.kind)))) {
          confusions << " [" << sf::card::BlockerName(b.kind) << " line " << b.line << ": "
                     << b.evidence.substr(0, 90) << "]";
        }
      }
      confusions << "\n";
    }
  }
  const double task_acc = task_total ? static_cast<double>(task_ok) / task_total : 0;
  const double precision = tp + fp ? static_cast<double>(tp) / (tp + fp) : 1.0;
  const double recall = tp + fn ? static_cast<double>(tp) / (tp + fn) : 1.0;
  std::cout << "card labels: task accuracy " << task_ok << "/" << task_total << " = " << task_acc
            << "; blockers precision " << tp << "/" << (tp + fp) << " = " << precision
            << ", recall " << tp << "/" << (tp + fn) << " = " << recall << "; slowest card "
            << slowest << " " << max_ms << " ms (parse + analyse + json, warm)\n";
  std::cout << "confusions:\n" << (confusions.str().empty() ? "  none\n" : confusions.str());
  EXPECT_GE(task_acc, 0.90);
  EXPECT_GE(precision, 0.85);
  EXPECT_GE(recall, 0.85);
}
