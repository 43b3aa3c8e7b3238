// PostgreSQL migrations, generated from server/store/schema-pg.ts into migrations/postgres/ with
// `npm run db:generate:pg` (SQLite's are drizzle.config.ts → migrations/). Never edit generated SQL.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './server/store/schema-pg.ts',
  out: './migrations/postgres',
});
