# Twin of a generated text-to-speech Space (src/spacegen templates_audio.cc); see text_generation.py.
import gradio as gr
import numpy as np

TITLE = "Twin text to speech"


def generate(text, seconds=10):
    t = np.arange(8000) / 16000.0
    return 16000, (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE)
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", lines=4, value="Hello from the twin.")
            seconds = gr.Slider(1, 30, value=10, step=1, label="Length in seconds (music models)")
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Audio(label="Audio", type="numpy")
    run.click(generate, inputs=[text, seconds], outputs=output, api_name="generate")
