/**
 * The README as a user reads it: every link it makes points to a file inside the repository, and
 * every curl example that sends a JSON body (`-d '...'`) is shown with the output the service
 * really gives for it, printed the way that command prints it: curl's one line, `jq .`'s layout
 * when the command pipes through `jq .`, and the status line of `-w '\n%{http_code} %{content_type}\n'`.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestApp } from '../helpers/app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

interface CodeBlock {
  info: string;
  text: string;
}

function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1], text: m[2] }));
}

interface CurlExample {
  url: string;
  headers: Record<string, string>;
  body: string;
  jq: boolean;
  statusLine: boolean;
}

/** A `curl -s -X POST localhost:3000/...` command with a `-d '...'` body, or null for any other block. */
function curlExample(block: CodeBlock): CurlExample | null {
  const command = block.text.replace(/\\\n/g, ' ');
  const url = /curl -s -X POST localhost:3000(\/\S*)/.exec(command)?.[1];
  const body = /-d '([^']*)'/.exec(command)?.[1];
  if (block.info !== 'sh' || url === undefined || body === undefined) return null;
  const headers = Object.fromEntries([...command.matchAll(/-H '([^:']+): ([^']*)'/g)].map((m) => [m[1].toLowerCase(), m[2]]));
  return { url, headers, body, jq: /\| jq \.\s*$/.test(command), statusLine: command.includes("-w '\\n%{http_code} %{content_type}\\n'") };
}

t.test('every link in the README points to a file inside the repository', async (t) => {
  const targets = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(#|https?:)/.test(l));
  t.ok(targets.length >= 5, `${targets.length} links to files`);
  for (const target of targets) {
    const file = path.resolve(ROOT, target.split('#')[0]);
    t.ok(file.startsWith(ROOT) && existsSync(file), `${target} is in the repository`);
  }
});

t.test('each curl example with a JSON body shows the real answer, as the command prints it', async (t) => {
  const app = await buildTestApp(t);
  const blocks = codeBlocks(README);
  let checked = 0;
  for (const [i, block] of blocks.entries()) {
    const example = curlExample(block);
    if (example === null) continue;
    checked++;
    const res = await app.inject({ method: 'POST', url: example.url, headers: example.headers, payload: example.body });
    // curl prints the body as sent, without a newline of its own; jq adds one.
    let printed = example.jq ? `${JSON.stringify(JSON.parse(res.body), null, 2)}\n` : `${res.body}\n`;
    if (example.statusLine) printed += `${res.statusCode} ${res.headers['content-type']}\n`;
    t.equal(blocks[i + 1].text, printed, `POST ${example.url} with ${example.body.slice(0, 60)}...`);
  }
  t.equal(checked, 8, 'the eight curl examples with a JSON body (POST /loss seven times, /v2 infer once)');
});
