import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecRunner, type CommandResult, type CommandRunner, type PreparedCommand } from './command-runner.ts';
import { NftRunner } from './nftables/nft-runner.ts';
import { pollUntil } from '../shared/util/wait.ts';

test('ExecRunner.prepare: started ahead, it runs once with the input given later and reports code, stdout and stderr', async () => {
  const runner = new ExecRunner();
  const cmd = runner.prepare('sh', ['-c', 'cat; echo oops >&2; exit 3']);
  assert.equal(cmd.usable, true);
  const r = await cmd.run('hello\n');
  assert.deepEqual(r, { code: 3, stdout: 'hello\n', stderr: 'oops\n' });
  assert.equal(cmd.usable, false);
  await assert.rejects(cmd.run('again'), /runs once/);
  // One that exited before it was used is not usable; a discarded one is killed.
  const gone = runner.prepare('sh', ['-c', 'exit 0']);
  await pollUntil(async () => !gone.usable, { timeoutMs: 10_000, intervalMs: 10 });
  const idle = runner.prepare('sleep', ['30']);
  idle.discard();
  assert.equal(idle.usable, false);
});

/** Runs `cat` for nft (the script comes back as stdout) and counts the processes started ahead. */
class CountingRunner implements CommandRunner {
  readonly exec = new ExecRunner();
  prepared: PreparedCommand[] = [];
  command(cmd: string, args: string[]): [string, string[]] {
    return this.exec.command(cmd, args);
  }
  run(cmd: string, args: string[], options?: { input?: string }): Promise<CommandResult> {
    return this.exec.run(cmd, args, options);
  }
  prepare(_cmd: string, _args: string[]): PreparedCommand {
    const p = this.exec.prepare('sh', ['-c', 'grep -q refuse && exit 1; exit 0']);
    this.prepared.push(p);
    return p;
  }
}

test('NftRunner.apply keeps the next nft started while one runs; a refused script still throws; close kills the waiting one', async () => {
  const runner = new CountingRunner();
  const nft = new NftRunner(runner, { table: 'kube-proxy' });
  await nft.apply('add table ip kube-proxy\n');
  assert.equal(runner.prepared.length, 2, 'the first apply starts its own nft and the next one');
  await nft.apply('add chain ip kube-proxy services\n');
  assert.equal(runner.prepared.length, 3, 'the second apply used the one started ahead');
  assert.equal(runner.prepared[1]?.usable, false);
  await assert.rejects(nft.apply('refuse\n'), /nft -f - failed \(exit 1\)/);
  // The waiting one died: the next apply starts a fresh one instead of failing.
  runner.prepared.at(-1)?.discard();
  await nft.apply('add chain ip kube-proxy other\n');
  nft.close();
  assert.equal(runner.prepared.at(-1)?.usable, false);
  assert.equal(runner.prepared.filter((p) => p.usable).length, 0);
});
