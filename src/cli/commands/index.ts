import type { Command } from '../command.js';
import { datasetInspectCommand } from './datasetInspect.js';

export const commands: Command[] = [datasetInspectCommand];
