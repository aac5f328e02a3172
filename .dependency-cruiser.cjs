/**
 * The rooms of the code and which way their imports may point (npm run lint:deps, run by `npm run lint`).
 * Lower rooms never import higher ones:
 *
 *   src/shared       platform (config, logger, pool, Redis, AMQP, HTTP, metrics registry, errors, lifecycle)
 *                    and the backfill's contracts (conversion, range message, ledger, coordinator, topology)
 *   src/schema       the schema-migration tool; given its revision list, never imports migrations/
 *   src/operations   the control plane's verbs and the job status they report
 *   src/producer, src/consumers, src/upgrades   the processes and the file upgrades
 *   src/cli, src/dashboard, src/demo, tools, test   entry points: may import any room below them
 *   migrations       revisions: use only src/schema's step runner and src/shared
 */
const room = (name) => `^src/${name}/`;
const forbid = (name, from, to, comment) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: to } });
/** Room `name` may import none of `rooms`, nor migrations/, tools/ or test/ (the entry points' business). */
const forbidRooms = (name, from, rooms, comment) =>
  forbid(name, room(from), `^(src/(${rooms.join('|')})/|migrations/|tools/|test/)`, comment);

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'An import cycle: split the shared part into its own module.',
      from: {}, to: { circular: true } },
    forbid('shared-imports-upward', room('shared'), '^(src/(?!shared/)|migrations/|tools/|test/)',
      'src/shared holds what producer and consumers share; it imports nothing of the rooms above it.'),
    forbidRooms('schema-imports-upward', 'schema', ['producer', 'consumers', 'operations', 'cli', 'dashboard', 'demo', 'upgrades'],
      'The schema tool takes its revision list as a parameter; only entry points wire migrations/ into it.'),
    forbidRooms('operations-imports-upward', 'operations', ['producer', 'consumers', 'cli', 'dashboard', 'demo', 'upgrades', 'schema'],
      'The control plane is shared by the CLI, the dashboard and the producer; it imports none of them.'),
    forbidRooms('producer-imports-sideways', 'producer', ['consumers', 'cli', 'dashboard', 'demo', 'upgrades', 'schema'],
      'The producer plans and publishes; what the consumers also need lives in src/shared.'),
    forbidRooms('consumers-import-sideways', 'consumers', ['producer', 'operations', 'cli', 'dashboard', 'demo', 'upgrades', 'schema'],
      'A consumer needs only the shared platform and contracts.'),
    forbidRooms('upgrades-import-sideways', 'upgrades', ['producer', 'consumers', 'operations', 'cli', 'dashboard', 'demo', 'schema'],
      'File upgrades are independent of the fleet and the schema.'),
    forbidRooms('dashboard-imports-sideways', 'dashboard', ['producer', 'consumers', 'cli', 'demo', 'upgrades', 'schema'],
      'The dashboard reads status and calls the control plane; it imports no process or command.'),
    forbidRooms('demo-imports-sideways', 'demo', ['cli', 'dashboard'],
      'The demo is started by the CLI, which hands it the revision list.'),
    forbid('src-imports-tools-or-tests', '^src/', '^(tools/|test/)', 'Shipped code never imports benchmarks or tests.'),
    forbid('migrations-import-upward', '^migrations/', '^(src/(?!schema/|shared/)|tools/|test/)',
      'A revision uses the step runner (src/schema) and shared helpers only.'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Deliberate violations that test/unit/importRules.test.ts cruises on their own to show the rules fire.
    exclude: { path: '^test/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
