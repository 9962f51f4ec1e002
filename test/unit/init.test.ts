/**
 * `skytask init`: the project it writes from templates/starter/, the skytask dependency for
 * each form of `--skytask`, what it refuses. Also that the templates' pinned versions and
 * CDK feature flags are this repository's, so that a version bump cannot leave them stale,
 * and that create-skytask's version and dependency follow skytask's.
 */
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { initProject, projectName, stackNameOf, TEMPLATE_DIR } from '../../local/init.js';
import { InitError, parseSource } from '../../local/init-source.js';

const root = resolve(import.meta.dirname, '../..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const repo = readJson(join(root, 'package.json'));
const work = mkdtempSync(join(tmpdir(), 'skytask-init-'));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh path under the test's temporary directory. */
const fresh = (name = `app-${++n}`) => join(work, `${++n}`, name);

/** A skytask tarball of sorts (gzip, as npm pack writes): what `--skytask <path>` copies into vendor/. */
const TARBALL_BYTES = gzipSync('not really a tarball');
function fakeTarball(): string {
  const path = join(work, 'skytask-9.9.9.tgz');
  writeFileSync(path, TARBALL_BYTES);
  return path;
}

describe('skytask init: the project', () => {
  const dir = fresh('my-app');
  const result = initProject({ dir, skytask: '0.1.0' });

  it('writes every template file, gitignore as .gitignore', () => {
    assert.deepEqual(result.files, [
      '.gitignore',
      'README.md',
      'cdk.json',
      join('cdk', 'app.ts'),
      'package.json',
      join('src', 'jobs.ts'),
      join('test', 'jobs.test.ts'),
      'tsconfig.json',
    ]);
    assert.ok(!existsSync(join(dir, 'gitignore')));
    const ignored = readFileSync(join(dir, '.gitignore'), 'utf8').split('\n');
    for (const entry of ['node_modules/', '.skytask/', 'cdk.out/']) assert.ok(ignored.includes(entry), entry);
  });

  it('package.json: the name, ESM, the scripts, skytask from where it was told', () => {
    const pkg = readJson(join(dir, 'package.json'));
    assert.equal(pkg.name, 'my-app');
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.scripts.start, 'skytask start --jobs src/jobs.ts');
    assert.match(pkg.scripts.test, /^tsc --noEmit && node --import tsx --test test\/\*\.test\.ts/);
    assert.match(pkg.scripts.synth, /CDK_DISABLE_VERSION_CHECK=1 .*cdk synth/);
    assert.deepEqual(pkg.dependencies, { skytask: '0.1.0' });
  });

  it('the CDK app: its stack named after the project, the TaskQueue of src/jobs.ts, cdk-nag on', () => {
    const app = readFileSync(join(dir, 'cdk/app.ts'), 'utf8');
    assert.match(app, /new Stack\(app, 'MyApp'\)/);
    assert.match(app, /new TaskQueue\(stack, 'Tasks', \{ jobs: 'src\/jobs\.ts' \}\)/);
    assert.match(app, /Validations\.of\(app\)\.addPlugins\(new AwsSolutionsChecks\(app\)\)/);
    const other = initProject({ dir: fresh('Nightly Reports 2'), skytask: '0.1.0' });
    assert.equal(other.name, 'nightly-reports-2');
    assert.match(readFileSync(join(other.dir, 'cdk/app.ts'), 'utf8'), /new Stack\(app, 'NightlyReports2'\)/);
    assert.match(readFileSync(join(other.dir, 'README.md'), 'utf8'), /^# nightly-reports-2\n/);
  });

  it('the jobs: two, one of them passes ctx.signal to its waits', () => {
    const jobs = readFileSync(join(dir, 'src/jobs.ts'), 'utf8');
    assert.equal(jobs.match(/= defineJob\(/g)?.length, 2);
    assert.match(jobs, /\{ signal: ctx\.signal \}/);
    const test = readFileSync(join(dir, 'test/jobs.test.ts'), 'utf8');
    assert.match(test, /from 'skytask\/testing'/);
    assert.match(test, /revokeTask/);
  });

  it('cdk.json: the app through tsx, offline settings', () => {
    const cdk = readJson(join(dir, 'cdk.json'));
    assert.equal(cdk.app, 'npx tsx cdk/app.ts');
    assert.equal(cdk.notices, false);
    assert.equal(cdk.context['cli-telemetry'], false);
  });
});

describe('skytask init: where skytask comes from', () => {
  const dependency = (skytask?: string, packageRoot?: string) => {
    const { dir } = initProject({ dir: fresh(), skytask, cwd: work, packageRoot });
    return { dir, spec: readJson(join(dir, 'package.json')).dependencies.skytask as string };
  };

  it('a version: from the registry, as given', () => {
    assert.equal(dependency('0.1.0').spec, '0.1.0');
    assert.equal(dependency('^0.2.0-beta.1').spec, '^0.2.0-beta.1');
  });

  it('a tarball path (relative to cwd, or absolute): copied into vendor/', () => {
    const tarball = fakeTarball();
    for (const given of ['skytask-9.9.9.tgz', tarball, `file:${tarball}`]) {
      const { dir, spec } = dependency(given);
      assert.equal(spec, 'file:vendor/skytask-9.9.9.tgz');
      assert.deepEqual(readFileSync(join(dir, 'vendor/skytask-9.9.9.tgz')), TARBALL_BYTES);
    }
  });

  it('a git URL: as npm installs it; an https repository URL gets git+', () => {
    for (const url of [
      'git+https://example.com/team/skytask.git#v0.1.0',
      'git+ssh://git@example.com/team/skytask.git',
      'git+file:///srv/git/skytask.git',
      'github:team/skytask#main',
      'git@example.com:team/skytask.git',
    ]) {
      assert.equal(dependency(url).spec, url);
    }
    assert.equal(dependency('https://example.com/team/skytask.git').spec, 'git+https://example.com/team/skytask.git');
    assert.equal(parseSource('https://example.com/skytask-0.1.0.tgz', work).kind, 'url');
  });

  it('no --skytask: the running copy, packed into vendor/skytask-<version>.tgz with npm pack', () => {
    const pkg = join(work, 'installed-skytask');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'dist/index.js'), 'export {};\n');
    writeFileSync(join(pkg, 'src.ts'), 'left out by files\n');
    // A prepack that would fail: npm pack must not run scripts.
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'skytask', version: '9.8.7', files: ['dist'], scripts: { prepack: 'exit 1' } }),
    );
    const { dir, spec } = dependency(undefined, pkg);
    assert.equal(spec, 'file:vendor/skytask-9.8.7.tgz');
    const listing = spawnSync('tar', ['-tzf', join(dir, 'vendor/skytask-9.8.7.tgz')], { encoding: 'utf8' });
    assert.deepEqual(listing.stdout.trim().split('\n').sort(), ['package/dist/index.js', 'package/package.json']);
  });

  it('no --skytask from a development checkout, even with a dist/: refused, saying to pass --skytask', () => {
    const dir = fresh();
    assert.throws(
      () => initProject({ dir, packageRoot: root }),
      (err: InitError) => err.usage && /is a development checkout: .*Pass --skytask/.test(err.message),
    );
    assert.ok(!existsSync(dir), 'nothing is left behind');
  });

  it('no --skytask from a copy without dist/: refused', () => {
    const pkg = join(work, 'no-dist-skytask');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'skytask', version: '1.0.0' }));
    assert.throws(
      () => initProject({ dir: fresh(), packageRoot: pkg }),
      (err: InitError) => err.usage && /is a copy without dist\/: .*Pass --skytask/.test(err.message),
    );
  });

  it('refuses what it cannot read: a directory, a missing tarball, anything else', () => {
    const usage = (skytask: string, message: RegExp) =>
      assert.throws(
        () => parseSource(skytask, work),
        (err: InitError) => err instanceof InitError && err.usage && message.test(err.message),
      );
    usage(work, /is a directory: pack it first/);
    usage('./missing-0.1.0.tgz', /no such tarball/);
    const text = join(work, 'fake.tgz');
    writeFileSync(text, 'a text file, not a tarball');
    usage(text, /not a tarball \(npm pack writes a \.tgz\)/);
    usage('latest', /not a tarball path .*, a git URL .* or a version/);
    usage('', /empty/);
  });
});

describe('skytask init: the target directory', () => {
  it('refuses a directory that is not empty, and leaves it as it was', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    assert.throws(
      () => initProject({ dir, skytask: '0.1.0' }),
      (err: InitError) => err.usage && /is not empty/.test(err.message),
    );
    assert.deepEqual(readdirSync(dir), ['notes.txt']);
  });

  it('writes into an empty directory; a failure leaves it empty', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    assert.equal(initProject({ dir, skytask: '0.1.0' }).files.length, 8);
    const empty = fresh();
    mkdirSync(empty, { recursive: true });
    assert.throws(() => initProject({ dir: empty, packageRoot: root }), InitError);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('names: a valid npm name and a CloudFormation stack name from the directory', () => {
    assert.equal(projectName('/x/My App'), 'my-app');
    assert.equal(projectName('/x/_private'), 'private');
    assert.equal(projectName('/x/...'), 'app');
    assert.equal(stackNameOf('my-app'), 'MyApp');
    assert.equal(stackNameOf('2024-report'), 'App2024Report');
  });
});

describe('the templates follow this repository', () => {
  const template = readJson(join(TEMPLATE_DIR, 'package.json'));

  it('pins the devDependencies at the versions this repository uses', () => {
    for (const [name, version] of Object.entries(template.devDependencies)) {
      assert.equal(version, repo.devDependencies[name] ?? repo.dependencies[name], name);
    }
    const expected = ['typescript', 'tsx', '@types/node', 'aws-cdk-lib', 'constructs', 'aws-cdk', 'esbuild', 'cdk-nag'];
    assert.deepEqual(Object.keys(template.devDependencies).sort(), expected.sort());
  });

  it("cdk.json's feature flags are aws-cdk-lib's recommended-feature-flags.json at the pinned version", () => {
    const flags = readJson(join(root, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'));
    assert.equal(
      readJson(join(root, 'node_modules/aws-cdk-lib/package.json')).version,
      template.devDependencies['aws-cdk-lib'],
    );
    const { 'cli-telemetry': telemetry, ...context } = readJson(join(TEMPLATE_DIR, 'cdk.json')).context;
    assert.equal(telemetry, false);
    assert.deepEqual(context, flags);
  });

  it('create-skytask has skytask’s version and depends on that version', () => {
    const create = readJson(join(root, 'packages/create-skytask/package.json'));
    assert.equal(create.version, repo.version);
    assert.deepEqual(create.dependencies, { skytask: repo.version });
    assert.deepEqual(Object.keys(create.bin), ['create-skytask']);
  });
});
