// A lesson on a small screen (issue 20 item 7), driven as a student does: ?lesson=ID at
// 800x600 must show the lesson and the console at once, and a step is done by clicking the
// console and typing, with no tab switch. Screenshot in tests/browser/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveBundle, launch, waitForLab, waitFrames, screenshot, distDir, clickWidget } from './harness.mjs';

const haveBundle = fs.existsSync(path.join(distDir, 'index.wasm'));
let served;
before(async () => { if (haveBundle) served = await serveBundle(); });
after(() => served?.server.close());

const inside = (r, w, h) => r && r.x >= -1 && r.y >= -1 && r.x + r.w <= w + 1 && r.y + r.h <= h + 1;
const overlap = (a, b) => a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;

test('800x600 with ?lesson=kmalloc-and-slab: the lesson and the console are both on screen; a step is done by typing',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, close } = await launch({ viewport: { width: 800, height: 600 } });
    try {
      await page.goto(served.url + 'index.html?lesson=kmalloc-and-slab');
      assert.equal(await waitForLab(page, 60000), 'ready');
      await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
      await waitFrames(page, 3);
      const rect = (id) => page.evaluate((w) => window.klab.widgetRect(w), id);
      const lesson = await rect('view/Lesson');
      const input = await rect('console/input');
      assert.ok(inside(lesson, 800, 600), `the lesson panel is not on screen: ${JSON.stringify(lesson)}`);
      assert.ok(inside(input, 800, 600), `the console input is not on screen: ${JSON.stringify(input)}`);
      assert.ok(!overlap(lesson, input), 'the lesson panel covers the console input');
      // The step is about the slab caches: that view is shown too, without a click.
      assert.ok(await rect('view/Slab caches'), 'the step\'s view is not shown');
      await screenshot(page, 'small-screen-lesson-800x600');

      await clickWidget(page, 'console/input');
      // The step is done once `size` holds ksize(a) (kmalloc alone is not enough).
      await page.keyboard.type('a = kmalloc(100, GFP_KERNEL);');
      await page.keyboard.press('Enter');
      await waitFrames(page, 3); // the console takes the keyboard back a frame after a command
      await page.keyboard.type('size = ksize(a);');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => !!window.klab.widgetRect('lesson/explanation'), null, { timeout: 10000 });
      assert.ok(await rect('view/Lesson'), 'the lesson panel went away');
      assert.ok(await rect('console/input'), 'the console went away');
      await screenshot(page, 'small-screen-lesson-800x600-done');
    } finally {
      await close();
    }
  });
