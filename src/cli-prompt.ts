// Terminal prompts for the CLI: visible and hidden (password) questions. On a terminal, hidden answers are
// not echoed; from a pipe, answers are read line by line, so scripts and tests can feed them on stdin.
import { createInterface, type Interface } from 'node:readline';
import { Writable, type Readable } from 'node:stream';

export interface Prompter {
  /** The next answer, or undefined when input ended. */
  ask(question: string, opts?: { hidden?: boolean }): Promise<string | undefined>;
  close(): void;
}

export function createPrompter(input: Readable & { isTTY?: boolean }, output: Writable): Prompter {
  let muted = false;
  // readline echoes what is typed on a terminal through this stream; muting it hides a password.
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let ended = false;
  let rl: Interface | undefined;
  const start = () => {
    rl = createInterface({ input, output: echo, terminal: input.isTTY === true });
    rl.on('line', (line) => {
      const next = waiting.shift();
      if (next) next(line);
      else lines.push(line);
    });
    rl.on('close', () => {
      ended = true;
      for (const next of waiting.splice(0)) next(undefined);
    });
    rl.on('SIGINT', () => {
      output.write('\n');
      process.exit(130);
    });
  };
  return {
    async ask(question, opts = {}) {
      if (!rl) start();
      output.write(question);
      muted = opts.hidden === true;
      try {
        const queued = lines.shift();
        if (queued !== undefined) return queued;
        if (ended) return undefined;
        return await new Promise<string | undefined>((resolve) => waiting.push(resolve));
      } finally {
        if (muted && input.isTTY) output.write('\n');
        muted = false;
      }
    },
    close() {
      rl?.close();
    },
  };
}
