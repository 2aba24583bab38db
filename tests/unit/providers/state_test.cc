// Breaker, encrypted key store and usage ledger.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>
#include <vector>

#include "providers/providers.h"

namespace sf::providers {
namespace {

using Ms = std::chrono::milliseconds;

TEST(BreakerTest, OpensAfterThresholdAndHalfOpensOneProbe) {
  BreakerOptions o;
  o.failure_threshold = 2;
  o.base_open = Ms(100);
  Breaker b(o);
  auto t = std::chrono::steady_clock::time_point(std::chrono::seconds(100));
  EXPECT_TRUE(b.Allow(t));
  b.OnFailure(FailureKind::kRetryable, t);
  EXPECT_EQ(b.state(t), BreakerState::kClosed);
  b.OnFailure(FailureKind::kRetryable, t);
  EXPECT_EQ(b.state(t), BreakerState::kOpen);
  EXPECT_FALSE(b.Allow(t + Ms(50)));
  EXPECT_TRUE(b.Allow(t + Ms(100)));   // the probe
  EXPECT_FALSE(b.Allow(t + Ms(101)));  // only one
  b.OnFailure(FailureKind::kRetryable, t + Ms(110));
  EXPECT_EQ(b.RemainingOpen(t + Ms(110)), Ms(200));  // doubled
  EXPECT_TRUE(b.Allow(t + Ms(310)));
  b.OnSuccess();
  EXPECT_EQ(b.state(t + Ms(310)), BreakerState::kClosed);
  EXPECT_TRUE(b.Allow(t + Ms(311)));
}

TEST(BreakerTest, RateLimitOpensForRetryAfterAndRejectedKeysDie) {
  Breaker b(BreakerOptions{});
  auto t = std::chrono::steady_clock::time_point(std::chrono::seconds(100));
  b.OnFailure(FailureKind::kRateLimited, t, Ms(3000));
  EXPECT_EQ(b.RemainingOpen(t), Ms(3000));
  EXPECT_FALSE(b.Allow(t + Ms(2999)));
  EXPECT_TRUE(b.Allow(t + Ms(3000)));
  b.OnAbandon();  // the probe's client went away: the next one may probe
  EXPECT_TRUE(b.Allow(t + Ms(3001)));
  b.OnFailure(FailureKind::kKeyRejected, t + Ms(3002));
  EXPECT_EQ(b.state(t + Ms(4000)), BreakerState::kDead);
  b.Reset();
  EXPECT_EQ(b.state(t + Ms(4000)), BreakerState::kClosed);
}

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/providers-state-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs_ = NewRealFileSystem();
    (void)fs_->RemoveAll(dir_);
  }
  std::string dir_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(StateDirTest, KeyStoreEncryptsAtRestWithAPrivateKeyFile) {
  const std::string secret = std::string("sk-") + "stored-through-the-api-9999";
  {
    auto ks = KeyStore::Open(dir_, *fs_);
    ASSERT_TRUE(ks.ok()) << ks.status().message();
    ASSERT_TRUE((*ks)
                    ->Add("openrouter", KeyConfig{.id = "openrouter#api-a",
                                                  .secret = secret,
                                                  .label = "a",
                                                  .priority = true,
                                                  .origin = "api"})
                    .ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/keys.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto raw = fs_->ReadFile(dir_ + "/keys.enc");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find(secret), std::string::npos);
  EXPECT_EQ(raw->find("stored-through"), std::string::npos);
  auto ks = KeyStore::Open(dir_, *fs_);
  ASSERT_TRUE(ks.ok());
  auto keys = (*ks)->List();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].key.secret, secret);
  EXPECT_EQ((*keys)[0].provider, "openrouter");
  EXPECT_TRUE((*keys)[0].key.priority);
  EXPECT_TRUE((*ks)->Remove("openrouter", "openrouter#api-a").ok());
  EXPECT_TRUE((*ks)->List()->empty());
  EXPECT_FALSE((*ks)->Remove("openrouter", "openrouter#api-a").ok());
}

TEST_F(StateDirTest, KeyFileReadableByOthersIsRefused) {
  ASSERT_TRUE(KeyStore::Open(dir_, *fs_).ok());
  ASSERT_EQ(::chmod((dir_ + "/keys.secret").c_str(), 0644), 0);
  auto ks = KeyStore::Open(dir_, *fs_);
  ASSERT_FALSE(ks.ok());
  EXPECT_NE(ks.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(StateDirTest, LedgerRecordsAndSummarises) {
  ASSERT_TRUE(fs_->CreateDirectories(dir_).ok());
  auto l = OpenLedger(dir_ + "/usage.sqlite");
  ASSERT_TRUE(l.ok()) << l.status().message();
  for (int i = 0; i < 5; ++i) {
    UsageRecord r;
    r.time_ms = 1000 + i;
    r.provider = "p";
    r.key_id = i < 3 ? "p#1" : "p#2";
    r.model = "m";
    r.status = i == 4 ? 503 : 200;
    r.outcome = i == 4 ? "error" : "ok";
    r.total_tokens = i == 4 ? -1 : 10;
    r.latency_ms = 2.5;
    r.attempts = 1;
    (*l)->Record(r);
  }
  auto recent = (*l)->Recent(10);
  ASSERT_TRUE(recent.ok()) << recent.status().message();
  ASSERT_EQ(recent->size(), 5u);
  EXPECT_EQ((*recent)[0].status, 503);
  EXPECT_EQ((*recent)[0].total_tokens, -1);
  EXPECT_EQ((*recent)[0].ttft_ms, -1);
  auto sum = (*l)->Summary();
  ASSERT_TRUE(sum.ok());
  ASSERT_EQ(sum->size(), 2u);
  EXPECT_EQ((*sum)[0].key_id, "p#1");
  EXPECT_EQ((*sum)[0].requests, 3);
  EXPECT_EQ((*sum)[0].total_tokens, 30);
  EXPECT_EQ((*sum)[1].errors, 1);
}

// The idle-priority writer gets little CPU while others record; a burst well past the backlog at
// which the normal-priority writer takes over (4,096) must still end with every record stored,
// none dropped.
TEST_F(StateDirTest, LedgerKeepsEveryRecordOfABurstFromSeveralThreads) {
  ASSERT_TRUE(fs_->CreateDirectories(dir_).ok());
  auto l = OpenLedger(dir_ + "/usage.sqlite");
  ASSERT_TRUE(l.ok()) << l.status().message();
  constexpr int kThreads = 4, kPerThread = 6000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        UsageRecord r;
        r.time_ms = i;
        r.provider = "p";
        r.key_id = "p#" + std::to_string(t);
        r.model = "m";
        r.status = 200;
        r.outcome = "ok";
        r.total_tokens = 1;
        r.attempts = 1;
        (*l)->Record(std::move(r));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto sum = (*l)->Summary();
  ASSERT_TRUE(sum.ok()) << sum.status().message();
  ASSERT_EQ(sum->size(), static_cast<std::size_t>(kThreads));
  for (const auto& row : *sum) {
    EXPECT_EQ(row.requests, kPerThread) << row.key_id;
    EXPECT_EQ(row.total_tokens, kPerThread) << row.key_id;
  }
  EXPECT_EQ((*l)->dropped(), 0u);
}

TEST_F(StateDirTest, LedgerOnAGarbageFileIsAClearError) {
  ASSERT_TRUE(fs_->CreateDirectories(dir_).ok());
  ASSERT_TRUE(fs_->WriteFileAtomic(dir_ + "/usage.sqlite", std::string(4096, 'x')).ok());
  auto l = OpenLedger(dir_ + "/usage.sqlite");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("usage.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace sf::providers
