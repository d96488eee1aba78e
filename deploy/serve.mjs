// Serves the static bundle (build/wasm/dist) on loopback: what `deploy/lab serve` runs and what
// the browser tests start. Precompressed .gz files are sent to browsers that accept gzip.
//   node deploy/serve.mjs --dir DIR [--host 127.0.0.1] [--port 8080]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sirv from 'sirv';

export function startServer({ dir, host = '127.0.0.1', port = 8080 }) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir} has no index.html: build the bundle first (deploy/lab build)`);
  }
  const handler = sirv(dir, { gzip: true, dev: false, etag: true, maxAge: 0 });
  const server = http.createServer((req, res) => handler(req, res, () => {
    res.statusCode = 404;
    res.end('not found');
  }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
    },
  });
  const port = Number(values.port);
  if (!values.dir || !Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: serve.mjs --dir DIR [--host ADDR] [--port N]');
    process.exit(2);
  }
  try {
    const server = await startServer({ dir: values.dir, host: values.host, port });
    const { address, port: bound } = server.address();
    console.log(`Kernel Lab is being served at http://${address}:${bound}/  (Ctrl-C to stop)`);
  } catch (e) {
    console.error(`serve: ${e.code === 'EADDRINUSE' ? `port ${port} is in use (try --port N)` : e.message}`);
    process.exit(1);
  }
}
