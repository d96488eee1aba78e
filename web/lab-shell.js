// Kernel Lab page shell: checks for WebGL2, downloads the wasm with a progress bar, starts the
// Emscripten module and reports failures in words instead of leaving a blank page.
// Status for tests and embedders: window.klabStatus is 'loading' | 'ready' | 'error:<kind>'.
// Once ready, window.klab is the JS API (docs/frontend.md): the Embind Module.Lab plus
// subscribe()/unsubscribe(); a 'klab-change' event fires on window whenever the kernel changes.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  window.klabStatus = 'loading';
  const LAYOUT_KEY = 'klab-layout-v1';
  const VIEWS_KEY = 'klab-views-v1';
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

  // Creating a WebGL2 context is the slowest step of start-up on software GL, so it is done once,
  // on the lab's own canvas, with the attributes Emscripten's GLFW asks for (getContext then
  // hands GLFW this same context).
  function createWebGL2(canvas) {
    try {
      return !!canvas.getContext('webgl2', { antialias: false, depth: true, stencil: true, alpha: true });
    } catch (e) {
      return false;
    }
  }

  // Download index.wasm ourselves so the bar can show progress; the module then uses the bytes.
  async function fetchWasm(url) {
    const resp = await fetch(url);
    if (!resp.ok) throw new Error(`${url}: HTTP ${resp.status}`);
    const total = Number(resp.headers.get('Content-Length')) || 0;
    if (!resp.body || !resp.body.getReader) return new Uint8Array(await resp.arrayBuffer());
    const reader = resp.body.getReader();
    const chunks = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      progress(loaded, Math.max(total, loaded));
    }
    const bytes = new Uint8Array(loaded);
    let off = 0;
    for (const c of chunks) { bytes.set(c, off); off += c.length; }
    return bytes;
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
    // Download and compile the wasm while the (blocking) GL context creation runs; yielding once
    // lets the request go out first.
    const wasmModule = fetchWasm('index.wasm').then((bytes) => WebAssembly.compile(bytes));
    wasmModule.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (!createWebGL2(canvas)) {
      fail('webgl2', 'This browser or device does not offer WebGL2, which Kernel Lab needs to draw.',
        'Try a current Firefox, Chrome, Edge or Safari, and check that hardware acceleration is not disabled.');
      return;
    }
    canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
      fail('context-lost', 'The graphics context was lost.', 'Reload the page to continue.');
    });
    let compiled;
    try {
      compiled = await wasmModule;
    } catch (e) {
      fail('download', 'The kernel model could not be downloaded: ' + e.message,
        'Check your connection and reload the page.');
      return;
    }
    window.Module = {
      canvas,
      // Hand Emscripten the module compiled above instead of letting it fetch again.
      instantiateWasm: (imports, receive) => {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled),
          (e) => fail('start', 'The kernel model could not be started: ' + e.message));
        return {};
      },
      print: (t) => console.log(t),
      printErr: (t) => console.warn(t),
      onAbort: (what) => fail('abort', 'The kernel model stopped unexpectedly: ' + what,
        'Reload the page. If it happens again, please report it with the browser console output.'),
      onKlabError: (what) => fail('start', 'Kernel Lab could not start: ' + what),
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
    } catch (e) {
      fail('download', e.message, 'Check your connection and reload the page.');
    }
  }

  window.addEventListener('error', (e) => {
    if (window.klabStatus === 'loading') fail('script', 'A script error stopped the lab: ' + e.message);
  });
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
