// The typed API client and display helpers both apps share.
export type { paths, components, operations } from './schema';
export * from './problem';
export * from './session';
export * from './client';
export * from './format';
export * from './intl';
