// Output type checks (magic bytes, JSON shape against the declared component) and the multipart
// body of uploads: the parts of the Gradio client that need no network.
#include <algorithm>
#include <cctype>

#include "gradio/gradio.h"
#include "gradio/internal.h"

namespace sf::gradio {

using internal::RandomToken;
using internal::StrField;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Output types

std::string_view MediaTypeName(MediaType t) {
  switch (t) {
    case MediaType::kPng:
      return "png";
    case MediaType::kJpeg:
      return "jpeg";
    case MediaType::kWebp:
      return "webp";
    case MediaType::kGif:
      return "gif";
    case MediaType::kWav:
      return "wav";
    case MediaType::kMp3:
      return "mp3";
    case MediaType::kFlac:
      return "flac";
    case MediaType::kOgg:
      return "ogg";
    case MediaType::kMp4:
      return "mp4";
    case MediaType::kUnknown:
      break;
  }
  return "unknown";
}

MediaType DetectMediaType(std::string_view b) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    return MediaType::kPng;
  }
  if (b.size() >= 3 && u(0) == 0xFF && u(1) == 0xD8 && u(2) == 0xFF) return MediaType::kJpeg;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF") {
    if (b.substr(8, 4) == "WEBP") return MediaType::kWebp;
    if (b.substr(8, 4) == "WAVE") return MediaType::kWav;
    return MediaType::kUnknown;
  }
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return MediaType::kGif;
  }
  if (b.size() >= 4 && b.substr(0, 4) == "fLaC") return MediaType::kFlac;
  if (b.size() >= 4 && b.substr(0, 4) == "OggS") return MediaType::kOgg;
  if (b.size() >= 10 && b.substr(0, 3) == "ID3") return MediaType::kMp3;
  // MPEG audio frame sync: 11 set bits, a valid version, layer != reserved (ADTS AAC has layer 0).
  if (b.size() >= 4 && u(0) == 0xFF && (u(1) & 0xE0) == 0xE0 && ((u(1) >> 3) & 0x3) != 0x1 &&
      ((u(1) >> 1) & 0x3) != 0 && (u(2) >> 4) != 0xF) {
    return MediaType::kMp3;
  }
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") return MediaType::kMp4;
  return MediaType::kUnknown;
}

OutputKind KindOfComponent(std::string_view c) {
  std::string s(c);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (s == "textbox" || s == "markdown" || s == "code" || s == "html" || s == "text") {
    return OutputKind::kText;
  }
  if (s == "number" || s == "slider") return OutputKind::kNumber;
  if (s == "checkbox") return OutputKind::kBool;
  if (s == "image") return OutputKind::kImage;
  if (s == "audio") return OutputKind::kAudio;
  if (s == "video") return OutputKind::kVideo;
  if (s == "file" || s == "model3d" || s == "downloadbutton" || s == "uploadbutton") {
    return OutputKind::kFile;
  }
  if (s == "label") return OutputKind::kLabel;
  if (s == "json") return OutputKind::kJson;
  return OutputKind::kOther;
}

bool IsFileData(const json& v) {
  if (!v.is_object()) return false;
  if (v.contains("meta") && v["meta"].is_object() &&
      StrField(v["meta"], "_type") == "gradio.FileData") {
    return true;
  }
  return (v.contains("path") && v["path"].is_string()) ||
         (v.contains("url") && v["url"].is_string());
}

std::optional<json> FileDataOf(const json& value, OutputKind kind) {
  if (kind == OutputKind::kVideo && value.is_object() && value.contains("video") &&
      IsFileData(value["video"])) {
    return value["video"];
  }
  if (kind == OutputKind::kFile && value.is_array() && !value.empty() && IsFileData(value[0])) {
    return value[0];
  }
  if (IsFileData(value)) return value;
  return std::nullopt;
}

Status CheckOutputShape(const Parameter& declared, const json& v) {
  const OutputKind kind = KindOfComponent(declared.component);
  const std::string what = "output '" +
                           (declared.label.empty() ? declared.component : declared.label) + "' (" +
                           declared.component + ")";
  auto bad = [&](const std::string& expected) {
    std::string got = v.is_null() ? "null" : std::string(v.type_name());
    return Status(Code::kFailedPrecondition,
                  what + ": expected " + expected + ", got " + got + " " + v.dump().substr(0, 120));
  };
  switch (kind) {
    case OutputKind::kText:
      if (!v.is_string()) return bad("a string");
      return Status::Ok();
    case OutputKind::kNumber:
      if (!v.is_number()) return bad("a number");
      return Status::Ok();
    case OutputKind::kBool:
      if (!v.is_boolean()) return bad("a boolean");
      return Status::Ok();
    case OutputKind::kImage:
    case OutputKind::kAudio:
    case OutputKind::kVideo:
    case OutputKind::kFile:
      if (!FileDataOf(v, kind)) return bad("a FileData object");
      return Status::Ok();
    case OutputKind::kLabel:
      if (!v.is_object() || !(v.contains("label") || v.contains("confidences"))) {
        return bad("a label object {label, confidences}");
      }
      if (v.contains("confidences") && !v["confidences"].is_null()) {
        if (!v["confidences"].is_array()) return bad("a label object with a confidences list");
        for (const auto& c : v["confidences"]) {
          if (!c.is_object() || !c.contains("label") || !c.contains("confidence") ||
              !c["confidence"].is_number()) {
            return bad("confidences of {label, confidence:number}");
          }
        }
      }
      return Status::Ok();
    case OutputKind::kJson:
    case OutputKind::kOther:
      return Status::Ok();
  }
  return Status::Ok();
}

Result<MediaType> CheckOutputBytes(const Parameter& declared, std::string_view bytes) {
  const OutputKind kind = KindOfComponent(declared.component);
  const std::string what = "output file of '" +
                           (declared.label.empty() ? declared.component : declared.label) + "' (" +
                           declared.component + ")";
  if (bytes.empty()) return Status(Code::kFailedPrecondition, what + " is empty");
  MediaType t = DetectMediaType(bytes);
  auto want = [&](std::initializer_list<MediaType> ok,
                  std::string_view family) -> Result<MediaType> {
    if (std::find(ok.begin(), ok.end(), t) != ok.end()) return t;
    return Status(Code::kFailedPrecondition, what + ": expected " + std::string(family) +
                                                 " bytes, magic bytes say " +
                                                 std::string(MediaTypeName(t)) + " (" +
                                                 std::to_string(bytes.size()) + " bytes)");
  };
  switch (kind) {
    case OutputKind::kImage:
      return want({MediaType::kPng, MediaType::kJpeg, MediaType::kWebp, MediaType::kGif},
                  "an image (PNG/JPEG/WEBP/GIF)");
    case OutputKind::kAudio:
      return want({MediaType::kWav, MediaType::kMp3, MediaType::kFlac, MediaType::kOgg},
                  "audio (WAV/MP3/FLAC/OGG)");
    case OutputKind::kVideo:
      return want({MediaType::kMp4}, "a video (MP4)");
    default:
      return t;
  }
}

// ---------------------------------------------------------------------------------------------
// Multipart

std::string MakeBoundary() { return "----sfgradio" + RandomToken(24); }

std::string BuildMultipart(std::string_view boundary, std::string_view field,
                           const std::vector<FilePart>& files) {
  auto quote = [](std::string_view s) {
    // RFC 7578 §4.2: quoted-string; escape '"' and '\\' and drop CR/LF.
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (c != '\r' && c != '\n') {
        out += c;
      }
    }
    return out;
  };
  std::string body;
  for (const auto& f : files) {
    body += "--";
    body += boundary;
    body += "\r\nContent-Disposition: form-data; name=\"" + quote(field) + "\"; filename=\"" +
            quote(f.filename) + "\"\r\nContent-Type: " + f.content_type + "\r\n\r\n";
    body += f.content;
    body += "\r\n";
  }
  body += "--";
  body += boundary;
  body += "--\r\n";
  return body;
}

}  // namespace sf::gradio
