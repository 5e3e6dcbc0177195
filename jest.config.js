// Unit tests (*.spec.ts) never load a model or a database; integration tests (*.int-spec.ts) use the real models and
// photos; end-to-end tests (*.e2e-spec.ts) run the whole app twice: on native PostgreSQL and on the embedded one.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@facegate/common$': '<rootDir>/libs/common/src',
  '^@facegate/face-engine$': '<rootDir>/libs/face-engine/src',
  '^@facegate/database$': '<rootDir>/libs/database/src',
  '^@facegate/client$': '<rootDir>/libs/client/src',
  '^@facegate/core$': '<rootDir>/libs/core/src',
};
const base = { rootDir: __dirname, transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node', testTimeout: 120000 };

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'], slowTestThreshold: 60 },
    {
      ...base,
      displayName: 'e2e-postgres',
      testMatch: ['<rootDir>/apps/**/*.e2e-spec.ts'],
      globals: { FACEGATE_TEST_DATABASE: 'postgres' },
    },
    {
      ...base,
      displayName: 'e2e-embedded',
      testMatch: ['<rootDir>/apps/**/*.e2e-spec.ts'],
      globals: { FACEGATE_TEST_DATABASE: 'embedded' },
    },
    // The web page in Debian's headless Chromium (scripts/setup-chromium.sh), against PostgreSQL.
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/apps/web/**/*.browser-spec.ts'], globals: { FACEGATE_TEST_DATABASE: 'postgres' } },
  ],
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
