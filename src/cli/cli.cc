#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <ostream>

namespace sf::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk: return 0;
    case Code::kUnavailable:
    case Code::kRemote:
    case Code::kTimeout: return 3;
    default: return 2;
  }
}

int Run(const std::vector<std::string>& args, Context& ctx) {
  CLI::App app{"spacefactory: turn Hugging Face models into private, validated Spaces"};
  app.set_version_flag("--version", std::string(Version()));
  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  }
  return 0;
}

}  // namespace sf::cli
