import path from 'node:path';

/**
 * The repository's root. This file sits two levels below it both in the sources
 * (platform/src, run by tsx and jest) and compiled (platform/dist, one bundle per entry),
 * so schemas, tenants, built UIs and the data folder are found from here in either.
 */
export const ROOT_DIR = path.resolve(__dirname, '..', '..');
