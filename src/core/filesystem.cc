#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/core.h"

namespace sf {
namespace {

namespace stdfs = std::filesystem;

Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  Code code = err == ENOENT                     ? Code::kNotFound
              : (err == EACCES || err == EPERM) ? Code::kPermissionDenied
                                                : Code::kIo;
  return Status(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

// Closes the descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

void SyncParentDir(const std::string& path) {
  std::string dir = stdfs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) const override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
    if (S_ISDIR(st.st_mode)) return InvalidArgument(path + " is a directory, not a file");
    if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
      return InvalidArgument(path + " is too large (" + std::to_string(st.st_size) +
                             " bytes, limit " + std::to_string(max_bytes) + ")");
    std::string out;
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot read", path, errno);
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data) override {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rng());
    {
      Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (fd.get() < 0) return ErrnoStatus("cannot create", tmp, errno);
      Status s = WriteAll(fd.get(), data, tmp);
      if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoStatus("cannot fsync", tmp, errno);
      if (!s.ok()) {
        ::unlink(tmp.c_str());
        return s;
      }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoStatus("cannot rename into", path, err);
    }
    SyncParentDir(path);
    return Status::Ok();
  }

  Status AppendLine(const std::string& path, std::string_view line) override {
    bool created = !Exists(path);
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
    std::string buf;
    buf.reserve(line.size() + 1);
    buf.append(line);
    buf.push_back('\n');
    // One write() of the whole line: O_APPEND keeps concurrent lines from interleaving.
    SF_RETURN_IF_ERROR(WriteAll(fd.get(), buf, path));
    if (::fsync(fd.get()) != 0) return ErrnoStatus("cannot fsync", path, errno);
    if (created) SyncParentDir(path);
    return Status::Ok();
  }

  Status CreateDirectories(const std::string& path) override {
    std::error_code ec;
    stdfs::create_directories(path, ec);
    if (ec) return IoError("cannot create directory " + path + ": " + ec.message());
    return Status::Ok();
  }

  bool Exists(const std::string& path) const override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }

  bool IsDirectory(const std::string& path) const override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  Result<std::vector<std::string>> ListDirectory(const std::string& path) const override {
    std::error_code ec;
    std::vector<std::string> names;
    for (stdfs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) {
      Code code = ec == std::errc::no_such_file_or_directory ? Code::kNotFound : Code::kIo;
      return Status(code, "cannot list " + path + ": " + ec.message());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status RemoveAll(const std::string& path) override {
    std::error_code ec;
    stdfs::remove_all(path, ec);
    if (ec) return IoError("cannot remove " + path + ": " + ec.message());
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("cannot rename", from, errno);
    SyncParentDir(to);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewRealFileSystem() { return std::make_unique<RealFileSystem>(); }

}  // namespace sf
