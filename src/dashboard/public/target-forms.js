// "Add mark" and "Add claim" on the target page. The API token is asked for in a password field and
// kept in sessionStorage (this tab only, gone when it closes); it is sent only as the Authorization
// header of these two writes, never shown, logged or put in a URL. The API validates: the forms do
// not (novalidate), so an error names the field exactly as the API does.

import { formatClock } from './format.js';
import { targetApi } from './target-api.js';

const TOKEN_KEY = 'spacewatch.token';

/** `datetime-local` value (local wall time) → ISO, or undefined when empty. */
function instant(value) {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : value; // the API names a bad one
}

const text = (form, name) => {
  const v = form.elements[name].value.trim();
  return v === '' ? undefined : v;
};

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // storage disabled: the token lives in the field only
  }
}

/**
 * @param deps.id       the target id
 * @param deps.$        (id) => element
 * @param deps.onAdded  (kind: 'mark' | 'claim', view) => void, with the API's answer
 */
export function setupForms({ id, $, onAdded }) {
  const tokenEl = $('token');
  const store = storage();
  tokenEl.value = store?.getItem(TOKEN_KEY) ?? '';
  tokenEl.addEventListener('input', () => {
    if (tokenEl.value) store?.setItem(TOKEN_KEY, tokenEl.value);
    else store?.removeItem(TOKEN_KEY);
  });
  $('token-forget').addEventListener('click', () => {
    tokenEl.value = '';
    store?.removeItem(TOKEN_KEY);
  });

  const claimForm = $('claim-form');
  const syncMetric = () => {
    const isState = claimForm.elements.metric.value === 'state';
    $('claim-value-row').hidden = isState;
    $('claim-state-row').hidden = !isState;
  };
  claimForm.elements.metric.addEventListener('change', syncMetric);
  syncMetric();

  wire($('mark-form'), (form) => {
    const body = { kind: form.elements.kind.value };
    const t = text(form, 'text');
    const at = instant(form.elements.at.value);
    if (t !== undefined) body.text = t;
    if (at !== undefined) body.at = at;
    return targetApi.postMark(id, body, tokenEl.value);
  }, (view) => `Mark added at ${formatClock(Date.parse(view.at))}.`, 'mark', ['text', 'at']);

  wire(claimForm, (form) => {
    const metric = form.elements.metric.value;
    const body = { at: instant(form.elements.at.value) ?? new Date().toISOString(), metric };
    const claimant = text(form, 'claimant');
    if (claimant !== undefined) body.claimant = claimant;
    if (metric === 'state') body.stateValue = form.elements.stateValue.value;
    else {
      const raw = text(form, 'value');
      // The figure as typed, "60,000,000" included; anything else goes as typed for the API to name.
      if (raw !== undefined) body.value = /^[\d,._ ]+$/.test(raw) ? Number(raw.replace(/[,_ ]/g, '')) : raw;
    }
    for (const k of ['quote', 'sourceUrl']) {
      const v = text(form, k);
      if (v !== undefined) body[k] = v;
    }
    return targetApi.postClaim(id, body, tokenEl.value);
  }, (view) => `Claim added: ${view.verdict.label}.`, 'claim', ['value', 'quote', 'sourceUrl', 'at']);

  function wire(form, send, done, kind, clear) {
    const error = form.querySelector('.form-error');
    const ok = form.querySelector('.form-ok');
    const button = form.querySelector('button[type="submit"]');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      ok.hidden = true;
      button.disabled = true;
      try {
        const view = await send(form);
        for (const name of clear) form.elements[name].value = '';
        ok.textContent = done(view);
        ok.hidden = false;
        onAdded(kind, view);
      } catch (err) {
        error.textContent = errorText(err);
        error.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }
}

/** The API's message (it names the field), with what to do about a missing or wrong token. */
function errorText(err) {
  if (err.status === 401) return `${err.message} — enter the API token above.`;
  if (err.status === 403) return `${err.message} — check the API token above.`;
  if (err.status) return err.message;
  return `Cannot reach the API (${err.message}).`;
}
