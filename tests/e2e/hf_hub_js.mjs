// Fidelity check: the official @huggingface/hub client against `spacefactory sim`.
// Environment: HF_ENDPOINT (the simulator URL; the library never reads it, so hubUrl is passed on
// every call) and HF_TOKEN. Prints one line per check and `N passed, M failed`; exit code 1 on
// failure.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  whoAmI, listModels, modelInfo, spaceInfo, createRepo, uploadFiles, listFiles, downloadFile,
  deleteRepo, commit, HubApiError,
} from '@huggingface/hub';

const hubUrl = process.env.HF_ENDPOINT;
const accessToken = process.env.HF_TOKEN;
if (!hubUrl || !accessToken) {
  console.error('HF_ENDPOINT and HF_TOKEN must be set');
  process.exit(2);
}
setTimeout(() => { console.error('timeout'); process.exit(1); }, 120e3).unref();

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.name}: ${e?.message}`);
  }
}
function expect(cond, msg) { if (!cond) throw new Error(msg); }

const name = `sim-user/e2e-js-${randomUUID().slice(0, 8)}`;
const repo = { type: 'space', name };
const small = new TextEncoder().encode('import gradio as gr\n\ngr.Interface(lambda x: x, "text", "text").launch()\n');
const big = new Uint8Array(randomBytes(2 * 1024 * 1024 + 5));  // weights.bin: lfs by .gitattributes

await check('whoAmI', async () => {
  const me = await whoAmI({ accessToken, hubUrl });
  expect(me.name === 'sim-user', `name ${me.name}`);
  expect(me.type === 'user', `type ${me.type}`);
});
await check('listModels + pagination', async () => {
  const ids = [];
  for await (const m of listModels({ search: { owner: 'sim-org' }, hubUrl, accessToken })) ids.push(m.name);
  expect(ids.includes('sim-org/tiny-gpt2'), `ids ${ids}`);
  expect(!ids.includes('sim-other/private-model'), 'private model listed');
});
await check('modelInfo', async () => {
  const info = await modelInfo({ name: 'sim-org/tiny-gpt2', hubUrl });
  expect(info.name === 'sim-org/tiny-gpt2', `name ${info.name}`);
  expect(info.task === 'text-generation', `task ${info.task}`);
});
await check('createRepo private gradio Space', async () => {
  const r = await createRepo({ repo, sdk: 'gradio', private: true, accessToken, hubUrl });
  expect(r.repoUrl.endsWith(`/spaces/${name}`), `url ${r.repoUrl}`);
});
await check('createRepo again is a 409', async () => {
  try {
    await createRepo({ repo, sdk: 'gradio', private: true, accessToken, hubUrl });
  } catch (e) {
    expect(e instanceof HubApiError && e.statusCode === 409, `${e.statusCode}`);
    return;
  }
  throw new Error('no error');
});
await check('uploadFiles (regular + LFS)', async () => {
  const up = await uploadFiles({
    repo, accessToken, hubUrl,
    files: [{ path: 'app.py', content: new Blob([small]) },
            { path: 'weights.bin', content: new Blob([big]) }],
  });
  expect(up.commit.oid.length === 40, `oid ${up.commit.oid}`);
});
await check('listFiles', async () => {
  const files = [];
  for await (const f of listFiles({ repo, recursive: true, accessToken, hubUrl })) files.push(f);
  const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
  expect(byPath['app.py'], `files ${Object.keys(byPath)}`);
  expect(byPath['weights.bin']?.lfs?.size === big.length, 'weights.bin not LFS');
});
await check('downloadFile byte-identical', async () => {
  const a = await downloadFile({ repo, path: 'app.py', accessToken, hubUrl });
  expect(Buffer.from(await a.arrayBuffer()).equals(Buffer.from(small)), 'app.py differs');
  const b = await downloadFile({ repo, path: 'weights.bin', accessToken, hubUrl });
  expect(Buffer.from(await b.arrayBuffer()).equals(Buffer.from(big)), 'weights.bin differs');
});
await check('spaceInfo with runtime', async () => {
  const info = await spaceInfo({ name, accessToken, hubUrl, additionalFields: ['runtime'] });
  expect(info.sdk === 'gradio', `sdk ${info.sdk}`);
  expect(info.private === true, 'not private');
  expect(typeof info.runtime?.stage === 'string', 'no runtime stage');
});
await check('anonymous cannot see the private Space', async () => {
  try {
    await spaceInfo({ name, hubUrl });
  } catch (e) {
    expect(e instanceof HubApiError && (e.statusCode === 401 || e.statusCode === 404), `${e.statusCode}`);
    return;
  }
  throw new Error('anonymous spaceInfo succeeded');
});
await check('commit delete', async () => {
  await commit({ repo, accessToken, hubUrl, title: 'rm', operations: [{ operation: 'delete', path: 'weights.bin' }] });
  const files = [];
  for await (const f of listFiles({ repo, accessToken, hubUrl })) files.push(f.path);
  expect(!files.includes('weights.bin'), 'still there');
});
await check('deleteRepo', async () => {
  await deleteRepo({ repo, accessToken, hubUrl });
  try {
    await spaceInfo({ name, accessToken, hubUrl });
  } catch (e) {
    expect(e.statusCode === 404, `${e.statusCode}`);
    return;
  }
  throw new Error('still exists');
});

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
