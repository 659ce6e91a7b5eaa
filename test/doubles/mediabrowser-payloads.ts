// Realistic Jellyfin/Emby server and user payloads for the loopback doubles. Field names follow
// /work/shared/reference/media-server-apis.md (J4 UserPolicy, EMBY Policy) and the servers' DTOs; values are invented.
import { randomUUID } from 'node:crypto';

export type Flavor = 'jellyfin' | 'emby';
export type Json = Record<string, unknown>;

export const hexId = () => randomUUID().replaceAll('-', '');
/** .NET writes 7 fractional digits: 2026-06-04T18:22:31.1230000Z. */
export const dotnetDate = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');

export interface AccountRef {
  id: string;
  name: string;
}

export interface UserSpec {
  id?: string;
  name: string;
  admin?: boolean;
  downloads?: boolean;
}

export function systemInfo(flavor: Flavor, serverId: string, serverName: string): Json {
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
    Id: serverId,
  };
  if (flavor === 'jellyfin') {
    return {
      ...common,
      Version: '10.10.7',
      ProductName: 'Jellyfin Server',
      OperatingSystem: 'Linux',
      PackageName: 'Jellyfin Docker',
      StartupWizardCompleted: true,
      WebPath: '/jellyfin/jellyfin-web',
      EncoderLocation: 'Custom',
      SystemArchitecture: 'X64',
      CastReceiverApplications: [{ Id: 'F007D354', Name: 'Stable' }],
    };
  }
  return {
    ...common,
    Version: '4.8.10.0',
    OperatingSystem: 'Linux',
    PackageName: 'emby-server-docker',
    SystemUpdateLevel: 'Release',
    CanSelfUpdate: false,
    HttpServerPortNumber: 8096,
    HttpsPortNumber: 8920,
    SupportsHttps: false,
    IsInMaintenanceMode: false,
    LocalAddresses: ['http://172.18.0.4:8096'],
    RemoteAddresses: [],
  };
}

/** Every key of the real UserPolicy; a POST missing any of them is refused by the double (see server). */
export function userPolicy(flavor: Flavor, spec: UserSpec): Json {
  const admin = spec.admin ?? false;
  const common = {
    IsAdministrator: admin,
    IsHidden: false,
    IsDisabled: false,
    BlockedTags: [],
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
    EnablePublicSharing: true,
    RemoteClientBitrateLimit: 8_000_000,
  };
  if (flavor === 'jellyfin') {
    return {
      ...common,
      EnableCollectionManagement: admin,
      EnableSubtitleManagement: admin,
      EnableLyricManagement: admin,
      AllowedTags: [],
      ForceRemoteSourceTranscoding: false,
      LoginAttemptsBeforeLockout: -1,
      MaxActiveSessions: 3,
      BlockedMediaFolders: [],
      BlockedChannels: [],
      AuthenticationProviderId: 'Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider',
      PasswordResetProviderId: 'Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider',
      SyncPlayAccess: 'CreateAndJoinGroups',
    };
  }
  return {
    ...common,
    IsHiddenRemotely: false,
    IsHiddenFromUnusedDevices: false,
    IsTagBlockingModeInclusive: false,
    IncludeTags: [],
    RestrictedFeatures: [],
    EnableSubtitleDownloading: true,
    EnableSubtitleManagement: admin,
    AuthenticationProviderId: 'Emby.Server.Implementations.Library.DefaultAuthenticationProvider',
    ExcludedSubFolders: [],
    SimultaneousStreamLimit: 2,
    AllowCameraUpload: false,
    AllowSharingPersonalItems: false,
  };
}

export function userDto(flavor: Flavor, serverId: string, spec: UserSpec & { id: string }): Json {
  return {
    Name: spec.name,
    ServerId: serverId,
    Id: spec.id,
    ...(flavor === 'emby'
      ? { Prefix: spec.name.slice(0, 1).toUpperCase(), DateCreated: '2024-01-05T10:00:00.0000000Z' }
      : {}),
    HasPassword: true,
    HasConfiguredPassword: true,
    HasConfiguredEasyPassword: false,
    EnableAutoLogin: false,
    LastLoginDate: '2026-06-03T20:11:02.0000000Z',
    LastActivityDate: '2026-06-04T18:22:31.0000000Z',
    Configuration: {
      PlayDefaultAudioTrack: true,
      SubtitleLanguagePreference: '',
      DisplayMissingEpisodes: false,
      SubtitleMode: 'Default',
      EnableLocalPassword: false,
      HidePlayedInLatest: true,
      RememberAudioSelections: true,
      RememberSubtitleSelections: true,
      EnableNextEpisodeAutoPlay: true,
    },
    Policy: userPolicy(flavor, spec),
  };
}
