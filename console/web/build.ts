/**
 * Builds the console's front-end into dist/console/web/: type-checks console/web (its own tsconfig: DOM lib,
 * Preact JSX) so a type error fails the build, bundles app/main.tsx with esbuild (one ES module and one CSS
 * file, content-hashed, no CDN, no web fonts) into assets/, and writes index.html pointing at them.
 *
 *   node console/web/build.ts [--no-typecheck] [--out DIR]
 *
 * Run by `npm run build`, test/run-tier.sh, test/run-all.sh and bin/kubelab after tsc. `kubelab console`
 * (console/server/) serves index.html for `/` and the bundle under `/assets/`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** The checkout's root, from this file in console/web/ (source) or dist/console/web/ (compiled). */
function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = resolve(here, '..', '..');
  return basename(up) === 'dist' ? dirname(up) : up;
}

export interface BuildOptions {
  root?: string;
  outDir?: string;
  typecheck?: boolean;
}

export interface BuildResult {
  outDir: string;
  /** Paths under outDir: index.html and the assets. */
  files: string[];
}

export async function buildConsoleWeb(opts: BuildOptions = {}): Promise<BuildResult> {
  const root = opts.root ?? projectRoot();
  const src = join(root, 'console', 'web');
  const outDir = opts.outDir ?? join(root, 'dist', 'console', 'web');
  if (opts.typecheck !== false) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', join(src, 'tsconfig.json')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('console/web: type check failed');
  }
  const assets = join(outDir, 'assets');
  rmSync(assets, { recursive: true, force: true });
  rmSync(join(outDir, 'index.html'), { force: true });
  mkdirSync(assets, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(src, 'app', 'main.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  let js = '';
  let css = '';
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === undefined) continue;
    js = out;
    if (meta.cssBundle) css = meta.cssBundle;
  }
  if (!js) throw new Error('console/web: esbuild produced no entry bundle');
  const href = (p: string) => `/assets/${relative(assets, resolve(root, p)).split('\\').join('/')}`;
  const template = readFileSync(join(src, 'index.html'), 'utf8');
  const html = template
    .replace('<!--styles-->', css ? `<link rel="stylesheet" href="${href(css)}">` : '')
    .replace('<!--script-->', `<script type="module" src="${href(js)}"></script>`);
  writeFileSync(join(outDir, 'index.html'), html);
  const files = ['index.html', ...Object.keys(result.metafile.outputs).map((p) => relative(outDir, resolve(root, p)))];
  return { outDir, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const started = Date.now();
  buildConsoleWeb({
    typecheck: !args.includes('--no-typecheck'),
    ...(outAt >= 0 && args[outAt + 1] ? { outDir: resolve(args[outAt + 1] as string) } : {}),
  }).then(
    (r) => console.error(`console/web: built ${r.files.length} files into ${relative(process.cwd(), r.outDir) || '.'} in ${Date.now() - started} ms`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
