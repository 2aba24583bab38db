// Outputs of simulated Spaces and the encoders behind them; see space_outputs.h.
#include "sim/space_outputs.h"

#include <zlib.h>

#include <cmath>

#include "sim/hash.h"

namespace sf::sim {
namespace {

using nlohmann::json;
using Mode = SpaceBehaviour::Output;

void PutBe32(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xff);
  out += static_cast<char>((v >> 16) & 0xff);
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

void PutLe(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void PngChunk(std::string& out, const char* type, const std::string& data) {
  PutBe32(out, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
  PutBe32(out, static_cast<std::uint32_t>(crc));
}

// Bytes 0..n of a deterministic stream seeded by `seed` (sha256 chained).
std::string SeedBytes(std::string_view seed, std::size_t n) {
  std::string out;
  std::string block(seed);
  while (out.size() < n) {
    block = Sha256Hex(block);
    for (std::size_t i = 0; i + 1 < block.size() && out.size() < n; i += 2) {
      out += static_cast<char>(std::stoi(block.substr(i, 2), nullptr, 16));
    }
  }
  return out;
}

std::string FirstText(const json& inputs) {
  for (const auto& v : inputs) {
    if (v.is_string()) return v;
  }
  return "";
}

std::string Shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

OutputFile ImageFile(std::string_view seed, bool constant) {
  const int w = 64;
  const int h = 64;
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w * h * 3), 128);
  if (!constant) {
    std::string s = SeedBytes(seed, 6);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        std::size_t i = static_cast<std::size_t>((y * w + x) * 3);
        rgb[i] = static_cast<std::uint8_t>(static_cast<unsigned char>(s[0]) + x * 4);
        rgb[i + 1] = static_cast<std::uint8_t>(static_cast<unsigned char>(s[1]) + y * 4);
        rgb[i + 2] = static_cast<std::uint8_t>(static_cast<unsigned char>(s[2]) ^ (x * y));
      }
    }
  }
  return {"image.png", "image/png", EncodePng(w, h, rgb)};
}

OutputFile AudioFile(std::string_view seed, bool constant) {
  const int rate = 16000;
  std::vector<std::int16_t> samples(rate / 2, 0);
  if (!constant) {
    double freq = 220.0 + static_cast<unsigned char>(SeedBytes(seed, 1)[0]) * 2.0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      samples[i] = static_cast<std::int16_t>(
          0.3 * 32767.0 * std::sin(2.0 * M_PI * freq * static_cast<double>(i) / rate));
    }
  }
  return {"audio.wav", "audio/wav", EncodeWav(rate, samples)};
}

// A file whose bytes are not of the declared type (the wrong-type:magic behaviour).
OutputFile WrongMagic(const OutputFile& declared) {
  return {declared.name, declared.mime,
          "This is not a " + declared.mime + " file: simulated wrong output bytes.\n"};
}

json LabelValue(std::string_view seed, bool constant) {
  if (constant) {
    return {{"label", "placeholder"},
            {"confidences", json::array({{{"label", "placeholder"}, {"confidence", 1.0}}})}};
  }
  std::string s = SeedBytes(seed, 3);
  static const char* kNames[] = {"class_a", "class_b", "class_c", "class_d", "class_e"};
  double top = 0.5 + static_cast<unsigned char>(s[0]) / 512.0;
  int first = static_cast<unsigned char>(s[1]) % 5;
  int second = (first + 1 + static_cast<unsigned char>(s[2]) % 4) % 5;
  return {{"label", kNames[first]},
          {"confidences", json::array({{{"label", kNames[first]}, {"confidence", top}},
                                       {{"label", kNames[second]}, {"confidence", 1.0 - top}}})}};
}

}  // namespace

std::string EncodePng(int width, int height, const std::vector<std::uint8_t>& rgb) {
  std::string raw;
  raw.reserve(static_cast<std::size_t>((width * 3 + 1) * height));
  for (int y = 0; y < height; ++y) {
    raw += '\0';  // filter: none
    raw.append(reinterpret_cast<const char*>(rgb.data()) + static_cast<std::size_t>(y * width * 3),
               static_cast<std::size_t>(width * 3));
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(size, '\0');
  compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
            reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 9);
  compressed.resize(size);
  std::string out = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  PutBe32(ihdr, static_cast<std::uint32_t>(width));
  PutBe32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += '\x08';                // bit depth
  ihdr += '\x02';                // colour type: RGB
  ihdr += std::string(3, '\0');  // compression, filter, interlace
  PngChunk(out, "IHDR", ihdr);
  PngChunk(out, "IDAT", compressed);
  PngChunk(out, "IEND", "");
  return out;
}

std::string EncodeWav(int sample_rate, const std::vector<std::int16_t>& samples) {
  const std::uint32_t data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::string out = "RIFF";
  PutLe(out, 36 + data_bytes, 4);
  out += "WAVEfmt ";
  PutLe(out, 16, 4);  // fmt chunk size
  PutLe(out, 1, 2);   // PCM
  PutLe(out, 1, 2);   // mono
  PutLe(out, static_cast<std::uint32_t>(sample_rate), 4);
  PutLe(out, static_cast<std::uint32_t>(sample_rate * 2), 4);  // byte rate
  PutLe(out, 2, 2);                                            // block align
  PutLe(out, 16, 2);                                           // bits per sample
  out += "data";
  PutLe(out, data_bytes, 4);
  for (std::int16_t s : samples) PutLe(out, static_cast<std::uint16_t>(s), 2);
  return out;
}

std::string EncodeTinyMp4(std::string_view seed) {
  std::string out;
  PutBe32(out, 24);
  out += "ftypisom";
  PutBe32(out, 0x200);
  out += "isomiso2";
  std::string payload = SeedBytes(seed, 32);
  PutBe32(out, static_cast<std::uint32_t>(8 + payload.size()));
  out += "free" + payload;
  PutBe32(out, 8);
  out += "mdat";
  return out;
}

json FileDataJson(const std::string& path, const std::string& file_base, const OutputFile& file) {
  return {{"path", path},
          {"url", file_base + path},
          {"size", file.bytes.size()},
          {"orig_name", file.name},
          {"mime_type", file.mime},
          {"is_stream", false},
          {"meta", {{"_type", "gradio.FileData"}}}};
}

json MakeOutputs(const AppInterface& app, const AppEvent& event, const json& inputs, Mode mode,
                 const std::string& file_base, const StoreFile& store) {
  const bool constant = mode == Mode::kPlaceholder || mode == Mode::kPlaceholderEcho;
  const std::string seed = inputs.dump();
  const std::string text_in = FirstText(inputs);
  const std::string digest = Sha256Hex(seed).substr(0, 8);
  auto file = [&](OutputFile f) {
    if (mode == Mode::kWrongMagic) f = WrongMagic(f);
    std::string path = store(f);
    return FileDataJson(path, file_base, f);
  };
  json out = json::array();
  for (std::size_t i = 0; i < event.outputs.size(); ++i) {
    const AppComponent* c = app.Find(event.outputs[i]);
    const std::string type = c == nullptr ? "textbox" : c->type;
    const std::string oseed = seed + "#" + std::to_string(i);
    std::string answer = "Simulated " + (app.task.empty() ? std::string("answer") : app.task) +
                         " [" + digest + "] for: " + Shorten(text_in, 200);
    if (mode == Mode::kPlaceholder) answer = "placeholder";
    if (mode == Mode::kPlaceholderEcho) answer = text_in;
    const bool is_file_type = type == "image" || type == "audio" || type == "video" ||
                              type == "file" || type == "model3d" || type == "gallery" ||
                              type == "annotatedimage";
    if (mode == Mode::kWrongType) {
      // Text where a file (or a structured value) is declared, a FileData where text is.
      if (type == "textbox" || type == "markdown" || type == "html" || type == "code") {
        out.push_back(
            FileDataJson(store(ImageFile(oseed, false)), file_base, ImageFile(oseed, false)));
      } else if (is_file_type || type == "label" || type == "json" || type == "highlightedtext") {
        out.push_back("not the declared " + type + " output");
      } else {
        out.push_back("wrong type");
      }
      continue;
    }
    if (type == "textbox" || type == "markdown" || type == "html" || type == "code") {
      out.push_back(answer);
    } else if (type == "number" || type == "slider") {
      out.push_back(constant ? 0 : static_cast<unsigned char>(SeedBytes(oseed, 1)[0]));
    } else if (type == "checkbox") {
      out.push_back(!constant && (static_cast<unsigned char>(SeedBytes(oseed, 1)[0]) & 1));
    } else if (type == "dropdown" || type == "radio") {
      json choices = c != nullptr && c->kwargs.contains("choices") ? c->kwargs["choices"] : json();
      if (choices.is_array() && !choices.empty()) {
        const json& first = choices[0];
        out.push_back(first.is_array() && !first.empty() ? first.back() : first);
      } else {
        out.push_back(answer);
      }
    } else if (type == "image") {
      out.push_back(file(ImageFile(oseed, constant)));
    } else if (type == "audio") {
      out.push_back(file(AudioFile(oseed, constant)));
    } else if (type == "video") {
      out.push_back({{"video", file({"video.mp4", "video/mp4",
                                     EncodeTinyMp4(constant ? "placeholder" : oseed)})},
                     {"subtitles", nullptr}});
    } else if (type == "file" || type == "model3d") {
      out.push_back(file({"output.txt", "text/plain", answer + "\n"}));
    } else if (type == "gallery") {
      out.push_back(
          json::array({{{"image", file(ImageFile(oseed, constant))}, {"caption", nullptr}}}));
    } else if (type == "annotatedimage") {
      out.push_back(
          {{"image", file(ImageFile(oseed, constant))},
           {"annotations", json::array({{{"image", file(ImageFile(oseed + "mask", true))},
                                         {"label", constant ? "placeholder" : "object"}}})}});
    } else if (type == "label") {
      out.push_back(LabelValue(oseed, constant));
    } else if (type == "highlightedtext") {
      out.push_back(
          json::array({{{"token", constant ? std::string("placeholder") : Shorten(text_in, 200)},
                        {"class_or_confidence", constant ? json(nullptr) : json("ENTITY")}}}));
    } else if (type == "json") {
      json values = json::array();
      std::string s = SeedBytes(oseed, 8);
      for (char ch : s) {
        values.push_back(constant ? 0.0 : (static_cast<unsigned char>(ch) - 128) / 128.0);
      }
      out.push_back(values);
    } else if (type == "chatbot") {
      out.push_back(json::array({{{"role", "user"}, {"content", text_in}},
                                 {{"role", "assistant"}, {"content", answer}}}));
    } else if (type == "dataframe") {
      out.push_back({{"headers", json::array({"input", "score"})},
                     {"data", json::array({json::array({Shorten(text_in, 80), constant ? 0 : 1})})},
                     {"metadata", nullptr}});
    } else {
      out.push_back(answer);
    }
  }
  return out;
}

}  // namespace sf::sim
