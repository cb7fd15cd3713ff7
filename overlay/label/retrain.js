// The labelling page's retrain panel: the button that starts `toonvision retrain` on the agent
// (POST /api/retrain), its progress while it runs (polled from GET /api/retrain, the job's status
// built from retrain's JSON progress events) and the result per task: new and installed figures,
// installed or kept.
import { retrainStatus, startRetrain } from './api.js';

const $ = (id) => document.getElementById(id);

/** A model's test figures as one short text: accuracy, or the detector's AP. */
export function figures(f) {
  if (!f) return 'none';
  if ('anyAP50' in f) return `AP ${f.anyAP50.toFixed(3)}${f.crossValidated ? ' (cross-validated)' : ''}`;
  return `${(f.accuracy * 100).toFixed(1)}%`;
}

/** The status line of a retrain status (GET /api/retrain). */
export function statusText(s) {
  if (s.state === 'running') {
    const parts = [`Retraining${s.task ? ` ${s.task}` : s.phase === 'synthetic' ? ': making synthetic scenes' : ': extracting and splitting'}`];
    if (s.epoch) parts.push(`epoch ${s.epoch}/${s.epochs}${s.step ? ` (batch ${s.step}/${s.total})` : ''}`);
    if (s.secondsLeft !== undefined) parts.push(`about ${s.secondsLeft} s left for this task`);
    parts.push(`${Math.round(s.elapsedSeconds ?? 0)} s so far`);
    return parts.join(' · ');
  }
  if (s.state === 'done') {
    const x = s.result?.extract;
    const used = x ? ` It used ${x.screenshots} new screenshot${x.screenshots === 1 ? '' : 's'} (${x.crops} crops)${x.errors?.length ? `; ${x.errors.length} not used (first: ${x.errors[0].reason})` : ''}.` : '';
    return `Retrain finished in ${Math.round(s.elapsedSeconds ?? 0)} s.${used} The agent uses the installed models at once.`;
  }
  if (s.state === 'failed') return `Retrain failed: ${s.error}`;
  return 'Retrain learns from your labelled screenshots (they move to raw/processed) in addition to what the models know, and installs a model only when it does better on your screenshots it had not seen.';
}

function render(s) {
  $('retrain-btn').disabled = s.state === 'running';
  const el = $('retrain-status');
  el.dataset.state = s.state;
  el.textContent = statusText(s);
  const tasks = s.result?.tasks ?? [];
  $('retrain-result').hidden = tasks.length === 0;
  $('retrain-result').tBodies[0].replaceChildren(
    ...tasks.flatMap((t) => {
      const tr = document.createElement('tr');
      tr.dataset.task = t.task;
      for (const text of [t.task, figures(t.new), figures(t.old), t.installed ? 'installed' : 'kept']) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.title = t.reason;
      // What the task learnt from the player's screenshots, and why it was installed or kept, in words.
      const said = document.createElement('tr');
      said.dataset.message = t.task;
      const td = document.createElement('td');
      td.colSpan = 4;
      td.textContent = t.message ?? t.reason;
      said.append(td);
      return [tr, said];
    }),
  );
  $('retrain-log').textContent = (s.log ?? []).join('\n');
}

/**
 * Wires the panel. `isDirty()` says whether the open screenshot has unsaved changes (retrain would not
 * see them), `banner(text)` shows a problem, `afterRetrain()` runs once a retrain started here has
 * finished (it moved the screenshots it used). Returns `poll`, which reads the status once and keeps
 * polling while a retrain runs.
 */
export function initRetrain({ isDirty, banner, afterRetrain }) {
  let timer = 0;
  // The finish time of the last run seen: undefined until this page starts or sees one start.
  let lastRetrain;

  async function poll() {
    clearTimeout(timer);
    const r = await retrainStatus();
    if (!r.ok) {
      $('retrain').hidden = r.status === 404;
      return;
    }
    render(r.body);
    if (r.body.state === 'running') timer = setTimeout(poll, 500);
    else if (r.body.finishedAt && r.body.finishedAt !== lastRetrain) {
      if (lastRetrain !== undefined) void afterRetrain();
      lastRetrain = r.body.finishedAt;
    }
  }

  $('retrain-btn').addEventListener('click', async () => {
    if (isDirty() && !window.confirm('This screenshot has unsaved changes, which retrain would not see. Retrain anyway?')) return;
    const r = await startRetrain();
    if (!r.ok) banner(`Retrain not started: ${r.body?.error ?? r.status}`);
    lastRetrain ??= null;
    void poll();
  });

  return { poll };
}
