import { EnsembleError } from '../core/index.js';

// Decimal digits only: Number() would also take "1e2", "0x10", " 5" and "5.0", which nobody means as a count.
const DECIMAL_DIGITS = /^\d+$/;
// A plain amount: digits, optionally a decimal point and more digits ("0.50", "2").
const DECIMAL_AMOUNT = /^\d+(\.\d+)?$/;

/** Parses an integer flag written in decimal digits, naming the flag and the value when it is not one in range. */
export function parseIntegerFlag(flag: string, value: string, minimum: number, maximum: number): number {
  const parsed = DECIMAL_DIGITS.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < minimum || parsed > maximum) {
    throw new EnsembleError('INVALID_INPUT', `${flag}: expected an integer from ${minimum} to ${maximum} (decimal digits only), got "${value}"`, {
      details: { flag, value, minimum, maximum },
    });
  }
  return parsed;
}

/** Parses a positive dollar amount (`0.50`, `2`), naming the flag when it is not one. */
export function parseDollarFlag(flag: string, value: string): number {
  const parsed = DECIMAL_AMOUNT.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new EnsembleError('INVALID_INPUT', `${flag}: expected a positive amount of dollars such as 0.50, got "${value}"`, { details: { flag, value } });
  }
  return parsed;
}
