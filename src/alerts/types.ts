import type { Condition, RuleName } from '../detect/types.js';

export type AlertState = 'pending' | 'firing' | 'resolved';

/** An alert: one (target, rule) pair; deduplicated by that key. */
export interface Alert {
  targetId: string;
  rule: RuleName;
  state: AlertState;
  /** When the condition first became active in this episode (pending since). */
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  /** While firing: when the condition last went inactive (hysteresis: it must stay so for clearForMs). */
  inactiveSince?: number;
  /** The condition that caused the latest transition (values, threshold, summary). */
  condition: Condition;
}

/** A lifecycle transition, written to the target's event stream as `alert-<state>` with the condition's values. */
export interface Transition {
  alert: Alert;
  from: AlertState | 'inactive';
  to: AlertState;
}
