// Jellyfin/Emby "what users do" payloads for the loopback doubles: sessions, activity-log entries and Emby sync
// jobs. Jellyfin fixtures `satisfies` @jellyfin/sdk 1.0.0 models (SessionInfoDto, BaseItemDto, ActivityLogEntry;
// jellyfin `MediaBrowser.Model/Dto/SessionInfoDto.cs`, `Activity/ActivityLogEntry.cs`); Emby fixtures `satisfies`
// emby-schema.ts (Emby 4.8.11 OpenAPI: Session.SessionInfo, BaseItemDto, ActivityLogEntry, SyncJob, SyncJobItem,
// SyncTarget). Values are invented.
import type { ActivityLogEntry } from '@jellyfin/sdk/lib/generated-client/models/activity-log-entry.js';
import type { BaseItemDto } from '@jellyfin/sdk/lib/generated-client/models/base-item-dto.js';
import type { MediaStream } from '@jellyfin/sdk/lib/generated-client/models/media-stream.js';
import type { PlayerStateInfo } from '@jellyfin/sdk/lib/generated-client/models/player-state-info.js';
import type { SessionInfoDto } from '@jellyfin/sdk/lib/generated-client/models/session-info-dto.js';
import type {
  EmbyActivityLogEntry,
  EmbyBaseItemDto,
  EmbyPlayerStateInfo,
  EmbySessionInfo,
  EmbySyncJob,
  EmbySyncJobItem,
} from './emby-schema.ts';
import { type AccountRef, dotnetDate, type Flavor, hexId, type Json } from './mediabrowser-payloads.ts';

const TICKS_PER_MINUTE = 600_000_000;

export interface ItemSpec {
  id?: string;
  name: string;
  /** A BaseItemKind both servers use. */
  type: 'Movie' | 'Episode' | 'Audio' | 'MusicVideo' | 'Video';
  seriesName?: string;
  season?: number;
  episode?: number;
  /** Music (Type 'Audio'). */
  artists?: string[];
  album?: string;
  /** Height of the video file (2160 for 4K); default 1080 for video items. */
  height?: number;
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
  /** Short for `delivery: { method: 'Transcode' }` (video and audio converted). */
  transcoding?: boolean;
  delivery?: DeliverySpec;
  /** A player that ignores Stop: the server answers as usual but the session keeps playing. */
  ignoresStop?: boolean;
}

/** How the server delivers a session: the client-reported `PlayState.PlayMethod` and the server's `TranscodingInfo`. */
export interface DeliverySpec {
  method: 'DirectPlay' | 'DirectStream' | 'Transcode';
  /** Transcode only: the video is passed through and only the audio is converted (TranscodingInfo.IsVideoDirect). */
  videoDirect?: boolean;
  /** Height of the converted video (TranscodingInfo.Height). Default 720, or 1080 from a 4K file. */
  outputHeight?: number;
  /** Transcode only: the server has not reported the job yet (no TranscodingInfo in the session). */
  noTranscodingInfo?: boolean;
}

export interface ActivitySpec {
  type?: string;
  user?: AccountRef | null;
  /** The item the entry names (Type 'Movie' unless given); the double also answers it at `GET /Items?ids=`. */
  item?: { id: string; name: string } & Partial<Omit<ItemSpec, 'id' | 'name'>>;
  date: Date;
  /** Defaults to the server's own wording for the type in its language ("alice is downloading The Matrix"). */
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

const heightOf = (item: ItemSpec) => item.height ?? 1080;
const widthFor = (height: number) => Math.round((height * 16) / 9);

/**
 * The media source's streams, which the server puts on a session's NowPlayingItem (jellyfin
 * `Emby.Server.Implementations/Session/SessionManager.cs` GetItemInfo: `info.MediaStreams =
 * mediaSource.MediaStreams`; the same in the last open-source Emby, MediaBrowser/Emby): the FILE's streams as
 * probed (MediaStream Type, Codec, Height, Width, Index, IsDefault…), not the converted ones.
 */
function fileStreams(item: ItemSpec): MediaStream[] {
  const audio: MediaStream = {
    Codec: item.type === 'Audio' ? 'flac' : 'eac3',
    Type: 'Audio',
    Index: item.type === 'Audio' ? 0 : 1,
    IsDefault: true,
    IsExternal: false,
    Channels: item.type === 'Audio' ? 2 : 6,
  };
  if (item.type === 'Audio') return [audio];
  const height = heightOf(item);
  return [
    {
      Codec: 'hevc',
      Type: 'Video',
      Index: 0,
      IsDefault: true,
      IsExternal: false,
      Height: height,
      Width: widthFor(height),
      DisplayTitle: height >= 2000 ? '4K HEVC HDR' : `${height}p HEVC`,
    },
    audio,
  ];
}

/** A BaseItemDto as sessions' NowPlayingItem and `GET /Items` carry it. */
export function itemDto(flavor: Flavor, serverId: string, item: ItemSpec): Json {
  const common = {
    Name: item.name,
    ServerId: serverId,
    IsFolder: false,
    RunTimeTicks: (item.type === 'Episode' ? 45 : item.type === 'Audio' ? 4 : 128) * TICKS_PER_MINUTE,
    MediaType: item.type === 'Audio' ? 'Audio' : 'Video',
  } as const;
  const episode =
    item.type === 'Episode'
      ? {
          SeriesName: item.seriesName,
          SeasonName: item.season === undefined ? undefined : `Season ${item.season}`,
          IndexNumber: item.episode,
          ParentIndexNumber: item.season,
        }
      : {};
  const music = item.type === 'Audio' ? { Artists: item.artists ?? [], Album: item.album } : {};
  // DtoService writes the item's own Width/Height (from its video stream) when positive.
  const size = item.type === 'Audio' ? {} : { Width: widthFor(heightOf(item)), Height: heightOf(item) };
  if (flavor === 'jellyfin') {
    const ids = item.type === 'Episode' ? { SeriesId: hexId(), SeasonId: hexId() } : {};
    return {
      ...common,
      ...episode,
      ...music,
      ...ids,
      ...size,
      Id: item.id ?? hexId(),
      Type: item.type,
    } satisfies BaseItemDto;
  }
  // Emby item ids are numeric strings.
  const ids = item.type === 'Episode' ? { SeriesId: '4410', SeasonId: '4411' } : {};
  return {
    ...common,
    ...episode,
    ...music,
    ...ids,
    ...size,
    Id: item.id ?? String(100_000 + Math.floor(Math.random() * 900_000)),
    Type: item.type,
  } satisfies EmbyBaseItemDto;
}

const jellyfinIdle = (): PlayerStateInfo => ({
  CanSeek: false,
  IsPaused: false,
  IsMuted: false,
  RepeatMode: 'RepeatNone',
  PlaybackOrder: 'Default',
});
const embyIdle = (): EmbyPlayerStateInfo => ({
  CanSeek: false,
  IsPaused: false,
  IsMuted: false,
  RepeatMode: 'RepeatNone',
  SubtitleOffset: 0,
  Shuffle: false,
  PlaybackRate: 1,
});

export function idlePlayState(flavor: Flavor): Json {
  return flavor === 'jellyfin' ? { ...jellyfinIdle() } : { ...embyIdle() };
}

export function sessionDto(flavor: Flavor, serverId: string, spec: SessionSpec): Json {
  const playing = spec.item ? itemDto(flavor, serverId, spec.item) : undefined;
  const commands = [
    'DisplayMessage',
    'SetVolume',
    'ToggleMute',
    'SetAudioStreamIndex',
    'SetSubtitleStreamIndex',
  ] as const;
  const delivery = spec.delivery ?? (spec.transcoding ? { method: 'Transcode' as const } : undefined);
  const playingState = playing
    ? ({
        PositionTicks: 12 * TICKS_PER_MINUTE,
        CanSeek: true,
        IsPaused: spec.paused ?? false,
        VolumeLevel: 100,
        AudioStreamIndex: 1,
        SubtitleStreamIndex: -1,
        MediaSourceId: String(playing.Id),
        PlayMethod: delivery?.method ?? 'DirectPlay',
      } as const)
    : {};
  // TranscodingInfo (jellyfin MediaBrowser.Model/Session/TranscodingInfo.cs; Emby 4.8 OpenAPI TranscodingInfo):
  // what the server's encoder makes, Width/Height being the OUTPUT's. Reported by the server while it transcodes.
  const sourceHeight = spec.item ? heightOf(spec.item) : 0;
  const outputHeight = delivery?.outputHeight ?? (sourceHeight > 1080 ? 1080 : 720);
  const videoDirect = delivery?.videoDirect ?? false;
  const transcoding =
    playing && delivery?.method === 'Transcode' && !delivery.noTranscodingInfo
      ? {
          AudioCodec: 'aac',
          VideoCodec: videoDirect ? 'hevc' : 'h264',
          Container: 'ts',
          IsVideoDirect: videoDirect,
          IsAudioDirect: false,
          Bitrate: 4_000_000,
          CompletionPercentage: 12.5,
          Width: widthFor(videoDirect ? sourceHeight : outputHeight),
          Height: videoDirect ? sourceHeight : outputHeight,
          AudioChannels: 2,
          TranscodeReasons: videoDirect
            ? ['AudioCodecNotSupported']
            : sourceHeight > 1080
              ? ['VideoResolutionNotSupported']
              : ['ContainerBitrateExceedsLimit'],
        }
      : undefined;
  if (playing && spec.item) playing.MediaStreams = fileStreams(spec.item);
  const common = {
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
    SupportsRemoteControl: true,
  };
  const dto: Json =
    flavor === 'jellyfin'
      ? ({
          ...common,
          PlayState: { ...jellyfinIdle(), ...playingState },
          SupportedCommands: [...commands],
          PlayableMediaTypes: ['Audio', 'Video'],
          LastPlaybackCheckIn: dotnetDate(new Date()),
          IsActive: true,
          SupportsMediaControl: true,
          HasCustomDeviceName: false,
          NowPlayingQueue: [],
          Capabilities: {
            PlayableMediaTypes: ['Audio', 'Video'],
            SupportedCommands: [...commands],
            SupportsMediaControl: true,
            SupportsPersistentIdentifier: true,
          },
        } satisfies SessionInfoDto)
      : ({
          ...common,
          PlayState: { ...embyIdle(), ...playingState },
          SupportedCommands: [...commands],
          Protocol: 'HTTP/1.1',
          InternalDeviceId: 7,
          PlaylistIndex: 0,
          PlaylistLength: playing ? 1 : 0,
        } satisfies EmbySessionInfo);
  if (playing) dto.NowPlayingItem = playing;
  if (transcoding) dto.TranscodingInfo = transcoding;
  return dto;
}

/**
 * The server's language (Dashboard → General → Preferred display language): entries are written with
 * GetServerLocalizedString, so in that language. Strings from jellyfin/jellyfin
 * Emby.Server.Implementations/Localization/Core/{en-US,de,fr}.json (@c3ed1407): UserDownloadingItemWithValues
 * (LibraryController.LogDownloadAsync, with user.Username and item.Name), UserStartedPlayingItemWithValues,
 * UserStoppedPlayingItemWithValues, UserOnlineFromDevice, AuthenticationSucceededWithUserName, AppDeviceValues.
 */
export type ServerLanguage = 'en-US' | 'de' | 'fr';

type Wording = Record<string, (user: string, item: string, device: string) => string>;
const ACTIVITY_WORDING: Record<ServerLanguage, Wording> = {
  'en-US': {
    UserDownloadingContent: (u, i) => `${u} is downloading ${i}`,
    VideoPlayback: (u, i, d) => `${u} is playing ${i} on ${d}`,
    VideoPlaybackStopped: (u, i, d) => `${u} has finished playing ${i} on ${d}`,
    SessionStarted: (u, _i, d) => `${u} is online from ${d}`,
    AuthenticationSucceeded: (u) => `${u} successfully authenticated`,
  },
  de: {
    UserDownloadingContent: (u, i) => `${u} lädt ${i} herunter`,
    VideoPlayback: (u, i, d) => `${u} hat die Wiedergabe von ${i} auf ${d} gestartet`,
    VideoPlaybackStopped: (u, i, d) => `${u} hat die Wiedergabe von ${i} auf ${d} beendet`,
    SessionStarted: (u, _i, d) => `${u} ist online von ${d}`,
    AuthenticationSucceeded: (u) => `${u} erfolgreich authentifiziert`,
  },
  fr: {
    UserDownloadingContent: (u, i) => `${u} est en train de télécharger ${i}`,
    VideoPlayback: (u, i, d) => `${u} est en train de lire ${i} sur ${d}`,
    VideoPlaybackStopped: (u, i, d) => `${u} vient d'arrêter la lecture de ${i} sur ${d}`,
    SessionStarted: (u, _i, d) => `${u} s'est connecté depuis ${d}`,
    AuthenticationSucceeded: (u) => `${u} authentifié avec succès`,
  },
};
const APP_DEVICE: Record<ServerLanguage, (app: string, device: string) => string> = {
  'en-US': (a, d) => `App: ${a}, Device: ${d}`,
  de: (a, d) => `App: ${a}, Gerät: ${d}`,
  fr: (a, d) => `Application : ${a}, Appareil : ${d}`,
};

export function activityEntry(
  flavor: Flavor,
  id: number,
  spec: ActivitySpec,
  language: ServerLanguage = 'en-US',
): Json {
  const type = spec.type ?? 'UserDownloadingContent';
  const client = spec.client ?? 'Jellyfin Android';
  const device = spec.device ?? 'Pixel 8';
  const wording = ACTIVITY_WORDING[language][type];
  const entry = {
    Id: id,
    Name: spec.name ?? (wording ? wording(spec.user?.name ?? '', spec.item?.name ?? '', device) : type),
    ShortOverview: APP_DEVICE[language](client, device),
    Type: type,
    Date: dotnetDate(spec.date),
    // Jellyfin's UserId is a non-nullable Guid: system events carry Guid.Empty, written as 32 zeros.
    UserId: spec.user?.id ?? '00000000000000000000000000000000',
    Severity: 'Information',
    ...(spec.item ? { ItemId: spec.item.id } : {}),
  } as const;
  return flavor === 'jellyfin'
    ? ({ ...entry } satisfies ActivityLogEntry)
    : ({ ...entry, Severity: 'Info' } satisfies EmbyActivityLogEntry);
}

/**
 * A SyncJob plus its SyncJobItems as Emby 4.8 writes them: Id, JobId, ItemId and the job's UserId are int64
 * numbers (UserId is the user's internal id, not UserDto.Id); TargetId is the device id string.
 */
export function syncJob(
  jobId: number,
  firstItemId: number,
  internalUserId: number,
  spec: SyncJobSpec,
): { job: Json; items: Json[] } {
  const created = dotnetDate(spec.dateCreated);
  const items = spec.items.map(
    (item, i) =>
      ({
        Id: firstItemId + i,
        JobId: jobId,
        ItemId: Number(item.itemId),
        ItemName: item.name,
        MediaSourceId: item.itemId,
        TargetId: spec.targetId,
        InternalTargetId: 12,
        Status: item.status,
        Progress: item.progress ?? (item.status === 'Synced' ? 100 : 0),
        DateCreated: created,
        PrimaryImageItemId: item.itemId,
      }) satisfies EmbySyncJobItem,
  );
  const allSynced = items.length > 0 && items.every((i) => i.Status === 'Synced');
  const job = {
    Id: jobId,
    TargetId: spec.targetId,
    InternalTargetId: 12,
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
    UserId: internalUserId,
    RequestedItemIds: spec.items.map((i) => Number(i.itemId)),
    ItemCount: items.length,
    DateCreated: created,
    DateLastModified: created,
  } satisfies EmbySyncJob;
  return { job, items };
}
