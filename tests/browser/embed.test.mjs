// The embed layer (web/embed/embed.js): URL parameters, share links, the postMessage protocol
// with its origin checks (against stub adapters, in node), and then the real bundle in headless
// Chromium: the example course page embedding two lessons, cross-origin events, a foreign
// origin ignored, lessons completed through the protocol, share links and a damaged link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../../deploy/serve.mjs';
import { launch, distDir, loadEmbed } from './harness.mjs';

// ------------------------------------------------------------------ the script, in node

const E = loadEmbed();

test('URL parameters: lesson, step, embed, machine, script and allowed origins', () => {
  const p = E.parseParams('?lesson=buddy-allocator&step=3&embed=1&preset=i386&mem=1G&cpus=2' +
    '&script=' + encodeURIComponent('x = 1;\ncat /proc/buddyinfo') +
    '&origin=https://course.example.edu,http://localhost:8000&origin=https://course.example.edu', '');
  assert.equal(p.lesson, 'buddy-allocator');
  assert.equal(p.step, 2);
  assert.equal(p.embed, true);
  assert.equal(p.preset, 'i386');
  assert.equal(p.mem, '1G');
  assert.equal(p.cpus, 2);
  assert.equal(p.script, 'x = 1;\ncat /proc/buddyinfo');
  assert.deepEqual([...p.origins], ['https://course.example.edu', 'http://localhost:8000']);
  assert.equal(p.errors.length, 0);

  const bad = E.parseParams('?lesson=../../etc&step=0&preset=sparc&origin=https://x.edu/path&origin=*&cpus=x', '#log=abc');
  assert.equal(bad.lesson, null);
  assert.equal(bad.step, 0);
  assert.equal(bad.preset, null);
  assert.equal(bad.origins.length, 0);
  assert.equal(bad.share, 'abc');
  assert.equal(bad.errors.length, 6, bad.errors.join('\n'));
  assert.match(bad.errors[0], /^lesson: /);
  assert.ok(bad.errors.some((e) => e.startsWith("origin: 'https://x.edu/path'")));
});

test('share links round-trip and damaged ones are refused with a reason', async () => {
  const state = { preset: 'i386', mem: '1024M', cpus: 2, commands: ['p = alloc_pages(GFP_KERNEL, 3);', 'cat /proc/buddyinfo'] };
  const frag = await E.encodeShare(state);
  assert.match(frag, /^[A-Za-z0-9_-]+$/);
  const d = await E.decodeShare(frag);
  assert.equal(d.ok, true, d.error);
  assert.deepEqual(JSON.parse(JSON.stringify(d.state)),
    { preset: 'i386', mem: '1024M', cpus: 2, lesson: null, step: 0, commands: state.commands });

  // Repetitive logs compress well: 2000 commands fit in a few kB.
  const many = await E.encodeShare({ commands: Array(2000).fill('p = kmalloc(100, GFP_KERNEL); kfree(p);') });
  assert.ok(many.length < 4000, `share fragment of ${many.length} characters`);

  for (const [frag2, why] of [
    ['', /empty/], ['!!!', /characters/], ['AAAA', /damaged/], [frag.slice(0, frag.length - 6), /damaged/],
  ]) {
    const r = await E.decodeShare(frag2);
    assert.equal(r.ok, false);
    assert.match(r.error, why);
    assert.match(r.error, /ignored\.$/);
  }
  // Valid compression of content that is not a share state.
  const notState = await E.encodeShare({ commands: 'not a list' });
  assert.match((await E.decodeShare(notState)).error, /command list is malformed/);
  // A decompression bomb stops at 1 MiB.
  const zeros = new Uint8Array(3 << 20);
  const cs = new Blob([zeros]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const packed = new Uint8Array(await new Response(cs).arrayBuffer());
  const b64 = Buffer.from(packed).toString('base64url');
  assert.match((await E.decodeShare(b64)).error, /expands to more than 1048576 bytes/);
  await assert.rejects(E.encodeShare({ commands: ['x'.repeat(1 << 20)] }), /too long for a share link/);
});

test('requests are validated before anything runs', () => {
  assert.equal(E.validateMessage({ klab: 1, type: 'exec', id: 1, text: 'dmesg' }).ok, true);
  assert.equal(E.validateMessage({ klab: 1, type: 'getState' }).ok, true);
  assert.equal(E.validateMessage('exec').ok, false);
  assert.equal(E.validateMessage({ type: 'exec', text: 'x' }).foreign, true);
  assert.equal(E.validateMessage({ klab: 2, type: 'exec', text: 'x' }).foreign, true);
  assert.match(E.validateMessage({ klab: 1, type: 'rm' }).error, /unknown request type 'rm'/);
  assert.match(E.validateMessage({ klab: 1, type: 'exec' }).error, /exec needs text/);
  assert.match(E.validateMessage({ klab: 1, type: 'exec', text: 'x'.repeat(70000) }).error, /longer than/);
  assert.match(E.validateMessage({ klab: 1, type: 'exec', text: 'x', id: {} }).error, /id must be/);
  assert.match(E.validateMessage({ klab: 1, type: 'openLesson', lesson: 'A B' }).error, /lesson id/);
});

// Stub adapters: a lab that records commands, and a two-step lesson whose goals are met by
// typing 'done'.
function stubs() {
  const ran = [];
  const lab = { exec: (t) => { ran.push(t); return { output: `ran ${t}\n`, error: false }; }, commands: () => ran.slice(),
                machine: () => ({ preset: 'x86_64', memBytes: 6 * 2 ** 30, cpus: 2 }) };
  const lessons = {
    id: null, step: 0, met: [false, false], saved: null,
    start(id, step) { if (id !== 'demo') return `no lesson '${id}'`; this.id = id; this.step = step; return ''; },
    active() { return this.id !== null; },
    state() { return { lesson: this.id, step: this.step, steps: 2, stepTitle: `S${this.step + 1}`,
                       goalMet: this.met[this.step], stepDone: this.met[this.step],
                       lessonDone: this.step === 1 && this.met[1] }; },
    exec(t) {
      const was = this.met[this.step];
      if (t === 'done') this.met[this.step] = true;
      const now = this.met[this.step] && !was;
      if (now && this.step === 0) { this.step = 1; } // auto-advance keeps the stub short
      return { output: `lesson ran ${t}\n`, error: false, goalMet: this.met[this.step], stepCompleted: now,
               lessonCompleted: now && this.met[1] };
    },
    progressJson() { return JSON.stringify({ version: 1, lesson: this.id, step: this.step }); },
    restoreProgress(j) { if (j === 'corrupt') return 'the progress record is not JSON'; this.saved = j; return ''; },
  };
  return { lab, lessons, ran };
}

function fakeWindow() {
  const parent = { sent: [], postMessage(m, o) { this.sent.push({ m: JSON.parse(JSON.stringify(m)), o }); } };
  const win = { parent, listeners: [], addEventListener(t, f) { this.listeners.push(f); } };
  return win;
}

test('the controller: ready, events, answers only to allowed origins and to the parent', async () => {
  const { lab, lessons } = stubs();
  const win = fakeWindow();
  let t = 1000;
  const storage = new Map();
  const notes = [];
  const c = new E.Controller({
    lab, lessons, win, now: () => t, notify: (x) => notes.push(x),
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
    params: E.parseParams('?lesson=demo&origin=https://course.example.edu', ''),
  });
  await c.start();
  assert.deepEqual(win.parent.sent.map((s) => [s.m.type, s.m.lesson, s.m.step, s.o]),
    [['ready', 'demo', 1, 'https://course.example.edu']]);

  const send = (data, origin = 'https://course.example.edu', source = win.parent) =>
    c.onMessage({ data, origin, source });
  win.parent.sent = [];
  await send({ klab: 1, id: 7, type: 'exec', text: 'x = 1;' }, 'https://evil.example');
  await send({ klab: 1, id: 8, type: 'exec', text: 'x = 1;' }, 'https://course.example.edu', {});
  await send({ type: 'something', from: 'another library' });
  assert.equal(win.parent.sent.length, 0, 'answered a foreign origin, a non-parent window or a foreign protocol');

  await send({ klab: 1, id: 9, type: 'launch' });
  assert.deepEqual(win.parent.sent.pop().m, { klab: 1, type: 'result', id: 9, ok: false, error: "unknown request type 'launch'" });

  t = 4000;
  await send({ klab: 1, id: 10, type: 'exec', text: 'done' });
  const [step1, result] = win.parent.sent.splice(0);
  assert.deepEqual(step1.m, { klab: 1, type: 'stepCompleted', lesson: 'demo', step: 1, stepTitle: 'S1', timeMs: 3000 });
  assert.equal(result.m.id, 10);
  assert.equal(result.m.output, 'lesson ran done\n');
  assert.ok(storage.get('klab.progress.demo').includes('"step":1'), 'progress not saved');

  c.stepChanged();
  t = 9000;
  await send({ klab: 1, id: 11, type: 'exec', text: 'done' });
  const types = win.parent.sent.splice(0).map((s) => s.m);
  assert.deepEqual(types.slice(0, 2), [
    { klab: 1, type: 'stepCompleted', lesson: 'demo', step: 2, stepTitle: 'S2', timeMs: 5000 },
    { klab: 1, type: 'lessonCompleted', lesson: 'demo', steps: 2, timeMs: 8000 },
  ]);

  await send({ klab: 1, id: 12, type: 'getState' });
  const st = win.parent.sent.pop().m;
  assert.equal(st.ok, true);
  assert.equal(st.state.lessonDone, true);
  // The record's step is 1-based here, like every step number of the protocol (issue 20).
  assert.equal(st.state.step, 2);
  assert.deepEqual(st.state.progress, { version: 1, lesson: 'demo', step: 2 });
  assert.equal(notes.length, 0, notes.join('\n'));
});

test('steps met outside exec (the console, the panel) are reported once, through lessonChanged', async () => {
  // A lesson like the lab's: state() lists every step's mark; the lab calls lessonChanged().
  const win = fakeWindow();
  let t = 0;
  const lessons = {
    id: null, step: 0, met: [true, false, false], done: false,
    start(id) { this.id = id; return ''; },
    active() { return this.id !== null; },
    state() {
      return { lesson: this.id, step: this.step, steps: 3, stepTitle: `S${this.step + 1}`, met: this.met.slice(),
               goalMet: this.met[this.step], stepDone: this.met[this.step], lessonDone: this.step === 2 && this.met[2] };
    },
    exec() { return { output: '', error: false, stepCompleted: false, lessonCompleted: false }; },
    progressJson() { return JSON.stringify({ version: 1, lesson: this.id, step: this.step }); },
    restoreProgress() { return ''; },
  };
  const c = new E.Controller({ lab: {}, lessons, win, now: () => t, params: E.parseParams('?lesson=demo&origin=https://c.edu', '') });
  await c.start();
  win.parent.sent = [];
  c.lessonChanged(); // nothing new: step 1 was met before (restored progress)
  assert.equal(win.parent.sent.length, 0);
  t = 500;
  lessons.step = 1;
  c.lessonChanged(); // "Next" in the panel
  t = 2500;
  lessons.met[1] = true;
  c.lessonChanged(); // a command typed in the lab's console met step 2
  c.lessonChanged();
  c.exec('again');
  assert.deepEqual(win.parent.sent.map((s) => s.m),
    [{ klab: 1, type: 'stepCompleted', lesson: 'demo', step: 2, stepTitle: 'S2', timeMs: 2000 }]);
  lessons.step = 2;
  lessons.met[2] = true;
  c.lessonChanged();
  assert.deepEqual(win.parent.sent.slice(1).map((s) => s.m.type), ['stepCompleted', 'lessonCompleted']);
});

test('a damaged share link and damaged saved progress are reported, nothing else is lost', async () => {
  const { lab, lessons, ran } = stubs();
  const win = fakeWindow();
  const notes = [];
  const c = new E.Controller({
    lab, lessons, win, notify: (x) => notes.push(x),
    storage: { getItem: () => 'corrupt', setItem: () => {} },
    params: E.parseParams('?lesson=demo&script=cat%20%2Fproc%2Fbuddyinfo&origin=https://c.edu', '#log=%%%'),
  });
  await c.start();
  assert.equal(notes.length, 2, notes.join('\n'));
  assert.match(notes[0], /^The share link is damaged/);
  assert.match(notes[1], /^Saved progress for this lesson was not restored \(the progress record is not JSON\)/);
  assert.equal(win.parent.sent[0].m.type, 'ready');
  assert.equal(lessons.active(), true);
  assert.deepEqual(ran, [], 'the lab ran commands while a lesson was open');

  // Without a lesson, a share link replays into the lab, then the script runs.
  const s2 = stubs();
  const frag = await E.encodeShare({ commands: ['a = 1;', 'b = 2;'] });
  const c2 = new E.Controller({ lab: s2.lab, lessons: s2.lessons, win: fakeWindow(),
    params: E.parseParams('?script=c%20%3D%203%3B', '#log=' + frag) });
  await c2.start();
  assert.deepEqual(s2.ran, ['a = 1;', 'b = 2;', 'c = 3;']);
  const link = await c2.shareLink();
  const back = await E.decodeShare(link.slice(link.indexOf("#log=") + 5));
  assert.equal(back.ok, true, back.error);
  assert.deepEqual([...back.state.commands], ['a = 1;', 'b = 2;', 'c = 3;']);
  assert.equal(back.state.preset, 'x86_64');
});

// ------------------------------------------------------------------ the real bundle

const haveBundle = fs.existsSync(path.join(distDir, 'embed/embed.js')) && fs.existsSync(path.join(distDir, 'index.wasm'));
let lab;
let course;
before(async () => {
  if (!haveBundle) return;
  // Two servers: two origins (ports differ), like a course site embedding a lab from elsewhere.
  lab = await startServer({ dir: distDir, host: '127.0.0.1', port: 0 });
  course = await startServer({ dir: distDir, host: '127.0.0.1', port: 0 });
});
after(() => { lab?.close(); course?.close(); });
const url = (s, p) => `http://127.0.0.1:${s.address().port}/${p}`;

async function waitEvents(page, pred, what, timeout = 60000, arg = null) {
  try {
    await page.waitForFunction(pred, arg, { timeout });
  } catch (e) {
    const got = await page.evaluate(() => JSON.stringify(window.courseEvents));
    throw new Error(`${what}: not seen; events: ${got}`);
  }
}

test('a course page on another origin embeds two lessons and receives their events', { skip: !haveBundle && 'no wasm bundle' }, async () => {
  const { page, logs, close } = await launch({ viewport: { width: 1200, height: 1600 } });
  try {
    const labBase = url(lab, 'index.html');
    await page.goto(url(course, `examples/course.html?lab=${encodeURIComponent(labBase)}`));
    await waitEvents(page, () => window.courseEvents.filter((e) => e.type === 'ready').length === 2, 'two ready events');
    const ready = await page.evaluate(() => window.courseEvents.filter((e) => e.type === 'ready'));
    assert.deepEqual(ready.map((e) => [e.from, e.lesson, e.step]).sort(),
      [['lab1', 'buddy-allocator', 1], ['lab2', 'gfp-and-context', 1]]);

    // The course page's exec runs in the lab, but it is not the student's command: the step
    // stays open (issue 20). The student then types it (the lab's text version: a real input).
    const r = await page.evaluate(() => window.courseRequest('lab1', { type: 'exec', text: 'big = alloc_pages(GFP_KERNEL, 4);' }));
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(r.output, /struct page \*/);
    const early = await page.evaluate(() => window.courseRequest('lab1', { type: 'getState' }));
    assert.equal(early.state.stepDone, false, 'the course page\'s exec completed the student\'s step');
    assert.ok(!(await page.evaluate(() => window.courseEvents.some((e) => e.type === 'stepCompleted'))));
    const studentTypes = async (frame, text) => {
      const input = page.frameLocator(frame).locator('#klab-text-input');
      await input.fill(text);
      await input.press('Enter');
    };
    await studentTypes('#lab1', 'big = alloc_pages(GFP_KERNEL, 4);');
    await waitEvents(page, () => window.courseEvents.some((e) => e.type === 'stepCompleted'), 'stepCompleted');
    const done = await page.evaluate(() => window.courseEvents.find((e) => e.type === 'stepCompleted'));
    assert.equal(done.from, 'lab1');
    assert.equal(done.lesson, 'buddy-allocator');
    assert.equal(done.step, 1);
    assert.equal(done.stepTitle, 'Split a block');
    assert.ok(done.timeMs >= 0);

    const st = await page.evaluate(() => window.courseRequest('lab1', { type: 'getState' }));
    assert.equal(st.state.goalMet, true);
    assert.equal(st.state.progress.steps[0].met, true);
    // Lab 2 is untouched.
    const st2 = await page.evaluate(() => window.courseRequest('lab2', { type: 'getState' }));
    assert.equal(st2.state.stepDone, false);

    // Whole lesson 3 typed by the student: every step completes, then the lesson.
    const steps = [
      'd = alloc_pages(GFP_DMA, 0);',
      'k = alloc_pages(GFP_KERNEL, 0);\nh = alloc_pages(GFP_HIGHUSER, 0);',
      'preempt_disable();\nq = alloc_pages(GFP_KERNEL, 0);\npreempt_enable();',
      'preempt_disable();\na = alloc_pages(GFP_ATOMIC, 0);\npreempt_enable();',
    ];
    for (let i = 0; i < steps.length; i++) {
      await studentTypes('#lab2', steps[i].replace(/\n/g, ' ')); // one line: the text version's input
      await waitEvents(page, (n) => window.courseEvents.filter((e) => e.from === 'lab2' && e.type === 'stepCompleted').length === n,
        `lab2 step ${i + 1} completed`, 60000, i + 1);
      if (i + 1 < steps.length) {
        // The lesson panel's "next"; here through the controller inside the frame.
        await page.frameLocator('#lab2').locator('body').evaluate(() => { window.klabEmbed.lessons.next(); window.klabEmbed.stepChanged(); });
      }
    }
    await waitEvents(page, () => window.courseEvents.some((e) => e.type === 'lessonCompleted'), 'lessonCompleted');
    const ev = await page.evaluate(() => window.courseEvents.filter((e) => e.from === 'lab2' && /Completed$/.test(e.type)));
    assert.deepEqual(ev.map((e) => `${e.type}:${e.step ?? e.steps}`),
      ['stepCompleted:1', 'stepCompleted:2', 'stepCompleted:3', 'stepCompleted:4', 'lessonCompleted:4']);
    assert.ok(!logs.some((l) => l.startsWith('[pageerror]')), logs.join('\n'));
  } finally {
    await close();
  }
});

test('a page whose origin the lab was not told about gets nothing', { skip: !haveBundle && 'no wasm bundle' }, async () => {
  const { page, close } = await launch();
  try {
    // The lab allows only the course server's origin; this page is on the lab's own server.
    const allow = `http://127.0.0.1:${course.address().port}`;
    await page.goto(url(lab, `examples/course.html?allow=${encodeURIComponent(allow)}`));
    const frame = page.frameLocator('#lab1').locator('body');
    await frame.evaluate(() => new Promise((resolve) => {
      if (window.klabEmbed && window.klabEmbed.started) resolve();
      else window.addEventListener('klab-embed-ready', resolve);
    }));
    await page.evaluate(() => { window.courseRequest('lab1', { type: 'exec', text: 'big = alloc_pages(GFP_KERNEL, 4);' }); });
    await page.waitForTimeout(500);
    assert.deepEqual(await page.evaluate(() => window.courseEvents), [], 'events crossed to an origin not allowed');
    const met = await frame.evaluate(() => window.klabEmbed.lessons.state().goalMet);
    assert.equal(met, false, 'a request from an origin not allowed ran');
  } finally {
    await close();
  }
});

test('share links reproduce the state; a damaged one is reported and ignored', { skip: !haveBundle && 'no wasm bundle' }, async () => {
  const { page, close } = await launch();
  try {
    await page.goto(url(lab, 'index.html?lesson=buddy-allocator&step=2'));
    await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
    const out = await page.evaluate(() => window.klabEmbed.exec('__free_pages(big, 4);\ncat /proc/buddyinfo').output);
    const link = await page.evaluate(() => window.klabEmbed.shareLink());
    assert.match(link, /#log=[A-Za-z0-9_-]+$/);

    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
    const st = await page.evaluate(() => window.klabEmbed.getState());
    assert.equal(st.lesson, 'buddy-allocator');
    assert.equal(st.step, 2);
    assert.equal(st.goalMet, true);
    const again = await page.evaluate(() => window.klabEmbed.lessons.proc('buddyinfo'));
    assert.ok(out.includes(again), `buddyinfo differs after the share link:\n${out}\n---\n${again}`);

    await page.goto('about:blank');
    await page.goto(url(lab, 'index.html?lesson=pages-and-zones#log=AAAAbroken'));
    await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
    const notice = await page.locator('#klab-notices').textContent();
    assert.match(notice, /The share link is damaged .*; it was ignored\./);
    assert.equal(await page.evaluate(() => window.klabEmbed.getState().lesson), 'pages-and-zones');
  } finally {
    await close();
  }
});

test('outside a lesson, a share link reboots the same machine and replays the console', { skip: !haveBundle && 'no wasm bundle' }, async () => {
  const { page, logs, close } = await launch();
  try {
    const script = 'addr = __get_free_pages(GFP_KERNEL, 3);\nb = alloc_pages(GFP_KERNEL, 5);';
    await page.goto(url(lab, `index.html?preset=i386&mem=512M&script=${encodeURIComponent(script)}`));
    await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
    const before = await page.evaluate(() => ({ m: window.klab.machine(), b: window.klab.proc('buddyinfo') }));
    assert.equal(before.m.preset, 'i386', logs.join('\n'));
    assert.equal(before.m.memBytes, 512 * 1048576);
    const link = await page.evaluate(() => window.klabEmbed.shareLink());
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForFunction(() => window.klabEmbed && window.klabEmbed.started, null, { timeout: 60000 });
    const after = await page.evaluate(() => ({ m: window.klab.machine(), b: window.klab.proc('buddyinfo'),
      c: window.klab.commands().map((c) => c.text) }));
    assert.equal(after.m.preset, 'i386');
    assert.equal(after.m.memBytes, 512 * 1048576);
    assert.deepEqual(after.c, [script]);
    assert.equal(after.b, before.b);
  } finally {
    await close();
  }
});
