// Starts the health and metrics listener for a running bot (when HTTP_PORT is set).
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import type { BotMetrics } from '../metrics.ts';
import { checkReadiness, pollIntervalMs } from './readiness.ts';
import { type HttpListener, startHttpListener } from './server.ts';

export type { HttpListener } from './server.ts';

export function startHealthListener(options: {
  config: Config;
  db: Db;
  metrics: BotMetrics;
  clock: () => Date;
  gatewayStatus: () => string;
  /** Why the gateway is not ready and how to fix it, when the bot knows (not added to the server yet). */
  gatewayProblem?: () => string | null;
  log: Logger;
}): Promise<HttpListener> | null {
  const { config, db, metrics, clock, log } = options;
  if (config.httpPort === null) return null;
  const interval = (now: Date) => pollIntervalMs(config.pollSchedule, config.timezone, now);
  return startHttpListener({
    host: config.httpHost,
    port: config.httpPort,
    log,
    endpoints: {
      readiness: () => {
        const now = clock();
        return checkReadiness({
          db,
          gatewayStatus: options.gatewayStatus,
          ...(options.gatewayProblem ? { gatewayProblem: options.gatewayProblem } : {}),
          now,
          pollIntervalMs: interval(now),
        });
      },
      metrics: async () => {
        const now = clock();
        await metrics
          .refreshFromDatabase(db, now, { pollIntervalMs: interval(now), timezone: config.timezone })
          .catch((err) => log.warn({ err }, 'metrics: the database did not answer'));
        return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
      },
    },
  });
}
