// Start-up: `obsdtui --version` and `obsdtui ls` (a daemon already running, no VMs)
// against `node -e 0` in the same run: what obsdtui adds to Node's own start. Uses
// hyperfine when it is installed (CPU time from it too), else a loop of its own.
// Interleaved runs; the median wall time and the median CPU time (user + system) are
// printed, CPU time being the steadier figure on a shared machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox, BIN } from '../test/helpers/cli.ts';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 30);

function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Figure {
	wall: number; // ms, median
	cpu: number; // ms, median (hyperfine: mean, it keeps no per-run CPU)
}

const box = new Sandbox('otst');
try {
	await box.ok(['ls']); // starts the daemon
	const cases: [label: string, argv: string[]][] = [
		['node -e 0 (baseline)', [process.execPath, '-e', '0']],
		['obsdtui --version', [process.execPath, BIN, '--version']],
		['obsdtui ls', [process.execPath, BIN, 'ls']],
		['obsdtui ls --help', [process.execPath, BIN, 'ls', '--help']],
	];
	const usable = cases.filter(([label, argv]) => {
		const r = spawnSync(argv[0], argv.slice(1), { env: box.env, encoding: 'utf8' });
		if (r.status === 0) return true;
		console.log(`   ${label}: skipped: exits ${r.status} here (${(r.stderr || r.stdout).trim().split('\n')[0]})`);
		return false;
	});
	const figures = new Map<string, Figure>();
	const hyperfine = spawnSync('hyperfine', ['--version']).status === 0;
	if (hyperfine) {
		const tmp = mkdtempSync('/tmp/otst-hf-');
		const json = join(tmp, 'out.json');
		const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
		const r = spawnSync('hyperfine', ['-N', '--style', 'none', '-w', '3', '-r', String(RUNS), '--export-json', json, ...usable.map(([, argv]) => argv.map(q).join(' '))], { env: box.env, stdio: ['ignore', 'ignore', 'inherit'] });
		if (r.status !== 0) throw new Error(`hyperfine exited ${r.status}`);
		const out = JSON.parse(readFileSync(json, 'utf8')) as { results: { median: number; user: number; system: number }[] };
		out.results.forEach((res, i) => figures.set(usable[i][0], { wall: res.median * 1000, cpu: (res.user + res.system) * 1000 }));
		rmSync(tmp, { recursive: true, force: true });
	} else {
		const wall = new Map<string, number[]>(usable.map(([l]) => [l, []]));
		for (let i = 0; i < RUNS; i++) {
			for (const [label, argv] of usable) {
				const t0 = process.hrtime.bigint();
				spawnSync(argv[0], argv.slice(1), { env: box.env, stdio: 'ignore' });
				wall.get(label)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
			}
		}
		for (const [label] of usable) figures.set(label, { wall: median(wall.get(label)!), cpu: NaN });
	}
	const base = figures.get(usable[0][0])!;
	console.log(`   ${RUNS} runs each${hyperfine ? ' (hyperfine; CPU = mean user+sys)' : ' (no hyperfine: wall time only)'}`);
	for (const [label, f] of figures) {
		const cpu = Number.isNaN(f.cpu) ? '' : `  cpu ${f.cpu.toFixed(0).padStart(4)} ms  ratio ${(f.cpu / base.cpu).toFixed(2)}`;
		console.log(`   ${label.padEnd(24)} wall ${f.wall.toFixed(0).padStart(4)} ms  ratio ${(f.wall / base.wall).toFixed(2)}${cpu}`);
	}
} finally {
	box.cleanup();
}
