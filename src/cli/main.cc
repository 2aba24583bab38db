#include <iostream>
#include <random>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto fs = sf::NewRealFileSystem();
  sf::SystemClock clock;
  sf::ProcessEnv env;
  auto http = sf::http::NewCurlHttpClient();
  auto runner = sf::spacegen::NewProcessRunner();
  std::mt19937 rng{std::random_device{}()};
  sf::cli::Context ctx{fs.get(),     &clock, &env,       http.get(), runner.get(),
                       [&] { return static_cast<std::uint32_t>(rng()); }, &std::cout, &std::cerr};
  return sf::cli::Run(args, ctx);
}
