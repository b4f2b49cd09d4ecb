// The ao dashboard's script. Plain JavaScript, no build step.
//
// Everything agents, issues and pull requests say reaches the page as text only: elements are
// built with createElement and filled with text nodes (nothing is ever parsed as markup), and
// a link is made only to an http(s) address.
'use strict';
(function () {
  const csrf = document.querySelector('meta[name="ao-csrf"]').content;
  const page = document.body.dataset.page;
  const main = document.getElementById('main');
  const initial = JSON.parse(document.getElementById('ao-data').textContent || 'null');

  function safeUrl(value) {
    try {
      const u = new URL(String(value), location.href);
      return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  // el('a', {href: url, class: 'x'}, 'text', child…): strings become text nodes.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'href') {
        const u = safeUrl(v);
        if (u) e.setAttribute('href', u);
      } else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }

  const word = (s) => (s === null || s === undefined ? '-' : String(s).replace(/_/g, ' '));

  function ago(ts) {
    if (!ts) return '-';
    const secs = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
    if (secs <= 4) return 'now';
    if (secs < 60) return secs + 's';
    if (secs < 3600) return Math.floor(secs / 60) + 'm';
    if (secs < 86400) return Math.floor(secs / 3600) + 'h';
    return Math.floor(secs / 86400) + 'd';
  }

  // The status people see; `stuck` is the daemon's word where one look sees nothing wrong.
  function status(v) {
    const daemonStuck =
      v.lifecycle && v.lifecycle.state === 'stuck' && ['working', 'idle', 'pr_open'].includes(v.status);
    return daemonStuck ? 'stuck' : v.status;
  }

  function model(v) {
    if (v.model && v.modelInUse && v.model !== v.modelInUse) return v.model + ' → ' + v.modelInUse;
    if (!v.model && v.modelInUse) return 'default → ' + v.modelInUse;
    return v.model || '-';
  }

  function issueId(i) {
    return /^[0-9]+$/.test(i.id) ? '#' + i.id : i.id;
  }

  function issueCell(v) {
    if (!v.issue) return '-';
    const title = (v.issue.title || '').trim();
    const short = title.length > 40 ? title.slice(0, 40) + '…' : title;
    return [el('a', { href: v.issue.url || null, class: 'issue' }, issueId(v.issue)), short ? ' ' + short : ''];
  }

  function prCell(v) {
    if (!v.pr) return '-';
    return [
      el('a', { href: v.pr.url, title: v.pr.title || null, class: 'pr' }, '#' + v.pr.number),
      v.pr.state ? ' ' + word(v.pr.state) : '',
    ];
  }

  function ciCell(v) {
    const ci = v.ci;
    if (!ci) return '-';
    const text =
      ci.state === 'failing'
        ? 'failing ' + ci.failed.length + '/' + ci.total
        : ci.state === 'pending'
          ? 'pending ' + ci.pending + '/' + ci.total
          : ci.state;
    const out = [el('span', { class: 'ci ci-' + ci.state }, text)];
    for (const f of ci.failed || []) {
      out.push(' ', el('a', { href: f.url || null, class: 'check' }, f.name));
    }
    return out;
  }

  function reviewText(v) {
    const r = v.review;
    if (!r) return '-';
    const decision = {
      approved: 'approved',
      changes_requested: 'changes requested',
      pending: 'review required',
      none: '-',
    }[r.decision] || word(r.decision);
    const open = !v.pr || !v.pr.state || v.pr.state === 'open' || v.pr.state === 'draft';
    if (r.conflicts && open) return decision === '-' ? 'conflicts' : decision + ', conflicts';
    return decision;
  }

  const stateCell = (v) => el('span', { class: 'state st-' + status(v) }, word(status(v)));
  const activityCell = (v) =>
    el('span', { class: 'activity act-' + v.activity.state }, word(v.activity.state));
  const sessionLink = (v) => el('a', { href: '/session/' + encodeURIComponent(v.id), class: 'sid' }, v.id);

  function table(headers, rows) {
    return el(
      'table',
      {},
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows),
    );
  }

  function orchestratorRows(list) {
    return list.map((v) =>
      el(
        'tr',
        { 'data-session': v.id, 'data-status': status(v), class: 'orchestrator' },
        el('td', {}, sessionLink(v), ' ', el('span', { class: 'label' }, 'orchestrator')),
        el('td', {}, v.agent),
        el('td', {}, model(v)),
        el('td', { class: 'status' }, stateCell(v)),
        el('td', {}, activityCell(v)),
        el('td', {}, ago(v.createdAt)),
        el('td', {}, ago(v.activity.since)),
      ),
    );
  }

  function workerRows(list) {
    const rows = [];
    for (const v of list) {
      rows.push(
        el(
          'tr',
          { 'data-session': v.id, 'data-status': status(v), class: 'worker' },
          el('td', {}, sessionLink(v)),
          el('td', {}, v.agent),
          el('td', {}, model(v)),
          el('td', { class: 'status' }, stateCell(v)),
          el('td', {}, activityCell(v)),
          el('td', { class: 'branch' }, v.branch || '-'),
          el('td', {}, issueCell(v)),
          el('td', { class: 'prcell' }, prCell(v)),
          el('td', { class: 'cicell' }, ciCell(v)),
          el('td', { class: 'review' }, reviewText(v)),
          el('td', {}, v.review ? String(v.review.unresolvedThreads) : '-'),
          el('td', {}, ago(v.createdAt)),
          el('td', {}, ago(v.activity.since)),
        ),
      );
      if (v.summary) {
        rows.push(el('tr', { class: 'summary' }, el('td', { colspan: 13 }, '└ ' + v.summary)));
      }
    }
    return rows;
  }

  function daemonLine(doc) {
    const d = document.getElementById('daemon');
    if (!doc || !doc.daemon) {
      d.textContent = 'daemon: not running — nothing reacts to these sessions';
      return;
    }
    d.textContent =
      'daemon pid ' + doc.daemon.pid + ', last tick ' + (doc.daemon.lastTick ? ago(doc.daemon.lastTick) + ' ago' : 'none yet');
  }

  function renderFleet(doc) {
    const box = document.getElementById('fleet');
    daemonLine(doc);
    if (!doc) {
      box.replaceChildren(el('p', { class: 'empty' }, 'the daemon has not loaded the projects yet'));
      return;
    }
    if (doc.error) {
      box.replaceChildren(el('p', { class: 'error' }, doc.error));
      return;
    }
    const sections = doc.projects.map((p) => {
      const parts = [el('h2', {}, p.name, p.repo ? el('span', { class: 'repo' }, ' ' + p.repo) : '')];
      if (p.orchestrators.length) {
        parts.push(
          table(['orchestrator', 'agent', 'model', 'status', 'activity', 'age', 'last'], orchestratorRows(p.orchestrators)),
        );
      }
      if (p.workers.length) {
        parts.push(
          table(
            ['session', 'agent', 'model', 'status', 'activity', 'branch', 'issue', 'PR', 'CI', 'review', 'threads', 'age', 'last'],
            workerRows(p.workers),
          ),
        );
      }
      if (!p.orchestrators.length && !p.workers.length) parts.push(el('p', { class: 'empty' }, 'no sessions'));
      return el('section', { class: 'project', 'data-project': p.id }, parts);
    });
    const notes = (doc.warnings || []).map((w) => el('p', { class: 'warning' }, 'warning: ' + w));
    box.replaceChildren(...sections, ...notes);
    const select = document.getElementById('spawn-project');
    if (select && select.options.length !== doc.projects.length) {
      select.replaceChildren(...doc.projects.map((p) => el('option', { value: p.id }, p.name)));
    }
  }

  function eventLine(e) {
    const t = new Date(e.ts);
    const when = isNaN(t) ? '' : t.toLocaleTimeString();
    const who = e.sessionId || e.projectId;
    const change = e.from || e.to ? ' ' + word(e.from) + ' → ' + word(e.to) : '';
    const reaction = e.detail && e.detail.reaction ? ' (' + e.detail.reaction + ')' : '';
    return el('li', { class: 'event' }, el('span', { class: 'ts' }, when), ' ', el('b', {}, who), ' ', e.kind, change, reaction);
  }

  // Lines already shown: the history fetched at load and the live stream can both carry an
  // event written in between.
  const shown = new Set();

  function addEvent(e) {
    const feed = document.getElementById('feed');
    if (!feed) return;
    if (page === 'session' && e.sessionId !== initial.session.id) return;
    const key = JSON.stringify([e.ts, e.kind, e.sessionId, e.projectId, e.from, e.to, e.detail]);
    if (shown.has(key)) return;
    shown.add(key);
    // Newest first, whichever arrived first.
    const line = eventLine(e);
    const at = Date.parse(e.ts) || 0;
    line.dataset.at = String(at);
    const after = Array.from(feed.children).find((c) => Number(c.dataset.at || 0) <= at);
    feed.insertBefore(line, after || null);
    while (feed.children.length > 200) feed.lastChild.remove();
  }

  function toast(text, bad) {
    const t = document.getElementById('toast');
    t.textContent = text;
    t.className = bad ? 'bad' : 'good';
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.hidden = true), 8000);
  }

  async function post(url, body) {
    const resp = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-ao-csrf': csrf },
      body: JSON.stringify(body || {}),
    });
    let json = null;
    try {
      json = await resp.json();
    } catch (_) {
      json = { error: 'the dashboard answered ' + resp.status };
    }
    return { ok: resp.ok, json };
  }

  // Where an action's outcome, and the ways on from a refusal, are shown.
  function outcome(box, json, ok, retry) {
    box.replaceChildren();
    box.className = 'outcome ' + (ok ? 'good' : 'bad');
    box.append(el('p', {}, ok ? json.text : json.error));
    if (json.hint) box.append(el('p', { class: 'hint' }, json.hint));
    for (const f of json.files || []) box.append(el('div', { class: 'file' }, 'unsaved file: ' + f));
    for (const c of json.commits || []) box.append(el('div', { class: 'file' }, 'unpushed commit: ' + c));
    for (const [label, fn] of retry || []) box.append(el('button', { type: 'button', onclick: fn }, label));
  }

  function spawnForm() {
    const result = el('div', { class: 'outcome', id: 'spawn-result' });
    const form = el(
      'form',
      { id: 'spawn', class: 'card' },
      el('h2', {}, 'Spawn a worker'),
      el('label', {}, 'project ', el('select', { id: 'spawn-project' })),
      el('label', {}, 'issue ', el('input', { id: 'spawn-issue', placeholder: '#42, INT-9 or a URL' })),
      el('label', {}, 'or a prompt ', el('textarea', { id: 'spawn-prompt', rows: 2 })),
      el('button', { type: 'submit' }, 'Spawn'),
      result,
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = await post('/api/spawn', {
        project: document.getElementById('spawn-project').value,
        issue: document.getElementById('spawn-issue').value,
        prompt: document.getElementById('spawn-prompt').value,
      });
      outcome(result, r.json, r.ok);
    });
    return form;
  }

  function fleetPage() {
    main.replaceChildren(
      el('div', { id: 'fleet' }),
      el('div', { class: 'side' }, spawnForm(), el('section', { class: 'card' }, el('h2', {}, 'Events'), el('ul', { id: 'feed' }))),
    );
    renderFleet(initial);
    fetch('/api/events?limit=50', { credentials: 'same-origin' })
      .then((r) => r.json())
      .then((list) => list.forEach(addEvent))
      .catch(() => {});
  }

  // The session page.
  function detailRows(v) {
    const dl = el('dl', { id: 'details' });
    const add = (k, ...val) => dl.append(el('dt', {}, k), el('dd', {}, ...val));
    add('project', v.projectId);
    add('role', v.role === 'orchestrator' ? el('span', { class: 'label' }, 'orchestrator') : 'worker');
    add('agent', v.agent + ' (' + model(v) + ')');
    add('status', stateCell(v));
    add('activity', activityCell(v), ' since ' + ago(v.activity.since));
    if (v.role !== 'orchestrator') {
      add('branch', v.branch || '-');
      add('issue', issueCell(v));
      add('pull request', prCell(v), v.pr && v.pr.title ? ' — ' + v.pr.title : '', v.pr && v.pr.draft ? ' (draft)' : '');
      add('CI', ciCell(v));
      add('review', reviewText(v));
    }
    if (v.summary) add('summary', v.summary);
    add('age', ago(v.createdAt));
    return dl;
  }

  function checksAndThreads(v) {
    const out = el('div', { id: 'pr-details' });
    for (const f of (v.ci && v.ci.failed) || []) {
      out.append(
        el('div', { class: 'check-failure' }, el('a', { href: f.url || null }, 'failed: ' + f.name), f.summary ? el('pre', {}, f.summary) : ''),
      );
    }
    for (const t of (v.review && v.review.threads) || []) {
      out.append(
        el(
          'div',
          { class: 'thread' },
          el('a', { href: t.url }, t.author + (t.path ? ' on ' + t.path + (t.line ? ':' + t.line : '') : '')),
          el('pre', {}, t.body),
        ),
      );
    }
    return out;
  }

  function sessionPage() {
    const v = initial.session;
    const id = v.id;
    const base = '/api/session/' + encodeURIComponent(id);
    const result = el('div', { class: 'outcome', id: 'action-result' });
    const message = el('textarea', { id: 'message', rows: 3, placeholder: 'a message to ' + id });
    async function send(force) {
      const r = await post(base + '/send', { message: message.value, force });
      if (r.ok) message.value = '';
      outcome(result, r.json, r.ok, r.json.kind === 'waiting_for_input' ? [['Send anyway', () => send(true)]] : []);
    }
    async function kill(mode) {
      const r = await post(base + '/kill', { mode });
      const ways =
        r.json.kind === 'unsaved_work'
          ? [
              ['Stop, keep the worktree', () => kill('keep')],
              ['Save to a rescue ref and remove', () => kill('force')],
            ]
          : [];
      outcome(result, r.json, r.ok, ways);
    }
    async function simple(what) {
      const r = await post(base + '/' + what, {});
      outcome(result, r.json, r.ok);
    }
    const actions = el(
      'section',
      { class: 'card', id: 'actions' },
      el('h2', {}, 'Actions'),
      message,
      el('div', {},
        el('button', { type: 'button', id: 'send', onclick: () => send(false) }, 'Send'),
        el('button', { type: 'button', id: 'kill', onclick: () => kill('safe') }, 'Kill'),
        el('button', { type: 'button', id: 'restore', onclick: () => simple('restore') }, 'Restore'),
        el('button', { type: 'button', id: 'merge', onclick: () => simple('merge') }, 'Merge'),
      ),
      result,
    );
    const screen = el('pre', { id: 'screen' }, initial.screen || '(no screen: the session is not running)');
    const header = el('h1', {}, id, ' ', v.role === 'orchestrator' ? el('span', { class: 'label' }, 'orchestrator') : '');
    const info = el('div', { id: 'info' });
    function draw(view) {
      info.replaceChildren(detailRows(view), checksAndThreads(view));
      document.getElementById('merge').disabled = view.status !== 'mergeable';
    }
    main.replaceChildren(
      header,
      el('div', { class: 'cols' },
        el('div', {}, info, actions),
        el('div', {}, el('section', { class: 'card' }, el('h2', {}, 'Screen'), screen)),
      ),
      el('section', { class: 'card' }, el('h2', {}, 'Events'), el('ul', { id: 'feed' })),
    );
    draw(v);
    (initial.events || []).forEach(addEvent);
    sessionDraw = (doc) => {
      for (const p of doc.projects || []) {
        for (const s of p.orchestrators.concat(p.workers)) if (s.id === id) draw(s);
      }
    };
    setInterval(async () => {
      try {
        const r = await fetch(base + '/screen', { credentials: 'same-origin' });
        if (r.ok) screen.textContent = (await r.json()).screen;
      } catch (_) {}
    }, 2000);
  }

  let sessionDraw = () => {};

  function live() {
    const badge = document.getElementById('live');
    const es = new EventSource('/api/stream');
    es.addEventListener('open', () => {
      badge.textContent = 'live';
      badge.className = 'live on';
    });
    es.addEventListener('error', () => {
      badge.textContent = 'reconnecting…';
      badge.className = 'live off';
    });
    es.addEventListener('fleet', (m) => {
      const doc = JSON.parse(m.data);
      if (page === 'fleet') renderFleet(doc);
      else {
        daemonLine(doc);
        sessionDraw(doc);
      }
    });
    es.addEventListener('event', (m) => addEvent(JSON.parse(m.data)));
  }

  if (page === 'session') sessionPage();
  else fleetPage();
  live();
})();
