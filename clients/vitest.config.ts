// Unit tests of the clients' own logic (token refresh, problem mapping,
// display formatting). Node environment: none of it needs a DOM.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/src/**/*.test.ts', 'web/src/**/*.test.ts', 'mobile/src/**/*.test.ts'],
    environment: 'node',
  },
});
