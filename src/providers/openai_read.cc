// What the router reads of OpenAI-format JSON without building documents: the members of a chat
// request it routes by, the token counts of a `usage` object, and, in relayed SSE events, where an
// event ends and whether it carries an error or the usage. Fast paths (simdjson, memchr-backed
// finds) because every request and every relayed event passes through here; nlohmann decides
// whatever simdjson refuses.
#include <simdjson.h>

#include <cstring>

#include "providers/internal.h"

namespace sf::providers::internal {
namespace {

// Default SAX callbacks (nlohmann::json::sax_parse): accept every event. The handlers below
// override the few they look at. A SAX pass validates the whole text without building a DOM,
// whose nodes were about a quarter of the gateway's allocations per request.
struct SaxBase {
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
};

// nlohmann SAX handler for ChatRequestFields. As with a DOM, the last of duplicate members counts.
struct RequestFields : SaxBase, ChatRequestFields {
  enum class Member { kOther, kModel, kMessages, kStream };
  int depth = 0;
  Member member = Member::kOther;  // the top-level member whose value comes next
  std::string error;               // the parser's message when the text is not JSON

  // A value (scalar, or the start of a container) at depth `depth`.
  void Value(Kind kind) {
    if (depth != 1) return;
    switch (member) {
      case Member::kModel:
        model = kind;
        break;
      case Member::kMessages:
        messages = kind;
        break;
      case Member::kStream:
        stream = kind;
        break;
      case Member::kOther:
        break;
    }
    member = Member::kOther;
  }
  bool null() { return Value(Kind::kNull), true; }
  bool boolean(bool b) {
    if (depth == 1 && member == Member::kStream) stream_value = b;
    return Value(Kind::kBoolean), true;
  }
  bool number_integer(json::number_integer_t) { return Value(Kind::kOther), true; }
  bool number_unsigned(json::number_unsigned_t) { return Value(Kind::kOther), true; }
  bool number_float(json::number_float_t, const std::string&) { return Value(Kind::kOther), true; }
  bool string(std::string& s) {
    if (depth == 1 && member == Member::kModel) model_name = s;
    return Value(Kind::kString), true;
  }
  bool start_object(std::size_t) {
    if (depth == 0) top_is_object = true;
    Value(Kind::kOther);
    ++depth;
    return true;
  }
  bool end_object() { return --depth, true; }
  bool start_array(std::size_t) {
    Value(Kind::kArray);
    ++depth;
    return true;
  }
  bool end_array() { return --depth, true; }
  bool key(std::string& k) {
    if (depth == 1)
      member = k == "model"      ? Member::kModel
               : k == "messages" ? Member::kMessages
               : k == "stream"   ? Member::kStream
                                 : Member::kOther;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception& e) {
    error = e.what();
    return false;
  }
};

}  // namespace

// JsonParsers

struct JsonParsers::Parser {
  simdjson::dom::parser dom;
};

namespace {
constexpr std::size_t kKeepParsers = 16;
constexpr std::size_t kKeepCapacity = 64u << 10;
}  // namespace

JsonParsers::JsonParsers() = default;
JsonParsers::~JsonParsers() = default;

JsonParsers::Lease::Lease(JsonParsers* pool, std::unique_ptr<Parser> parser)
    : pool_(pool), parser_(std::move(parser)) {}

JsonParsers::Lease::~Lease() {
  if (pool_ != nullptr && parser_ != nullptr) pool_->Give(std::move(parser_));
}

JsonParsers::Lease JsonParsers::Take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      std::unique_ptr<Parser> p = std::move(free_.back());
      free_.pop_back();
      return Lease(this, std::move(p));
    }
  }
  return Lease(this, std::make_unique<Parser>());
}

std::size_t JsonParsers::kept() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

void JsonParsers::Give(std::unique_ptr<Parser> parser) {
  if (parser->dom.capacity() > kKeepCapacity) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.size() < kKeepParsers) free_.push_back(std::move(parser));
}

namespace {

// A pooled parser, or a parser for this read only when there is no pool.
JsonParsers::Lease Lease(JsonParsers* parsers) {
  if (parsers != nullptr) return parsers->Take();
  return JsonParsers::Lease(nullptr, std::make_unique<JsonParsers::Parser>());
}

// simdjson's DOM takes about 14 bytes of scratch per byte of text (structural index, tape,
// strings); larger bodies (long conversations, inline images) take nlohmann's SAX pass, which
// needs none: a 5 MB request must not cost 70 MB.
constexpr std::size_t kSimdjsonMaxBytes = 256u << 10;

// Reads the request's members with simdjson, which validates the whole text as it builds its
// tape. nlohmann's SAX lexer copied every key and string it met character by character: with the
// `usage` read below, callgrind counted ~17k instructions per gateway request for the two reads
// with nlohmann and ~6.5k with simdjson (parser set-up included), the largest share of the
// gateway's own work. Returns false when simdjson rejects the text (or it is too large, above);
// ReadChatRequest then lets nlohmann decide, so what is accepted stays what nlohmann accepts, and
// a rejection gets its message with line and column. `body` is given room for simdjson's padding
// (the bytes sent upstream do not change).
bool ReadWithSimdjson(std::string& body, ChatRequestFields& f, JsonParsers* parsers) {
  if (body.size() > kSimdjsonMaxBytes) return false;
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  JsonParsers::Lease parser = Lease(parsers);
  simdjson::dom::element doc;
  if ((*parser).dom.parse(body).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::object top;
  if (doc.get(top) != simdjson::SUCCESS) return true;  // top_is_object stays false
  f.top_is_object = true;
  using Kind = ChatRequestFields::Kind;
  auto kind_of = [](simdjson::dom::element v) {
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        return Kind::kString;
      case simdjson::dom::element_type::ARRAY:
        return Kind::kArray;
      case simdjson::dom::element_type::BOOL:
        return Kind::kBoolean;
      case simdjson::dom::element_type::NULL_VALUE:
        return Kind::kNull;
      default:
        return Kind::kOther;
    }
  };
  for (auto [key, value] : top) {  // in document order: the last of duplicates counts
    if (key == "model") {
      f.model = kind_of(value);
      if (f.model == Kind::kString) f.model_name = std::string(value.get_string().value_unsafe());
    } else if (key == "messages") {
      f.messages = kind_of(value);
    } else if (key == "stream") {
      f.stream = kind_of(value);
      if (f.stream == Kind::kBoolean) f.stream_value = value.get_bool().value_unsafe();
    }
  }
  return true;
}

// The three token counts of a `usage` object.
struct UsageFields : SaxBase {
  int depth = 0;
  std::int64_t* target = nullptr;  // the member whose value comes next, if one we want
  std::int64_t *prompt, *completion, *total;
  UsageFields(std::int64_t* p, std::int64_t* c, std::int64_t* t)
      : prompt(p), completion(c), total(t) {}
  bool Set(std::int64_t v) {
    if (depth == 1 && target != nullptr) *target = v;
    target = nullptr;
    return true;
  }
  bool null() { return target = nullptr, true; }
  bool boolean(bool) { return target = nullptr, true; }
  bool number_integer(json::number_integer_t v) { return Set(v); }
  bool number_unsigned(json::number_unsigned_t v) {
    if (v > static_cast<json::number_unsigned_t>(INT64_MAX)) return target = nullptr, true;
    return Set(static_cast<std::int64_t>(v));
  }
  bool number_float(json::number_float_t, const std::string&) { return target = nullptr, true; }
  bool string(std::string&) { return target = nullptr, true; }
  bool start_object(std::size_t) { return target = nullptr, ++depth, true; }
  bool end_object() { return --depth, true; }
  bool start_array(std::size_t) { return target = nullptr, ++depth, true; }
  bool end_array() { return --depth, true; }
  bool key(std::string& k) {
    if (depth == 1)
      target = k == "prompt_tokens"       ? prompt
               : k == "completion_tokens" ? completion
               : k == "total_tokens"      ? total
                                          : nullptr;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }
};

}  // namespace

// Index just past the last complete SSE event (a blank line: "\n\n" or "\n\r\n"), 0 if none.
std::size_t EventBoundary(std::string_view data) {
  for (std::size_t i = data.size(); i-- > 1;) {
    if (data[i] != '\n') continue;
    if (data[i - 1] == '\n') return i + 1;
    if (data[i - 1] == '\r' && i >= 2 && data[i - 2] == '\n') return i + 1;
  }
  return 0;
}

// One pass over the event, from colon to colon: every member's key ends in `"` then optional
// whitespace then `:`, so the keys are read where the colons are (memchr), and only the two
// five-letter keys the relay cares about are compared. Searching for the names themselves was
// ~400 instructions per name per event: their letters (e, r, o, u, s, a, g) are everywhere in
// JSON and in text. A colon inside a string value can only make a false candidate when it
// follows a quoted five-letter word there, which an escaped quote rules out.
EventKeys ScanEventKeys(std::string_view data) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  EventKeys keys;
  const char* begin = data.data();
  const char* end = begin + data.size();
  for (const char* colon = begin;
       (colon = static_cast<const char*>(std::memchr(colon, ':', end - colon))) != nullptr;
       ++colon) {
    const char* q = colon;  // just past the key's closing quote
    while (q > begin && space(q[-1])) --q;
    // `"name"`: seven bytes, neither quote escaped.
    if (q - begin < 7 || q[-1] != '"' || q[-7] != '"' || q[-2] == '\\') continue;
    if (q - begin >= 8 && q[-8] == '\\') continue;
    const std::string_view key(q - 6, 5);
    if (key == "error") return EventKeys{.error = true, .usage = false};  // whatever else it holds
    if (key == "usage" && !keys.usage) {
      const char* v = colon + 1;
      while (v < end && space(*v)) ++v;
      keys.usage = v < end && *v == '{';
    }
  }
  return keys;
}

Result<ChatRequestFields> ReadChatRequest(std::string& body, JsonParsers* parsers) {
  RequestFields f;
  if (ReadWithSimdjson(body, f, parsers)) return static_cast<ChatRequestFields&&>(f);
  if (!json::sax_parse(body, &f)) return InvalidArgument(f.error);
  return static_cast<ChatRequestFields&&>(f);
}

bool ExtractUsage(std::string_view text, std::int64_t* prompt, std::int64_t* completion,
                  std::int64_t* total, JsonParsers* parsers) {
  std::size_t pos = text.rfind("\"usage\"");
  if (pos == std::string_view::npos) return false;
  std::size_t open = text.find('{', pos);
  if (open == std::string_view::npos) return false;
  // `usage` holds numbers and nested objects of numbers: brace counting is enough.
  int depth = 0;
  std::size_t end = open;
  for (; end < text.size(); ++end) {
    if (text[end] == '{') ++depth;
    if (text[end] == '}' && --depth == 0) break;
  }
  if (end >= text.size()) return false;
  // Counts are written only when the whole object parsed, as with a DOM. simdjson reads it (a
  // padded copy of the object: a few dozen bytes); a text it refuses goes to nlohmann, so what
  // is accepted stays what nlohmann accepts (ReadChatRequest).
  std::int64_t p = *prompt, c = *completion, t = *total;
  std::string_view object = text.substr(open, end - open + 1);
  JsonParsers::Lease parser = Lease(parsers);
  simdjson::dom::object usage;
  if ((*parser).dom.parse(object.data(), object.size()).get(usage) == simdjson::SUCCESS) {
    for (auto [key, value] : usage) {
      std::int64_t* target = key == "prompt_tokens"       ? &p
                             : key == "completion_tokens" ? &c
                             : key == "total_tokens"      ? &t
                                                          : nullptr;
      std::int64_t v = 0;
      // An integer within int64 counts; any other value leaves the count as it was.
      if (target != nullptr && value.get_int64().get(v) == simdjson::SUCCESS) *target = v;
    }
  } else {
    UsageFields f(&p, &c, &t);
    if (!json::sax_parse(object, &f)) return false;
  }
  *prompt = p;
  *completion = c;
  *total = t;
  return true;
}

}  // namespace sf::providers::internal
