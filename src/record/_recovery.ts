// Opening a record log: finds its segments, checks their headers and that they follow
// one another, and repairs a torn tail of the last segment. Damage anywhere else is
// corruption: thrown, or reported and passed over in "skip" mode.

import { CorruptionError } from "../errors.ts";
import { joinPath } from "../vfs/_path.ts";
import type { Vfs } from "../vfs/vfs.ts";
import {
  decodeSegmentHeader,
  encodeSegmentHeader,
  parseSegmentFileName,
  SEGMENT_HEADER_SIZE,
  segmentFileName,
  type SegmentNaming,
} from "./_format.ts";
import { SegmentScanner } from "./_segment_scanner.ts";

/**
 * A segment file of the log. `end` is where its readable records end; `frontier` is the
 * header's flag: the segment may hold FRONTIER chunks and zeros preallocated past `end`.
 */
export interface SegmentInfo {
  id: number;
  base: number;
  path: string;
  end: number;
  frontier: boolean;
}

/** What recovery found and did. */
export interface RecoveredSegments {
  segments: SegmentInfo[];
  /** Bytes cut off torn tails (and rewritten torn headers). */
  tornBytes: number;
  /** Damaged places reported and passed over in "skip" mode. */
  skipped: number;
  /** The highest segment id found, whether or not its segment was kept (0 when none). */
  lastId: number;
}

/** How recovery treats damage that is not a torn tail. */
export interface RecoveryPolicy {
  mode: "strict" | "skip";
  onCorruption: (error: CorruptionError) => void;
}

/**
 * Finds and checks the segments of the log in `dir`, repairing the last one's tail.
 * REQUIRES: no writer is open on the log.
 *
 * @throws {CorruptionError} In "strict" mode, for damage other than a torn tail.
 */
export async function recoverSegments(
  vfs: Vfs,
  dir: string,
  naming: SegmentNaming,
  policy: RecoveryPolicy,
): Promise<RecoveredSegments> {
  const result: RecoveredSegments = {
    segments: [],
    tornBytes: 0,
    skipped: 0,
    lastId: 0,
  };
  const report = (error: CorruptionError): void => {
    if (policy.mode === "strict") throw error;
    result.skipped++;
    policy.onCorruption(error);
  };
  const ids = vfs.list(dir)
    .map((name) => parseSegmentFileName(name, naming))
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b);
  result.lastId = ids.at(-1) ?? 0;
  for (const [index, id] of ids.entries()) {
    const path = joinPath(dir, segmentFileName(id, naming));
    const isLast = index === ids.length - 1;
    const previous = result.segments.at(-1);
    if (previous !== undefined && id !== previous.id + 1) {
      const missing = joinPath(dir, segmentFileName(previous.id + 1, naming));
      report(new CorruptionError(missing, 0, "segment file is missing"));
    }
    const file = vfs.open(path, { readOnly: true });
    let size: number;
    let header: ReturnType<typeof decodeSegmentHeader>;
    try {
      size = file.size();
      const bytes = new Uint8Array(SEGMENT_HEADER_SIZE);
      header = decodeSegmentHeader(bytes.subarray(0, file.readAt(bytes, 0)));
      if (typeof header === "string" && isLast) {
        const scanner = new SegmentScanner(file, id, 0, size);
        if (scanner.findValidChunk(-1, "any") >= 0) {
          report(new CorruptionError(path, 0, header));
          continue;
        }
      }
    } finally {
      file.close();
    }
    if (typeof header === "string") {
      if (!isLast) {
        report(new CorruptionError(path, 0, header));
        continue;
      }
      if (previous === undefined && id !== 1) {
        throw new CorruptionError(path, 0, `${header}, and no earlier segment gives its base`);
      }
      const base = previous === undefined ? 0 : previous.base + previous.end;
      const segment = { id, base, path, end: 0, frontier: false };
      await writeEmptySegment(vfs, segment, "rewrite");
      result.tornBytes += size;
      result.segments.push({ ...segment, end: SEGMENT_HEADER_SIZE });
      continue;
    }
    if (header.segmentId !== id) {
      report(new CorruptionError(path, 16, `header names segment ${header.segmentId}`));
      continue;
    }
    if (previous !== undefined && header.basePosition !== previous.base + previous.end) {
      report(
        new CorruptionError(
          path,
          24,
          `base position ${header.basePosition} does not follow the previous segment, ` +
            `which ends at ${previous.base + previous.end}`,
        ),
      );
    }
    const { frontier } = header;
    const end = isLast ? await repairTail(vfs, path, id, size, frontier, result, report) : size;
    result.segments.push({ id, base: header.basePosition, path, end, frontier });
  }
  return result;
}

/**
 * Scans the last segment; cuts a torn tail off. Returns the end of its last whole record.
 * In a segment with FRONTIER chunks, valid chunks after the damage make it corruption only
 * when one of them says the damaged bytes had been made durable: otherwise they are
 * unsynced writes that reached the disk out of order, part of the torn tail.
 */
async function repairTail(
  vfs: Vfs,
  path: string,
  id: number,
  size: number,
  frontier: boolean,
  result: RecoveredSegments,
  report: (error: CorruptionError) => void,
): Promise<number> {
  const file = vfs.open(path);
  try {
    const scanner = new SegmentScanner(file, id, SEGMENT_HEADER_SIZE, size);
    let validEnd = SEGMENT_HEADER_SIZE;
    for (;;) {
      const item = scanner.next();
      if (item.kind === "end") break;
      if (item.kind === "record") {
        validEnd = scanner.offset;
        continue;
      }
      // A record cut short by the end of the file is reported at its start, though the
      // damage is the file's end: only a valid chunk past the damage makes it corruption.
      if (scanner.findValidChunk(Math.max(item.offset, scanner.offset), "any") < 0) break;
      if (frontier && scanner.highestFrontierAfter(item.offset) <= item.offset) break;
      report(new CorruptionError(path, item.offset, item.detail));
      const resume = scanner.findValidChunk(item.offset, "recordStart");
      if (resume < 0) break;
      scanner.seek(resume);
    }
    if (validEnd < size) {
      file.truncate(validEnd);
      await file.syncData();
      result.tornBytes += size - validEnd;
    }
    return validEnd;
  } finally {
    file.close();
  }
}

/**
 * Makes sure the log ends with a segment it can append to: creates the first segment of a
 * new log (id 1, base position 0), or a new last segment when "skip" recovery passed over
 * the file with the highest id, flagged for FRONTIER chunks with `frontier`. Syncs the
 * file and the directory.
 *
 * @returns Whether a segment was created (and pushed onto `recovered.segments`).
 */
export async function ensureWritableSegment(
  vfs: Vfs,
  dir: string,
  naming: SegmentNaming,
  recovered: RecoveredSegments,
  frontier: boolean,
): Promise<boolean> {
  const last = recovered.segments.at(-1);
  if (last !== undefined && last.id === recovered.lastId) return false;
  const id = recovered.lastId + 1;
  const base = last === undefined ? 0 : last.base + last.end;
  const path = joinPath(dir, segmentFileName(id, naming));
  const segment = { id, base, path, end: 0, frontier };
  await writeEmptySegment(vfs, segment, "create");
  await vfs.syncDir(dir);
  segment.end = SEGMENT_HEADER_SIZE;
  recovered.segments.push(segment);
  return true;
}

/**
 * Writes `segment` as an empty segment (its header only) and syncs the file: a new file
 * (`"create"`, exclusive) or an existing one cut to the header (`"rewrite"`). The caller
 * syncs the directory for a new file.
 */
export async function writeEmptySegment(
  vfs: Vfs,
  segment: SegmentInfo,
  mode: "create" | "rewrite",
): Promise<void> {
  const file = vfs.open(
    segment.path,
    mode === "create" ? { create: true, exclusive: true } : { truncate: true },
  );
  try {
    const header = new Uint8Array(SEGMENT_HEADER_SIZE);
    encodeSegmentHeader(header, {
      segmentId: segment.id,
      basePosition: segment.base,
      frontier: segment.frontier,
    });
    file.append(header);
    await file.syncData();
  } finally {
    file.close();
  }
}
