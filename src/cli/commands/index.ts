import type { Command } from '../command.js';
import { benchCommand } from './bench.js';
import { classifyCommand } from './classify.js';
import { datasetInspectCommand } from './datasetInspect.js';
import { forwardCommand } from './forward.js';
import { trainCommand } from './train.js';

export const commands: Command[] = [trainCommand, classifyCommand, forwardCommand, datasetInspectCommand, benchCommand];
