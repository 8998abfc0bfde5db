import assert from 'node:assert/strict';
import { playScenario } from './play-scenario.js';

playScenario({
  file: 'late-start-storm.yaml',
  fired: ['delay', 'join_failures', 'claim_gap'],
  resolved: ['delay', 'join_failures'],
  claims: ['overstated'],
  marks: ['note', 'incident'],
  delaySec: 900,
  said: [/\] FIRING +delay: /, /\] FIRING +claim_gap: claimed 60,000,000 listeners/, /\] resolved delay: on air/],
  also({ claims: [claim] }) {
    // "60 million listening" against about 1.15 million measured.
    assert.ok(claim.verdict.ratio > 30 && claim.verdict.measured > 900_000, claim.verdict.reason);
  },
});
