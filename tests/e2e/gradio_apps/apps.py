"""Fixture Gradio apps for the fidelity test of our Gradio client (src/gradio).

No model: outputs are generated with numpy / PIL so the test needs no network and no weights.
  text_to_text   : Textbox -> Textbox
  text_to_image  : Textbox -> Image (a generated picture)
  text_to_audio  : Textbox -> Audio (a generated WAV tone)
  image_to_label : Image   -> Label
"""
import numpy as np
import gradio as gr
from PIL import Image


def echo_text(prompt):
    return f"echo: {prompt}"


def make_image(prompt):
    h = w = 64
    seed = sum(prompt.encode()) % 256
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([(x * 4 + seed) % 256, (y * 4) % 256, np.full((h, w), seed)], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def make_audio(prompt):
    sr = 16000
    freq = 220 + 10 * (len(prompt) % 40)
    t = np.arange(int(sr * 0.5)) / sr
    return sr, (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def classify_image(image):
    arr = np.asarray(image.convert("RGB"), dtype=np.float64)
    bright = float(arr.mean() / 255.0)
    return {"bright": bright, "dark": 1.0 - bright}


def build():
    return {
        "text_to_text": gr.Interface(echo_text, gr.Textbox(label="prompt"), gr.Textbox(label="reply")),
        "text_to_image": gr.Interface(make_image, gr.Textbox(label="prompt"), gr.Image(label="image")),
        "text_to_audio": gr.Interface(make_audio, gr.Textbox(label="prompt"), gr.Audio(label="audio")),
        "image_to_label": gr.Interface(classify_image, gr.Image(type="pil", label="image"),
                                       gr.Label(label="label")),
    }
