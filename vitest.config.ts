import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'exporter/test/**/*.test.ts',
      'alerts/test/**/*.test.ts',
      'dashboards/test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
      'demo/test/**/*.test.ts',
      'queries/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start real servers on loopback ports; run files one at a time on this 2-core machine.
    fileParallelism: false,
  },
});
