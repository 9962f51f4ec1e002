/**
 * Building the page: elements from plain values. Everything a task carries (kwargs, results,
 * errors, job docs) comes from callers and is set as text, never parsed as HTML.
 */

/**
 * An element: `h('a', { href: '#/jobs', class: 'x', onclick: fn }, 'text', child)`. Attributes
 * starting with `on` are listeners; `null`, `undefined` and `false` attributes and children
 * are left out; strings and numbers become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  el.append(
    ...children
      .flat(Infinity)
      .filter((c) => c !== null && c !== undefined && c !== false)
      .map(node),
  );
  return el;
}

const node = (child) => (child instanceof Node ? child : document.createTextNode(String(child)));

/** A local date and time for epoch seconds; '' for none. */
export function time(epoch) {
  if (epoch === null || epoch === undefined) return '';
  const date = new Date(epoch * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A span of seconds for people: 850 ms, 12.4 s, 3 min 20 s, 2 h 5 min, 1 h (no zero part). */
export function seconds(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '';
  const s = Math.abs(value);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const parts = (big, bigUnit, small, smallUnit) =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (s < 3600) return parts(Math.floor(s / 60), 'min', Math.round(s % 60), 's');
  if (s < 86400) return parts(Math.floor(s / 3600), 'h', Math.round((s % 3600) / 60), 'min');
  return parts(Math.floor(s / 86400), 'd', Math.round((s % 86400) / 3600), 'h');
}

/** How long ago an epoch-seconds time was (or how far ahead: "in …"). */
export function ago(epoch) {
  if (epoch === null || epoch === undefined) return '';
  const diff = Date.now() / 1000 - epoch;
  return diff >= 0 ? `${seconds(diff)} ago` : `in ${seconds(-diff)}`;
}

/** A time with how long ago it was, for a table cell. */
export const when = (epoch) =>
  epoch === null || epoch === undefined ? '' : h('time', { title: ago(epoch) }, time(epoch));

/** A value as indented JSON (kwargs, results), in a <pre>. */
export const json = (value) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2) ?? 'null');

/** The key of a payload kept in the payload bucket, on the wire (docs/payloads.md). */
export const PAYLOAD = 'skytask:payload';

/** `text` when it is an http(s) URL, else undefined: a link never runs script (`javascript:`, `data:`). */
function webUrl(text) {
  try {
    const url = new URL(String(text));
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A task's kwargs or result: indented JSON, or — a payload kept in S3 that the reply gave as
 * a link, `{"skytask:payload": {size, sha256, url, expires}}` — its size and SHA-256 and a
 * link to its presigned GET, opened in a new tab without a handle back to this page. A
 * link whose URL is not http(s) is shown as JSON text, never as a link.
 */
export function payload(value) {
  const link = value?.[PAYLOAD];
  const url = link && Object.keys(value).length === 1 ? webUrl(link.url) : undefined;
  if (!url) return json(value);
  return h(
    'p',
    { class: 'payload' },
    `kept in S3: ${Number(link.size).toLocaleString('en')} bytes, SHA-256 `,
    h('code', { title: link.sha256 }, `${String(link.sha256).slice(0, 12)}…`),
    ' — ',
    h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'open the JSON'),
    link.expires ? ` (the link works until ${time(link.expires)})` : null,
  );
}

/** A task's status as a badge. */
export const status = (name) => h('span', { class: `status ${String(name).toLowerCase()}` }, name);

/** A link to a task; `short`: its id cut to 8 characters (the whole id in the tooltip). */
export const taskLink = (id, { short = false } = {}) =>
  h(
    'a',
    { href: `#/task/${encodeURIComponent(id)}`, class: 'id', title: id },
    short && id.length > 9 ? `${id.slice(0, 8)}…` : id,
  );

/** Markdown text with its `code spans` set as code, the rest as text (job docs). */
export const markdown = (text) => text.split('`').map((part, n) => (n % 2 ? h('code', {}, part) : part));

/**
 * How far a task got, from its `progress` when it has one (a number 0–100, or
 * `{ value, message }` where the value is such a number or a small JSON value): a bar for
 * a number, JSON for anything else, and the message.
 */
export function progress(task) {
  const p = task?.progress;
  if (p === null || p === undefined) return '';
  const wrapped = typeof p === 'object' && !Array.isArray(p) && 'value' in p;
  const value = wrapped ? p.value : p;
  const message = wrapped && p.message ? ` ${p.message}` : '';
  if (typeof value !== 'number') return h('span', { class: 'progress' }, h('code', {}, JSON.stringify(value)), message);
  const bar = h('meter', { min: 0, max: 100, value, title: `${value}%` }, `${value}%`);
  return h('span', { class: 'progress' }, bar, ` ${value}%`, message);
}

/**
 * A task's cost when the wire carries one: a number as it is, an object as `key value` pairs,
 * its null fields left out (`gb_seconds` is null off Lambda).
 */
export function cost(value) {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  return h(
    'span',
    { class: 'cost' },
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(', '),
  );
}

/** A table: a header row, and a row per item (`row(item)` gives its cells); `empty` when there is none. */
export function table(headings, items, row, empty = 'none') {
  const body = items.length
    ? items.map((item) =>
        h(
          'tr',
          {},
          row(item).map((cell) => h('td', {}, cell)),
        ),
      )
    : h('tr', {}, h('td', { colspan: headings.length, class: 'empty' }, empty));
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headings.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, body),
  );
}

/** Replace an element's children. */
export const fill = (el, ...children) =>
  el.replaceChildren(
    ...children
      .flat(Infinity)
      .filter((c) => c !== null && c !== undefined && c !== false)
      .map(node),
  );
