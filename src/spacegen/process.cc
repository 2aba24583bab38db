// The real CommandRunner: fork + execvp (no shell), its own process group, stdout+stderr through
// one pipe, output capped, a wall-clock timeout enforced with SIGKILL on the whole group.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "spacegen/spacegen.h"

namespace sf::spacegen {
namespace {

constexpr size_t kOutputCap = 64 * 1024;

class ProcessRunner final : public CommandRunner {
 public:
  Result<Output> Run(const std::vector<std::string>& argv, const std::string& dir,
                     int timeout_seconds) override {
    if (argv.empty()) return InvalidArgument("empty command");
    if (timeout_seconds <= 0) return InvalidArgument("timeout must be positive");
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);

    int out_pipe[2];
    int err_pipe[2];  // reports an exec failure (CLOEXEC: closed without data on success)
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return IoError(std::string("pipe: ") + strerror(errno));
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
      close(out_pipe[0]);
      close(out_pipe[1]);
      return IoError(std::string("pipe: ") + strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
      int e = errno;
      for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
      return IoError(std::string("fork: ") + strerror(e));
    }
    if (pid == 0) {
      setpgid(0, 0);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, STDIN_FILENO);
      dup2(out_pipe[1], STDOUT_FILENO);
      dup2(out_pipe[1], STDERR_FILENO);
      int e = 0;
      if (!dir.empty() && chdir(dir.c_str()) != 0) {
        e = errno;
      } else {
        execvp(cargv[0], cargv.data());
        e = errno;
      }
      ssize_t ignored = write(err_pipe[1], &e, sizeof(e));
      (void)ignored;
      _exit(127);
    }
    setpgid(pid, pid);  // also from the parent, so the group exists before any kill
    close(out_pipe[1]);
    close(err_pipe[1]);

    Output result;
    bool timed_out = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    char buf[4096];
    bool open_fd = true;
    while (open_fd) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      pollfd pfd{out_pipe[0], POLLIN, 0};
      int rc = poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (rc < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (rc == 0) continue;
      ssize_t n = read(out_pipe[0], buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (n == 0) {
        open_fd = false;
        break;
      }
      size_t room = kOutputCap > result.output.size() ? kOutputCap - result.output.size() : 0;
      result.output.append(buf, std::min(room, static_cast<size_t>(n)));
    }
    if (timed_out) kill(-pid, SIGKILL);
    close(out_pipe[0]);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int exec_errno = 0;
    ssize_t got = read(err_pipe[0], &exec_errno, sizeof(exec_errno));
    close(err_pipe[0]);
    if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
      return Status(exec_errno == ENOENT ? Code::kNotFound : Code::kIo,
                    "cannot run '" + argv[0] + "' in '" + dir + "': " + strerror(exec_errno));
    }
    if (timed_out) {
      return Status(Code::kTimeout,
                    "'" + argv[0] + "' timed out after " + std::to_string(timeout_seconds) + " s");
    }
    if (result.output.size() >= kOutputCap) result.output += "\n[output truncated]";
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.exit_code = 128 + WTERMSIG(status);
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<CommandRunner> NewProcessRunner() { return std::make_unique<ProcessRunner>(); }

}  // namespace sf::spacegen
