// What keeps a page current: refresh timers and live feeds, all registered here so that the end
// of a session (sign-out, an expired session, a revoked key) stops every one of them at once,
// and a refresh that fails says so on the page instead of leaving old data looking current.
import { ApiError, el, when } from './lib.js';

const running = new Set();

/** Registers something to stop when the page is left or the session ends; returns its stopper. */
export function track(stop) {
  const once = () => {
    if (!running.delete(once)) return;
    stop();
  };
  running.add(once);
  return once;
}

/** Stops every timer and closes every feed that is still registered. */
export function stopAll() {
  for (const stop of [...running]) {
    try {
      stop();
    } catch {
      // Already stopped.
    }
  }
}

/** A line that says when the page's data was last refreshed, and whether the last try failed. */
export function staleNotice() {
  const p = el('p', { class: 'stale', role: 'alert', hidden: true });
  p.ok = () => {
    p.hidden = true;
    p.textContent = '';
    p.last = new Date().toISOString();
  };
  p.failed = (err) => {
    p.hidden = false;
    p.textContent = `Could not refresh at ${when(new Date().toISOString())}: ${err.message}. What is shown is from ${p.last ? when(p.last) : 'the first load'} and may be out of date.`;
  };
  return p;
}

/** Runs `work` every `ms`; a failure shows on `stale` (a 401 ends the session instead, see app.js). */
export function every(ms, work, stale) {
  stale.last = new Date().toISOString();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await work();
      stale.ok();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) stale.failed(err);
    } finally {
      busy = false;
    }
  }, ms);
  return track(() => clearInterval(timer));
}
