#!/usr/bin/env python3
"""factory_build driven through MCP against `spacefactory sim`, over stdio and over Streamable HTTP.

Starts the simulator (port 0), takes HF_ENDPOINT / HF_TOKEN from what it prints, then:
  stdio: `spacefactory mcp` — initialize, tools/call factory_build with a progressToken; expects
         progress notifications (strictly increasing, token echoed) and a final run status; reads
         the run's report.md resource and factory_run_status.
  HTTP:  `spacefactory serve --port 0` — the same call on /mcp, answered as an SSE stream.
Standard library only. Usage: mcp_factory_build.py path/to/spacefactory tests/data
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

BIN, DATA = sys.argv[1], sys.argv[2]
STATUSES = {"full_inference_success", "full_inference_candidate_health_passed", "health_only",
            "manual_hardware_required", "technical_blocker", "generated_only"}
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok   ", what)
    else:
        failed += 1
        print("FAIL ", what)


def start(args, env, ready_prefix, timeout=20):
    p = subprocess.Popen([BIN] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    lines, deadline = [], time.time() + timeout
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(ready_prefix):
            return p, lines
    p.kill()
    raise RuntimeError(f"{args[0]} did not start: {lines} {p.stderr.read()[:500]}")


def check_build(result, progress, token, where):
    check(len(progress) >= 5, f"{where}: {len(progress)} progress notifications")
    values = [p["progress"] for p in progress]
    check(all(b > a for a, b in zip(values, values[1:])), f"{where}: progress strictly increases")
    check(all(p["progressToken"] == token for p in progress), f"{where}: progress token echoed")
    check(any("[create_space]" in p.get("message", "") or "[generate]" in p.get("message", "")
              for p in progress), f"{where}: a notification per pipeline step")
    sc = result.get("structuredContent", {})
    check(not result.get("isError"),
          f"{where}: factory_build is not an error" + (f": {result.get('content')}" if result.get("isError") else ""))
    check(sc.get("status") in STATUSES, f"{where}: final status {sc.get('status')}")
    check(sc.get("simulated") is True, f"{where}: the run knows it ran against the simulator")
    return sc.get("run_id", "")


def stdio_leg(env, store):
    p = subprocess.Popen([BIN, "mcp", "--store", store], env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(180, p.kill)
    killer.start()

    def send(msg):
        p.stdin.write(json.dumps(msg) + "\n")
        p.stdin.flush()

    def until(id_, notes):
        while True:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("mcp exited: " + p.stderr.read()[:500])
            m = json.loads(line)
            if m.get("id") == id_ and "method" not in m:
                return m
            notes.append(m)

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                     "clientInfo": {"name": "e2e", "version": "1"}}})
    init = until(1, [])
    check(init["result"]["protocolVersion"] == "2025-11-25", "stdio: initialize")
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    notes = []
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
          "params": {"name": "factory_build", "arguments": {"model_id": "sim-org/tiny-gpt2"},
                     "_meta": {"progressToken": "build-1"}}})
    resp = until(2, notes)
    progress = [n["params"] for n in notes if n.get("method") == "notifications/progress"]
    run_id = check_build(resp["result"], progress, "build-1", "stdio")
    send({"jsonrpc": "2.0", "id": 3, "method": "resources/read",
          "params": {"uri": f"spacefactory://runs/{run_id}/report.md"}})
    report = until(3, [])
    text = report.get("result", {}).get("contents", [{}])[0].get("text", "")
    check(run_id and run_id in text, "stdio: the run's report.md resource names the run")
    send({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
          "params": {"name": "factory_run_status", "arguments": {"run_id": run_id}}})
    st = until(4, [])
    check(st["result"]["structuredContent"]["status"] ==
          resp["result"]["structuredContent"]["status"], "stdio: factory_run_status agrees")
    p.stdin.close()
    check(p.wait(timeout=30) == 0, "stdio: exits 0 when stdin closes")
    killer.cancel()
    check("hf_" not in p.stderr.read(), "stdio: no token on stderr")


def sse_messages(body):
    out = []
    for block in body.split("\n\n"):
        data = [l[6:] for l in block.split("\n") if l.startswith("data: ")]
        if data:
            out.append(json.loads("\n".join(data)))
    return out


def http_leg(env, store):
    env = dict(env, SPACE_FACTORY_STORE=store)
    srv, lines = start(["serve", "--port", "0"], env, "serving on ")
    try:
        url = lines[-1].split()[-1]
        host, port = url.replace("http://", "").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}

        def post(msg, sid=None):
            h = dict(base)
            if sid:
                h["Mcp-Session-Id"] = sid
            conn.request("POST", "/mcp", json.dumps(msg), h)
            r = conn.getresponse()
            body = r.read().decode()
            msgs = sse_messages(body) if "event-stream" in (r.getheader("Content-Type") or "") \
                else ([json.loads(body)] if body else [])
            return r, msgs

        r, msgs = post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                   "clientInfo": {"name": "e2e", "version": "1"}}})
        sid = r.getheader("Mcp-Session-Id")
        check(r.status == 200 and sid, "http: initialize gives a session")
        post({"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
        r, msgs = post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                        "params": {"name": "hf_whoami"}}, sid)
        check(msgs and msgs[-1]["result"]["structuredContent"]["name"] == "sim-user",
              "http: hf_whoami against the simulator")
        r, msgs = post({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                        "params": {"name": "factory_build",
                                   "arguments": {"model_id": "sim-org/tiny-gpt2"},
                                   "_meta": {"progressToken": 99}}}, sid)
        check("event-stream" in (r.getheader("Content-Type") or ""), "http: answered as SSE")
        progress = [m["params"] for m in msgs if m.get("method") == "notifications/progress"]
        final = [m for m in msgs if m.get("id") == 3]
        check(len(final) == 1, "http: one final response on the stream")
        if final:
            check_build(final[0]["result"], progress, 99, "http")
        conn.request("DELETE", "/mcp", headers={"Mcp-Session-Id": sid})
        d = conn.getresponse()
        d.read()
        check(d.status == 200, "http: DELETE ends the session")
        r, _ = post({"jsonrpc": "2.0", "id": 4, "method": "ping"}, sid)
        check(r.status == 404, "http: the deleted session is gone (404)")
    finally:
        srv.terminate()
        srv.wait(timeout=15)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_ENDPOINT")}
        env["HOME"] = tmp
        sim, lines = start(["sim", "--port", "0", "--data", os.path.join(DATA, "sim"),
                            "--build-delay", "50", "--startup-delay", "50"], env, "HF_TOKEN=")
        try:
            for line in lines:
                if "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
            stdio_leg(env, os.path.join(tmp, "store-stdio"))
            http_leg(env, os.path.join(tmp, "store-http"))
        finally:
            sim.terminate()
            sim.wait(timeout=15)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
