/**
 * Where a project made by `skytask init` gets skytask: `--skytask` names a tarball path, a
 * git URL or a version (the only form that asks the npm registry); without it, the running
 * copy of skytask is packed into the project's `vendor/`. Either way the project's
 * package.json gets a dependency spec npm understands, and nothing is fetched here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What init could not do; `usage` when the command line is what must change (exit 2). */
export class InitError extends Error {
  constructor(
    message: string,
    readonly usage: boolean,
  ) {
    super(message);
    this.name = 'InitError';
  }
}

/** Where skytask comes from, as `--skytask` said (or did not). */
export type SkytaskSource =
  /** No --skytask: the running copy, packed into vendor/. */
  | { kind: 'vendor' }
  /** A tarball on this machine, copied into vendor/. */
  | { kind: 'tarball'; path: string }
  /** A git URL (git+https://…, git+ssh://…, git+file://…, github:owner/repo…), as npm installs it. */
  | { kind: 'git'; spec: string }
  /** A tarball on the web (https://…/skytask-0.1.0.tgz). */
  | { kind: 'url'; spec: string }
  /** A version or a range: from the npm registry. */
  | { kind: 'version'; spec: string };

const GIT = [
  /^git\+(https?|ssh|file):\/\//i,
  /^git:\/\//i,
  /^(github|gitlab|bitbucket|gist):/i,
  /^[\w.-]+@[\w.-]+:[^/]/, // git@github.com:owner/repo.git
];
/** An https URL of a repository: npm would read it as a tarball URL unless it says git+. */
const GIT_HTTPS = /^https?:\/\/[^#]+\.git(#.*)?$/i;
const TARBALL_URL = /^https?:\/\/[^#?]+\.(tgz|tar\.gz)([?#].*)?$/i;
const VERSION = /^[~^]?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const TARBALL_FILE = /\.(tgz|tar\.gz)$/i;

const FORMS = 'a tarball path (./skytask-0.1.0.tgz), a git URL (git+https://…, github:owner/repo) or a version (0.1.0)';

/** Whether a file starts with gzip's magic bytes (1f 8b). */
function isGzip(path: string): boolean {
  const head = readFileSync(path).subarray(0, 2);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Read `--skytask` (relative paths from `cwd`). Throws a usage InitError for what it cannot read. */
export function parseSource(spec: string | undefined, cwd: string): SkytaskSource {
  if (spec === undefined) return { kind: 'vendor' };
  const value = spec.trim();
  if (value === '') throw new InitError(`--skytask is empty: give ${FORMS}`, true);
  if (GIT.some((re) => re.test(value))) return { kind: 'git', spec: value };
  if (GIT_HTTPS.test(value)) return { kind: 'git', spec: `git+${value}` };
  if (TARBALL_URL.test(value)) return { kind: 'url', spec: value };
  if (VERSION.test(value)) return { kind: 'version', spec: value };
  const path = resolve(cwd, value.replace(/^file:/, ''));
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InitError(
      `--skytask ${spec} is a directory: pack it first (npm pack in it) and pass the tarball it writes`,
      true,
    );
  }
  if (existsSync(path)) {
    // npm pack writes gzip: a file that does not start with its magic bytes is no tarball.
    if (!isGzip(path)) throw new InitError(`--skytask ${spec}: not a tarball (npm pack writes a .tgz)`, true);
    return { kind: 'tarball', path };
  }
  if (TARBALL_FILE.test(value)) throw new InitError(`--skytask ${spec}: no such tarball (${path})`, true);
  throw new InitError(`--skytask ${spec}: not ${FORMS}`, true);
}

/** The skytask package this code belongs to: the nearest package.json named skytask above it. */
export function runningPackageRoot(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === 'skytask') return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json of skytask above ${from}`);
  }
}

/**
 * Pack the skytask package at `root` into `vendorDir` (`npm pack --ignore-scripts`: an
 * installed copy has its dist/ already, and nothing must be built); the tarball's name.
 * A development checkout (its TypeScript sources are there, as bin/skytask.js tells them)
 * is refused: its dist/ may be missing or older than the sources, and it is not rebuilt here.
 */
export function packRunningCopy(root: string, vendorDir: string): string {
  const checkout = existsSync(join(root, 'local', 'cli.ts'));
  if (checkout || !existsSync(join(root, 'dist'))) {
    const what = checkout ? 'a development checkout' : 'a copy without dist/';
    throw new InitError(
      `this skytask (${root}) is ${what}: it cannot copy itself into the project. ` +
        `Pass --skytask: ${FORMS}. In a checkout, npm pack writes the tarball`,
      true,
    );
  }
  mkdirSync(vendorDir, { recursive: true });
  // The directory as the spec: npm packs that package whatever the enclosing project is.
  const npm = spawnSync('npm', ['pack', root, '--ignore-scripts', '--json', '--pack-destination', vendorDir], {
    cwd: vendorDir,
    encoding: 'utf8',
  });
  if (npm.error || npm.status !== 0) {
    const why = npm.error?.message ?? npm.stderr.trim().split('\n').slice(-5).join('\n');
    throw new InitError(`npm pack of ${root} failed: ${why}`, false);
  }
  const [info] = JSON.parse(npm.stdout.slice(npm.stdout.indexOf('['))) as { filename: string }[];
  return basename(info.filename);
}

/**
 * Put skytask where the project's package.json will say: the dependency spec, and how to
 * say where it came from. Tarballs (the running copy's, or one given) go to `vendor/`.
 */
export function provideSkytask(
  source: SkytaskSource,
  projectDir: string,
  packageRoot: string,
): { spec: string; from: string } {
  const vendorDir = join(projectDir, 'vendor');
  switch (source.kind) {
    case 'vendor': {
      const file = packRunningCopy(packageRoot, vendorDir);
      return { spec: `file:vendor/${file}`, from: `a copy of the running skytask (${packageRoot})` };
    }
    case 'tarball': {
      mkdirSync(vendorDir, { recursive: true });
      copyFileSync(source.path, join(vendorDir, basename(source.path)));
      return { spec: `file:vendor/${basename(source.path)}`, from: `a copy of ${source.path}` };
    }
    case 'git':
      return { spec: source.spec, from: 'git' };
    case 'url':
      return { spec: source.spec, from: 'a tarball URL' };
    case 'version':
      return { spec: source.spec, from: 'the npm registry' };
  }
}
