// The static list of slash commands (no filesystem scanning).
import type { Command } from '../src/discord/command.ts';
import { activity } from './activity.ts';
import { audit } from './audit.ts';
import { enforcement } from './enforcement.ts';
import { history } from './history.ts';
import { link } from './link.ts';
import { plan } from './plan.ts';
import { quota } from './quota.ts';
import { report } from './report.ts';
import { server } from './server.ts';
import { status } from './status.ts';
import { template } from './template.ts';
import { user } from './user.ts';

export const commands: readonly Command[] = [
  server,
  plan,
  user,
  enforcement,
  template,
  activity,
  quota,
  link,
  report,
  history,
  audit,
  status,
];
