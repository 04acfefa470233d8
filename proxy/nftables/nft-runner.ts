/**
 * The nft command line as the proxier uses it: a script applied with `nft -f -` (one transaction: all of it
 * or nothing), checked with `nft -c -f -`, the table deleted, its presence checked.
 */
import { CommandFailedError, type CommandRunner } from '../command-runner.ts';

export class NftRunner {
  readonly #runner: CommandRunner;
  readonly #family: string;
  readonly #table: string;

  constructor(runner: CommandRunner, options: { family?: string; table: string }) {
    this.#runner = runner;
    this.#family = options.family ?? 'ip';
    this.#table = options.table;
  }

  /** Applies a script as one transaction; throws CommandFailedError with nft's message when it is refused. */
  async apply(script: string): Promise<void> {
    const r = await this.#runner.run('nft', ['-f', '-'], { input: script });
    if (r.code !== 0) throw new CommandFailedError('nft -f -', r);
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
