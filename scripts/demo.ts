export async function runDemo(_argv: string[]): Promise<void> {
  throw new Error('demo: not written yet');
}
