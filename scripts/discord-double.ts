// Runs the Discord double (test/doubles/discord) on 127.0.0.1 until stopped, printing what a bot needs to reach
// it as one JSON line: used by scripts/image-check to start the image's bot against it.
import { DiscordDouble } from '../test/doubles/discord/index.ts';

const discord = await DiscordDouble.start();
console.log(JSON.stringify({ apiUrl: discord.apiUrl, token: discord.token, guildId: discord.guildId }));
const stop = () => void discord.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
