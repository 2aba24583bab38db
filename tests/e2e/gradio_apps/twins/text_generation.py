# Twin of a generated text-generation Space (src/spacegen templates_text.cc): the same Blocks UI and
# api_name, a fake model. Served by real gradio (serve_twins.py) and committed to `spacefactory sim`
# as app.py, so the simulator's /config and /gradio_api/info can be compared with real Gradio's.
import gradio as gr

TITLE = "Twin text generation"


def generate(prompt, max_new_tokens=256, temperature=0.7):
    if not prompt or not prompt.strip():
        raise gr.Error("Please enter a prompt.")
    return "twin: " + prompt


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE)
    with gr.Row():
        with gr.Column():
            prompt = gr.Textbox(label="Prompt", lines=4, value="Write a haiku about the sea.")
            max_new_tokens = gr.Slider(16, 1024, value=256, step=16, label="Max new tokens")
            temperature = gr.Slider(0.0, 1.5, value=0.7, step=0.05, label="Temperature")
            run = gr.Button("Generate", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Output", lines=14)
    run.click(generate, inputs=[prompt, max_new_tokens, temperature], outputs=output, api_name="generate")
