// The bot's version, from package.json: esbuild inlines it into dist/ at build time, tsx reads it at run time.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
