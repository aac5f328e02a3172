import { expect } from 'chai';
import { LiveLine, PLAIN_LINE_INTERVAL_MS } from '../../src/shared/liveLine.js';
import { logFormat, useColour } from '../../src/shared/logger.js';
import { loadConfig } from '../../src/shared/config.js';
import { missingQueueMessage } from '../../src/cli/errorExit.js';

function target(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): void } {
  return { isTTY, written: [], write(text: string) { this.written.push(text); } };
}

describe('the live line', () => {
  it('on a terminal redraws in place and is ended by a newline before other output', () => {
    const out = target(true);
    const line = new LiveLine(out);
    line.update('10%');
    line.update('20%');
    line.end();
    line.end();
    expect(out.written.join('')).to.equal('\r\x1b[2K10%\r\x1b[2K20%\n');
  });

  it('ends nothing when no line is drawn (a message after a finished bar gets no blank line)', () => {
    const out = target(true);
    const line = new LiveLine(out);
    line.finish('done');
    line.end();
    expect(out.written.join('')).to.equal('\r\x1b[2Kdone\n');
  });

  it('off a terminal prints whole lines, at most one every few seconds, and never an escape code', () => {
    const out = target(false);
    let now = 0;
    const line = new LiveLine(out, () => now);
    line.update('a');
    now += PLAIN_LINE_INTERVAL_MS - 1;
    line.update('b');
    now += 1;
    line.update('c');
    line.finish('d');
    line.end();
    expect(out.written).to.deep.equal(['a\n', 'c\n', 'd\n']);
  });
});

describe('log format and colour', () => {
  const config = (env: Record<string, string>) => loadConfig(env);
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('auto: human lines on a terminal, JSON lines in a file or a pipe', () => {
    expect(logFormat(config({}), tty)).to.equal('pretty');
    expect(logFormat(config({}), pipe)).to.equal('json');
  });

  it('LOG_FORMAT chooses; LOG_PRETTY=1 is the older spelling of pretty and yields to an explicit LOG_FORMAT', () => {
    expect(logFormat(config({ LOG_FORMAT: 'json' }), tty)).to.equal('json');
    expect(logFormat(config({ LOG_FORMAT: 'pretty' }), pipe)).to.equal('pretty');
    expect(logFormat(config({ LOG_PRETTY: '1' }), pipe)).to.equal('pretty');
    expect(logFormat(config({ LOG_PRETTY: '1', LOG_FORMAT: 'json' }), tty)).to.equal('json');
    expect(() => config({ LOG_FORMAT: 'yaml' })).to.throw(/LOG_FORMAT: must be one of auto, json, pretty/);
  });

  it('colour only on a terminal, and not with NO_COLOR set to anything but empty', () => {
    expect(useColour(config({}), tty)).to.equal(true);
    expect(useColour(config({}), pipe)).to.equal(false);
    expect(useColour(config({ NO_COLOR: '1' }), tty)).to.equal(false);
    expect(useColour(config({ NO_COLOR: '' }), tty)).to.equal(true);
  });
});

describe('RabbitMQ "no queue" answer', () => {
  it('becomes a message naming the namespace to set', () => {
    const raw = "Operation failed: QueueDeclare; 404 (NOT-FOUND) with message \"NOT_FOUND - no queue 'tracktion.backfill.dead' in vhost '/'\"";
    expect(missingQueueMessage(raw)).to.match(/^RabbitMQ has no queue tracktion\.backfill\.dead: no producer or consumer has run in namespace ".+" \(TRACKTION_NAMESPACE\)/);
    expect(missingQueueMessage('connection refused')).to.equal(undefined);
  });
});
