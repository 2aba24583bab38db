// Child processes for the black-box validate tests: a long-running server (the gradio fixture apps,
// `spacefactory sim`) read until a marker line, and one-shot commands with their exit code.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace sf::factory::testing_util {

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

// A server child: stdout is a pipe we read until `marker`; SIGTERM then SIGKILL on destruction.
class ChildServer {
 public:
  ChildServer() = default;
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;
  ~ChildServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && pid_ > 0; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
        if (pid_ > 0) ::usleep(100'000);
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (out_ >= 0) ::close(out_);
  }

  // Starts argv[0] (a path) with the current environment plus `extra_env` (entries whose names
  // are set here replace the inherited ones). Returns "" once `marker` was printed, else why not.
  std::string Start(std::vector<std::string> args, const std::vector<std::string>& extra_env,
                    const std::string& marker, std::chrono::seconds timeout) {
    if (::access(args[0].c_str(), X_OK) != 0) return "not executable: " + args[0];
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_store = extra_env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv(*e);
      bool replaced = false;
      for (const auto& x : extra_env)
        if (kv.substr(0, kv.find('=') + 1) == x.substr(0, x.find('=') + 1)) replaced = true;
      if (!replaced) env_store.push_back(kv);
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
    int rc = posix_spawn(&pid_, args[0].c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      return "posix_spawn failed for " + args[0];
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 200) > 0) {
        char buf[4096];
        ssize_t n = ::read(out_, buf, sizeof(buf));
        if (n > 0) output_.append(buf, static_cast<std::size_t>(n));
        if (output_.find(marker) != std::string::npos) return {};
        if (n == 0) break;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return args[0] + " exited (status " + std::to_string(status) + ") before printing " +
               marker + "; output: " + output_;
      }
    }
    return args[0] + " did not print " + marker + " in time; output: " + output_;
  }

  const std::string& output() const { return output_; }

  // The value of a "NAME=value" line of the output.
  std::string Value(const std::string& name) const {
    auto p = output_.find(name + "=");
    if (p == std::string::npos) return {};
    p += name.size() + 1;
    return output_.substr(p, output_.find('\n', p) - p);
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
};

// Runs a shell command line; stderr goes to /dev/null.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace sf::factory::testing_util
