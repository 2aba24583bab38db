// The comparison server for bench/mcp: the official TypeScript SDK (@modelcontextprotocol/sdk, the
// version pinned in tests/mcp_clients) serving Streamable HTTP with sessions, written the way the
// SDK's README and its shipped examples (dist/esm/examples/server/simpleStreamableHttp.js,
// jsonResponseStreamableHttp.js) do it — minus their per-request console.log — and exposing the
// same no-op tool as ours: `test_simple_text`, which returns one fixed text block.
//
//   node ts_server.mjs SDK_NODE_MODULES [--json] [--port N]
//   node ts_server.mjs SDK_NODE_MODULES --stdio
//
// SDK_NODE_MODULES: the node_modules folder holding the pinned SDK (tests/mcp_clients/node_modules).
// --json: answer POSTs with application/json (enableJsonResponse) instead of an SSE stream.
// --stdio: serve one session over stdin/stdout instead (StdioServerTransport).
// Prints `listening on http://127.0.0.1:PORT/mcp` once ready. Exits after 15 minutes at most.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...rest] = process.argv.slice(2);
if (!modules) {
  console.error('usage: node ts_server.mjs SDK_NODE_MODULES [--json] [--port N]');
  process.exit(2);
}
const json = rest.includes('--json');
const portArg = rest.indexOf('--port');
const port = portArg >= 0 ? Number(rest[portArg + 1]) : 0;
const sdk = (p) => import(pathToFileURL(path.join(modules, '@modelcontextprotocol/sdk/dist/esm', p)).href);

const { McpServer } = await sdk('server/mcp.js');
const { StreamableHTTPServerTransport } = await sdk('server/streamableHttp.js');
const { createMcpExpressApp } = await sdk('server/express.js');
const { isInitializeRequest } = await sdk('types.js');

const TEXT = 'This is a simple text response for testing.';

function newServer() {
  const server = new McpServer({ name: 'ts-sdk-bench-server', version: '1.0.0' });
  server.registerTool(
    'test_simple_text',
    { description: 'Returns a fixed text (no-op tool for benchmarks)', inputSchema: {} },
    async () => ({ content: [{ type: 'text', text: TEXT }] }),
  );
  return server;
}

if (rest.includes('--stdio')) {
  const { StdioServerTransport } = await sdk('server/stdio.js');
  const transport = new StdioServerTransport();
  transport.onclose = () => process.exit(0);
  process.stdin.on('end', () => process.exit(0));
  await newServer().connect(transport);
  await new Promise(() => {}); // serve until stdin closes
}

const app = createMcpExpressApp(); // express.json() + localhost Host-header validation
const transports = new Map(); // session id -> transport

app.post('/mcp', async (req, res) => {
  const sessionId = req.headers['mcp-session-id'];
  let transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport) {
    if (sessionId || !isInitializeRequest(req.body)) {
      res.status(sessionId ? 404 : 400).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: sessionId ? 'Session not found' : 'No valid session ID' },
        id: null,
      });
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: json,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => transport.sessionId && transports.delete(transport.sessionId);
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res, req.body);
});

const sessionRequest = async (req, res) => {
  const transport = transports.get(req.headers['mcp-session-id']);
  if (!transport) {
    res.status(404).send('Session not found');
    return;
  }
  await transport.handleRequest(req, res);
};
app.get('/mcp', sessionRequest);
app.delete('/mcp', sessionRequest);

const listener = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${listener.address().port}/mcp`);
});
setTimeout(() => process.exit(0), 15 * 60e3).unref();
process.on('SIGTERM', () => process.exit(0));
