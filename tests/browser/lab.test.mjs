// The live lab in headless Chromium: typing into the ImGui console by keyboard, the effect seen
// through the Embind API and on screenshots (memory map, error caret, oops in the log), the
// change events, layout persistence, and the page inside an 800x600 iframe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveBundle, launch, waitForLab, waitFrames, screenshot, repoRoot, artifactsDir, clickWidget,
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

// Types a line into the console and waits until the session has run it.
async function typeCommand(page, text) {
  await page.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
  const n = await page.evaluate(() => window.klab.commands().length);
  await page.keyboard.type(text);
  await waitFrames(page, 2);
  await page.keyboard.press('Enter');
  await page.waitForFunction((m) => window.klab.commands().length > m, n, { timeout: 10000 });
  await waitFrames(page, 3);
}

async function openLab(opts = {}) {
  const lab = await launch(opts);
  await lab.page.goto(served.url);
  assert.equal(await waitForLab(lab.page), 'ready', lab.logs.join('\n'));
  await waitFrames(lab.page, 3);
  await lab.page.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
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
      out.badCpus = k.boot({ cpus: 'many' });
      out.sameBoot = k.boot({ preset: undefined, mem: null }).ok && k.machine().preset === 'x86_64';
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
    assert.equal(r.badCpus.ok, false);
    assert.equal(r.sameBoot, true);
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
    await page.waitForFunction(() => (localStorage.getItem('klab-views-v2') || '').length > 0, null, { timeout: 5000 });
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
    // The slab and vm views as tabs: each fits the frame.
    await frame.evaluate(() => window.klab.exec('q = kmalloc(100, GFP_KERNEL); v = vmalloc(3 * PAGE_SIZE);'));
    for (const [title, widget, shot] of [['Slab caches', 'slab/table', 'iframe-slab'],
      ['vmalloc / kmap / per-CPU', 'vm/mapping', 'iframe-vm']]) {
      const t = await frame.evaluate((x) => window.klab.widgetRect(`tab/${x}`), title);
      assert.ok(t && t.x + t.w <= 800, `${title} tab does not fit`);
      await page.mouse.move(box.x + t.x + t.w / 2, box.y + t.y + t.h / 2);
      await frames(2);
      await page.mouse.down();
      await frames(2);
      await page.mouse.up();
      await frames(3);
      const w = await frame.evaluate((x) => window.klab.widgetRect(x), widget);
      assert.ok(w && w.x + w.w <= 801 && w.y < 600, `${widget} is not drawn inside the frame`);
      await screenshot(page, shot);
    }
  } finally {
    await close();
  }
});

// Pixels close to an RGB colour inside a rectangle (the object and page colours of the views).
function colourCount(png, { x, y, w, h }, [r, g, b], tol = 24) {
  let n = 0;
  for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(png.height, Math.floor(y + h)); yy++) {
    for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(png.width, Math.floor(x + w)); xx++) {
      const i = (yy * png.width + xx) * 4;
      if (Math.abs(png.data[i] - r) <= tol && Math.abs(png.data[i + 1] - g) <= tol && Math.abs(png.data[i + 2] - b) <= tol) n++;
    }
  }
  return n;
}

test('the slab view shows a cache created in the console, and its objects once allocated', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'c = kmem_cache_create("klab_demo", 96, 0, SLAB_POISON, NULL);');
    assert.match(await page.evaluate(() => window.klab.proc('slabinfo')), /^klab_demo\s+0\s+0\s+/m);
    assert.ok(await page.evaluate(() => window.klab.widgetRect('view/Slab caches')), 'no slab view');
    // Filter the table down to the new cache: its row is drawn.
    await clickWidget(page, 'slab/filter');
    await page.keyboard.type('klab_');
    await waitFrames(page, 3);
    await clickWidget(page, 'slab/row/klab_demo');
    await page.evaluate(() => window.klab.exec('o1 = kmem_cache_alloc(c, GFP_KERNEL); o2 = kmem_cache_alloc(c, GFP_KERNEL);'));
    await waitFrames(page, 3);
    assert.match(await page.evaluate(() => window.klab.proc('slabinfo')), /^klab_demo\s+2\s+\d+\s+/m);
    const slab = await page.evaluate(() => window.klab.widgetRect('slab/slab_0'));
    assert.ok(slab, 'the new slab is not drawn in the detail');
    const view = await page.evaluate(() => window.klab.widgetRect('view/Slab caches'));
    const shot = await screenshot(page, 'slab-new-cache');
    // Two objects in use (orange), the rest free on the slab's freelist (sky blue).
    assert.ok(colourCount(shot, view, [230, 159, 0]) > 20, 'no in-use object drawn');
    assert.ok(colourCount(shot, view, [86, 180, 233]) > 20, 'no free object drawn');
    // Clicking the slab points its page out in the memory map.
    await clickWidget(page, 'slab/slab_0');
    assert.ok(await page.evaluate(() => window.klab.widgetRect('pagemap/clear_highlight')), 'no highlight in the map');
  } finally {
    await close();
  }
});

test('the vmalloc view shows a new area and its pages', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'v = vmalloc(6 * PAGE_SIZE);');
    // 6 pages + the guard page.
    assert.match(await page.evaluate(() => window.klab.proc('vmallocinfo')), / 28672 .* pages=6 vmalloc/);
    const map = await page.evaluate(() => window.klab.widgetRect('vm/mapping'));
    assert.ok(map, 'the area mapping is not drawn');
    const shot = await screenshot(page, 'view-vmalloc');
    assert.ok(colourCount(shot, map, [204, 121, 167]) > 100, 'no virtual pages drawn');
    await clickWidget(page, 'vm/tab_percpu');
    await page.evaluate(() => window.klab.exec('pc = alloc_percpu(int);'));
    await waitFrames(page, 3);
    await screenshot(page, 'view-percpu');
  } finally {
    await close();
  }
});

test('clicking a CPU in the CPU bar moves the console there (taskset, in the command log)', async () => {
  const { page, close } = await openLab();
  try {
    await clickWidget(page, 'cpu/1');
    const cmds = await page.evaluate(() => window.klab.commands());
    assert.equal(cmds.at(-1).text, 'taskset -cp 1 $$');
    assert.match(cmds.at(-1).output, /new affinity list: 1/);
    assert.match(await page.evaluate(() => window.klab.exec('raw_smp_processor_id()')), /= 1\n/);
    await screenshot(page, 'cpu-bar-cpu1');
    // Typed by hand, the same command moves it back.
    await clickWidget(page, 'console/input');
    await typeCommand(page, 'taskset -cp 0 $$');
    assert.match(await page.evaluate(() => window.klab.exec('raw_smp_processor_id()')), /= 0\n/);
  } finally {
    await close();
  }
});

test('screenshots of the views after a short session (artifacts; the README picture)', async () => {
  const { page, close } = await openLab();
  try {
    await typeCommand(page, 'unsigned long big[96]; int i; for (i = 0; i < 96; i++) big[i] = __get_free_pages(GFP_KERNEL, 10);');
    await typeCommand(page, 'p = alloc_pages(GFP_KERNEL, 3);');
    await typeCommand(page, 'printk(KERN_INFO "hello from the console\\n");');
    await typeCommand(page, 'cat /proc/buddyinfo');
    await typeCommand(page, 'q = kmalloc(100, GFP_KERNEL); v = vmalloc(4 * PAGE_SIZE);');
    await waitFrames(page, 3);
    await screenshot(page, 'views-1280x720');
    // One picture per view (its window), for the artifacts.
    for (const title of ['Console', 'Kernel log', 'Zones', 'Slab caches', 'Trace', 'Physical memory',
      'vmalloc / kmap / per-CPU', 'Machine']) {
      const r = await page.evaluate((t) => window.klab.widgetRect(`view/${t}`), title);
      assert.ok(r, `${title} is not open`);
      const buf = await page.screenshot({ type: 'png', clip: { x: r.x, y: r.y, width: r.w, height: r.h } });
      fs.writeFileSync(path.join(artifactsDir, `view-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`), buf);
    }
    if (process.env.KLAB_UPDATE_SCREENSHOT) {
      fs.copyFileSync(path.join(artifactsDir, 'views-1280x720.png'), path.join(repoRoot, 'docs/screenshot.png'));
    }
  } finally {
    await close();
  }
});

test('left alone the lab draws a few frames a second; a kernel change or the pointer brings it back', async () => {
  const { page, close } = await openLab();
  try {
    const framesIn = async (ms, during = async () => {}) => {
      const a = await page.evaluate(() => window.klab.frameCount());
      await Promise.all([new Promise((r) => setTimeout(r, ms)), during()]);
      return (await page.evaluate(() => window.klab.frameCount())) - a;
    };
    await new Promise((r) => setTimeout(r, 3500)); // no input, no kernel change
    const idle = await framesIn(3000);
    assert.ok(idle >= 2 && idle <= 14, `idle: ${idle} frames in 3 s (at most one per 250 ms expected)`);
    // A command changes the kernel: frames at the display's rate again (at least double).
    const busy = await framesIn(1500, () => page.evaluate(() => window.klab.exec('p = kmalloc(100, GFP_KERNEL);')));
    assert.ok(busy > idle + 5, `after a command: ${busy} frames in 1.5 s, idle ${idle} in 3 s`);
    assert.match(await page.evaluate(() => window.klab.proc('slabinfo')), /^kmalloc-128 +[1-9]/m);
    // The pointer counts as input.
    await new Promise((r) => setTimeout(r, 3500));
    const moving = await framesIn(1000, async () => {
      for (let i = 0; i < 8; i++) {
        await page.mouse.move(400 + 10 * i, 300);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    assert.ok(moving >= 8, `while the pointer moves: ${moving} frames in 1 s`);
  } finally {
    await close();
  }
});
