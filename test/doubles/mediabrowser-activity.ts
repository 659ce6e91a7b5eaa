// Realistic Jellyfin/Emby "what users do" payloads for the loopback doubles: SessionInfo (J2), ActivityLogEntry
// (J4) and Emby SyncJob/SyncJobItem (EMBY), from /work/shared/reference/media-server-apis.md. Values are invented.
import { type AccountRef, dotnetDate, type Flavor, hexId, type Json } from './mediabrowser-payloads.ts';

const TICKS_PER_MINUTE = 600_000_000;

export interface ItemSpec {
  id?: string;
  name: string;
  type: string;
  seriesName?: string;
  season?: number;
  episode?: number;
}

export interface SessionSpec {
  id?: string;
  user: AccountRef;
  device: string;
  client: string;
  deviceId: string;
  /** Written verbatim to RemoteEndPoint (e.g. '::ffff:203.0.113.7' or '203.0.113.7:51234'). */
  ip: string;
  item?: ItemSpec | null;
  paused?: boolean;
  transcoding?: boolean;
}

export interface ActivitySpec {
  type?: string;
  user?: AccountRef | null;
  item?: { id: string; name: string };
  date: Date;
  /** Defaults to the server's own wording for the type ("alice is downloading The Matrix"). */
  name?: string;
  client?: string;
  device?: string;
}

export type SyncItemStatus =
  | 'Queued'
  | 'Converting'
  | 'ReadyToTransfer'
  | 'Transferring'
  | 'Synced'
  | 'Failed';
export interface SyncJobSpec {
  user: AccountRef;
  targetId: string;
  targetName: string;
  name: string;
  dateCreated: Date;
  items: { itemId: string; name: string; status: SyncItemStatus; progress?: number }[];
}

function nowPlayingItem(flavor: Flavor, serverId: string, item: ItemSpec): Json {
  const dto: Json = {
    Name: item.name,
    ServerId: serverId,
    Id: item.id ?? (flavor === 'jellyfin' ? hexId() : String(100_000 + Math.floor(Math.random() * 900_000))),
    Type: item.type,
    MediaType: item.type === 'Audio' ? 'Audio' : 'Video',
    IsFolder: false,
    RunTimeTicks: (item.type === 'Episode' ? 45 : 128) * TICKS_PER_MINUTE,
  };
  if (item.type === 'Episode') {
    Object.assign(dto, {
      SeriesName: item.seriesName,
      SeriesId: hexId(),
      SeasonId: hexId(),
      SeasonName: item.season === undefined ? undefined : `Season ${item.season}`,
      IndexNumber: item.episode,
      ParentIndexNumber: item.season,
    });
  }
  return dto;
}

export function idlePlayState(flavor: Flavor): Json {
  return flavor === 'jellyfin'
    ? { CanSeek: false, IsPaused: false, IsMuted: false, RepeatMode: 'RepeatNone', PlaybackOrder: 'Default' }
    : {
        CanSeek: false,
        IsPaused: false,
        IsMuted: false,
        RepeatMode: 'RepeatNone',
        SubtitleOffset: 0,
        Shuffle: false,
      };
}

export function sessionDto(flavor: Flavor, serverId: string, spec: SessionSpec): Json {
  const playing = spec.item ? nowPlayingItem(flavor, serverId, spec.item) : undefined;
  const commands = [
    'DisplayMessage',
    'SetVolume',
    'ToggleMute',
    'SetAudioStreamIndex',
    'SetSubtitleStreamIndex',
  ];
  const dto: Json = {
    PlayState: playing
      ? {
          ...idlePlayState(flavor),
          PositionTicks: 12 * TICKS_PER_MINUTE,
          CanSeek: true,
          IsPaused: spec.paused ?? false,
          VolumeLevel: 100,
          AudioStreamIndex: 1,
          SubtitleStreamIndex: -1,
          MediaSourceId: playing.Id,
          PlayMethod: spec.transcoding ? 'Transcode' : 'DirectPlay',
        }
      : idlePlayState(flavor),
    AdditionalUsers: [],
    RemoteEndPoint: spec.ip,
    PlayableMediaTypes: ['Audio', 'Video'],
    Id: spec.id ?? hexId(),
    ServerId: serverId,
    UserId: spec.user.id,
    UserName: spec.user.name,
    Client: spec.client,
    LastActivityDate: dotnetDate(new Date()),
    DeviceName: spec.device,
    DeviceId: spec.deviceId,
    ApplicationVersion: '2.6.2',
    SupportedCommands: commands,
    SupportsRemoteControl: true,
  };
  if (flavor === 'jellyfin') {
    Object.assign(dto, {
      LastPlaybackCheckIn: dotnetDate(new Date()),
      IsActive: true,
      SupportsMediaControl: true,
      HasCustomDeviceName: false,
      NowPlayingQueue: [],
      NowPlayingQueueFullItems: [],
      Capabilities: {
        PlayableMediaTypes: ['Audio', 'Video'],
        SupportedCommands: commands,
        SupportsMediaControl: true,
      },
    });
  } else {
    Object.assign(dto, {
      Protocol: 'HTTP/1.1',
      InternalDeviceId: 7,
      PlaylistIndex: 0,
      PlaylistLength: playing ? 1 : 0,
    });
  }
  if (playing) dto.NowPlayingItem = playing;
  if (playing && spec.transcoding) {
    dto.TranscodingInfo = {
      AudioCodec: 'aac',
      VideoCodec: 'h264',
      Container: 'ts',
      IsVideoDirect: false,
      IsAudioDirect: false,
      Bitrate: 4_000_000,
      CompletionPercentage: 12.5,
      Width: 1280,
      Height: 720,
      AudioChannels: 2,
      TranscodeReasons: ['ContainerBitrateExceedsLimit'],
    };
  }
  return dto;
}

const ACTIVITY_WORDING: Record<string, (user: string, item: string, device: string) => string> = {
  UserDownloadingContent: (u, i) => `${u} is downloading ${i}`,
  VideoPlayback: (u, i, d) => `${u} is playing ${i} on ${d}`,
  VideoPlaybackStopped: (u, i, d) => `${u} has finished playing ${i} on ${d}`,
  SessionStarted: (u, _i, d) => `${u} is online from ${d}`,
  AuthenticationSucceeded: (u) => `${u} successfully authenticated`,
};

export function activityEntry(id: number, spec: ActivitySpec): Json {
  const type = spec.type ?? 'UserDownloadingContent';
  const client = spec.client ?? 'Jellyfin Android';
  const device = spec.device ?? 'Pixel 8';
  const wording = ACTIVITY_WORDING[type];
  const entry: Json = {
    Id: id,
    Name: spec.name ?? (wording ? wording(spec.user?.name ?? '', spec.item?.name ?? '', device) : type),
    ShortOverview: `App: ${client}, Device: ${device}`,
    Type: type,
    Date: dotnetDate(spec.date),
    UserId: spec.user?.id ?? '00000000000000000000000000000000',
    Severity: 'Information',
  };
  if (spec.item) entry.ItemId = spec.item.id;
  return entry;
}

/** A SyncJob plus its SyncJobItems, Emby field names (reference EMBY "Downloads"). */
export function syncJob(jobId: string, firstItemId: number, spec: SyncJobSpec): { job: Json; items: Json[] } {
  const created = dotnetDate(spec.dateCreated);
  const items = spec.items.map((item, i) => ({
    Id: String(firstItemId + i),
    JobId: jobId,
    ItemId: item.itemId,
    ItemName: item.name,
    MediaSourceId: item.itemId,
    TargetId: spec.targetId,
    Status: item.status,
    Progress: item.progress ?? (item.status === 'Synced' ? 100 : 0),
    DateCreated: created,
    PrimaryImageItemId: item.itemId,
  }));
  const allSynced = items.length > 0 && items.every((i) => i.Status === 'Synced');
  const job = {
    Id: jobId,
    TargetId: spec.targetId,
    TargetName: spec.targetName,
    Quality: 'medium',
    Bitrate: 4_000_000,
    Container: 'mp4',
    Name: spec.name,
    Status: allSynced
      ? 'Completed'
      : items.some((i) => i.Status === 'Transferring')
        ? 'Transferring'
        : 'Queued',
    Progress: items.reduce((sum, i) => sum + i.Progress, 0) / Math.max(1, items.length),
    UserId: spec.user.id,
    RequestedItemIds: spec.items.map((i) => i.itemId),
    ItemCount: items.length,
    DateCreated: created,
    DateLastModified: created,
  };
  return { job, items };
}
