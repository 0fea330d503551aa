// Running the child processes of the queue's killed-process test: each prints one line per
// event; the child is killed with SIGKILL after a chosen number of lines or a deadline, and
// every whole line it printed before it died is still read, so that no event is missed.

/**
 * Hands each whole stdout line of `child` to `onLine`; kills the child with SIGKILL once
 * `lines` lines were read or `ms` passed, then reads on to the end of its output.
 *
 * @returns The child's stderr text.
 */
export async function readAllThenKill(
  child: Deno.ChildProcess,
  lines: number,
  ms: number,
  onLine: (line: string) => void,
): Promise<string> {
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // It ended already; the caller's status check reports that.
    }
  };
  const timer = setTimeout(kill, ms);
  const stderr = new Response(child.stderr).text();
  let read = 0;
  let buffered = "";
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        onLine(line);
        if (++read === lines) kill();
      }
    }
  } finally {
    clearTimeout(timer);
    kill();
  }
  return await stderr;
}
