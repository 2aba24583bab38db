#include <unistd.h>

#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto fs = sf::NewRealFileSystem();
  sf::SystemClock clock;
  sf::ProcessEnv env;
  sf::cli::Context ctx{fs.get(), &clock, &env, &std::cout, &std::cerr, ::isatty(1) == 1};
  return sf::cli::Run(args, ctx);
}
