// The lab's text version in the DOM, for screen readers and keyboards (the canvas is a
// picture to them): the console (its transcript as text, a real input element) and the lesson
// panel (the step's Markdown as HTML, real buttons for the prediction, hints, the solution,
// each runnable code block, Reset and Next), and a live region (#klab-live) that announces
// each command's result and the goal's feedback, whoever ran the command (this text version,
// the canvas console, a panel button).
// It is visually hidden until it holds the keyboard focus (Tab from the page's start, or the
// "Text version" link), then a panel at the right edge. Everything goes through the same entry
// points as the canvas (window.klabEmbed, the Module.LessonSession it holds, window.klab).
(function () {
  'use strict';
  const TRANSCRIPT_MAX = 200;   // commands kept in the transcript
  const ANNOUNCE_MAX = 400;     // characters of output read out per command
  const LIVE_KEEP = 6;          // announcements kept in the live region

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    e.append(...kids);
    return e;
  };

  let lab = null;
  let seenCommands = 0;
  let last = {};          // the lesson state last shown: {key, goalMet, stepDone, resolved, hints}
  let pending = false;

  function announce(text) {
    const live = $('klab-live');
    if (!live || !text) return;
    live.append(el('p', { text }));
    while (live.childElementCount > LIVE_KEEP) live.firstElementChild.remove();
  }

  const lessons = () => (window.klabEmbed && window.klabEmbed.lessons) || null;
  const lessonState = () => {
    const l = lessons();
    return l && l.active() ? l.state() : null;
  };
  const clip = (s, n) => (s.length > n ? s.slice(0, n) + '…' : s);

  // Runs text as the student's command (counted for the lesson's step, like the console).
  function run(text) {
    if (!text.trim()) return;
    if (window.klabEmbed) window.klabEmbed.exec(text);
    else if (lab) lab.run(text, 'console');
    schedule();
  }

  // ---------------------------------------------------------------- the console

  function buildConsole() {
    const input = el('input', {
      id: 'klab-text-input', type: 'text', autocomplete: 'off', spellcheck: 'false',
      'aria-describedby': 'klab-text-input-help',
    });
    const form = el('form', {
      id: 'klab-text-form',
      onsubmit: (e) => { e.preventDefault(); const t = input.value; input.value = ''; run(t); },
    },
    el('label', { for: 'klab-text-input', text: 'Command' }), input,
    el('button', { type: 'submit', text: 'Run' }));
    return el('section', { 'aria-labelledby': 'klab-text-console-h' },
      el('h2', { id: 'klab-text-console-h', text: 'Console' }),
      el('p', { id: 'klab-text-input-help', text: 'KernelC or a shell command, e.g. p = kmalloc(100, GFP_KERNEL); or cat /proc/buddyinfo. Results are read out.' }),
      form,
      el('pre', { id: 'klab-text-transcript', tabindex: '0', role: 'region', 'aria-label': 'Console transcript' }));
  }

  function updateConsole() {
    const cmds = lab.commands();
    const pre = $('klab-text-transcript');
    if (cmds.length < seenCommands) seenCommands = 0; // a reboot or restore cut the log
    const fresh = cmds.slice(seenCommands);
    seenCommands = cmds.length;
    pre.textContent = cmds.slice(-TRANSCRIPT_MAX)
      .map((c) => `$ ${c.text.trimEnd()}\n${c.output}`).join('');
    // Only what someone did now is read out (not a lesson's set-up on opening it).
    if (fresh.length > 0 && fresh.length <= 3) {
      for (const c of fresh) {
        const out = c.output.trim();
        announce(`${c.error ? 'Failed' : 'Ran'}: ${clip(c.text.trim(), 80)}. ` +
          (out ? `Output: ${clip(out, ANNOUNCE_MAX)}` : 'No output.'));
      }
    }
    return fresh.length;
  }

  // ---------------------------------------------------------------- the lesson

  function safeLinks(root) {
    for (const a of root.querySelectorAll('a[href]')) {
      if (!/^(https?:|mailto:)/i.test(a.getAttribute('href'))) a.removeAttribute('href');
      else { a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    }
  }

  // The step's prose as HTML (md4c's renderer in the wasm), with a Run button after every
  // runnable code block, as the canvas panel has.
  function proseHtml(markdown) {
    const box = el('div', { class: 'klab-text-prose' });
    const html = window.Module && window.Module.markdownHtml ? window.Module.markdownHtml(markdown) : '';
    if (html) box.innerHTML = html;
    else box.append(el('pre', { text: markdown }));
    safeLinks(box);
    let n = 0;
    for (const code of box.querySelectorAll('pre > code.language-c, pre > code.language-console')) {
      const text = code.textContent;
      n++;
      code.parentElement.after(el('button', {
        type: 'button', class: 'klab-text-run', text: `Run code ${n}`,
        'aria-label': `Run code ${n}: ${clip(text.trim(), 60)}`, onclick: () => run(text),
      }));
    }
    return box;
  }

  function buildPredict(st) {
    const q = st.predict;
    const box = el('div', { id: 'klab-text-predict' });
    if (!q) return box;
    if (q.answered) {
      box.append(el('p', { text: `Your prediction: ${q.answer}. ` + (!q.resolved ? 'Now do it: the lab checks it against the model.'
        : q.correct ? 'Right: the model agrees.' : `Not quite: the model gives ${q.kind === 'choice' ? q.choices[q.actual] ?? q.actual : q.actual}.`) }));
      return box;
    }
    const fs = el('fieldset', {}, el('legend', { text: `Predict before you act: ${q.question}` }));
    let answer = () => '';
    if (q.kind === 'choice') {
      q.choices.forEach((c, i) => {
        const id = `klab-text-choice-${i + 1}`;
        fs.append(el('div', {}, el('input', { type: 'radio', name: 'klab-text-choice', id, value: c }),
          el('label', { for: id, text: c })));
      });
      answer = () => { const r = fs.querySelector('input[name=klab-text-choice]:checked'); return r ? r.value : ''; };
    } else {
      const inp = el('input', { id: 'klab-text-answer', type: 'text', inputmode: 'numeric' });
      fs.append(el('label', { for: 'klab-text-answer', text: 'Your answer (a number)' }), inp);
      answer = () => inp.value;
    }
    fs.append(el('button', {
      type: 'button', id: 'klab-text-answer-ok', text: 'Answer',
      onclick: () => {
        const a = answer();
        const err = a ? lessons().predict(a) : 'choose or type an answer first';
        if (err) announce(`Prediction not taken: ${err}`);
        else announce(`Prediction recorded: ${a}. Now run the step.`);
        schedule();
      },
    }));
    box.append(fs);
    return box;
  }

  function lessonAction(name) {
    const l = lessons();
    if (!l) return;
    if (name === 'hint') {
      if (!l.hint()) announce('No more hints.'); // a new hint is read out by updateLesson
    } else if (name === 'solution') {
      announce(`Solution: ${l.solution()}`);
    } else if (name === 'reset') {
      l.resetStep();
      announce('The step starts again.');
    } else if (name === 'next') {
      const why = l.next();
      if (why) announce(`Not moved on: ${why}`);
      if (window.klabEmbed) window.klabEmbed.stepChanged();
    }
    schedule(name === 'next' ? 'heading' : null);
  }

  function buildLesson(st) {
    const sec = $('klab-text-lesson');
    sec.replaceChildren();
    if (!st) {
      sec.append(el('h2', { text: 'Lesson' }),
        el('p', { text: 'No lesson is open. Lessons: ' + (window.Module && window.Module.lessonList
          ? Array.from(window.Module.lessonList(), (l) => l.title).join('; ') : '') + '.' }));
      return;
    }
    sec.append(
      el('h2', { id: 'klab-text-step', tabindex: '-1', text: `${st.title}, step ${st.step + 1} of ${st.steps}: ${st.stepTitle}` }),
      proseHtml(st.prose),
      buildPredict(st),
      el('p', { id: 'klab-text-goal' }),
      el('div', { id: 'klab-text-hints' }),
      el('div', { class: 'klab-text-actions' },
        el('button', { type: 'button', id: 'klab-text-hint', text: 'Hint', onclick: () => lessonAction('hint') }),
        el('button', { type: 'button', id: 'klab-text-solution', text: 'Show solution', onclick: () => lessonAction('solution') }),
        el('button', { type: 'button', id: 'klab-text-reset', text: 'Reset step', onclick: () => lessonAction('reset') }),
        el('button', { type: 'button', id: 'klab-text-next', text: 'Next step', onclick: () => lessonAction('next') })),
      el('div', { id: 'klab-text-explanation' }));
  }

  const goalText = (st) => (!st.hasGoal ? 'A reading step: no goal to reach.'
    : st.goalMet ? 'Goal met.' : st.stepDone ? 'Step done.' : 'Goal: not yet.');

  function updateLesson(focus) {
    const st = lessonState();
    const key = st ? `${st.lesson}#${st.step}` : '';
    const predictKey = st && st.predict ? `${st.predict.answered}/${st.predict.resolved}` : '';
    if (key !== last.key) {
      buildLesson(st);
      if (st && last.key !== undefined) announce(`Step ${st.step + 1} of ${st.steps}: ${st.stepTitle}.`);
      last = { key, predictKey, goalMet: st && st.goalMet, stepDone: st && st.stepDone, hints: st ? st.hintsShown.length : 0 };
    } else if (st && predictKey !== last.predictKey) {
      const old = $('klab-text-predict');
      const hadFocus = old && old.contains(document.activeElement);
      old.replaceWith(buildPredict(st));
      if (st.predict.resolved && !last.predictKey.endsWith('/true'))
        announce(st.predict.correct ? 'Your prediction was right.' : `Your prediction was not quite right: ${$('klab-text-predict').textContent}`);
      if (hadFocus) $('klab-text-input').focus(); // answered: next comes the step's command
      last.predictKey = predictKey;
    }
    if (!st) return;
    $('klab-text-goal').textContent = goalText(st) + (st.goalMet || !st.goalMessage ? '' : ` ${st.goalMessage}`);
    const hints = $('klab-text-hints');
    if (hints.childElementCount !== st.hintsShown.length) {
      hints.replaceChildren(...Array.from(st.hintsShown, (h, i) => el('p', { text: `Hint ${i + 1}: ${h}` })));
    }
    // A hint revealed here, by the canvas panel or by Alt+H.
    for (let i = last.hints; i < st.hintsShown.length; i++) announce(`Hint: ${st.hintsShown[i].replace(/[*`]/g, '')}`);
    last.hints = st.hintsShown.length;
    $('klab-text-hint').disabled = st.hintsShown.length >= st.hints;
    $('klab-text-next').disabled = st.step + 1 >= st.steps;
    $('klab-text-next').textContent = st.stepDone || !st.hasGoal ? 'Next step' : 'Skip step';
    const ex = $('klab-text-explanation');
    if (st.explanation && !ex.childElementCount) ex.append(el('h3', { text: 'Explanation' }), proseHtml(st.explanation));
    if (!st.explanation) ex.replaceChildren();
    // Goal feedback: the moment the step is done, and (after a command) that it is not yet.
    if (st.stepDone && !last.stepDone) {
      announce(`Goal met: step ${st.step + 1}, ${st.stepTitle}, is done.` +
        (st.step + 1 < st.steps ? ' Next step is available.' : ' That was the last step.'));
    }
    last.goalMet = st.goalMet;
    last.stepDone = st.stepDone;
    if (focus === 'heading') $('klab-text-step')?.focus();
  }

  // ---------------------------------------------------------------- wiring

  function refresh(focus) {
    pending = false;
    if (!lab) return;
    const ran = updateConsole();
    const st = lessonState();
    updateLesson(focus);
    if (ran && st && st.hasGoal && !st.stepDone && !st.goalMet && ran <= 3)
      announce(`Goal not met yet.${st.goalMessage ? ' ' + st.goalMessage : ''}`);
  }

  // After a change, not inside it (the lab calls out while it is still changing).
  let focusNext = null;
  function schedule(focus) {
    if (focus) focusNext = focus;
    if (pending) return;
    pending = true;
    setTimeout(() => { const f = focusNext; focusNext = null; refresh(f); }, 0);
  }

  function install() {
    const root = $('klab-text');
    if (!root || !window.klab) return;
    lab = window.klab;
    root.append(
      el('h1', { text: 'Kernel Lab, text version' }),
      el('section', { id: 'klab-text-lesson', 'aria-label': 'Lesson' }),
      buildConsole());
    // The skip link puts the keyboard in the command field (a fragment alone may only scroll).
    for (const a of document.querySelectorAll('.klab-skip')) {
      a.addEventListener('click', (e) => { e.preventDefault(); $('klab-text-input').focus(); });
    }
    window.addEventListener('klab-change', () => schedule());
    window.addEventListener('klab-lesson-change', () => schedule());
    seenCommands = lab.commands().length;
    refresh();
  }

  if (window.klabEmbed && window.klabEmbed.started) install();
  else window.addEventListener('klab-embed-ready', install, { once: true });
})();
