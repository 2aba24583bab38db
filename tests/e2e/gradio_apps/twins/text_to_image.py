# Twin of a generated text-to-image Space (src/spacegen templates_vision.cc); see text_generation.py.
import gradio as gr
import numpy as np
from PIL import Image

TITLE = "Twin text to image"


def generate(prompt, negative_prompt="", steps=30, guidance_scale=7.5, seed=0):
    value = sum(prompt.encode()) % 256
    return Image.fromarray(np.full((16, 16, 3), value, dtype=np.uint8), "RGB")


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE)
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", lines=3, value="An astronaut riding a horse, watercolor")
            negative_prompt = gr.Textbox(label="Negative prompt", value="")
            steps = gr.Slider(1, 60, value=30, step=1, label="Steps")
            guidance_scale = gr.Slider(0.0, 15.0, value=7.5, step=0.5, label="Guidance scale")
            seed = gr.Number(label="Seed", value=0, precision=0)
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Image(label="Image", type="pil")
    run.click(
        generate, inputs=[prompt, negative_prompt, steps, guidance_scale, seed], outputs=output, api_name="generate"
    )
