/**
 * What a pure upgrade core decides for one file's text, before any I/O: leave it alone, or replace it with
 * `output`. The masked texts are what a dry run shows (secrets hidden); `output` is what gets written.
 * A core throws InvalidFileError when the file cannot be migrated as it stands.
 */
export type Plan =
  | { kind: 'current'; from: string; to: string; note?: string }
  | { kind: 'migrate'; from: string; to: string; output: string; warnings: string[]; maskedBefore: string; maskedAfter: string };

/** `fileName` is for messages only; `text` is the file's content without a byte-order mark. */
export type Planner = (fileName: string, text: string) => Plan;
