// Kernel Lab embed layer: what a course site needs to put the lab in an iframe.
//  - URL parameters: ?lesson=ID&step=N&embed=1&preset=i386&mem=1G&script=...&origin=https://...
//  - share links: the session's commands, deflate-raw compressed and base64url-encoded, in the
//    fragment (#log=...), at most 1 MiB either way; a corrupt link is reported and ignored.
//  - a postMessage channel to the embedding page, namespaced ({klab: 1, type, ...}), validated,
//    and answered only for the origins the embedder listed with ?origin=.
// Protocol and snippets for instructors: web/embed/README.md.
// There is one session: Module.LessonSession is a handle on the lesson the lab's App runs, so
// what the student types in the lab's console counts for the lesson too; the App calls
// klabEmbed.lessonChanged() after every change, and progress is one localStorage record per
// lesson (klab.progress.<id>), written by the App and read by both.
//
// The layer talks to two adapters, so it does not depend on how the page is built:
//   lab     - the lab's session (window.klab, a Module.Lab, docs/frontend.md): run(text, source)
//             or exec(text), commands(), boot({preset, mem, cpus}) -> {ok, error}, machine(),
//             setEmbedMode(on): all optional, missing ones are reported, not fatal.
//   lessons - a Module.LessonSession (web/lesson_bindings.cpp): start, exec, state, progressJson...
// The pure parts (parseParams, encodeShare/decodeShare, validateMessage) are exported for tests.
(function (root) {
  'use strict';

  const PROTOCOL = 1;
  const SHARE_MAX_BYTES = 1 << 20; // decompressed log and encoded fragment, each
  const TEXT_MAX = 64 * 1024;      // one exec request or one command
  const COMMANDS_MAX = 10000;
  const REQUESTS = ['exec', 'getState', 'getShareLink', 'openLesson'];
  const SAVE_DELAY_MS = 100; // a change -> the session saved and the URL updated

  // ------------------------------------------------------------------ URL parameters

  function validOrigin(o) {
    try {
      const u = new URL(o);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
    } catch (e) {
      return false;
    }
  }

  // search: "?lesson=..." (location.search); hash: "#log=..." (location.hash).
  // Returns {lesson, step (0-based), embed, preset, mem, cpus, script, origins, share, errors}.
  function parseParams(search, hash) {
    const q = new URLSearchParams(search || '');
    const p = {
      lesson: null, step: 0, embed: false, preset: null, mem: null, cpus: null, script: null,
      origins: [], share: null, errors: [],
    };
    const lesson = q.get('lesson');
    if (lesson !== null) {
      if (/^[a-z0-9-]{1,64}$/.test(lesson)) p.lesson = lesson;
      else p.errors.push(`lesson: '${lesson.slice(0, 80)}' is not a lesson id`);
    }
    const step = q.get('step');
    if (step !== null) {
      if (/^[0-9]{1,4}$/.test(step) && Number(step) >= 1) p.step = Number(step) - 1;
      else p.errors.push(`step: '${step.slice(0, 20)}' is not a step number (1, 2, ...)`);
    }
    p.embed = q.get('embed') === '1';
    const preset = q.get('preset');
    if (preset !== null) {
      if (preset === 'i386' || preset === 'x86_64') p.preset = preset;
      else p.errors.push(`preset: '${preset.slice(0, 20)}' is not i386 or x86_64`);
    }
    const mem = q.get('mem');
    if (mem !== null) {
      if (/^[0-9]{1,6}[KMG]?$/.test(mem)) p.mem = mem;
      else p.errors.push(`mem: '${mem.slice(0, 20)}' is not a size such as 512M or 1G`);
    }
    const cpus = q.get('cpus');
    if (cpus !== null) {
      if (/^[0-9]{1,2}$/.test(cpus) && Number(cpus) >= 1) p.cpus = Number(cpus);
      else p.errors.push(`cpus: '${cpus.slice(0, 20)}' is not a number of CPUs`);
    }
    const script = q.get('script');
    if (script !== null) {
      if (script.length <= TEXT_MAX) p.script = script;
      else p.errors.push(`script: longer than ${TEXT_MAX} characters`);
    }
    for (const value of q.getAll('origin')) {
      for (const o of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (validOrigin(o)) { if (!p.origins.includes(o)) p.origins.push(o); }
        else p.errors.push(`origin: '${o.slice(0, 100)}' is not an origin such as https://course.example.edu`);
      }
    }
    if (hash && hash.startsWith('#log=')) p.share = hash.slice(5);
    return p;
  }

  // ------------------------------------------------------------------ share links

  function toBase64url(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromBase64url(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('it contains characters a share link never has');
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
    let bin;
    try { bin = atob(b64); } catch (e) { throw new Error('it is not valid base64url'); }
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  async function pump(bytes, stream, limit) {
    const writer = stream.writable.getWriter();
    const done = writer.write(bytes).then(() => writer.close());
    done.catch(() => {});
    const reader = stream.readable.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      total += value.length;
      if (total > limit) {
        reader.cancel().catch(() => {});
        throw new Error(`it expands to more than ${limit} bytes`);
      }
      chunks.push(value);
    }
    await done;
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) { out.set(c, off); off += c.length; }
    return out;
  }

  // state: {preset, mem, cpus, lesson, step, commands: [text...]} -> the fragment's payload.
  async function encodeShare(state) {
    const json = JSON.stringify({ v: 1, ...state });
    const raw = new TextEncoder().encode(json);
    if (raw.length > SHARE_MAX_BYTES) throw new Error('the session is too long for a share link (over 1 MiB)');
    const packed = await pump(raw, new CompressionStream('deflate-raw'), SHARE_MAX_BYTES);
    const text = toBase64url(packed);
    if (text.length > SHARE_MAX_BYTES) throw new Error('the share link would be over 1 MiB');
    return text;
  }

  // -> {ok: true, state} or {ok: false, error}. Never throws.
  async function decodeShare(text) {
    const bad = (why) => ({ ok: false, error: `The share link is damaged (${why}); it was ignored.` });
    if (typeof text !== 'string' || text.length === 0) return bad('it is empty');
    if (text.length > SHARE_MAX_BYTES) return bad('it is longer than 1 MiB');
    let json;
    try {
      const bytes = fromBase64url(text);
      const raw = await pump(bytes, new DecompressionStream('deflate-raw'), SHARE_MAX_BYTES);
      json = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch (e) {
      return bad(e && e.message && !/^(TypeError|Error)$/.test(e.message) ? e.message : 'it does not decompress');
    }
    return checkState(json, bad);
  }

  // The JSON of a share link or of the session saved for a reload -> {ok, state} or bad(why).
  function checkState(json, bad) {
    let s;
    try { s = JSON.parse(json); } catch (e) { return bad('its content is not JSON'); }
    if (!s || typeof s !== 'object' || s.v !== 1) return bad('unknown format version');
    if (!Array.isArray(s.commands) || s.commands.length > COMMANDS_MAX ||
        !s.commands.every((c) => typeof c === 'string' && c.length <= TEXT_MAX))
      return bad('its command list is malformed');
    if (s.preset != null && s.preset !== 'i386' && s.preset !== 'x86_64') return bad('unknown preset');
    if (s.lesson != null && !(typeof s.lesson === 'string' && /^[a-z0-9-]{1,64}$/.test(s.lesson)))
      return bad('bad lesson id');
    if (s.step != null && !(Number.isInteger(s.step) && s.step >= 0 && s.step < 10000)) return bad('bad step');
    if (s.mem != null && !(typeof s.mem === 'string' && /^[0-9]{1,6}[KMG]?$/.test(s.mem))) return bad('bad mem');
    if (s.cpus != null && !(Number.isInteger(s.cpus) && s.cpus >= 1 && s.cpus <= 64)) return bad('bad cpus');
    return {
      ok: true,
      state: {
        preset: s.preset ?? null, mem: s.mem ?? null, cpus: s.cpus ?? null,
        lesson: s.lesson ?? null, step: s.step ?? 0, commands: s.commands,
      },
    };
  }

  // ------------------------------------------------------------------ messages

  // A request from the embedding page -> {ok: true} or {ok: false, error}.
  function validateMessage(data) {
    if (!data || typeof data !== 'object' || Array.isArray(data)) return { ok: false, error: 'not an object' };
    if (data.klab !== PROTOCOL) return { ok: false, error: 'not a Kernel Lab message', foreign: true };
    if (!REQUESTS.includes(data.type)) return { ok: false, error: `unknown request type '${String(data.type).slice(0, 40)}'` };
    if (data.id !== undefined && !((typeof data.id === 'number' && Number.isFinite(data.id)) ||
                                   (typeof data.id === 'string' && data.id.length <= 64)))
      return { ok: false, error: 'id must be a number or a short string' };
    if (data.type === 'exec') {
      if (typeof data.text !== 'string') return { ok: false, error: 'exec needs text (a string)' };
      if (data.text.length > TEXT_MAX) return { ok: false, error: `exec text is longer than ${TEXT_MAX} characters` };
    }
    if (data.type === 'openLesson') {
      if (typeof data.lesson !== 'string' || !/^[a-z0-9-]{1,64}$/.test(data.lesson))
        return { ok: false, error: 'openLesson needs a lesson id' };
      if (data.step !== undefined && !(Number.isInteger(data.step) && data.step >= 1 && data.step <= 9999))
        return { ok: false, error: 'step must be a step number (1, 2, ...)' };
    }
    return { ok: true };
  }

  // ------------------------------------------------------------------ the controller

  function outputOf(r) {
    if (r == null) return { output: '', error: false };
    if (typeof r === 'string') return { output: r, error: false };
    return { output: String(r.output ?? ''), error: !!r.error };
  }

  class Controller {
    // opts: {lab, lessons, win, params, storage, now, notify, baseUrl}
    //   win: the window (parent, addEventListener, location); storage: localStorage or null;
    //   now(): milliseconds; notify(text): show a problem to the student.
    constructor(opts) {
      this.lab = opts.lab || {};
      this.lessons = opts.lessons || null;
      this.win = opts.win;
      this.params = opts.params;
      this.storage = opts.storage || null;
      this.now = opts.now || (() => Date.now());
      this.notify = opts.notify || (() => {});
      this.inform = opts.inform || (() => {}); // (text, link): a message that is not a problem
      this.baseUrl = opts.baseUrl || '';
      this.origins = opts.params.origins;
      this.lessonStart = 0;
      this.stepStart = 0;
      this.stepCommands = [];
      this.problems = [];
      this.started = false; // events wait for 'ready' (a share link replayed at start sends none)
      // Steps already reported (lesson:step), so a step completes once however it was reached
      // (exec here, the console or the panel's Run buttons through lessonChanged()).
      this.reported = new Set();
      this.lastLesson = null;
      this.lastStep = -1;
      this.onMessage = this.onMessage.bind(this);
    }

    problem(text) {
      this.problems.push(text);
      this.notify(text);
    }

    lessonActive() { return !!(this.lessons && this.lessons.active && this.lessons.active()); }

    async start() {
      for (const e of this.params.errors) this.problem(`Ignored URL parameter ${e}.`);
      if (this.params.embed && typeof this.lab.setEmbedMode === 'function') this.lab.setEmbedMode(true);
      let share = null;
      if (this.params.share !== null) {
        const d = await decodeShare(this.params.share);
        if (d.ok) share = d.state;
        else this.problem(d.error);
      }
      // A reload: the session this page kept (the lesson's step and what was typed in it, or
      // the machine and every command outside lessons) comes back, unless the URL brings its
      // own (a share link, a start script) or names another lesson.
      const saved = share || this.params.script ? null : this.loadSession(this.params.lesson);
      if (saved) share = saved;
      const preset = share ? share.preset : this.params.preset;
      const mem = share ? share.mem : this.params.mem;
      const cpus = share ? share.cpus : this.params.cpus;
      if (preset || mem || cpus) {
        if (typeof this.lab.boot === 'function') {
          const cfg = {};
          if (preset) cfg.preset = preset;
          if (mem) cfg.mem = mem;
          if (cpus) cfg.cpus = cpus;
          const r = this.lab.boot(cfg);
          const why = typeof r === 'string' ? r : r && r.ok === false ? String(r.error || 'refused') : '';
          if (why) this.problem(`The machine could not be configured: ${why}`);
        } else {
          this.problem('This build of the lab cannot change the machine (no boot()).');
        }
      }
      const lesson = share ? share.lesson : this.params.lesson;
      const step = share ? share.step : this.params.step;
      // A saved lesson session resumes from the lesson's progress record (predictions, hints,
      // steps done), then replays the step's commands if the record is at the same step.
      let replay = !!share;
      if (lesson) {
        this.openLesson(lesson, saved ? 0 : step, !share || !!saved);
        if (saved) replay = this.lessonActive() && this.lessons.state().step === saved.step;
      }
      if (replay) for (const c of share.commands) this.exec(c, false);
      if (this.params.script) this.exec(this.params.script, true);
      if (this.win && this.win.addEventListener) {
        this.win.addEventListener('message', this.onMessage);
        this.win.addEventListener('klab-change', () => this.sessionChanged());
        this.win.addEventListener('pagehide', () => { if (this.saveTimer) this.saveSession(); });
      }
      this.started = true;
      this.sessionChanged();
      this.post({ type: 'ready', ...this.summary() });
    }

    // The step a saved progress record of lesson `id` is at (0-based), or -1.
    savedStep(id) {
      if (!this.storage) return -1;
      try {
        const r = JSON.parse(this.storage.getItem(this.progressKey(id)) || 'null');
        return r && Number.isInteger(r.step) ? r.step : -1;
      } catch (e) {
        return -1;
      }
    }

    openLesson(id, step, restore) {
      if (!this.lessons) { this.problem('This build of the lab has no lessons.'); return false; }
      // ?step=N of a reloaded page (the URL follows the step) at the step the student's
      // record is at: resume it rather than start that step afresh.
      if (restore && step && this.savedStep(id) === step) step = 0;
      if (restore && !step && typeof this.lessons.resume === 'function') {
        // The lab reads the saved record itself and boots once, at the saved step.
        const r = this.lessons.resume(id);
        if (r.error) { this.problem(`The lesson could not be opened: ${r.error}`); return false; }
        if (r.progressError)
          this.problem(`Saved progress for this lesson was not restored (${r.progressError}); starting afresh.`);
        this.begin(this.lessons.state());
        return true;
      }
      const err = this.lessons.start(id, step || 0);
      if (err) { this.problem(`The lesson could not be opened: ${err}`); return false; }
      if (restore) this.restoreProgress(id, step);
      this.begin(this.lessons.state());
      return true;
    }

    // A lesson was opened (here or in the lesson panel): its clock starts, and steps already
    // met (restored progress) are not reported again.
    begin(st) {
      this.lessonStart = this.stepStart = this.now();
      this.stepCommands = [];
      this.lastLesson = st ? st.lesson : null;
      this.lastStep = st ? st.step : -1;
      if (!st) return;
      const met = Array.isArray(st.met) ? st.met : [];
      met.forEach((m, i) => { if (m) this.reported.add(`${st.lesson}:${i}`); });
      if (st.stepDone) this.reported.add(`${st.lesson}:${st.step}`);
      if (st.lessonDone) this.reported.add(`${st.lesson}:done`);
    }

    // Posts stepCompleted (and lessonCompleted) the first time a step is met.
    complete(lesson, step, stepTitle, steps, lessonDone) {
      const key = `${lesson}:${step}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      const t = this.now();
      this.post({ type: 'stepCompleted', lesson, step: step + 1, stepTitle, timeMs: t - this.stepStart });
      if (lessonDone && !this.reported.has(`${lesson}:done`)) {
        this.reported.add(`${lesson}:done`);
        this.post({ type: 'lessonCompleted', lesson, steps, timeMs: t - this.lessonStart });
      }
    }

    // The lab calls this whenever the lesson changed (a command, a panel button, another
    // lesson opened in the panel): events and saved progress follow.
    lessonChanged() {
      this.sessionChanged();
      if (this.win && this.win.dispatchEvent && typeof CustomEvent === 'function')
        this.win.dispatchEvent(new CustomEvent('klab-lesson-change'));
      if (!this.lessonActive()) { this.lastLesson = null; return; }
      const st = this.lessons.state();
      if (!st) return;
      if (st.lesson !== this.lastLesson) { this.begin(st); this.saveProgress(); return; }
      if (st.step !== this.lastStep) {
        this.lastStep = st.step;
        this.stepStart = this.now();
        this.stepCommands = [];
      }
      const met = Array.isArray(st.met) ? st.met : [];
      met.forEach((m, i) => {
        if (m) this.complete(st.lesson, i, i === st.step ? st.stepTitle : '', st.steps, st.lessonDone && i === st.step);
      });
      if (st.stepDone) this.complete(st.lesson, st.step, st.stepTitle, st.steps, st.lessonDone);
      this.saveProgress();
    }

    progressKey(id) { return `klab.progress.${id}`; }

    // Saved progress comes back unless the link asks for a specific step.
    restoreProgress(id, step) {
      if (!this.storage) return;
      let saved = null;
      try { saved = this.storage.getItem(this.progressKey(id)); } catch (e) { return; }
      if (saved == null || step) return;
      const err = this.lessons.restoreProgress(saved);
      if (err) this.problem(`Saved progress for this lesson was not restored (${err}); starting afresh.`);
    }

    saveProgress() {
      if (!this.storage || !this.lessonActive()) return;
      const st = this.lessons.state();
      try { this.storage.setItem(this.progressKey(st.lesson), this.lessons.progressJson()); } catch (e) { /* full or blocked */ }
    }

    // Runs text in the lesson's session when a lesson is open, else in the lab's.
    exec(text, record = true) {
      if (this.lessonActive()) {
        const before = this.lessons.state();
        const r = this.lessons.exec(text);
        this.stepCommands.push(text);
        if (r.stepCompleted)
          this.complete(before.lesson, before.step, before.stepTitle, before.steps, r.lessonCompleted);
        this.lessonChanged();
        return outputOf(r);
      }
      // run(text, source) gives {output, error}; exec(text) only the output.
      if (typeof this.lab.run === 'function') return outputOf(this.lab.run(text, 'console'));
      if (typeof this.lab.exec !== 'function') return { output: 'this build of the lab cannot run commands\n', error: true };
      return outputOf(this.lab.exec(text));
    }

    // A command from the course page (postMessage exec): it runs in the student's session, so
    // every view shows it, but it is not the student's: it does not count for the lesson's
    // step (source 'course' in the command log; the App counts only the console's commands).
    execForCourse(text) {
      if (typeof this.lab.run !== 'function') return this.exec(text);
      const r = outputOf(this.lab.run(text, 'course'));
      this.lessonChanged();
      return r;
    }

    // After the student moves to another step (the lesson panel calls this).
    stepChanged() {
      this.stepStart = this.now();
      this.stepCommands = [];
      this.saveProgress();
    }

    commands() {
      if (this.lessonActive()) {
        if (typeof this.lessons.stepCommands === 'function') return Array.from(this.lessons.stepCommands());
        return this.stepCommands.slice();
      }
      const c = typeof this.lab.commands === 'function' ? this.lab.commands() : [];
      return Array.from(c || [], (x) => (typeof x === 'string' ? x : String(x.text ?? '')));
    }

    summary() {
      const s = { protocol: PROTOCOL, lesson: null, step: null, steps: null };
      if (this.lessonActive()) {
        const st = this.lessons.state();
        s.lesson = st.lesson;
        s.step = st.step + 1;
        s.steps = st.steps;
      }
      return s;
    }

    getState() {
      const s = this.summary();
      if (this.lessonActive()) {
        const st = this.lessons.state();
        s.stepTitle = st.stepTitle;
        s.goalMet = st.goalMet;
        s.stepDone = st.stepDone;
        s.lessonDone = st.lessonDone;
        try { s.progress = JSON.parse(this.lessons.progressJson()); } catch (e) { s.progress = null; }
        // Step numbers in this protocol are 1-based (step, stepCompleted); so is the record's.
        if (s.progress && Number.isInteger(s.progress.step)) s.progress.step += 1;
      }
      if (typeof this.lab.machine === 'function') s.machine = this.lab.machine();
      s.commands = this.commands().length;
      return s;
    }

    // What reproduces this session: the machine and the lab's commands, or, in a lesson, the
    // lesson's step and the commands typed in it (a share link's payload, the saved session).
    sessionState() {
      const st = { commands: this.commands() };
      if (this.lessonActive()) {
        const ls = this.lessons.state();
        st.lesson = ls.lesson;
        st.step = ls.step;
      }
      const m = typeof this.lab.machine === 'function' ? this.lab.machine() : null;
      if (m && !this.lessonActive()) {
        st.preset = m.preset;
        if (m.memBytes > 0) st.mem = `${Math.round(m.memBytes / 1048576)}M`;
        if (m.cpus) st.cpus = m.cpus;
      }
      return st;
    }

    // A link that reproduces this state (sessionState() in the fragment).
    async shareLink() {
      const st = this.sessionState();
      // The fragment carries the machine, the lesson and the commands: parameters that would
      // change or repeat them (a start script) are left out of the link.
      let base = this.baseUrl;
      try {
        const u = new URL(this.baseUrl);
        for (const k of ['lesson', 'step', 'preset', 'mem', 'cpus', 'script']) u.searchParams.delete(k);
        u.hash = '';
        base = u.href;
      } catch (e) { /* a relative base (tests): use it as it is */ }
      return `${base}#log=${await encodeShare(st)}`;
    }

    // The share link of the exact state, copied to the clipboard and shown in a notice (the
    // menu's "Copy share link"). Resolves to the link.
    async copyShareLink() {
      let url;
      try {
        url = await this.shareLink();
      } catch (e) {
        this.problem(`No share link: ${e && e.message ? e.message : e}`);
        return '';
      }
      this.lastShareLink = url;
      let copied = false;
      try {
        const clip = this.win && this.win.navigator && this.win.navigator.clipboard;
        if (clip && clip.writeText) { await clip.writeText(url); copied = true; }
      } catch (e) { /* no permission: the notice shows the link to copy by hand */ }
      this.inform(copied ? 'Share link copied to the clipboard: ' : 'Share link (copy it): ', url);
      return url;
    }

    sessionKey(lesson) { return lesson ? `klab.session.${lesson}` : 'klab.session'; }

    // The session saved by sessionChanged() for a reload of a page with this lesson (or none).
    loadSession(lesson) {
      if (!this.storage) return null;
      let text = null;
      try { text = this.storage.getItem(this.sessionKey(lesson)); } catch (e) { return null; }
      if (!text) return null;
      const r = checkState(text, () => ({ ok: false }));
      return r.ok && (r.state.lesson || null) === (lesson || null) ? r.state : null;
    }

    // After every change: the session is saved for a reload, and the address bar follows the
    // lesson and its step (replaceState: no history entry per step). Soon after, not inside
    // the change: the lab calls out while it is still opening a lesson or booting.
    sessionChanged() {
      if (!this.started || this.saveTimer) return;
      if (typeof setTimeout !== 'function') { this.saveSession(); return; }
      this.saveTimer = setTimeout(() => this.saveSession(), SAVE_DELAY_MS);
    }

    saveSession() {
      if (this.saveTimer && typeof clearTimeout === 'function') clearTimeout(this.saveTimer);
      this.saveTimer = null;
      const st = this.sessionState();
      if (this.storage) {
        try { this.storage.setItem(this.sessionKey(st.lesson), JSON.stringify({ v: 1, ...st })); } catch (e) { /* full */ }
      }
      this.syncUrl(st);
    }

    syncUrl(st) {
      const win = this.win;
      if (!win || !win.history || !win.history.replaceState || !win.location) return;
      let u;
      try { u = new URL(win.location.href); } catch (e) { return; }
      if (st.lesson) {
        u.searchParams.set('lesson', st.lesson);
        u.searchParams.set('step', String(st.step + 1));
      } else {
        u.searchParams.delete('lesson');
        u.searchParams.delete('step');
      }
      // A share link's fragment was read at start; the session now lives in this page (a
      // reload must not replay the link over what the student did since).
      if (u.hash.startsWith('#log=')) u.hash = '';
      if (u.href !== win.location.href) {
        try { win.history.replaceState(win.history.state, '', u.href); } catch (e) { /* sandboxed */ }
      }
    }

    post(msg) {
      if (!this.win || !this.win.parent || this.win.parent === this.win) return;
      if (!this.started && msg.type !== 'ready') return;
      for (const o of this.origins) this.win.parent.postMessage({ klab: PROTOCOL, ...msg }, o);
    }

    async onMessage(event) {
      // Only the embedding page, and only from an origin it allowed, is answered.
      if (!this.win || event.source !== this.win.parent || !this.origins.includes(event.origin)) return;
      const data = event.data;
      const v = validateMessage(data);
      if (!v.ok && v.foreign) return; // someone else's protocol on the same window
      const reply = (body) => this.win.parent.postMessage(
        { klab: PROTOCOL, type: 'result', id: data && data.id !== undefined ? data.id : null, ...body }, event.origin);
      if (!v.ok) return reply({ ok: false, error: v.error });
      try {
        switch (data.type) {
          case 'exec': {
            const r = this.execForCourse(data.text);
            return reply({ ok: !r.error, output: r.output, error: r.error ? 'the command failed' : undefined });
          }
          case 'getState':
            return reply({ ok: true, state: this.getState() });
          case 'getShareLink':
            return reply({ ok: true, url: await this.shareLink() });
          case 'openLesson': {
            const opened = this.openLesson(data.lesson, (data.step || 1) - 1, false);
            return reply(opened ? { ok: true, state: this.getState() }
                                : { ok: false, error: this.problems[this.problems.length - 1] });
          }
        }
      } catch (e) {
        return reply({ ok: false, error: String(e && e.message ? e.message : e) });
      }
      return undefined;
    }
  }

  // ------------------------------------------------------------------ in the page

  // Problems (a bad URL parameter, a lesson id the lab does not have) in a box at the top
  // right, where it covers no input (the console's input line and the lesson panel's buttons
  // are at the bottom). A close button dismisses it; in embed mode it also hides by itself
  // after a while, since the lesson panel shows lesson problems too.
  const NOTICE_EMBED_MS = 12000;

  function showNotice(doc, text, embed) {
    if (!doc || !doc.body) return;
    let box = doc.getElementById('klab-notices');
    if (!box) {
      box = doc.createElement('div');
      box.id = 'klab-notices';
      box.setAttribute('role', 'status');
      box.style.cssText = 'position:fixed;right:8px;top:8px;max-width:min(40em,50vw);z-index:10;' +
        'font:13px sans-serif;color:#fff;background:rgba(120,30,30,.92);padding:6px 2em 6px 10px;' +
        'border-radius:4px';
      const close = doc.createElement('button');
      close.className = 'klab-notices-close';
      close.type = 'button';
      close.textContent = '\u00d7';
      close.title = 'Dismiss';
      close.setAttribute('aria-label', 'Dismiss');
      close.style.cssText = 'position:absolute;right:4px;top:2px;border:0;background:none;' +
        'color:#fff;font:bold 16px sans-serif;cursor:pointer;padding:0 4px';
      close.addEventListener('click', () => box.remove());
      box.appendChild(close);
      doc.body.appendChild(box);
    }
    const p = doc.createElement('div');
    p.textContent = text;
    box.appendChild(p);
    const win = doc.defaultView;
    if (embed && win && win.setTimeout) {
      if (box.klabTimer) win.clearTimeout(box.klabTimer);
      box.klabTimer = win.setTimeout(() => box.remove(), NOTICE_EMBED_MS);
    }
  }

  // A message that is not a problem (a share link to copy), bottom centre, over the canvas,
  // until dismissed; the link in a read-only field, selected, so Ctrl+C copies it.
  function showInfo(doc, text, link) {
    if (!doc || !doc.body) return;
    const old = doc.getElementById('klab-info');
    if (old) old.remove();
    const box = doc.createElement('div');
    box.id = 'klab-info';
    box.setAttribute('role', 'status');
    box.style.cssText = 'position:fixed;left:50%;transform:translateX(-50%);bottom:12px;z-index:10;' +
      'max-width:min(44em,90vw);font:13px sans-serif;color:#fff;background:#1d3a5c;padding:6px 10px;' +
      'border-radius:4px;display:flex;gap:6px;align-items:center';
    const label = doc.createElement('label');
    label.textContent = text;
    const field = doc.createElement('input');
    field.id = 'klab-info-link';
    field.readOnly = true;
    field.value = link || '';
    field.style.cssText = 'flex:1;min-width:12em;font:12px monospace';
    label.htmlFor = field.id;
    const close = doc.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    close.addEventListener('click', () => box.remove());
    box.append(label, field, close);
    doc.body.appendChild(box);
    if (link) field.select();
  }

  function install(win) {
    const doc = win.document;
    const params = parseParams(win.location.search, win.location.hash);
    if (params.embed) doc.documentElement.classList.add('klab-embed');
    win.addEventListener('klab-ready', () => {
      const M = win.Module || {};
      let storage = null;
      try { storage = win.localStorage; storage.getItem('klab.probe'); } catch (e) { storage = null; }
      const controller = new Controller({
        lab: win.klab || {},
        lessons: typeof M.LessonSession === 'function' ? new M.LessonSession() : null,
        win,
        params,
        storage,
        notify: (t) => { console.warn('klab:', t); showNotice(doc, t, params.embed); },
        inform: (t, link) => showInfo(doc, t, link),
        baseUrl: win.location.origin + win.location.pathname + win.location.search,
      });
      win.klabEmbed = controller;
      controller.start().then(() => win.dispatchEvent(new CustomEvent('klab-embed-ready')));
    });
  }

  const api = {
    PROTOCOL, SHARE_MAX_BYTES, TEXT_MAX, parseParams, encodeShare, decodeShare,
    validateMessage, Controller, install,
  };
  root.KlabEmbed = api;
  if (root.document && root.addEventListener && !root.KLAB_EMBED_NO_INSTALL) install(root);
})(typeof window !== 'undefined' ? window : globalThis);
