/**
 * The nft command line as the proxier uses it: a script applied with `nft -f -` (one transaction: all of it
 * or nothing), checked with `nft -c -f -`, the table deleted, its presence checked.
 */
import { CommandFailedError, type CommandResult, type CommandRunner, type PreparedCommand } from '../command-runner.ts';

export class NftRunner {
  readonly #runner: CommandRunner;
  readonly #family: string;
  readonly #table: string;
  /** The next transaction's nft, started ahead (runners with prepare()). */
  #ready: PreparedCommand | null = null;
  #closed = false;

  constructor(runner: CommandRunner, options: { family?: string; table: string }) {
    this.#runner = runner;
    this.#family = options.family ?? 'ip';
    this.#table = options.table;
  }

  /**
   * Applies a script as one transaction; throws CommandFailedError with nft's message when it is refused.
   * With a runner that can prepare commands, an `nft -f -` is kept started and waiting for its script (nft
   * reads all of stdin before it reads the kernel's ruleset, so the transaction sees the table as it is when
   * the script arrives): the fork/exec and nft's start-up are paid while the previous transaction runs, not
   * between a change and its rules. Each transaction is still its own nft process.
   */
  async apply(script: string): Promise<void> {
    let r: CommandResult;
    if (this.#runner.prepare) {
      let cmd = this.#ready;
      this.#ready = null;
      if (!cmd?.usable) {
        cmd?.discard();
        cmd = this.#runner.prepare('nft', ['-f', '-']);
      }
      const running = cmd.run(script);
      if (!this.#closed) this.#ready = this.#runner.prepare('nft', ['-f', '-']);
      r = await running;
    } else {
      r = await this.#runner.run('nft', ['-f', '-'], { input: script });
    }
    if (r.code !== 0) throw new CommandFailedError('nft -f -', r);
  }

  /** Stops the nft kept waiting for the next transaction (the proxier's stop). */
  close(): void {
    this.#closed = true;
    this.#ready?.discard();
    this.#ready = null;
  }

  /** Checks a script without applying it (`nft -c`). */
  async check(script: string): Promise<void> {
    const r = await this.#runner.run('nft', ['-c', '-f', '-'], { input: script });
    if (r.code !== 0) throw new CommandFailedError('nft -c -f -', r);
  }

  /**
   * Whether the table is there with its hooks in place: its nat-prerouting chain holds the jump to "services"
   * (gone after `nft flush ruleset`, `nft delete table` or `nft flush table`).
   */
  async intact(): Promise<boolean> {
    const r = await this.#runner.run('nft', ['list', 'chain', this.#family, this.#table, 'nat-prerouting']);
    return r.code === 0 && /jump services/.test(r.stdout);
  }

  /** Deletes the table (and everything in it); false when there was none. */
  async deleteTable(): Promise<boolean> {
    const r = await this.#runner.run('nft', ['delete', 'table', this.#family, this.#table]);
    if (r.code === 0) return true;
    if (/No such file or directory/.test(r.stderr)) return false;
    throw new CommandFailedError(`nft delete table ${this.#family} ${this.#table}`, r);
  }

  /** The whole ruleset as text (tests, debugging). */
  async listRuleset(): Promise<string> {
    const r = await this.#runner.run('nft', ['list', 'ruleset']);
    if (r.code !== 0) throw new CommandFailedError('nft list ruleset', r);
    return r.stdout;
  }
}
