CREATE TYPE "public"."platform" AS ENUM('plex', 'jellyfin', 'emby');--> statement-breakpoint
CREATE TYPE "public"."server_status" AS ENUM('unknown', 'up', 'down');--> statement-breakpoint
CREATE TYPE "public"."download_switch_state" AS ENUM('disabled', 'disable-failed', 'enable-failed');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"actor_discord_id" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "breach_episodes" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"stop_attempts" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "download_switches" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"server_id" integer NOT NULL,
	"account_name" text NOT NULL,
	"account_id" text,
	"state" "download_switch_state" NOT NULL,
	"week_key" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "downloads" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"member_id" integer,
	"download_key" text NOT NULL,
	"account_name" text,
	"title" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_seen_incomplete_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone NOT NULL,
	"logged" boolean NOT NULL
);
--> statement-breakpoint
CREATE TABLE "media_accounts" (
	"id" serial PRIMARY KEY NOT NULL,
	"member_id" integer NOT NULL,
	"server_id" integer NOT NULL,
	"account_name" text NOT NULL,
	"account_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "media_servers" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"platform" "platform" NOT NULL,
	"url" text NOT NULL,
	"token_encrypted" text NOT NULL,
	"remote_id" text,
	"version" text,
	"premium" boolean,
	"can_stop_streams" boolean DEFAULT true NOT NULL,
	"stop_unavailable_reason" text,
	"log_streams" boolean DEFAULT true NOT NULL,
	"log_downloads" boolean DEFAULT true NOT NULL,
	"status" "server_status" DEFAULT 'unknown' NOT NULL,
	"status_reason" text,
	"status_since" timestamp with time zone,
	"last_poll_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "members" (
	"id" serial PRIMARY KEY NOT NULL,
	"discord_user_id" text NOT NULL,
	"display_name" text NOT NULL,
	"plan_id" integer,
	"download_allotment" integer,
	"email" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "members_discord_user_id_unique" UNIQUE("discord_user_id"),
	CONSTRAINT "members_allotment_non_negative" CHECK ("members"."download_allotment" >= 0)
);
--> statement-breakpoint
CREATE TABLE "notices" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"member_id" integer,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"stream_cap" integer NOT NULL,
	"downloads_allowed" boolean NOT NULL,
	"weekly_downloads" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "plans_stream_cap_positive" CHECK ("plans"."stream_cap" >= 1),
	CONSTRAINT "plans_weekly_downloads_non_negative" CHECK ("plans"."weekly_downloads" >= 0)
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"enforce_streams" boolean DEFAULT true NOT NULL,
	"enforce_downloads" boolean DEFAULT true NOT NULL,
	"disable_downloads" boolean DEFAULT false NOT NULL,
	"dry_run" boolean DEFAULT false NOT NULL,
	"alerts_channel_id" text,
	"commands_hash" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settings_single_row" CHECK ("settings"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "stream_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"member_id" integer,
	"session_key" text NOT NULL,
	"account_name" text NOT NULL,
	"device" text NOT NULL,
	"ip_address" text,
	"title" text,
	"state" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"name" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "breach_episodes" ADD CONSTRAINT "breach_episodes_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_switches" ADD CONSTRAINT "download_switches_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "download_switches" ADD CONSTRAINT "download_switches_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "downloads" ADD CONSTRAINT "downloads_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "downloads" ADD CONSTRAINT "downloads_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_accounts" ADD CONSTRAINT "media_accounts_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_accounts" ADD CONSTRAINT "media_accounts_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notices" ADD CONSTRAINT "notices_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_log" ADD CONSTRAINT "stream_log_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_log" ADD CONSTRAINT "stream_log_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_created_idx" ON "audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "breach_episodes_one_open" ON "breach_episodes" USING btree ("member_id") WHERE "breach_episodes"."closed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "download_switches_member_server_unique" ON "download_switches" USING btree ("member_id","server_id");--> statement-breakpoint
CREATE UNIQUE INDEX "downloads_server_key_unique" ON "downloads" USING btree ("server_id","download_key");--> statement-breakpoint
CREATE INDEX "downloads_member_started_idx" ON "downloads" USING btree ("member_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "media_accounts_member_server_unique" ON "media_accounts" USING btree ("member_id","server_id");--> statement-breakpoint
CREATE UNIQUE INDEX "media_accounts_server_name_unique" ON "media_accounts" USING btree ("server_id",lower("account_name"));--> statement-breakpoint
CREATE UNIQUE INDEX "media_servers_name_unique" ON "media_servers" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "notices_once" ON "notices" USING btree ("kind","subject","channel");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_name_unique" ON "plans" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "stream_log_server_key_idx" ON "stream_log" USING btree ("server_id","session_key","last_seen_at");--> statement-breakpoint
CREATE INDEX "stream_log_seen_idx" ON "stream_log" USING btree ("last_seen_at");