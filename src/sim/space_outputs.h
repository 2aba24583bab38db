// Internal: the values a simulated Space's endpoint returns, one per output component, of the
// type Gradio would return for that component (space_app.h), and the media encoders behind them
// (PNG through zlib, WAV and a minimal MP4 container written by hand — both are trivial formats).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/space_app.h"
#include "sim/space_behaviour.h"

namespace sf::sim {

// A PNG (8-bit RGB, one IDAT, zlib-compressed) of w×h pixels; rgb.size() must be w*h*3.
std::string EncodePng(int width, int height, const std::vector<std::uint8_t>& rgb);
// A PCM WAV (16-bit, mono).
std::string EncodeWav(int sample_rate, const std::vector<std::int16_t>& samples);
// An MP4 with ftyp/free/mdat boxes only: right magic, not a playable video.
std::string EncodeTinyMp4(std::string_view seed);

// A file produced by a call: stored by the runtime, which returns its server path.
struct OutputFile {
  std::string name;  // "image.png"
  std::string mime;  // "image/png"
  std::string bytes;
};
using StoreFile = std::function<std::string(OutputFile)>;

// FileData as Gradio returns it: path, url = file_base + path, size, orig_name, mime_type,
// is_stream, meta.
nlohmann::json FileDataJson(const std::string& path, const std::string& file_base,
                            const OutputFile& file);

// The outputs (a JSON array, one element per output of `event`) for `inputs`. `file_base` is
// "<root>/gradio_api/file=". Deterministic: the same inputs give the same values and bytes.
nlohmann::json MakeOutputs(const AppInterface& app, const AppEvent& event,
                           const nlohmann::json& inputs, SpaceBehaviour::Output mode,
                           const std::string& file_base, const StoreFile& store);

}  // namespace sf::sim
