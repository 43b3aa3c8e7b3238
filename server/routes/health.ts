// /health and /version, as `mlflow server` answers them (plain text).
import type { FastifyInstance } from 'fastify';
import { MLFLOW_COMPATIBLE_VERSION } from '../version.js';

export function healthRoutes(app: FastifyInstance): void {
  app.get('/health', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  // The client parses this with packaging.Version and enables features by it (OTLP spans need ≥ 3.4),
  // so it is the MLflow version we are compatible with, not Minflow's own.
  app.get('/version', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(MLFLOW_COMPATIBLE_VERSION));
}
