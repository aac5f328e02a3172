import { TracktionError } from '../shared/errors.js';

/**
 * A file this tool cannot migrate as it stands (invalid YAML/JSON, an unknown version, a value .env cannot
 * hold). The message names the file, and the line when there is one; the file is left untouched.
 */
export class InvalidFileError extends TracktionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_file', message, options);
  }
}
