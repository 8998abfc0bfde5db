import type { Command } from 'commander';

// Placeholder: `spacewatch demo [scenario]` is being built (issue 6).
export function registerDemo(_program: Command): void {}
