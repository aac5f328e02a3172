import { expect } from 'chai';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { planConfigMigration } from '../../src/upgrades/config/migrate.js';

/** Property: any v1.0 configuration, migrated to 2.1, keeps every custom key with its value — and only once. */

const RESERVED = new Set(['version', 'database_url', 'database', 'authentication', 'services', 'logging', 'security', 'monitoring', 'auth', 'watch_directories', 'log_level']);
const isCustom = (key: string) => !RESERVED.has(key) && !/(_port|_workers)$/.test(key) && key !== '__proto__';

const customKey = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/)).filter(isCustom);
const value = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const knownV10 = fc.record(
  {
    database_url: fc.webUrl(),
    analysis_port: fc.integer({ min: 1, max: 65535 }),
    tracklist_workers: fc.integer({ min: 1, max: 64 }),
    watch_directories: fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
    log_level: fc.constantFrom('DEBUG', 'INFO', 'WARNING'),
  },
  { requiredKeys: [] },
);
const config = fc.tuple(fc.dictionary(customKey, value, { maxKeys: 8 }), knownV10).map(([custom, known]) => ({ custom, all: { ...known, ...custom } }));

const normalise = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('config migration properties', () => {
  for (const format of ['yaml', 'json'] as const) {
    it(`${format}: every custom key of a generated v1.0 file survives to 2.1 with its value, and a second run is a no-op`, () => {
      fc.assert(
        fc.property(config, ({ custom, all }) => {
          const name = `generated.${format}`;
          const text = format === 'json' ? `${JSON.stringify(all, null, 2)}\n` : stringifyYaml(all);
          const plan = planConfigMigration(name, text, '2.1');
          expect(plan.kind).to.equal('migrate');
          if (plan.kind !== 'migrate') return;
          const out = (format === 'json' ? JSON.parse(plan.output) : parseYaml(plan.output)) as Record<string, unknown>;
          expect(out.version).to.equal('2.1');
          expect(plan.warnings.filter((w) => w.includes('re-rendered as a whole'))).to.deep.equal([]);
          for (const [key, v] of Object.entries(custom)) {
            expect(Object.hasOwn(out, key), `custom key ${JSON.stringify(key)}`).to.equal(true);
            expect(normalise(out[key])).to.deep.equal(normalise(v));
          }
          expect(out).to.not.have.any.keys('database_url', 'analysis_port', 'tracklist_workers', 'watch_directories', 'log_level');
          expect(planConfigMigration(name, plan.output, '2.1').kind).to.equal('current');
        }),
        { numRuns: 150 },
      );
    });
  }
});
