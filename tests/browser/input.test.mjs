// The wheel and the Tab key as a student's hands use them (issue 20, items 1 and 2): real wheel
// events (page.mouse.wheel: pixel deltas, positive = down, as Chromium sends for a notch) over the
// views at the top level and inside course.html's iframes, Ctrl+wheel on the memory map, and real
// keys for Tab completion, Escape and moving the focus out of the lab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  serveBundle, launch, waitForLab, waitFrames, screenshot,
} from './harness.mjs';

let served;
before(async () => { served = await serveBundle(); });
after(() => served.server.close());

async function openLab(opts = {}) {
  const lab = await launch(opts);
  await lab.page.goto(served.url);
  assert.equal(await waitForLab(lab.page), 'ready', lab.logs.join('\n'));
  await waitFrames(lab.page, 3);
  await lab.page.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
  return lab;
}

// Where a widget is on the page (CSS px), in the top document or in an iframe at `box`.
async function rectOf(target, id, box = { x: 0, y: 0 }) {
  const r = await target.evaluate((w) => window.klab.widgetRect(w), id);
  return r && { ...r, x: r.x + box.x, y: r.y + box.y };
}

async function frames(target, n = 3) {
  const f0 = await target.evaluate(() => window.klab.frameCount());
  await target.waitForFunction((s) => window.klab.frameCount() >= s, f0 + n, { timeout: 10000 });
}

// Turns the wheel over a point and returns how far the widget `watch` moved (CSS px, positive =
// the content moved up, i.e. the view scrolled down).
async function wheelMoves(page, target, at, watch, deltas, box) {
  await page.mouse.move(at.x, at.y);
  await frames(target, 2);
  const before = await rectOf(target, watch, box);
  for (const d of deltas) {
    await page.mouse.wheel(0, d);
    await frames(target, 1);
  }
  await frames(target, 3);
  const after = await rectOf(target, watch, box);
  return before.y - after.y;
}

// One notch (100 px) scrolls about three text lines (a line is ~17 CSS px here), down for a
// positive delta, up for a negative one, and never the whole view in one go.
function assertAboutThreeLines(moved, dir, what) {
  assert.ok(Math.sign(moved) === dir, `${what}: scrolled the wrong way (${moved} px)`);
  assert.ok(Math.abs(moved) >= 25 && Math.abs(moved) <= 80, `${what}: one notch moved ${moved} px, not about three lines`);
}

test('the wheel scrolls the Zones view three lines a notch in the direction turned; a trackpad in proportion', async () => {
  const { page, logs, close } = await openLab();
  try {
    const win = await rectOf(page, 'view/Zones');
    assert.ok(win, logs.join('\n'));
    const at = { x: win.x + win.w / 2, y: win.y + win.h / 2 };
    const down = await wheelMoves(page, page, at, 'zones/per_mt', [100]);
    assertAboutThreeLines(down, 1, 'Zones, one notch down');
    const up = await wheelMoves(page, page, at, 'zones/per_mt', [-100]);
    assertAboutThreeLines(up, -1, 'Zones, one notch up');
    // A trackpad: ten small pixel deltas add up to what one notch of the same size does.
    const pad = await wheelMoves(page, page, at, 'zones/per_mt', Array(10).fill(10));
    assert.ok(Math.abs(pad - down) <= 6, `ten 10 px deltas moved ${pad} px, one 100 px notch ${down} px`);
    await screenshot(page, 'wheel-zones');
  } finally {
    await close();
  }
});

test('Ctrl+wheel zooms the memory map a step a notch, and plain wheel scrolls it', async () => {
  const { page, close } = await openLab();
  try {
    const cells = await rectOf(page, 'pagemap/cells');
    const at = { x: cells.x + cells.w / 2, y: cells.y + Math.min(cells.h, 60) / 2 };
    await page.mouse.move(at.x, at.y);
    await frames(page, 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await frames(page, 3);
    await page.keyboard.up('Control');
    await frames(page, 3);
    const zoomed = await rectOf(page, 'pagemap/cells');
    // The whole machine drawn with cells twice the size: about four times the area.
    const ratio = (zoomed.w * zoomed.h) / (cells.w * cells.h);
    assert.ok(ratio > 2.5 && ratio < 6, `one Ctrl+notch up changed the map's area ${ratio.toFixed(2)}x`);
    const scrolled = await wheelMoves(page, page, at, 'pagemap/cells', [100]);
    assertAboutThreeLines(scrolled, 1, 'the zoomed memory map');
    assert.equal(await page.evaluate(() => window.visualViewport.scale), 1, 'the browser zoomed the page');
  } finally {
    await close();
  }
});

// course.html's first lab, scrolled into view and ready, once `widget` is drawn: its frame and
// the iframe's box on the page.
async function openCourseLab(page, logs, widget) {
  await page.goto(`${served.url}examples/course.html`);
  const handle = await page.waitForSelector('#lab1');
  await handle.scrollIntoViewIfNeeded();
  const frame = await handle.contentFrame();
  await frame.waitForFunction(() => window.klabStatus && window.klabStatus !== 'loading', null, { timeout: 30000 });
  assert.equal(await frame.evaluate(() => window.klabStatus), 'ready', logs.join('\n'));
  await frame.waitForFunction((w) => !!window.klab.widgetRect(w), widget, { timeout: 20000 });
  return { frame, box: await handle.boundingBox() };
}

test('in course.html the wheel scrolls the embedded lesson panel three lines a notch', async () => {
  const { page, logs, close } = await launch({ viewport: { width: 1280, height: 720 } });
  try {
    const { frame, box } = await openCourseLab(page, logs, 'lesson/step_title');
    const panel = await rectOf(frame, 'view/Lesson', box);
    assert.ok(panel, 'no lesson panel in the iframe');
    const at = { x: panel.x + panel.w / 2, y: panel.y + panel.h / 2 };
    const scrollY = await page.evaluate(() => window.scrollY);
    const down = await wheelMoves(page, frame, at, 'lesson/step_title', [100], box);
    assertAboutThreeLines(down, 1, 'the lesson panel in an iframe, one notch down');
    const up = await wheelMoves(page, frame, at, 'lesson/step_title', [-100], box);
    assertAboutThreeLines(up, -1, 'the lesson panel in an iframe, one notch up');
    assert.equal(await page.evaluate(() => window.scrollY), scrollY, 'the course page scrolled under the lab');
    await screenshot(page, 'wheel-course');
  } finally {
    await close();
  }
});

async function typeAndRun(page, text) {
  const n = await page.evaluate(() => window.klab.commands().length);
  await page.keyboard.type(text);
  await waitFrames(page, 2);
  await page.keyboard.press('Enter');
  await page.waitForFunction((m) => window.klab.commands().length > m, n, { timeout: 10000 });
  return (await page.evaluate(() => window.klab.commands())).at(-1);
}

test('Tab completion lists matches in a box above a visible input line; Escape closes it and keeps the line', async () => {
  const { page, logs, close } = await openLab();
  try {
    await page.keyboard.type('km');
    await waitFrames(page, 2);
    await page.keyboard.press('Tab');
    await waitFrames(page, 4);
    const list = await rectOf(page, 'console/completions');
    assert.ok(list, 'Tab after "km" listed nothing');
    const win = await rectOf(page, 'view/Console');
    const input = await rectOf(page, 'console/input');
    assert.ok(input.y >= list.y + list.h - 1, 'the input line is not below the list');
    assert.ok(input.y + input.h <= win.y + win.h + 1, `the input line (${input.y}+${input.h}) left the window (${win.y}+${win.h})`);
    await screenshot(page, 'tab-completions');
    await page.keyboard.press('Escape');
    await waitFrames(page, 4);
    assert.equal(await rectOf(page, 'console/completions'), null, 'Escape did not close the list');
    // The line kept its "km" and the keyboard: typing goes on from there.
    const cmd = await typeAndRun(page, 'alloc(8, GFP_KERNEL);');
    assert.equal(cmd.text, 'kmalloc(8, GFP_KERNEL);', logs.join('\n'));
  } finally {
    await close();
  }
});

test('Tab on an empty line lists nothing and moves the focus out of the lab; so does Tab after Escape', async () => {
  const { page, close } = await openLab();
  try {
    await page.keyboard.press('Tab');
    await waitFrames(page, 3);
    assert.equal(await rectOf(page, 'console/completions'), null, 'Tab on an empty line listed names');
    assert.notEqual(await page.evaluate(() => document.activeElement && document.activeElement.id), 'canvas',
      'Tab on an empty line kept the focus in the lab');
    // Back into the lab, type something: Tab completes; Escape, then Tab leaves.
    const input = await rectOf(page, 'console/input');
    await page.mouse.click(input.x + input.w / 2, input.y + input.h / 2);
    await page.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
    await page.keyboard.type('kmem_cache_cr');
    await waitFrames(page, 2);
    await page.keyboard.press('Tab');
    await waitFrames(page, 3);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'canvas', 'Tab with a name to complete left the lab');
    await page.keyboard.press('Escape');
    await waitFrames(page, 3);
    await page.keyboard.press('Tab');
    await waitFrames(page, 2);
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'canvas', 'Tab after Escape kept the focus');
  } finally {
    await close();
  }
});

test('in course.html Tab leaves the first lab for the rest of the page', async () => {
  const { page, logs, close } = await launch({ viewport: { width: 1280, height: 720 } });
  try {
    const { frame, box } = await openCourseLab(page, logs, 'console/input');
    const input = await rectOf(frame, 'console/input', box);
    await page.mouse.click(input.x + input.w / 2, input.y + input.h / 2);
    await frame.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'lab1');
    // Tab leaves the canvas; the lab's own text version (lab-a11y.js: the console and the lesson
    // as HTML for screen readers) follows it in the tab order, then the rest of the page. No trap:
    // a bounded number of Tabs reaches the page outside the first lab.
    let focused = 'lab1';
    const stops = [];
    for (let i = 0; i < 40 && focused === 'lab1'; i++) {
      await page.keyboard.press('Tab');
      await frames(frame, 1);
      focused = await page.evaluate(() => document.activeElement.id || document.activeElement.tagName);
      stops.push(await frame.evaluate(() => (document.activeElement && (document.activeElement.id || document.activeElement.tagName)) || ''));
    }
    assert.notEqual(focused, 'lab1', 'Tab stayed in the first lab: ' + stops.join(' > '));
    assert.notEqual(stops[0], 'canvas', 'the first Tab left the focus on the canvas');
  } finally {
    await close();
  }
});
