// Build dist/obsdtui.mjs: an esbuild bundle, so `obsdtui` starts in a fraction of the time
// it takes unbundled. Native modules (node-pty) stay external. Code splitting puts each
// command (src/cli/index.ts imports them lazily) and what only it needs into chunks of
// its own (dist/chunk-*.mjs), so `obsdtui ls` does not load the TUI's ink and react.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// string-width builds an Intl.Segmenter and Unicode-property regular expressions (emoji
// sets) as soon as it is loaded: about 50 ms, most of Node's own start-up again. yargs
// loads it on every run and measures its help text even when it runs a command. This
// plugin hands every importer a stand-in that answers for printable ASCII itself (as
// string-width does: one column per character) and loads the real module, the version
// that importer would get, on the first other string; esbuild turns that require() into
// a lazy init inside the bundle.
const lazyStringWidth = {
	name: 'lazy-string-width',
	setup(b) {
		b.onResolve({ filter: /^string-width$/ }, async (args) => {
			if (args.pluginData === 'real') return undefined; // our own b.resolve() below
			const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'real' });
			if (real.errors.length) return { errors: real.errors };
			return { path: real.path, namespace: 'lazy-string-width' };
		});
		b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
			contents: [
				'let real;',
				'export default function stringWidth(string, options) {',
				"\tif (typeof string === 'string' && /^[\\u0020-\\u007E]*$/.test(string)) return string.length;",
				`\treal ??= require(${JSON.stringify(args.path)}).default;`,
				'\treturn real(string, options);',
				'}',
			].join('\n'),
			resolveDir: dirname(args.path),
			loader: 'js',
		}));
	},
};

const dist = join(root, 'dist');
// Chunk names carry a content hash: drop the previous build's so they do not pile up.
for (const f of (() => {
	try {
		return readdirSync(dist);
	} catch {
		return [];
	}
})()) {
	if (/^chunk-.*\.mjs$/.test(f)) rmSync(join(dist, f));
}
await build({
	entryPoints: { obsdtui: join(root, 'src', 'main.ts') },
	outdir: dist,
	outExtension: { '.js': '.mjs' },
	entryNames: '[name]',
	chunkNames: 'chunk-[hash]',
	splitting: true,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node22',
	external: ['node-pty'],
	alias: { 'react-devtools-core': join(root, 'scripts', 'devtools-stub.mjs') },
	define: { 'process.env.NODE_ENV': '"production"' },
	banner: { js: "import { createRequire as __obsdtuiCreateRequire } from 'node:module'; const require = __obsdtuiCreateRequire(import.meta.url);" },
	plugins: [lazyStringWidth],
	logLevel: 'warning',
	legalComments: 'none',
});
