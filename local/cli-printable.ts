/**
 * Text from a task (its error, stack, progress message, kwargs, result, job name) made safe
 * to print at a terminal: whoever wrote it (a job, text a job fetched from outside) must not
 * drive the operator's terminal. The one place the CLI's human output is escaped; --json
 * output is JSON, whose strings escape control characters already.
 */

/**
 * The characters escaped: C0 controls (ESC, CR, NUL, BS, TAB…), DEL, C1 controls (CSI 0x9b
 * among them), the line and paragraph separators, and the bidirectional controls that reorder
 * what is shown (the "Trojan Source" characters, CVE-2021-42574; Unicode UAX #9).
 */
const UNSAFE = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const ANY = new RegExp(`[${UNSAFE}]`, 'gu');
const BUT_NEWLINE = new RegExp(`(?!\\n)[${UNSAFE}]`, 'gu');

/** One character as text: `\x1b` up to 0xff, `\u{202e}` above. */
const escaped = (c: string) => {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/**
 * `text` with every unsafe character written as its escape (`\x1b[2J` prints as the six
 * characters `\x1b[2J`); with `lines`, a newline is kept (the text is several lines), else it
 * is escaped too (`\x0a`).
 */
export function printable(text: string, { lines = false } = {}): string {
  return text.replace(lines ? BUT_NEWLINE : ANY, escaped);
}
