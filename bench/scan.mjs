// Scan throughput: the guest parser over ~200 MB of real console logs (the fixtures,
// concatenated until big enough), against `grep -c panic` over the same bytes in the same
// run, so the ratio means something on any machine. No thresholds: it prints numbers.
// The median of several runs is the number to compare; CPU time is printed too because it
// moves less than wall time when other processes share the machine.
//
//   node bench/scan.mjs [MB] [runs]   (default 200 MB or $BENCH_SCAN_MB, 5 runs)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantMB = Number(process.argv[2] ?? process.env.BENCH_SCAN_MB ?? 200);
const runs = Math.max(1, Number(process.argv[3] ?? 5));
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
		const c0 = process.cpuUsage();
		for (let i = 0; i < data.length; i += 1 << 20) p.push(data.subarray(i, i + (1 << 20)), 0);
		p.end();
		const s = p.summary();
		const c = process.cpuUsage(c0);
		return { sec: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6, crashes: s.crashes.length };
	};
	// grep's CPU time: the children's times of this process (Linux /proc), in clock ticks.
	const childTicks = () => {
		try {
			const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
			return Number(f[13]) + Number(f[14]); // cutime, cstime
		} catch {
			return NaN;
		}
	};
	const grep = () => {
		const t0 = process.hrtime.bigint();
		const k0 = childTicks();
		const r = spawnSync('grep', ['-c', 'panic', file], { encoding: 'utf8' });
		if (r.error) throw r.error;
		return { sec: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (childTicks() - k0) / 100, count: Number(r.stdout.trim()) };
	};
	grep(); // warm the page cache
	scan(); // and the JIT
	const median = (xs) => {
		const v = [...xs].sort((a, b) => a - b);
		return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
	};
	const scans = Array.from({ length: runs }, scan);
	const greps = Array.from({ length: runs }, grep);
	const scanRate = mb / median(scans.map((r) => r.sec));
	const scanCpuRate = mb / median(scans.map((r) => r.cpu));
	const grepRate = mb / median(greps.map((r) => r.sec));
	const grepCpuRate = mb / median(greps.map((r) => r.cpu));
	const all = scans.map((r) => (mb / r.sec).toFixed(0)).join(' ');
	console.log(`scan: ${mb.toFixed(1)} MB, median of ${runs}: ${scanRate.toFixed(0)} MB/s wall, ${scanCpuRate.toFixed(0)} MB/s CPU (each run: ${all}; ${scans[0].crashes} crashes)`);
	console.log(`grep -c panic: ${mb.toFixed(1)} MB, median of ${runs}: ${grepRate.toFixed(0)} MB/s wall, ${Number.isFinite(grepCpuRate) ? grepCpuRate.toFixed(0) : '?'} MB/s CPU (${greps[0].count} lines)`);
	console.log(`scan/grep ratio: ${(scanRate / grepRate).toFixed(3)} wall, ${(scanCpuRate / grepCpuRate).toFixed(3)} CPU (CPU moves less on a shared machine)`);
	if (process.env.BENCH_JSON) {
		console.log(JSON.stringify({ bench: 'scan', mb, runs, scanMBps: scanRate, scanCpuMBps: scanCpuRate, grepMBps: grepRate, ratio: scanRate / grepRate, grepCpuMBps: grepCpuRate, cpuRatio: scanCpuRate / grepCpuRate }));
	}
} finally {
	rmSync(tmp, { recursive: true, force: true });
}
