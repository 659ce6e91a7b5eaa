// Many Plex doubles in a process of their own, for the benches that measure the bot's process alone (its event
// loop, CPU and memory must not carry the doubles' work). The parent forks this file (`hostDoubles`) and drives it
// over the IPC channel: start N servers, set a server's sessions, count the stop requests each server received.
// Each server is the ordinary Plex double (test/doubles/plex.ts) on a port of its own, with its push socket.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type PlexDouble, type PlexSessionSpec, startPlexDouble } from '../doubles/plex.ts';

/** One stream: a Plex account (id), a session key that names it, and whether it is paused. */
export interface Slot {
  account: number;
  key: number;
  paused?: boolean;
}

export const plexAccountName = (account: number) => `acct${account}`;

const sessionOf = (server: number, slot: Slot): PlexSessionSpec => ({
  user: { id: slot.account, title: plexAccountName(slot.account) },
  player: {
    state: slot.paused ? 'paused' : 'playing',
    device: `Device ${slot.key}`,
    product: 'Plex for Android',
    address: `203.0.${server % 250}.${(slot.key % 250) + 1}`,
    machineIdentifier: `dev-${server}-${slot.key}`,
    title: `Device ${slot.key}`,
  },
  session: { id: `s-${server}-${slot.key}` },
  type: 'movie',
  title: `Movie ${slot.key}`,
  sessionKey: String(slot.key),
});

type Request =
  | { op: 'start'; count: number; accounts: number[][] }
  | { op: 'set'; server: number; slots: Slot[]; push?: number }
  | { op: 'stops' }
  | { op: 'connections' }
  | { op: 'stop' };

interface Message {
  id: number;
  request: Request;
}

export interface StopRecord {
  /** performance.timeOrigin + performance.now() at the double when the stop arrived (wall-clock ms). */
  at: number;
  sessionId: string;
}

export interface DoublesHost {
  servers: Array<{ url: string; token: string }>;
  /** Lists `slots` on `server`; with `push`, the server then pushes a `playing` event for that session key. Answers
   *  when it pushed (wall-clock ms, as StopRecord.at). */
  set(server: number, slots: Slot[], push?: number): Promise<number>;
  /** Open push sockets, all servers together. */
  connections(): Promise<number>;
  /** Every stop request each server received so far, in order. */
  stops(): Promise<StopRecord[][]>;
  stop(): Promise<void>;
}

/** Forks the host and starts `accounts.length` servers, server i listing the Plex accounts `accounts[i]`. */
export async function hostDoubles(accounts: number[][]): Promise<DoublesHost> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--host'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  child.on('message', (m: { id: number; value: unknown }) => {
    waiting.get(m.id)?.(m.value);
    waiting.delete(m.id);
  });
  const ask = <T>(request: Request) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, resolve as (value: unknown) => void);
      child.send({ id, request } satisfies Message, (error) => error && reject(error));
    });
  const servers = await ask<Array<{ url: string; token: string }>>({
    op: 'start',
    count: accounts.length,
    accounts,
  });
  return {
    servers,
    set: (server, slots, push) =>
      ask<number>({ op: 'set', server, slots, ...(push === undefined ? {} : { push }) }),
    connections: () => ask<number>({ op: 'connections' }),
    stops: () => ask<StopRecord[][]>({ op: 'stops' }),
    async stop() {
      await ask<void>({ op: 'stop' });
      child.disconnect();
    },
  };
}

async function host(): Promise<void> {
  const doubles: PlexDouble[] = [];
  const stopTimes: number[][] = [];
  const answer = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'start':
        for (let i = 0; i < request.count; i++) {
          const plex = await startPlexDouble({
            token: `plex-token-host-${i}`,
            premium: true,
            friendlyName: `P${i}`,
            machineIdentifier: `${i}`.padStart(40, 'a'),
          });
          plex.setAccounts((request.accounts[i] ?? []).map((id) => ({ id, name: plexAccountName(id) })));
          // The arrival time of each stop request, as it reaches the double.
          const times: number[] = [];
          const list = plex.terminations;
          const push = list.push.bind(list);
          list.push = (...items) => {
            for (const _ of items) times.push(performance.timeOrigin + performance.now());
            return push(...items);
          };
          stopTimes.push(times);
          doubles.push(plex);
        }
        return doubles.map((d) => ({ url: d.url, token: d.token }));
      case 'set': {
        const plex = doubles[request.server]!;
        plex.setSessions(request.slots.map((slot) => sessionOf(request.server, slot)));
        const at = performance.timeOrigin + performance.now();
        if (request.push !== undefined) plex.push.playing(String(request.push), 'playing');
        return at;
      }
      case 'connections':
        return doubles.reduce((n, d) => n + d.push.connections, 0);
      case 'stops':
        return doubles.map((d, i) =>
          d.terminations.map((t, k) => ({ at: stopTimes[i]![k]!, sessionId: t.sessionId })),
        );
      case 'stop':
        for (const d of doubles) await d.stop();
        return undefined;
    }
  };
  process.on('message', (m: Message) => {
    void answer(m.request).then((value) => process.send?.({ id: m.id, value }));
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--host')) await host();
