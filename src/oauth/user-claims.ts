type Body = Record<string, unknown>;

const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The primary entry of a SCIM multi-valued attribute (emails, phoneNumbers, addresses), else the first. */
function primary(list: unknown): Body | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return (list.find((entry) => (entry as Body)?.primary === true) ?? list[0]) as Body;
}

function drop(claims: Body): Body {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

/** The standard claims of each scope (OpenID Connect Core §5.4), read from our SCIM-shaped User. */
const BY_SCOPE: Record<string, (user: Body) => Body> = {
  profile: (user) => {
    const name = (user.name ?? {}) as Body;
    const given = str(name.givenName);
    const family = str(name.familyName);
    const updated = str((user.meta as Body | undefined)?.lastUpdated);
    return {
      name: str(name.formatted) ?? str(user.displayName) ?? ([given, family].filter(Boolean).join(' ') || undefined),
      given_name: given,
      family_name: family,
      middle_name: str(name.middleName),
      preferred_username: str(user.userName),
      profile: str(user.profileUrl),
      picture: str(user.photo) ?? str(primary(user.photos)?.value),
      gender: str(user.gender),
      zoneinfo: str(user.timezone),
      locale: str(user.locale) ?? str(user.preferredLanguage),
      updated_at: updated ? Math.floor(Date.parse(updated) / 1000) || undefined : undefined,
    };
  },
  email: (user) => {
    const email = str(user.email) ?? str(primary(user.emails)?.value);
    // We hold no proof of who owns the address unless an identity provider vouched for it.
    return { email, email_verified: email ? user.emailVerified === true : undefined };
  },
  phone: (user) => {
    const phone = str(user.phoneNumber) ?? str(primary(user.phoneNumbers)?.value);
    return { phone_number: phone, phone_number_verified: phone ? false : undefined };
  },
  address: (user) => {
    const address = primary(user.addresses);
    if (!address) return {};
    return {
      address: drop({
        formatted: str(address.formatted),
        street_address: str(address.streetAddress),
        locality: str(address.locality),
        region: str(address.region),
        postal_code: str(address.postalCode),
        country: str(address.country),
      }),
    };
  },
};

/** The claims about a person that the granted scopes release, and nothing more. */
export function userClaims(user: Body, scope: readonly string[]): Body {
  const claims: Body = {};
  for (const entry of scope) Object.assign(claims, BY_SCOPE[entry]?.(user) ?? {});
  return drop(claims);
}

/** Every claim userClaims can release, for discovery's `claims_supported`. */
export const USER_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'preferred_username', 'profile', 'picture', 'gender', 'zoneinfo', 'locale', 'updated_at',
  'email', 'email_verified', 'phone_number', 'phone_number_verified', 'address',
];
