import type { Condition } from '../detect/types.js';
import type { Alert, Transition } from './types.js';

export interface LifecycleSettings {
  /** The condition must stay active this long before the alert fires (pending meanwhile). */
  forMs: number;
  /**
   * Hysteresis: a firing alert resolves only after the condition has stayed inactive this long, so a
   * value hovering at the threshold does not flap between firing and resolved.
   */
  clearForMs: number;
}

export interface Step {
  /** The alert after this step; undefined when there is none (never was, or a pending one cleared). */
  alert: Alert | undefined;
  transition?: Transition;
}

/**
 * One evaluation of one (target, rule): pending → firing after `for` → resolved after `clearFor`.
 * Pure: the same inputs give the same step. A pending alert whose condition clears before `for`
 * resolves without ever having fired (firedAt absent) — notifiers only hear of firing and resolved.
 */
export function step(prev: Alert | undefined, cond: Condition, targetId: string, now: number, s: LifecycleSettings): Step {
  const open = prev && prev.state !== 'resolved' ? prev : undefined;
  if (!open) {
    if (!cond.active) return { alert: prev };
    const pending: Alert = { targetId, rule: cond.rule, state: 'pending', activeAt: now, condition: cond };
    if (s.forMs <= 0) return fire(pending, 'inactive', cond, now);
    return { alert: pending, transition: { alert: pending, from: 'inactive', to: 'pending' } };
  }
  if (open.state === 'pending') {
    if (!cond.active) return resolve(open, cond, now);
    if (now - open.activeAt >= s.forMs) return fire(open, 'pending', cond, now);
    return { alert: { ...open, condition: cond } };
  }
  // firing
  if (cond.active) {
    const { inactiveSince: _cleared, ...still } = open;
    return { alert: { ...still, condition: cond } };
  }
  const inactiveSince = open.inactiveSince ?? now;
  if (now - inactiveSince >= s.clearForMs) return resolve(open, cond, now);
  return { alert: { ...open, inactiveSince } };
}

function fire(alert: Alert, from: Transition['from'], cond: Condition, now: number): Step {
  const firing: Alert = { ...alert, state: 'firing', firedAt: now, condition: cond };
  return { alert: firing, transition: { alert: firing, from, to: 'firing' } };
}

function resolve(alert: Alert, cond: Condition, now: number): Step {
  const { inactiveSince: _gone, ...rest } = alert;
  const resolved: Alert = { ...rest, state: 'resolved', resolvedAt: now, condition: cond };
  return { alert: resolved, transition: { alert: resolved, from: alert.state, to: 'resolved' } };
}

/**
 * The target itself is gone (deleted): an open alert resolves at once, whatever its condition —
 * there is nothing left to watch, and a receiver such as Alertmanager must not keep it firing until
 * its own timeout. A pending one resolves without having fired, as when its condition clears.
 */
export function withdraw(prev: Alert | undefined, now: number): Step {
  if (!prev || prev.state === 'resolved') return { alert: prev };
  const cond: Condition = { ...prev.condition, active: false, summary: `target deleted (was: ${prev.condition.summary})` };
  return resolve(prev, cond, now);
}

