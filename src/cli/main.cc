#include <iostream>
#include <mutex>
#include <random>

#include "cli/cli.h"

namespace {

// Creates the libcurl client on first use: curl_global_init loads OpenSSL, which costs milliseconds
// that `--version`, `analyze CARD.md` and `runs` should not pay.
class LazyCurlClient final : public sf::http::HttpClient {
 public:
  sf::Result<sf::http::Response> Send(const sf::http::Request& request) override {
    return Get().Send(request);
  }
  sf::Result<sf::http::Response> Stream(const sf::http::Request& request,
                                        const sf::http::HeadersCallback& on_headers,
                                        const sf::http::ChunkCallback& on_chunk) override {
    return Get().Stream(request, on_headers, on_chunk);
  }

 private:
  sf::http::HttpClient& Get() {
    std::call_once(once_, [this] { client_ = sf::http::NewCurlHttpClient(); });
    return *client_;
  }
  std::once_flag once_;
  std::unique_ptr<sf::http::HttpClient> client_;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto fs = sf::NewRealFileSystem();
  sf::SystemClock clock;
  sf::ProcessEnv env;
  LazyCurlClient http;
  auto runner = sf::spacegen::NewProcessRunner();
  std::mt19937 rng{std::random_device{}()};
  sf::cli::Context ctx{fs.get(),   &clock,       &env,
                       &http,      runner.get(), [&] { return static_cast<std::uint32_t>(rng()); },
                       &std::cout, &std::cerr};
  return sf::cli::Run(args, ctx);
}
