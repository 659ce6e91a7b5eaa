// Types transcribed from Emby Server's own OpenAPI (Emby 4.8.11.0: MediaBrowser/Emby.SDK
// Resources/OpenApi/openapi_v3.json at commit 58acc58a708ff284d08c899d5fd15002b0686ace). No npm package publishes
// these; the double's Emby fixtures are checked against them with `satisfies` so they cannot drift silently.
// Generated once by a script (property names and JSON types only; int64 ids are numbers; every field optional,
// as in the spec, which marks nothing required). Do not edit by hand except to follow a newer Emby spec.
/* biome-ignore-all lint/style/useNamingConvention: field names are Emby's own */

export interface EmbySystemInfo {
  SystemUpdateLevel?: 'Release' | 'Beta' | 'Dev';
  OperatingSystemDisplayName?: string;
  PackageName?: string;
  HasPendingRestart?: boolean;
  IsShuttingDown?: boolean;
  HasImageEnhancers?: boolean;
  OperatingSystem?: string;
  SupportsLibraryMonitor?: boolean;
  SupportsLocalPortConfiguration?: boolean;
  SupportsWakeServer?: boolean;
  WebSocketPortNumber?: number;
  CompletedInstallations?: Record<string, unknown>[];
  CanSelfRestart?: boolean;
  CanSelfUpdate?: boolean;
  CanLaunchWebBrowser?: boolean;
  ProgramDataPath?: string;
  ItemsByNamePath?: string;
  CachePath?: string;
  LogPath?: string;
  InternalMetadataPath?: string;
  TranscodingTempPath?: string;
  HttpServerPortNumber?: number;
  SupportsHttps?: boolean;
  HttpsPortNumber?: number;
  HasUpdateAvailable?: boolean;
  SupportsAutoRunAtStartup?: boolean;
  HardwareAccelerationRequiresPremiere?: boolean;
  WakeOnLanInfo?: Record<string, unknown>[];
  LocalAddress?: string;
  LocalAddresses?: string[];
  WanAddress?: string;
  RemoteAddresses?: string[];
  ServerName?: string;
  Version?: string;
  Id?: string;
}

export interface EmbyUserDto {
  Name?: string;
  ServerId?: string;
  ServerName?: string;
  Prefix?: string;
  ConnectUserName?: string;
  DateCreated?: string;
  ConnectLinkType?: 'LinkedUser' | 'Guest';
  Id?: string;
  PrimaryImageTag?: string;
  HasPassword?: boolean;
  HasConfiguredPassword?: boolean;
  EnableAutoLogin?: boolean;
  LastLoginDate?: string;
  LastActivityDate?: string;
  Configuration?: Record<string, unknown>;
  Policy?: EmbyUserPolicy;
  PrimaryImageAspectRatio?: number;
  HasConfiguredEasyPassword?: boolean;
  UserItemShareLevel?: 'None' | 'Read' | 'Write' | 'Manage' | 'ManageDelete';
}

export interface EmbyUserPolicy {
  IsAdministrator?: boolean;
  IsHidden?: boolean;
  IsHiddenRemotely?: boolean;
  IsHiddenFromUnusedDevices?: boolean;
  IsDisabled?: boolean;
  LockedOutDate?: number;
  MaxParentalRating?: number;
  AllowTagOrRating?: boolean;
  BlockedTags?: string[];
  IsTagBlockingModeInclusive?: boolean;
  IncludeTags?: string[];
  EnableUserPreferenceAccess?: boolean;
  AccessSchedules?: Record<string, unknown>[];
  BlockUnratedItems?: (
    | 'Movie'
    | 'Trailer'
    | 'Series'
    | 'Music'
    | 'Game'
    | 'Book'
    | 'LiveTvChannel'
    | 'LiveTvProgram'
    | 'ChannelContent'
    | 'Other'
  )[];
  EnableRemoteControlOfOtherUsers?: boolean;
  EnableSharedDeviceControl?: boolean;
  EnableRemoteAccess?: boolean;
  EnableLiveTvManagement?: boolean;
  EnableLiveTvAccess?: boolean;
  EnableMediaPlayback?: boolean;
  EnableAudioPlaybackTranscoding?: boolean;
  EnableVideoPlaybackTranscoding?: boolean;
  EnablePlaybackRemuxing?: boolean;
  EnableContentDeletion?: boolean;
  RestrictedFeatures?: string[];
  EnableContentDeletionFromFolders?: string[];
  EnableContentDownloading?: boolean;
  EnableSubtitleDownloading?: boolean;
  EnableSubtitleManagement?: boolean;
  EnableSyncTranscoding?: boolean;
  EnableMediaConversion?: boolean;
  EnabledChannels?: string[];
  EnableAllChannels?: boolean;
  EnabledFolders?: string[];
  EnableAllFolders?: boolean;
  InvalidLoginAttemptCount?: number;
  EnablePublicSharing?: boolean;
  BlockedMediaFolders?: string[];
  RemoteClientBitrateLimit?: number;
  AuthenticationProviderId?: string;
  ExcludedSubFolders?: string[];
  SimultaneousStreamLimit?: number;
  EnabledDevices?: string[];
  EnableAllDevices?: boolean;
  AllowCameraUpload?: boolean;
  AllowSharingPersonalItems?: boolean;
}

export interface EmbySessionInfo {
  PlayState?: EmbyPlayerStateInfo;
  AdditionalUsers?: Record<string, unknown>[];
  RemoteEndPoint?: string;
  Protocol?: string;
  PlayableMediaTypes?: string[];
  PlaylistItemId?: string;
  PlaylistIndex?: number;
  PlaylistLength?: number;
  Id?: string;
  ServerId?: string;
  UserId?: string;
  UserName?: string;
  UserPrimaryImageTag?: string;
  Client?: string;
  LastActivityDate?: string;
  DeviceName?: string;
  DeviceType?: string;
  NowPlayingItem?: EmbyBaseItemDto;
  InternalDeviceId?: number;
  DeviceId?: string;
  ApplicationVersion?: string;
  AppIconUrl?: string;
  SupportedCommands?: string[];
  TranscodingInfo?: EmbyTranscodingInfo;
  SupportsRemoteControl?: boolean;
}

export interface EmbyPlayerStateInfo {
  PositionTicks?: number;
  CanSeek?: boolean;
  IsPaused?: boolean;
  IsMuted?: boolean;
  VolumeLevel?: number;
  AudioStreamIndex?: number;
  SubtitleStreamIndex?: number;
  MediaSourceId?: string;
  PlayMethod?: 'Transcode' | 'DirectStream' | 'DirectPlay';
  RepeatMode?: 'RepeatNone' | 'RepeatAll' | 'RepeatOne';
  SubtitleOffset?: number;
  Shuffle?: boolean;
  PlaybackRate?: number;
}

export interface EmbyBaseItemDto {
  Name?: string;
  OriginalTitle?: string;
  ServerId?: string;
  Id?: string;
  Guid?: string;
  Etag?: string;
  Prefix?: string;
  PlaylistItemId?: string;
  DateCreated?: string;
  ExtraType?: string;
  SortIndexNumber?: number;
  SortParentIndexNumber?: number;
  CanDelete?: boolean;
  CanDownload?: boolean;
  CanEditItems?: boolean;
  SupportsResume?: boolean;
  PresentationUniqueKey?: string;
  PreferredMetadataLanguage?: string;
  PreferredMetadataCountryCode?: string;
  SupportsSync?: boolean;
  SyncStatus?: 'Queued' | 'Converting' | 'ReadyToTransfer' | 'Transferring' | 'Synced' | 'Failed';
  CanManageAccess?: boolean;
  CanLeaveContent?: boolean;
  CanMakePublic?: boolean;
  Container?: string;
  SortName?: string;
  ForcedSortName?: string;
  Video3DFormat?: 'HalfSideBySide' | 'FullSideBySide' | 'FullTopAndBottom' | 'HalfTopAndBottom' | 'MVC';
  PremiereDate?: string;
  ExternalUrls?: Record<string, unknown>[];
  MediaSources?: Record<string, unknown>[];
  CriticRating?: number;
  GameSystemId?: number;
  AsSeries?: boolean;
  GameSystem?: string;
  ProductionLocations?: string[];
  Path?: string;
  OfficialRating?: string;
  CustomRating?: string;
  ChannelId?: string;
  ChannelName?: string;
  Overview?: string;
  Taglines?: string[];
  Genres?: string[];
  CommunityRating?: number;
  RunTimeTicks?: number;
  Size?: number;
  FileName?: string;
  Bitrate?: number;
  ProductionYear?: number;
  Number?: string;
  ChannelNumber?: string;
  IndexNumber?: number;
  IndexNumberEnd?: number;
  ParentIndexNumber?: number;
  RemoteTrailers?: Record<string, unknown>[];
  ProviderIds?: Record<string, unknown>;
  IsFolder?: boolean;
  ParentId?: string;
  Type?: string;
  People?: Record<string, unknown>[];
  Studios?: Record<string, unknown>[];
  GenreItems?: Record<string, unknown>[];
  TagItems?: Record<string, unknown>[];
  ParentLogoItemId?: string;
  ParentBackdropItemId?: string;
  ParentBackdropImageTags?: string[];
  LocalTrailerCount?: number;
  UserData?: Record<string, unknown>;
  RecursiveItemCount?: number;
  ChildCount?: number;
  SeriesName?: string;
  SeriesId?: string;
  SeasonId?: string;
  SpecialFeatureCount?: number;
  DisplayPreferencesId?: string;
  Status?: string;
  AirDays?: ('Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday')[];
  Tags?: string[];
  PrimaryImageAspectRatio?: number;
  Artists?: string[];
  ArtistItems?: Record<string, unknown>[];
  Composers?: Record<string, unknown>[];
  Album?: string;
  CollectionType?: string;
  DisplayOrder?: string;
  AlbumId?: string;
  AlbumPrimaryImageTag?: string;
  SeriesPrimaryImageTag?: string;
  AlbumArtist?: string;
  AlbumArtists?: Record<string, unknown>[];
  SeasonName?: string;
  MediaStreams?: Record<string, unknown>[];
  PartCount?: number;
  ImageTags?: unknown;
  BackdropImageTags?: string[];
  ParentLogoImageTag?: string;
  SeriesStudio?: string;
  PrimaryImageItemId?: string;
  PrimaryImageTag?: string;
  ParentThumbItemId?: string;
  ParentThumbImageTag?: string;
  Chapters?: Record<string, unknown>[];
  LocationType?: 'FileSystem' | 'Virtual';
  MediaType?: string;
  EndDate?: string;
  LockedFields?: (
    | 'Cast'
    | 'Genres'
    | 'ProductionLocations'
    | 'Studios'
    | 'Tags'
    | 'Name'
    | 'Overview'
    | 'Runtime'
    | 'OfficialRating'
    | 'Collections'
    | 'ChannelNumber'
    | 'SortName'
    | 'OriginalTitle'
    | 'SortIndexNumber'
    | 'SortParentIndexNumber'
    | 'CommunityRating'
    | 'CriticRating'
    | 'Tagline'
  )[];
  LockData?: boolean;
  Width?: number;
  Height?: number;
  CameraMake?: string;
  CameraModel?: string;
  Software?: string;
  ExposureTime?: number;
  FocalLength?: number;
  ImageOrientation?:
    | 'TopLeft'
    | 'TopRight'
    | 'BottomRight'
    | 'BottomLeft'
    | 'LeftTop'
    | 'RightTop'
    | 'RightBottom'
    | 'LeftBottom';
  Aperture?: number;
  ShutterSpeed?: number;
  Latitude?: number;
  Longitude?: number;
  Altitude?: number;
  IsoSpeedRating?: number;
  SeriesTimerId?: string;
  ChannelPrimaryImageTag?: string;
  StartDate?: string;
  CompletionPercentage?: number;
  IsRepeat?: boolean;
  IsNew?: boolean;
  EpisodeTitle?: string;
  IsMovie?: boolean;
  IsSports?: boolean;
  IsSeries?: boolean;
  IsLive?: boolean;
  IsNews?: boolean;
  IsKids?: boolean;
  IsPremiere?: boolean;
  TimerType?: 'Program' | 'DateTime' | 'Keyword';
  Disabled?: boolean;
  ManagementId?: string;
  TimerId?: string;
  CurrentProgram?: EmbyBaseItemDto;
  MovieCount?: number;
  SeriesCount?: number;
  AlbumCount?: number;
  SongCount?: number;
  MusicVideoCount?: number;
  Subviews?: string[];
  ListingsProviderId?: string;
  ListingsChannelId?: string;
  ListingsPath?: string;
  ListingsId?: string;
  ListingsChannelName?: string;
  ListingsChannelNumber?: string;
  AffiliateCallSign?: string;
}

export interface EmbyActivityLogEntry {
  Id?: number;
  Name?: string;
  Overview?: string;
  ShortOverview?: string;
  Type?: string;
  ItemId?: string;
  Date?: string;
  UserId?: string;
  UserPrimaryImageTag?: string;
  Severity?: 'Info' | 'Debug' | 'Warn' | 'Error' | 'Fatal';
}

export interface EmbySyncJob {
  Id?: number;
  TargetId?: string;
  InternalTargetId?: number;
  TargetName?: string;
  Quality?: string;
  Bitrate?: number;
  Container?: string;
  VideoCodec?: string;
  AudioCodec?: string;
  Profile?: string;
  Category?: 'Latest' | 'NextUp' | 'Resume';
  ParentId?: number;
  Progress?: number;
  Name?: string;
  Status?:
    | 'Queued'
    | 'Converting'
    | 'ReadyToTransfer'
    | 'Transferring'
    | 'Completed'
    | 'CompletedWithError'
    | 'Failed';
  UserId?: number;
  UnwatchedOnly?: boolean;
  SyncNewContent?: boolean;
  ItemLimit?: number;
  RequestedItemIds?: number[];
  ItemId?: number;
  DateCreated?: string;
  DateLastModified?: string;
  ItemCount?: number;
  ParentName?: string;
  PrimaryImageItemId?: string;
  PrimaryImageTag?: string;
}

export interface EmbySyncJobItem {
  Id?: number;
  JobId?: number;
  ItemId?: number;
  ItemName?: string;
  MediaSourceId?: string;
  MediaSource?: Record<string, unknown>;
  TargetId?: string;
  InternalTargetId?: number;
  OutputPath?: string;
  Status?: 'Queued' | 'Converting' | 'ReadyToTransfer' | 'Transferring' | 'Synced' | 'Failed';
  Progress?: number;
  DateCreated?: string;
  PrimaryImageItemId?: string;
  PrimaryImageTag?: string;
  TemporaryPath?: string;
  AdditionalFiles?: Record<string, unknown>[];
}

export interface EmbySyncTarget {
  Name?: string;
  Id?: string;
}

export interface EmbyQueryResultUserDto {
  Items?: EmbyUserDto[];
  TotalRecordCount?: number;
}

export interface EmbyQueryResultSyncJob {
  Items?: EmbySyncJob[];
  TotalRecordCount?: number;
}

export interface EmbyQueryResultSyncJobItem {
  Items?: EmbySyncJobItem[];
  TotalRecordCount?: number;
}

export interface EmbyQueryResultActivityLogEntry {
  Items?: EmbyActivityLogEntry[];
  TotalRecordCount?: number;
}

export interface EmbyTranscodingInfo {
  AudioCodec?: string;
  VideoCodec?: string;
  SubProtocol?: string;
  Container?: string;
  IsVideoDirect?: boolean;
  IsAudioDirect?: boolean;
  Bitrate?: number;
  AudioBitrate?: number;
  VideoBitrate?: number;
  Framerate?: number;
  CompletionPercentage?: number;
  TranscodingPositionTicks?: number;
  TranscodingStartPositionTicks?: number;
  Width?: number;
  Height?: number;
  AudioChannels?: number;
  TranscodeReasons?: (
    | 'ContainerNotSupported'
    | 'VideoCodecNotSupported'
    | 'AudioCodecNotSupported'
    | 'ContainerBitrateExceedsLimit'
    | 'AudioBitrateNotSupported'
    | 'AudioChannelsNotSupported'
    | 'VideoResolutionNotSupported'
    | 'UnknownVideoStreamInfo'
    | 'UnknownAudioStreamInfo'
    | 'AudioProfileNotSupported'
    | 'AudioSampleRateNotSupported'
    | 'AnamorphicVideoNotSupported'
    | 'InterlacedVideoNotSupported'
    | 'SecondaryAudioNotSupported'
    | 'RefFramesNotSupported'
    | 'VideoBitDepthNotSupported'
    | 'VideoBitrateNotSupported'
    | 'VideoFramerateNotSupported'
    | 'VideoLevelNotSupported'
    | 'VideoProfileNotSupported'
    | 'AudioBitDepthNotSupported'
    | 'SubtitleCodecNotSupported'
    | 'DirectPlayError'
    | 'VideoRangeNotSupported'
    | 'SubtitleContentOptionsEnabled'
  )[];
  CurrentCpuUsage?: number;
  AverageCpuUsage?: number;
  CpuHistory?: Record<string, unknown>[];
  ProcessStatistics?: Record<string, unknown>;
  CurrentThrottle?: number;
  VideoDecoder?: string;
  VideoDecoderIsHardware?: boolean;
  VideoDecoderMediaType?: string;
  VideoDecoderHwAccel?: string;
  VideoEncoder?: string;
  VideoEncoderIsHardware?: boolean;
  VideoEncoderMediaType?: string;
  VideoEncoderHwAccel?: string;
  VideoPipelineInfo?: Record<string, unknown>[];
  SubtitlePipelineInfos?: Record<string, unknown>[][];
}
