// Types drizzle-kit's generated migrations.js (used only by the test that keeps index.ts in step).
declare const migrations: { journal: { entries: Array<{ idx: number; tag: string }> }; migrations: Record<string, string> };
export default migrations;
