import { InvalidArgumentError } from 'commander';

/** A commander option parser for a whole number in [min, max]; a bad value is a usage error (exit 64). */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be a whole number between ${min} and ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number between ${min} and ${max}`);
    return n;
  };
}

export function analysisVersionOption(value: string): string {
  if (value.length < 1 || value.length > 20) throw new InvalidArgumentError('must be 1-20 characters');
  return value;
}
