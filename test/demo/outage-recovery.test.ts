import { playScenario } from './play-scenario.js';

playScenario({
  file: 'outage-recovery.yaml',
  fired: ['drop', 'outage', 'join_failures'],
  resolved: ['drop', 'outage', 'join_failures'],
  claims: ['consistent'],
  marks: ['incident', 'incident', 'note'],
  delaySec: -30,
  said: [/\] FIRING +outage: /, /\] resolved outage: /],
});
