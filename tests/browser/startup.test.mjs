// Start-up as a student sees it (issue 20 item 12): the page paints its loading screen before
// the kernel model takes the main thread, and shows progress while the model boots, instead of
// a blank page until the first frame. Frames are taken from Chromium's compositor as they are
// produced (CDP screencast), so a frame the page never painted cannot be counted.
// The time to the first frame is measured by tests/bench/browser_perf.mjs, not asserted here
// (it depends on the machine's load).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { serveBundle, launch, waitForLab, distDir, artifactsDir } from './harness.mjs';

const haveBundle = fs.existsSync(path.join(distDir, 'index.wasm'));
let served;
before(async () => { if (haveBundle) served = await serveBundle(); });
after(() => served?.server.close());

test('the loading screen is painted before the model boots and shows each start-up stage',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, context, close } = await launch();
    try {
      // Every text the loading screen shows, with the time it was set (before any page script).
      await page.addInitScript(() => {
        window.loadingLog = [];
        document.addEventListener('DOMContentLoaded', () => {
          const t = document.getElementById('loading-text');
          if (!t) return;
          window.loadingLog.push([performance.now(), t.textContent]);
          new MutationObserver(() => window.loadingLog.push([performance.now(), t.textContent]))
            .observe(t, { childList: true, characterData: true, subtree: true });
        });
      });
      const cdp = await context.newCDPSession(page);
      const frames = [];
      cdp.on('Page.screencastFrame', (f) => {
        frames.push({ at: Date.now(), data: f.data });
        cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => {});
      });
      await cdp.send('Page.startScreencast', { format: 'png', everyNthFrame: 1 });
      await page.goto(served.url);
      assert.equal(await waitForLab(page, 60000), 'ready');
      const readyAt = Date.now();
      await cdp.send('Page.stopScreencast');
      const t = await page.evaluate(() => {
        const m = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
        return { fcp: m('first-contentful-paint'), main: m('klab:main'), booted: m('klab:app-booted'),
          first: window.klabFirstFrameMs, log: window.loadingLog };
      });
      console.log(`# first contentful paint ${t.fcp?.toFixed(0)} ms, main() ${t.main?.toFixed(0)} ms, ` +
        `first frame ${t.first.toFixed(0)} ms; loading texts: ${t.log.map(([at, s]) => `${at.toFixed(0)} ${s}`).join(' | ')}`);
      assert.ok(t.fcp !== null && t.fcp < t.main, `nothing was painted before main() (fcp ${t.fcp}, main ${t.main})`);
      // The screen said what it was doing while the model booted.
      assert.ok(t.log.some(([at, s]) => /boot/i.test(s) && at <= t.main + 1),
        `no boot stage shown before main(): ${JSON.stringify(t.log)}`);

      // The compositor's frames before the lab's first frame: the loading box, drawn (its
      // border and background, not the page's plain background), and more than one of them.
      const loading = frames.filter((f) => f.at <= readyAt);
      const boxFrames = loading.filter((f) => {
        const png = PNG.sync.read(Buffer.from(f.data, 'base64'));
        const i = ((png.height >> 1) * png.width + (png.width >> 1)) * 4; // centre: inside the box
        return png.data[i] === 0x18 && png.data[i + 1] === 0x1c && png.data[i + 2] === 0x21;
      });
      fs.mkdirSync(artifactsDir, { recursive: true });
      if (boxFrames.length) fs.writeFileSync(path.join(artifactsDir, 'startup-loading.png'), Buffer.from(boxFrames[0].data, 'base64'));
      assert.ok(boxFrames.length >= 1, `no loading screen painted before the first frame (${frames.length} frames in all)`);
    } finally {
      await close();
    }
  });
