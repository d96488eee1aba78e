// Module.Lab in a page without a canvas: the wasm bundle loaded under node (no DOM, no WebGL),
// driven through the JS API (docs/frontend.md) as a course page or a script would. The lab
// controller (engine/session/lab_controller.h) answers everything but the drawing calls, which
// say there is nothing drawn.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { distDir } from './harness.mjs';

let Module;
const changes = []; // generations Module.onKlabChange reported, in order

// index.js is an Emscripten script for web and node that reads the page's `Module` object: run
// it as a page would, with our Module in its scope (a plain require() would give it a fresh one).
function loadBundle() {
  return new Promise((resolve, reject) => {
    const Module = {
      // The wasm as bytes: Emscripten 3.1.6 would fetch() a file path, which node refuses.
      wasmBinary: fs.readFileSync(path.join(distDir, 'index.wasm')),
      onRuntimeInitialized: () => resolve(Module),
      onAbort: (what) => reject(new Error(`the lab aborted: ${what}`)),
      onKlabChange: (generation) => changes.push(generation),
      print: () => {},
      printErr: () => {},
    };
    const file = path.join(distDir, 'index.js');
    const run = new Function('Module', 'require', '__dirname', '__filename', 'module',
      fs.readFileSync(file, 'utf8'));
    run(Module, createRequire(file), distDir, file, { exports: {} });
  });
}

before(async () => {
  assert.ok(fs.existsSync(path.join(distDir, 'index.js')), `no bundle in ${distDir}`);
  Module = await loadBundle();
});

test('Module.Lab runs commands and reads /proc without a canvas', () => {
  const lab = new Module.Lab();
  assert.match(lab.linuxRelease(), /^6\.1/);
  assert.equal(lab.machine().preset, 'x86_64');
  assert.match(lab.exec('cat /proc/buddyinfo'), /^Node 0, zone +DMA/);
  const before = lab.proc('/proc/buddyinfo');
  const r = lab.run('p = alloc_pages(GFP_KERNEL, 3);', 'node-test');
  assert.equal(r.error, false);
  assert.equal(r.compileError, false);
  assert.notEqual(lab.proc('/proc/buddyinfo'), before, 'the allocation changed the free lists');
  assert.equal(lab.proc('/proc/no-such-file'), null);
  const log = lab.commands();
  assert.equal(log.at(-1).source, 'node-test');
  assert.equal(log.at(-1).text, 'p = alloc_pages(GFP_KERNEL, 3);');
  assert.match(lab.dmesg(), /Linux version 6\.1/);
  lab.delete();
});

test('snapshot and restore bring the kernel back; change events follow every change', () => {
  const lab = new Module.Lab();
  const seen = changes.length;
  const g0 = lab.generation();
  const snap = lab.snapshot();
  const meminfo = lab.proc('/proc/meminfo');
  lab.exec('q = kmalloc(4096 * 8, GFP_KERNEL);');
  assert.notEqual(lab.proc('/proc/meminfo'), meminfo);
  assert.equal(lab.restore(snap), true);
  assert.equal(lab.proc('/proc/meminfo'), meminfo);
  assert.equal(lab.dropSnapshot(snap), true);
  assert.equal(lab.restore(snap), false, 'a dropped snapshot is gone');
  assert.equal(lab.generation(), g0 + 2);
  assert.deepEqual(changes.slice(seen), [g0 + 1, g0 + 2]);
  assert.equal(lab.undo(), true);
  assert.equal(changes.at(-1), lab.generation());
  lab.delete();
});

test('boot, lessons and embed state work without a canvas; drawing calls answer nothing', () => {
  const lab = new Module.Lab();
  const boots = lab.machine().bootCount;
  assert.deepEqual(lab.boot({ preset: 'i386', mem: '512M' }), { ok: true });
  assert.equal(lab.machine().preset, 'i386');
  assert.equal(lab.machine().bootCount, boots + 1);
  assert.equal(lab.boot({ cpus: 0 }).ok, false);

  const lesson = new Module.LessonSession();
  assert.equal(lesson.start('buddy-allocator', 0), '');
  assert.equal(lesson.active(), true);
  assert.equal(lesson.state().lesson, 'buddy-allocator');
  assert.equal(typeof lesson.exec('cat /proc/buddyinfo').goalMet, 'boolean');
  lesson.close();
  assert.equal(lesson.active(), false);
  lesson.delete();

  lab.setEmbedMode(true);
  assert.equal(lab.embedMode(), true);
  lab.setEmbedMode(false);
  assert.equal(lab.frameCount(), 0);
  assert.equal(lab.tabs(), false);
  assert.equal(lab.widgetRect('view/Console'), null);
  assert.equal(lab.setViewOpen('Console', false), false);
  lab.delete();
});
