#!/usr/bin/env node
// Entry point. Runs the esbuild bundle when it exists (fast start); otherwise the
// TypeScript sources through tsx (a development checkout before `npm run build`).
// On a Node older than 22 it runs itself again with the Node that `npm install` put in the
// user's cache (scripts/node-runtime.mjs).
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { reexecIfTooOld } = await import(pathToFileURL(join(root, 'scripts', 'node-runtime.mjs')).href);
await reexecIfTooOld();
// Cache V8's compiled code between runs (Node >= 22.1; in the OS temporary dir by default,
// or $NODE_COMPILE_CACHE): starting then costs little more than Node itself.
module.enableCompileCache?.();
const bundle = join(root, 'dist', 'obsdtui.mjs');
if (existsSync(bundle) && !process.env.OBSDTUI_FROM_SOURCE) {
	await import(pathToFileURL(bundle).href);
} else {
	const { register } = await import('tsx/esm/api');
	register();
	await import(pathToFileURL(join(root, 'src', 'main.ts')).href);
}
