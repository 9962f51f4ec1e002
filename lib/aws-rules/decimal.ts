/**
 * A decimal number's significant digits and the power of ten of its first one, as both
 * DynamoDB (N) and SQS (Number attributes) read numbers: leading and trailing zeroes do
 * not count. `1230` → digits '123', exponent 3; `-0.05` → '5', -2; zero → digits ''.
 */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The decimal in `text`, or undefined when it is not a number. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m || !(m[2] || m[3])) return undefined;
  const all = (m[2] ?? '') + (m[3] ?? '');
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.slice(lead).replace(/0+$/, '');
  return { negative: m[1] === '-', digits, exponent: (m[2] ?? '').length + Number(m[4] ?? 0) - lead - 1 };
}
