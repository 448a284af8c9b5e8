// `npm run lint` (CI runs it): Biome's linter over the whole tree and its formatter in
// check mode, with biome.json's settings (tabs, single quotes, lines up to 200 columns);
// a warning fails it too. `npm test` runs only the linter, and fails only on its errors.
//
// The formatter checks only the files listed in biome.json's formatter.includes: the ones
// that already agreed with it when it was adopted, so that adopting it reformatted nothing
// that other people were editing. Add a file there once it is formatted
// (`npx biome format --write FILE`), for instance when you are rewriting most of it anyway.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const r = spawnSync(process.execPath, [biome, 'check', '--error-on-warnings', '--no-errors-on-unmatched', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
