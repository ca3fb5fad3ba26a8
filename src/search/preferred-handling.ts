/** Prefer: handling=strict | lenient (FHIR search.html#errors); strict unless asked otherwise. */
export function preferredHandling(prefer: string | undefined): 'strict' | 'lenient' {
  return /handling\s*=\s*"?lenient"?/i.test(prefer ?? '') ? 'lenient' : 'strict';
}
