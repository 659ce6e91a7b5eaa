CREATE TABLE "stopped_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"server_id" integer NOT NULL,
	"session_key" text NOT NULL,
	"member_id" integer,
	"stopped_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notices" ADD COLUMN "message_id" text;--> statement-breakpoint
ALTER TABLE "stopped_sessions" ADD CONSTRAINT "stopped_sessions_server_id_media_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."media_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stopped_sessions" ADD CONSTRAINT "stopped_sessions_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "stopped_sessions_server_key_unique" ON "stopped_sessions" USING btree ("server_id","session_key");