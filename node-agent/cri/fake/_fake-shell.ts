/**
 * The tiny "shell" FakeRuntime runs container commands with, so that the shared CRI conformance suite and
 * agent unit tests can use ordinary busybox-style commands against the fake.
 *
 * A program is `argv` (command + args). `sh -c SCRIPT` runs SCRIPT; anything else is one simple command.
 * SCRIPT is a list of simple commands separated by `;`, `&&` or newlines (`&&` is treated like `;`).
 * Words: single quotes, double quotes, backslash escapes; `$NAME` and `${NAME}` expand from the env.
 * Redirections: `>&2` / `1>&2` (to stderr), `> FILE`, `>> FILE`, `2>/dev/null`.
 *
 * Understood commands: `echo`, `exit N`, `true`, `:`, `false`, `sleep N|infinity`, `trap 'exit N' TERM`,
 * `readlink /proc/self/ns/net`, `hostname`, `printenv [NAME]`, `env`, `cat FILE`, `touch FILE`, `mkdir -p DIR`,
 * `pause`/`/pause`. Any other command is a long-running server: the program blocks there until stopped
 * (like `httpd -f`). Files are resolved through the container's mounts to real host paths; paths outside
 * every mount live in an in-memory per-container rootfs.
 */

export type Step =
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'exit'; code: number }
  | { kind: 'sleep'; seconds: number } // Infinity = forever
  | { kind: 'block' } // unknown long-running command
  | { kind: 'status'; code: number }; // last command's status, no output

/** What the shell needs from the container it runs in. */
export interface ShellContext {
  env: Map<string, string>;
  netns: string;
  hostname: string;
  /** Reads a container path; undefined if missing. */
  readFile(path: string): string | undefined;
  /** Writes (or appends to) a container path; false if the path is not writable (read-only mount). */
  writeFile(path: string, data: string, append: boolean): boolean;
  mkdir(path: string): boolean;
}

export interface ShellState {
  /** Exit code on SIGTERM when a `trap 'exit N' TERM` ran. */
  termExitCode?: number;
  lastStatus: number;
}

function tokenize(script: string, env: Map<string, string>): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let cur = '';
  let inWord = false;
  const expand = (i: number): [string, number] => {
    // at script[i] === '$'
    const rest = script.slice(i + 1);
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
    if (braced?.[1]) return [env.get(braced[1]) ?? '', i + 1 + braced[0].length];
    const plain = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (plain) return [env.get(plain[0]) ?? '', i + 1 + plain[0].length];
    return ['$', i + 1];
  };
  const endWord = () => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  let i = 0;
  while (i < script.length) {
    const ch = script[i] ?? '';
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      cur += script.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
    } else if (ch === '"') {
      inWord = true;
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '\\' && i + 1 < script.length && '"\\$`'.includes(script[i + 1] ?? '')) {
          cur += script[i + 1];
          i += 2;
        } else if (script[i] === '$') {
          const [v, next] = expand(i);
          cur += v;
          i = next;
        } else {
          cur += script[i];
          i++;
        }
      }
      i++;
    } else if (ch === '\\' && i + 1 < script.length) {
      cur += script[i + 1];
      inWord = true;
      i += 2;
    } else if (ch === '$') {
      const [v, next] = expand(i);
      cur += v;
      inWord = true;
      i = next;
    } else if (ch === ';' || ch === '\n') {
      endCommand();
      i++;
    } else if (ch === '&' && script[i + 1] === '&') {
      endCommand();
      i += 2;
    } else if (ch === ' ' || ch === '\t') {
      endWord();
      i++;
    } else if (ch === '#' && !inWord) {
      while (i < script.length && script[i] !== '\n') i++;
    } else {
      cur += ch;
      inWord = true;
      i++;
    }
  }
  endCommand();
  return commands;
}

interface Redirect {
  stream: 'stdout' | 'stderr';
  file?: { path: string; append: boolean };
  discardStderr: boolean;
}

function splitRedirects(words: string[]): [string[], Redirect] {
  const out: string[] = [];
  const r: Redirect = { stream: 'stdout', discardStderr: false };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '>&2' || w === '1>&2') r.stream = 'stderr';
    else if (w === '2>/dev/null') r.discardStderr = true;
    else if (w === '>' || w === '>>') {
      r.file = { path: words[i + 1] ?? '', append: w === '>>' };
      i++;
    } else if (w.startsWith('>>') && w.length > 2) r.file = { path: w.slice(2), append: true };
    else if (w.startsWith('>') && w.length > 1 && !w.startsWith('>&')) r.file = { path: w.slice(1), append: false };
    else out.push(w);
  }
  return [out, r];
}

function basename(cmd: string): string {
  return cmd.slice(cmd.lastIndexOf('/') + 1);
}

/**
 * Runs argv in ctx and returns the steps it takes. Output and file effects of commands before the first
 * sleep/block/exit are already applied through ctx; `continueAfter` resumes after a sleep.
 */
export class FakeShell {
  readonly state: ShellState = { lastStatus: 0 };
  #commands: string[][];
  #pc = 0;
  #ctx: ShellContext;

  constructor(argv: string[], ctx: ShellContext) {
    this.#ctx = ctx;
    const cmd = argv[0] ? basename(argv[0]) : '';
    if ((cmd === 'sh' || cmd === 'bash' || cmd === 'ash') && argv[1] === '-c') {
      this.#commands = tokenize(argv[2] ?? '', ctx.env);
    } else if (argv.length === 0 || ((cmd === 'sh' || cmd === 'bash' || cmd === 'ash') && argv.length === 1)) {
      // An interactive shell without stdin exits at once.
      this.#commands = [];
    } else {
      this.#commands = [argv];
    }
  }

  /**
   * Runs commands until the program sleeps, blocks or ends. Returns the steps in order; output steps are
   * for the caller to write (logs or exec buffers). The last step is `sleep`, `block` or `exit`.
   */
  run(): Step[] {
    const steps: Step[] = [];
    while (this.#pc < this.#commands.length) {
      const words = this.#commands[this.#pc++] ?? [];
      const step = this.#exec(words, steps);
      if (step) {
        steps.push(step);
        if (step.kind === 'exit' || step.kind === 'sleep' || step.kind === 'block') return steps;
      }
    }
    steps.push({ kind: 'exit', code: this.state.lastStatus });
    return steps;
  }

  #emit(steps: Step[], r: Redirect, text: string): void {
    if (r.file) {
      const ok = this.#ctx.writeFile(r.file.path, text, r.file.append);
      this.state.lastStatus = ok ? 0 : 1;
      if (!ok) steps.push({ kind: 'output', stream: 'stderr', text: `sh: can't create ${r.file.path}: Read-only file system\n` });
      return;
    }
    if (r.stream === 'stderr' && r.discardStderr) return;
    steps.push({ kind: 'output', stream: r.stream, text });
  }

  #fail(steps: Step[], r: Redirect, text: string, code = 1): void {
    this.state.lastStatus = code;
    if (!r.discardStderr) steps.push({ kind: 'output', stream: 'stderr', text });
  }

  #exec(rawWords: string[], steps: Step[]): Step | undefined {
    const [words, r] = splitRedirects(rawWords);
    const name = words[0] ? basename(words[0]) : '';
    const args = words.slice(1);
    const previous = this.state.lastStatus;
    this.state.lastStatus = 0;
    switch (name) {
      case '':
        return undefined;
      case 'echo': {
        let a = args;
        let newline = true;
        if (a[0] === '-n') {
          newline = false;
          a = a.slice(1);
        }
        this.#emit(steps, r, a.join(' ') + (newline ? '\n' : ''));
        return undefined;
      }
      case 'exit':
        return { kind: 'exit', code: Number(args[0] ?? previous) & 0xff };
      case 'true':
      case ':':
        return undefined;
      case 'false':
        this.state.lastStatus = 1;
        return undefined;
      case 'sleep': {
        const s = args[0] === 'infinity' ? Infinity : Number(args[0] ?? 0);
        return { kind: 'sleep', seconds: Number.isFinite(s) && s >= 0 ? s : Infinity };
      }
      case 'pause':
        return { kind: 'block' };
      case 'trap': {
        const action = args[0] ?? '';
        if (args.slice(1).some((s) => s === 'TERM' || s === 'SIGTERM' || s === '15')) {
          const m = /exit\s+(\d+)/.exec(action);
          if (m?.[1] !== undefined) this.state.termExitCode = Number(m[1]);
          else if (action === '' || action === '-') delete this.state.termExitCode;
        }
        return undefined;
      }
      case 'readlink':
        if (args[0] === '/proc/self/ns/net') this.#emit(steps, r, this.#ctx.netns + '\n');
        else this.#fail(steps, r, '', 1);
        return undefined;
      case 'hostname':
        this.#emit(steps, r, this.#ctx.hostname + '\n');
        return undefined;
      case 'printenv':
      case 'env': {
        if (args[0] !== undefined && name === 'printenv') {
          const v = this.#ctx.env.get(args[0]);
          if (v === undefined) this.state.lastStatus = 1;
          else this.#emit(steps, r, v + '\n');
        } else {
          this.#emit(steps, r, [...this.#ctx.env].map(([k, v]) => `${k}=${v}\n`).join(''));
        }
        return undefined;
      }
      case 'cat': {
        for (const p of args) {
          const data = this.#ctx.readFile(p);
          if (data === undefined) this.#fail(steps, r, `cat: can't open '${p}': No such file or directory\n`);
          else this.#emit(steps, r, data);
        }
        return undefined;
      }
      case 'touch': {
        for (const p of args) {
          if (this.#ctx.readFile(p) !== undefined) continue;
          if (!this.#ctx.writeFile(p, '', true)) this.#fail(steps, r, `touch: ${p}: Read-only file system\n`);
        }
        return undefined;
      }
      case 'mkdir': {
        for (const p of args.filter((a) => !a.startsWith('-'))) {
          if (!this.#ctx.mkdir(p)) this.#fail(steps, r, `mkdir: can't create directory '${p}': Read-only file system\n`);
        }
        return undefined;
      }
      default:
        return { kind: 'block' };
    }
  }
}
