import { z } from 'zod';
import { zodProblems } from './zodProblems.js';

/**
 * The range message — the data plane's one contract, validated by this schema on both ends.
 * Strict: an unknown field makes a message forged or from another version, so it is dead-lettered.
 */
const positiveInt = z.number().int().min(1).max(2_147_483_647);
const trackId = z.number().int().min(0).max(2_147_483_647);

export const rangeMessageSchema = z
  .object({
    v: z.literal(1),
    jobId: positiveInt,
    rangeId: positiveInt,
    startId: trackId,
    endId: trackId,
  })
  .strict()
  .refine((m) => m.startId <= m.endId, { message: 'startId must not exceed endId', path: ['startId'] });

export type RangeMessage = z.infer<typeof rangeMessageSchema>;

/** Largest body we read at all: a real range message is under 100 bytes. */
export const MAX_MESSAGE_BYTES = 1024;

export type ParsedMessage = { ok: true; message: RangeMessage } | { ok: false; reason: string };

export function encodeRangeMessage(message: RangeMessage): Buffer {
  return Buffer.from(JSON.stringify(rangeMessageSchema.parse(message)));
}

/** Parse a delivery body; never throws — a bad body becomes a reason for the dead-letter queue. */
export function parseRangeMessage(body: Buffer): ParsedMessage {
  if (body.length > MAX_MESSAGE_BYTES) return { ok: false, reason: `oversized: ${body.length} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed: not JSON' };
  }
  const result = rangeMessageSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: `malformed: ${zodProblems(result.error, '(message)').join('; ')}`.slice(0, 500) };
  }
  return { ok: true, message: result.data };
}
