/** Notifications arrive asynchronously: polls the probe until it gives a value, for up to two seconds. */
export async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 40; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('did not happen within 2 s');
}
