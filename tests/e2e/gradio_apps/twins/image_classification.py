# Twin of a generated image-classification Space (src/spacegen templates_vision.cc); see
# text_generation.py.
import gradio as gr

TITLE = "Twin image classification"


def generate(image):
    if image is None:
        raise gr.Error("Please upload an image.")
    return {"cat": 0.75, "dog": 0.25}


with gr.Blocks(title=TITLE) as demo:
    gr.Markdown("# " + TITLE)
    with gr.Row():
        with gr.Column():
            image = gr.Image(label="Image", type="pil")
            run = gr.Button("Classify", variant="primary")
        with gr.Column():
            output = gr.Label(label="Top classes", num_top_classes=5)
    run.click(generate, inputs=image, outputs=output, api_name="generate")
