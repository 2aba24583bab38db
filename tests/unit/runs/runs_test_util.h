// Shared fixtures for the runs tests: a temp store root, a fake clock, and a FileSystem wrapper
// that fails on purpose.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "core/core.h"
#include "runs/runs.h"

namespace sf::runs::testing_util {

// Delegates to a real filesystem; the Nth WriteFileAtomic / AppendLine after arming fails.
// A failing atomic write leaves a half-written temp file behind (like a crash would) and never
// touches the target; a failing append can optionally leave a torn half line in the file.
class FailingFileSystem final : public FileSystem {
 public:
  explicit FailingFileSystem(FileSystem& inner) : inner_(inner) {}

  void FailWriteAt(int n) { fail_write_at_ = write_calls_ + n; }
  void FailAppendAt(int n, bool leave_torn_line) {
    fail_append_at_ = append_calls_ + n;
    torn_ = leave_torn_line;
  }
  int write_calls() const { return write_calls_; }

  Result<std::string> ReadFile(const std::string& path, std::uint64_t max) const override {
    return inner_.ReadFile(path, max);
  }
  Status WriteFileAtomic(const std::string& path, std::string_view data) override {
    if (++write_calls_ == fail_write_at_) {
      (void)inner_.WriteFileAtomic(path + ".tmp.injected", data.substr(0, data.size() / 2));
      return IoError("injected write failure on " + path);
    }
    return inner_.WriteFileAtomic(path, data);
  }
  Status AppendLine(const std::string& path, std::string_view line) override {
    if (++append_calls_ == fail_append_at_) {
      if (torn_) {
        Result<std::string> old = inner_.ReadFile(path);
        std::string content = old.ok() ? *old : "";
        content.append(line.substr(0, line.size() / 2));  // no '\n': a torn line
        (void)inner_.WriteFileAtomic(path, content);
      }
      return IoError("injected append failure on " + path);
    }
    return inner_.AppendLine(path, line);
  }
  Status CreateDirectories(const std::string& path) override {
    return inner_.CreateDirectories(path);
  }
  bool Exists(const std::string& path) const override { return inner_.Exists(path); }
  bool IsDirectory(const std::string& path) const override { return inner_.IsDirectory(path); }
  Result<std::vector<std::string>> ListDirectory(const std::string& path) const override {
    return inner_.ListDirectory(path);
  }
  Status RemoveAll(const std::string& path) override { return inner_.RemoveAll(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return inner_.Rename(from, to);
  }

 private:
  FileSystem& inner_;
  int write_calls_ = 0, append_calls_ = 0;
  int fail_write_at_ = -1, fail_append_at_ = -1;
  bool torn_ = false;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline void AppendRaw(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << data;
}

// 2026-11-24T03:15:00Z
inline std::chrono::system_clock::time_point T0() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795490100));
}

class RunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/sf-runs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    real_ = NewRealFileSystem();
    fs_ = std::make_unique<FailingFileSystem>(*real_);
    OpenStore();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  void OpenStore() {
    store_.reset();
    auto s = RunStore::Open(root_, *fs_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  std::string NewId(int seconds_after_t0, std::uint32_t bits = 0x1a2b) {
    return MakeRunId(T0() + std::chrono::seconds(seconds_after_t0), bits);
  }
  std::string Create(int seconds_after_t0, std::string kind = "build") {
    std::string id = NewId(seconds_after_t0);
    Status s = store_->CreateRun(id, kind, "Qwen/Qwen2.5-0.5B-Instruct", nullptr);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }
  std::string StatePath(const std::string& id) { return store_->RunDir(id) + "/state.json"; }
  std::string EventsPath(const std::string& id) { return store_->RunDir(id) + "/events.jsonl"; }

  std::string root_;
  FakeClock clock_{T0()};
  std::unique_ptr<FileSystem> real_;
  std::unique_ptr<FailingFileSystem> fs_;
  std::unique_ptr<RunStore> store_;
};

}  // namespace sf::runs::testing_util
