// Every CLI command, one file each. Keep this list in the order `obsdtui --help` shows.
import type { CommandModule } from 'yargs';

export const commands: CommandModule[] = [];
