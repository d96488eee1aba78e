// The live lab in headless Chromium: typing into the ImGui console by keyboard, the effect seen
// through the Embind API and on screenshots (memory map, error caret, oops in the log), the
// change events, layout persistence, and the page inside an 800x600 iframe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveBundle, launch, waitForLab, waitFrames, screenshot, repoRoot, artifactsDir,
} from './harness.mjs';

let served;
before(async () => { served = await serveBundle(); });
after(() => served.server.close());

// Pixels that differ between two screenshots inside a rectangle (CSS px = image px here).
function diffCount(a, b, { x, y, w, h }) {
  let n = 0;
  for (let yy = Math.floor(y); yy < Math.floor(y + h); yy++) {
    for (let xx = Math.floor(x); xx < Math.floor(x + w); xx++) {
      const i = (yy * a.width + xx) * 4;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
    }
  }
  return n;
}

// Pixels of the error colour (the red of compile errors and their caret) inside a rectangle.
function redCount(png, { x, y, w, h }) {
  let n = 0;
  for (let yy = Math.floor(y); yy < Math.floor(y + h); yy++) {
    for (let xx = Math.floor(x); xx < Math.floor(x + w); xx++) {
      const i = (yy * png.width + xx) * 4;
      if (png.data[i] > 200 && png.data[i + 1] < 130 && png.data[i + 2] < 120) n++;
    }
  }
  return n;
}

async function typeCommand(page, text) {
  await page.keyboard.type(text);
  await waitFrames(page, 2);
  await page.keyboard.press('Enter');
  await waitFrames(page, 3);
}

async function openLab(opts = {}) {
  const lab = await launch(opts);
  await lab.page.goto(served.url);
  assert.equal(await waitForLab(lab.page), 'ready', lab.logs.join('\n'));
  await waitFrames(lab.page, 3);
  return lab;
}

test('typing into the console runs KernelC, fires klab-change and repaints the memory map', async () => {
  const { page, logs, close } = await openLab();
  try {
    await page.evaluate(() => {
      window.changes = [];
      window.addEventListener('klab-change', (e) => window.changes.push(e.detail.generation));
      window.subscribed = 0;
      window.klab.subscribe(() => { window.subscribed++; });
    });
    const map = await page.evaluate(() => window.klab.widgetRect('pagemap/cells'));
    assert.ok(map && map.w > 50 && map.h > 50, 'the memory map was not drawn');
    const before = await screenshot(page, 'lab-before');
    const buddyBefore = await page.evaluate(() => window.klab.proc('buddyinfo'));
    // 64 order-10 blocks: 256 MiB of a 6 GiB machine, a visible band of the map.
    await typeCommand(page, 'unsigned long a[64]; int i; for (i = 0; i < 64; i++) a[i] = __get_free_pages(GFP_KERNEL, 10);');
    const cmds = await page.evaluate(() => window.klab.commands());
    assert.equal(cmds.length, 1, logs.join('\n'));
    assert.match(cmds[0].text, /__get_free_pages\(GFP_KERNEL, 10\)/);
    assert.equal(cmds[0].error, false, cmds[0].output);
    assert.notEqual(await page.evaluate(() => window.klab.proc('buddyinfo')), buddyBefore);
    assert.deepEqual(await page.evaluate(() => window.changes), [await page.evaluate(() => window.klab.generation())]);
    assert.equal(await page.evaluate(() => window.subscribed), 1);
    assert.match(await page.title(), /1 command/);
    const stats = await page.evaluate(() => window.klab.pageMapStats());
    assert.equal(stats.fullRebuilds, 1, 'the map was rebuilt instead of updated');
    const afterShot = await screenshot(page, 'lab-after-alloc');
    const changed = diffCount(before, afterShot, map);
    assert.ok(changed > 20, `the memory map did not change on screen (${changed} pixels)`);
  } finally {
    await close();
  }
});

test('a syntax error shows a red caret; an oops lands in the log and the lab keeps working', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'int x = ;');
    const r = (await page.evaluate(() => window.klab.commands()))[0];
    assert.equal(r.error, true);
    assert.match(r.output, /error: .*\n.*\n\s*\^/);
    const transcript = await page.evaluate(() => window.klab.widgetRect('console/transcript'));
    const shot = await screenshot(page, 'lab-syntax-error');
    assert.ok(redCount(shot, transcript) > 10, 'no error-coloured text in the console');

    await typeCommand(page, 'int *q = NULL;');
    await typeCommand(page, '*q = 1;');
    assert.match(await page.evaluate(() => window.klab.dmesg()), /BUG: kernel NULL pointer dereference/);
    const log = await page.evaluate(() => window.klab.widgetRect('view/Kernel log'));
    const oops = await screenshot(page, 'lab-oops');
    assert.ok(redCount(oops, log) > 10, 'the oops is not drawn in the error colour in the log');
    assert.equal((await page.evaluate(() => window.klab.exec('6 * 7;'))).includes('42'), true);
  } finally {
    await close();
  }
});

test('the JS API: exec, proc, snapshot/restore, undo, boot', async () => {
  const { page, close } = await openLab();
  try {
    const r = await page.evaluate(() => {
      const k = window.klab;
      const out = {};
      const snap = k.snapshot();
      const free0 = k.proc('/proc/buddyinfo');
      out.exec = k.exec('p = alloc_pages(GFP_KERNEL, 3);');
      out.changed = k.proc('buddyinfo') !== free0;
      out.restored = k.restore(snap);
      out.same = k.proc('buddyinfo') === free0;
      out.noProc = k.proc('/proc/nonexistent');
      out.run = k.run('int y = ;', 'lesson-1');
      out.source = k.commands().at(-1).source;
      out.undo = k.undo();
      out.gen = k.generation();
      out.bad = k.boot({ preset: 'i386', mem: '1T' });
      out.boot = k.boot({ preset: 'i386', mem: '256M', cpus: 1 });
      out.machine = k.machine();
      return out;
    });
    assert.equal(r.changed, true);
    assert.equal(r.restored, true);
    assert.equal(r.same, true);
    assert.equal(r.noProc, null);
    assert.equal(r.run.compileError, true);
    assert.equal(r.source, 'lesson-1');
    assert.equal(r.undo, true);
    assert.ok(r.gen >= 4);
    assert.equal(r.bad.ok, false);
    assert.ok(r.bad.error.length > 0);
    assert.equal(r.boot.ok, true, r.boot.error);
    assert.equal(r.machine.preset, 'i386');
    assert.equal(r.machine.memBytes, 256 * 1024 * 1024);
    assert.equal(r.machine.cpus, 1);
    await waitFrames(page, 3);
    assert.equal((await page.evaluate(() => window.klab.pageMapStats())).pages, 65536);
  } finally {
    await close();
  }
});

test('Tab completes and Up recalls in the console; paste comes from the browser clipboard', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'x = 40 + 2;');
    await page.keyboard.type('__get_free_p');
    await page.keyboard.press('Tab');
    await waitFrames(page, 2);
    await page.keyboard.type('(GFP_KERNEL);');
    await page.keyboard.press('Enter');
    await waitFrames(page, 3);
    let cmds = await page.evaluate(() => window.klab.commands());
    assert.equal(cmds.at(-1).text, '__get_free_page(GFP_KERNEL);');
    await page.keyboard.press('ArrowUp');
    await waitFrames(page, 2);
    await page.keyboard.press('ArrowUp');
    await waitFrames(page, 2);
    await page.keyboard.press('Enter');
    await waitFrames(page, 3);
    cmds = await page.evaluate(() => window.klab.commands());
    assert.equal(cmds.at(-1).text, 'x = 40 + 2;');
    // A paste event as the browser sends it on Ctrl+V, then the key press ImGui sees.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'y = 5 * 5;');
      document.getElementById('canvas').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    });
    await page.keyboard.press('Control+V');
    await waitFrames(page, 2);
    await page.keyboard.press('Enter');
    await waitFrames(page, 3);
    cmds = await page.evaluate(() => window.klab.commands());
    assert.equal(cmds.at(-1).text, 'y = 5 * 5;');
    assert.match(cmds.at(-1).output, /25/);
  } finally {
    await close();
  }
});

test('the layout persists across reloads and "reset layout" restores it', async () => {
  const { page, close } = await openLab();
  try {
    assert.ok(await page.evaluate(() => window.klab.widgetRect('view/Trace')));
    await page.evaluate(() => window.klab.setViewOpen('Trace', false));
    await page.waitForFunction(() => (localStorage.getItem('klab-views-v1') || '').length > 0, null, { timeout: 5000 });
    await page.reload();
    assert.equal(await waitForLab(page), 'ready');
    await waitFrames(page, 3);
    assert.equal(await page.evaluate(() => window.klab.widgetRect('view/Trace')), null, 'Trace came back after reload');
    assert.ok(await page.evaluate(() => window.klab.widgetRect('view/Console')));
    await page.evaluate(() => window.klab.resetLayout());
    await waitFrames(page, 3);
    assert.ok(await page.evaluate(() => window.klab.widgetRect('view/Trace')), 'reset layout did not reopen Trace');
  } finally {
    await close();
  }
});

test('inside an 800x600 iframe the views are tabs and the console takes keyboard input', async () => {
  const { page, logs, close } = await launch({ viewport: { width: 1000, height: 760 } });
  try {
    await page.setContent(`<!doctype html><body style="margin:20px;background:#fff">
      <p>Course page</p><iframe id="lab" src="${served.url}" width="800" height="600" style="border:1px solid #888"></iframe></body>`);
    const handle = await page.waitForSelector('#lab');
    const frame = await handle.contentFrame();
    await frame.waitForFunction(() => window.klabStatus && window.klabStatus !== 'loading', null, { timeout: 30000 });
    assert.equal(await frame.evaluate(() => window.klabStatus), 'ready', logs.join('\n'));
    await frame.waitForFunction(() => window.klab.frameCount() > 3);
    assert.equal(await frame.evaluate(() => window.klab.tabs()), true);
    const box = await handle.boundingBox();
    const input = await frame.evaluate(() => window.klab.widgetRect('console/input'));
    assert.ok(input, 'the console input is not visible in the iframe');
    await page.mouse.click(box.x + input.x + input.w / 2, box.y + input.y + input.h / 2);
    await frame.waitForFunction(() => window.klab.frameCount() > 10);
    await page.keyboard.type('z = 3 * 3;');
    await page.keyboard.press('Enter');
    await frame.waitForFunction(() => window.klab.commands().length === 1, null, { timeout: 5000 });
    assert.match((await frame.evaluate(() => window.klab.commands()))[0].output, /9/);
    const tab = await frame.evaluate(() => window.klab.widgetRect('tab/Physical memory'));
    assert.ok(tab);
    // Move, press and release in separate frames, as a hand would.
    const frames = async (n) => {
      const f0 = await frame.evaluate(() => window.klab.frameCount());
      await frame.waitForFunction((s) => window.klab.frameCount() >= s, f0 + n);
    };
    await page.mouse.move(box.x + tab.x + tab.w / 2, box.y + tab.y + tab.h / 2);
    await frames(2);
    await page.mouse.down();
    await frames(2);
    await page.mouse.up();
    await frames(2);
    await frame.waitForFunction(() => window.klab.widgetRect('pagemap/cells') !== null, null, { timeout: 5000 });
    await screenshot(page, 'iframe-800x600');
  } finally {
    await close();
  }
});

test('screenshots of the views after a short session (artifacts; the README picture)', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'p = alloc_pages(GFP_KERNEL, 3);');
    await typeCommand(page, 'printk(KERN_INFO "hello from the console\\n");');
    await typeCommand(page, 'cat /proc/buddyinfo');
    await waitFrames(page, 3);
    await screenshot(page, 'views-1280x720');
    if (process.env.KLAB_UPDATE_SCREENSHOT) {
      fs.copyFileSync(path.join(artifactsDir, 'views-1280x720.png'), path.join(repoRoot, 'docs/screenshot.png'));
    }
  } finally {
    await close();
  }
});
