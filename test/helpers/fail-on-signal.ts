// Preloaded (`--import`) into a bot started as a child process by crash.test.ts: on SIGUSR2 it throws an error that
// nothing catches (FAIL_KIND=exception) or rejects a promise nobody awaits (FAIL_KIND=rejection), as a bug would.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    if (process.env.FAIL_KIND === 'rejection') void Promise.reject(new Error('a promise nobody awaited'));
    else throw new Error('an error nothing caught');
  });
});
