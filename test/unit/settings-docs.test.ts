/**
 * The docs' tables against the code: docs/configuration.md against SETTINGS
 * (lib/settings.ts), and the props table of docs/deploy.md against the construct's
 * DEFAULTS (cdk/defaults.ts). Both directions: a documented name that does not exist, an
 * existing name not documented, and a default that differs all fail.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULTS, PROPS_WITHOUT_DEFAULT } from '../../cdk/defaults.js';
import { SETTINGS, type Setting } from '../../lib/settings.js';

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** A markdown table: its header cells and its rows' cells. */
interface Table {
  header: string[];
  rows: string[][];
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.trim());

/** Every table of a markdown text (runs of lines starting with `|`; the second is the separator). */
function tablesOf(markdown: string): Table[] {
  const tables: Table[] = [];
  let run: string[] = [];
  for (const line of [...markdown.split('\n'), '']) {
    if (line.trimStart().startsWith('|')) {
      run.push(line);
      continue;
    }
    if (run.length >= 2) tables.push({ header: cells(run[0]), rows: run.slice(2).map(cells) });
    run = [];
  }
  return tables;
}

/** The backticked words of a cell. */
const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
const isVariable = (word: string) => /^[A-Z][A-Z0-9_]*$/.test(word);

/** How docs/configuration.md writes a default (its intro states the convention). */
function formatSettingDefault(setting: Setting): string {
  if (setting.default === undefined) return '—';
  if (typeof setting.default === 'string') return `\`${setting.default}\``;
  if (setting.unit === 'seconds') return `${setting.default} s`;
  if (setting.unit === 'days') return `${setting.default} days`;
  return String(setting.default);
}

/** Documented variable → its default cell, from every table whose first column is `variable`. */
function documentedVariables(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const table of tablesOf(markdown).filter((t) => t.header[0] === 'variable')) {
    const column = table.header.indexOf('default');
    assert.notEqual(column, -1, `a variable table has a default column: ${table.header.join(' | ')}`);
    for (const row of table.rows) {
      for (const name of codeSpans(row[0]).filter(isVariable)) {
        assert.ok(!found.has(name), `${name} is documented once`);
        found.set(name, row[column]);
      }
    }
  }
  return found;
}

const SECONDS: Record<string, number> = { s: 1, second: 1, minute: 60, hour: 3_600, day: 86_400 };
const ENUMS: Record<string, Record<string, unknown>> = { RemovalPolicy, RetentionDays };

/**
 * Whether a props-table cell states this default: `1 minute`, `29 s`, `14 days` for a
 * Duration; `5` or `512 MB` for a number; `RemovalPolicy.RETAIN` for an enum member.
 */
function statesDefault(cell: string, value: unknown): boolean {
  const member = /^`(\w+)\.(\w+)`$/.exec(cell);
  if (member) return ENUMS[member[1]]?.[member[2]] === value && value !== undefined;
  if (value instanceof Duration) {
    const m = /^(\d+(?:\.\d+)?) (s|second|minute|hour|day)s?$/.exec(cell);
    return m !== null && Number(m[1]) * SECONDS[m[2]] === value.toSeconds();
  }
  if (typeof value === 'number') {
    const m = /^(\d+(?:\.\d+)?)(?: MB)?$/.exec(cell);
    return m !== null && Number(m[1]) === value;
  }
  if (typeof value === 'boolean') return cell === `\`${value}\``;
  return false;
}

/** Documented prop → its default cell; `a` / `b` rows give each name its part of the default. */
function documentedProps(markdown: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const table of tablesOf(markdown).filter((t) => t.header[0] === 'prop')) {
    const column = table.header.indexOf('default');
    for (const row of table.rows) {
      const names = codeSpans(row[0]);
      const defaults = names.length > 1 ? row[column].split(' / ') : [row[column]];
      assert.equal(defaults.length, names.length, `one default per prop in "${row[0]}"`);
      names.forEach((name, i) => {
        assert.ok(!found.has(name), `${name} is documented once`);
        found.set(name, defaults[i]);
      });
    }
  }
  return found;
}

describe('docs/configuration.md and lib/settings.ts', () => {
  const documented = documentedVariables(read('docs/configuration.md'));
  const settings = new Map(Object.values(SETTINGS).map((s: Setting) => [s.env, s]));

  it('documents every variable of SETTINGS', () => {
    const missing = [...settings.keys()].filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], 'variables in lib/settings.ts that docs/configuration.md does not list');
  });

  it('documents no variable that SETTINGS does not have', () => {
    const unknown = [...documented.keys()].filter((name) => !settings.has(name));
    assert.deepEqual(unknown, [], 'variables in docs/configuration.md that lib/settings.ts does not define');
  });

  it('gives each variable the default of SETTINGS', () => {
    const differ = [...documented]
      .filter(([name]) => settings.has(name))
      .map(([name, cell]) => ({ name, docs: cell, settings: formatSettingDefault(settings.get(name)!) }))
      .filter((d) => d.docs !== d.settings);
    assert.deepEqual(differ, [], 'defaults that differ');
  });

  it('names no SKYTASK_ variable anywhere in the docs or the code that SETTINGS does not define', () => {
    const files = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
      ...['lib', 'lib/client', 'local', 'cdk', 'functions', 'bench', 'examples'].flatMap((dir) =>
        readdirSync(join(root, dir))
          .filter((f) => /\.(ts|md)$/.test(f))
          .map((f) => `${dir}/${f}`),
      ),
    ];
    const stale = files.flatMap((file) =>
      [...read(file).matchAll(/\bSKYTASK_[A-Z0-9_]+/g)]
        .filter((m) => !settings.has(m[0]))
        .map((m) => `${file}: ${m[0]}`),
    );
    assert.deepEqual(stale, []);
  });
});

describe('docs/cli.md and lib/settings.ts', () => {
  const documented = documentedVariables(read('docs/cli.md'));
  const settings = new Map(Object.values(SETTINGS).map((s: Setting) => [s.env, s]));
  /** What the CLI reads itself: the client commands' and the local stack's variables. */
  const cli = [
    SETTINGS.url,
    SETTINGS.token,
    SETTINGS.port,
    SETTINGS.hostPort,
    SETTINGS.jobs,
    SETTINGS.dataDir,
    SETTINGS.visibilityTimeout,
    SETTINGS.graceSeconds,
    SETTINGS.reconcileEvery,
    SETTINGS.logLevel,
  ].map((s: Setting) => s.env);

  it('documents every variable the CLI reads, with the default of SETTINGS, and no other', () => {
    assert.deepEqual(
      cli.filter((name) => !documented.has(name)),
      [],
      'variables the CLI reads that docs/cli.md does not list',
    );
    assert.deepEqual(
      [...documented.keys()].filter((name) => !settings.has(name)),
      [],
      'variables in docs/cli.md that lib/settings.ts does not define',
    );
    const differ = [...documented]
      .filter(([name]) => settings.has(name))
      .map(([name, cell]) => ({ name, docs: cell, settings: formatSettingDefault(settings.get(name)!) }))
      .filter((d) => d.docs !== d.settings);
    assert.deepEqual(differ, [], 'defaults that differ');
  });
});

describe('the props table of docs/deploy.md and cdk/defaults.ts', () => {
  const documented = documentedProps(read('docs/deploy.md'));
  const defaults: Record<string, unknown> = DEFAULTS;
  const props = new Set<string>([...Object.keys(DEFAULTS), ...PROPS_WITHOUT_DEFAULT]);

  it('documents every prop', () => {
    assert.deepEqual(
      [...props].filter((name) => !documented.has(name)),
      [],
      'props that docs/deploy.md does not list',
    );
  });

  it('documents no prop that TaskQueueProps does not have', () => {
    assert.deepEqual(
      [...documented.keys()].filter((name) => !props.has(name)),
      [],
      'props in docs/deploy.md that the construct does not have',
    );
  });

  it('gives each prop with a fixed default the value of DEFAULTS', () => {
    const shown = (value: unknown) => (value instanceof Duration ? value.toHumanString() : String(value));
    const differ = [...documented]
      .filter(([name, cell]) => name in defaults && !statesDefault(cell, defaults[name]))
      .map(([name, cell]) => ({ name, docs: cell, defaults: shown(defaults[name]) }));
    assert.deepEqual(differ, [], 'defaults that differ');
  });
});

describe('the parsers of this test', () => {
  it('read tables, durations, numbers and enum members, and refuse what differs', () => {
    const [table] = tablesOf('x\n| a | b |\n|---|---|\n| `A`, `--a` | 1 |\n\ny');
    assert.deepEqual(table, { header: ['a', 'b'], rows: [['`A`, `--a`', '1']] });
    assert.ok(statesDefault('1 minute', Duration.seconds(60)));
    assert.ok(statesDefault('0 s', Duration.seconds(0)));
    assert.ok(!statesDefault('2 minutes', Duration.minutes(1)));
    assert.ok(!statesDefault('60', Duration.minutes(1)));
    assert.ok(statesDefault('512 MB', 512));
    assert.ok(!statesDefault('5', 6));
    assert.ok(statesDefault('`RemovalPolicy.RETAIN`', RemovalPolicy.RETAIN));
    assert.ok(!statesDefault('`RemovalPolicy.DESTROY`', RemovalPolicy.RETAIN));
    assert.ok(!statesDefault('`Nope.RETAIN`', RemovalPolicy.RETAIN));
    assert.ok(statesDefault('`true`', true));
    assert.ok(!statesDefault('`false`', true));
    assert.equal(formatSettingDefault({ env: 'X', default: 60, unit: 'seconds' }), '60 s');
    assert.equal(formatSettingDefault({ env: 'X', default: '.d' }), '`.d`');
    assert.equal(formatSettingDefault({ env: 'X' }), '—');
  });
});
