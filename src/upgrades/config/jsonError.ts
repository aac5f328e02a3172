/**
 * Where and why a JSON text is invalid, for the error message. V8's own messages quote the text around the
 * error (`Unexpected token 'h', ..."password": hunter2}"`) — a secret would be printed — and often give no
 * position. This scanner only runs after JSON.parse has failed, and never quotes the input.
 */

export interface JsonProblem {
  offset: number;
  reason: string;
}

class Stop extends Error {
  constructor(readonly problem: JsonProblem) {
    super(problem.reason);
  }
}

export function findJsonProblem(text: string): JsonProblem {
  let at = 0;
  const fail = (reason: string): never => {
    throw new Stop({ offset: at, reason });
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at += 1;
  };
  const expect = (char: string, reason: string) => {
    space();
    if (text[at] !== char) fail(at >= text.length ? 'unexpected end of input' : reason);
    at += 1;
  };
  const string = () => {
    at += 1;
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('unterminated string');
      if (char === '"') break;
      if (char! < ' ') fail('control character (such as a line break) inside a string');
      if (char === '\\') {
        at += 1;
        if (!/^(["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(text.slice(at, at + 5))) fail('invalid escape sequence in a string');
      }
      at += 1;
    }
    at += 1;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === undefined) fail('unexpected end of input');
    if (char === '{') return collection('}', true);
    if (char === '[') return collection(']', false);
    if (char === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(at));
    if (!literal) fail(char === "'" ? 'strings must use double quotes' : 'unexpected character: expected a value');
    at += literal![0].length;
  };
  const collection = (close: string, isObject: boolean) => {
    at += 1;
    space();
    if (text[at] === close) {
      at += 1;
      return;
    }
    for (;;) {
      if (isObject) {
        space();
        if (text[at] !== '"') fail(text[at] === close ? 'trailing comma' : 'expected a double-quoted property name');
        string();
        expect(':', "expected ':' after a property name");
      }
      value();
      space();
      if (text[at] === ',') {
        at += 1;
        space();
        if (text[at] === close) fail('trailing comma');
        continue;
      }
      expect(close, `expected ',' or '${close}'`);
      return;
    }
  };
  try {
    value();
    space();
    if (at < text.length) fail('unexpected text after the end of the JSON value');
  } catch (err) {
    if (err instanceof Stop) return err.problem;
    throw err;
  }
  return { offset: text.length, reason: 'not valid JSON' };
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
