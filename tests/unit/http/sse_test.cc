#include <gtest/gtest.h>

#include "http/http.h"

namespace sf::http {
namespace {

std::vector<SseEvent> ParseAll(std::string_view stream, std::size_t piece) {
  SseParser p;
  std::vector<SseEvent> out;
  for (std::size_t i = 0; i < stream.size(); i += piece) {
    EXPECT_TRUE(p.Feed(stream.substr(i, piece), [&](const SseEvent& e) {
      out.push_back(e);
      return true;
    }));
  }
  return out;
}

// Every split position and piece size must give the same events.
std::vector<SseEvent> ParseEverySplit(std::string_view stream) {
  auto whole = ParseAll(stream, stream.size() + 1);
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    auto got = ParseAll(stream, piece);
    EXPECT_EQ(got.size(), whole.size()) << "piece " << piece;
    for (std::size_t i = 0; i < std::min(got.size(), whole.size()); ++i) {
      EXPECT_EQ(got[i].data, whole[i].data) << "piece " << piece;
      EXPECT_EQ(got[i].event, whole[i].event) << "piece " << piece;
      EXPECT_EQ(got[i].id, whole[i].id) << "piece " << piece;
    }
  }
  return whole;
}

TEST(SseParser, BasicFieldsAndMultiLineData) {
  auto ev = ParseEverySplit(
      "event: update\nid: 7\ndata: line one\ndata: line two\n\n"
      "data:no-space\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "update");
  EXPECT_EQ(ev[0].id, "7");
  EXPECT_EQ(ev[0].data, "line one\nline two");
  EXPECT_EQ(ev[1].event, "message");
  EXPECT_EQ(ev[1].data, "no-space");
  EXPECT_EQ(ev[1].id, "7");  // the last event id persists
}

TEST(SseParser, CrLfAndBareCrLineEnds) {
  auto ev = ParseEverySplit("data: a\r\ndata: b\r\n\r\ndata: c\rdata: d\r\rdata: e\n\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].data, "a\nb");
  EXPECT_EQ(ev[1].data, "c\nd");
  EXPECT_EQ(ev[2].data, "e");
}

TEST(SseParser, CommentsAreIgnoredButReported) {
  SseParser p;
  std::vector<std::string> comments;
  p.set_on_comment([&](std::string_view c) { comments.emplace_back(c); });
  std::vector<SseEvent> out;
  p.Feed(": keep-alive\n\n:x\ndata: 1\n: mid\n\n", [&](const SseEvent& e) {
    out.push_back(e);
    return true;
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "1");
  EXPECT_EQ(comments, (std::vector<std::string>{"keep-alive", "x", "mid"}));
}

TEST(SseParser, SpecEdgeCases) {
  // From the WHATWG examples: "data" alone and "data:" give an empty line each.
  auto ev = ParseEverySplit("data\n\ndata\ndata\n\ndata:\n\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].data, "");
  EXPECT_EQ(ev[1].data, "\n");
  EXPECT_EQ(ev[2].data, "");
  // Only one leading space is stripped; unknown fields are ignored; an event without data is
  // not dispatched and its type does not leak into the next one.
  ev = ParseEverySplit("data:  two\nfoo: bar\n\nevent: ping\n\ndata: x\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, " two");
  EXPECT_EQ(ev[1].event, "message");
}

TEST(SseParser, IdRetryBomAndUnterminatedEvent) {
  SseParser p;
  std::vector<SseEvent> out;
  auto cb = [&](const SseEvent& e) {
    out.push_back(e);
    return true;
  };
  p.Feed("\xEF\xBB", cb);
  p.Feed(
      "\xBF"
      "data: a\nretry: 1500\nretry: x\nid: 1\n\nid\ndata: b\n\ndata: lost",
      cb);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, "a");
  EXPECT_EQ(out[0].id, "1");
  EXPECT_EQ(out[1].id, "");  // "id" with no value resets the last event id
  EXPECT_EQ(p.retry(), std::chrono::milliseconds(1500));
  // An id containing NUL is ignored.
  SseParser q;
  out.clear();
  q.Feed(std::string("id: 1\n\nid: a\0b\ndata: c\n\n", 24), cb);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, "1");
}

TEST(SseParser, CallbackCanStopAndLimitsAreEnforced) {
  SseParser p;
  int n = 0;
  EXPECT_FALSE(p.Feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) { return ++n < 1; }));
  EXPECT_EQ(n, 1);
  SseParser small(16);
  EXPECT_FALSE(small.Feed(std::string(100, 'x'), nullptr));
  EXPECT_TRUE(small.error());
}

TEST(SseFormat, RoundTrips) {
  SseEvent e;
  e.event = "complete";
  e.id = "42";
  e.data = "l1\nl2\r\nl3";
  EXPECT_EQ(FormatSseEvent(e), "event: complete\nid: 42\ndata: l1\ndata: l2\ndata: l3\n\n");
  auto ev = ParseEverySplit(FormatSseEvent(e) + FormatSseEvent(SseEvent{}));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data, "l1\nl2\nl3");
  EXPECT_EQ(ev[0].event, "complete");
  EXPECT_EQ(ev[1].data, "");
}

TEST(Router, PatternMatching) {
  std::map<std::string, std::string> p;
  EXPECT_TRUE(Router::Match("/api/spaces/{owner}/{name}", "/api/spaces/alice/demo", &p));
  EXPECT_EQ(p["owner"], "alice");
  EXPECT_EQ(p["name"], "demo");
  EXPECT_FALSE(Router::Match("/api/spaces/{owner}/{name}", "/api/spaces/alice", &p));
  EXPECT_FALSE(Router::Match("/api/spaces/{owner}/{name}", "/api/spaces/alice/demo/x", &p));
  EXPECT_FALSE(Router::Match("/api/spaces/{owner}/{name}", "/api/spaces//demo", &p));
  EXPECT_TRUE(Router::Match("/", "/", &p));
  EXPECT_FALSE(Router::Match("/a", "/a/", &p));
  EXPECT_TRUE(Router::Match("/{owner}/{name}/resolve/{rev}/{path...}",
                            "/alice/m/resolve/refs%2Fpr%2F1/dir/README.md", &p));
  EXPECT_EQ(p["rev"], "refs/pr/1");
  EXPECT_EQ(p["path"], "dir/README.md");
  EXPECT_FALSE(
      Router::Match("/{owner}/{name}/resolve/{rev}/{path...}", "/alice/m/resolve/main/", &p));
}

TEST(ServerRequest, QueryParams) {
  ServerRequest r;
  r.query = "search=speech+recognition&limit=5&flag&x=%2F";
  EXPECT_EQ(r.QueryParam("search"), "speech recognition");
  EXPECT_EQ(r.QueryParam("limit"), "5");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("x"), "/");
  EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
}

}  // namespace
}  // namespace sf::http
