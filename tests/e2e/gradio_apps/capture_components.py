"""Captures what real Gradio says about each component class, for the simulator's Space runtime.

Run with a venv's python (tests/.venv for gradio 6.x, tests/.venv-gradio5 for 5.x):
    python capture_components.py > ../../../src/sim/space_components_<major>.json 2>/dev/null
It builds one Blocks app with a default instance of every component class below, wires each to an
endpoint (input and output), and writes, per component type: the /config component entry, the
/gradio_api/info parameter and return entries, plus the app-level /config keys and one dependency
entry. The simulator (src/sim/space_app_config.cc) overrides labels, values and ids from the Space's
app.py. Deterministic output (sorted keys); app_id, theme hashes and roots are blanked.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore")

import gradio as gr  # noqa: E402

CLASSES = [
    "Textbox", "Slider", "Number", "Checkbox", "Dropdown", "Radio", "Image", "Audio", "Video", "File",
    "Label", "JSON", "HighlightedText", "AnnotatedImage", "Gallery", "Chatbot", "Markdown", "HTML",
    "Code", "Dataframe", "Model3D", "Button",
]


def fn(x):
    return x


def main():
    comps = {}
    with gr.Blocks(title="capture") as demo:
        with gr.Row():
            with gr.Column():
                for name in CLASSES:
                    comps[name] = (getattr(gr, name)(), getattr(gr, name)())
                run = gr.Button("Run")
        for name in CLASSES:
            if name == "Button":
                continue
            run.click(fn, inputs=comps[name][0], outputs=comps[name][1], api_name="t_" + name.lower())
    # Launched (loopback, any free port, closed at once) so that the app-level keys have the values
    # of a served app (show_error, theme, body_css are filled in by launch()).
    demo.queue().launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True, ssr_mode=False)
    config = demo.get_config_file()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # close() prints "Closing server running on port: N"
    demo.close()
    sys.stdout = real_stdout
    info = demo.get_api_info()
    by_id = {c["id"]: c for c in config["components"]}
    out = {"version": gr.__version__, "components": {}}
    for name in CLASSES:
        entry = dict(by_id[comps[name][0]._id])
        entry.pop("id")
        ctype = entry["type"]
        record = {"class": name, "config": entry}
        ep = info["named_endpoints"].get("/t_" + name.lower())
        if ep:
            record["param"] = ep["parameters"][0]
            record["return"] = ep["returns"][0]
        out["components"][ctype] = record
    for layout in ("row", "column", "form"):
        for c in config["components"]:
            if c["type"] == layout:
                entry = dict(c)
                entry.pop("id")
                out["components"][layout] = {"class": layout.capitalize(), "config": entry}
                break
    top = {k: v for k, v in config.items()
           if k not in ("components", "dependencies", "layout", "page", "pages", "root", "app_id", "title")}
    top["theme_hash"] = ""
    out["config"] = top
    dep = dict(config["dependencies"][0])
    out["dependency"] = dep
    ep = next(iter(info["named_endpoints"].values()))
    out["endpoint_keys"] = {k: v for k, v in ep.items() if k not in ("parameters", "returns")}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
