// Scan throughput: the guest parser over ~200 MB of real console logs (the fixtures,
// concatenated until big enough), against `grep -c panic` over the same bytes in the same
// run, so the ratio means something on any machine. No thresholds: it prints numbers.
//
//   node bench/scan.mjs [MB]        (default 200, or $BENCH_SCAN_MB)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantMB = Number(process.argv[2] ?? process.env.BENCH_SCAN_MB ?? 200);
const tmp = mkdtempSync(join(tmpdir(), 'obsdtui-bench-'));

try {
	// The parser as it ships: bundled by esbuild, not run through tsx.
	const mod = join(tmp, 'guest.mjs');
	await build({ entryPoints: [join(root, 'src', 'guest', 'index.ts')], outfile: mod, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
	const { GuestParser } = await import(pathToFileURL(mod).href);

	const dir = join(root, 'test', 'fixtures', 'openbsd');
	const one = Buffer.concat(readdirSync(dir).sort().map((f) => readFileSync(join(dir, f))));
	const copies = Math.max(1, Math.ceil((wantMB * 1048576) / one.length));
	const data = Buffer.concat(Array(copies).fill(one));
	const mb = data.length / 1048576;
	const file = join(tmp, 'console.log');
	writeFileSync(file, data);

	const scan = () => {
		const p = new GuestParser({ events: false });
		const t0 = process.hrtime.bigint();
		for (let i = 0; i < data.length; i += 1 << 20) p.push(data.subarray(i, i + (1 << 20)), 0);
		p.end();
		const s = p.summary();
		return { sec: Number(process.hrtime.bigint() - t0) / 1e9, crashes: s.crashes.length };
	};
	const grep = () => {
		const t0 = process.hrtime.bigint();
		const r = spawnSync('grep', ['-c', 'panic', file], { encoding: 'utf8' });
		if (r.error) throw r.error;
		return { sec: Number(process.hrtime.bigint() - t0) / 1e9, count: Number(r.stdout.trim()) };
	};
	grep(); // warm the page cache
	scan(); // and the JIT
	const best = (f, n = 3) => Array.from({ length: n }, f).reduce((a, b) => (b.sec < a.sec ? b : a));
	const s = best(scan);
	const g = best(grep);
	const scanRate = mb / s.sec;
	const grepRate = mb / g.sec;
	console.log(`scan: ${mb.toFixed(1)} MB in ${s.sec.toFixed(3)} s = ${scanRate.toFixed(0)} MB/s (${s.crashes} crashes)`);
	console.log(`grep -c panic: ${mb.toFixed(1)} MB in ${g.sec.toFixed(3)} s = ${grepRate.toFixed(0)} MB/s (${g.count} lines)`);
	console.log(`scan/grep ratio: ${(scanRate / grepRate).toFixed(3)}`);
	if (process.env.BENCH_JSON) console.log(JSON.stringify({ bench: 'scan', mb, scanMBps: scanRate, grepMBps: grepRate, ratio: scanRate / grepRate }));
} finally {
	rmSync(tmp, { recursive: true, force: true });
}
