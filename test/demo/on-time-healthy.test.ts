import { playScenario } from './play-scenario.js';

playScenario({
  file: 'on-time-healthy.yaml',
  fired: [],
  resolved: [],
  claims: ['consistent', 'unverifiable'],
  marks: ['program-start', 'note', 'program-end'],
  delaySec: -60,
  said: [/\[4:00\] scenario: scheduled → live/, /claim by @communityhost: 9,000 listeners/],
});
