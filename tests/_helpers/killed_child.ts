// Running a child Deno process that reports acknowledged writes on stdout, one per line,
// and killing it with SIGKILL after a chosen number of lines.

/** Starts `script` with read and write permissions, stdout and stderr piped. */
export function spawnChild(script: URL, args: readonly string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", script.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Hands each stdout line of `child` to `onLine` until `count` lines were read (or the
 * child ended), then kills it with SIGKILL before closing the pipe, so that it cannot fail
 * on its own.
 *
 * @returns How many lines were read.
 */
export async function readLinesThenKill(
  child: Deno.ChildProcess,
  count: number,
  onLine: (line: string) => void,
): Promise<number> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let read = 0;
  try {
    while (read < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        read++;
        onLine(line);
      }
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // It already ended on its own; the caller's status check reports that.
    }
    await reader.cancel();
  }
  return read;
}
