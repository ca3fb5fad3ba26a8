// oidc-provider ships no types; the benchmark only constructs it and listens.
declare module 'oidc-provider';
