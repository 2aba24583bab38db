// Text templates: text-generation (transformers, adapters, GGUF via llama-cpp-python),
// text2text-generation, summarization, translation, text-classification, token-classification
// (transformers or GLiNER), fill-mask, sentence-similarity, feature-extraction.
//
// transformers v5 removed the summarization / translation / text2text pipelines, so the seq2seq
// templates use AutoModelForSeq2SeqLM + generate(), and every template pins transformers<5.
#include <string>
#include <vector>

#include "spacegen/internal.h"

namespace sf::spacegen::internal {
namespace {

// ---------------------------------------------------------------------------------------------
// text-generation

constexpr std::string_view kCausalLm = R"PY(import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
{{PEFT_IMPORT}}
{{TORCH_DEVICE}}
# Weights are loaded once, at import time, and moved to the GPU when there is one.
tokenizer = AutoTokenizer.from_pretrained({{LOAD_ID}}{{TOKENIZER_KWARGS}})
model = AutoModelForCausalLM.from_pretrained({{LOAD_ID}}, torch_dtype=DTYPE{{MODEL_KWARGS}})
{{ADAPTER_LOAD}}model.to(DEVICE)
model.eval()


{{GPU_DECORATOR}}def generate(prompt, max_new_tokens=256, temperature=0.7):
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a prompt.")
    if tokenizer.chat_template:
        messages = [{"role": "user", "content": prompt}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(text, return_tensors="pt", add_special_tokens=False)
    else:
        inputs = tokenizer(prompt, return_tensors="pt")
    inputs = inputs.to(DEVICE)
    do_sample = float(temperature) > 0
    with torch.inference_mode():
        output_ids = model.generate(
            **inputs,
            max_new_tokens=int(max_new_tokens),
            do_sample=do_sample,
            temperature=float(temperature) if do_sample else None,
            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        )
    new_tokens = output_ids[0][inputs["input_ids"].shape[-1]:]
    return tokenizer.decode(new_tokens, skip_special_tokens=True).strip()


)PY";

constexpr std::string_view kGguf = R"PY(import re

from huggingface_hub import list_repo_files
from llama_cpp import Llama

# The repository holds only GGUF files: pick one quantisation at startup (a 4-bit K-quant when
# there is one) and run it with llama.cpp.
QUANT_PREFERENCE = ("q4_k_m", "q4_k_s", "q5_k_m", "q4_0", "q5_0", "q6_k", "q8_0")


def pick_gguf(repo_id):
    files = [f for f in list_repo_files(repo_id, token=HF_TOKEN) if f.lower().endswith(".gguf")]
    # Skip vision projectors and every shard but the first of a split file.
    files = [f for f in files if "mmproj" not in f.lower()]
    files = [f for f in files if not re.search(r"-0*([2-9]|[1-9][0-9]+)-of-[0-9]+\.gguf$", f)]
    if not files:
        raise RuntimeError("no .gguf file found in " + repo_id)
    for quant in QUANT_PREFERENCE:
        for name in sorted(files):
            if quant in name.lower():
                return name
    return sorted(files)[0]


GGUF_FILE = pick_gguf(MODEL_ID)
SHARDS = re.search(r"-0*1-of-([0-9]+)\.gguf$", GGUF_FILE)
EXTRA_FILES = None
if SHARDS:
    total = int(SHARDS.group(1))
    width = len(SHARDS.group(1))
    EXTRA_FILES = [
        re.sub(r"-0*1-of-", "-" + str(i).zfill(width) + "-of-", GGUF_FILE) for i in range(2, total + 1)
    ]
llm = Llama.from_pretrained(
    repo_id=MODEL_ID,
    filename=GGUF_FILE,
    additional_files=EXTRA_FILES,
    n_ctx=4096,
    n_threads=os.cpu_count() or 2,
    verbose=False,
)
HAS_CHAT_TEMPLATE = bool(llm.metadata.get("tokenizer.chat_template"))


{{GPU_DECORATOR}}def generate(prompt, max_new_tokens=256, temperature=0.7):
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a prompt.")
    if HAS_CHAT_TEMPLATE:
        result = llm.create_chat_completion(
            messages=[{"role": "user", "content": prompt}],
            max_tokens=int(max_new_tokens),
            temperature=float(temperature),
        )
        return result["choices"][0]["message"]["content"].strip()
    result = llm(prompt, max_tokens=int(max_new_tokens), temperature=float(temperature))
    return result["choices"][0]["text"].strip()


)PY";

constexpr std::string_view kTextGenUi = R"PY(with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nText generation with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", lines=4, value="Write a haiku about the sea.")
            max_new_tokens = gr.Slider(16, 1024, value=256, step=16, label="Max new tokens")
            temperature = gr.Slider(0.0, 1.5, value=0.7, step=0.05, label="Temperature")
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Output", lines=14)
    run.click(generate, inputs=[prompt, max_new_tokens, temperature], outputs=output, api_name="generate")
)PY";

TemplateOutput TextGeneration(TemplateContext& ctx) {
  TemplateOutput out;
  out.api_inputs = R"(["Write a haiku about the sea.", 256, 0.7])";
  out.api_outputs = "the generated text (string)";
  if (ctx.gguf_only) {
    ctx.notes.push_back("GGUF-only repository: served with llama-cpp-python on the CPU");
    out.body = Render(kGguf, ctx) + Render(kTextGenUi, ctx);
    // Prebuilt CPU wheels: building llama.cpp from source would exceed the Space build time.
    out.requirements = {"--extra-index-url https://abetlen.github.io/llama-cpp-python/whl/cpu",
                        "llama-cpp-python>=0.3.2", std::string(kReqHub)};
    return out;
  }
  std::map<std::string, std::string> extra = {{"PEFT_IMPORT", ""}, {"ADAPTER_LOAD", ""}};
  if (ctx.adapter) {
    extra["PEFT_IMPORT"] = "from peft import PeftModel\n";
    extra["ADAPTER_LOAD"] =
        "# The repository is an adapter: apply it on top of its base model.\n"
        "model = PeftModel.from_pretrained(model, MODEL_ID, token=HF_TOKEN)\n";
  }
  out.body = Render(kCausalLm, ctx, extra) + Render(kTextGenUi, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers),
                      std::string(kReqAccelerate), "sentencepiece>=0.2", "protobuf>=4.25"};
  AddAdapterRequirement(ctx, out.requirements);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seq2seq: text2text-generation, summarization, translation

constexpr std::string_view kSeq2SeqLoad = R"PY(import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

{{TORCH_DEVICE}}
# transformers v5 dropped the summarization/translation/text2text pipelines: use the Auto classes
# and generate() directly (works on v4 as well).
tokenizer = AutoTokenizer.from_pretrained({{LOAD_ID}}{{TOKENIZER_KWARGS}})
model = AutoModelForSeq2SeqLM.from_pretrained({{LOAD_ID}}{{MODEL_KWARGS}})
{{ADAPTER_LOAD}}model.to(DEVICE)
model.eval()

)PY";

constexpr std::string_view kText2Text = R"PY(
{{GPU_DECORATOR}}def generate(text, max_new_tokens=128, num_beams=4):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=1024)
    inputs = {k: v.to(DEVICE) for k, v in inputs.items() if k != "token_type_ids"}
    with torch.inference_mode():
        output_ids = model.generate(**inputs, max_new_tokens=int(max_new_tokens), num_beams=int(num_beams))
    return tokenizer.decode(output_ids[0], skip_special_tokens=True).strip()


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\n{{KIND}} with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Input text", lines=7, value={{EXAMPLE}})
            max_new_tokens = gr.Slider(8, 512, value={{MAX_TOKENS}}, step=8, label="Max new tokens")
            num_beams = gr.Slider(1, 8, value=4, step=1, label="Beams")
            run = gr.Button("Run", variant="primary")
        with gr.Column():
            output = gr.Textbox(label={{OUTPUT_LABEL}}, lines=7)
    run.click(generate, inputs=[text, max_new_tokens, num_beams], outputs=output, api_name="generate")
)PY";

constexpr std::string_view kTranslation = R"PY(
def language_token_id(code):
    # mBART-50 / NLLB / M2M100 select the target language with a forced first token.
    if hasattr(tokenizer, "get_lang_id"):
        return tokenizer.get_lang_id(code)
    token_id = tokenizer.convert_tokens_to_ids(code)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise gr.Error("Unknown language code for this tokenizer: " + code)
    return token_id


{{GPU_DECORATOR}}def generate(text, source_lang="", target_lang="", max_new_tokens=256):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    source_lang = (source_lang or "").strip()
    target_lang = (target_lang or "").strip()
    if source_lang and hasattr(tokenizer, "src_lang"):
        tokenizer.src_lang = source_lang
    inputs = tokenizer(text, return_tensors="pt", truncation=True, max_length=1024)
    inputs = {k: v.to(DEVICE) for k, v in inputs.items() if k != "token_type_ids"}
    kwargs = {"max_new_tokens": int(max_new_tokens), "num_beams": 4}
    if target_lang:
        kwargs["forced_bos_token_id"] = language_token_id(target_lang)
    with torch.inference_mode():
        output_ids = model.generate(**inputs, **kwargs)
    return tokenizer.decode(output_ids[0], skip_special_tokens=True).strip()


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown(
        "# " + TITLE + "\n\nTranslation with `" + MODEL_ID + "`. Multilingual models (mBART-50, "
        "NLLB, M2M100) need language codes such as `en_XX` or `fra_Latn`; leave them empty for "
        "single-pair models."
    )
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=6, value="The weather is nice today.")
            source_lang = gr.Textbox(label="Source language code (optional)", value={{SRC_LANG}})
            target_lang = gr.Textbox(label="Target language code (optional)", value="")
            max_new_tokens = gr.Slider(8, 512, value=256, step=8, label="Max new tokens")
            run = gr.Button("Translate", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Translation", lines=6)
    run.click(
        generate, inputs=[text, source_lang, target_lang, max_new_tokens], outputs=output, api_name="generate"
    )
)PY";

std::map<std::string, std::string> Seq2SeqExtra(const TemplateContext& ctx) {
  std::map<std::string, std::string> extra = {{"ADAPTER_LOAD", ""}};
  if (ctx.adapter) {
    extra["ADAPTER_LOAD"] =
        "from peft import PeftModel\n\n"
        "model = PeftModel.from_pretrained(model, MODEL_ID, token=HF_TOKEN)\n";
  }
  return extra;
}

std::vector<std::string> Seq2SeqRequirements(const TemplateContext& ctx) {
  std::vector<std::string> reqs = {std::string(kReqTorch), std::string(kReqTransformers),
                                   "sentencepiece>=0.2", "protobuf>=4.25"};
  AddAdapterRequirement(ctx, reqs);
  return reqs;
}

TemplateOutput Seq2Seq(TemplateContext& ctx, std::string_view kind, std::string_view example,
                       std::string_view output_label, int max_tokens) {
  TemplateOutput out;
  auto extra = Seq2SeqExtra(ctx);
  extra["KIND"] = std::string(kind);
  extra["EXAMPLE"] = PyStr(example);
  extra["OUTPUT_LABEL"] = PyStr(output_label);
  extra["MAX_TOKENS"] = std::to_string(max_tokens);
  out.body = Render(kSeq2SeqLoad, ctx, extra) + Render(kText2Text, ctx, extra);
  out.requirements = Seq2SeqRequirements(ctx);
  out.api_inputs = "[" + nlohmann::json(std::string(example)).dump() + ", " +
                   std::to_string(max_tokens) + ", 4]";
  out.api_outputs = "the " + std::string(output_label) + " (string)";
  return out;
}

TemplateOutput Text2Text(TemplateContext& ctx) {
  return Seq2Seq(ctx, "Text-to-text generation",
                 "Translate English to German: The house is wonderful.", "Generated text", 128);
}

TemplateOutput Summarization(TemplateContext& ctx) {
  return Seq2Seq(ctx, "Summarization",
                 "The tower is 324 metres tall, about the same height as an 81-storey building, "
                 "and the tallest structure in Paris. Its base is square, measuring 125 metres on "
                 "each side. During its construction, the Eiffel Tower surpassed the Washington "
                 "Monument to become the tallest man-made structure in the world.",
                 "Summary", 128);
}

TemplateOutput Translation(TemplateContext& ctx) {
  TemplateOutput out;
  auto extra = Seq2SeqExtra(ctx);
  extra["SRC_LANG"] = PyStr("");
  out.body = Render(kSeq2SeqLoad, ctx, extra) + Render(kTranslation, ctx, extra);
  out.requirements = Seq2SeqRequirements(ctx);
  out.api_inputs = R"(["The weather is nice today.", "", "", 256])";
  out.api_outputs = "the translation (string)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Classification-style pipelines

constexpr std::string_view kTextClassification = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
classifier = pipeline("text-classification", model=MODEL_ID, device=DEVICE, top_k=None{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(text):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    scores = classifier(text, truncation=True)
    if scores and isinstance(scores[0], list):
        scores = scores[0]
    return {item["label"]: float(item["score"]) for item in scores}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nText classification with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=5, value="I loved this movie, the acting was superb.")
            run = gr.Button("Classify", variant="primary")
        with gr.Column():
            output = gr.Label(label="Labels", num_top_classes=5)
    run.click(generate, inputs=text, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kTokenClassification = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
tagger = pipeline(
    "token-classification", model=MODEL_ID, device=DEVICE, aggregation_strategy="simple"{{TOKENIZER_KWARGS}}
)


{{GPU_DECORATOR}}def generate(text):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    entities = tagger(text)
    spans = [
        {"entity": e.get("entity_group", e.get("entity", "")), "start": int(e["start"]), "end": int(e["end"]),
         "score": float(e["score"])}
        for e in entities
        if e.get("start") is not None and e.get("end") is not None
    ]
    return {"text": text, "entities": spans}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nToken classification with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=5, value="My name is Wolfgang and I live in Berlin.")
            run = gr.Button("Tag", variant="primary")
        with gr.Column():
            output = gr.HighlightedText(label="Entities")
    run.click(generate, inputs=text, outputs=output, api_name="generate")
)PY";

constexpr std::string_view kGliner = R"PY(import torch
from gliner import GLiNER

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
# GLiNER: zero-shot entity recognition; the labels to look for are an input.
model = GLiNER.from_pretrained(MODEL_ID, token=HF_TOKEN)
model.to(DEVICE)


{{GPU_DECORATOR}}def generate(text, labels="person, organization, location, date", threshold=0.5):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    label_list = [label.strip() for label in (labels or "").split(",") if label.strip()]
    if not label_list:
        raise gr.Error("Please give at least one entity label.")
    entities = model.predict_entities(text, label_list, threshold=float(threshold))
    spans = [
        {"entity": e["label"], "start": int(e["start"]), "end": int(e["end"]), "score": float(e["score"])}
        for e in entities
    ]
    return {"text": text, "entities": spans}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nZero-shot entity recognition (GLiNER) with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=5, value="Mario Draghi è nato a Roma nel 1947.")
            labels = gr.Textbox(label="Entity labels (comma separated)", value="persona, luogo, data")
            threshold = gr.Slider(0.1, 0.9, value=0.5, step=0.05, label="Threshold")
            run = gr.Button("Tag", variant="primary")
        with gr.Column():
            output = gr.HighlightedText(label="Entities")
    run.click(generate, inputs=[text, labels, threshold], outputs=output, api_name="generate")
)PY";

TemplateOutput TextClassification(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kTextClassification, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers), "sentencepiece>=0.2",
                      "protobuf>=4.25"};
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = R"(["I loved this movie, the acting was superb."])";
  out.api_outputs = "a Label: {\"label\", \"confidences\": [{\"label\", \"confidence\"}]}";
  return out;
}

TemplateOutput TokenClassification(TemplateContext& ctx) {
  TemplateOutput out;
  out.api_outputs = "HighlightedText: a list of [span, entity] pairs";
  if (ctx.library == "gliner") {
    ctx.notes.push_back("library gliner: zero-shot NER through the gliner package");
    out.body = Render(kGliner, ctx);
    out.requirements = {std::string(kReqTorch), "gliner>=0.2.13"};
    out.api_inputs = R"(["Mario Draghi è nato a Roma nel 1947.", "persona, luogo, data", 0.5])";
    return out;
  }
  out.body = Render(kTokenClassification, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers), "sentencepiece>=0.2",
                      "protobuf>=4.25"};
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = R"(["My name is Wolfgang and I live in Berlin."])";
  return out;
}

constexpr std::string_view kFillMask = R"PY(import torch
from transformers import pipeline

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
unmasker = pipeline("fill-mask", model=MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})
MASK = unmasker.tokenizer.mask_token or "[MASK]"


{{GPU_DECORATOR}}def generate(text):
    if not text or MASK not in text:
        raise gr.Error("The text must contain the mask token " + MASK)
    predictions = unmasker(text, top_k=5)
    if predictions and isinstance(predictions[0], list):
        predictions = predictions[0]
    return {p["token_str"].strip(): float(p["score"]) for p in predictions}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nMasked-token prediction with `" + MODEL_ID + "`. Use `" + MASK + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text with a mask token", lines=3, value="Paris is the " + MASK + " of France.")
            run = gr.Button("Fill", variant="primary")
        with gr.Column():
            output = gr.Label(label="Top predictions", num_top_classes=5)
    run.click(generate, inputs=text, outputs=output, api_name="generate")
)PY";

TemplateOutput FillMask(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kFillMask, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers), "sentencepiece>=0.2",
                      "protobuf>=4.25"};
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = R"(["Paris is the <mask> of France."])";
  out.api_outputs = "a Label of the top tokens (use the model's own mask token)";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Embeddings

constexpr std::string_view kSentenceSimilarity = R"PY(import torch
from sentence_transformers import SentenceTransformer, util

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
model = SentenceTransformer(MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(source, sentences):
    if not source or not source.strip():
        raise gr.Error("Please enter a source sentence.")
    candidates = [s.strip() for s in (sentences or "").splitlines() if s.strip()]
    if not candidates:
        raise gr.Error("Please enter at least one sentence to compare (one per line).")
    embeddings = model.encode([source] + candidates, convert_to_tensor=True, normalize_embeddings=True)
    scores = util.cos_sim(embeddings[0:1], embeddings[1:])[0]
    return {sentence: float(score) for sentence, score in zip(candidates, scores.tolist())}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nSentence similarity with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            source = gr.Textbox(label="Source sentence", value="The stock market fell sharply today.")
            sentences = gr.Textbox(
                label="Sentences to compare (one per line)",
                lines=5,
                value="Shares dropped a lot on Monday.\nThe weather is sunny.\nInvestors sold equities in a panic.",
            )
            run = gr.Button("Compare", variant="primary")
        with gr.Column():
            output = gr.Label(label="Cosine similarity")
    run.click(generate, inputs=[source, sentences], outputs=output, api_name="generate")
)PY";

TemplateOutput SentenceSimilarity(TemplateContext& ctx) {
  TemplateOutput out;
  out.body = Render(kSentenceSimilarity, ctx);
  out.requirements = {std::string(kReqTorch), "sentence-transformers>=3.0",
                      std::string(kReqTransformers)};
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = R"(["The stock market fell sharply today.", "Shares dropped.\nIt is sunny."])";
  out.api_outputs = "a Label mapping each sentence to its cosine similarity";
  return out;
}

constexpr std::string_view kFeatureExtractionSt = R"PY(import torch
from sentence_transformers import SentenceTransformer

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
model = SentenceTransformer(MODEL_ID, device=DEVICE{{TOKENIZER_KWARGS}})


{{GPU_DECORATOR}}def generate(text):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    vector = model.encode(text, normalize_embeddings=True)
    return {"dimension": int(vector.shape[-1]), "embedding": [float(x) for x in vector.tolist()]}


)PY";

constexpr std::string_view kFeatureExtractionAuto = R"PY(import torch
from transformers import AutoModel, AutoTokenizer

{{TORCH_DEVICE}}
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID{{TOKENIZER_KWARGS}})
model = AutoModel.from_pretrained(MODEL_ID{{MODEL_KWARGS}})
model.to(DEVICE)
model.eval()


{{GPU_DECORATOR}}def generate(text):
    if not text or not text.strip():
        raise gr.Error("Please enter some text.")
    inputs = tokenizer([text], return_tensors="pt", truncation=True, max_length=512, padding=True)
    inputs = {k: v.to(DEVICE) for k, v in inputs.items()}
    with torch.inference_mode():
        outputs = model(**inputs)
    hidden = outputs.last_hidden_state if hasattr(outputs, "last_hidden_state") else outputs[0]
    if hidden.dim() == 3:
        # Mean pooling over the real (non-padding) tokens.
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        hidden = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    vector = torch.nn.functional.normalize(hidden.float(), dim=-1)[0].cpu()
    return {"dimension": int(vector.shape[-1]), "embedding": [float(x) for x in vector.tolist()]}


)PY";

constexpr std::string_view kFeatureExtractionUi = R"PY(with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE + "\n\nText embeddings with `" + MODEL_ID + "`.")
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=4, value="Embeddings turn text into vectors.")
            run = gr.Button("Embed", variant="primary")
        with gr.Column():
            output = gr.JSON(label="Embedding")
    run.click(generate, inputs=text, outputs=output, api_name="generate")
)PY";

TemplateOutput FeatureExtraction(TemplateContext& ctx) {
  TemplateOutput out;
  bool st = ctx.library == "sentence-transformers";
  out.body = Render(st ? kFeatureExtractionSt : kFeatureExtractionAuto, ctx) +
             Render(kFeatureExtractionUi, ctx);
  out.requirements = {std::string(kReqTorch), std::string(kReqTransformers)};
  if (st) out.requirements.emplace_back("sentence-transformers>=3.0");
  out.requirements.emplace_back("sentencepiece>=0.2");
  AddAdapterRequirement(ctx, out.requirements);
  out.api_inputs = R"(["Embeddings turn text into vectors."])";
  out.api_outputs = "JSON {\"dimension\": int, \"embedding\": [float, ...]}";
  return out;
}

}  // namespace

const std::vector<TaskTemplate>& TextTemplates() {
  static const std::vector<TaskTemplate> kTemplates = {
      {"text-generation", "💬", "blue", "indigo", &TextGeneration},
      {"text2text-generation", "🔁", "blue", "green", &Text2Text},
      {"summarization", "📝", "yellow", "green", &Summarization},
      {"translation", "🌍", "green", "blue", &Translation},
      {"text-classification", "🏷️", "purple", "blue", &TextClassification},
      {"token-classification", "🔖", "purple", "pink", &TokenClassification},
      {"fill-mask", "🎭", "pink", "purple", &FillMask},
      {"sentence-similarity", "🔗", "indigo", "blue", &SentenceSimilarity},
      {"feature-extraction", "🧮", "gray", "indigo", &FeatureExtraction},
  };
  return kTemplates;
}

}  // namespace sf::spacegen::internal
