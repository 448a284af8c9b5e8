#!/usr/bin/env node
// Entry point. Runs the esbuild bundle when it exists (fast start); otherwise the
// TypeScript sources through tsx (a development checkout before `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
	process.stderr.write(`obsdtui: Node ${process.versions.node} is too old; Node 22 or newer is required\n`);
	process.exit(1);
}
const bundle = join(root, 'dist', 'obsdtui.mjs');
if (existsSync(bundle) && !process.env.OBSDTUI_FROM_SOURCE) {
	await import(pathToFileURL(bundle).href);
} else {
	const { register } = await import('tsx/esm/api');
	register();
	await import(pathToFileURL(join(root, 'src', 'main.ts')).href);
}
