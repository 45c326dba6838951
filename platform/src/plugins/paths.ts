/** Where a plugin's partner routes are mounted (its own module: core reads and the routes both need it, and the routes import the host). */
export function partnerRoutesPath(pluginName: string): string {
  return `/api/${pluginName}`;
}
