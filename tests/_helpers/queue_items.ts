// Items for the queue tests that say which write they came from: "serial <n>|" and then
// filler bytes that depend on the serial, so a read proves both identity and content.

/** The bytes of the item with `serial`, `size` bytes long (at least its prefix). */
export function serialItem(serial: number, size: number): Uint8Array {
  const prefix = new TextEncoder().encode(`serial ${serial}|`);
  const bytes = new Uint8Array(Math.max(size, prefix.length));
  bytes.set(prefix);
  for (let i = prefix.length; i < bytes.length; i++) bytes[i] = (serial * 31 + i) & 0xff;
  return bytes;
}

/** The serial an item of {@linkcode serialItem} carries; throws for other bytes. */
export function serialOf(bytes: Uint8Array): number {
  const head = new TextDecoder().decode(bytes.subarray(0, 24));
  const match = /^serial (\d+)\|/.exec(head);
  if (match === null) throw new Error(`Not a serial item: ${head}`);
  return Number(match[1]);
}
