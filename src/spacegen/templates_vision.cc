// Vision templates: image-text-to-text, image-classification, object-detection,
// image-segmentation, depth-estimation, zero-shot-image-classification (transformers or
// open_clip), text-to-image and image-to-image (diffusers, with LoRA adapters on a base model).
#include <string>
#include <vector>

#include "spacegen/internal.h"

namespace sf::spacegen::internal {
namespace {

std::vector<std::string> VisionPipelineRequirements(const TemplateContext& ctx) {
  std::vector<std::string> reqs = {std::string(kReqTorch), std::string(kReqTransformers),
                                   std::string(kReqPillow), std::string(kReqNumpy)};
  if (ctx.library == "timm") reqs.emplace_back("timm>=1.0");
  AddAdapterRequirement(ctx, reqs);
  return reqs;
}

// ---------------------------------------------------------------------------------------------
// image-text-to-text

constexpr std::string_view kVlm = R"PY(import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

{{TORCH_DEVICE}}
processor = AutoProcessor.from_pretrained(MODEL_ID{{TOKENIZER_KWARGS}})
model = AutoModelForImageTextToText.from_pretrained(MODEL_ID, torch_dtype=DTYPE{{MODEL_KWARGS}})
model.to(DEVICE)
model.eval()


{{GPU_DECORATOR}}def generate(image, prompt, max_new_tokens=256):
    if image is None:
        raise gr.Error("Please upload an image.")
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a question or instruction.")
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    inputs = processor(text=[text], images=[image.convert("RGB")], return_tensors="pt")
    inputs = inputs.to(DEVICE, dtype=DTYPE)
    with torch.inference_mode():
        output_ids = model.generate(**inputs, max_new_tokens=int(max_new_tokens), do_sample=False)
    new_tokens = output_ids[:, inputs["input_ids"].shape[-1]:]
    return processor.batch_decode(new_tokens, skip_special_tokens=True)[0].strip()


)PY";

// Remote-code VLMs (MiniCPM-V, ...) expose their own chat() instead of the processor protocol.
constexpr std::string_view kVlmRemoteCode = R"PY(import torch
from transformers import AutoModel, AutoTokenizer

{{TORCH_DEVICE}}
# The model ships its own code (trust_remote_code) with a chat() entry point.
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID{{TOKENIZER_KWARGS}})
model = AutoModel.from_pretrained(MODEL_ID, torch_dtype=DTYPE{{MODEL_KWARGS}})
if not getattr(model, "is_quantized", False):
    model.to(DEVICE)
model.eval()


{{GPU_DECORATOR}}def generate(image, prompt, max_new_tokens=256):
    if image is None:
        raise gr.Error("Please upload an image.")
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a question or instruction.")
    msgs = [{"role": "user", "content": prompt}]
    with torch.inference_mode():
        answer = model.chat(
            image=image.convert("RGB"),
            msgs=msgs,
            tokenizer=tokenizer,
            sampling=False,
            max_new_tokens=int(max_new_tokens),
        )
    if not isinstance(answer, str):
        answer = "".join(answer)
    return answer.strip()


)PY";

constexpr std::string_view kVlmUi = R"PY(with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nImage + text to text with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            prompt = gr.Textbox(label="Question or instruction", lines=3, value="Describe this image.")
            max_new_tokens = gr.Slider(16, 1024, value=256, step=16, label="Max new tokens")
            run = gr.Button("Ask", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Answer", lines=12)
    run.click(generate, inputs=[image, prompt, max_new_tokens], outputs=output, api_name="generate")
)PY";

constexpr std::string_view kImageFileData =
    R"({"path": "https://huggingface.co/datasets/huggingface/documentation-images/resolve/main/pipeline-cat-chonk.jpeg", "meta": {"_type": "gradio.FileData"}})";

TemplateOutput ImageTextToText(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(ctx.trust_remote_code ? kVlmRemoteCode : kVlm, ctx) + Render(kVlmUi, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers),
                      std::string(kReqAccelerate), std::string(kReqPillow)};
  if (ctx.trust_remote_code) {
    // Remote-code VLMs commonly import these; pinned loosely.
    out.requirements.insert(out.requirements.end(),
                            {"sentencepiece>=0.2", "torchvision>=0.19", "timm>=1.0"});
  }
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = "[" + std::string(kImageFileData) + ", \"Describe this image.\", 256]";
  out.api_outputs = "the answer (string)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Image pipelines

constexpr std::string_view kImageClassification = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
classifier = pipeline("image-classification", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(image):
    if image is None:
        raise gr.Error("Please upload an image.")
    predictions = classifier(image.convert("RGB"), top_k=5)
    return {p["label"]: float(p["score"]) for p in predictions}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nImage classification with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            run = gr.Button("Classify", variant="primary")
        with gr.Column():
            output = gr.Label(label="Top classes", num_top_classes=5)
    run.click(generate, inputs=image, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kObjectDetection = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
detector = pipeline("object-detection", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(image, threshold=0.5):
    if image is None:
        raise gr.Error("Please upload an image.")
    image = image.convert("RGB")
    detections = detector(image, threshold=float(threshold))
    boxes = []
    for d in detections:
        box = d["box"]
        label = d["label"] + " " + format(float(d["score"]), ".2f")
        boxes.append(((int(box["xmin"]), int(box["ymin"]), int(box["xmax"]), int(box["ymax"])), label))
    return image, boxes


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nObject detection with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            threshold = gr.Slider(0.05, 0.95, value=0.5, step=0.05, label="Score threshold")
            run = gr.Button("Detect", variant="primary")
        with gr.Column():
            output = gr.AnnotatedImage(label="Detections")
    run.click(generate, inputs=[image, threshold], outputs=output, api_name="generate")
)PY";

constexpr std::string_view kImageSegmentation = R"PY(import numpy as np
import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
segmenter = pipeline("image-segmentation", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(image):
    if image is None:
        raise gr.Error("Please upload an image.")
    image = image.convert("RGB")
    segments = segmenter(image)
    annotations = []
    for i, s in enumerate(segments):
        mask = (np.array(s["mask"], dtype=np.float32) / 255.0).clip(0.0, 1.0)
        label = s.get("label") or ("segment " + str(i))
        if s.get("score") is not None:
            label += " " + format(float(s["score"]), ".2f")
        annotations.append((mask, label))
    return image, annotations


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nImage segmentation with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            run = gr.Button("Segment", variant="primary")
        with gr.Column():
            output = gr.AnnotatedImage(label="Segments")
    run.click(generate, inputs=image, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kDepth = R"PY(import numpy as np
import torch
from PIL import Image
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
estimator = pipeline("depth-estimation", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(image):
    if image is None:
        raise gr.Error("Please upload an image.")
    result = estimator(image.convert("RGB"))
    depth = np.array(result["depth"], dtype=np.float32)
    depth = depth - depth.min()
    if depth.max() > 0:
        depth = depth / depth.max()
    depth_image = Image.fromarray((depth * 255.0).astype(np.uint8))
    return depth_image.resize(image.size)


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nDepth estimation with `" + MODEL_ID + "` (brighter is the model's larger value).")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            run = gr.Button("Estimate depth", variant="primary")
        with gr.Column():
            output = gr.Image(label="Depth map", type="pil")
    run.click(generate, inputs=image, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kZeroShotImage = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
classifier = pipeline("zero-shot-image-classification", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(image, labels="a cat, a dog, a bird"):
    if image is None:
        raise gr.Error("Please upload an image.")
    candidates = [label.strip() for label in (labels or "").split(",") if label.strip()]
    if not candidates:
        raise gr.Error("Please give at least one candidate label.")
    predictions = classifier(image.convert("RGB"), candidate_labels=candidates)
    return {p["label"]: float(p["score"]) for p in predictions}


)PY";

constexpr std::string_view kZeroShotOpenClip = R"PY(import open_clip
import torch

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# OpenCLIP checkpoint on the Hub: model, preprocessing and tokenizer come from the repo config.
model, preprocess = open_clip.create_model_from_pretrained("hf-hub:" + MODEL_ID)
tokenizer = open_clip.get_tokenizer("hf-hub:" + MODEL_ID)
model.to(DEVICE)
model.eval()


{{GPU_DECORATOR}}def generate(image, labels="a cat, a dog, a bird"):
    if image is None:
        raise gr.Error("Please upload an image.")
    candidates = [label.strip() for label in (labels or "").split(",") if label.strip()]
    if not candidates:
        raise gr.Error("Please give at least one candidate label.")
    pixels = preprocess(image.convert("RGB")).unsqueeze(0).to(DEVICE)
    tokens = tokenizer(["a photo of " + c for c in candidates]).to(DEVICE)
    with torch.inference_mode():
        image_features = model.encode_image(pixels)
        text_features = model.encode_text(tokens)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        probs = (100.0 * image_features @ text_features.T).softmax(dim=-1)[0]
    return {c: float(p) for c, p in zip(candidates, probs.tolist())}


)PY";

constexpr std::string_view kZeroShotUi = R"PY(with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nZero-shot image classification with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            labels = gr.Textbox(label="Candidate labels (comma separated)", value="a cat, a dog, a bird")
            run = gr.Button("Classify", variant="primary")
        with gr.Column():
            output = gr.Label(label="Scores")
    run.click(generate, inputs=[image, labels], outputs=output, api_name="generate")
)PY";

TemplateOutput ImageClassification(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kImageClassification, ctx);
  out.requirements = VisionPipelineRequirements(ctx);
  out.api_inputs = "[" + std::string(kImageFileData) + "]";
  out.api_outputs = "a Label of the top 5 classes";
  return out;
}

TemplateOutput ObjectDetection(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kObjectDetection, ctx);
  out.requirements = VisionPipelineRequirements(ctx);
  // DETR-style checkpoints need timm for their backbone.
  if (ctx.library != "timm") out.requirements.emplace_back("timm>=1.0");
  out.api_inputs = "[" + std::string(kImageFileData) + ", 0.5]";
  out.api_outputs = "AnnotatedImage: {\"image\": FileData, \"annotations\": [boxes + labels]}";
  return out;
}

TemplateOutput ImageSegmentation(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kImageSegmentation, ctx);
  out.requirements = VisionPipelineRequirements(ctx);
  if (ctx.library != "timm") out.requirements.emplace_back("timm>=1.0");
  out.requirements.emplace_back("scipy>=1.10");
  out.api_inputs = "[" + std::string(kImageFileData) + "]";
  out.api_outputs = "AnnotatedImage: {\"image\": FileData, \"annotations\": [masks + labels]}";
  return out;
}

TemplateOutput DepthEstimation(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kDepth, ctx);
  out.requirements = VisionPipelineRequirements(ctx);
  out.api_inputs = "[" + std::string(kImageFileData) + "]";
  out.api_outputs = "an Image (FileData) of the normalised depth map";
  return out;
}

TemplateOutput ZeroShotImageClassification(TemplateContext& ctx) {
  TemplateOutput out;
  bool clip = ctx.library == "open_clip" || ctx.library == "open-clip";
  if (clip) ctx.notes.push_back("library open_clip: loaded with open_clip, not transformers");
  out.body = Render(clip ? kZeroShotOpenClip : kZeroShotImage, ctx) + Render(kZeroShotUi, ctx);
  if (clip) {
    out.requirements = {std::string(kReqTorch), "open_clip_torch>=2.26", "timm>=1.0",
                        std::string(kReqPillow), std::string(kReqHub)};
  } else {
    out.requirements = VisionPipelineRequirements(ctx);
  }
  out.api_inputs = "[" + std::string(kImageFileData) + ", \"a cat, a dog, a bird\"]";
  out.api_outputs = "a Label of the candidate labels' probabilities";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Diffusers

constexpr std::string_view kTextToImage = R"PY(import torch
from diffusers import DiffusionPipeline

{{TORCH_DEVICE}}
pipe = DiffusionPipeline.from_pretrained({{LOAD_ID}}, torch_dtype=DTYPE, token=HF_TOKEN)
{{LORA_LOAD}}pipe.to(DEVICE)
MAX_SEED = 2**31 - 1


{{GPU_DECORATOR}}def generate(prompt, negative_prompt="", steps=25, guidance_scale=5.0, seed=0):
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a prompt.")
    generator = torch.Generator(device=DEVICE).manual_seed(int(seed) % MAX_SEED)
    kwargs = {"num_inference_steps": int(steps), "guidance_scale": float(guidance_scale), "generator": generator}
    if negative_prompt and negative_prompt.strip():
        kwargs["negative_prompt"] = negative_prompt
    result = pipe(prompt=prompt, **kwargs)
    return result.images[0]


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nText to image with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", lines=3, value="An astronaut riding a horse, watercolor")
            negative_prompt = gr.Textbox(label="Negative prompt", value="")
            steps = gr.Slider(1, 60, value={{STEPS}}, step=1, label="Steps")
            guidance_scale = gr.Slider(0.0, 15.0, value={{GUIDANCE}}, step=0.5, label="Guidance scale")
            seed = gr.Number(label="Seed", value=0, precision=0)
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Image(label="Image", type="pil")
    run.click(
        generate, inputs=[prompt, negative_prompt, steps, guidance_scale, seed], outputs=output, api_name="generate"
    )
)PY";

constexpr std::string_view kImageToImage = R"PY(import torch
from diffusers import AutoPipelineForImage2Image

{{TORCH_DEVICE}}
pipe = AutoPipelineForImage2Image.from_pretrained({{LOAD_ID}}, torch_dtype=DTYPE, token=HF_TOKEN)
{{LORA_LOAD}}pipe.to(DEVICE)
MAX_SEED = 2**31 - 1


{{GPU_DECORATOR}}def generate(image, prompt, strength=0.6, steps=30, guidance_scale=7.5, seed=0):
    if image is None:
        raise gr.Error("Please upload an image.")
    image = image.convert("RGB")
    image.thumbnail((1024, 1024))
    generator = torch.Generator(device=DEVICE).manual_seed(int(seed) % MAX_SEED)
    result = pipe(
        prompt=prompt or "",
        image=image,
        strength=float(strength),
        num_inference_steps=int(steps),
        guidance_scale=float(guidance_scale),
        generator=generator,
    )
    return result.images[0]


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nImage to image with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Input image", type="pil")
            prompt = gr.Textbox(label="Prompt", lines=2, value="A watercolor painting")
            strength = gr.Slider(0.05, 1.0, value=0.6, step=0.05, label="Strength")
            steps = gr.Slider(1, 60, value=30, step=1, label="Steps")
            guidance_scale = gr.Slider(0.0, 15.0, value=7.5, step=0.5, label="Guidance scale")
            seed = gr.Number(label="Seed", value=0, precision=0)
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Image(label="Output image", type="pil")
    run.click(
        generate,
        inputs=[image, prompt, strength, steps, guidance_scale, seed],
        outputs=output,
        api_name="generate",
    )
)PY";

std::map<std::string, std::string> DiffusersExtra(TemplateContext& ctx) {
  std::map<std::string, std::string> extra = {{"LORA_LOAD", ""}};
  if (ctx.adapter) {
    extra["LORA_LOAD"] =
        "# The repository is a LoRA: load its base pipeline (above), then the adapter weights.\n"
        "pipe.load_lora_weights(MODEL_ID, token=HF_TOKEN)\n";
  }
  return extra;
}

std::vector<std::string> DiffusersRequirements(const TemplateContext& ctx) {
  std::vector<std::string> reqs = {
      std::string(kReqTorch),      "diffusers>=0.31",  std::string(kReqTransformers),
      std::string(kReqAccelerate), "safetensors>=0.4", "sentencepiece>=0.2",
      std::string(kReqPillow)};
  if (ctx.adapter) reqs.emplace_back(kReqPeft);
  return reqs;
}

TemplateOutput TextToImage(TemplateContext& ctx) {
  TemplateOutput out;
  auto extra = DiffusersExtra(ctx);
  extra["STEPS"] = "25";
  extra["GUIDANCE"] = "5.0";
  out.body = Render(kTextToImage, ctx, extra);
  out.requirements = DiffusersRequirements(ctx);
  out.api_inputs = R"(["An astronaut riding a horse, watercolor", "", 25, 5.0, 0])";
  out.api_outputs = "an Image (FileData, webp/png)";
  return out;
}

TemplateOutput ImageToImage(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kImageToImage, ctx, DiffusersExtra(ctx));
  out.requirements = DiffusersRequirements(ctx);
  out.api_inputs =
      "[" + std::string(kImageFileData) + ", \"A watercolor painting\", 0.6, 30, 7.5, 0]";
  out.api_outputs = "an Image (FileData, webp/png)";
  return out;
}

}  // namespace

const std::vector<TaskTemplate>& VisionTemplates() {
  static const std::vector<TaskTemplate> kTemplates = {
      {"image-text-to-text", "🖼️", "indigo", "purple", &ImageTextToText},
      {"image-classification", "🏷️", "green", "yellow", &ImageClassification},
      {"object-detection", "📦", "yellow", "red", &ObjectDetection},
      {"image-segmentation", "🧩", "pink", "yellow", &ImageSegmentation},
      {"depth-estimation", "🌊", "blue", "gray", &DepthEstimation},
      {"zero-shot-image-classification", "🔍", "green", "indigo", &ZeroShotImageClassification},
      {"text-to-image", "🎨", "red", "purple", &TextToImage},
      {"image-to-image", "🪄", "purple", "pink", &ImageToImage},
  };
  return kTemplates;
}

}  // namespace sf::spacegen::internal
