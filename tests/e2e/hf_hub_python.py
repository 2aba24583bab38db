#!/usr/bin/env python3
"""Fidelity check: the official huggingface_hub client against `spacefactory sim`.

Environment: HF_ENDPOINT (the simulator's URL) and HF_TOKEN (its default user's token). Prints one
line per check and a final `N passed, M failed`; exits 1 when anything failed.

huggingface_hub 2.x uploads through Xet whenever the hf_xet package is installed (it is a hard
dependency), without asking the server; the simulator speaks only the git-lfs protocol, so this
script sets HF_HUB_DISABLE_XET=1 — the client's documented switch — before importing the library.
"""
import os
import sys
import tempfile
import time
import traceback
import uuid

os.environ["HF_HUB_DISABLE_XET"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
_cache = tempfile.mkdtemp(prefix="sf-e2e-hfcache-")
os.environ["HF_HOME"] = _cache

import huggingface_hub  # noqa: E402
from huggingface_hub import HfApi, hf_hub_download  # noqa: E402
from huggingface_hub.errors import RepositoryNotFoundError, GatedRepoError, HfHubHTTPError  # noqa: E402

endpoint = os.environ["HF_ENDPOINT"]
token = os.environ["HF_TOKEN"]
api = HfApi(endpoint=endpoint, token=token)
anon = HfApi(endpoint=endpoint, token=False)

passed, failed = 0, 0


def check(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"ok   {name}")
    except Exception as exc:  # noqa: BLE001 - report every failure and go on
        failed += 1
        print(f"FAIL {name}: {type(exc).__name__}: {exc}")
        traceback.print_exc(limit=3, file=sys.stdout)


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


state = {}
space_id = f"sim-user/e2e-py-{uuid.uuid4().hex[:8]}"
work = tempfile.mkdtemp(prefix="sf-e2e-upload-")
small = b"import gradio as gr\n\ngr.Interface(lambda x: x, 'text', 'text').launch()\n"
big = os.urandom(3 * 1024 * 1024 + 17)  # a .bin: the server's .gitattributes marks it lfs
with open(os.path.join(work, "app.py"), "wb") as f:
    f.write(small)
os.makedirs(os.path.join(work, "weights"))
with open(os.path.join(work, "weights", "model.bin"), "wb") as f:
    f.write(big)


def t_whoami():
    me = api.whoami()
    expect(me["name"] == "sim-user", f"name {me['name']!r}")
    expect(me["auth"]["accessToken"]["role"] == "write", "role")
    expect(any(o["name"] == "sim-org" for o in me["orgs"]), "orgs")


def t_search():
    models = list(api.list_models(author="sim-org", limit=10))
    ids = {m.id for m in models}
    expect("sim-org/tiny-gpt2" in ids, f"ids {ids}")
    expect("sim-other/private-model" not in ids, "private model listed")
    paged = list(api.list_models(search="sim", limit=None))  # follows Link pagination
    expect(len(paged) >= 4, f"{len(paged)} models")


def t_model_info():
    info = api.model_info("sim-org/tiny-gpt2", files_metadata=True)
    expect(info.pipeline_tag == "text-generation", f"pipeline_tag {info.pipeline_tag}")
    sizes = {s.rfilename: s.size for s in info.siblings}
    expect(sizes.get("model.safetensors") == 524288, f"sizes {sizes}")


def t_create():
    url = api.create_repo(space_id, repo_type="space", private=True, space_sdk="gradio")
    expect(url.repo_id == space_id, f"repo_id {url.repo_id}")
    # exist_ok: the 409 is accepted
    api.create_repo(space_id, repo_type="space", private=True, space_sdk="gradio", exist_ok=True)


def t_upload():
    info = api.upload_folder(folder_path=work, repo_id=space_id, repo_type="space",
                             commit_message="Add app and weights")
    state["commit"] = info.oid
    expect(len(info.oid) == 40, f"oid {info.oid}")


def t_list_files():
    files = set(api.list_repo_files(space_id, repo_type="space"))
    for f in ("app.py", "weights/model.bin", "README.md", ".gitattributes"):
        expect(f in files, f"{f} missing from {files}")
    tree = {e.path: e for e in api.list_repo_tree(space_id, repo_type="space", recursive=True)}
    expect(tree["weights/model.bin"].lfs is not None, "model.bin is not LFS")
    expect(tree["weights/model.bin"].size == len(big), "LFS size")


def t_download():
    p = hf_hub_download(space_id, "app.py", repo_type="space", endpoint=endpoint, token=token)
    expect(open(p, "rb").read() == small, "app.py differs")
    p = hf_hub_download(space_id, "weights/model.bin", repo_type="space", endpoint=endpoint,
                        token=token)
    expect(open(p, "rb").read() == big, "model.bin differs")


def t_runtime():
    rt = api.get_space_runtime(space_id)
    expect(rt.stage in ("BUILDING", "APP_STARTING", "RUNNING"), f"stage {rt.stage}")
    deadline = time.time() + 60
    while rt.stage != "RUNNING" and time.time() < deadline:
        time.sleep(0.5)
        rt = api.get_space_runtime(space_id)
    expect(rt.stage == "RUNNING", f"stage {rt.stage}")


def t_hardware():
    rt = api.request_space_hardware(space_id, "zero-a10g")
    expect(rt.requested_hardware == "zero-a10g", f"requested {rt.requested_hardware}")


def t_secret():
    api.add_space_secret(space_id, "MY_SECRET", "s3cr3t")
    api.add_space_variable(space_id, "MY_VAR", "1")
    expect("MY_VAR" in api.get_space_variables(space_id), "variable")


def t_anonymous():
    try:
        anon.space_info(space_id)
    except RepositoryNotFoundError:
        pass
    else:
        raise AssertionError("anonymous client sees the private Space")
    try:
        hf_hub_download(space_id, "app.py", repo_type="space", endpoint=endpoint, token=False,
                        cache_dir=tempfile.mkdtemp())
    except RepositoryNotFoundError:
        pass
    else:
        raise AssertionError("anonymous download of a private file")


def t_gated():
    try:
        hf_hub_download("sim-org/gated-llm", "config.json", endpoint=endpoint, token=False,
                        cache_dir=tempfile.mkdtemp())
    except GatedRepoError:
        pass
    else:
        raise AssertionError("gated file downloaded anonymously")


def t_delete():
    api.delete_repo(space_id, repo_type="space")
    try:
        api.space_info(space_id)
    except RepositoryNotFoundError:
        pass
    else:
        raise AssertionError("Space still exists after delete")


print(f"huggingface_hub {huggingface_hub.__version__} against {endpoint}")
for name, fn in [("whoami", t_whoami), ("list_models + pagination", t_search),
                 ("model_info files_metadata", t_model_info),
                 ("create_repo private gradio Space", t_create),
                 ("upload_folder (regular + LFS)", t_upload), ("list_repo_files/tree", t_list_files),
                 ("hf_hub_download byte-identical", t_download), ("get_space_runtime", t_runtime),
                 ("request_space_hardware zero-a10g", t_hardware),
                 ("secrets and variables", t_secret),
                 ("anonymous cannot see the private Space", t_anonymous),
                 ("gated repo refused anonymously", t_gated), ("delete_repo", t_delete)]:
    check(name, fn)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
