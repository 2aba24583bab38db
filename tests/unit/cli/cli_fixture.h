// Shared by the black-box tests of the spacefactory binary: a fixture that runs it with a clean,
// offline environment and a fresh store, and `spacefactory sim` as a child process.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace sf_cli_test {

namespace fs = std::filesystem;

inline std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

inline std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("sf_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = dir_ / "store";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the binary with a clean, offline environment (no token, an endpoint nobody listens on).
  Outcome Run(const std::vector<std::string>& args, const std::string& extra_env = "") {
    std::string cmd =
        "env -i PATH=/usr/bin:/bin HOME=" + Quote(dir_.string()) +
        " HF_ENDPOINT=http://127.0.0.1:9 SPACE_FACTORY_STORE=" + Quote(store_.string()) + " " +
        extra_env + " " + Quote(SF_BINARY);
    for (const auto& a : args) cmd += " " + Quote(a);
    cmd += " >" + Quote((dir_ / "out").string()) + " 2>" + Quote((dir_ / "err").string());
    int rc = std::system(cmd.c_str());
    Outcome o;
    o.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    o.out = Slurp(dir_ / "out");
    o.err = Slurp(dir_ / "err");
    return o;
  }

  fs::path Write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  int RunDirs() {
    if (!fs::exists(store_ / "runs")) return 0;
    int n = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(store_ / "runs")) ++n;
    return n;
  }

  static int Lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
  }

  fs::path dir_;
  fs::path store_;
};

// `spacefactory sim` as a child process on a free port; stopped (SIGTERM) on destruction.
class SimProcess {
 public:
  explicit SimProcess(const std::string& data_dir, std::vector<std::string> extra_args = {}) {
    std::vector<std::string> args = {SF_BINARY, "sim", "--port", "0", "--data", data_dir};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execv(SF_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* f = ::fdopen(fds[0], "r");
    char line[512];
    while (f && std::fgets(line, sizeof line, f)) {
      std::string l(line);
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
      if (l.rfind("HF_ENDPOINT=", 0) == 0) endpoint_ = l.substr(12);
      if (l.rfind("HF_TOKEN=", 0) == 0) token_ = l.substr(9);
      if (!endpoint_.empty() && !token_.empty()) break;
    }
    out_ = f;
  }
  ~SimProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_) std::fclose(out_);
  }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& token() const { return token_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string endpoint_, token_;
};

}  // namespace sf_cli_test
