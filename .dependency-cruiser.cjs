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

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'An import cycle: split the shared part into its own module.',
      from: {}, to: { circular: true } },
    forbid('shared-imports-upward', room('shared'), '^(src/(?!shared/)|migrations/|tools/|test/)',
      'src/shared holds what producer and consumers share; it imports nothing of the rooms above it.'),
    forbid('schema-imports-upward', room('schema'), '^(src/(producer|consumers|operations|cli|dashboard|demo|upgrades)/|migrations/|tools/|test/)',
      'The schema tool takes its revision list as a parameter; only entry points wire migrations/ into it.'),
    forbid('operations-imports-upward', room('operations'), '^(src/(producer|consumers|cli|dashboard|demo|upgrades|schema)/|migrations/|tools/|test/)',
      'The control plane is shared by the CLI, the dashboard and the producer; it imports none of them.'),
    forbid('producer-imports-sideways', room('producer'), '^(src/(consumers|cli|dashboard|demo|upgrades|schema)/|migrations/|tools/|test/)',
      'The producer plans and publishes; what the consumers also need lives in src/shared.'),
    forbid('consumers-import-sideways', room('consumers'), '^(src/(producer|operations|cli|dashboard|demo|upgrades|schema)/|migrations/|tools/|test/)',
      'A consumer needs only the shared platform and contracts.'),
    forbid('upgrades-import-sideways', room('upgrades'), '^(src/(producer|consumers|operations|cli|dashboard|demo|schema)/|migrations/|tools/|test/)',
      'File upgrades are independent of the fleet and the schema.'),
    forbid('dashboard-imports-sideways', room('dashboard'), '^(src/(producer|consumers|cli|demo|upgrades|schema)/|migrations/|tools/|test/)',
      'The dashboard reads status and calls the control plane; it imports no process or command.'),
    forbid('demo-imports-sideways', room('demo'), '^(src/(cli|dashboard)/|migrations/|tools/|test/)',
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
