"""Serves the fixture apps on loopback: `serve.py NAME=PORT ...` (one process, one port per app).

Prints "READY" once every app listens, then stays up until killed (or 170 s, a self-destruct so a
crashed test never leaves a server behind).
"""
import os
import sys
import threading
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apps  # noqa: E402


def main():
    wanted = dict(arg.split("=", 1) for arg in sys.argv[1:])
    demos = apps.build()
    for name, port in wanted.items():
        demos[name].launch(server_name="127.0.0.1", server_port=int(port), prevent_thread_lock=True,
                           share=False, ssr_mode=False, quiet=True)
    print("READY", flush=True)
    threading.Timer(170, lambda: os._exit(0)).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
