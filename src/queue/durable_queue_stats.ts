// The counters a durable queue reports from `stats()`.

/** Counters of a `DurableQueue`, from `DurableQueue.stats()`. */
export interface DurableQueueStats {
  /** Items written by this process since open. */
  itemsWritten: number;
  /** Item bytes written by this process since open. */
  writtenBytes: number;
  /** Items deleted (`delete`) by this process since open. */
  deleted: number;
  /** Deliveries (`receive`) by this process since open. */
  deliveries: number;
  /** Items acknowledged by this process's consumers since open. */
  acks: number;
  /** Messages given back (`nack`) by this process's consumers since open. */
  nacks: number;
  /** Items this process's consumers moved to their dead letters since open. */
  deadLetters: number;
  /** Group commits since open (each one lock holding, with `fileLocking`). */
  groups: number;
  /** File syncs since open. */
  syncs: number;
  /** Segments this process started since open. */
  segmentsCreated: number;
  /** Segments this process removed since open. */
  segmentsRemoved: number;
  /** Live items (not deleted, not acknowledged by every consumer owed them). */
  length: number;
  /** Bytes of the queue's files on disk. */
  size: number;
  /** Live segments (each an items file and a state file). */
  segments: number;
  /** The index the next item written gets. */
  nextIndex: number;
  /** Bytes of items held in memory. */
  cachedBytes: number;
  /** Item reads served from memory. */
  cacheHits: number;
  /** Item reads from disk. */
  diskReads: number;
}
