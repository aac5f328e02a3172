import type { z } from 'zod';

/**
 * What zod refused, one `path: message` line per problem, for messages that name the bad field and its rule
 * (never the value). `root` names a problem of the whole input, which has no path.
 */
export function zodProblems(error: z.ZodError, root = ''): string[] {
  return error.issues.map((problem) => `${problem.path.join('.') || root}: ${problem.message}`);
}
