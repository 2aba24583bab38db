// cli: argument parsing and the commands. Thin: each command parses flags, calls a module, and maps
// the resulting Status to an exit code (0 ok, 1 run finished with a non-success status, 2 usage or
// config error, 3 remote/network error).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/core.h"
#include "http/http.h"
#include "spacegen/spacegen.h"

namespace sf::cli {

// Everything a command touches from the outside world; tests build one with fakes.
struct Context {
  FileSystem* fs;
  const Clock* clock;
  const Env* env;
  http::HttpClient* http;           // null: no network
  spacegen::CommandRunner* runner;  // runs python3 for static checks
  std::function<std::uint32_t()> random;
  std::ostream* out;
  std::ostream* err;
};

// Runs the command line (argv[0] excluded) and returns the process exit code.
int Run(const std::vector<std::string>& args, Context& ctx);

// Maps a Status to the exit code of DESIGN.md §1.
int ExitCodeFor(const Status& status);

}  // namespace sf::cli
