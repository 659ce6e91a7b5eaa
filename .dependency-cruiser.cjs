// The house rules of ARCHITECTURE.md ("Rules"), checked by `npm run lint:deps` (part of `npm run lint` and CI).
// A rule that has to be broken is changed in ARCHITECTURE.md first, with the reason, then here.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles: every file stands above what it imports.',
      severity: 'error',
      from: { path: '^(src|commands)/' },
      to: { circular: true },
    },
    {
      name: 'context-stays-low',
      comment:
        'context.ts names what the running bot offers; it imports only low types (db, policy, media, notify, types).',
      severity: 'error',
      from: { path: '^src/context\\.ts$' },
      to: {
        path: '^(src/(act|engine|jobs|sense|services|gateway|discord|http|cluster|decide|report)/|src/app\\.ts|commands/)',
      },
    },
    {
      name: 'services-ask-the-context',
      comment:
        'Services reach the running bot only through the context: never the outbox runner, the engine, the schedule or the gateway.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^(src/(act|engine|jobs|gateway|sense)/|src/app\\.ts|commands/)' },
    },
    {
      name: 'services-no-discord-plumbing',
      comment: 'Services render embeds with discord/reply.ts only; the rest of discord/ is for commands.',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/discord/', pathNot: '^src/discord/reply\\.ts$' },
    },
    {
      name: 'decide-is-pure',
      comment:
        'decide/ takes plain data and now: only policy/, types/, the schema types and the media types.',
      severity: 'error',
      from: { path: '^src/decide/' },
      to: {
        path: '^src/',
        pathNot: '^src/(policy|types|decide)/|^src/db/schema\\.ts$|^src/media/types\\.ts$',
      },
    },
    {
      name: 'decide-no-io',
      comment: 'decide/ reads no clock, database, network or file.',
      severity: 'error',
      from: { path: '^src/decide/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'core'] },
    },
    {
      name: 'sense-does-not-act',
      comment: 'sense/ reads and records what it saw; acting and notifying come after it.',
      severity: 'error',
      from: { path: '^src/sense/' },
      to: { path: '^src/(act|notify|engine|jobs|gateway)/' },
    },
    {
      name: 'discord-plumbing-below-services',
      comment: 'discord/ is the plumbing commands use; it never reaches into services or the engine.',
      severity: 'error',
      from: { path: '^src/discord/' },
      to: { path: '^(src/(services|act|engine|jobs|sense|gateway)/|commands/)' },
    },
    {
      name: 'no-discord-below-commands',
      comment:
        'The enforcement path and the data layers know no Discord types (notify/ and discord/ are the adapters).',
      severity: 'error',
      from: { path: '^src/(policy|decide|db|media|sense|act|engine|jobs|types|cluster)/' },
      to: { path: '(^|/)node_modules/(discord\\.js|@discordjs)/' },
    },
    {
      name: 'gateway-is-composed-once',
      comment: 'Only app.ts starts the running Discord side.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app\\.ts|gateway/)' },
      to: { path: '^src/gateway/' },
    },
    {
      name: 'jobs-are-on-top',
      comment: 'jobs/ says when things run; nothing below imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app\\.ts|jobs/)' },
      to: { path: '^src/jobs/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
