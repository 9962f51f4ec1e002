/** `skytask init <dir>`: write a new project (init.ts), then say what to run next. */
import { relative } from 'node:path';
import { EXIT } from './cli-exit.js';
import { initProject } from './init.js';
import { InitError } from './init-source.js';

export interface InitCliOptions {
  skytask?: string;
}

/** A path as a shell reads it: quoted when it holds anything but safe characters. */
const shellWord = (path: string) => (/^[\w./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`);

/** `skytask init`: returns the exit code. */
export function init(dir: string, options: InitCliOptions): number {
  let result: ReturnType<typeof initProject>;
  try {
    result = initProject({ dir, skytask: options.skytask });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`skytask init: ${message}\n`);
    return err instanceof InitError && err.usage ? EXIT.usage : EXIT.initFailed;
  }
  const where = relative(process.cwd(), result.dir) || '.';
  const cd = where === '.' ? '' : `cd ${shellWord(where)} && `;
  const steps: [string, string][] = [
    [`${cd}npm install && npm start`, 'the local stack with src/jobs.ts: JSON-RPC at http://127.0.0.1:8060/rpc'],
    ['npm test', 'the jobs’ tests, in-process'],
    ['npx cdk synth', 'the CDK app’s template in cdk.out/ (npm run synth: the same, offline)'],
  ];
  const width = Math.max(...steps.map(([command]) => command.length));
  process.stdout.write(
    [
      `Wrote ${result.name} in ${result.dir}: ${result.files.join(', ')}`,
      `skytask: "${result.skytask}" (${result.from})`,
      '',
      'Next:',
      ...steps.map(([command, what]) => `  ${command.padEnd(width)}   # ${what}`),
      '',
      'README.md says what is where; skytask’s docs are in node_modules/skytask/docs/ after npm install.',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
