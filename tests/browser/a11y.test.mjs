// Keyboard and screen-reader access (issue 20 item 3), driven with real keys only: a lesson
// step done through the page's text version (a real input, real buttons) with what the live
// region announced checked; the canvas's own keyboard shortcuts (F1 help, Alt+H hint, Alt+C
// console) and ImGui's keyboard navigation; axe-core on the page (no serious or critical
// violations), with the text version out of sight and shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { serveBundle, launch, waitForLab, waitFrames, screenshot, distDir } from './harness.mjs';

const haveBundle = fs.existsSync(path.join(distDir, 'index.wasm'));
const require = createRequire(import.meta.url);
let axePath = null;
try { axePath = require.resolve('axe-core/axe.min.js'); } catch { /* npm install first */ }
let served;
before(async () => { if (haveBundle) served = await serveBundle(); });
after(() => served?.server.close());

async function open(page, query) {
  await page.goto(served.url + 'index.html' + query);
  assert.equal(await waitForLab(page, 60000), 'ready');
  await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
  await page.waitForFunction(() => !!document.getElementById('klab-text-input'), null, { timeout: 10000 });
  await waitFrames(page, 3);
}

const live = (page) => page.evaluate(() => document.getElementById('klab-live').textContent);
const active = (page) => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.tagName));

// Presses Tab (or Shift+Tab, back) until the element with this id has the focus.
async function tabTo(page, id, { back = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await active(page) === id) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`${back ? 'Shift+Tab' : 'Tab'} never reached #${id} (at ${await active(page)})`);
}

test('a lesson step done by keyboard alone in the text version; the live region says what happened',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, close } = await launch();
    try {
      await open(page, '?lesson=buddy-allocator&step=1');
      // The text version is in the accessibility tree: the step's prose as HTML, real buttons.
      assert.match(await page.locator('#klab-text-step').textContent(), /step 1 of \d+: Split a block/);
      assert.ok(await page.locator('#klab-text code.language-c').count() >= 1, 'no code block in the prose');
      assert.equal(await page.locator('#klab-text button', { hasText: 'Run code 1' }).count(), 1);

      // The skip link, the page's first focusable element (what Tab reaches from the address
      // bar; Tab out of the canvas is item 2's), leads into the text version.
      await page.locator('.klab-skip').focus();
      assert.equal(await page.evaluate(() => document.activeElement.className), 'klab-skip');
      await page.keyboard.press('Enter');
      assert.equal(await active(page), 'klab-text-input');
      await screenshot(page, 'a11y-text-version-1280x720');

      // The prediction first (Shift+Tab back to its field, in the lesson above the console),
      // then the step's command.
      await tabTo(page, 'klab-text-answer', { back: true });
      await page.keyboard.type('1');
      await page.keyboard.press('Tab');
      assert.equal(await active(page), 'klab-text-answer-ok');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /Prediction recorded: 1/.test(document.getElementById('klab-live').textContent));
      await tabTo(page, 'klab-text-input');
      await page.keyboard.type('big = alloc_pages(GFP_KERNEL, 4);');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /Goal met/.test(document.getElementById('klab-live').textContent), null, { timeout: 10000 });
      const said = await live(page);
      assert.match(said, /Ran: big = alloc_pages\(GFP_KERNEL, 4\);/);
      assert.match(said, /Goal met: step 1, Split a block, is done\. Next step is available\./);
      assert.match(said, /Your prediction was (right|not quite right)/);
      const st = await page.evaluate(() => window.klabEmbed.lessons.state());
      assert.equal(st.stepDone, true);
      assert.equal(st.predict.answer, '1');
      // The command counted as the student's, in the same session the canvas shows.
      assert.equal(await page.evaluate(() => window.klab.commands().at(-1).text), 'big = alloc_pages(GFP_KERNEL, 4);');
      assert.match(await page.locator('#klab-text-transcript').textContent(), /\$ big = alloc_pages\(GFP_KERNEL, 4\);/);
      assert.match(await page.locator('#klab-text-explanation').textContent(), /Explanation/);

      // Next step by keyboard: the heading of step 2 gets the focus and is announced.
      await tabTo(page, 'klab-text-next', { back: true });
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /Step 2 of/.test(document.getElementById('klab-live').textContent), null, { timeout: 10000 });
      assert.equal(await active(page), 'klab-text-step');
      await screenshot(page, 'a11y-text-version-step2');
    } finally {
      await close();
    }
  });

test('the canvas by keyboard: F1 lists the shortcuts, Alt+H shows a hint, Alt+C the console input',
  { skip: !haveBundle && 'no wasm bundle' }, async () => {
    const { page, close } = await launch();
    try {
      await open(page, '?lesson=buddy-allocator&step=1');
      await page.locator('#canvas').focus();
      await page.keyboard.press('F1');
      await waitFrames(page, 3);
      assert.ok(await page.evaluate(() => window.klab.widgetRect('view/Help')), 'F1 did not open Help');
      const shot = await screenshot(page, 'a11y-help-shortcuts');
      assert.ok(shot.width === 1280);
      await page.keyboard.press('Escape');
      const hintsBefore = (await page.evaluate(() => window.klabEmbed.lessons.state())).hintsShown.length;
      await page.keyboard.press('Alt+H');
      await page.waitForFunction((n) => window.klabEmbed.lessons.state().hintsShown.length === n + 1, hintsBefore, { timeout: 10000 });
      await page.waitForFunction(() => /Hint 1:/.test(document.getElementById('klab-text-hints').textContent));
      await page.waitForFunction(() => /Hint:/.test(document.getElementById('klab-live').textContent));
      await page.keyboard.press('Alt+C');
      await page.waitForFunction(() => window.klab.consoleFocused(), null, { timeout: 10000 });
      await page.keyboard.type('cat /proc/buddyinfo');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => /Ran: cat \/proc\/buddyinfo/.test(document.getElementById('klab-live').textContent), null, { timeout: 10000 });
    } finally {
      await close();
    }
  });

test('axe-core finds no serious or critical violations, with the text version hidden and shown',
  { skip: (!haveBundle && 'no wasm bundle') || (!axePath && 'axe-core is not installed (npm install)') }, async () => {
    const { page, close } = await launch();
    try {
      await open(page, '?lesson=buddy-allocator&step=1');
      await page.addScriptTag({ path: axePath });
      const check = async (what) => {
        const r = await page.evaluate(async () => {
          const res = await window.axe.run(document, { resultTypes: ['violations'] });
          return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
        });
        const bad = r.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        console.log(`# axe (${what}): ${r.length} violations, ${r.map((v) => `${v.id}/${v.impact}`).join(', ') || 'none'}`);
        assert.deepEqual(bad, [], `${what}: ${JSON.stringify(bad)}`);
      };
      await check('text version hidden');
      await page.locator('#klab-text-input').focus();
      await check('text version shown');
    } finally {
      await close();
    }
  });
