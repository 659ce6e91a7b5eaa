CREATE TABLE "server_outages" (
	"id" serial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "stopped_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"session_key" text NOT NULL,
	"member_id" integer,
	"stopped_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "message_id" text;--> statement-breakpoint
ALTER TABLE "settings" ADD COLUMN "reports_channel_id" text;--> statement-breakpoint
ALTER TABLE "server_outages" ADD CONSTRAINT "server_outages_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stopped_sessions" ADD CONSTRAINT "stopped_sessions_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stopped_sessions" ADD CONSTRAINT "stopped_sessions_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "server_outages_one_open" ON "server_outages" USING btree ("server_id") WHERE "server_outages"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "server_outages_started_idx" ON "server_outages" USING btree ("started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "stopped_sessions_server_key_unique" ON "stopped_sessions" USING btree ("server_id","session_key");