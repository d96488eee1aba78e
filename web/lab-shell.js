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

  function progress(loaded, total) {
    const pct = total > 0 ? Math.min(100, (100 * loaded) / total) : 0;
    $('loading-bar').style.width = pct.toFixed(1) + '%';
    $('loading-text').textContent = total > 0
      ? `Loading the kernel model… ${(loaded / 1048576).toFixed(1)} MB`
      : 'Loading the kernel model…';
  }

  // Whether the browser offers WebGL2. index.html's worker answers without blocking the page
  // (klabStart.webgl2); when it cannot tell (no OffscreenCanvas), a context is created here on
  // the lab's own canvas with the attributes Emscripten's GLFW asks for (getContext then hands
  // GLFW this same context).
  async function webgl2Available(canvas) {
    const early = window.klabStart;
    if (early && early.webgl2 && (await early.webgl2) === true) return true;
    try {
      const ok = !!canvas.getContext('webgl2', { antialias: false, depth: true, stencil: true, alpha: false });
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
      early.wasm.then(() => early.progress && showProgress(early.progress)).catch(() => {});
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
    canvas.width = Math.round(window.innerWidth * (window.devicePixelRatio || 1));
    canvas.height = Math.round(window.innerHeight * (window.devicePixelRatio || 1));
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
        wasmModule.then((compiled) => WebAssembly.instantiate(compiled, imports)
          .then((instance) => { mark('klab:instantiated'); receive(instance, compiled); }))
          .catch((e) => fail('start', 'The kernel model could not be started: ' + e.message));
        return {};
      },
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
        const early = window.klabStart;
        // The warm-up context did its job (after its answer is in: terminate drops queued messages).
        if (early && early.warmWorker) early.webgl2.then(() => early.warmWorker.terminate());
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
