// What the server reads and writes on the wire, byte for byte, through a raw socket: requests
// parsed by Beast straight into ServerRequest (pipelined, chunked, 100-continue, HTTP/1.0), and
// response heads written by wire.h (framing owned by the connection, fields checked before they
// are sent, statuses without a body).
#include "http/wire.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "http/http.h"

namespace sf::http {
namespace {

using namespace std::chrono_literals;

// A blocking loopback connection with a receive timeout, so a server bug fails the test instead
// of hanging it.
class RawConn {
 public:
  explicit RawConn(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConn() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Everything until the server closes (or 5 s pass).
  std::string ReadToEnd() {
    std::string all;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return all;
      all.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Until `marker` has arrived (or the server closes, or 5 s pass).
  std::string ReadUntil(std::string_view marker) {
    std::string all;
    char buf[4096];
    while (all.find(marker) == std::string::npos) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      all.append(buf, static_cast<std::size_t>(n));
    }
    return all;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::size_t Count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Echoes what the parser gave the handler.
    router_.Post("/echo", [](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
      std::string seen = req.method + " " + req.path + " q=" + req.query + " body=" + req.body;
      for (const auto& [k, v] : req.headers) seen += "\n" + k + "=" + v;
      w->Respond(TextResponse(200, seen));
    });
    router_.Get("/framing", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      Response r = TextResponse(200, "four");
      r.headers.emplace_back("Content-Length", "999");
      r.headers.emplace_back("Transfer-Encoding", "chunked");
      r.headers.emplace_back("Connection", "close");
      r.headers.emplace_back("X-Kept", "yes");
      w->Respond(std::move(r));
    });
    router_.Get("/split", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      Response r = TextResponse(200, "body");
      r.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: stolen=1");
      w->Respond(std::move(r));
    });
    router_.Get("/split-stream", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Begin(200, {{"Bad Name", "x"}});
      w->Write("never sent");
      w->End();
    });
    router_.Get("/nocontent", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      Response r;
      r.status = 204;
      r.body = "dropped";
      w->Respond(std::move(r));
    });
    router_.Get("/stream", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Begin(200, {{"X-Stream", "1"}});
      w->Write("ab");
      w->Write("cd");
      w->End();
    });
    router_.Get("/ok", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Respond(TextResponse(200, "ok"));
    });
    ServerOptions o;
    o.max_body_bytes = 64;
    o.max_header_bytes = 1024;
    auto s = NewHttpServer(o, router_.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    if (server_) server_->Stop(200ms);
  }

  // Sends `bytes` on a new connection and returns everything the server wrote until it closed.
  std::string RoundTrip(std::string_view bytes) {
    RawConn c(server_->port());
    EXPECT_TRUE(c.connected());
    c.Send(bytes);
    return c.ReadToEnd();
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(WireTest, PipelinedRequestsWithLengthAndChunkedBodiesAreParsedInOrder) {
  RawConn c(server_->port());
  ASSERT_TRUE(c.connected());
  c.Send(
      "POST /echo?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-One: 1\r\n\r\nhello"
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nwor\r\n2;ext=1\r\nld\r\n0\r\n\r\n"
      "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string all = c.ReadToEnd();
  EXPECT_EQ(Count(all, "HTTP/1.1 200 OK\r\n"), 3u) << all;
  auto first = all.find("POST /echo q=a=1 body=hello\nHost=x\nContent-Length=5\nX-One=1");
  auto second = all.find("POST /echo q= body=world\nHost=x\nTransfer-Encoding=chunked");
  auto third = all.find("\r\n\r\nok");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  ASSERT_NE(third, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_EQ(Count(all, "Connection: close\r\n"), 1u) << "only the last answer closes: " << all;
}

TEST_F(WireTest, ExpectContinueGetsA100BeforeTheBodyIsSent) {
  RawConn c(server_->port());
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(c.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("hi");
  std::string rest = c.ReadToEnd();
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << rest;
  EXPECT_NE(rest.find("body=hi"), std::string::npos) << rest;
}

TEST_F(WireTest, AnHttp10ClientGetsNo100) {
  RawConn c(server_->port());
  c.Send("POST /echo HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  c.Send("hi");
  std::string all = c.ReadToEnd();
  EXPECT_EQ(all.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << all;
  EXPECT_NE(all.find("body=hi"), std::string::npos) << all;
}

TEST_F(WireTest, TheConnectionOwnsFramingFieldsAHandlerGives) {
  std::string all = RoundTrip(
      "GET /framing HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nConnection: close\r\n\r\n");
  auto second = all.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << "the first answer kept the connection: " << all;
  std::string first = all.substr(0, second);
  EXPECT_EQ(first,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Kept: yes\r\n"
            "Server: spacefactory/" +
                std::string(Version()) + "\r\nContent-Length: 4\r\n\r\nfour");
}

TEST_F(WireTest, AFieldThatWouldSplitTheResponseIsNeverSent) {
  std::string all = RoundTrip(
      "GET /split HTTP/1.1\r\n\r\nGET /split-stream HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Count(all, "HTTP/1.1 500 Internal Server Error\r\n"), 2u) << all;
  EXPECT_EQ(all.find("stolen"), std::string::npos) << all;
  EXPECT_EQ(all.find("never sent"), std::string::npos) << all;
  EXPECT_EQ(all.find("Bad Name"), std::string::npos) << all;
  EXPECT_NE(all.find("cannot be sent"), std::string::npos) << all;
}

TEST_F(WireTest, NoContentHasNoLengthNoBodyAndKeepsTheConnection) {
  std::string all =
      RoundTrip("GET /nocontent HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(all.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << all;
  auto end = all.find("\r\n\r\n");
  std::string head = all.substr(0, end + 4);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(all.find("dropped"), std::string::npos) << all;
  EXPECT_EQ(all.substr(end + 4, 17), "HTTP/1.1 200 OK\r\n") << all;
}

TEST_F(WireTest, Http10GetsA10AnswerClosedUnlessKeepAliveWasAsked) {
  {
    std::string all = RoundTrip("GET /ok HTTP/1.0\r\n\r\n");
    EXPECT_EQ(all.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << all;
    EXPECT_EQ(all.find("Connection:"), std::string::npos) << all;
    EXPECT_EQ(all.substr(all.size() - 2), "ok");
  }
  {
    std::string all =
        RoundTrip("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ok HTTP/1.0\r\n\r\n");
    EXPECT_EQ(Count(all, "HTTP/1.0 200 OK\r\n"), 2u) << all;
    EXPECT_EQ(Count(all, "Connection: keep-alive\r\n"), 1u) << all;
  }
  {
    // Connection field lines form one list (RFC 9110 §5.3): keep-alive in the second counts.
    std::string all = RoundTrip(
        "GET /ok HTTP/1.0\r\nConnection: x\r\nConnection: keep-alive\r\n\r\n"
        "GET /ok HTTP/1.0\r\n\r\n");
    EXPECT_EQ(Count(all, "HTTP/1.0 200 OK\r\n"), 2u) << all;
  }
  {
    // A stream to an HTTP/1.0 client is not chunked: its end is the connection's.
    std::string all = RoundTrip("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(all.find("Transfer-Encoding"), std::string::npos) << all;
    EXPECT_EQ(all.find("Connection: keep-alive"), std::string::npos) << all;
    EXPECT_NE(all.find("Content-Type: application/octet-stream\r\n"), std::string::npos) << all;
    EXPECT_EQ(all.substr(all.size() - 8), "\r\n\r\nabcd") << all;
  }
}

TEST_F(WireTest, AStreamIsChunkedWithADefaultContentType) {
  std::string all = RoundTrip("GET /stream HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(all.find("X-Stream: 1\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Content-Type: application/octet-stream\r\n"), std::string::npos) << all;
  EXPECT_NE(all.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << all;
  std::string body = all.substr(all.find("\r\n\r\n") + 4);
  // The pieces may leave as one chunk or two; either way they decode to "abcd" and a last chunk.
  EXPECT_TRUE(body == "4\r\nabcd\r\n0\r\n\r\n" || body == "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
      << body;
}

TEST_F(WireTest, LimitsAndGarbageAreAnsweredThenClosed) {
  {
    std::string all = RoundTrip("POST /echo HTTP/1.1\r\nContent-Length: 65\r\n\r\n");
    EXPECT_EQ(all.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << all;
    EXPECT_NE(all.find("Connection: close\r\n"), std::string::npos) << all;
  }
  {
    // A chunked body over the limit is caught as it arrives.
    EXPECT_EQ(RoundTrip("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                        std::string(64, 'x') + "\r\n1\r\nx\r\n0\r\n\r\n")
                  .rfind("HTTP/1.1 413 ", 0),
              0u);
  }
  {
    EXPECT_EQ(RoundTrip("GET /ok HTTP/1.1\r\nX-Big: " + std::string(2000, 'y') + "\r\n\r\n")
                  .rfind("HTTP/1.1 431 ", 0),
              0u);
  }
  {
    std::string all = RoundTrip("GET /ok HTTP/1.1\r\nBad Header\r\n\r\n");
    EXPECT_EQ(all.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << all;
    EXPECT_NE(all.find("malformed HTTP request"), std::string::npos) << all;
  }
  {
    // A request cut short by the client gets no answer, and the server keeps serving.
    RawConn c(server_->port());
    c.Send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  }
  EXPECT_EQ(
      RoundTrip("GET /ok HTTP/1.1\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200 OK\r\n", 0),
      0u);
}

TEST(WireFieldsTest, SendableFieldsAndFramingNames) {
  EXPECT_TRUE(IsSendableField("X-Request-Id", "abc def\tghi"));
  EXPECT_TRUE(IsSendableField("x!#$%&'*+-.^_`|~9", ""));
  EXPECT_FALSE(IsSendableField("", "v"));
  EXPECT_FALSE(IsSendableField("Bad Name", "v"));
  EXPECT_FALSE(IsSendableField("Bad:Name", "v"));
  EXPECT_FALSE(IsSendableField("X", "a\rb"));
  EXPECT_FALSE(IsSendableField("X", "a\nb"));
  EXPECT_FALSE(IsSendableField("X", std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsSendableField("X", "a\x7f"));
  EXPECT_FALSE(IsSendableField("X", "a\x01"));
  EXPECT_TRUE(IsSendableField("X", "caf\xc3\xa9"));  // obs-text passes
  // Every byte value at every place of values up to three words long (the word-at-a-time check
  // against the definition).
  for (std::size_t len = 1; len <= 24; ++len) {
    for (std::size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string v(len, 'a');
        v[pos] = static_cast<char>(b);
        const bool want = !((b < 0x20 && b != '\t') || b == 0x7f);
        ASSERT_EQ(IsSendableField("X", v), want)
            << "len " << len << " pos " << pos << " byte " << b;
      }
    }
  }
  for (const char* name :
       {"Content-Length", "content-length", "TRANSFER-ENCODING", "Connection", "keep-alive"}) {
    EXPECT_TRUE(IsFramingField(name)) << name;
  }
  for (const char* name : {"Content-Type", "Content-Lengths", "Connections", "Upgrade"}) {
    EXPECT_FALSE(IsFramingField(name)) << name;
  }
  std::string out;
  AppendStatusLine(out, 11, 429);
  AppendStatusLine(out, 10, 299);
  AppendRequestLine(out, "POST", "/v1/chat/completions?x=1");
  AppendField(out, "Accept", "text/event-stream");
  AppendDecimal(out, 18446744073709551615ull);
  EXPECT_EQ(out,
            "HTTP/1.1 429 Too Many Requests\r\nHTTP/1.0 299 <unknown-status>\r\n"
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\nAccept: text/event-stream\r\n"
            "18446744073709551615");
  EXPECT_TRUE(StatusHasNoBody(100));
  EXPECT_TRUE(StatusHasNoBody(204));
  EXPECT_TRUE(StatusHasNoBody(304));
  EXPECT_FALSE(StatusHasNoBody(200));
  EXPECT_FALSE(StatusHasNoBody(205));
  EXPECT_TRUE(EqualsIgnoreCase("Content-TYPE", "content-type"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Type", "Content-Typ"));
}

}  // namespace
}  // namespace sf::http
