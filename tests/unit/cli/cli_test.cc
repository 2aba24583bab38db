// Black-box tests of the spacefactory binary: exit codes, one-line errors, nothing half-written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string Slurp(const fs::path& p) {
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

TEST_F(CliTest, VersionAndUsage) {
  Outcome v = Run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("0.1.0"), std::string::npos);
  Outcome none = Run({});
  EXPECT_EQ(none.exit_code, 2);
  Outcome bad = Run({"build"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(Lines(bad.err), 1) << bad.err;
  Outcome flag = Run({"build", "x.md", "--hardware", "h100x8"});
  EXPECT_EQ(flag.exit_code, 2);
}

TEST_F(CliTest, BadInputsGiveOneLineErrorsAndNoRun) {
  std::vector<std::pair<std::string, fs::path>> inputs = {
      {"empty", Write("empty.md", "")},
      {"binary", Write("binary.md", std::string("\x7f"
                                                "ELF\0\0\x01\x02",
                                                8) +
                                        std::string(64, '\0'))},
      {"non-utf8", Write("latin1.md", "---\nlicense: mit\n---\nCaf\xe9 na\xefve model\n")},
      {"huge front matter",
       Write("hugefm.md", "---\n" + std::string(2u << 20, '#') + "\n---\nbody\n")},
      {"20 MB card", Write("big.md", std::string(20u << 20, 'a'))},
      {"directory", dir_},
      {"missing file", dir_ / "does-not-exist.md"},
  };
  for (const auto& [what, path] : inputs) {
    Outcome o = Run({"build", path.string()});
    EXPECT_EQ(o.exit_code, 2) << what << ": " << o.err;
    EXPECT_EQ(Lines(o.err), 1) << what << ": " << o.err;
    EXPECT_EQ(o.err.rfind("error: ", 0), 0u) << what << ": " << o.err;
    EXPECT_EQ(RunDirs(), 0) << what;
    Outcome a = Run({"analyze", path.string()});
    EXPECT_EQ(a.exit_code, 2) << what << ": " << a.err;
  }
}

TEST_F(CliTest, ModelIdWithUnreachableHubExits3AndWritesNothing) {
  Outcome o = Run({"build", "Qwen/Qwen2.5-0.5B-Instruct"});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_EQ(Lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("cannot reach the Hub at http://127.0.0.1:9"), std::string::npos) << o.err;
  EXPECT_EQ(RunDirs(), 0);
  EXPECT_FALSE(fs::exists(store_ / "runs"));
  Outcome url = Run({"analyze", "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct"});
  EXPECT_EQ(url.exit_code, 3) << url.err;
}

TEST_F(CliTest, TokenNeverPrinted) {
  // Assembled at run time so the source holds nothing that looks like a real token.
  const std::string token = std::string("hf_") + "ThisIsAFakeTokenForTests0123456789";
  Outcome o = Run({"build", "Qwen/Qwen2.5-0.5B-Instruct", "--json"}, "HF_TOKEN=" + token);
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.err.find(token), std::string::npos);
  EXPECT_EQ(o.out.find(token), std::string::npos);
}

TEST_F(CliTest, DemoBuildsAndRunsListsIt) {
  Outcome o = Run({"demo", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  auto state = nlohmann::json::parse(o.out);
  EXPECT_EQ(state["status"], "generated_only");
  EXPECT_EQ(state["simulated"], false);
  EXPECT_EQ(state["analysis"]["task"], "text-generation");
  std::string id = state["run_id"];
  fs::path run = store_ / "runs" / id;
  EXPECT_TRUE(fs::exists(run / "generated" / "app.py"));
  EXPECT_TRUE(fs::exists(run / "tests" / "static_checks.json"));
  std::string report = Slurp(run / "report.md");
  EXPECT_NE(report.find("generated_only"), std::string::npos);

  Outcome list = Run({"runs", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto runs = nlohmann::json::parse(list.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_id"], id);
  EXPECT_EQ(runs[0]["status"], "generated_only");

  Outcome show = Run({"runs", id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("status:  generated_only"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("report.md"), std::string::npos);

  Outcome missing = Run({"runs", "20200101T000000Z-0000"});
  EXPECT_EQ(missing.exit_code, 2);
  Outcome bogus = Run({"runs", "../../etc/passwd"});
  EXPECT_EQ(bogus.exit_code, 2);
}

TEST_F(CliTest, AnalyzeJsonShape) {
  fs::path card = fs::path(SF_TESTDATA_DIR) / "modelcards" / "048.md";
  Outcome o = Run({"analyze", card.string(), "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j["task"].is_string());
  ASSERT_TRUE(j["blockers"].is_array());
  for (const auto& b : j["blockers"]) {
    EXPECT_TRUE(b["kind"].is_string());
    EXPECT_TRUE(b["evidence"].is_string());
  }
}

TEST_F(CliTest, HardBlockerCardEndsAsTechnicalBlocker) {
  fs::path card = fs::path(SF_TESTDATA_DIR) / "modelcards" / "048.md";  // custom CUDA kernels
  Outcome o = Run({"build", card.string(), "--json"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  auto state = nlohmann::json::parse(o.out);
  EXPECT_EQ(state["status"], "technical_blocker");
  std::string report = Slurp(store_ / "runs" / state["run_id"].get<std::string>() / "report.md");
  EXPECT_NE(report.find("custom_cuda"), std::string::npos);
  EXPECT_NE(report.find("hard"), std::string::npos);
}

}  // namespace

namespace {

// `spacefactory sim` as a child process on a free port; stopped (SIGTERM) on destruction.
class SimProcess {
 public:
  explicit SimProcess(const std::string& data_dir) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(SF_BINARY, SF_BINARY, "sim", "--port", "0", "--data", data_dir.c_str(),
              "--no-python-check", static_cast<char*>(nullptr));
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

TEST_F(CliTest, AgainstTheSimulator) {
  SimProcess sim(SF_SOURCE_DIR "/tests/data/sim");
  ASSERT_FALSE(sim.endpoint().empty());
  ASSERT_EQ(sim.token().rfind("hf_", 0), 0u);
  const std::string env =
      "HF_ENDPOINT=" + Quote(sim.endpoint()) + " HF_TOKEN=" + Quote(sim.token());

  Outcome who = Run({"whoami", "--json"}, env);
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_EQ(nlohmann::json::parse(who.out)["name"], "sim-user");
  EXPECT_EQ(who.out.find(sim.token()), std::string::npos);

  Outcome search = Run({"search", "models", "tiny", "--limit", "5", "--json"}, env);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  auto found = nlohmann::json::parse(search.out);
  ASSERT_TRUE(found.is_array());
  ASSERT_FALSE(found.empty());
  for (const auto& m : found) EXPECT_NE(m["id"].get<std::string>().find("tiny"), std::string::npos);

  // The card and the file list come from the (simulated) Hub; the GGUF-only repo's files make the
  // blocker, not the card's words alone.
  Outcome gguf = Run({"analyze", "sim-org/llama-gguf", "--json"}, env);
  ASSERT_EQ(gguf.exit_code, 0) << gguf.err;
  auto analysis = nlohmann::json::parse(gguf.out);
  EXPECT_EQ(analysis["model_id"], "sim-org/llama-gguf");
  bool gguf_only = false;
  for (const auto& b : analysis["blockers"]) gguf_only |= b["kind"] == "gguf_only";
  EXPECT_TRUE(gguf_only) << gguf.out;

  Outcome build = Run({"build", "sim-org/tiny-gpt2", "--json"}, env);
  ASSERT_EQ(build.exit_code, 0) << build.err;
  auto state = nlohmann::json::parse(build.out);
  EXPECT_EQ(state["status"], "generated_only");
  EXPECT_EQ(state["card_source"], "hub:sim-org/tiny-gpt2");
  EXPECT_EQ(build.out.find(sim.token()), std::string::npos);

  // Private repo of another user: not found, exit 2, nothing written.
  int before = RunDirs();
  Outcome priv = Run({"build", "sim-other/private-model"}, env);
  EXPECT_EQ(priv.exit_code, 2) << priv.err;
  EXPECT_NE(priv.err.find("not found"), std::string::npos);
  EXPECT_EQ(RunDirs(), before);

  // A bad token is a permission error, not "not found".
  Outcome bad =
      Run({"whoami"}, "HF_ENDPOINT=" + Quote(sim.endpoint()) + " HF_TOKEN=hf_wrongwrongwrongwrong");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(bad.err.find("hf_wrongwrong"), std::string::npos);
}

}  // namespace

namespace {

TEST_F(CliTest, RunOfADeadProcessShowsAsInterrupted) {
  Outcome demo = Run({"demo", "--json"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  std::string id = nlohmann::json::parse(demo.out)["run_id"];
  // Pretend the run was killed mid-flight: status running, owned by a process that has exited.
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  fs::path state_path = store_ / "runs" / id / "state.json";
  auto state = nlohmann::json::parse(Slurp(state_path));
  state["status"] = "running";
  state["pid"] = child;
  std::ofstream(state_path) << state.dump();

  Outcome list = Run({"runs", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto runs = nlohmann::json::parse(list.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "interrupted");
  EXPECT_EQ(nlohmann::json::parse(Slurp(state_path))["status"], "interrupted");
}

}  // namespace
