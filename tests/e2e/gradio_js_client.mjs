// The official @gradio/client (2.7.0, tests/gradio_js) against simulated Spaces:
//   node gradio_js_client.mjs TEXT_HOST IMAGE_HOST TOKEN
// connects to each host URL (never an owner/name id: that would ask huggingface.co) with the
// token, reads the API, and predicts: a text answer, and an image FileData whose bytes are a PNG.
// Exit 1 on any failure.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'gradio_js', 'package.json'));
const { Client } = await import(require.resolve('@gradio/client'));
const [textHost, imageHost, token] = process.argv.slice(2);

function fail(msg) {
  console.error('FAIL: ' + msg);
  process.exit(1);
}

const text = await Client.connect(textHost, { token });
const api = await text.view_api();
if (!api.named_endpoints['/generate']) fail('view_api: no /generate: ' + Object.keys(api.named_endpoints));
const r = await text.predict('/generate', { prompt: 'a red fox', max_new_tokens: 64, temperature: 0.5 });
if (typeof r.data[0] !== 'string' || !r.data[0].includes('a red fox')) fail('text: ' + JSON.stringify(r.data));
let streamed;
for await (const msg of text.submit('/generate', ['streamed', 64, 0.5])) {
  if (msg.type === 'data') { streamed = msg.data; break; }
}
if (!streamed || !String(streamed[0]).includes('streamed')) fail('submit: ' + JSON.stringify(streamed));
text.close();

const image = await Client.connect(imageHost, { token });
const ri = await image.predict('/generate', ['a red fox', '', 30, 7.5, 0]);
const file = ri.data[0];
if (!file || !file.url) fail('image: no FileData url: ' + JSON.stringify(ri.data));
const res = await fetch(file.url, { headers: { Authorization: 'Bearer ' + token } });
const bytes = new Uint8Array(await res.arrayBuffer());
if (res.status !== 200 || bytes[0] !== 0x89 || bytes[1] !== 0x50) fail('image bytes are not a PNG');
image.close();
console.log('gradio_js_client: @gradio/client predictions ok (text, image ' + bytes.length + ' bytes)');
process.exit(0);
