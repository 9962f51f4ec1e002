/**
 * `skytask init <dir>`: write a new project that uses skytask (docs/starter.md). The
 * project is the folder templates/starter/ of this package, copied as it is, except:
 * `gitignore` becomes `.gitignore` (npm leaves any file named .gitignore out of a tarball),
 * package.json gets the project's name and the skytask dependency (init-source.ts), the
 * CDK app its stack's name, the README its title.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InitError, parseSource, provideSkytask, runningPackageRoot } from './init-source.js';

export interface InitOptions {
  /** The new project's directory: missing or empty. */
  dir: string;
  /** `--skytask`: a tarball path, a git URL or a version; default the running copy, vendored. */
  skytask?: string;
  /** Where relative paths are read from. @default process.cwd() */
  cwd?: string;
  /** The skytask package to vendor without `--skytask`. @default the one running */
  packageRoot?: string;
}

export interface InitResult {
  /** The project's absolute path. */
  dir: string;
  /** Its package name. */
  name: string;
  /** Its CDK stack's name. */
  stackName: string;
  /** package.json's `dependencies.skytask`. */
  skytask: string;
  /** Where that came from, for people. */
  from: string;
  /** The files written, relative to `dir`, sorted. */
  files: string[];
}

/** The folder of templates this package ships. */
export const TEMPLATE_DIR = join(runningPackageRoot(), 'templates', 'starter');

/** Template files written under another name. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

/** A valid npm package name from a directory's name: lowercase, URL-safe, no leading dot or underscore. */
export function projectName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214);
  return name || 'app';
}

/** A CloudFormation stack name (a letter, then letters, digits, hyphens) from a package name: my-app → MyApp. */
export function stackNameOf(name: string): string {
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return /^[A-Za-z]/.test(pascal) ? pascal : `App${pascal}`;
}

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

/** Refuse a target that is a file or a directory with anything in it; whether it existed. */
function checkTarget(dir: string): boolean {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InitError(`${dir} is a file: give a new or empty directory`, true);
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  if (entries.length > 0) {
    throw new InitError(`${dir} is not empty: skytask init writes a new project into a new or empty directory`, true);
  }
  return true;
}

/** A template file's content in the project. */
function render(path: string, text: string, project: { name: string; stackName: string; skytask: string }): string {
  switch (path) {
    case 'package.json': {
      const pkg = JSON.parse(text);
      pkg.name = project.name;
      pkg.dependencies.skytask = project.skytask;
      return `${JSON.stringify(pkg, null, 2)}\n`;
    }
    case join('cdk', 'app.ts'):
      return text.replace("new Stack(app, 'MyApp')", `new Stack(app, '${project.stackName}')`);
    case 'README.md':
      return text.replace(/^# my-app$/m, `# ${project.name}`);
    default:
      return text;
  }
}

/** Write the project; on failure, remove what was written. */
export function initProject(options: InitOptions): InitResult {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.dir);
  const source = parseSource(options.skytask, cwd);
  const existed = checkTarget(dir);
  const name = projectName(dir);
  const stackName = stackNameOf(name);
  try {
    mkdirSync(dir, { recursive: true });
    const { spec, from } = provideSkytask(source, dir, options.packageRoot ?? runningPackageRoot());
    for (const path of filesUnder(TEMPLATE_DIR)) {
      const target = join(dir, dirname(path), RENAMED[basename(path)] ?? basename(path));
      mkdirSync(dirname(target), { recursive: true });
      const text = render(path, readFileSync(join(TEMPLATE_DIR, path), 'utf8'), { name, stackName, skytask: spec });
      writeFileSync(target, text);
    }
    return { dir, name, stackName, skytask: spec, from, files: filesUnder(dir) };
  } catch (err) {
    // Leave the target as it was: gone if init made it, empty if it was empty.
    if (existed) for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
    else rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
