/**
 * Where alert links point: the runbooks and Grafana. The committed rule files (`npm run generate`)
 * use the defaults, the stack's own addresses; a deployment renders its own with `npm run rules`,
 * which reads these settings from the environment (alerts/src/cli.ts).
 */
import { z } from 'zod';

/**
 * The runbooks as the stack serves them: Prometheus serves docs/ as user assets
 * (`--web.user-assets`, docker-compose.yml), and each alert's section has an anchor of its name.
 */
export const DEFAULT_RUNBOOK_BASE_URL = 'http://localhost:9090/user/runbooks.html';
/** Grafana as docker-compose.yml publishes it. */
export const DEFAULT_GRAFANA_URL = 'http://localhost:3000';

const url = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

const schema = z.object({
  RUNBOOK_BASE_URL: url.default(DEFAULT_RUNBOOK_BASE_URL),
  GRAFANA_URL: url.default(DEFAULT_GRAFANA_URL),
});

export interface LinkSettings {
  runbookBaseUrl: string;
  grafanaUrl: string;
}

export const DEFAULT_LINKS: LinkSettings = {
  runbookBaseUrl: DEFAULT_RUNBOOK_BASE_URL,
  grafanaUrl: DEFAULT_GRAFANA_URL,
};

/** The link settings from the environment; throws an error naming the setting when one is invalid. */
export function linkSettings(env: Record<string, string | undefined>): LinkSettings {
  const parsed = schema.safeParse({
    RUNBOOK_BASE_URL: env.RUNBOOK_BASE_URL || undefined,
    GRAFANA_URL: env.GRAFANA_URL || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid setting ${issue.path.join('.')}: ${issue.message}`);
  }
  return { runbookBaseUrl: parsed.data.RUNBOOK_BASE_URL, grafanaUrl: parsed.data.GRAFANA_URL };
}
