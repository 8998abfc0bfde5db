import type { Command } from 'commander';

// Placeholder: `spacewatch import <file>` is being built (issue 5).
export function registerImport(_program: Command): void {}
