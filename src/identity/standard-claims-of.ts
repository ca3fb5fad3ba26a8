type Obj = Record<string, unknown>;

/** OIDC Core §5.1: the standard claims about the person; token mechanics (exp, jti, aud, …) are not user data. */
const STANDARD_CLAIMS = [
  'sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address', 'updated_at',
];

/** The user data a token carries about its subject: its OIDC standard claims, nothing else. */
export function standardClaimsOf(claims: Obj): Obj {
  return Object.fromEntries(STANDARD_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
}
