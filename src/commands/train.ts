// `toonvision` commands of this area: not implemented yet.
import type { Command } from 'commander';

export function register(_program: Command): void {}
