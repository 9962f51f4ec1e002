/**
 * The `skytask` command line: `start` runs the local stack, `stop` stops it, `init` writes a
 * new project; the other commands are a client of a JSON-RPC endpoint (the local stack by
 * default, or `--url`). docs/cli.md is the reference.
 *
 * Start-up is part of the interface: this module loads commander, the settings and the
 * command declarations only. What a command does (the stack, the client, the AWS SDK,
 * pino) is imported when that command runs, so `--version` and `--help` stay fast.
 *
 * Exit codes (scripts may rely on them): EXIT in cli-exit.ts, and `skytask --help`.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { SETTINGS } from '../lib/settings.js';
import { registerClientCommands } from './cli-client-commands.js';
import { EXIT, EXIT_HELP } from './cli-exit.js';

// Node 20 is what this machine has; the SDK's notice about Node 22 would open every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** skytask's version: from the nearest package.json above this file (the same from the sources or a build). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
      if (pkg.name === 'skytask') return pkg.version;
    } catch {
      /* not here: look further up */
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

/**
 * An option given at most once: a second is a usage error rather than a silent override
 * (the starter's `npm start` passes `--jobs src/jobs.ts`, so `npm start -- --jobs x` gives
 * two: which one runs must not be a guess).
 */
const once = (flag: string) => (value: string, previous: string | undefined) => {
  if (previous === undefined) return value;
  throw new InvalidArgumentError(
    `${flag} was given twice (${previous}, then ${value}): give it once (an npm script that passes it already, such as the starter's npm start, takes no second)`,
  );
};

const dataDirOption = `where the local data and state files live (env ${SETTINGS.dataDir.env}; default ${SETTINGS.dataDir.default})`;

const program = new Command('skytask')
  .description('skytask — a distributed task queue for AWS serverless')
  .version(packageVersion(), '-V, --version', 'print the version')
  .addHelpText('after', EXIT_HELP)
  .showHelpAfterError('(skytask --help for usage)')
  .exitOverride();

program
  .command('start')
  .description(
    'Run the local stack (emulators, consumer, scheduler, JSON-RPC at http://127.0.0.1:PORT/rpc) until Ctrl-C or skytask stop',
  )
  .option('--jobs <file>', `jobs module (env ${SETTINGS.jobs.env}; default: the sample jobs)`, once('--jobs'))
  .option(
    '--port <n>',
    `JSON-RPC port (env ${SETTINGS.port.env}, then ${SETTINGS.hostPort.env}; default ${SETTINGS.port.default})`,
  )
  .option('--data-dir <dir>', dataDirOption)
  .option('--json', 'structured JSON logs even at a terminal')
  .action(async (options) => (await import('./cli-start.js')).start(options));

program
  .command('stop')
  .description('Stop the local stack of a data dir: the worker (gracefully, as Ctrl-C), then its emulators')
  .option('--data-dir <dir>', dataDirOption)
  .action(async (options) => {
    process.exitCode = await (await import('./cli-stop.js')).stop(options);
  });

program
  .command('init')
  .description('Write a new project that uses skytask: jobs, their tests, a CDK app (docs/starter.md)')
  .argument('<dir>', 'the new project’s directory: missing or empty')
  .option(
    '--skytask <source>',
    'where the project gets skytask: a tarball path, a git URL, or a version (from the npm registry); default: a copy of this skytask, packed into <dir>/vendor/',
  )
  .action(async (dir, options) => {
    process.exitCode = (await import('./cli-init.js')).init(dir, options);
  });

program
  .command('dashboard')
  .description(
    'Serve the dashboard of an endpoint on 127.0.0.1, its calls signed with your AWS credentials (SigV4) or --token; prints the URL to open',
  )
  .option('--url <url>', `JSON-RPC endpoint (env ${SETTINGS.url.env}; default the local stack)`)
  .option('--token <token>', `bearer token, for a JWT authorizer (env ${SETTINGS.token.env})`)
  .option('--sigv4', 'sign with SigV4 (automatic for an execute-api host)')
  .option('--port <n>', 'port on 127.0.0.1 (default 0: any free one)')
  .action(async (options) => {
    process.exitCode = await (await import('./cli-dashboard.js')).dashboard(options);
  });

registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version exit 0; any other parse error is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    throw err;
  }
}
