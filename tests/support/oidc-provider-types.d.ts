/**
 * The few parts of oidc-provider (which ships no types) the test provider uses:
 * tests/support/oidc-provider.ts.
 */
declare module 'oidc-provider' {
  import type http from 'node:http';

  interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  interface OidcContext {
    oidc: {
      session?: { accountId?: string };
      client?: { clientId: string };
      params?: Record<string, unknown>;
      provider: { Grant: new (properties: { clientId: string; accountId: string }) => Grant };
    };
  }

  interface Account {
    accountId: string;
    claims(): Record<string, unknown>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: {
      clients: Record<string, unknown>[];
      jwks: { keys: Record<string, unknown>[] };
      scopes: string[];
      claims: Record<string, string[]>;
      acrValues: string[];
      features: Record<string, { enabled: boolean }>;
      interactions: { url(ctx: OidcContext, interaction: { uid: string }): string };
      cookies: { keys: string[] };
      ttl: Record<string, number | (() => number)>;
      findAccount(ctx: OidcContext, sub: string): Account | undefined;
      loadExistingGrant(ctx: OidcContext): Promise<Grant | undefined>;
    });

    callback(): (req: http.IncomingMessage, res: http.ServerResponse) => unknown;
    interactionFinished(
      req: http.IncomingMessage, res: http.ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }
}
