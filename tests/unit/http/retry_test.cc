#include <gtest/gtest.h>

#include "http/http.h"

namespace sf::http {
namespace {

using std::chrono::milliseconds;
using Tp = std::chrono::system_clock::time_point;

const Tp kNow = std::chrono::system_clock::from_time_t(1'780'000'000);  // a fixed instant

RetryPolicy MakePolicy(double r = 0.5, int max_attempts = 4) {
  RetryOptions o;
  o.max_attempts = max_attempts;
  o.initial_backoff = milliseconds(100);
  o.max_backoff = milliseconds(1000);
  o.max_server_wait = milliseconds(60'000);
  return RetryPolicy(o, [r] { return r; });
}

AttemptOutcome Status(int status, const Headers* h = nullptr) {
  return AttemptOutcome{status, h, Code::kOk};
}
AttemptOutcome Transport(Code c) { return AttemptOutcome{0, nullptr, c}; }

TEST(RetryPolicy, RetryableStatuses) {
  for (int s : {408, 429, 500, 502, 503, 504}) {
    EXPECT_TRUE(RetryPolicy::IsRetryableStatus(s)) << s;
    EXPECT_TRUE(MakePolicy().Decide(1, "GET", false, Status(s), kNow).retry) << s;
  }
  for (int s : {200, 201, 301, 400, 401, 403, 404, 409, 413, 501, 505}) {
    EXPECT_FALSE(MakePolicy().Decide(1, "GET", false, Status(s), kNow).retry) << s;
  }
}

TEST(RetryPolicy, ConnectionErrorsAndTimeoutsRetryButOthersDoNot) {
  auto p = MakePolicy();
  EXPECT_TRUE(p.Decide(1, "GET", false, Transport(Code::kUnavailable), kNow).retry);
  EXPECT_TRUE(p.Decide(1, "GET", false, Transport(Code::kTimeout), kNow).retry);
  EXPECT_FALSE(p.Decide(1, "GET", false, Transport(Code::kInvalidArgument), kNow).retry);
  EXPECT_FALSE(p.Decide(1, "GET", false, Transport(Code::kCancelled), kNow).retry);
}

TEST(RetryPolicy, NonIdempotentMethodsAreNeverRetriedWithoutOverride) {
  auto p = MakePolicy();
  for (const char* m : {"POST", "PATCH", "post"}) {
    auto d = p.Decide(1, m, false, Status(503), kNow);
    EXPECT_FALSE(d.retry) << m;
    EXPECT_NE(d.reason.find("not idempotent"), std::string::npos) << d.reason;
    EXPECT_FALSE(p.Decide(1, m, false, Transport(Code::kUnavailable), kNow).retry);
    EXPECT_TRUE(p.Decide(1, m, true, Status(503), kNow).retry) << m;
  }
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}) {
    EXPECT_TRUE(p.Decide(1, m, false, Status(503), kNow).retry) << m;
  }
}

TEST(RetryPolicy, BoundedAttempts) {
  auto p = MakePolicy(0.5, 3);
  EXPECT_TRUE(p.Decide(1, "GET", false, Status(503), kNow).retry);
  EXPECT_TRUE(p.Decide(2, "GET", false, Status(503), kNow).retry);
  EXPECT_FALSE(p.Decide(3, "GET", false, Status(503), kNow).retry);
  EXPECT_FALSE(MakePolicy(0.5, 1).Decide(1, "GET", false, Status(503), kNow).retry);
}

TEST(RetryPolicy, ExponentialBackoffWithFullJitterIsCapped) {
  // r = 1 (upper edge): 100, 200, 400, 800, then the cap 1000.
  auto hi = MakePolicy(1.0, 10);
  EXPECT_EQ(hi.Backoff(1), milliseconds(100));
  EXPECT_EQ(hi.Backoff(2), milliseconds(200));
  EXPECT_EQ(hi.Backoff(3), milliseconds(400));
  EXPECT_EQ(hi.Backoff(4), milliseconds(800));
  EXPECT_EQ(hi.Backoff(5), milliseconds(1000));
  EXPECT_EQ(hi.Backoff(60), milliseconds(1000));  // no overflow
  // Full jitter: the random source scales the whole window.
  EXPECT_EQ(MakePolicy(0.0).Backoff(3), milliseconds(0));
  EXPECT_EQ(MakePolicy(0.25).Backoff(3), milliseconds(100));
  EXPECT_EQ(MakePolicy(0.25, 10).Decide(3, "GET", false, Status(502), kNow).delay,
            milliseconds(100));
}

TEST(RetryPolicy, HonoursRetryAfterSecondsAndDate) {
  auto p = MakePolicy();
  Headers h = {{"retry-after", "7"}};
  auto d = p.Decide(1, "GET", false, Status(429, &h), kNow);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(7000));  // server-requested, not capped by max_backoff

  Headers date = {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  Tp before = std::chrono::system_clock::from_time_t(1445412480 - 3);  // 3 s earlier
  d = p.Decide(1, "GET", false, Status(503, &date), before);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(3000));
}

TEST(RetryPolicy, TooLongServerWaitIsNotWaitedFor) {
  auto p = MakePolicy();
  Headers h = {{"Retry-After", "3600"}};
  auto d = p.Decide(1, "GET", false, Status(429, &h), kNow);
  EXPECT_FALSE(d.retry);
  EXPECT_NE(d.reason.find("3600"), std::string::npos) << d.reason;
}

TEST(RetryPolicy, HonoursHubRateLimitHeader) {
  auto p = MakePolicy();
  Headers h = {{"RateLimit", "\"api\";r=0;t=12"},
               {"RateLimit-Policy", "\"fixed window\";q=500;w=300"}};
  auto d = p.Decide(1, "GET", false, Status(429, &h), kNow);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(12000));
}

TEST(RetryAfter, Parsing) {
  EXPECT_EQ(ParseRetryAfter("0", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter("", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
  Tp t = std::chrono::system_clock::from_time_t(784111777 - 10);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", t), milliseconds(10'000));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", t), milliseconds(10'000));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994", t), milliseconds(10'000));
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kNow), milliseconds(0));
}

TEST(RateLimit, Parsing) {
  EXPECT_EQ(ParseRateLimitReset({{"RateLimit", "\"api\";r=0;t=55"}}), milliseconds(55'000));
  EXPECT_EQ(ParseRateLimitReset({{"ratelimit", "\"api\";r=10;t=30"}}), milliseconds(30'000));
  // The exhausted policy wins over a longer one that still has room.
  EXPECT_EQ(ParseRateLimitReset({{"RateLimit", "\"a\";r=5;t=300, \"b\";r=0;t=20"}}),
            milliseconds(20'000));
  EXPECT_EQ(ParseRateLimitReset({{"RateLimit-Reset", "9"}}), milliseconds(9'000));
  EXPECT_EQ(ParseRateLimitReset({{"RateLimit", "\"api\";r=0"}}), std::nullopt);
  EXPECT_EQ(ParseRateLimitReset({{"RateLimit", "garbage;;;t=x"}}), std::nullopt);
  EXPECT_EQ(ParseRateLimitReset({}), std::nullopt);
  // Retry-After wins over RateLimit.
  EXPECT_EQ(
      ServerRequestedWait(429, {{"RateLimit", "\"api\";r=0;t=55"}, {"Retry-After", "2"}}, kNow),
      milliseconds(2'000));
  EXPECT_EQ(ServerRequestedWait(429, {{"RateLimit", "\"api\";r=0;t=55"}}, kNow),
            milliseconds(55'000));
  // The Hub sends RateLimit on every response: on a 503 it is not a request to wait.
  EXPECT_EQ(ServerRequestedWait(503, {{"RateLimit", "\"api\";r=999;t=300"}}, kNow), std::nullopt);
  EXPECT_EQ(ServerRequestedWait(503, {{"Retry-After", "3"}}, kNow), milliseconds(3'000));
}

TEST(Headers, FindIsCaseInsensitive) {
  Headers h = {{"Content-Type", "a"}, {"content-type", "b"}};
  EXPECT_EQ(FindHeader(h, "CONTENT-TYPE"), "a");
  EXPECT_EQ(FindHeader(h, "x"), std::nullopt);
}

TEST(Url, DecodeAndHost) {
  EXPECT_EQ(UrlDecode("refs%2Fpr%2F1"), "refs/pr/1");
  EXPECT_EQ(UrlDecode("a+b%20c", true), "a b c");
  EXPECT_EQ(UrlDecode("a+b"), "a+b");
  EXPECT_EQ(UrlHostForMessage("https://huggingface.co/api/models?token=secret"), "huggingface.co");
  EXPECT_EQ(UrlHostForMessage("http://127.0.0.1:8080/x?y"), "127.0.0.1:8080");
  EXPECT_EQ(UrlHostForMessage("::nonsense"), "(invalid URL)");
}

}  // namespace
}  // namespace sf::http
