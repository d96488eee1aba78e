// Kernel Lab page shell: checks for WebGL2, downloads the wasm with a progress bar, starts the
// Emscripten module and reports failures in words instead of leaving a blank page.
// Status for tests and embedders: window.klabStatus is 'loading' | 'ready' | 'error:<kind>'.
// Once ready, window.klab is the JS API (docs/frontend.md): the Embind Module.Lab plus
// subscribe()/unsubscribe(); a 'klab-change' event fires on window whenever the kernel changes.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  // Start-up phases as Performance API marks (tests/bench/browser_perf.mjs prints them).
  const mark = (name) => { try { performance.mark(name); } catch (e) { /* old browser */ } };
  mark('klab:shell');
  window.klabStatus = 'loading';
  const LAYOUT_KEY = 'klab-layout-v2';
  const VIEWS_KEY = 'klab-views-v2';
  const subscribers = new Set();

  // localStorage throws in some sandboxed iframes and private modes: the layout is then not kept.
  function load(key) {
    try { return window.localStorage.getItem(key) || ''; } catch (e) { return ''; }
  }
  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* not persisted */ }
  }

  function changed(generation) {
    const detail = { generation };
    for (const cb of subscribers) {
      try { cb(detail); } catch (e) { console.error('klab subscriber failed:', e); }
    }
    window.dispatchEvent(new CustomEvent('klab-change', { detail }));
  }

  // The JS API: the Embind object, with optional arguments filled in and subscriptions added.
  function makeApi(Module) {
    const lab = new Module.Lab();
    const run = lab.run.bind(lab);
    lab.run = (text, source) => run(String(text), source ? String(source) : '');
    lab.subscribe = (cb) => { subscribers.add(cb); return () => subscribers.delete(cb); };
    lab.unsubscribe = (cb) => subscribers.delete(cb);
    const reset = lab.resetLayout.bind(lab);
    lab.resetLayout = () => { store(LAYOUT_KEY, null); store(VIEWS_KEY, null); reset(); };
    return lab;
  }

  function fail(kind, message, hint) {
    if (window.klabStatus.startsWith('error')) return;
    window.klabStatus = 'error:' + kind;
    $('loading').hidden = true;
    $('error-text').textContent = message;
    $('error-hint').textContent = hint || '';
    $('error').hidden = false;
    $('canvas').style.visibility = 'hidden';
  }

  // What the loading screen says start-up is doing.
  let staged = false; // past the download: the byte count no longer replaces the text
  function stage(text) {
    staged = true;
    $('loading-text').textContent = text;
  }

  // Resolves once the loading screen has been painted (at once if something was): main()
  // then holds the main thread for a while, and the student sees progress, not a blank page.
  function painted() {
    const paints = performance.getEntriesByType ? performance.getEntriesByType('paint') : [];
    if (paints.length > 0) return Promise.resolve();
    return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }

  function progress(loaded, total) {
    const pct = total > 0 ? Math.min(100, (100 * loaded) / total) : 0;
    $('loading-bar').style.width = pct.toFixed(1) + '%';
    if (staged) return;
    $('loading-text').textContent = total > 0
      ? `Loading the kernel model… ${(loaded / 1048576).toFixed(1)} MB`
      : 'Loading the kernel model…';
  }

  // Whether the browser offers WebGL2: index.html asked for the page's context right after
  // the canvas (klabStart.webgl2); without that answer it is asked for here, with the
  // attributes Emscripten's GLFW asks for (getContext then hands GLFW this same context).
  async function webgl2Available(canvas) {
    const early = window.klabStart;
    if (early && early.webgl2 && (await early.webgl2) === true) return true;
    try {
      const ok = !!canvas.getContext('webgl2', { antialias: false, depth: false, stencil: false, alpha: false });
      mark('klab:gl-context');
      return ok;
    } catch (e) {
      return false;
    }
  }

  function noWebGL2() {
    fail('webgl2', 'This browser or device does not offer WebGL2, which Kernel Lab needs to draw.',
      'Try a current Firefox, Chrome, Edge or Safari, and check that hardware acceleration is not disabled.');
  }

  // Reads a copy of the wasm response only to move the progress bar.
  async function showProgress(resp) {
    const total = Number(resp.headers.get('Content-Length')) || 0;
    if (!resp.body || !resp.body.getReader) return;
    const reader = resp.body.getReader();
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.length;
      progress(loaded, Math.max(total, loaded));
    }
  }

  // The compiled wasm: from index.html's early start, else downloaded and compiled here.
  function compiledWasm() {
    const early = window.klabStart;
    if (early && early.wasm) {
      // From the first byte (index.html's fetch keeps a copy of the response for this).
      (early.response || early.wasm).then(() => early.progress && showProgress(early.progress)).catch(() => {});
      return early.wasm;
    }
    return fetch('index.wasm').then((resp) => {
      if (!resp.ok) throw new Error(`index.wasm: HTTP ${resp.status}`);
      showProgress(resp.clone()).catch(() => {});
      return resp.arrayBuffer();
    }).then((bytes) => WebAssembly.compile(bytes));
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`${src} could not be loaded`));
      document.body.appendChild(s);
    });
  }

  async function start() {
    const canvas = $('canvas');
    // The final size before GLFW creates the context: no reallocation of a live drawing buffer.
    // (index.html set it already; setting it again would resize the live drawing buffer).
    const w = Math.round(window.innerWidth * (window.devicePixelRatio || 1));
    const h = Math.round(window.innerHeight * (window.devicePixelRatio || 1));
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const wasmModule = compiledWasm();
    wasmModule.then(() => mark('klab:wasm-compiled'), () => {});
    // index.js is fetched, parsed and run (the kernel boots) while the check runs.
    webgl2Available(canvas).then((ok) => { if (!ok) noWebGL2(); });
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      fail('context-lost', 'The graphics context was lost.', 'Reload the page to continue.');
    });
    wasmModule.catch((e) => fail('download', 'The kernel model could not be downloaded: ' + e.message,
      'Check your connection and reload the page.'));
    window.Module = {
      canvas,
      // Hand Emscripten the module compiled above (index.js is parsed while it compiles).
      instantiateWasm: (imports, receive) => {
        wasmModule.then((compiled) => {
          // main() runs as soon as receive() is called: the boot stage is on screen first.
          stage('Booting the Linux 6.1 model…');
          return Promise.all([WebAssembly.instantiate(compiled, imports), painted()])
            .then(([instance]) => { mark('klab:instantiated'); receive(instance, compiled); });
        }).catch((e) => fail('start', 'The kernel model could not be started: ' + e.message));
        return {};
      },
      onKlabStage: stage,
      print: (t) => console.log(t),
      printErr: (t) => console.warn(t),
      onAbort: (what) => fail('abort', 'The kernel model stopped unexpectedly: ' + what,
        'Reload the page. If it happens again, please report it with the browser console output.'),
      onKlabError: (what) => (/WebGL2/.test(what) ? noWebGL2() : fail('start', 'Kernel Lab could not start: ' + what)),
      klabSavedLayout: load(LAYOUT_KEY),
      klabSavedViews: load(VIEWS_KEY),
      onKlabSaveLayout: (ini, views) => { store(LAYOUT_KEY, ini); store(VIEWS_KEY, views); },
      onKlabChange: (generation) => { if (window.klab) changed(generation); },
      onFirstFrame: (ms) => {
        $('loading').hidden = true;
        window.klab = makeApi(window.Module);
        window.klabFirstFrameMs = ms;
        window.klabStatus = 'ready';
        canvas.focus();
        window.dispatchEvent(new CustomEvent('klab-ready', { detail: { firstFrameMs: ms } }));
      },
    };
    try {
      await loadScript('index.js');
      mark('klab:js-loaded');
    } catch (e) {
      fail('download', e.message, 'Check your connection and reload the page.');
    }
  }

  window.addEventListener('error', (e) => {
    if (window.klabStatus === 'loading') fail('script', 'A script error stopped the lab: ' + e.message);
  });
  // The lab draws slowly when nothing happens (web_main.cpp): it wants the time of the last input.
  const inputSeen = () => { if (window.Module) window.Module.klabInputAt = performance.now(); };
  for (const type of ['pointermove', 'pointerdown', 'pointerup', 'wheel', 'keydown', 'keyup', 'resize', 'focus', 'paste']) {
    window.addEventListener(type, inputSeen, { capture: true, passive: true });
  }
  // Keys typed into the page's own fields (the text version, the share-link box) are theirs:
  // Emscripten's GLFW listens for keys on the whole window, in the capture phase, and cancels
  // Tab, so without this they would also reach the lab's console and Tab could not leave a
  // field. Registered before index.js runs, this listener comes first; the browser's own
  // handling (typing, Tab, Enter submitting a form) is left alone.
  const isField = (t) => t instanceof Element && t.closest('#klab-text, #klab-info, #klab-notices, input, textarea, select, button, a');
  for (const type of ['keydown', 'keypress', 'keyup']) {
    window.addEventListener(type, (e) => { if (isField(e.target)) e.stopImmediatePropagation(); }, true);
  }
  // F1 is the lab's help (its shortcuts), not the browser's, while the canvas has the keyboard.
  $('canvas').addEventListener('keydown', (e) => { if (e.key === 'F1') e.preventDefault(); });
  // Keyboard focus must follow the pointer into the canvas, also inside a course site's iframe.
  $('canvas').addEventListener('mousedown', () => $('canvas').focus());
  // Ctrl+V: the browser hands the clipboard over in a paste event right after the key press,
  // before the next frame, where ImGui asks for the text.
  document.addEventListener('paste', (e) => {
    const text = e.clipboardData ? e.clipboardData.getData('text/plain') : '';
    if (window.klab && text) window.klab.setClipboard(text);
  });
  start();
})();
