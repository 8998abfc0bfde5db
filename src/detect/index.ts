import { capacity } from './capacity.js';
import { claimGap } from './claim-gap.js';
import { delay } from './delay.js';
import { drop } from './drop.js';
import { joinFailures } from './join-failures.js';
import { outage } from './outage.js';
import { silence } from './silence.js';
import { stall } from './stall.js';
import { RULES, type Condition, type DetectInput, type Detector, type RuleName } from './types.js';

// The detector registry: one pure function per rule (DESIGN.md "Detection"). Adding a rule means a
// name in RULES, its settings in RuleSettings and DEFAULT_RULES (rules.ts), its override schema in
// RulesConfig, a file here, and a line below; the Record type makes a missing line a compile error.

export const DETECTORS: Readonly<Record<RuleName, Detector>> = Object.freeze({
  delay,
  drop,
  outage,
  join_failures: joinFailures,
  stall,
  silence,
  capacity,
  claim_gap: claimGap,
});

/**
 * The conditions of every enabled rule, in RULES order. A detector that throws is a bug: it is not
 * caught here, so the engine logs it rather than an alert silently going missing.
 */
export function runDetectors(input: DetectInput): Condition[] {
  const out: Condition[] = [];
  for (const rule of RULES) if (input.rules[rule].enabled) out.push(DETECTORS[rule](input));
  return out;
}
