/** Loaded before every test file (.mocharc.json "require"): quiet logs unless asked for. */
process.env.LOG_LEVEL ??= 'warn';
process.env.TRACKTION_ENV_FILE ??= '';
