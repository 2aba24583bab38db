# Twin of a generated automatic-speech-recognition Space (src/spacegen templates_audio.cc); see
# text_generation.py.
import gradio as gr

TITLE = "Twin speech recognition"


def generate(audio):
    if audio is None:
        raise gr.Error("Please record or upload audio.")
    return "twin transcript"


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE)
    with gr.Row():
        with gr.Column():
            audio = gr.Audio(label="Audio", sources=["upload", "microphone"], type="numpy")
            run = gr.Button("Transcribe", variant="primary")
        with gr.Column():
            output = gr.Textbox(label="Transcript", lines=8)
    run.click(generate, inputs=audio, outputs=output, api_name="generate")
