// Audio templates: automatic-speech-recognition, audio-classification, text-to-speech and
// text-to-audio, all through transformers pipelines. Audio arrives as Gradio's (rate, ndarray)
// and is converted to mono float32 at the model's sampling rate in-process (librosa), so no
// ffmpeg call is needed for decoding by the pipeline; generated audio is returned as
// (sampling_rate, int16 ndarray), the type gr.Audio expects.
#include <string>
#include <vector>

#include "spacegen/internal.h"

namespace sf::spacegen::internal {
namespace {

constexpr std::string_view kAudioInputHelper = R"PY(

def to_model_audio(audio, target_rate):
    # gr.Audio(type="numpy") gives (sampling_rate, int16 or float ndarray, mono or (n, channels)).
    sampling_rate, data = audio
    data = np.asarray(data)
    if np.issubdtype(data.dtype, np.integer):
        data = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    data = data.astype(np.float32)
    if data.ndim > 1:
        data = data.mean(axis=1)
    if target_rate and int(sampling_rate) != int(target_rate):
        data = librosa.resample(data, orig_sr=int(sampling_rate), target_sr=int(target_rate))
        sampling_rate = target_rate
    return {"raw": data, "sampling_rate": int(sampling_rate)}

)PY";

constexpr std::string_view kAsr = R"PY(import librosa
import numpy as np
import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
asr = pipeline("automatic-speech-recognition", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})
TARGET_RATE = asr.feature_extractor.sampling_rate
IS_WHISPER = getattr(asr.model.config, "model_type", "") == "whisper"
{{AUDIO_HELPER}}
{{GPU_DECORATOR}}def generate(audio):
    if audio is None:
        raise gr.Error("Please record or upload audio.")
    kwargs = {"chunk_length_s": 30, "batch_size": 8} if IS_WHISPER else {}
    result = asr(to_model_audio(audio, TARGET_RATE), **kwargs)
    return result["text"].strip()


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nSpeech recognition with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            audio = gr.Audio(label="Audio", sources=["upload", "microphone"], type="numpy")
            run = gr.Button("Transcribe", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Transcript", lines=8)
    run.click(generate, inputs=audio, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kAudioClassification = R"PY(import librosa
import numpy as np
import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
classifier = pipeline("audio-classification", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})
TARGET_RATE = classifier.feature_extractor.sampling_rate
{{AUDIO_HELPER}}
{{GPU_DECORATOR}}def generate(audio):
    if audio is None:
        raise gr.Error("Please record or upload audio.")
    predictions = classifier(to_model_audio(audio, TARGET_RATE), top_k=5)
    return {p["label"]: float(p["score"]) for p in predictions}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nAudio classification with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            audio = gr.Audio(label="Audio", sources=["upload", "microphone"], type="numpy")
            run = gr.Button("Classify", variant="primary")
        with gr.Column():
            output = gr.Label(label="Top classes", num_top_classes=5)
    run.click(generate, inputs=audio, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kSynthesis = R"PY(import numpy as np
import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
synthesizer = pipeline({{PIPELINE_TASK}}, model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})
MODEL_TYPE = getattr(synthesizer.model.config, "model_type", "") or ""


{{GPU_DECORATOR}}def generate(text, seconds=10):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    kwargs = {}
    if MODEL_TYPE.startswith("musicgen"):
        # MusicGen produces about 50 audio tokens per second.
        kwargs["forward_params"] = {"do_sample": True, "max_new_tokens": int(float(seconds) * 50)}
    result = synthesizer(text, **kwargs)
    audio = np.asarray(result["audio"], dtype=np.float32)
    audio = np.squeeze(audio)
    if audio.ndim == 2 and audio.shape[0] < audio.shape[1]:
        audio = audio.T  # (channels, samples) -> (samples, channels)
    audio = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
    return int(result["sampling_rate"]), audio


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\n{{KIND}} with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=4, value={{EXAMPLE}})
            seconds = gr.Slider(1, 30, value=10, step=1, label="Length in seconds (music models)")
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Audio(label="Audio", type="numpy")
    run.click(generate, inputs=[text, seconds], outputs=output, api_name="generate")
)PY";

constexpr std::string_view kAudioFileData =
    R"({"path": "https://cdn-media.huggingface.co/speech_samples/sample1.flac", "meta": {"_type": "gradio.FileData"}})";

std::vector<std::string> AudioRequirements(const TemplateContext& ctx, bool input_audio) {
  std::vector<std::string> reqs = {std::string(kReqTorch), std::string(kReqTransformers),
                                   std::string(kReqNumpy), "sentencepiece>=0.2"};
  if (input_audio) reqs.emplace_back("librosa>=0.10");
  AddAdapterRequirement(ctx, reqs);
  return reqs;
}

std::map<std::string, std::string> AudioExtra(const TemplateContext& ctx) {
  return {{"AUDIO_HELPER", Render(kAudioInputHelper, ctx)}};
}

TemplateOutput Asr(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kAsr, ctx, AudioExtra(ctx));
  out.requirements = AudioRequirements(ctx, true);
  out.api_inputs = "[" + std::string(kAudioFileData) + "]";
  out.api_outputs = "the transcript (string)";
  return out;
}

TemplateOutput AudioClassification(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kAudioClassification, ctx, AudioExtra(ctx));
  out.requirements = AudioRequirements(ctx, true);
  out.api_inputs = "[" + std::string(kAudioFileData) + "]";
  out.api_outputs = "a Label of the top 5 classes";
  return out;
}

TemplateOutput Synthesis(TemplateContext& ctx, std::string_view task, std::string_view kind,
                         std::string_view example) {
  TemplateOutput out;
  out.body = Render(
      kSynthesis, ctx,
      {{"PIPELINE_TASK", PyStr(task)}, {"KIND", std::string(kind)}, {"EXAMPLE", PyStr(example)}});
  out.requirements = AudioRequirements(ctx, false);
  out.requirements.emplace_back("scipy>=1.10");
  out.api_inputs = "[" + nlohmann::json(std::string(example)).dump() + ", 10]";
  out.api_outputs = "an Audio file (FileData, wav)";
  return out;
}

TemplateOutput TextToSpeech(TemplateContext& ctx) {
  return Synthesis(ctx, "text-to-speech", "Speech synthesis",
                   "Hello! This voice was generated by a model running in this Space.");
}

TemplateOutput TextToAudio(TemplateContext& ctx) {
  return Synthesis(ctx, "text-to-audio", "Audio generation",
                   "A calm lo-fi beat with soft piano and rain in the background.");
}

}  // namespace

const std::vector<TaskTemplate>& AudioTemplates() {
  static const std::vector<TaskTemplate> kTemplates = {
      {"automatic-speech-recognition", "🎙️", "blue", "green", &Asr},
      {"audio-classification", "🔊", "yellow", "blue", &AudioClassification},
      {"text-to-speech", "🗣️", "pink", "red", &TextToSpeech},
      {"text-to-audio", "🎵", "red", "yellow", &TextToAudio},
  };
  return kTemplates;
}

}  // namespace sf::spacegen::internal
