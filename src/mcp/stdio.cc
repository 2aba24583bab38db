// stdio transport: newline-delimited JSON-RPC, one message per line; nothing else on stdout.
#include <istream>
#include <ostream>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

// Serialised writes to the output stream; closed once RunStdio returns (late writes are dropped).
struct LineWriter {
  std::mutex mu;
  std::ostream* out;
  bool closed = false;

  void Write(const json& message) {
    std::string line = Serialize(message);  // compact: never contains a raw newline
    line.push_back('\n');
    std::lock_guard<std::mutex> lock(mu);
    if (closed) return;
    out->write(line.data(), static_cast<std::streamsize>(line.size()));
    out->flush();
  }
};

class StdioOut final : public Outbound {
 public:
  explicit StdioOut(std::shared_ptr<LineWriter> w) : w_(std::move(w)) {}
  void Send(const json& message) override { w_->Write(message); }
  void Reply(const json& response) override { w_->Write(response); }

 private:
  std::shared_ptr<LineWriter> w_;
};

// Reads one line of at most `max` bytes; the rest of a longer line is consumed and `*overflow` set.
bool ReadLine(std::streambuf* sb, std::size_t max, std::string* line, bool* overflow) {
  line->clear();
  *overflow = false;
  bool any = false;
  for (;;) {
    int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) return any;
    any = true;
    if (c == '\n') return true;
    if (line->size() < max)
      line->push_back(static_cast<char>(c));
    else
      *overflow = true;
  }
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

std::size_t RunStdio(Server& server, std::istream& in, std::ostream& out,
                     const StdioOptions& options) {
  auto writer = std::make_shared<LineWriter>();
  writer->out = &out;
  auto session = server.NewSession("stdio");
  session->SetStandalone([writer](const json& m) { writer->Write(m); });
  auto sink = std::make_shared<StdioOut>(writer);
  DecodeLimits limits;
  limits.max_bytes = options.max_line_bytes;

  std::string line;
  bool overflow = false;
  std::streambuf* sb = in.rdbuf();
  while (sb && ReadLine(sb, options.max_line_bytes, &line, &overflow)) {
    if (overflow) {
      writer->Write(MakeError(nullptr, err::kInvalidRequest,
                              "Invalid Request: message exceeds the limit of " +
                                  std::to_string(options.max_line_bytes) + " bytes"));
      continue;
    }
    if (Blank(line)) continue;
    Decoded d = Decode(line, limits);
    if (d.batch) {
      if (!BatchAllowed(*session)) {
        writer->Write(BatchRefused(*session));
        continue;
      }
      HandleBatch(
          *session, d, [writer](const json& m) { writer->Write(m); },
          [writer](json all) {
            if (!all.empty()) writer->Write(all);
          });
      continue;
    }
    for (const auto& e : d.errors) writer->Write(e);
    for (const auto& m : d.messages) session->Handle(m, sink);
  }

  // stdin closed: let running calls finish and answer for a while (a script may pipe requests
  // and close), then cancel what is left and stop writing.
  auto wait = [&](std::chrono::milliseconds d) {
    auto deadline = std::chrono::steady_clock::now() + d;
    while (server.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  wait(options.drain_timeout);
  session->Close();
  wait(std::chrono::milliseconds(200));
  {
    std::lock_guard<std::mutex> lock(writer->mu);
    writer->closed = true;
  }
  return server.in_flight();
}

}  // namespace sf::mcp
