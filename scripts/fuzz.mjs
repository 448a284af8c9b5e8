// Fuzzing (docs/fuzzing.md). `npm run fuzz` builds the C fuzz targets in native/fuzz/ with
// clang's libFuzzer, AddressSanitizer and UBSan, then runs each of them and each TypeScript
// fuzz test (test/fuzz/) for a while: OBSDTUI_FUZZ_MINUTES (default 5) per target.
//
//	node scripts/fuzz.mjs build            build the C targets into native/fuzz/build/
//	node scripts/fuzz.mjs [run] [NAME...]  long runs; NAME is a C target (wire, conn,
//	                                       source) or a test/fuzz/NAME.test.ts file
//
// A long C run grows native/fuzz/build/corpus-NAME/ (not committed) from the seeds in
// native/fuzz/corpus/NAME/, and writes a crashing input to native/fuzz/crashes/NAME/: fix
// the bug, then move the input into native/fuzz/corpus/NAME/, where `npm test` replays it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fuzzdir = join(root, 'native', 'fuzz');
const qemudir = join(root, 'native', 'qemu');
export const buildDir = join(fuzzdir, 'build');

// Each target and the helper sources it links (wire.c is #included by its target);
const helperSources = ['buf.c', 'conn.c', 'log.c', 'observe.c', 'source.c', 'wire.c'].map((f) => join(qemudir, f));
export const targets = {
	// bounded: the runs of `npm test` (test/fuzz/native.test.ts), a few seconds each here.
	wire: { sources: [], maxLen: 70000, bounded: 20000 },
	conn: { sources: helperSources, maxLen: 65536, bounded: 10000 },
	source: { sources: helperSources, maxLen: 200000, bounded: 3000 },
};

const flags = ['-g', '-O1', '-Wall', '-Wextra', '-Werror', '-fno-omit-frame-pointer', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all'];

/** Why the C targets cannot be built here, or null when clang with libFuzzer works. */
export function unavailable() {
	const cc = process.env.FUZZ_CC ?? 'clang';
	const v = spawnSync(cc, ['--version'], { encoding: 'utf8' });
	if (v.status !== 0) return `${cc} not found (install clang and libclang-rt-14-dev)`;
	mkdirSync(buildDir, { recursive: true });
	const probe = join(buildDir, 'probe');
	const r = spawnSync(cc, ['-fsanitize=fuzzer,address,undefined', '-x', 'c', '-o', probe, '-'], {
		input: 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n',
		encoding: 'utf8',
	});
	if (r.status !== 0) return `${cc} cannot link libFuzzer with ASan and UBSan (install libclang-rt-14-dev): ${r.stderr.trim().split('\n')[0]}`;
	return null;
}

function mtime(p) {
	return statSync(p).mtimeMs;
}

/** Build every C target (only what changed); returns the binaries by name. Throws on failure. */
export function build() {
	const cc = process.env.FUZZ_CC ?? 'clang';
	mkdirSync(buildDir, { recursive: true });
	const common = [join(fuzzdir, 'fuzz.c'), join(fuzzdir, 'fuzz.h'), join(qemudir, 'helper.h'), join(qemudir, 'wire.h'), join(qemudir, 'wire.c'), fileURLToPath(import.meta.url)];
	const out = {};
	for (const [name, t] of Object.entries(targets)) {
		const bin = join(buildDir, `fuzz_${name}`);
		const main = join(fuzzdir, `fuzz_${name}.c`);
		const inputs = [main, ...common, ...t.sources];
		if (!existsSync(bin) || inputs.some((f) => mtime(f) > mtime(bin))) {
			const args = [...flags, '-o', bin, main, join(fuzzdir, 'fuzz.c'), ...t.sources, ...(process.platform === 'darwin' ? [] : ['-lutil'])];
			const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
			if (r.status !== 0) throw new Error(`building fuzz_${name} failed: ${cc} ${args.join(' ')}`);
		}
		out[name] = bin;
	}
	return out;
}

/**
 * The arguments of a libFuzzer run of target `name`: new inputs go to `work` (the first
 * corpus directory), never to the committed seeds, which come second; crashes go to `crashes`.
 */
export function fuzzerArgs(name, work, crashes, extra) {
	return [`-max_len=${targets[name].maxLen}`, '-timeout=30', '-rss_limit_mb=2048', `-artifact_prefix=${crashes}/`, ...extra, work, join(fuzzdir, 'corpus', name)];
}

function longRun(names, minutes) {
	const bins = build();
	let failed = 0;
	for (const name of names) {
		const work = join(buildDir, `corpus-${name}`);
		const crashes = join(fuzzdir, 'crashes', name);
		mkdirSync(work, { recursive: true });
		mkdirSync(crashes, { recursive: true });
		console.error(`fuzz: ${name} for ${minutes} min (crashes go to ${crashes}/)`);
		const r = spawnSync(bins[name], fuzzerArgs(name, work, crashes, [`-max_total_time=${Math.round(minutes * 60)}`, '-print_final_stats=1']), { stdio: 'inherit' });
		if (r.status !== 0) failed++;
	}
	return failed;
}

function tsRun(files, minutes) {
	const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
		cwd: root,
		stdio: 'inherit',
		env: { ...process.env, OBSDTUI_FUZZ_SECONDS: String(Math.round(minutes * 60)) },
	});
	return r.status === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const args = process.argv.slice(2);
	if (args[0] === 'build') {
		const why = unavailable();
		if (why) {
			console.error(`fuzz: ${why}`);
			process.exit(1);
		}
		build();
		process.exit(0);
	}
	if (args[0] === 'run') args.shift();
	const minutes = Number(process.env.OBSDTUI_FUZZ_MINUTES ?? 5);
	if (!(minutes > 0)) {
		console.error(`fuzz: OBSDTUI_FUZZ_MINUTES=${process.env.OBSDTUI_FUZZ_MINUTES} is not a positive number`);
		process.exit(1);
	}
	const tsAll = readdirSync(join(root, 'test', 'fuzz'))
		.filter((f) => f.endsWith('.test.ts'))
		.sort();
	const cNames = args.length ? args.filter((a) => a in targets) : Object.keys(targets);
	const tsFiles = (args.length ? tsAll.filter((f) => args.includes(basename(f, '.test.ts'))) : tsAll.filter((f) => f !== 'native.test.ts')).map((f) => join('test', 'fuzz', f));
	const unknown = args.filter((a) => !(a in targets) && !tsAll.includes(`${a}.test.ts`));
	if (unknown.length) {
		console.error(`fuzz: no target ${unknown.join(', ')} (C: ${Object.keys(targets).join(', ')}; TS: ${tsAll.map((f) => basename(f, '.test.ts')).join(', ')})`);
		process.exit(1);
	}
	let failed = 0;
	if (cNames.length) {
		const why = unavailable();
		if (why) {
			console.error(`fuzz: ${why}`);
			process.exit(1);
		}
		failed += longRun(cNames, minutes);
	}
	if (tsFiles.length) failed += tsRun(tsFiles, minutes);
	process.exit(failed ? 1 : 0);
}
