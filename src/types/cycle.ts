// What one enforcement cycle reports: to /enforcement run-now, /quota (streams per member) and the metrics.
export interface CycleReport {
  startedAt: Date;
  finishedAt: Date;
  dryRun: boolean;
  servers: Array<{ name: string; ok: boolean; error: string | null; streams: number; downloads: number }>;
  breaches: BreachOutcome[];
  quotas: QuotaOutcome[];
  switchesChanged: number;
  /** Streams per member id from this cycle's reads (for /quota). */
  streamsByMember: Map<number, number>;
  /** Streams per member id left out of the count because they came from their server's home networks. */
  homeByMember: Map<number, number>;
}

export interface CycleOptions {
  /**
   * Read only these servers (a push cycle: the servers whose events asked for it). The other servers are counted
   * from what their last successful read stored in live_sessions, and only members linked on the servers read are
   * decided on. Unset: the reconcile, which reads every server and decides on everyone.
   */
  serverIds?: number[];
}

export interface BreachOutcome {
  memberName: string;
  count: number;
  cap: number;
  newEpisode: boolean;
  stopped: number;
  notStopped: number;
  dm: string | null;
  /** Why acting on this breach failed part-way (the other members were still handled), or null. */
  error: string | null;
}

export interface QuotaOutcome {
  memberName: string;
  used: number;
  allotment: number;
  notified: boolean;
  switchNotes: string[];
}

/** What a reconciliation did: rows changed; switches back on; switches that should be on but are still off. */
export interface SwitchTally {
  changed: number;
  switchedOn: number;
  leftOff: number;
}
