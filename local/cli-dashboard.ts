/** `skytask dashboard`: the dashboard of an endpoint, served on 127.0.0.1 (local/dashboard/proxy.ts). */
import pretty from 'pino-pretty';
import { createHttpClient } from '../lib/client/http-client.js';
import { createLogger } from '../lib/log.js';
import { envValue, SETTINGS } from '../lib/settings.js';
import { endpointOf } from './cli-client-actions.js';
import { EXIT } from './cli-exit.js';
import { type EndpointOptions, reportError } from './cli-output.js';
import { startDashboardProxy } from './dashboard/proxy.js';

export interface DashboardOptions extends EndpointOptions {
  port?: string;
}

/** How calls are authorized, in words. */
function authLabel(auth: ReturnType<typeof endpointOf>['auth'], url: string): string {
  if (typeof auth === 'object') return 'a bearer token';
  if (auth === 'sigv4' || /\.execute-api\./.test(new URL(url).hostname)) return 'SigV4, your AWS credentials';
  return 'no authorization';
}

/** Ask the endpoint for `job_list` once, so that a wrong URL or credentials show now; a line either way. */
async function probe(url: string, auth: ReturnType<typeof endpointOf>['auth']): Promise<string> {
  try {
    await createHttpClient({ url, auth }).jobList();
    return 'the endpoint answers';
  } catch (err) {
    return `warning: the endpoint did not answer job_list: ${(err as Error).message}`;
  }
}

/** Run the proxy until Ctrl-C (or SIGTERM); an exit code. */
export async function dashboard(options: DashboardOptions): Promise<number> {
  const port = Number(options.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number, not "${options.port}"\n`);
    return EXIT.usage;
  }
  const { url, auth } = endpointOf(options);
  const stream = process.stdout.isTTY ? pretty({ colorize: true, ignore: 'pid,hostname' }) : undefined;
  const logger = createLogger({ level: envValue(SETTINGS.logLevel) ?? 'warn', ...(stream && { stream }) });
  let proxy: Awaited<ReturnType<typeof startDashboardProxy>>;
  try {
    proxy = await startDashboardProxy({ url, auth, port, logger });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return reportError(options, err);
    process.stderr.write(`skytask dashboard: port ${port} is in use: pass another --port (0: any free one)\n`);
    return EXIT.stackFailed;
  }
  process.stdout.write(
    [
      `skytask dashboard for ${proxy.endpoint} (${authLabel(auth, url)}): ${await probe(url, auth)}`,
      `open ${proxy.url}`,
      "(the URL carries this launch's token; Ctrl-C stops)",
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.close();
  return EXIT.ok;
}
