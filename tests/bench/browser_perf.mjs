// Browser performance of the lab, measured in headless Chromium (SwiftShader WebGL2) on loopback:
//   - time to first frame after navigation, median of N, three ways: cold (a browser launched
//     with a fresh profile and sent straight to the lab, so its GPU process starts at the same
//     time), cold cache in a running browser (fresh profile, the browser idle on about:blank
//     for a second first, as a student's browser is when they follow a link), and on reload;
//   - transfer size of the bundle (gzip, as served);
//   - time per frame, measured in the page with all views open on a 4 GiB x86_64 machine during
//     100,000 kmalloc + 100,000 kfree, then during 100,000 page allocations and frees: `ui` is the CPU time of the view code and ImGui building
//     its draw lists; `gl` is the GL submission, which on SwiftShader (software WebGL, no GPU on
//     test machines) mostly waits for the previous frame's rasterization.
// The load average is printed with every start-up figure (a 2-core machine shared with builds
// measures the builds as much as the lab): 1-minute average before and after each run.
// Usage: node tests/bench/browser_perf.mjs [--runs 5] [--startup-only]
//   (needs build/wasm/dist, or KLAB_DIST=folder; deploy/lab build)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveBundle, launch, waitForLab, distDir } from '../browser/harness.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const startupOnly = process.argv.includes('--startup-only');
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const ms = (v) => `${v.toFixed(0)} ms`;

// The start-up marks of a page (Performance API, ms after navigation).
function phasesOf(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = (n) => performance.getEntriesByType('resource').find((r) => r.name.endsWith(n));
    const out = { domContentLoaded: nav.domContentLoadedEventEnd, firstFrame: window.klabFirstFrameMs, marks: {} };
    out.marks['html response'] = nav.responseEnd;
    for (const n of ['index.js', 'index.wasm']) { const r = res(n); if (r) out.marks[`${n} fetched`] = r.responseEnd; }
    for (const p of performance.getEntriesByType('paint')) out.marks[p.name] = p.startTime;
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('klab:')) out.marks[m.name] = m.startTime;
    return out;
  });
}

const { server, url } = await serveBundle();
try {
  // Transfer size: what a browser downloads (the .gz copies the server sends).
  let gz = 0, raw = 0;
  const parts = [];
  // Everything index.html loads (the fonts and lessons are inside index.wasm/index.js).
  for (const f of ['index.html', 'embed/embed.js', 'lab-shell.js', 'lab-shell.css', 'index.js', 'index.wasm']) {
    const size = fs.statSync(path.join(distDir, f)).size;
    const gzPath = path.join(distDir, `${f}.gz`);
    const g = fs.existsSync(gzPath) ? fs.statSync(gzPath).size : size;
    raw += size; gz += g;
    parts.push(`${f} ${(g / 1024).toFixed(0)} kB`);
  }
  console.log(`transfer: ${(gz / 1024).toFixed(0)} kB gzip (${(raw / 1024).toFixed(0)} kB raw): ${parts.join(', ')}`);

  // Time to first frame.
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average before: ${load()} (${os.cpus().length} CPUs)`);
  const cold = [], running = [], reload = [], phases = [], loads = [];
  const marks = {}; // phase name -> ms after navigation, per cold run
  const runningMarks = {}; // the same in the running browser
  for (let i = 0; i < runs; i++) {
    loads.push(os.loadavg()[0]);
    const { page, close } = await launch();
    try {
      await page.goto(url);
      if (await waitForLab(page) !== 'ready') throw new Error('the lab did not start');
      cold.push(await page.evaluate(() => window.klabFirstFrameMs));
      phases.push(await phasesOf(page));
      for (const [k, v] of Object.entries(phases.at(-1).marks)) (marks[k] ||= []).push(v);
      await page.reload();
      if (await waitForLab(page) !== 'ready') throw new Error('the lab did not start on reload');
      reload.push(await page.evaluate(() => window.klabFirstFrameMs));
    } finally {
      await close();
    }
    const second = await launch();
    try {
      await second.page.goto('about:blank');
      await new Promise((res) => setTimeout(res, 1000));
      await second.page.goto(url);
      if (await waitForLab(second.page) !== 'ready') throw new Error('the lab did not start');
      running.push(await second.page.evaluate(() => window.klabFirstFrameMs));
      for (const [k, v] of Object.entries((await phasesOf(second.page)).marks)) (runningMarks[k] ||= []).push(v);
    } finally {
      await second.close();
    }
  }
  console.log(`TTFF cold: median ${ms(median(cold))} (runs: ${cold.map(ms).join(', ')})`);
  console.log(`TTFF cold cache, browser already running: median ${ms(median(running))} (runs: ${running.map(ms).join(', ')})`);
  console.log(`TTFF reload: median ${ms(median(reload))} (runs: ${reload.map(ms).join(', ')})`);
  console.log(`  DOMContentLoaded median ${ms(median(phases.map((p) => p.domContentLoaded)))}`);
  for (const [name, m] of [['cold', marks], ['running browser', runningMarks]]) {
    console.log(`  ${name} start-up phases (median ms after navigation):`);
    for (const [k, v] of Object.entries(m).sort((a, b) => median(a[1]) - median(b[1])))
      console.log(`    ${median(v).toFixed(0).padStart(6)}  ${k}`);
  }
  console.log(`load average after: ${load()}; 1-minute load at each run's start: ${loads.map((x) => x.toFixed(1)).join(', ')}`);
  if (startupOnly) process.exit(0);

  // Frame time on a 4 GiB machine, all views open (the default layout), during 100 commands,
  // one per frame: 100,000 kmalloc + 100,000 kfree (sizes 8 B .. 4 KiB, every kmalloc cache),
  // then 100,000 page operations (orders 0..3).
  const workloads = {
    'kmalloc/kfree': {
      setup: 'void *obj[1000]; int i;',
      ops: 2000,
      command: (c) => `for (i = 0; i < 1000; i++) obj[i] = kmalloc(8 << ((i + ${c}) % 10), GFP_KERNEL);`
        + ' for (i = 0; i < 1000; i++) kfree(obj[i]);',
    },
    'page alloc/free': {
      setup: 'unsigned long pg[256]; int i; int j;',
      ops: 1000,
      command: (c) => `for (j = 0; j < 2; j++) { for (i = 0; i < 250; i++) pg[i] = __get_free_pages(GFP_KERNEL, (i + ${c}) % 4);`
        + ` for (i = 0; i < 250; i++) free_pages(pg[i], (i + ${c}) % 4); }`,
    },
  };
  const { page, close } = await launch();
  try {
    await page.goto(url);
    if (await waitForLab(page) !== 'ready') throw new Error('the lab did not start');
    for (const [name, w] of Object.entries(workloads)) {
      const commands = Array.from({ length: 100 }, (_, c) => w.command(c));
      const r = await page.evaluate(async ({ setup, commands, opsPer }) => {
        const k = window.klab;
        const b = k.boot({ preset: 'x86_64', mem: '4G' });
        if (!b.ok) throw new Error(b.error);
        const nextFrame = () => new Promise((res) => requestAnimationFrame(() => res()));
        await nextFrame(); await nextFrame();
        k.exec(setup);
        k.takeFrameTimes();
        let ops = 0;
        const t0 = performance.now();
        for (const cmd of commands) {
          k.exec(cmd);
          ops += opsPer;
          await nextFrame();
        }
        const wall = performance.now() - t0;
        const times = k.takeFrameTimes();
        return { ops, wall, times, stats: k.pageMapStats(), pages: k.machine().pages,
          err: k.commands().filter((x) => x.error).map((x) => x.output.slice(0, 200)) };
      }, { setup: w.setup, commands, opsPer: w.ops });
      if (r.err.length) throw new Error(`${name}: ${r.err.length} commands failed: ${r.err[0]}`);
      const line = (t) => `median ${median(t).toFixed(2)} ms, p95 ${pct(t, 0.95).toFixed(2)} ms, max ${Math.max(...t).toFixed(2)} ms`;
      console.log(`frames during ${r.ops} ${name} operations on ${r.pages} page frames: ${r.times.ui.length} frames, wall ${ms(r.wall)}`);
      console.log(`  ui (views + ImGui): ${line(r.times.ui)}`);
      console.log(`  gl (submission, SwiftShader waits): ${line(r.times.gl)}`);
      console.log(`  memory map: ${r.stats.fullRebuilds} full rebuilds, ${r.stats.rowsRecoloured} rows recoloured, `
        + `${(r.stats.texelsUploaded / 1e6).toFixed(1)} M texels uploaded`);
    }
  } finally {
    await close();
  }
} finally {
  server.close();
}
