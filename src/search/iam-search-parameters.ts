/**
 * Search parameters of the IAM resource types, which have no official SearchParameter resources.
 * Names and values that must match exactly (userName, email, role names, engines) are tokens: a
 * login lookup must never match by prefix.
 */
export interface IamSearchParameter {
  base: string;
  code: string;
  type: 'string' | 'token' | 'reference';
  expression: string;
  target?: string[];
}

export const IAM_SEARCH_PARAMETERS: readonly IamSearchParameter[] = [
  { base: 'User', code: 'userName', type: 'token', expression: 'User.userName' },
  { base: 'User', code: 'email', type: 'token', expression: 'User.email' },
  { base: 'User', code: 'identifier', type: 'token', expression: 'User.identifier' },
  { base: 'User', code: 'inactive', type: 'token', expression: 'User.inactive' },
  { base: 'Client', code: 'grant_types', type: 'token', expression: 'Client.grant_types' },
  { base: 'Client', code: 'active', type: 'token', expression: 'Client.active' },
  { base: 'Session', code: 'user', type: 'reference', expression: 'Session.user', target: ['User'] },
  { base: 'Session', code: 'client', type: 'reference', expression: 'Session.client', target: ['Client'] },
  { base: 'Session', code: 'active', type: 'token', expression: 'Session.active' },
  { base: 'Session', code: 'type', type: 'token', expression: 'Session.type' },
  { base: 'Role', code: 'name', type: 'token', expression: 'Role.name' },
  { base: 'Role', code: 'user', type: 'reference', expression: 'Role.user', target: ['User'] },
  { base: 'AccessPolicy', code: 'link', type: 'reference', expression: 'AccessPolicy.link', target: ['Client', 'User', 'Operation'] },
  { base: 'AccessPolicy', code: 'engine', type: 'token', expression: 'AccessPolicy.engine' },
  { base: 'AccessPolicy', code: 'roleName', type: 'token', expression: 'AccessPolicy.roleName' },
  { base: 'TokenIntrospector', code: 'type', type: 'token', expression: 'TokenIntrospector.type' },
  { base: 'TokenIntrospector', code: 'iss', type: 'token', expression: 'TokenIntrospector.jwt.iss' },
  { base: 'IdentityProvider', code: 'system', type: 'token', expression: 'IdentityProvider.system' },
  { base: 'IdentityProvider', code: 'active', type: 'token', expression: 'IdentityProvider.active' },
  { base: 'Grant', code: 'client', type: 'reference', expression: 'Grant.client', target: ['Client'] },
  { base: 'Grant', code: 'user', type: 'reference', expression: 'Grant.user', target: ['User'] },
];
