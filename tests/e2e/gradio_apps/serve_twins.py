"""Serves twin apps (tests/e2e/gradio_apps/twins/NAME.py, each defining `demo`) on loopback with the
real gradio of the running interpreter: `serve_twins.py NAME=PORT ...`.

Prints "READY <gradio version>" once every app listens, then stays up until killed (or 170 s, a
self-destruct so a crashed test never leaves a server behind).
"""
import importlib.util
import os
import sys
import threading
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

import gradio as gr  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    spec = importlib.util.spec_from_file_location("twin_" + name, os.path.join(HERE, "twins", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.demo


def main():
    wanted = dict(arg.split("=", 1) for arg in sys.argv[1:])
    for name, port in wanted.items():
        load(name).queue().launch(server_name="127.0.0.1", server_port=int(port), prevent_thread_lock=True,
                                  share=False, ssr_mode=False, quiet=True)
    print("READY " + gr.__version__, flush=True)
    threading.Timer(170, lambda: os._exit(0)).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
