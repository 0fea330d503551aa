// Entry payloads for ledger tests: bytes that name their ledger and entry, so a payload
// found in the wrong place, or damaged, is told apart from the right one.

/** The payload of entry `entryId` of ledger `ledgerId`: `size` bytes (at least 16). */
export function entryPayload(ledgerId: number, entryId: number, size = 40): Uint8Array {
  const out = new Uint8Array(Math.max(size, 16));
  const view = new DataView(out.buffer);
  view.setFloat64(0, ledgerId, true);
  view.setFloat64(8, entryId, true);
  for (let i = 16; i < out.length; i++) out[i] = (ledgerId * 31 + entryId * 7 + i) & 0xff;
  return out;
}

/** The size `entryPayload` uses for an entry in tests that vary sizes. */
export function entrySize(ledgerId: number, entryId: number): number {
  return 16 + ((ledgerId * 7919 + entryId * 104729) % 700);
}
