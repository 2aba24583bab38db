#!/usr/bin/env python3
"""Real-client check: the official Python MCP SDK (`mcp` from PyPI, pinned in tests/requirements.txt)
against our MCP server over stdio (`spacefactory mcp`) and Streamable HTTP (`spacefactory serve`, /mcp).

Usage: mcp_python_clients.py SPACEFACTORY_BINARY TESTDATA_DIR

Starts `spacefactory sim` on a free loopback port for the Hub tools, then for each transport and
each connect mode of the SDK's `Client` — 'auto' (the default: it probes `server/discover` at the
stateless 2026-07-28 revision first, which we must refuse with a clear unsupported-version error so
the client falls back to `initialize`) and 'legacy' (the 2025-11-25 handshake only) — it lists the
tools and calls hf_whoami, factory_analyze_card (a card from the sim, and card text) and an unknown
tool; in 'auto' mode it also runs factory_build against the sim and checks the progress
notifications and the final status. Prints one line per check and
a final `N passed, M failed`; exits 1 when anything failed.
"""
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

try:
    from mcp import Client, StdioServerParameters
    from mcp.shared.exceptions import MCPError
except ImportError as e:  # a missing client is a failure, never a skip
    print(f"FAIL: the Python MCP SDK is not installed ({e}); run scripts/install-deps.sh")
    print("0 passed, 1 failed")
    sys.exit(1)

BIN = os.path.abspath(sys.argv[1])
TESTDATA = os.path.abspath(sys.argv[2])
CARD = os.path.join(TESTDATA, "modelcards", "090.md")  # one of the smallest labelled cards

# Tools the issue requires in a normal tools/list (provider_route_request only with the router).
REQUIRED_TOOLS = {
    "hf_whoami", "hf_search_models", "hf_search_datasets", "hf_search_spaces", "hf_model_details",
    "hf_dataset_details", "hf_space_details", "hf_create_space", "factory_analyze_card",
    "factory_build", "factory_validate", "factory_run_status",
}

passed = 0
failed = 0
SECRET = [""]  # the simulator's token, which must never appear in a tool result


def report(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def text_of(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)


def start(args, env, pattern, what):
    """Starts BIN ARGS in the background; returns (process, its stdout so far) once pattern shows."""
    out = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([BIN] + args, stdout=out, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out.seek(0)
        text = out.read()
        if re.search(pattern, text, re.M):
            return proc, text
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    out.seek(0)
    raise RuntimeError(f"{what} did not start: {out.read()} {proc.stderr.read()}")


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def check_server(label, make_client, build):
    """The same checks for every transport and mode; make_client() returns an unentered Client."""
    async with make_client() as client:
        report(f"{label}: connect (protocol {client.protocol_version})",
               client.protocol_version in ("2025-11-25", "2025-06-18", "2025-03-26"),
               f"negotiated {client.protocol_version}")
        info = client.server_info
        report(f"{label}: serverInfo", info is not None and bool(info.name), repr(info))

        tools = (await client.list_tools()).tools
        names = {t.name for t in tools}
        missing = REQUIRED_TOOLS - names
        report(f"{label}: tools/list has the {len(REQUIRED_TOOLS)} required tools", not missing,
               f"missing {sorted(missing)}; got {sorted(names)}")
        fixtures = sorted(n for n in names if n.startswith("test_"))
        report(f"{label}: no conformance fixtures in a normal tools/list", not fixtures, f"{fixtures}")
        bad = [t.name for t in tools
               if not t.description or not isinstance(t.input_schema, dict)
               or t.input_schema.get("type") != "object"]
        report(f"{label}: every tool has a description and an object input schema", not bad, f"{bad}")

        # provider_route_request exists only where the gateway is mounted (serve), not over stdio.
        routed = label.startswith("http")
        report(f"{label}: provider_route_request listed {'(serve has the gateway)' if routed else 'not (no gateway)'}",
               ("provider_route_request" in names) == routed, f"got {sorted(names)}")
        if routed:
            r = await client.call_tool("provider_route_request", {"model": "some-org/some-model"})
            plan = r.structured_content if isinstance(r.structured_content, dict) else {}
            cands = plan.get("candidates") or [{}]
            report(f"{label}: tools/call provider_route_request (HF_TOKEN → huggingface, key masked)",
                   not r.is_error and cands[0].get("provider") == "huggingface"
                   and SECRET[0] not in text_of(r) and SECRET[0] not in json.dumps(plan),
                   f"isError={r.is_error} {text_of(r)[:300]!r}")

        r = await client.call_tool("hf_whoami", {})
        report(f"{label}: tools/call hf_whoami (simulated Hub)",
               not r.is_error and "sim-user" in text_of(r), f"isError={r.is_error} {text_of(r)[:300]!r}")

        r = await client.call_tool("factory_analyze_card", {"model_id": "sim-org/tiny-gpt2"})
        report(f"{label}: tools/call factory_analyze_card sim-org/tiny-gpt2 (card from the sim)",
               not r.is_error and "task:" in text_of(r), f"isError={r.is_error} {text_of(r)[:300]!r}")

        with open(CARD, encoding="utf-8") as f:
            card_text = f.read()
        r = await client.call_tool("factory_analyze_card", {"card_text": card_text})
        report(f"{label}: tools/call factory_analyze_card card_text={os.path.basename(CARD)}",
               not r.is_error and "task:" in text_of(r) and isinstance(r.structured_content, dict),
               f"isError={r.is_error} {text_of(r)[:300]!r}")

        r = await client.call_tool("factory_analyze_card", {})
        report(f"{label}: factory_analyze_card without arguments is an isError result",
               r.is_error is True and text_of(r).strip() != "", f"isError={r.is_error} {text_of(r)[:300]!r}")

        if build:
            progress = []

            async def on_progress(value, total, message):
                progress.append((value, total, message))

            r = await client.call_tool("factory_build", {"model_id": "sim-org/tiny-gpt2"},
                                       read_timeout_seconds=240, progress_callback=on_progress)
            status = (r.structured_content or {}).get("status")
            values = [p[0] for p in progress]
            report(f"{label}: factory_build against the sim sends progress ({len(progress)} notifications)",
                   len(progress) >= 3 and values == sorted(values) and len(set(values)) == len(values),
                   f"{progress}")
            report(f"{label}: factory_build ends with a final status ({status})",
                   not r.is_error and bool(status) and "status:" in text_of(r),
                   f"isError={r.is_error} {text_of(r)[:500]!r}")

        try:
            r = await client.call_tool("no_such_tool", {})
            ok, detail = r.is_error is True, f"isError={r.is_error} {text_of(r)[:200]!r}"
        except MCPError as e:  # a JSON-RPC error (-32602 unknown tool) is also correct
            ok, detail = e.code in (-32602, -32601), f"code {e.code}: {e}"
        report(f"{label}: unknown tool is refused", ok, detail)


async def main():
    sim = serve = None
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        # The simulator prints HF_ENDPOINT=…, HF_TOKEN=… and, last, SIM_OTHER_TOKEN=… lines.
        sim, text = start(["sim", "--port", "0", "--data", os.path.join(TESTDATA, "sim")], base_env,
                          r"^SIM_OTHER_TOKEN=", "the simulator")
        env = dict(base_env)
        for key in ("HF_ENDPOINT", "HF_TOKEN"):
            env[key] = re.search(rf"^{key}=(\S+)$", text, re.M).group(1)
        SECRET[0] = env["HF_TOKEN"]
        env["SPACE_FACTORY_STORE"] = tempfile.mkdtemp(prefix="sf-mcp-py-")

        for mode in ("auto", "legacy"):
            stdio = StdioServerParameters(command=BIN, args=["mcp"], env=env)
            await run_case(f"stdio/{mode}", lambda: Client(stdio, mode=mode, read_timeout_seconds=60),
                           build=mode == "auto")

        pattern = r"^serving on (http://\S+)$"
        serve, text = start(["serve", "--port", "0"], env, pattern, "serve")
        url = re.search(pattern, text, re.M).group(1) + "/mcp"
        for mode in ("auto", "legacy"):
            await run_case(f"http/{mode}", lambda: Client(url, mode=mode, read_timeout_seconds=60),
                           build=mode == "auto")
        await check_prompt_shutdown(serve, url)
    finally:
        stop(serve)
        stop(sim)


async def check_prompt_shutdown(serve, url):
    """SIGTERM with a connected client (its standalone GET stream open) ends serve at once: the MCP
    streams are closed before the HTTP server's grace period, not waited out."""
    seconds, rc = None, None
    try:
        async with Client(url, mode="legacy", read_timeout_seconds=60) as client:
            await client.list_tools()
            await asyncio.sleep(0.5)  # the SDK opens its GET stream after initialize
            started = time.monotonic()
            serve.terminate()
            rc = await asyncio.get_running_loop().run_in_executor(None, lambda: serve.wait(15))
            seconds = time.monotonic() - started
    except Exception:  # noqa: BLE001 — the client may complain that its server went away
        pass
    ok = seconds is not None and seconds < 2.5 and rc == 0
    report("http: serve stops promptly with a client's stream open", ok,
           f"{'none' if seconds is None else f'{seconds:.2f}'} s, exit {rc}")


async def run_case(label, make_client, build=False):
    try:
        await asyncio.wait_for(check_server(label, make_client, build), 300)
    except Exception as e:  # noqa: BLE001 — any failure of a whole case is reported, then the next runs
        report(f"{label}: session", False, f"{type(e).__name__}: {e}")
        traceback.print_exc()


asyncio.run(main())
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
