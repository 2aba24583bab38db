-- wrk script: a small non-streaming chat completion (the same request for every target).
-- Extra headers (Portkey's routing headers) come from the environment: WRK_HEADERS="Name: value|Name: value".
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.body = '{"model":"bench-model","messages":[{"role":"user","content":"Hello, how are you?"}]}'
local extra = os.getenv("WRK_HEADERS")
if extra then
  for item in string.gmatch(extra, "[^|]+") do
    local name, value = string.match(item, "^%s*([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
end
