// Shared set-up for the browser tests: serve the built bundle on loopback and drive Debian's
// Chromium through playwright-core, with WebGL2 on SwiftShader (no GPU on test machines).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { startServer } from '../../deploy/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const distDir = process.env.KLAB_DIST || path.join(repoRoot, 'build/wasm/dist');
export const artifactsDir = path.join(here, 'artifacts');

const CHROMIUM_ARGS = [
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--no-sandbox',
];

export async function serveBundle() {
  const server = await startServer({ dir: distDir, host: '127.0.0.1', port: 0 });
  const { port } = server.address();
  return { server, url: `http://127.0.0.1:${port}/` };
}

// A fresh browser profile per call; extraArgs e.g. ['--disable-webgl'].
export async function launch({
  extraArgs = [], viewport = { width: 1280, height: 720 }, deviceScaleFactor = 1,
} = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'klab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.KLAB_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport,
    deviceScaleFactor,
  });
  const page = context.pages()[0] || (await context.newPage());
  const logs = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, logs, close };
}

// Waits until the shell reports 'ready' or an error; returns the final status.
export async function waitForLab(page, timeoutMs = 30000) {
  await page.waitForFunction(
    () => window.klabStatus && window.klabStatus !== 'loading', null, { timeout: timeoutMs });
  return page.evaluate(() => window.klabStatus);
}

// Waits until the lab has drawn `n` more frames (so a click has been seen and redrawn).
export async function waitFrames(page, n = 3) {
  const start = await page.evaluate(() => window.klab.frameCount());
  await page.waitForFunction((s) => window.klab.frameCount() >= s, start + n, { timeout: 10000 });
}

// A real click (move, press, release in separate frames: ImGui samples the button once per
// frame) at the centre of a named widget. Waits for the widget to be drawn first: right after a
// reload or a lesson start the panel may not have drawn its first frame yet.
// settle: frames to wait once it is drawn (a popup sizes and centres itself in its first frames).
export async function clickWidget(page, id, { timeoutMs = 10000, settle = 0 } = {}) {
  try {
    await page.waitForFunction((w) => !!window.klab.widgetRect(w), id, { timeout: timeoutMs });
  } catch {
    throw new Error(`no widget ${id} drawn within ${timeoutMs} ms`);
  }
  if (settle) await waitFrames(page, settle);
  const r = await page.evaluate((w) => window.klab.widgetRect(w), id);
  await page.mouse.move(r.x + r.w / 2, r.y + r.h / 2);
  await waitFrames(page, 2);
  await page.mouse.down();
  await waitFrames(page, 2);
  await page.mouse.up();
  await waitFrames(page, 3);
  return r;
}

export async function screenshot(page, name) {
  const buf = await page.screenshot({ type: 'png' });
  fs.mkdirSync(artifactsDir, { recursive: true });
  fs.writeFileSync(path.join(artifactsDir, `${name}.png`), buf);
  return PNG.sync.read(buf);
}

// How much of the picture is something other than its most common colour (0..1).
export function nonBackgroundFraction(png) {
  const counts = new Map();
  const { data } = png;
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const top = Math.max(...counts.values());
  return { fraction: 1 - top / (png.width * png.height), colours: counts.size };
}

// Mean colour of a rectangle of the screenshot, to check what is drawn at a widget.
export function meanColour(png, { x, y, w, h }) {
  let r = 0, g = 0, b = 0, n = 0;
  for (let yy = Math.floor(y); yy < Math.floor(y + h); yy++) {
    for (let xx = Math.floor(x); xx < Math.floor(x + w); xx++) {
      const i = (yy * png.width + xx) * 4;
      r += png.data[i]; g += png.data[i + 1]; b += png.data[i + 2]; n++;
    }
  }
  return n ? [r / n, g / n, b / n] : [0, 0, 0];
}

// web/embed/embed.js run in node (no page): window.KlabEmbed, for tests of its pure parts and
// of its controller against stub adapters.
export function loadEmbed() {
  const code = fs.readFileSync(path.join(repoRoot, 'web/embed/embed.js'), 'utf8');
  const ctx = {
    URL, URLSearchParams, TextEncoder, TextDecoder, CompressionStream, DecompressionStream,
    btoa, atob, console, Uint8Array, JSON, Promise, Error, Array, Number, String, Math, Date,
  };
  ctx.globalThis = ctx;
  vm.runInNewContext(code, ctx);
  return ctx.KlabEmbed;
}
