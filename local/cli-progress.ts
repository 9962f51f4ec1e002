/**
 * How `skytask wait` shows a running task's progress: a bar redrawn in place at a terminal,
 * a plain line per change otherwise (a log, a pipe), nothing with --json (stdout is then the
 * task alone).
 */
import type { TaskProgress } from '../lib/progress.js';
import type { Task } from '../lib/task.js';
import type { EndpointOptions } from './cli-output.js';
import { printable } from './cli-printable.js';

const BAR_WIDTH = 24;

/** A progress report in words: `40% step 2 of 5`, or the JSON value for an object (`{"rows":3} copied`). */
export function progressSummary({ value, message }: TaskProgress): string {
  const tail = message ? ` ${message}` : '';
  return `${typeof value === 'number' ? `${Math.round(value)}%` : JSON.stringify(value)}${tail}`;
}

/** A progress report as one line: `[#########---------]  40% step 2 of 5`, or the JSON value for an object. */
export function progressLine(progress: TaskProgress, tty: boolean): string {
  const { value, message } = progress;
  if (typeof value !== 'number' || !tty) return `progress ${progressSummary(progress)}`;
  const tail = message ? ` ${message}` : '';
  const pct = `${Math.round(value)}%`.padStart(4);
  const done = Math.round((value / 100) * BAR_WIDTH);
  return `[${'#'.repeat(done)}${'-'.repeat(BAR_WIDTH - done)}] ${pct}${tail}`;
}

/**
 * A display of a task's progress while a command waits: `show(task)` draws it when it
 * changed; `clear()` removes a bar before the final output. Writes nothing with --json.
 */
export function progressDisplay(options: EndpointOptions, write = (text: string) => process.stdout.write(text)) {
  const tty = !options.json && !!process.stdout.isTTY;
  let last = '';
  return {
    show(task: Task) {
      if (options.json || !task.progress) return;
      const line = printable(progressLine(task.progress, tty));
      if (line === last) return;
      last = line;
      // The bar is cut to the terminal's width so `\r` redraws one line.
      if (tty) write(`\r\x1b[K${line.slice(0, (process.stdout.columns || 80) - 1)}`);
      else write(`${line}\n`);
    },
    clear() {
      if (tty && last) write('\r\x1b[K');
    },
  };
}
