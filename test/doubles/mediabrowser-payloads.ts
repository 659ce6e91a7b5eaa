// Jellyfin/Emby server and user payloads for the loopback doubles. Shapes are checked against the servers' own
// schemas: Jellyfin fixtures `satisfies` the @jellyfin/sdk 1.0.0 generated models (OpenAPI of Jellyfin 12.0; the
// same fields exist in 10.10/10.11, checked in jellyfin/jellyfin `MediaBrowser.Model/System/SystemInfo.cs`,
// `Users/UserPolicy.cs`, `Dto/UserDto.cs`), Emby fixtures `satisfies` the types in emby-schema.ts (Emby 4.8.11
// OpenAPI). test/unit/mediabrowser-fixtures.test.ts type-checks this file with the SDK's nested types resolved.
// Values are invented.
import { randomUUID } from 'node:crypto';
import type { SystemInfo } from '@jellyfin/sdk/lib/generated-client/models/system-info.js';
import type { UserDto } from '@jellyfin/sdk/lib/generated-client/models/user-dto.js';
import type { UserPolicy } from '@jellyfin/sdk/lib/generated-client/models/user-policy.js';
import type { EmbySystemInfo, EmbyUserDto, EmbyUserPolicy } from './emby-schema.ts';

export type Flavor = 'jellyfin' | 'emby';
export type Json = Record<string, unknown>;

export const hexId = () => randomUUID().replaceAll('-', '');
/** .NET writes 7 fractional digits: 2026-06-04T18:22:31.1230000Z. */
export const dotnetDate = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');

/** The double's default server versions: Jellyfin 12.0 (legacy authorization off), Emby 4.8 (the OpenAPI used). */
export const DEFAULT_VERSION: Record<Flavor, string> = { jellyfin: '12.0.0', emby: '4.8.11.0' };

export interface AccountRef {
  id: string;
  name: string;
}

export interface UserSpec {
  id?: string;
  name: string;
  admin?: boolean;
  downloads?: boolean;
  /** Policy fields of a newer server that neither the bot nor this double's template knows; kept on round-trip. */
  extraPolicy?: Json;
}

export function systemInfo(flavor: Flavor, serverId: string, serverName: string, version: string): Json {
  const common = {
    OperatingSystemDisplayName: 'Linux',
    HasPendingRestart: false,
    IsShuttingDown: false,
    SupportsLibraryMonitor: true,
    WebSocketPortNumber: 8096,
    CompletedInstallations: [],
    CanSelfRestart: true,
    CanLaunchWebBrowser: false,
    ProgramDataPath: '/config',
    CachePath: '/cache',
    LogPath: '/config/log',
    TranscodingTempPath: '/cache/transcodes',
    HasUpdateAvailable: false,
    LocalAddress: 'http://172.18.0.4:8096',
    ServerName: serverName,
    Version: version,
    Id: serverId,
    OperatingSystem: 'Linux',
  };
  if (flavor === 'jellyfin') {
    return {
      ...common,
      ProductName: 'Jellyfin Server',
      PackageName: 'Jellyfin Docker',
      StartupWizardCompleted: true,
      WebPath: '/jellyfin/jellyfin-web',
      EncoderLocation: 'Custom',
      SystemArchitecture: 'X64',
      CastReceiverApplications: [{ Id: 'F007D354', Name: 'Stable' }],
    } satisfies SystemInfo;
  }
  return {
    ...common,
    PackageName: 'emby-server-docker',
    SystemUpdateLevel: 'Release',
    CanSelfUpdate: false,
    HttpServerPortNumber: 8096,
    HttpsPortNumber: 8920,
    SupportsHttps: false,
    LocalAddresses: ['http://172.18.0.4:8096'],
    RemoteAddresses: [],
  } satisfies EmbySystemInfo;
}

function jellyfinPolicy(spec: UserSpec): UserPolicy {
  const admin = spec.admin ?? false;
  return {
    IsAdministrator: admin,
    IsHidden: false,
    EnableCollectionManagement: admin,
    EnableSubtitleManagement: admin,
    EnableLyricManagement: admin,
    IsDisabled: false,
    BlockedTags: [],
    AllowedTags: [],
    EnableUserPreferenceAccess: true,
    AccessSchedules: [],
    BlockUnratedItems: [],
    EnableRemoteControlOfOtherUsers: admin,
    EnableSharedDeviceControl: true,
    EnableRemoteAccess: true,
    EnableLiveTvManagement: admin,
    EnableLiveTvAccess: true,
    EnableMediaPlayback: true,
    EnableAudioPlaybackTranscoding: true,
    EnableVideoPlaybackTranscoding: true,
    EnablePlaybackRemuxing: true,
    ForceRemoteSourceTranscoding: false,
    EnableContentDeletion: admin,
    EnableContentDeletionFromFolders: [],
    EnableContentDownloading: spec.downloads ?? true,
    EnableSyncTranscoding: true,
    EnableMediaConversion: true,
    EnabledDevices: [],
    EnableAllDevices: true,
    EnabledChannels: [],
    EnableAllChannels: true,
    EnabledFolders: ['f137a2dd21bbc1b99aa5c0f6bf02a805', '4514ec850e5ad0c47b58444e17b6346c'],
    EnableAllFolders: false,
    InvalidLoginAttemptCount: 0,
    LoginAttemptsBeforeLockout: -1,
    MaxActiveSessions: 3,
    EnablePublicSharing: true,
    BlockedMediaFolders: [],
    BlockedChannels: [],
    RemoteClientBitrateLimit: 8_000_000,
    AuthenticationProviderId: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
    PasswordResetProviderId: 'Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider',
    SyncPlayAccess: 'CreateAndJoinGroups',
  };
}

function embyPolicy(spec: UserSpec): EmbyUserPolicy {
  const admin = spec.admin ?? false;
  return {
    IsAdministrator: admin,
    IsHidden: false,
    IsHiddenRemotely: false,
    IsHiddenFromUnusedDevices: false,
    IsDisabled: false,
    AllowTagOrRating: false,
    BlockedTags: [],
    IsTagBlockingModeInclusive: false,
    IncludeTags: [],
    EnableUserPreferenceAccess: true,
    AccessSchedules: [],
    BlockUnratedItems: [],
    EnableRemoteControlOfOtherUsers: admin,
    EnableSharedDeviceControl: true,
    EnableRemoteAccess: true,
    EnableLiveTvManagement: admin,
    EnableLiveTvAccess: true,
    EnableMediaPlayback: true,
    EnableAudioPlaybackTranscoding: true,
    EnableVideoPlaybackTranscoding: true,
    EnablePlaybackRemuxing: true,
    EnableContentDeletion: admin,
    RestrictedFeatures: [],
    EnableContentDeletionFromFolders: [],
    EnableContentDownloading: spec.downloads ?? true,
    EnableSubtitleDownloading: true,
    EnableSubtitleManagement: admin,
    EnableSyncTranscoding: true,
    EnableMediaConversion: true,
    EnabledChannels: [],
    EnableAllChannels: true,
    EnabledFolders: ['3', '7'],
    EnableAllFolders: false,
    InvalidLoginAttemptCount: 0,
    EnablePublicSharing: true,
    BlockedMediaFolders: [],
    RemoteClientBitrateLimit: 8_000_000,
    AuthenticationProviderId: 'Emby.Server.Implementations.Library.DefaultAuthenticationProvider',
    ExcludedSubFolders: [],
    SimultaneousStreamLimit: 2,
    EnabledDevices: [],
    EnableAllDevices: true,
    AllowCameraUpload: false,
    AllowSharingPersonalItems: false,
  };
}

/** Every key of the real UserPolicy (plus the spec's extra keys). */
export function userPolicy(flavor: Flavor, spec: UserSpec): Json {
  const policy: Json = flavor === 'jellyfin' ? { ...jellyfinPolicy(spec) } : { ...embyPolicy(spec) };
  return { ...policy, ...spec.extraPolicy };
}

const userConfiguration = {
  PlayDefaultAudioTrack: true,
  SubtitleLanguagePreference: '',
  DisplayMissingEpisodes: false,
  SubtitleMode: 'Default',
  HidePlayedInLatest: true,
  RememberAudioSelections: true,
  RememberSubtitleSelections: true,
  EnableNextEpisodeAutoPlay: true,
} as const;

export function userDto(flavor: Flavor, serverId: string, spec: UserSpec & { id: string }): Json {
  const common = {
    Name: spec.name,
    ServerId: serverId,
    Id: spec.id,
    HasPassword: true,
    HasConfiguredPassword: true,
    HasConfiguredEasyPassword: false,
    EnableAutoLogin: false,
    LastLoginDate: '2026-06-03T20:11:02.0000000Z',
    LastActivityDate: '2026-06-04T18:22:31.0000000Z',
  };
  if (flavor === 'jellyfin') {
    const dto = {
      ...common,
      Configuration: { ...userConfiguration, EnableLocalPassword: false },
      Policy: jellyfinPolicy(spec),
    } satisfies UserDto;
    return { ...dto, Policy: userPolicy(flavor, spec) };
  }
  const dto = {
    ...common,
    Prefix: spec.name.slice(0, 1).toUpperCase(),
    DateCreated: '2024-01-05T10:00:00.0000000Z',
    Configuration: userConfiguration,
    Policy: embyPolicy(spec),
  } satisfies EmbyUserDto;
  return { ...dto, Policy: userPolicy(flavor, spec) };
}
