// Decide: which downloads of a member over the allotment are cancelled, under a plan with
// `downloads-over-quota: cancel`. Pure: the week's counted downloads, what this cycle's read shows still in progress
// and where cancelling works, in; intents out. Only the downloads beyond the allotment are cancelled (walking the
// week in the order downloads started, policy/over-quota.ts), and only while still in progress: a download that
// finished stays the member's. Each cancel is its own episode: the effect key names the server and the download, so
// deciding it again on every cycle queues it once (src/act/download-cancels.ts stores it on the outbox).

import { beyondAllotment } from '../policy/over-quota.ts';

/** One download counted this week, as stored (`downloads`). */
export interface CountedDownload {
  /** The stored row's id: record order, to break ties between downloads that started together. */
  seq: number;
  serverId: number;
  downloadKey: string;
  title: string;
  startedAt: Date;
  units: number;
}

export interface CancelDecisionInput {
  memberId: number;
  counted: readonly CountedDownload[];
  allotment: number;
  /** Downloads the servers read in this cycle list as not finished (`downloadRef`). */
  inProgress: ReadonlySet<string>;
  /** Servers where this member's downloads are cancelled (decideQuotas' `cancelOn`). */
  cancelOn: readonly number[];
}

export interface CancelIntent {
  type: 'cancel-download';
  key: string;
  memberId: number;
  serverId: number;
  downloadKey: string;
  title: string;
}

export const downloadRef = (serverId: number, downloadKey: string) => `${serverId}:${downloadKey}`;

/** The effect key of one download's cancel. */
export const cancelKey = (serverId: number, downloadKey: string) =>
  `download-cancel:${downloadRef(serverId, downloadKey)}`;

export function decideCancels(input: CancelDecisionInput): CancelIntent[] {
  const ordered = [...input.counted].sort((a, b) => a.seq - b.seq);
  return beyondAllotment(ordered, input.allotment)
    .filter(
      (d) =>
        input.cancelOn.includes(d.serverId) && input.inProgress.has(downloadRef(d.serverId, d.downloadKey)),
    )
    .map((d) => ({
      type: 'cancel-download',
      key: cancelKey(d.serverId, d.downloadKey),
      memberId: input.memberId,
      serverId: d.serverId,
      downloadKey: d.downloadKey,
      title: d.title,
    }));
}
