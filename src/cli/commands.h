// The commands behind cli::Run. Each returns the process exit code.
#pragma once

#include <optional>
#include <string>

#include "cli/cli.h"

namespace sf::cli {

struct CommonFlags {
  bool json = false;
  std::string store;  // empty: DefaultStoreRoot
};

struct BuildFlags {
  std::string input;
  bool dry_run = false;
  std::string hardware;  // "", "cpu-basic", "zero-a10g"
  int gpu_duration = 60;
  std::string model_id;
};

int CmdBuild(const BuildFlags& flags, const CommonFlags& common, Context& ctx, bool use_demo_card);
int CmdAnalyze(const std::string& input, const CommonFlags& common, Context& ctx);
int CmdRuns(const std::string& run_id, int limit, bool rebuild, const CommonFlags& common,
            Context& ctx);

}  // namespace sf::cli
