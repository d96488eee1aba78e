// The embed layer's session keeping (issue 20 items 4 and 10), in node against stub adapters:
// the session saved after a change and brought back by a reload, the URL following the lesson
// and its step, a course page's exec that runs but is not the student's, and getState's step
// numbers all 1-based. The real page is driven in session.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEmbed } from './harness.mjs';

const E = loadEmbed();

// A lab whose commands are kept with their source, and a two-step lesson met by 'done'.
function stubs() {
  const log = [];
  const lab = {
    run: (t, source) => { log.push({ text: t, source }); return { output: `ran ${t}\n`, error: false }; },
    commands: () => log.map((c) => ({ text: c.text, output: '', error: false })),
    machine: () => ({ preset: 'i386', memBytes: 2 ** 30, cpus: 1 }),
    boot: (cfg) => { lab.booted = cfg; log.length = 0; return { ok: true }; },
  };
  const lessons = {
    id: null, step: 0, met: [false, false], typed: [],
    start(id, step) { this.id = id; this.step = step; this.typed = []; return ''; },
    resume(id) { this.id = id; this.step = 1; this.typed = []; return { error: '', progressError: '' }; },
    active() { return this.id !== null; },
    state() { return { lesson: this.id, step: this.step, steps: 2, stepTitle: `S${this.step + 1}`,
                       goalMet: this.met[this.step], stepDone: this.met[this.step], lessonDone: false }; },
    exec(t) { this.typed.push(t); if (t === 'done') this.met[this.step] = true; return { output: '', error: false }; },
    stepCommands() { return this.typed.slice(); },
    progressJson() { return JSON.stringify({ version: 1, lesson: this.id, step: this.step, steps: [{}, {}] }); },
    restoreProgress() { return ''; },
  };
  return { lab, lessons, log };
}

function fakeWindow(href) {
  const win = {
    parent: null, listeners: {},
    addEventListener(t, f) { (this.listeners[t] ||= []).push(f); },
    location: { href },
    history: { state: null, replaceState(s, t, url) { win.location.href = url; } },
  };
  win.parent = win;
  return win;
}

const storage = () => {
  const m = new Map();
  return { m, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, String(v)) };
};

test('outside a lesson the session is saved and a reload replays it on the same machine', async () => {
  const st = storage();
  const a = stubs();
  const c = new E.Controller({ lab: a.lab, lessons: a.lessons, win: fakeWindow('http://lab/index.html'),
    storage: st, params: E.parseParams('', '') });
  await c.start();
  c.exec('p = kmalloc(100, GFP_KERNEL);');
  c.saveSession();
  const saved = JSON.parse(st.m.get('klab.session'));
  assert.deepEqual(saved.commands, ['p = kmalloc(100, GFP_KERNEL);']);
  assert.equal(saved.preset, 'i386');

  const b = stubs();
  const again = new E.Controller({ lab: b.lab, lessons: b.lessons, win: fakeWindow('http://lab/index.html'),
    storage: st, params: E.parseParams('', '') });
  await again.start();
  assert.deepEqual(JSON.parse(JSON.stringify(b.lab.booted)), { preset: 'i386', mem: '1024M', cpus: 1 });
  assert.deepEqual(b.log.map((x) => x.text), ['p = kmalloc(100, GFP_KERNEL);']);
  // A start script or a share link brings its own session: the saved one is not replayed.
  const s = stubs();
  const scripted = new E.Controller({ lab: s.lab, lessons: s.lessons, win: fakeWindow('http://lab/?script=x'),
    storage: st, params: E.parseParams('?script=x%20%3D%201%3B', '') });
  await scripted.start();
  assert.deepEqual(s.log.map((x) => x.text), ['x = 1;']);
});

test('in a lesson the URL follows the step, and a reload resumes the step with what was typed in it', async () => {
  const st = storage();
  const a = stubs();
  const win = fakeWindow('http://lab/index.html?embed=1#log=abc');
  const c = new E.Controller({ lab: a.lab, lessons: a.lessons, win, storage: st,
    params: E.parseParams('?embed=1', '') });
  await c.start();
  a.lessons.start('buddy-allocator', 1);
  c.exec('big = alloc_pages(GFP_KERNEL, 4);');
  c.saveSession();
  assert.equal(win.location.href, 'http://lab/index.html?embed=1&lesson=buddy-allocator&step=2');
  st.setItem('klab.progress.buddy-allocator', a.lessons.progressJson());

  const b = stubs();
  const win2 = fakeWindow(win.location.href);
  const again = new E.Controller({ lab: b.lab, lessons: b.lessons, win: win2, storage: st,
    params: E.parseParams('?embed=1&lesson=buddy-allocator&step=2', '') });
  await again.start();
  assert.equal(b.lessons.step, 1, 'not resumed at the saved step');
  assert.deepEqual(b.lessons.typed, ['big = alloc_pages(GFP_KERNEL, 4);'], 'the step\'s command was not replayed');
  // Closing the lesson takes lesson and step out of the URL.
  b.lessons.id = null;
  again.saveSession();
  assert.equal(win2.location.href, 'http://lab/index.html?embed=1');
});

test('a course page\'s exec runs in the session but is not the student\'s command', async () => {
  const { lab, lessons, log } = stubs();
  const win = fakeWindow('http://lab/index.html');
  const posted = [];
  win.parent = { postMessage: (m) => posted.push(m) };
  const c = new E.Controller({ lab, lessons, win, storage: storage(),
    params: E.parseParams('?lesson=demo&origin=https://course.example.edu', '') });
  await c.start();
  await c.onMessage({ source: win.parent, origin: 'https://course.example.edu',
    data: { klab: 1, id: 1, type: 'exec', text: 'done' } });
  assert.deepEqual(log.at(-1), { text: 'done', source: 'course' });
  assert.deepEqual(lessons.typed, [], 'counted as the student\'s command');
  assert.equal(posted.filter((m) => m.type === 'stepCompleted').length, 0);
  const st = c.getState();
  assert.equal(st.step, lessons.step + 1);
  assert.equal(st.progress.step, st.step, 'progress.step is not 1-based like step');
});
