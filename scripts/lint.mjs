// `npm run lint` (and the start of `npm test`): Biome's linter over the whole tree and its
// formatter in check mode, with biome.json's settings (tabs, single quotes, long lines).
// The formatter skips the files listed in biome.json that predate it, so that adopting it
// did not reformat files other people were editing; format a file and take it off that
// list when you are changing most of it anyway (`npx biome format --write FILE`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const r = spawnSync(process.execPath, [biome, 'check', '--error-on-warnings', '--no-errors-on-unmatched', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
