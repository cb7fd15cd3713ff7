// The labelling page's client of the agent's API (../shared/CLI.md, "Labelling in the browser"):
// same-origin JSON requests that never throw for an HTTP error, so the page can say what went wrong.

/** A JSON request: {status, ok, body} (body null when the answer is not JSON). */
export async function api(path, opts = {}) {
  const res = await fetch(path, { ...opts, headers: opts.body ? { 'content-type': 'application/json' } : {} });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { status: res.status, ok: res.ok, body };
}

/** A screenshot's file name as one path segment. */
export const enc = (file) => encodeURIComponent(file);

export const listScreenshots = () => api('/api/screenshots');
export const listLabels = () => api('/api/labels');
export const readLabels = (file) => api(`/api/screenshots/${enc(file)}/labels`);
export const saveLabels = (file, body) => api(`/api/screenshots/${enc(file)}/labels`, { method: 'PUT', body: JSON.stringify(body) });
export const imageUrl = (file) => `/api/screenshots/${enc(file)}`;
export const retrainStatus = () => api('/api/retrain');
export const startRetrain = () => api('/api/retrain', { method: 'POST' });
