// Fidelity against real Gradio: the fixture apps of tests/e2e/gradio_apps/ run with the pinned
// `gradio` from tests/.venv on loopback; our client (over libcurl) discovers each endpoint from
// /info, calls it (the /call API, and the queue protocol once), downloads FileData outputs and
// checks their types. A venv without gradio is a failure, not a skip.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "gradio/gradio.h"

extern char** environ;

namespace sf::gradio {
namespace {

using nlohmann::json;

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return -1;
  }
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The python fixture server as a child process; killed (SIGTERM, then SIGKILL) on destruction.
class AppServer {
 public:
  ~AppServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        ::usleep(100'000);
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (out_ >= 0) ::close(out_);
  }

  // Starts `python serve.py name=port…` and waits for its READY line. An error string on failure.
  std::string Start(const std::vector<std::pair<std::string, int>>& apps) {
    // SF_GRADIO_PYTHON overrides the interpreter (to check that a python without gradio fails).
    const char* override_python = std::getenv("SF_GRADIO_PYTHON");
    const std::string python = override_python != nullptr
                                   ? std::string(override_python)
                                   : std::string(SF_SOURCE_DIR) + "/tests/.venv/bin/python";
    const std::string script = std::string(SF_SOURCE_DIR) + "/tests/e2e/gradio_apps/serve.py";
    if (::access(python.c_str(), X_OK) != 0)
      return "no python at " + python + " (run scripts/install-deps.sh)";
    std::vector<std::string> args = {python, script};
    for (const auto& [name, port] : apps) args.push_back(name + "=" + std::to_string(port));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_store = {"GRADIO_ANALYTICS_ENABLED=False", "HF_HUB_OFFLINE=1",
                                          "NO_PROXY=127.0.0.1,localhost",
                                          "no_proxy=127.0.0.1,localhost", "PYTHONUNBUFFERED=1"};
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv(*e);
      if (kv.rfind("GRADIO_", 0) == 0 || kv.rfind("NO_PROXY=", 0) == 0 ||
          kv.rfind("no_proxy=", 0) == 0 || kv.rfind("HF_HUB_OFFLINE=", 0) == 0) {
        continue;
      }
      env_store.push_back(kv);
    }
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);

    int fds[2];
    if (::pipe(fds) != 0) return "pipe failed";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    int rc = posix_spawn(&pid_, python.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      return "posix_spawn failed";
    }
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 500) > 0) {
        char buf[4096];
        ssize_t n = ::read(out_, buf, sizeof(buf));
        if (n > 0) seen.append(buf, static_cast<std::size_t>(n));
        if (seen.find("READY") != std::string::npos) return {};
        if (n == 0) break;  // stdout closed: the child is gone
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return "the gradio fixture server exited (status " + std::to_string(status) +
               ") before it was ready; is gradio installed in tests/.venv? (see stderr above)";
      }
    }
    return "the gradio fixture server was not ready within 45 s; output: " + seen;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// Input values for an endpoint's parameters: text for text inputs, an uploaded PNG for images.
json BuildInputs(Client& client, const Endpoint& ep) {
  json data = json::array();
  for (const auto& p : ep.parameters) {
    if (KindOfComponent(p.component) == OutputKind::kImage) {
      std::string png = ReadFile(std::string(SF_SOURCE_DIR) + "/tests/e2e/gradio_apps/input.png");
      EXPECT_EQ(DetectMediaType(png), MediaType::kPng);
      auto fd = client.UploadAsFileData({"input.png", "image/png", png});
      EXPECT_TRUE(fd.ok()) << fd.status().ToString();
      data.push_back(fd.ok() ? *fd : json());
    } else {
      data.push_back("a red fox in the snow");
    }
  }
  return data;
}

TEST(GradioFidelity, RealGradioFixtureApps) {
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  // The gradio major under test: 6 (tests/.venv) by default; tests/CMakeLists.txt registers a
  // second run with SF_GRADIO_PYTHON=tests/.venv-gradio5/bin/python and SF_GRADIO_MAJOR=5.
  const char* major_env = std::getenv("SF_GRADIO_MAJOR");
  const std::string major = major_env != nullptr ? major_env : "6";
  // gr.Interface endpoints are named after the function on 6.x, "/predict" on 4.x/5.x.
  auto name = [&](const char* fn) { return major == "6" ? std::string(fn) : "/predict"; };
  struct Case {
    std::string app;
    std::string endpoint;
    OutputKind kind;
    std::vector<MediaType> media;
  };
  const std::vector<Case> cases = {
      {"text_to_text", name("/echo_text"), OutputKind::kText, {}},
      {"text_to_image",
       name("/make_image"),
       OutputKind::kImage,
       {MediaType::kPng, MediaType::kWebp, MediaType::kJpeg}},
      {"text_to_audio", name("/make_audio"), OutputKind::kAudio, {MediaType::kWav}},
      {"image_to_label", name("/classify_image"), OutputKind::kLabel, {}},
  };
  std::vector<std::pair<std::string, int>> ports;
  for (const auto& c : cases) {
    int p = FreePort();
    ASSERT_GT(p, 0);
    ports.emplace_back(c.app, p);
  }
  AppServer server;
  const std::string err = server.Start(ports);
  ASSERT_TRUE(err.empty()) << err;

  http::ClientOptions http_options;
  http_options.max_attempts = 1;
  auto http = http::NewCurlHttpClient(http_options);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.app);
    Client client(*http, {.root_url = "http://127.0.0.1:" + std::to_string(ports[i].second)});
    auto info = client.LoadInfo();
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_EQ(client.config()->api_prefix, "/gradio_api");
    EXPECT_EQ(client.config()->version.substr(0, 2), major + ".");  // the pinned gradio
    ASSERT_FALSE(info->endpoints.empty());
    const Endpoint& ep = info->endpoints.front();  // discovered, not hard-coded
    EXPECT_EQ(ep.name, c.endpoint);
    ASSERT_EQ(ep.returns.size(), 1u);
    EXPECT_EQ(KindOfComponent(ep.returns[0].component), c.kind);

    json inputs = BuildInputs(client, ep);
    auto r = client.Call(ep.name, inputs, {.total_timeout = std::chrono::seconds(30)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->protocol, "call");
    auto checked = client.CheckOutput(ep, *r);
    ASSERT_TRUE(checked.ok()) << checked.status().ToString();
    const CheckedOutput& out = checked->at(0);
    if (!c.media.empty()) {
      ASSERT_TRUE(out.bytes.has_value());
      EXPECT_NE(std::find(c.media.begin(), c.media.end(), out.media), c.media.end())
          << MediaTypeName(out.media);
    }
    if (c.kind == OutputKind::kText) {
      EXPECT_EQ(out.value, "echo: a red fox in the snow");
    }
    if (c.kind == OutputKind::kLabel) {
      EXPECT_TRUE(out.value.contains("label")) << out.value.dump();
    }

    // The full queue protocol gives the same answer (and the server-side duration).
    auto q = client.CallViaQueue(ep.name, BuildInputs(client, ep),
                                 {.total_timeout = std::chrono::seconds(30)});
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(q->protocol, "queue");
    EXPECT_TRUE(client.CheckOutput(ep, *q).ok());
    if (c.kind == OutputKind::kText) {
      EXPECT_EQ(q->data, r->data);
    }
  }

  // A wrong declared type is caught against real bytes: the image output checked as audio.
  Client image_client(*http, {.root_url = "http://127.0.0.1:" + std::to_string(ports[1].second)});
  auto info = image_client.LoadInfo();
  ASSERT_TRUE(info.ok());
  Endpoint as_audio = info->endpoints.front();
  as_audio.returns[0].component = "Audio";
  auto r = image_client.Call(as_audio.name, json::array({"x"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto checked = image_client.CheckOutput(as_audio, *r);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), Code::kFailedPrecondition);

  // An unknown endpoint is a clear error, not a hang.
  auto missing = image_client.Call("/no_such_endpoint", json::array({"x"}),
                                   {.total_timeout = std::chrono::seconds(10)});
  ASSERT_FALSE(missing.ok());
}

}  // namespace
}  // namespace sf::gradio
