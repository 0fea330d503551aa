// Three Raft nodes in one process, each keeping its durable state in a RaftStorage: an
// election, replication, a leader cut off whose unreplicated entry is later overwritten, a
// snapshot with log compaction, and a follower's power loss and recovery. Not a Raft
// library: just enough Raft to show which storage call serves which rule (Raft paper,
// figure 2). Each node has its own MemVfs, so that crash() is one machine's power loss.
// Messages go through one queue and a seeded scheduler delivers them in a shuffled but
// repeatable order. Run: deno run -A examples/raft_node.ts

import { MemVfs, type RaftEntry, RaftStorage } from "../mod.ts";

/** RequestVote and AppendEntries, with their replies. */
type Message =
  & { from: string; to: string; term: number }
  & (
    | { kind: "vote"; lastIndex: number; lastTerm: number }
    | { kind: "voteReply"; granted: boolean }
    | { kind: "append"; prevIndex: number; prevTerm: number; entries: RaftEntry[]; commit: number }
    | { kind: "appendReply"; ok: boolean; last: number }
  );

/** A message before its sender stamps it with its id and term. */
type Draft<M> = M extends unknown ? Omit<M, "from" | "term"> : never;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ids = ["n1", "n2", "n3"];
const queue: Message[] = [];
const isolated = new Set<string>();
let seed = 20261129;
/** xorshift32: the scheduler's only source of randomness. */
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

/** retainedLogSize 0: a snapshot drops every entry it covers. */
function openStorage(id: string, vfs: MemVfs): Promise<RaftStorage> {
  return RaftStorage.open(`/${id}`, { vfs, retainedLogSize: 0 });
}

class Node {
  role: "follower" | "candidate" | "leader" = "follower";
  term = 0;
  votedFor: string | null = null;
  commitIndex = 0;
  up = true;
  votes = new Set<string>();
  nextIndex = new Map<string, number>();
  matchIndex = new Map<string, number>();

  constructor(readonly id: string, readonly vfs: MemVfs, public storage: RaftStorage) {}

  static async start(id: string): Promise<Node> {
    const vfs = new MemVfs();
    const node = new Node(id, vfs, await openStorage(id, vfs));
    await node.recover();
    return node;
  }

  /** After a crash: reopens the storage, which replays the log, and recovers from it. */
  async restart(): Promise<void> {
    this.storage = await openStorage(this.id, this.vfs);
    await this.recover();
  }

  /** Term and vote come back from storage; commitIndex is volatile, but what a snapshot
   * covers is known to be committed. */
  async recover(): Promise<void> {
    ({ term: this.term, votedFor: this.votedFor } = await this.storage.loadState());
    this.commitIndex = (await this.storage.loadSnapshot())?.meta.lastIndex ?? 0;
    this.role = "follower";
    this.up = true;
  }

  say(text: string): void {
    console.log(`  [${this.id} ${this.role} t${this.term}] ${text}`);
  }

  send(message: Draft<Message>): void {
    queue.push({ ...message, from: this.id, term: this.term } as Message);
  }

  lastTerm(): Promise<number> {
    return this.storage.term(this.storage.lastIndex());
  }

  /** "If RPC request or response contains term T > currentTerm: set currentTerm = T,
   * convert to follower", durably before anything else is answered. */
  async observe(term: number, from: string): Promise<void> {
    if (term <= this.term) return;
    await this.storage.saveState({ term, votedFor: null });
    this.say(`sees term ${term} from ${from}: saved it with no vote, now a follower`);
    this.term = term;
    this.votedFor = null;
    this.role = "follower";
  }

  async startElection(): Promise<void> {
    // A candidate increments its term and votes for itself: both durable before any
    // RequestVote leaves, so a restart can never vote twice in this term.
    await this.storage.saveState({ term: this.term + 1, votedFor: this.id });
    this.term++;
    this.votedFor = this.id;
    this.role = "candidate";
    this.votes = new Set([this.id]);
    this.say("election timeout: saved the new term and its own vote, asks for votes");
    const lastIndex = this.storage.lastIndex();
    const lastTerm = await this.lastTerm();
    for (const to of ids) if (to !== this.id) this.send({ kind: "vote", to, lastIndex, lastTerm });
  }

  async propose(command: string): Promise<void> {
    // The leader appends to its own log durably before counting itself in the majority.
    const index = this.storage.lastIndex() + 1;
    await this.storage.append([{ index, term: this.term, command: encoder.encode(command) }]);
    this.say(`client command "${command}" appended at index ${index}`);
    await this.broadcast();
  }

  async broadcast(): Promise<void> {
    await Promise.all(ids.filter((peer) => peer !== this.id).map((peer) => this.sendAppend(peer)));
  }

  async sendAppend(peer: string): Promise<void> {
    const next = this.nextIndex.get(peer)!;
    const prevTerm = await this.storage.term(next - 1); // prevLogTerm for the consistency check
    const entries = await this.storage.entries(next, this.storage.lastIndex() + 1);
    this.send({
      kind: "append",
      to: peer,
      prevIndex: next - 1,
      prevTerm,
      entries,
      commit: this.commitIndex,
    });
  }

  async receive(m: Message): Promise<void> {
    await this.observe(m.term, m.from);
    const s = this.storage;
    if (m.kind === "vote") {
      // Grant at most one vote per term, and only to a candidate whose log is at least as
      // up to date: a later last term, or the same last term and at least as long.
      const myLastTerm = await this.lastTerm();
      const upToDate = m.lastTerm > myLastTerm ||
        (m.lastTerm === myLastTerm && m.lastIndex >= s.lastIndex());
      const granted = m.term === this.term && upToDate &&
        (this.votedFor === null || this.votedFor === m.from);
      if (granted && this.votedFor === null) {
        await s.saveState({ term: this.term, votedFor: m.from }); // the vote, durable first
        this.votedFor = m.from;
      }
      this.say(`${granted ? "votes" : "refuses to vote"} for ${m.from}`);
      this.send({ kind: "voteReply", to: m.from, granted });
    } else if (m.kind === "voteReply") {
      if (this.role !== "candidate" || m.term !== this.term || !m.granted) return;
      this.votes.add(m.from);
      if (this.votes.size * 2 <= ids.length) return;
      this.role = "leader";
      this.say(`won with votes from ${[...this.votes].join(", ")}`);
      for (const peer of ids) {
        this.nextIndex.set(peer, s.lastIndex() + 1);
        this.matchIndex.set(peer, 0);
      }
      await this.broadcast();
    } else if (m.kind === "append") {
      if (m.term < this.term) {
        this.send({ kind: "appendReply", to: m.from, ok: false, last: s.lastIndex() });
        return;
      }
      this.role = "follower";
      // Reply false if the log has no entry at prevLogIndex whose term is prevLogTerm.
      // (Entries below the first index are in the snapshot, hence committed and matching.)
      const matches = m.prevIndex <= s.lastIndex() &&
        (m.prevIndex < s.firstIndex() - 1 || await s.term(m.prevIndex) === m.prevTerm);
      if (!matches) {
        this.say(`rejects entries after ${m.prevIndex}: no matching entry there`);
        this.send({ kind: "appendReply", to: m.from, ok: false, last: s.lastIndex() });
        return;
      }
      // Skip the entries it already has; an existing entry that conflicts with a new one
      // (same index, other term) goes, with all that follow it.
      let i = 0;
      while (i < m.entries.length) {
        const entry = m.entries[i]!;
        if (entry.index > s.lastIndex()) break;
        if (entry.index >= s.firstIndex() && await s.term(entry.index) !== entry.term) {
          this.say(`conflict at index ${entry.index}: truncateSuffix(${entry.index})`);
          await s.truncateSuffix(entry.index);
          break;
        }
        i++;
      }
      const fresh = m.entries.slice(i);
      // Append the new entries, durably, before acknowledging them.
      if (fresh.length > 0) {
        await s.append(fresh);
        this.say(`appended ${fresh[0]!.index}..${s.lastIndex()} from ${m.from}`);
      }
      const last = m.prevIndex + m.entries.length;
      if (m.commit > this.commitIndex) this.commitIndex = Math.min(m.commit, last);
      this.send({ kind: "appendReply", to: m.from, ok: true, last });
    } else {
      if (this.role !== "leader" || m.term !== this.term) return;
      if (!m.ok) {
        this.nextIndex.set(m.from, Math.min(this.nextIndex.get(m.from)! - 1, m.last + 1));
        return this.sendAppend(m.from);
      }
      this.matchIndex.set(m.from, m.last);
      this.nextIndex.set(m.from, m.last + 1);
      this.matchIndex.set(this.id, s.lastIndex());
      // Commit N once a majority stores it and it is from the current term.
      const sorted = [...this.matchIndex.values()].sort((a, b) => b - a);
      const majority = sorted[Math.floor(ids.length / 2)]!;
      if (majority > this.commitIndex && await s.term(majority) === this.term) {
        this.commitIndex = majority;
        this.say(`commit index ${majority} (stored on a majority)`);
      }
    }
  }
}

/** Delivers queued messages in a seeded random order until none is left. */
async function run(nodes: Map<string, Node>): Promise<void> {
  while (queue.length > 0) {
    const [m] = queue.splice(Math.floor(random() * queue.length), 1) as [Message];
    const to = nodes.get(m.to)!;
    if (!to.up || !nodes.get(m.from)!.up || isolated.has(m.to) || isolated.has(m.from)) continue;
    await to.receive(m);
  }
}

/** The committed commands as the node's storage holds them: snapshot, then log. */
async function committed(node: Node): Promise<string[]> {
  const snapshot = await node.storage.loadSnapshot();
  const commands: string[] = snapshot === undefined
    ? []
    : JSON.parse(decoder.decode(await snapshot.bytes()));
  for (const entry of await node.storage.entries(commands.length + 1, node.commitIndex + 1)) {
    commands.push(decoder.decode(entry.command));
  }
  return commands;
}

const nodes = new Map<string, Node>();
for (const id of ids) nodes.set(id, await Node.start(id));
const [n1, n2, n3] = ids.map((id) => nodes.get(id)!) as [Node, Node, Node];
const heartbeat = async (leader: Node) => {
  await leader.broadcast();
  await run(nodes);
};

console.log("1. n1's election timer fires first");
await n1.startElection();
await run(nodes);

console.log("\n2. A client writes three commands through n1");
for (const command of ["set x 1", "set y 2", "set z 3"]) await n1.propose(command);
await run(nodes);
await heartbeat(n1); // followers learn the commit index

console.log("\n3. n1 is cut off; its new entry reaches no one. n2 times out and wins term 2");
isolated.add("n1");
await n1.propose("set z 9");
await run(nodes);
await n2.startElection();
await run(nodes);
for (const command of ["set x 4", "del y"]) await n2.propose(command);
await run(nodes);

console.log("\n4. The partition heals: n1 hears term 2, steps down, and drops its stale entry");
isolated.clear();
await heartbeat(n2);
await heartbeat(n2);

console.log("\n5. n3 snapshots its committed state and compacts its log");
const upTo = n3.commitIndex;
const firstBefore = n3.storage.firstIndex();
await n3.storage.saveSnapshot(
  { lastIndex: upTo, lastTerm: await n3.storage.term(upTo) }, // the last included index/term
  encoder.encode(JSON.stringify(await committed(n3))),
);
n3.say(`snapshot through ${upTo}; first index ${firstBefore} -> ${n3.storage.firstIndex()}`);

console.log("\n6. n3 loses power; two commands commit without it; it restarts and catches up");
const beforeCrash = { term: n3.term, votedFor: n3.votedFor, last: n3.storage.lastIndex() };
n3.up = false;
n3.vfs.crash();
for (const command of ["set w 7", "set v 8"]) await n2.propose(command);
await run(nodes);
await n3.restart();
const recovered = { term: n3.term, votedFor: n3.votedFor, last: n3.storage.lastIndex() };
n3.say(
  `reopened: term ${recovered.term}, vote ${recovered.votedFor}, snapshot through ` +
    `${n3.commitIndex}, ${recovered.last - n3.storage.firstIndex() + 1} log entries after it`,
);
if (JSON.stringify(recovered) !== JSON.stringify(beforeCrash)) {
  throw new Error(`n3 lost state in the crash: ${JSON.stringify(recovered)}`);
}
await heartbeat(n2);
await heartbeat(n2);

console.log("\n7. Every node's storage holds the same committed commands");
const expected = JSON.stringify(await committed(n2));
for (const node of nodes.values()) {
  const commands = JSON.stringify(await committed(node));
  console.log(`  ${node.id}: commit ${node.commitIndex}, ${commands}`);
  if (commands !== expected || node.commitIndex !== n2.commitIndex) {
    throw new Error(`${node.id} disagrees with the leader: ${commands} vs ${expected}`);
  }
}
for (const node of nodes.values()) await node.storage.close();
