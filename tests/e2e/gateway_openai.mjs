// The official `openai` npm client (tests/gateway, pinned 7.55.0) against `spacefactory serve`,
// whose providers are the simulator's /_providers/ upstreams (tests/e2e/gateway_openai.sh sets
// them up). Prints one line per check and "N passed, M failed"; exit code 1 on any failure.
//
//   GW_URL=http://127.0.0.1:P SIM_URL=http://127.0.0.1:Q node gateway_openai.mjs
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The pinned client lives in tests/gateway/node_modules (its own package.json and lock).
const require = createRequire(new URL('../gateway/package.json', import.meta.url));
const { default: OpenAI } = await import(pathToFileURL(require.resolve('openai')).href);

const GW = process.env.GW_URL;
const SIM = process.env.SIM_URL;
const SECRETS = (process.env.SECRETS || '').split(',').filter(Boolean);
if (!GW || !SIM) {
  console.log('FAIL: GW_URL and SIM_URL must be set');
  process.exit(1);
}
setTimeout(() => { console.log('FAIL: timed out'); process.exit(1); }, 120_000).unref();

const client = new OpenAI({ baseURL: `${GW}/v1`, apiKey: 'sk-gateway-client', maxRetries: 0, timeout: 20_000 });
const messages = [{ role: 'user', content: 'hi' }];
const tools = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Weather of a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.stack || e}`);
  }
}
function expect(cond, what) { if (!cond) throw new Error(what); }
function noSecret(text, where) {
  for (const s of SECRETS) expect(!String(text).includes(s), `a provider key leaked into ${where}`);
}
async function simStats() {
  const r = await fetch(`${SIM}/_providers/_stats`);
  return r.json();
}

await check('non-stream completion', async () => {
  const r = await client.chat.completions.create({ model: 'sim/instant', messages });
  expect(r.object === 'chat.completion', `object ${r.object}`);
  expect(r.choices[0].message.content === 'tok0 tok1 tok2 ', `content ${JSON.stringify(r.choices[0].message)}`);
  expect(r.choices[0].finish_reason === 'stop', 'finish_reason');
  expect(r.usage.total_tokens === 8, `usage ${JSON.stringify(r.usage)}`);
});

await check('non-stream with raw response headers', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'sim/instant', messages }).withResponse();
  expect(data.choices.length === 1, 'choices');
  expect(response.headers.get('x-spacefactory-provider') === 'sim', 'provider header');
});

await check('stream with include_usage', async () => {
  const s = await client.chat.completions.create({
    model: 'sim/paced-6x5', messages, stream: true, stream_options: { include_usage: true } });
  let text = '', usage = null, chunks = 0, finish = null;
  for await (const c of s) {
    chunks++;
    text += c.choices[0]?.delta?.content ?? '';
    if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
    if (c.usage) usage = c.usage;
  }
  expect(text === 'tok0 tok1 tok2 tok3 tok4 tok5 ', `text ${JSON.stringify(text)}`);
  expect(finish === 'stop', `finish ${finish}`);
  expect(usage?.total_tokens === 11, `usage ${JSON.stringify(usage)}`);
  expect(chunks === 9, `chunks ${chunks}`);
});

await check('tool call (non-stream)', async () => {
  const r = await client.chat.completions.create({ model: 'sim/tools', messages, tools });
  const call = r.choices[0].message.tool_calls?.[0];
  expect(r.choices[0].finish_reason === 'tool_calls', 'finish_reason');
  expect(call?.id === 'call_sim_1' && call.type === 'function', `call ${JSON.stringify(call)}`);
  expect(call.function.name === 'get_weather', 'name');
  expect(JSON.parse(call.function.arguments).city === 'Paris', 'arguments');
});

await check('tool call deltas (stream, reassembled by the SDK helper)', async () => {
  const runner = client.chat.completions.stream({ model: 'sim/tools', messages, tools });
  const fragments = [];
  runner.on('chunk', (c) => {
    for (const tc of c.choices[0]?.delta?.tool_calls ?? []) fragments.push(tc.function?.arguments ?? '');
  });
  const final = await runner.finalChatCompletion();
  const call = final.choices[0].message.tool_calls?.[0];
  expect(call?.function?.name === 'get_weather', `final ${JSON.stringify(final.choices[0].message)}`);
  expect(call.function.arguments === '{"city":"Paris"}', `arguments ${call.function.arguments}`);
  expect(JSON.stringify(fragments) === JSON.stringify(['', '{"ci', 'ty":"Pa', 'ris"}']),
         `fragments not passed 1:1: ${JSON.stringify(fragments)}`);
});

await check('models.list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  expect(ids.includes('sim/instant') && ids.includes('sim/tools'), `ids ${ids.join()}`);
  expect(ids.includes('limited/instant') && ids.includes('auto'), `ids ${ids.join()}`);
});

await check('auto picks the first provider with a models list', async () => {
  const { data: r, response } = await client.chat.completions
    .create({ model: 'auto', messages }).withResponse();
  expect(r.model === 'instant' && response.headers.get('x-spacefactory-provider') === 'limited', `model ${r.model}`);
});

await check('unknown model → NotFoundError 404', async () => {
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.NotFoundError, `got ${e?.constructor?.name} ${e?.status}`);
    expect(e.status === 404 && e.code === 'model_not_found', `status ${e.status} code ${e.code}`);
  }
});

await check('malformed request → BadRequestError 400', async () => {
  try {
    await client.chat.completions.create({ model: 'sim/instant', messages: 'not a list' });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.BadRequestError, `got ${e?.constructor?.name} ${e?.status}`);
    expect(e.param === 'messages', `param ${e.param}`);
  }
});

await check('rate limit → RateLimitError 429 with Retry-After', async () => {
  try {
    await client.chat.completions.create({ model: 'ratelimited/instant', messages });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.RateLimitError, `got ${e?.constructor?.name} ${e?.status}`);
    expect(e.headers.get('retry-after') === '30', `retry-after ${e.headers.get('retry-after')}`);
  }
});

await check('upstream key refused → AuthenticationError 401, key not echoed', async () => {
  try {
    await client.chat.completions.create({ model: 'refused/instant', messages });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.AuthenticationError, `got ${e?.constructor?.name} ${e?.status}`);
    noSecret(e.message, 'the error message');
    noSecret(JSON.stringify(e.error), 'the error body');
  }
});

await check('retried 503 carries x-should-retry: false (no attempt amplification)', async () => {
  const before = (await simStats()).requests;
  const retrying = new OpenAI({ baseURL: `${GW}/v1`, apiKey: 'sk-gateway-client', maxRetries: 2, timeout: 20_000 });
  try {
    await retrying.chat.completions.create({ model: 'flaky/instant', messages });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.InternalServerError, `got ${e?.constructor?.name} ${e?.status}`);
    expect(e.status === 503, `status ${e.status}`);
    expect(e.headers.get('x-should-retry') === 'false', 'x-should-retry');
  }
  const upstream = (await simStats()).requests - before;
  expect(upstream === 4, `upstream calls ${upstream} (2 keys x 2 rounds, the SDK must not repeat them)`);
});

await check('stream cut after the first bytes → APIError, never a clean end', async () => {
  const s = await client.chat.completions.create({ model: 'cutter/paced-6x1', messages, stream: true });
  let text = '';
  try {
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    throw new Error(`the stream ended cleanly after ${JSON.stringify(text)}`);
  } catch (e) {
    expect(e instanceof OpenAI.APIError, `got ${e?.constructor?.name}: ${e?.message}`);
    expect(/interrupted/.test(e.message), `message ${e.message}`);
  }
});

await check('failover before the first byte is invisible to the client', async () => {
  const s = await client.chat.completions.create({ model: 'resetting/paced-3x1', messages, stream: true });
  let text = '';
  for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
  expect(text === 'tok0 tok1 tok2 ', `text ${JSON.stringify(text)}`);
});

await check('10 MB body → BadRequestError-family 413 with an OpenAI error object', async () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  try {
    await client.chat.completions.create({ model: 'sim/instant', messages: [{ role: 'user', content: huge }] });
    throw new Error('no error');
  } catch (e) {
    expect(e instanceof OpenAI.APIError && e.status === 413, `got ${e?.constructor?.name} ${e?.status}`);
    expect(e.code === 'request_too_large' && /too large/.test(e.message), `code ${e.code} message ${e.message}`);
  }
});

await check('gateway still serves after the oversized body', async () => {
  const r = await client.chat.completions.create({ model: 'sim/instant', messages });
  expect(r.choices.length === 1, `choices ${r.choices.length}`);
});

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
