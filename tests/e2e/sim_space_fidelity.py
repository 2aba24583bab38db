"""Simulated Spaces against real Gradio, with the official Python clients.

Run by tests/e2e/run_sim_space_fidelity.sh with a venv's python (tests/.venv: gradio 6.31.0 and
gradio_client 2.7.2; tests/.venv-gradio5: gradio 5.49.1 and gradio_client 1.13.3):

    sim_space_fidelity.py ENDPOINT TOKEN OUT.json

1. huggingface_hub creates a private Space per twin app (tests/e2e/gradio_apps/twins/*.py) on the
   simulator, README sdk_version = this venv's gradio version, and waits for RUNNING;
2. the same twin app is launched with the real gradio of this venv on loopback;
3. /config and /gradio_api/info of both are compared (keys, component types and props keys,
   api_info schemas, api_name, parameters and returns);
4. gradio_client connects to each simulated Space's host URL with the token and gets a prediction
   of the declared type (text, a PNG image, a WAV file, a label; an uploaded image as input).
Writes {"text": host, "image": host} to OUT.json for the @gradio/client check. Exit 1 on failure.
"""
import importlib.util
import inspect
import json
import os
import socket
import sys
import time
import warnings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
warnings.filterwarnings("ignore")

import gradio as gr  # noqa: E402
import gradio_client  # noqa: E402
import httpx  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402
from huggingface_hub import CommitOperationAdd, HfApi  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TWINS = os.path.join(HERE, "gradio_apps", "twins")
TWIN_NAMES = ["text_generation", "text_to_image", "text_to_speech", "image_classification",
              "speech_recognition"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def load_twin(name):
    spec = importlib.util.spec_from_file_location("twin_" + name, os.path.join(TWINS, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.demo


def by_id(config):
    return {c["id"]: c for c in config["components"]}


def compare(name, real_cfg, sim_cfg, real_info, sim_info):
    where = f"[{name}, gradio {gr.__version__}] "
    check(set(real_cfg) == set(sim_cfg),
          where + f"/config keys differ: real-only {sorted(set(real_cfg) - set(sim_cfg))}, "
          f"sim-only {sorted(set(sim_cfg) - set(real_cfg))}")
    for key in ("version", "api_prefix", "protocol", "mode", "enable_queue", "title"):
        check(real_cfg.get(key) == sim_cfg.get(key),
              where + f"/config {key}: real {real_cfg.get(key)!r} sim {sim_cfg.get(key)!r}")
    rdep = next(d for d in real_cfg["dependencies"] if d.get("api_name") == "generate")
    sdep = next((d for d in sim_cfg["dependencies"] if d.get("api_name") == "generate"), None)
    check(sdep is not None, where + "no 'generate' dependency in the simulator's /config")
    if sdep is None:
        return
    check(set(rdep) == set(sdep), where + f"dependency keys differ: {sorted(set(rdep) ^ set(sdep))}")
    rc, sc = by_id(real_cfg), by_id(sim_cfg)
    for role in ("inputs", "outputs"):
        check(len(rdep[role]) == len(sdep[role]), where + f"dependency {role} count")
        for rid, sid in zip(rdep[role], sdep[role]):
            r, s = rc[rid], sc[sid]
            what = where + f"{role} {r['type']}: "
            check(r["type"] == s["type"], what + f"type sim {s['type']}")
            check(set(r) - {"id"} == set(s) - {"id"}, what + f"entry keys {sorted(set(r) ^ set(s))}")
            check(set(r["props"]) == set(s["props"]),
                  what + f"props keys {sorted(set(r['props']) ^ set(s['props']))}")
            for k in ("label", "value", "minimum", "maximum", "type", "name"):
                check(r["props"].get(k) == s["props"].get(k),
                      what + f"props.{k} real {r['props'].get(k)!r} sim {s['props'].get(k)!r}")
            for k in ("api_info", "api_info_as_input", "api_info_as_output", "example_inputs"):
                check(r.get(k) == s.get(k), what + f"{k} differs")
    check(set(real_info) == set(sim_info), where + "/info top-level keys")
    rep = real_info["named_endpoints"].get("/generate")
    sep = sim_info["named_endpoints"].get("/generate")
    check(sep is not None, where + "/info has no /generate")
    if rep is None or sep is None:
        return
    check(set(rep) == set(sep), where + f"/info endpoint keys {sorted(set(rep) ^ set(sep))}")
    for role in ("parameters", "returns"):
        check(len(rep[role]) == len(sep[role]), where + f"/info {role} count")
        for r, s in zip(rep[role], sep[role]):
            check(set(r) == set(s), where + f"/info {role} keys {sorted(set(r) ^ set(s))}")
            for k in r:
                check(r[k] == s.get(k), where + f"/info {role} {r.get('label')}.{k}: real {r[k]!r} "
                      f"sim {s.get(k)!r}")


def main():
    endpoint, token, out_path = sys.argv[1:4]
    api = HfApi(endpoint=endpoint, token=token)
    major = gr.__version__.split(".")[0]
    readme = f"---\ntitle: twin\nsdk: gradio\nsdk_version: \"{gr.__version__}\"\napp_file: app.py\n---\n"
    hosts = {}
    for name in TWIN_NAMES:
        repo_id = f"sim-user/twin-{name.replace('_', '-')}-g{major}"
        api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=True, exist_ok=True)
        with open(os.path.join(TWINS, name + ".py"), "rb") as f:
            app = f.read()
        api.create_commit(repo_id, repo_type="space", commit_message="twin app",
                          operations=[CommitOperationAdd("app.py", app),
                                      CommitOperationAdd("README.md", readme.encode())])
        hosts[name] = repo_id
    for name, repo_id in hosts.items():
        deadline = time.time() + 30
        while api.get_space_runtime(repo_id).stage != "RUNNING":
            check(time.time() < deadline, f"{repo_id} not RUNNING within 30 s")
            if time.time() > deadline:
                return 1
            time.sleep(0.2)
        hosts[name] = api.space_info(repo_id).host
        check(hosts[name].startswith(endpoint + "/_spaces/"), f"host of {repo_id}: {hosts[name]}")

    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30, trust_env=False) as http:
        for name in TWIN_NAMES:
            port = free_port()
            demo = load_twin(name)
            demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                                quiet=True, ssr_mode=False)
            real = f"http://127.0.0.1:{port}"
            real_cfg = http.get(real + "/config").json()
            real_info = http.get(real + "/gradio_api/info").json()
            sim_cfg = http.get(hosts[name] + "/config", headers=auth).json()
            sim_info = http.get(hosts[name] + "/gradio_api/info", headers=auth).json()
            compare(name, real_cfg, sim_cfg, real_info, sim_info)
            check(sim_cfg["root"] == hosts[name], f"sim /config root {sim_cfg['root']}")
            # Without the token the private Space is a 404 page, like the Spaces proxy.
            check(http.get(hosts[name] + "/config").status_code == 404, "no token: not a 404")
            demo.close()

    # The official Python client against the simulated Spaces (token kwarg: 2.x `token`,
    # 1.x `hf_token`).
    kw = "token" if "token" in inspect.signature(Client.__init__).parameters else "hf_token"
    png = os.path.join(HERE, "gradio_apps", "input.png")

    def client(name):
        return Client(hosts[name], verbose=False, **{kw: token})

    c = client("text_generation")
    check("/generate" in c.view_api(print_info=False, return_format="dict")["named_endpoints"],
          "gradio_client view_api: no /generate")
    text = c.predict("a red fox", 64, 0.5, api_name="/generate")
    check(isinstance(text, str) and "a red fox" in text, f"gradio_client text: {text!r}")
    image = client("text_to_image").predict("a red fox", "", 30, 7.5, 0, api_name="/generate")
    with open(image, "rb") as f:
        check(f.read(4) == b"\x89PNG", f"gradio_client image is not a PNG: {image}")
    audio = client("text_to_speech").predict("hello", 5, api_name="/generate")
    with open(audio, "rb") as f:
        head = f.read(12)
        check(head[:4] == b"RIFF" and head[8:12] == b"WAVE", f"gradio_client audio is not WAV: {audio}")
    label = client("image_classification").predict(handle_file(png), api_name="/generate")
    check(isinstance(label, dict) and "label" in label and "confidences" in label,
          f"gradio_client label: {label!r}")
    job = client("text_generation").submit("queued", 64, 0.5, api_name="/generate")
    check("queued" in job.result(timeout=30), "gradio_client submit().result()")

    with open(out_path, "w") as f:
        json.dump({"text": hosts["text_generation"], "image": hosts["text_to_image"]}, f)
    print(f"sim_space_fidelity: gradio {gr.__version__}, gradio_client {gradio_client.__version__}: "
          f"{len(TWIN_NAMES)} apps compared, {len(failures)} failures", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # gradio's server threads would keep the interpreter alive
