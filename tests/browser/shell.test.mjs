// The page shell and the chain engine -> Embind -> ImGui -> WebGL2 canvas, in headless Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveBundle, launch, waitForLab, waitFrames, screenshot, nonBackgroundFraction, repoRoot, clickWidget,
} from './harness.mjs';

let served;
before(async () => { served = await serveBundle(); });
after(() => served.server.close());

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

test('the lab boots, draws its first frame and answers through Embind', async () => {
  const { page, logs, close } = await launch();
  try {
    await page.goto(served.url);
    const status = await waitForLab(page);
    assert.equal(status, 'ready', `shell status ${status}; console:\n${logs.join('\n')}`);
    assert.equal(await page.locator('#error').isVisible(), false, 'the error message is shown');
    assert.equal(await page.locator('#loading').isVisible(), false, 'the loading screen stays up');

    const ttff = await page.evaluate(() => window.klabFirstFrameMs);
    console.log(`TTFF: first frame ${ttff.toFixed(0)} ms after navigation start`);
    assert.ok(ttff > 0);

    assert.equal(await page.evaluate(() => window.klab.version()), pkg.version);
    assert.match(await page.evaluate(() => window.klab.linuxRelease()), /^6\.1/);
    const m = await page.evaluate(() => window.klab.machine());
    assert.equal(m.preset, 'x86_64');
    assert.equal(m.cpus, 2);
    assert.equal(m.pageSize, 4096);
    assert.equal(m.pages, m.memBytes / 4096);

    await waitFrames(page, 2);
    const shot = await screenshot(page, 'boot');
    const { fraction, colours } = nonBackgroundFraction(shot);
    assert.ok(fraction > 0.02 && colours > 20,
      `canvas looks blank: ${(fraction * 100).toFixed(1)}% non-background, ${colours} colours`);
    assert.match(await page.title(), /Kernel Lab .*x86_64/);
  } finally {
    await close();
  }
});

// Clicks "Reboot" in the "Reboot the model?" confirmation.
const clickConfirm = (page) => clickWidget(page, 'confirm/reboot', { settle: 2 });

test('clicking an ImGui button reboots the machine with another preset', async () => {
  const { page, logs, close } = await launch();
  try {
    await page.goto(served.url);
    assert.equal(await waitForLab(page), 'ready', logs.join('\n'));
    await waitFrames(page, 2);
    const before = await page.evaluate(() => window.klab.machine());
    const rect = await clickWidget(page, 'machine/boot_i386');
    assert.ok(rect.w > 0 && rect.h > 0, 'the Boot i386 button was not drawn');
    // The panel's button asks first, like the Machine menu.
    assert.equal((await page.evaluate(() => window.klab.machine())).bootCount, before.bootCount);
    await clickConfirm(page);

    const afterClick = await page.evaluate(() => window.klab.machine());
    assert.equal(afterClick.preset, 'i386');
    assert.equal(afterClick.hz, 100);
    assert.equal(afterClick.memBytes, 1024 * 1024 * 1024);
    assert.equal(afterClick.bootCount, before.bootCount + 1);
    await page.waitForFunction(() => document.title.includes('i386'), null, { timeout: 5000 });
    await screenshot(page, 'after-boot-i386');
  } finally {
    await close();
  }
});

test('on a high-DPI screen the canvas uses device pixels and clicks still land', async () => {
  const { page, logs, close } = await launch({ deviceScaleFactor: 2 });
  try {
    await page.goto(served.url);
    assert.equal(await waitForLab(page), 'ready', logs.join('\n'));
    await waitFrames(page, 2);
    assert.equal(await page.evaluate(() => window.klab.pixelRatio()), 2);
    const size = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      return { w: c.width, h: c.height, cssW: c.clientWidth, cssH: c.clientHeight };
    });
    assert.equal(size.w, size.cssW * 2);
    assert.equal(size.h, size.cssH * 2);
    await clickWidget(page, 'machine/boot_i386'); // CSS pixels, though the canvas has 2 per pixel
    await clickConfirm(page);
    assert.equal((await page.evaluate(() => window.klab.machine())).preset, 'i386');
    await screenshot(page, 'hidpi');
  } finally {
    await close();
  }
});

test('without WebGL2 the page says so instead of staying blank', async () => {
  const { page, close } = await launch({ extraArgs: ['--disable-webgl', '--disable-3d-apis'] });
  try {
    await page.goto(served.url);
    assert.equal(await waitForLab(page), 'error:webgl2');
    assert.equal(await page.locator('#error').isVisible(), true);
    assert.match(await page.locator('#error-text').innerText(), /WebGL2/);
    await screenshot(page, 'no-webgl2');
  } finally {
    await close();
  }
});

test('a bundle whose wasm is missing reports the failure in words', async () => {
  const { page, close } = await launch();
  try {
    await page.route('**/index.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(served.url);
    assert.equal(await waitForLab(page), 'error:download');
    assert.match(await page.locator('#error-text').innerText(), /could not be downloaded.*404/);
  } finally {
    await close();
  }
});
