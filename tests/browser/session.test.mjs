// Reloads and share links as a student meets them (issue 20 item 4), with real keys and
// clicks: commands typed outside a lesson survive a reload; opening a lesson from the lesson
// list asks before throwing the session away; the address bar follows the lesson and its step;
// a reload brings back the step with its prediction and what was typed in it; the menu's
// "Copy share link" gives a link that opens the same state in a fresh browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveBundle, launch, waitForLab, waitFrames, screenshot, distDir, clickWidget } from './harness.mjs';

const haveBundle = fs.existsSync(path.join(distDir, 'index.wasm'));
let served;
before(async () => { if (haveBundle) served = await serveBundle(); });
after(() => served?.server.close());

async function ready(page) {
  assert.equal(await waitForLab(page, 60000), 'ready');
  await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
  await waitFrames(page, 3);
}

async function type(page, text) {
  await clickWidget(page, 'console/input');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await waitFrames(page, 2);
}

const texts = (page) => page.evaluate(() => window.klab.commands().map((c) => c.text));
const saved = (page) => page.waitForTimeout(400); // the session is saved 100 ms after a change

test('outside lessons and in a lesson the session survives a reload; the URL follows the step; opening a lesson asks first',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, close } = await launch();
    try {
      await page.goto(served.url + 'index.html');
      await ready(page);
      await type(page, 'p = kmalloc(100, GFP_KERNEL);');
      await saved(page);
      await page.reload();
      await ready(page);
      assert.deepEqual(await texts(page), ['p = kmalloc(100, GFP_KERNEL);'], 'the free session was lost on reload');

      // The lesson list (Alt+L), a lesson: it asks first, since a command was typed.
      await page.locator('#canvas').focus();
      await page.keyboard.press('Alt+L');
      await clickWidget(page, 'lesson/open/buddy-allocator');
      await waitFrames(page, 3);
      assert.ok(await page.evaluate(() => window.klab.widgetRect('confirm/open-lesson')), 'no confirmation before opening the lesson');
      await screenshot(page, 'session-confirm-open-lesson');
      assert.equal(await page.evaluate(() => window.klabEmbed.lessonActive()), false, 'opened before confirming');
      await clickWidget(page, 'confirm/cancel');
      assert.deepEqual(await texts(page), ['p = kmalloc(100, GFP_KERNEL);'], 'Cancel lost the session');
      await clickWidget(page, 'lesson/open/buddy-allocator');
      await clickWidget(page, 'confirm/open-lesson', { settle: 2 });
      await page.waitForFunction(() => window.klabEmbed.lessonActive(), null, { timeout: 20000 });
      await saved(page);
      assert.match(page.url(), /[?&]lesson=buddy-allocator&step=1$/);

      // Step 1 with its prediction, then the step's command typed in the console.
      await clickWidget(page, 'lesson/answer');
      await page.keyboard.type('1');
      await clickWidget(page, 'lesson/answer_ok');
      await page.waitForFunction(() => window.klabEmbed.lessons.state().predict.answered, null, { timeout: 10000 });
      await type(page, 'big = alloc_pages(GFP_KERNEL, 4);');
      await page.waitForFunction(() => window.klabEmbed.lessons.state().stepDone, null, { timeout: 10000 });
      await clickWidget(page, 'lesson/next');
      await page.waitForFunction(() => window.klabEmbed.lessons.state().step === 1, null, { timeout: 20000 });
      await type(page, 'cat /proc/buddyinfo');
      await saved(page);
      assert.match(page.url(), /[?&]lesson=buddy-allocator&step=2$/);
      const before = await page.evaluate(() => window.klabEmbed.lessons.state());

      await page.reload();
      await ready(page);
      const after = await page.evaluate(() => window.klabEmbed.lessons.state());
      assert.equal(after.lesson, 'buddy-allocator');
      assert.equal(after.step, 1, 'the reload did not come back to step 2');
      assert.deepEqual(after.met, before.met);
      assert.deepEqual(await page.evaluate(() => Array.from(window.klabEmbed.lessons.stepCommands())), ['cat /proc/buddyinfo']);
      assert.equal((await texts(page)).at(-1), 'cat /proc/buddyinfo');
      // Step 1's prediction is still the student's (not a blank one).
      const rec = await page.evaluate(() => JSON.parse(window.klabEmbed.lessons.progressJson()));
      assert.equal(rec.steps[0].predict.answer, '1');
      await screenshot(page, 'session-after-reload-step2');
    } finally {
      await close();
    }
  });

test('the menu\'s "Copy share link" gives a link that opens the exact state in a fresh browser',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, close } = await launch();
    let link;
    try {
      await page.goto(served.url + 'index.html');
      await ready(page);
      await type(page, 'q = kmalloc(4000, GFP_KERNEL);');
      await type(page, 'r = vmalloc(20000);');
      await clickWidget(page, 'menu/share');
      await page.waitForSelector('#klab-info-link', { timeout: 10000 });
      link = await page.locator('#klab-info-link').inputValue();
      assert.match(link, /#log=[A-Za-z0-9_-]+$/);
      await screenshot(page, 'session-share-link');
    } finally {
      await close();
    }
    const fresh = await launch();
    try {
      await fresh.page.goto(link);
      await ready(fresh.page);
      assert.deepEqual(await texts(fresh.page), ['q = kmalloc(4000, GFP_KERNEL);', 'r = vmalloc(20000);']);
      await saved(fresh.page);
      assert.ok(!fresh.page.url().includes('#log='), 'the link stays in the address bar and would replay over later work');
    } finally {
      await fresh.close();
    }
  });
